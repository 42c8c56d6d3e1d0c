/**
 * What replication needs of a partition's log. The broker's PartitionLog
 * (segments on disk) provides it; the replication simulation gives an
 * in-memory one, so both drive the same Partition code.
 */
import type { AbortedTxn, LeaderEpochCache } from '../../storage/index.ts';

export interface ReplicaLog {
  readonly logStartOffset: number;
  readonly logEndOffset: number;
  readonly leaderEpochCache: Pick<LeaderEpochCache, 'latestEpoch' | 'entries' | 'assign'>;
  /** Assigns offsets from the log end by patching each batch's baseOffset. */
  append(records: Buffer, batchCount?: number): { firstOffset: number; lastOffset: number };
  /** Appends batches with the offsets they carry (a follower copying its leader). */
  appendAsFollower(records: Buffer): { firstOffset: number; lastOffset: number };
  /** Whole batches from `fetchOffset`, none at or above `maxOffset`. */
  read(fetchOffset: number, maxBytes: number, maxOffset: number, minOneMessage: boolean): { records: Buffer | null };
  endOffsetForEpoch(epoch: number): { epoch: number; endOffset: number };
  /** Drops records at or above `offset`, and epochs starting there (even when no record is cut). */
  truncateTo(offset: number): void;
  truncateFullyAndStartAt(offset: number): void;
  /** Records an aborted transaction whose ABORT marker is at `entry.lastOffset`; an entry already recorded is ignored. */
  appendAbortedTxn(entry: AbortedTxn): void;
  /** Aborted transactions with lastOffset >= fetchOffset and firstOffset < upperBoundOffset (a read_committed fetch). */
  collectAbortedTxns(fetchOffset: number, upperBoundOffset: number): AbortedTxn[];
}
