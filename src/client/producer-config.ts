/**
 * The producer's configuration (Java's ProducerConfig): the options a user
 * passes, with Kafka's names in their docs, and their resolution into the
 * checked values the producer runs with. Every refusal is a ClientError
 * SAMSA_ERR_CONFIG naming the option, as Java refuses a bad config at
 * construction.
 */
import { ClientError } from '../protocol/index.ts';
import { CompressionCodec } from '../records/index.ts';
import { idempotenceOf } from './record-accumulator.ts';

export type Acks = 0 | 1 | -1;
export type CompressionName = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

export const COMPRESSION_CODECS: Readonly<Record<CompressionName, CompressionCodec>> = {
  none: CompressionCodec.NONE, gzip: CompressionCodec.GZIP, snappy: CompressionCodec.SNAPPY, lz4: CompressionCodec.LZ4, zstd: CompressionCodec.ZSTD,
};

export interface ProducerOptions {
  /** Kafka's acks: 0 (no answer), 1 (leader), -1 / all (ISR). Default -1. */
  acks?: Acks;
  /** linger.ms: how long a batch that is not full waits for more records. Default 5. */
  lingerMs?: number;
  /** batch.size in bytes. Default 16384. */
  batchSize?: number;
  compression?: CompressionName;
  /** buffer.memory in bytes: records accepted but not yet acknowledged. Default 32 MiB. */
  bufferMemory?: number;
  /** The Produce request's timeoutMs (how long the broker may wait for acks). Default 30000. */
  requestTimeoutMs?: number;
  /** Retries of a batch after a retriable error. Default 2147483647: deliveryTimeoutMs is the bound, as in Java. */
  retries?: number;
  /** retry.backoff.ms: the first retry's wait, doubled for each next one. Default 100. */
  retryBackoffMs?: number;
  /** retry.backoff.max.ms: the cap on that doubling. Default 1000. */
  retryBackoffMaxMs?: number;
  /** delivery.timeout.ms: a record not acknowledged this long after its batch opened fails. Default 120000; at least lingerMs + requestTimeoutMs. */
  deliveryTimeoutMs?: number;
  /** max.in.flight.requests.per.connection. Default 5. */
  maxInFlight?: number;
  /** max.request.size in bytes. Default 1 MiB. */
  maxRequestSize?: number;
  /**
   * enable.idempotence: producer id, epoch and sequence numbers so that retries are written once and in order.
   * Default: on when acks is -1, retries > 0 and maxInFlight <= 5 (as Java since 3.0), else off; set true
   * with any of those otherwise is a configuration error.
   */
  enableIdempotence?: boolean;
  /** transactional.id: enables transactions (and needs idempotence). */
  transactionalId?: string;
  /** transaction.timeout.ms: the coordinator aborts a transaction open longer. Default 60000. */
  transactionTimeoutMs?: number;
  /** max.block.ms: how long the transactional calls keep retrying the coordinators. Default 60000. */
  maxBlockMs?: number;
  /** Let the broker create unknown topics (Kafka's producer does). Default true. */
  allowAutoTopicCreation?: boolean;
  /** Random source for sticky partitioning, for tests. */
  random?: () => number;
}

/** The options resolved: defaults applied, every value checked. */
export interface ProducerConfig {
  readonly acks: Acks;
  readonly lingerMs: number;
  readonly batchSize: number;
  readonly codec: CompressionCodec;
  readonly bufferMemory: number;
  readonly requestTimeoutMs: number;
  readonly retries: number;
  readonly retryBackoffMs: number;
  readonly retryBackoffMaxMs: number;
  readonly deliveryTimeoutMs: number;
  readonly maxInFlight: number;
  readonly maxRequestSize: number;
  readonly allowAutoTopicCreation: boolean;
  readonly idempotent: boolean;
  readonly transactionalId: string | null;
  readonly transactionTimeoutMs: number;
  readonly maxBlockMs: number;
}

export function resolveProducerConfig(options: ProducerOptions): ProducerConfig {
  const c = {
    acks: options.acks ?? -1,
    lingerMs: options.lingerMs ?? 5,
    batchSize: options.batchSize ?? 16_384,
    codec: COMPRESSION_CODECS[options.compression ?? 'none'],
    bufferMemory: options.bufferMemory ?? 32 * 1024 * 1024,
    requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
    retries: options.retries ?? 2_147_483_647,
    retryBackoffMs: options.retryBackoffMs ?? 100,
    retryBackoffMaxMs: options.retryBackoffMaxMs ?? 1000,
    deliveryTimeoutMs: options.deliveryTimeoutMs ?? 120_000,
    maxInFlight: options.maxInFlight ?? 5,
    maxRequestSize: options.maxRequestSize ?? 1024 * 1024,
    allowAutoTopicCreation: options.allowAutoTopicCreation ?? true,
    transactionalId: options.transactionalId ?? null,
    transactionTimeoutMs: options.transactionTimeoutMs ?? 60_000,
    maxBlockMs: options.maxBlockMs ?? 60_000,
  };
  if (![0, 1, -1].includes(c.acks)) throw new ClientError(`invalid acks ${String(c.acks)}: expected 0, 1 or -1`, 'SAMSA_ERR_CONFIG');
  if (c.codec === undefined) throw new ClientError(`invalid compression '${String(options.compression)}'`, 'SAMSA_ERR_CONFIG');
  for (const [name, v] of [['lingerMs', c.lingerMs], ['retries', c.retries], ['retryBackoffMs', c.retryBackoffMs], ['retryBackoffMaxMs', c.retryBackoffMaxMs]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new ClientError(`invalid ${name} ${v}`, 'SAMSA_ERR_CONFIG');
  }
  // Java refuses this too: a record could expire before its first request may even time out.
  if (!Number.isInteger(c.deliveryTimeoutMs) || c.deliveryTimeoutMs < c.lingerMs + c.requestTimeoutMs) {
    throw new ClientError(`invalid deliveryTimeoutMs ${c.deliveryTimeoutMs}: it must be at least lingerMs + requestTimeoutMs (${c.lingerMs + c.requestTimeoutMs})`, 'SAMSA_ERR_CONFIG');
  }
  for (const [name, v] of [
    ['batchSize', c.batchSize], ['bufferMemory', c.bufferMemory], ['maxInFlight', c.maxInFlight], ['maxRequestSize', c.maxRequestSize],
    ['transactionTimeoutMs', c.transactionTimeoutMs], ['maxBlockMs', c.maxBlockMs],
  ] as const) {
    if (!Number.isInteger(v) || v <= 0) throw new ClientError(`invalid ${name} ${v}`, 'SAMSA_ERR_CONFIG');
  }
  const transactional = c.transactionalId !== null;
  if (transactional && options.enableIdempotence === false) {
    throw new ClientError('a transactional producer needs idempotence: do not set enableIdempotence to false', 'SAMSA_ERR_CONFIG');
  }
  if (transactional && c.transactionalId === '') throw new ClientError('invalid transactionalId: it cannot be empty', 'SAMSA_ERR_CONFIG');
  return { ...c, idempotent: idempotenceOf(transactional ? true : options.enableIdempotence, c.acks, c.retries, c.maxInFlight) };
}
