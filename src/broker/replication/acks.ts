/**
 * The decisions behind acks=all, shared by the replica manager (which owns
 * the one wait) and the replication simulation: which offset a write must
 * see committed before it is answered — a retried duplicate waits exactly
 * like a fresh append (Kafka keeps it in the produce purgatory until the high
 * watermark passes it) — and which acks the coordinators' own writes use.
 */
import type { LeaderAppend } from '../partition.ts';

export const ACKS_ALL = -1;

/** The high watermark that makes this write answerable under acks=all; null for a refused write. */
export function requiredOffsetOf(result: LeaderAppend): number | null {
  if (result.kind === 'error') return null;
  return result.lastOffset + 1;
}

/**
 * The group coordinator writes offset commits (and group state) with
 * acks=all, as Kafka 4 always does (offsets.commit.required.acks is gone):
 * a commit is answered only once every in-sync replica of its
 * `__consumer_offsets` partition has it, bounded by offsets.commit.timeout.ms.
 */
export function coordinatorAcks(): number {
  return ACKS_ALL;
}
