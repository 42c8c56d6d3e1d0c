/**
 * Small views of a group's offsets and metadata that the coordinator's
 * answers and records are built from.
 */
import { EMPTY_ASSIGNMENT, type ClassicGroup, type CommittedOffset } from './classic-group.ts';
import { ErrorCode } from '../../protocol/index.ts';
import type { GroupMetadataRecordValue } from './records.ts';
import type { GroupDescription, GroupListing } from '../../broker/index.ts';
import { CONSUMER_GROUP_TYPE } from './consumer-group.ts';

export function fetchedOffset(partitionIndex: number, c: CommittedOffset) {
  return { partitionIndex, offset: c.offset, leaderEpoch: c.leaderEpoch, metadata: c.metadata, errorCode: ErrorCode.NONE };
}

export function countOffsets(g: { offsets: ClassicGroup['offsets'] }): number {
  let n = 0;
  for (const byPartition of g.offsets.values()) n += byPartition.size;
  return n;
}

export function allOffsets(g: { offsets: ClassicGroup['offsets'] }): { topic: string; partition: number }[] {
  const out: { topic: string; partition: number }[] = [];
  for (const [topic, byPartition] of g.offsets) for (const partition of byPartition.keys()) out.push({ topic, partition });
  return out;
}

/** GroupMetadataValue as Kafka writes it: each member's metadata for the chosen protocol and its assignment. */
export function groupRecordValue(g: ClassicGroup, assignments: ReadonlyMap<string, Buffer>): GroupMetadataRecordValue {
  return {
    protocolType: g.protocolType ?? '',
    generation: g.generationId,
    protocol: g.protocolName,
    leader: g.leaderId,
    currentStateTimestamp: BigInt(g.stateTimestampMs ?? -1),
    members: [...g.members.values()].map((m) => ({
      memberId: m.memberId, groupInstanceId: m.groupInstanceId, clientId: m.clientId, clientHost: m.clientHost,
      rebalanceTimeout: m.rebalanceTimeoutMs, sessionTimeout: m.sessionTimeoutMs,
      subscription: g.memberMetadata(m), assignment: assignments.get(m.memberId) ?? EMPTY_ASSIGNMENT,
    })),
  };
}

/** DescribeGroups' protocolData for a group that is not Stable (Kafka's GroupCoordinator.NoProtocol). */
const NO_PROTOCOL = '';
const CLASSIC_GROUP_TYPE = 'classic';

/** DescribeGroups of a classic group: its members' metadata and assignments only while it is Stable. */
export function describeClassicGroup(g: ClassicGroup, base: GroupDescription): GroupDescription {
  const stable = g.is('Stable');
  return {
    ...base,
    groupState: g.state,
    protocolType: g.protocolType ?? '',
    protocolData: stable ? g.protocolName ?? NO_PROTOCOL : NO_PROTOCOL,
    members: [...g.members.values()].map((m) => ({
      memberId: m.memberId, groupInstanceId: m.groupInstanceId, clientId: m.clientId, clientHost: m.clientHost,
      memberMetadata: stable ? g.memberMetadata(m) : EMPTY_ASSIGNMENT, memberAssignment: stable ? m.assignment : EMPTY_ASSIGNMENT,
    })),
  };
}

/** ListGroups over both kinds of group, filtered by state and type (case-insensitive, empty means all). */
export function listedGroups(
  classic: readonly ClassicGroup[], consumer: readonly { groupId: string; state: string }[], statesFilter: readonly string[], typesFilter: readonly string[],
): GroupListing[] {
  const states = new Set(statesFilter.map((s) => s.toLowerCase()));
  const types = new Set(typesFilter.map((t) => t.toLowerCase()));
  const groups: GroupListing[] = [];
  if (types.size === 0 || types.has(CLASSIC_GROUP_TYPE)) {
    for (const g of classic) {
      if (states.size > 0 && !states.has(g.state.toLowerCase())) continue;
      groups.push({ groupId: g.groupId, protocolType: g.protocolType ?? '', groupState: g.state, groupType: CLASSIC_GROUP_TYPE });
    }
  }
  if (types.size === 0 || types.has(CONSUMER_GROUP_TYPE)) {
    for (const g of consumer) {
      if (states.size > 0 && !states.has(g.state.toLowerCase())) continue;
      groups.push({ groupId: g.groupId, protocolType: CONSUMER_GROUP_TYPE, groupState: g.state, groupType: CONSUMER_GROUP_TYPE });
    }
  }
  return groups;
}
