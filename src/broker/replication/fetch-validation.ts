/**
 * How a partition leader checks a follower's fetch, in Kafka's order
 * (Partition.fetchRecords): the follower's leader epoch first (FENCED or
 * UNKNOWN_LEADER_EPOCH), then whether its log diverged from the leader's at
 * its last fetched epoch (KIP-320: answer the epoch's end so it truncates),
 * and only then the offset range. A follower ahead of the leader after an
 * election therefore learns where to truncate instead of being told
 * OFFSET_OUT_OF_RANGE, and nothing it claims counts before this passes.
 */
import { ErrorCode } from '../../protocol/index.ts';
import type { ReplicaLog } from './replica-log.ts';

export interface FollowerFetch {
  /** The leader epoch the follower knows; -1 skips the check (old fetch versions). */
  currentLeaderEpoch: number;
  fetchOffset: number;
  /** Epoch of the follower's last record; -1 when unknown (an empty log). */
  lastFetchedEpoch: number;
}

export type FetchValidation =
  | { kind: 'ok' }
  | { kind: 'diverging'; epoch: number; endOffset: number }
  | { kind: 'error'; errorCode: number };

const OK: FetchValidation = Object.freeze({ kind: 'ok' });

export function validateFollowerFetch(leaderEpoch: number, log: Pick<ReplicaLog, 'logStartOffset' | 'logEndOffset' | 'endOffsetForEpoch'>, fetch: FollowerFetch): FetchValidation {
  if (fetch.currentLeaderEpoch >= 0) {
    if (fetch.currentLeaderEpoch < leaderEpoch) return { kind: 'error', errorCode: ErrorCode.FENCED_LEADER_EPOCH };
    if (fetch.currentLeaderEpoch > leaderEpoch) return { kind: 'error', errorCode: ErrorCode.UNKNOWN_LEADER_EPOCH };
  }
  if (fetch.lastFetchedEpoch >= 0) {
    const end = log.endOffsetForEpoch(fetch.lastFetchedEpoch);
    if (end.epoch !== fetch.lastFetchedEpoch || end.endOffset < fetch.fetchOffset) {
      return { kind: 'diverging', epoch: end.epoch, endOffset: end.endOffset };
    }
  }
  if (fetch.fetchOffset < log.logStartOffset || fetch.fetchOffset > log.logEndOffset) {
    return { kind: 'error', errorCode: ErrorCode.OFFSET_OUT_OF_RANGE };
  }
  return OK;
}
