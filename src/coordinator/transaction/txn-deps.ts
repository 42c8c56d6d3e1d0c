/**
 * What the transaction coordinator needs from the broker, as interfaces so
 * that the simulation and unit tests can hand it in-memory versions: the
 * `__transaction_state` log, the channel that writes transaction markers to
 * data partitions, producer id allocation, and a clock.
 */
import type { BrokerConfig } from '../../metadata/index.ts';

export const TRANSACTION_STATE_TOPIC = '__transaction_state';

export interface TxnCoordinatorConfig {
  readonly transactionMaxTimeoutMs: number;
  readonly transactionalIdExpirationMs: number;
  readonly abortTimedOutTransactionCleanupIntervalMs: number;
  readonly removeExpiredTransactionalIdCleanupIntervalMs: number;
}

export function txnCoordinatorConfig(c: BrokerConfig): TxnCoordinatorConfig {
  return {
    transactionMaxTimeoutMs: c.transactionMaxTimeoutMs,
    transactionalIdExpirationMs: c.transactionalIdExpirationMs,
    abortTimedOutTransactionCleanupIntervalMs: c.transactionAbortTimedOutTransactionCleanupIntervalMs,
    removeExpiredTransactionalIdCleanupIntervalMs: c.transactionRemoveExpiredTransactionCleanupIntervalMs,
  };
}

export interface TxnStateLog {
  /** Partitions of `__transaction_state`, or null while the topic does not exist. */
  partitionCount(): number | null;
  /** Creates the topic when it does not exist yet. */
  ensureTopic(): Promise<{ errorCode: number; errorMessage: string | null }>;
  /** The partitions this node leads; leaderEpoch is the coordinator epoch of that partition. */
  ledPartitions(): { partition: number; leaderEpoch: number }[];
  /**
   * Appends the records as one batch with acks=all: NONE once every in-sync
   * replica has them, else NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE or
   * UNKNOWN_SERVER_ERROR. A number means it is already decided.
   */
  write(partition: number, records: readonly { key: Buffer; value: Buffer | null }[], nowMs: number): number | Promise<number>;
  /** Every record of a partition up to its log end, oldest first. */
  replay(partition: number, visit: (key: Buffer | null, value: Buffer | null) => void): void;
}

export interface TxnMarkerRequest {
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly coordinatorEpoch: number;
  readonly committed: boolean;
  /** WriteTxnMarkers v2: 2 when the transaction ended under transaction version 2 (the partition then wants a newer epoch than the data's). */
  readonly transactionVersion: number;
  readonly topics: readonly { topic: string; partitions: readonly number[] }[];
}

export interface TxnMarkerChannel {
  /**
   * Sends WriteTxnMarkers to each partition's current leader and answers one
   * error code per partition (NONE: written and replicated). Never rejects:
   * a lost connection is an error code (NETWORK_EXCEPTION, REQUEST_TIMED_OUT).
   */
  write(req: TxnMarkerRequest): Promise<{ topic: string; partition: number; errorCode: number }[]>;
}

export interface TxnCoordinatorDeps {
  readonly config: TxnCoordinatorConfig;
  readonly log: TxnStateLog;
  readonly markers: TxnMarkerChannel;
  allocateProducerId(): Promise<{ errorCode: number; producerId: bigint }>;
  /** The `__consumer_offsets` partition of a group (for AddOffsetsToTxn), null when that topic does not exist. */
  offsetsPartitionFor(groupId: string): number | null;
  /** Markers for the partitions of a deleted topic are dropped, as Kafka does. */
  topicExists(topic: string): boolean;
  readonly clock: { nowMs(): number };
  logLine(line: string, level?: 'warn' | 'error'): void;
}
