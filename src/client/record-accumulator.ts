/**
 * The producer's record accumulator, as Kafka's RecordAccumulator: the
 * records a send() hands over, per partition an open batch and the closed
 * ones waiting to be sent, and the conversions of a record into the form a
 * batch is encoded from. The Producer drives it; nothing here sends.
 */
import { ClientError, ErrorCode } from '../protocol/index.ts';
import { RECORD_BATCH_OVERHEAD, type RecordHeader, type RecordInput } from '../records/index.ts';
import type { Acks } from './producer-config.ts';

const INT32_MAX = 0x7fffffff;
/** Java's limit for idempotence: the broker remembers the last five batches of a producer per partition. */
export const IDEMPOTENT_IN_FLIGHT_MAX = 5;
/** Upper bound on one record's framing (varints for length, deltas, key/value lengths, header count). */
const RECORD_OVERHEAD_BYTES_MAX = 24;

export type Bytes = Buffer | string | null | undefined;

export interface ProducerRecord {
  topic: string;
  key?: Bytes;
  value: Bytes;
  headers?: Record<string, Bytes> | readonly { key: string; value: Bytes }[];
  /** Milliseconds since the epoch; default now. */
  timestamp?: number | bigint | Date;
  partition?: number;
}

export interface RecordMetadata {
  topic: string;
  partition: number;
  /** -1 with acks=0, where the broker does not answer. */
  offset: bigint;
}

export interface Delivery {
  resolve(m: RecordMetadata): void;
  reject(e: Error): void;
}

/** One batch of one partition: open while records join, then encoded once. */
export class Batch {
  readonly topic: string;
  readonly partition: number;
  readonly records: RecordInput[] = [];
  readonly deliveries: Delivery[] = [];
  readonly createdMs: number;
  /** delivery.timeout.ms after createdMs. */
  readonly expiresAtMs: number;
  /** Acknowledged, failed or expired: a later answer for it is ignored. */
  done = false;
  sizeBytes = RECORD_BATCH_OVERHEAD;
  /** Bytes reserved from bufferMemory for these records. */
  reservedBytes = 0;
  /** Position in its partition (creation order): retries are requeued by it. */
  readonly order: number;
  /** Set when first drained (with the sequence, when idempotent); null again only to re-encode under a new producer id. */
  encoded: Buffer | null = null;
  attempts = 0;
  /** Produce requests that carried it. */
  sends = 0;
  retryAtMs = 0;
  /** The producer id generation and sequence it was encoded with (idempotent only). */
  generation = -1;
  baseSequence = -1;

  constructor(topic: string, partition: number, order: number, nowMs: number, deliveryTimeoutMs: number) {
    this.topic = topic;
    this.partition = partition;
    this.order = order;
    this.createdMs = nowMs;
    this.expiresAtMs = nowMs + deliveryTimeoutMs;
  }
}

/** Per partition: the open batch and the closed ones waiting to be sent, oldest first. */
export class PartitionQueue {
  open: Batch | null = null;
  /** Ordered by Batch.order. */
  readonly ready: Batch[] = [];
  /** Batches in Produce requests not yet answered, oldest first. */
  readonly inFlight: Batch[] = [];
  nextOrder = 0;
  /** The next baseSequence, valid for producer id generation `sequenceGeneration`. */
  nextSequence = 0;
  sequenceGeneration = -1;
}

export function toBytes(v: Bytes): Buffer | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? Buffer.from(v) : v;
}

export function toHeaders(h: ProducerRecord['headers']): RecordHeader[] {
  if (h === undefined) return [];
  if (Array.isArray(h)) return (h as readonly { key: string; value: Bytes }[]).map((x) => ({ key: x.key, value: toBytes(x.value) }));
  return Object.entries(h as Record<string, Bytes>).map(([key, value]) => ({ key, value: toBytes(value) }));
}

/** The last Date.now() and its bigint: records sent in the same millisecond share one conversion. */
let nowMsCached = 0;
let nowCached = 0n;

export function toTimestamp(t: ProducerRecord['timestamp']): bigint {
  if (t === undefined) {
    const ms = Date.now();
    if (ms !== nowMsCached) {
      nowMsCached = ms;
      nowCached = BigInt(ms);
    }
    return nowCached;
  }
  if (typeof t === 'bigint') return t;
  return BigInt(typeof t === 'number' ? Math.trunc(t) : t.getTime());
}

export function estimateBytes(r: RecordInput): number {
  let n = RECORD_OVERHEAD_BYTES_MAX + (r.key?.length ?? 0) + (r.value?.length ?? 0);
  for (const h of r.headers ?? []) n += 10 + Buffer.byteLength(h.key) + (h.value?.length ?? 0);
  return n;
}

/** Kafka's DefaultRecordBatch.incrementSequence: sequences wrap from 2^31-1 to 0. */
export function incrementSequence(sequence: number, increment: number): number {
  return sequence > INT32_MAX - increment ? increment - (INT32_MAX - sequence) - 1 : sequence + increment;
}

export function isSequenceError(code: number): boolean {
  return code === ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER || code === ErrorCode.UNKNOWN_PRODUCER_ID || code === ErrorCode.INVALID_PRODUCER_EPOCH;
}

/** Java's rule: explicitly on needs acks=all, retries > 0 and at most five in flight; by default it is on only when those hold. */
export function idempotenceOf(enabled: boolean | undefined, acks: Acks, retries: number, maxInFlight: number): boolean {
  const conflicts: string[] = [];
  if (acks !== -1) conflicts.push(`acks must be -1 (all), not ${acks}`);
  if (retries === 0) conflicts.push('retries must be greater than 0');
  if (maxInFlight > IDEMPOTENT_IN_FLIGHT_MAX) conflicts.push(`maxInFlight must be at most ${IDEMPOTENT_IN_FLIGHT_MAX}, not ${maxInFlight}`);
  if (enabled === true && conflicts.length > 0) {
    throw new ClientError(`enableIdempotence: ${conflicts.join('; ')}`, 'SAMSA_ERR_CONFIG');
  }
  return enabled ?? conflicts.length === 0;
}

export function insertByOrder(ready: Batch[], b: Batch): void {
  let i = 0;
  while (i < ready.length && ready[i]!.order < b.order) i++;
  ready.splice(i, 0, b);
}

export function removeItem<T>(list: T[], item: T): void {
  const i = list.indexOf(item);
  if (i >= 0) list.splice(i, 1);
}

