/**
 * One member's step towards the target assignment, by Kafka's
 * CurrentAssignmentBuilder rules:
 *
 *   - a member keeps what it has that is still in its target;
 *   - partitions it must give up go to `pendingRevocation`, and while the
 *     member still reports owning any of them (or does not say what it owns)
 *     it stays at its epoch in UNREVOKED_PARTITIONS;
 *   - a partition of its target that another member still holds (assigned or
 *     pending revocation) is not given yet: the member moves to the target
 *     epoch in UNRELEASED_PARTITIONS and gets it on a later heartbeat, once
 *     the holder has let go;
 *   - otherwise it is STABLE at the target epoch with its whole target.
 *
 * This is what makes a partition never owned by two members: it is handed
 * out only when no member's epoch holds it.
 */
import { EMPTY, MemberState, assignmentOf, type Assignment, type ConsumerMember } from './consumer-group.ts';

export interface ReconcileInput {
  readonly member: ConsumerMember;
  readonly targetEpoch: number;
  readonly target: Assignment;
  /** The epoch of the member holding a partition, or -1. */
  currentPartitionEpoch(topicId: string, partition: number): number;
  /** What the member reported owning in this heartbeat; null when it did not say. */
  readonly owned: Assignment | null;
}

/** The member after one reconciliation step (the same object when nothing changes). */
export function reconcile(input: ReconcileInput): ConsumerMember {
  const { member, targetEpoch } = input;
  switch (member.state) {
    case MemberState.STABLE:
      return member.memberEpoch !== targetEpoch ? nextAssignment(input, member.memberEpoch, member.assigned) : member;
    case MemberState.UNREVOKED_PARTITIONS:
      if (ownsAny(input.owned, member.pendingRevocation)) return member;
      return nextAssignment(input, member.memberEpoch + 1, member.assigned);
    case MemberState.UNRELEASED_PARTITIONS:
      return nextAssignment(input, member.memberEpoch, member.assigned);
    default:
      return nextAssignment(input, targetEpoch, member.assigned);
  }
}

function ownsAny(owned: Assignment | null, partitions: Assignment): boolean {
  if (owned === null) return true;
  for (const [topicId, list] of owned) {
    const pending = partitions.get(topicId);
    if (pending !== undefined && list.some((p) => pending.includes(p))) return true;
  }
  return false;
}

function withEpoch(m: ConsumerMember, epoch: number): Pick<ConsumerMember, 'memberEpoch' | 'previousMemberEpoch'> {
  // Kafka's updateMemberEpoch: the previous epoch is the one being left.
  return { memberEpoch: epoch, previousMemberEpoch: m.memberEpoch };
}

function nextAssignment(input: ReconcileInput, memberEpoch: number, current: Assignment): ConsumerMember {
  const { member, target, targetEpoch } = input;
  let hasUnreleased = false;
  const keep: [string, number[]][] = [];
  const revoke: [string, number[]][] = [];
  const add: [string, number[]][] = [];
  const topicIds = new Set([...target.keys(), ...current.keys()]);
  for (const topicId of topicIds) {
    const t = new Set(target.get(topicId) ?? []);
    const c = current.get(topicId) ?? [];
    const kept = c.filter((p) => t.has(p));
    const keptSet = new Set(kept);
    const revoked = c.filter((p) => !t.has(p));
    const pending: number[] = [];
    for (const p of t) {
      if (keptSet.has(p)) continue;
      if (input.currentPartitionEpoch(topicId, p) !== -1) hasUnreleased = true;
      else pending.push(p);
    }
    if (kept.length > 0) keep.push([topicId, kept]);
    if (revoked.length > 0) revoke.push([topicId, revoked]);
    if (pending.length > 0) add.push([topicId, pending]);
  }
  const pendingRevocation = assignmentOf(revoke);
  if (pendingRevocation.size > 0 && ownsAny(input.owned, pendingRevocation)) {
    return { ...member, state: MemberState.UNREVOKED_PARTITIONS, ...withEpoch(member, memberEpoch), assigned: assignmentOf(keep), pendingRevocation };
  }
  const state = hasUnreleased ? MemberState.UNRELEASED_PARTITIONS : MemberState.STABLE;
  return {
    ...member, state, ...withEpoch(member, targetEpoch), assigned: assignmentOf([...keep, ...add]), pendingRevocation: EMPTY,
  };
}
