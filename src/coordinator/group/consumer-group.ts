/**
 * One KIP-848 consumer group's state as Kafka's ConsumerGroup keeps it: the
 * group epoch, the target assignment and its epoch, each member's
 * subscription and current assignment, the subscribed topics' metadata, and
 * which member epoch holds each partition now.
 *
 * The state changes only by replaying records (consumer-group-records.ts):
 * the heartbeat logic computes records from the current state, and the
 * coordinator replays them once they are durable. Loading a partition
 * replays the same records, so a reloaded group is the group that answered.
 * Timers (session, revocation) are not state: they live with the coordinator.
 */
import { GroupOffsets, type CommittedOffset } from './classic-group.ts';

/** Kafka's MemberState byte values, as ConsumerGroupCurrentMemberAssignmentValue stores them. */
export const MemberState = { STABLE: 0, UNREVOKED_PARTITIONS: 1, UNRELEASED_PARTITIONS: 2, UNKNOWN: 127 } as const;
export type MemberStateValue = (typeof MemberState)[keyof typeof MemberState];

export const LEAVE_GROUP_MEMBER_EPOCH = -1;
export const LEAVE_GROUP_STATIC_MEMBER_EPOCH = -2;

export const CONSUMER_GROUP_TYPE = 'consumer';

/** topic id → partitions, each list sorted and without duplicates. */
export type Assignment = ReadonlyMap<string, readonly number[]>;
export const EMPTY: Assignment = new Map();

export interface ConsumerMember {
  readonly memberId: string;
  readonly instanceId: string | null;
  readonly rackId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  /** Sorted. */
  readonly subscribedTopicNames: readonly string[];
  readonly subscribedTopicRegex: string | null;
  readonly rebalanceTimeoutMs: number;
  readonly serverAssignor: string | null;
  readonly memberEpoch: number;
  readonly previousMemberEpoch: number;
  readonly state: MemberStateValue;
  readonly assigned: Assignment;
  readonly pendingRevocation: Assignment;
}

export interface TopicMetadata {
  readonly topicId: string;
  readonly topicName: string;
  readonly numPartitions: number;
}

export type ConsumerGroupStateName = 'Empty' | 'Assigning' | 'Reconciling' | 'Stable';

export function newMember(memberId: string): ConsumerMember {
  return {
    memberId, instanceId: null, rackId: null, clientId: '', clientHost: '', subscribedTopicNames: [], subscribedTopicRegex: null,
    rebalanceTimeoutMs: -1, serverAssignor: null, memberEpoch: 0, previousMemberEpoch: 0, state: MemberState.STABLE,
    assigned: EMPTY, pendingRevocation: EMPTY,
  };
}

export class ConsumerGroup extends GroupOffsets {
  readonly groupId: string;
  groupEpoch = 0;
  assignmentEpoch = 0;
  /** Insertion order is join order. */
  readonly members = new Map<string, ConsumerMember>();
  /** group.instance.id → member id. */
  readonly staticMembers = new Map<string, string>();
  /** member id → its partitions in the target assignment. */
  readonly targetAssignment = new Map<string, Assignment>();
  /** Subscribed topics by name, as of the last group epoch bump. */
  subscriptionMetadata: ReadonlyMap<string, TopicMetadata> = new Map();
  /** "topicId:partition" → epoch of the member that holds it (assigned or pending revocation). */
  private readonly partitionEpochs = new Map<string, number>();
  /** Offsets (GroupOffsets) are shared by a group and its clones: they change only through their own path. */
  constructor(groupId: string, offsets = new Map<string, Map<number, CommittedOffset>>()) {
    super(offsets);
    this.groupId = groupId;
  }

  /** A copy to replay the next records onto; offsets are shared. */
  clone(): ConsumerGroup {
    const g = new ConsumerGroup(this.groupId, this.offsets);
    g.groupEpoch = this.groupEpoch;
    g.assignmentEpoch = this.assignmentEpoch;
    for (const [id, m] of this.members) g.members.set(id, m);
    for (const [k, v] of this.staticMembers) g.staticMembers.set(k, v);
    for (const [k, v] of this.targetAssignment) g.targetAssignment.set(k, v);
    g.subscriptionMetadata = this.subscriptionMetadata;
    for (const [k, v] of this.partitionEpochs) g.partitionEpochs.set(k, v);
    return g;
  }

  get state(): ConsumerGroupStateName {
    if (this.members.size === 0) return 'Empty';
    if (this.groupEpoch > this.assignmentEpoch) return 'Assigning';
    for (const m of this.members.values()) {
      if (m.state !== MemberState.STABLE || m.memberEpoch !== this.assignmentEpoch) return 'Reconciling';
    }
    return 'Stable';
  }

  staticMember(instanceId: string | null): ConsumerMember | undefined {
    if (instanceId === null) return undefined;
    const id = this.staticMembers.get(instanceId);
    return id === undefined ? undefined : this.members.get(id);
  }

  /** The member epoch holding a partition, or -1 when no member holds it. */
  currentPartitionEpoch(topicId: string, partition: number): number {
    return this.partitionEpochs.get(`${topicId}:${partition}`) ?? -1;
  }

  /** Every partition held now: "topicId:partition" → holder's epoch (for invariant checks). */
  heldPartitions(): ReadonlyMap<string, number> {
    return this.partitionEpochs;
  }

  targetOf(memberId: string): Assignment {
    return this.targetAssignment.get(memberId) ?? EMPTY;
  }

  /** Topic names any member subscribes to by name (regular expressions are resolved by the caller). */
  subscribedTopicNames(): Set<string> {
    const out = new Set<string>();
    for (const m of this.members.values()) for (const t of m.subscribedTopicNames) out.add(t);
    return out;
  }

  isSubscribedToTopic(topic: string): boolean {
    return this.subscriptionMetadata.has(topic);
  }

  // ---- replay: the only way the state changes ----------------------------------------------

  setMemberSubscription(memberId: string, fields: Omit<ConsumerMember, 'memberEpoch' | 'previousMemberEpoch' | 'state' | 'assigned' | 'pendingRevocation'> | null): void {
    const old = this.members.get(memberId);
    if (fields === null) {
      if (old === undefined) return;
      this.removePartitionEpochs(old);
      this.members.delete(memberId);
      if (old.instanceId !== null && this.staticMembers.get(old.instanceId) === memberId) this.staticMembers.delete(old.instanceId);
      return;
    }
    const base = old ?? newMember(memberId);
    const updated: ConsumerMember = { ...base, ...fields, memberId };
    this.members.set(memberId, updated);
    if (updated.instanceId !== null) this.staticMembers.set(updated.instanceId, memberId);
  }

  setMemberAssignment(
    memberId: string,
    value: { memberEpoch: number; previousMemberEpoch: number; state: MemberStateValue; assigned: Assignment; pendingRevocation: Assignment } | null,
  ): void {
    const old = this.members.get(memberId);
    if (old === undefined) {
      if (value === null) return;
      // Kafka replays a current assignment only for a known member; a record for an unknown one is ignored.
      throw new Error(`group ${this.groupId}: current assignment of unknown member ${memberId}`);
    }
    this.removePartitionEpochs(old);
    const updated: ConsumerMember = value === null
      ? { ...old, memberEpoch: LEAVE_GROUP_MEMBER_EPOCH, previousMemberEpoch: LEAVE_GROUP_MEMBER_EPOCH, state: MemberState.STABLE, assigned: EMPTY, pendingRevocation: EMPTY }
      : { ...old, ...value };
    this.members.set(memberId, updated);
    this.addPartitionEpochs(updated);
  }

  setTargetAssignment(memberId: string, assignment: Assignment | null): void {
    if (assignment === null) this.targetAssignment.delete(memberId);
    else this.targetAssignment.set(memberId, assignment);
  }

  private removePartitionEpochs(m: ConsumerMember): void {
    for (const a of [m.assigned, m.pendingRevocation]) {
      for (const [topicId, partitions] of a) {
        for (const p of partitions) {
          const key = `${topicId}:${p}`;
          if (this.partitionEpochs.get(key) === m.memberEpoch) this.partitionEpochs.delete(key);
        }
      }
    }
  }

  /** Kafka refuses (IllegalStateException) a partition held by two members; so does this. */
  private addPartitionEpochs(m: ConsumerMember): void {
    for (const a of [m.assigned, m.pendingRevocation]) {
      for (const [topicId, partitions] of a) {
        for (const p of partitions) {
          const key = `${topicId}:${p}`;
          const held = this.partitionEpochs.get(key);
          if (held !== undefined) throw new Error(`group ${this.groupId}: ${key} is held at epoch ${held}, cannot give it to ${m.memberId} at epoch ${m.memberEpoch}`);
          this.partitionEpochs.set(key, m.memberEpoch);
        }
      }
    }
  }
}

// ---- assignments ------------------------------------------------------------------------------

export function assignmentOf(entries: Iterable<readonly [string, Iterable<number>]>): Assignment {
  const out = new Map<string, number[]>();
  for (const [topicId, partitions] of entries) {
    const list = [...new Set([...(out.get(topicId) ?? []), ...partitions])].sort((a, b) => a - b);
    if (list.length > 0) out.set(topicId, list);
  }
  return new Map([...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export function sameAssignment(a: Assignment, b: Assignment): boolean {
  if (a.size !== b.size) return false;
  for (const [topicId, pa] of a) {
    const pb = b.get(topicId);
    if (pb === undefined || pb.length !== pa.length) return false;
    for (let i = 0; i < pa.length; i++) if (pa[i] !== pb[i]) return false;
  }
  return true;
}

export function assignmentSize(a: Assignment): number {
  let n = 0;
  for (const p of a.values()) n += p.length;
  return n;
}

export function sameMember(a: ConsumerMember, b: ConsumerMember): boolean {
  return a.memberId === b.memberId && a.instanceId === b.instanceId && a.rackId === b.rackId && a.clientId === b.clientId
    && a.clientHost === b.clientHost && a.subscribedTopicRegex === b.subscribedTopicRegex && a.rebalanceTimeoutMs === b.rebalanceTimeoutMs
    && a.serverAssignor === b.serverAssignor && sameList(a.subscribedTopicNames, b.subscribedTopicNames)
    && a.memberEpoch === b.memberEpoch && a.previousMemberEpoch === b.previousMemberEpoch && a.state === b.state
    && sameAssignment(a.assigned, b.assigned) && sameAssignment(a.pendingRevocation, b.pendingRevocation);
}

export function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
