/**
 * The markers of one decided transaction (PrepareCommit or PrepareAbort
 * written): which partitions still need theirs, which are in flight, and
 * when each may be retried. Kafka's TransactionMarkerChannelManager and its
 * completion handler, reduced to the bookkeeping: the coordinator sends what
 * `takeDue` hands out and reports the answers to `settle`.
 *
 * Per answer: NONE is done; a retriable error is retried after a backoff
 * that doubles per attempt; a partition of a deleted topic is dropped (its
 * data went with the topic); TRANSACTION_COORDINATOR_FENCED and
 * INVALID_PRODUCER_EPOCH stop the job, as in Kafka: a newer coordinator or
 * epoch owns the transaction and completes it. An unexpected error is
 * logged and retried, since giving up would leave the partition's data
 * undecided forever.
 */
import { ErrorCode } from '../../protocol/index.ts';
import { partitionKey, type TxnPartition } from './txn-metadata.ts';

export const MARKER_RETRY_BACKOFF_MS = 100;
export const MARKER_RETRY_BACKOFF_MS_MAX = 5_000;

export type MarkerAnswer = 'written' | 'retry' | 'drop' | 'stop' | 'unexpected';

export function classifyMarkerError(errorCode: number, topicExists: boolean): MarkerAnswer {
  switch (errorCode) {
    case ErrorCode.NONE: return 'written';
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION: return topicExists ? 'retry' : 'drop';
    case ErrorCode.NOT_LEADER_OR_FOLLOWER: case ErrorCode.NOT_ENOUGH_REPLICAS: case ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case ErrorCode.REQUEST_TIMED_OUT: case ErrorCode.KAFKA_STORAGE_ERROR: case ErrorCode.NETWORK_EXCEPTION:
    case ErrorCode.COORDINATOR_LOAD_IN_PROGRESS: case ErrorCode.COORDINATOR_NOT_AVAILABLE: case ErrorCode.NOT_COORDINATOR:
      return 'retry';
    // A broker too old for transactional markers: Kafka gives up on that partition.
    case ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT: case ErrorCode.UNSUPPORTED_VERSION: return 'drop';
    case ErrorCode.TRANSACTION_COORDINATOR_FENCED: case ErrorCode.INVALID_PRODUCER_EPOCH: return 'stop';
    default: return 'unexpected';
  }
}

export function backoffMs(attempts: number): number {
  return Math.min(MARKER_RETRY_BACKOFF_MS * 2 ** Math.min(attempts, 16), MARKER_RETRY_BACKOFF_MS_MAX);
}

interface PartitionProgress {
  readonly partition: TxnPartition;
  inFlight: boolean;
  dueMs: number;
  attempts: number;
}

export class MarkerJob {
  private readonly pending = new Map<string, PartitionProgress>();
  /** Set once every marker is written: when the Complete* record may be (re)tried. */
  completeDueMs: number | null = null;
  completing = false;
  /** No more sends: fenced, or the partition was unloaded. */
  stopped = false;

  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly coordinatorEpoch: number;
  readonly committed: boolean;
  readonly transactionVersion: number;

  constructor(
    marker: { producerId: bigint; producerEpoch: number; coordinatorEpoch: number; committed: boolean; transactionVersion: number },
    partitions: readonly TxnPartition[],
    nowMs: number,
  ) {
    this.producerId = marker.producerId;
    this.producerEpoch = marker.producerEpoch;
    this.coordinatorEpoch = marker.coordinatorEpoch;
    this.committed = marker.committed;
    this.transactionVersion = marker.transactionVersion;
    for (const p of partitions) this.pending.set(partitionKey(p), { partition: p, inFlight: false, dueMs: nowMs, attempts: 0 });
  }

  /** Every marker written (or dropped) and none in flight. */
  allWritten(): boolean {
    return this.pending.size === 0;
  }

  remaining(): TxnPartition[] {
    return [...this.pending.values()].map((p) => p.partition);
  }

  drop(p: TxnPartition): void {
    this.pending.delete(partitionKey(p));
  }

  /** The partitions to send now; they are in flight until `settle`. */
  takeDue(nowMs: number): TxnPartition[] {
    const due: TxnPartition[] = [];
    for (const p of this.pending.values()) {
      if (p.inFlight || p.dueMs > nowMs) continue;
      p.inFlight = true;
      due.push(p.partition);
    }
    return due;
  }

  /** Applies one answer; returns what it was, for the caller to log or stop on. */
  settle(p: TxnPartition, answer: MarkerAnswer, nowMs: number): void {
    const progress = this.pending.get(partitionKey(p));
    if (progress === undefined) return;
    if (answer === 'written' || answer === 'drop') {
      this.pending.delete(partitionKey(p));
      return;
    }
    progress.inFlight = false;
    progress.attempts++;
    progress.dueMs = nowMs + backoffMs(progress.attempts - 1);
    if (answer === 'stop') this.stopped = true;
  }

  nextDeadlineMs(): number | null {
    if (this.stopped) return null;
    if (this.pending.size === 0) return this.completing ? null : this.completeDueMs;
    let next: number | null = null;
    for (const p of this.pending.values()) if (!p.inFlight && (next === null || p.dueMs < next)) next = p.dueMs;
    return next;
  }
}
