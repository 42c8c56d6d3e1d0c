/**
 * The KIP-848 consumer-group records of `__consumer_offsets`, as Kafka
 * writes them (key version = record type, value version 0):
 *
 *   key v3  ConsumerGroupMetadata                 group epoch
 *   key v4  ConsumerGroupPartitionMetadata        subscribed topics' ids and partition counts
 *   key v5  ConsumerGroupMemberMetadata           a member's subscription
 *   key v6  ConsumerGroupTargetAssignmentMetadata target assignment epoch
 *   key v7  ConsumerGroupTargetAssignmentMember   a member's target partitions
 *   key v8  ConsumerGroupCurrentMemberAssignment  a member's epoch, state, partitions
 *
 * A null value is a tombstone. `replayConsumerGroupRecord` is the one place
 * these records change a ConsumerGroup, whether they were just written or
 * are being loaded.
 */
import { Reader, Writer, type MessageCodec } from '../../protocol/index.ts';
import {
  ConsumerGroupCurrentMemberAssignmentKey, ConsumerGroupCurrentMemberAssignmentValue, ConsumerGroupMemberMetadataKey,
  ConsumerGroupMemberMetadataValue, ConsumerGroupMetadataKey, ConsumerGroupMetadataValue, ConsumerGroupPartitionMetadataKey,
  ConsumerGroupPartitionMetadataValue, ConsumerGroupTargetAssignmentMemberKey, ConsumerGroupTargetAssignmentMemberValue,
  ConsumerGroupTargetAssignmentMetadataKey, ConsumerGroupTargetAssignmentMetadataValue,
} from '../records/index.ts';
import {
  assignmentOf, type Assignment, type ConsumerGroup, type ConsumerMember, type MemberStateValue, type TopicMetadata,
} from './consumer-group.ts';
import type { EncodedRecord } from './records.ts';

export const CONSUMER_GROUP_KEY_VERSION_MIN = 3;
export const CONSUMER_GROUP_KEY_VERSION_MAX = 8;
const VALUE_VERSION = 0;

export type MemberSubscription = Omit<ConsumerMember, 'memberEpoch' | 'previousMemberEpoch' | 'state' | 'assigned' | 'pendingRevocation'>;

export interface MemberAssignmentState {
  readonly memberEpoch: number;
  readonly previousMemberEpoch: number;
  readonly state: MemberStateValue;
  readonly assigned: Assignment;
  readonly pendingRevocation: Assignment;
}

export type ConsumerGroupRecord =
  | { readonly kind: 'cg-epoch'; readonly group: string; readonly epoch: number | null }
  | { readonly kind: 'cg-topics'; readonly group: string; readonly topics: readonly TopicMetadata[] | null }
  | { readonly kind: 'cg-member'; readonly group: string; readonly memberId: string; readonly value: MemberSubscription | null }
  | { readonly kind: 'cg-target-epoch'; readonly group: string; readonly epoch: number | null }
  | { readonly kind: 'cg-target'; readonly group: string; readonly memberId: string; readonly assignment: Assignment | null }
  | { readonly kind: 'cg-current'; readonly group: string; readonly memberId: string; readonly value: MemberAssignmentState | null };

export function isConsumerGroupRecord(r: { kind: string }): r is ConsumerGroupRecord {
  return r.kind.startsWith('cg-');
}

// ---- replay -----------------------------------------------------------------------------------

/** Applies one record to the group (Kafka's GroupMetadataManager.replay for the consumer-group records). */
export function replayConsumerGroupRecord(g: ConsumerGroup, r: ConsumerGroupRecord): void {
  switch (r.kind) {
    case 'cg-epoch':
      // A tombstone is the group's end; the caller drops the group once the group epoch is gone.
      g.groupEpoch = r.epoch ?? 0;
      return;
    case 'cg-topics':
      g.subscriptionMetadata = new Map((r.topics ?? []).map((t) => [t.topicName, t]));
      return;
    case 'cg-member':
      g.setMemberSubscription(r.memberId, r.value);
      return;
    case 'cg-target-epoch':
      g.assignmentEpoch = r.epoch ?? 0;
      return;
    case 'cg-target':
      g.setTargetAssignment(r.memberId, r.assignment);
      return;
    case 'cg-current':
      g.setMemberAssignment(r.memberId, r.value);
      return;
  }
}

// ---- encoding ---------------------------------------------------------------------------------

function versioned<T>(codec: MessageCodec<T>, value: T, version: number): Buffer {
  const w = new Writer();
  w.int16(version);
  codec.encode(w, value, version);
  return w.toBuffer();
}

function toTopicPartitions(a: Assignment): { topicId: string; partitions: number[] }[] {
  return [...a].map(([topicId, partitions]) => ({ topicId, partitions: [...partitions] }));
}

function fromTopicPartitions(list: readonly { topicId: string; partitions: number[] }[]): Assignment {
  return assignmentOf(list.map((t) => [t.topicId, t.partitions] as const));
}

export function encodeConsumerGroupRecord(r: ConsumerGroupRecord): EncodedRecord {
  const groupId = r.group;
  switch (r.kind) {
    case 'cg-epoch':
      return {
        key: versioned(ConsumerGroupMetadataKey, { groupId }, 3),
        value: r.epoch === null ? null : versioned(ConsumerGroupMetadataValue, { epoch: r.epoch }, VALUE_VERSION),
      };
    case 'cg-topics':
      return {
        key: versioned(ConsumerGroupPartitionMetadataKey, { groupId }, 4),
        value: r.topics === null ? null : versioned(ConsumerGroupPartitionMetadataValue, {
          topics: r.topics.map((t) => ({ topicId: t.topicId, topicName: t.topicName, numPartitions: t.numPartitions, partitionMetadata: [] })),
        }, VALUE_VERSION),
      };
    case 'cg-member':
      return {
        key: versioned(ConsumerGroupMemberMetadataKey, { groupId, memberId: r.memberId }, 5),
        value: r.value === null ? null : versioned(ConsumerGroupMemberMetadataValue, {
          instanceId: r.value.instanceId, rackId: r.value.rackId, clientId: r.value.clientId, clientHost: r.value.clientHost,
          subscribedTopicNames: [...r.value.subscribedTopicNames], subscribedTopicRegex: r.value.subscribedTopicRegex,
          rebalanceTimeoutMs: r.value.rebalanceTimeoutMs, serverAssignor: r.value.serverAssignor, classicMemberMetadata: null,
        }, VALUE_VERSION),
      };
    case 'cg-target-epoch':
      return {
        key: versioned(ConsumerGroupTargetAssignmentMetadataKey, { groupId }, 6),
        value: r.epoch === null ? null : versioned(ConsumerGroupTargetAssignmentMetadataValue, { assignmentEpoch: r.epoch }, VALUE_VERSION),
      };
    case 'cg-target':
      return {
        key: versioned(ConsumerGroupTargetAssignmentMemberKey, { groupId, memberId: r.memberId }, 7),
        value: r.assignment === null ? null
          : versioned(ConsumerGroupTargetAssignmentMemberValue, { topicPartitions: toTopicPartitions(r.assignment) }, VALUE_VERSION),
      };
    case 'cg-current':
      return {
        key: versioned(ConsumerGroupCurrentMemberAssignmentKey, { groupId, memberId: r.memberId }, 8),
        value: r.value === null ? null : versioned(ConsumerGroupCurrentMemberAssignmentValue, {
          memberEpoch: r.value.memberEpoch, previousMemberEpoch: r.value.previousMemberEpoch, state: r.value.state,
          assignedPartitions: toTopicPartitions(r.value.assigned), partitionsPendingRevocation: toTopicPartitions(r.value.pendingRevocation),
        }, VALUE_VERSION),
      };
  }
}

function readValue<T>(codec: MessageCodec<T>, buf: Buffer): T {
  const r = new Reader(buf);
  const version = r.int16();
  // Newer value versions only add tagged or trailing fields Samsa does not use: read them as the newest known.
  if (version < codec.minVersion) throw new Error(`${codec.name} has unknown version ${version}`);
  return codec.decode(r, Math.min(version, codec.maxVersion));
}

/** Decodes a record whose key version is 3–8; throws on bytes that cannot be read. */
export function decodeConsumerGroupRecord(keyVersion: number, key: Buffer, value: Buffer | null): ConsumerGroupRecord {
  const kr = new Reader(key, 2);
  switch (keyVersion) {
    case 3: {
      const k = ConsumerGroupMetadataKey.decode(kr, 3);
      return { kind: 'cg-epoch', group: k.groupId, epoch: value === null ? null : readValue(ConsumerGroupMetadataValue, value).epoch };
    }
    case 4: {
      const k = ConsumerGroupPartitionMetadataKey.decode(kr, 4);
      const v = value === null ? null : readValue(ConsumerGroupPartitionMetadataValue, value);
      return {
        kind: 'cg-topics', group: k.groupId,
        topics: v === null ? null : v.topics.map((t) => ({ topicId: t.topicId, topicName: t.topicName, numPartitions: t.numPartitions })),
      };
    }
    case 5: {
      const k = ConsumerGroupMemberMetadataKey.decode(kr, 5);
      const v = value === null ? null : readValue(ConsumerGroupMemberMetadataValue, value);
      return {
        kind: 'cg-member', group: k.groupId, memberId: k.memberId,
        value: v === null ? null : {
          memberId: k.memberId, instanceId: v.instanceId, rackId: v.rackId, clientId: v.clientId, clientHost: v.clientHost,
          subscribedTopicNames: [...v.subscribedTopicNames].sort(), subscribedTopicRegex: v.subscribedTopicRegex,
          rebalanceTimeoutMs: v.rebalanceTimeoutMs, serverAssignor: v.serverAssignor,
        },
      };
    }
    case 6: {
      const k = ConsumerGroupTargetAssignmentMetadataKey.decode(kr, 6);
      return { kind: 'cg-target-epoch', group: k.groupId, epoch: value === null ? null : readValue(ConsumerGroupTargetAssignmentMetadataValue, value).assignmentEpoch };
    }
    case 7: {
      const k = ConsumerGroupTargetAssignmentMemberKey.decode(kr, 7);
      const v = value === null ? null : readValue(ConsumerGroupTargetAssignmentMemberValue, value);
      return { kind: 'cg-target', group: k.groupId, memberId: k.memberId, assignment: v === null ? null : fromTopicPartitions(v.topicPartitions) };
    }
    case 8: {
      const k = ConsumerGroupCurrentMemberAssignmentKey.decode(kr, 8);
      const v = value === null ? null : readValue(ConsumerGroupCurrentMemberAssignmentValue, value);
      return {
        kind: 'cg-current', group: k.groupId, memberId: k.memberId,
        value: v === null ? null : {
          memberEpoch: v.memberEpoch, previousMemberEpoch: v.previousMemberEpoch, state: v.state as MemberStateValue,
          assigned: fromTopicPartitions(v.assignedPartitions), pendingRevocation: fromTopicPartitions(v.partitionsPendingRevocation),
        },
      };
    }
    default:
      throw new Error(`key version ${keyVersion} is not a consumer-group record`);
  }
}

// ---- record builders (Kafka's GroupCoordinatorRecordHelpers) -----------------------------------

export function memberSubscriptionOf(m: ConsumerMember): MemberSubscription {
  return {
    memberId: m.memberId, instanceId: m.instanceId, rackId: m.rackId, clientId: m.clientId, clientHost: m.clientHost,
    subscribedTopicNames: m.subscribedTopicNames, subscribedTopicRegex: m.subscribedTopicRegex,
    rebalanceTimeoutMs: m.rebalanceTimeoutMs, serverAssignor: m.serverAssignor,
  };
}

export function memberAssignmentOf(m: ConsumerMember): MemberAssignmentState {
  return { memberEpoch: m.memberEpoch, previousMemberEpoch: m.previousMemberEpoch, state: m.state, assigned: m.assigned, pendingRevocation: m.pendingRevocation };
}

/** Kafka's removeMember: current assignment, target assignment, then subscription, each tombstoned. */
export function removeMemberRecords(group: string, memberId: string): ConsumerGroupRecord[] {
  return [
    { kind: 'cg-current', group, memberId, value: null },
    { kind: 'cg-target', group, memberId, assignment: null },
    { kind: 'cg-member', group, memberId, value: null },
  ];
}

/** Every record that deletes an (empty) group: Kafka's createGroupTombstoneRecords for a consumer group. */
export function deleteGroupRecords(g: ConsumerGroup): ConsumerGroupRecord[] {
  const out: ConsumerGroupRecord[] = [];
  for (const memberId of g.members.keys()) out.push(...removeMemberRecords(g.groupId, memberId));
  out.push(
    { kind: 'cg-target-epoch', group: g.groupId, epoch: null },
    { kind: 'cg-topics', group: g.groupId, topics: null },
    { kind: 'cg-epoch', group: g.groupId, epoch: null },
  );
  return out;
}
