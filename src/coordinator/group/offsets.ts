/**
 * Committed offsets: their record form and their expiry (offsets.retention.minutes),
 * as Kafka's GroupMetadata.removeExpiredOffsets decides it (KIP-211):
 *
 *   - an Empty group with a protocol type: every offset expires once the group
 *     has been empty for the retention period (measured from the commit when
 *     the group's state timestamp is unknown);
 *   - a Stable consumer group that knows its subscriptions: offsets of topics
 *     it no longer subscribes to expire a retention period after their commit;
 *   - a group without a protocol type (simple consumers, admin commits): each
 *     offset expires a retention period after its commit.
 *
 * An offset committed with an explicit expire timestamp (OffsetCommit v2–v4)
 * expires then instead.
 */
import type { OffsetCommitRecordValue } from './records.ts';
import type { ClassicGroup, CommittedOffset } from './classic-group.ts';
import { CONSUMER_PROTOCOL_TYPE } from './classic-group.ts';

export interface TopicPartitionRef {
  readonly topic: string;
  readonly partition: number;
}

export function offsetRecordValue(c: CommittedOffset): OffsetCommitRecordValue {
  return {
    offset: c.offset,
    leaderEpoch: c.leaderEpoch,
    metadata: c.metadata,
    commitTimestamp: BigInt(c.commitTimestampMs),
    expireTimestamp: BigInt(c.expireTimestampMs),
  };
}

export function committedOffsetFromRecord(v: OffsetCommitRecordValue): CommittedOffset {
  return {
    offset: v.offset,
    leaderEpoch: v.leaderEpoch,
    metadata: v.metadata,
    commitTimestampMs: Number(v.commitTimestamp),
    expireTimestampMs: Number(v.expireTimestamp),
  };
}

export function expiredOffsets(group: ClassicGroup, nowMs: number, retentionMs: number): TopicPartitionRef[] {
  if (group.protocolType !== null && group.is('Empty')) {
    return collect(group, nowMs, retentionMs, (c) => group.stateTimestampMs ?? c.commitTimestampMs, null);
  }
  if (group.protocolType === CONSUMER_PROTOCOL_TYPE && group.subscribedTopics !== null && group.is('Stable')) {
    return collect(group, nowMs, retentionMs, (c) => c.commitTimestampMs, group.subscribedTopics);
  }
  if (group.protocolType === null) return collect(group, nowMs, retentionMs, (c) => c.commitTimestampMs, null);
  return [];
}

function collect(
  group: ClassicGroup, nowMs: number, retentionMs: number,
  baseMs: (c: CommittedOffset) => number, keepTopics: ReadonlySet<string> | null,
): TopicPartitionRef[] {
  const out: TopicPartitionRef[] = [];
  for (const [topic, byPartition] of group.offsets) {
    if (keepTopics !== null && keepTopics.has(topic)) continue;
    for (const [partition, c] of byPartition) {
      const expired = c.expireTimestampMs >= 0 ? nowMs >= c.expireTimestampMs : nowMs - baseMs(c) >= retentionMs;
      if (expired) out.push({ topic, partition });
    }
  }
  return out;
}
