/**
 * Small views of a group's offsets and metadata that the coordinator's
 * answers and records are built from.
 */
import { EMPTY_ASSIGNMENT, type ClassicGroup, type CommittedOffset } from './classic-group.ts';
import { ErrorCode } from '../../protocol/index.ts';
import type { GroupMetadataRecordValue } from './records.ts';

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
