/**
 * The two halves of KRaft's log reconciliation (KIP-595), as pure functions of
 * a log: the leader judges a fetch position, and a follower told that it
 * diverges picks where to truncate.
 */
import type { OffsetAndEpoch } from './types.ts';
import { invariant, type RaftLog } from './raft-log.ts';

export type FetchVerdict =
  | { readonly kind: 'valid' }
  | { readonly kind: 'snapshot'; readonly snapshotId: OffsetAndEpoch }
  | { readonly kind: 'diverging'; readonly divergingEpoch: OffsetAndEpoch };

/**
 * Leader side. The position is valid when the leader's log has
 * `lastFetchedEpoch` and that epoch reaches `fetchOffset`: then, as entries of
 * one epoch come from one leader, the fetcher's log equals ours up to
 * fetchOffset. Otherwise the answer names the largest epoch we share with the
 * fetcher and where it ends (clamped to fetchOffset), or our snapshot when the
 * position is before our log start or older than anything we still hold.
 */
export function validateFetchPosition(log: RaftLog, fetchOffset: number, lastFetchedEpoch: number): FetchVerdict {
  const snapshot = log.snapshot;
  if (fetchOffset < log.startOffset) {
    invariant(snapshot !== null, `log starts at ${log.startOffset} without a snapshot`);
    return { kind: 'snapshot', snapshotId: snapshot.id };
  }
  const known = log.endOffsetForEpoch(lastFetchedEpoch);
  if (known === null) {
    invariant(snapshot !== null, 'an epoch older than the log needs a snapshot to explain it');
    return { kind: 'snapshot', snapshotId: snapshot.id };
  }
  if (known.epoch === lastFetchedEpoch && known.offset >= fetchOffset) return { kind: 'valid' };
  return { kind: 'diverging', divergingEpoch: { epoch: known.epoch, offset: Math.min(known.offset, fetchOffset) } };
}

/**
 * Follower side: truncate to where both logs still agree, which is the end of
 * the named epoch in the leader's log or in ours, whichever is smaller (our
 * own end matters when we hold later epochs the leader never had).
 */
export function divergenceTruncationPoint(log: RaftLog, diverging: OffsetAndEpoch): number {
  const ours = log.endOffsetForEpoch(diverging.epoch);
  invariant(ours !== null, `the leader's log diverges before our snapshot at ${log.startOffset}`);
  return log.floorBoundary(Math.min(diverging.offset, ours.offset));
}

/** A candidate's log is at least as up to date as ours: compare last epochs, then end offsets. */
export function isAtLeastAsUpToDate(candidate: OffsetAndEpoch, own: OffsetAndEpoch): boolean {
  if (candidate.epoch !== own.epoch) return candidate.epoch > own.epoch;
  return candidate.offset >= own.offset;
}
