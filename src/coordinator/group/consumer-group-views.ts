/**
 * What the offset and admin APIs need of a KIP-848 group, as Kafka's
 * ConsumerGroup answers it: offset commit/fetch validation by member epoch,
 * offset expiry, and ConsumerGroupDescribe's view.
 */
import type { ConsumerGroupDescription } from '../../broker/index.ts';
import { ErrorCode } from '../../protocol/index.ts';
import type { Assignment, ConsumerGroup } from './consumer-group.ts';
import type { TopicPartitionRef } from './offsets.ts';

/** OffsetCommit v9 is the first to carry member epochs; a KIP-848 member must use it (or TxnOffsetCommit). */
const OFFSET_COMMIT_MEMBER_EPOCH_VERSION_MIN = 9;

/**
 * Kafka's ConsumerGroup.validateOffsetCommit: epoch -1 commits (admin tools,
 * simple consumers) only while the group is empty; otherwise the member must
 * exist and commit with its current epoch (STALE_MEMBER_EPOCH otherwise).
 */
export function validateConsumerOffsetCommit(
  g: ConsumerGroup, memberId: string, memberEpoch: number, isTransactional: boolean, apiVersion: number,
): { errorCode: number; errorMessage: string | null } {
  if (memberEpoch < 0 && g.members.size === 0) return { errorCode: ErrorCode.NONE, errorMessage: null };
  const member = g.members.get(memberId);
  if (member === undefined) return { errorCode: ErrorCode.UNKNOWN_MEMBER_ID, errorMessage: `Member ${memberId} is not a member of group ${g.groupId}.` };
  if (!isTransactional && apiVersion < OFFSET_COMMIT_MEMBER_EPOCH_VERSION_MIN) {
    return { errorCode: ErrorCode.UNSUPPORTED_VERSION, errorMessage: 'OffsetCommit version 9 or above must be used by members using the modern group protocol' };
  }
  if (memberEpoch !== member.memberEpoch) {
    return { errorCode: ErrorCode.STALE_MEMBER_EPOCH, errorMessage: `The received member epoch ${memberEpoch} does not match the expected member epoch ${member.memberEpoch}.` };
  }
  return { errorCode: ErrorCode.NONE, errorMessage: null };
}

/** Kafka's ConsumerGroup.validateOffsetFetch: no member id and epoch -1 is an admin read; else the member's epoch must match. */
export function validateConsumerOffsetFetch(g: ConsumerGroup, memberId: string | null, memberEpoch: number): number {
  if (memberId === null && memberEpoch < 0) return ErrorCode.NONE;
  const member = memberId === null ? undefined : g.members.get(memberId);
  if (member === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
  return memberEpoch === member.memberEpoch ? ErrorCode.NONE : ErrorCode.STALE_MEMBER_EPOCH;
}

/**
 * Offsets a consumer group no longer needs, as Kafka's modern groups expire
 * them: a retention period after their commit (or at their explicit
 * expiry), except for topics the group subscribes to.
 */
export function expiredConsumerGroupOffsets(g: ConsumerGroup, nowMs: number, retentionMs: number): TopicPartitionRef[] {
  const out: TopicPartitionRef[] = [];
  for (const [topic, byPartition] of g.offsets) {
    if (g.members.size > 0 && g.isSubscribedToTopic(topic)) continue;
    for (const [partition, c] of byPartition) {
      const expired = c.expireTimestampMs >= 0 ? nowMs >= c.expireTimestampMs : nowMs - c.commitTimestampMs >= retentionMs;
      if (expired) out.push({ topic, partition });
    }
  }
  return out;
}

function listed(a: Assignment): { topicId: string; partitions: number[] }[] {
  return [...a].map(([topicId, partitions]) => ({ topicId, partitions: [...partitions] }));
}

export function describeConsumerGroup(g: ConsumerGroup, defaultAssignor: string): ConsumerGroupDescription {
  const votes = new Map<string, number>();
  for (const m of g.members.values()) if (m.serverAssignor !== null) votes.set(m.serverAssignor, (votes.get(m.serverAssignor) ?? 0) + 1);
  let assignorName = defaultAssignor;
  let most = 0;
  for (const [name, n] of [...votes].sort(([a], [b]) => (a < b ? -1 : 1))) if (n > most) { most = n; assignorName = name; }
  return {
    groupId: g.groupId, errorCode: ErrorCode.NONE, errorMessage: null, groupState: g.state, groupEpoch: g.groupEpoch,
    assignmentEpoch: g.assignmentEpoch, assignorName,
    members: [...g.members.values()].map((m) => ({
      memberId: m.memberId, instanceId: m.instanceId, rackId: m.rackId, memberEpoch: m.memberEpoch, clientId: m.clientId, clientHost: m.clientHost,
      subscribedTopicNames: [...m.subscribedTopicNames], subscribedTopicRegex: m.subscribedTopicRegex,
      assignment: listed(m.assigned), targetAssignment: listed(g.targetOf(m.memberId)),
    })),
  };
}
