/**
 * One classic group's state, as Kafka's GroupMetadata keeps it: members in
 * join order, static members by group.instance.id, members still to be
 * admitted (KIP-394), the protocol votes, the generation and the committed
 * offsets. This file is bookkeeping only; the rebalance protocol that moves
 * a group between states is group-machine.ts. Nothing here reads a clock:
 * every timestamp arrives as an argument.
 */
import { Reader } from '../../protocol/index.ts';
import { messages } from '../../protocol/index.ts';
import type { GroupJoinResult, GroupSyncResult } from '../../broker/index.ts';

export type GroupStateName = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

/** Kafka's GroupState valid previous states: a transition from anywhere else is a programmer error. */
const VALID_PREVIOUS: Readonly<Record<GroupStateName, readonly GroupStateName[]>> = {
  Empty: ['PreparingRebalance'],
  PreparingRebalance: ['Stable', 'CompletingRebalance', 'Empty'],
  CompletingRebalance: ['PreparingRebalance'],
  Stable: ['CompletingRebalance'],
  Dead: ['Stable', 'PreparingRebalance', 'CompletingRebalance', 'Empty', 'Dead'],
};

export const CONSUMER_PROTOCOL_TYPE = 'consumer';

export type JoinReply = (result: GroupJoinResult) => void;
export type SyncReply = (result: GroupSyncResult) => void;

export interface GroupMember {
  memberId: string;
  readonly groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  readonly protocolType: string;
  /** In the member's order of preference. */
  protocols: readonly { name: string; metadata: Buffer }[];
  assignment: Buffer;
  /** Set while a JoinGroup of this member waits for the rebalance. */
  joinReply: JoinReply | null;
  /** Set while a SyncGroup of this member waits for the leader's assignment. */
  syncReply: SyncReply | null;
  /** Joined in the current rebalance and not yet given a generation. */
  isNew: boolean;
  /** When the member is expired unless it heartbeats (or is exempt while waiting); null when not watched. */
  heartbeatDeadlineMs: number | null;
}

export interface CommittedOffset {
  readonly offset: bigint;
  readonly leaderEpoch: number;
  readonly metadata: string;
  readonly commitTimestampMs: number;
  /** From OffsetCommit v2–v4 retention; -1 when the broker's retention applies. */
  readonly expireTimestampMs: number;
}

export const EMPTY_ASSIGNMENT: Buffer = Buffer.alloc(0);

/** A group's committed offsets (topic → partition → offset), the same for classic and consumer groups, so the offset paths serve both. */
export class GroupOffsets {
  readonly offsets: Map<string, Map<number, CommittedOffset>>;

  constructor(offsets = new Map<string, Map<number, CommittedOffset>>()) {
    this.offsets = offsets;
  }

  offset(topic: string, partition: number): CommittedOffset | undefined {
    return this.offsets.get(topic)?.get(partition);
  }

  putOffset(topic: string, partition: number, committed: CommittedOffset): void {
    let byPartition = this.offsets.get(topic);
    if (byPartition === undefined) this.offsets.set(topic, byPartition = new Map());
    byPartition.set(partition, committed);
  }

  removeOffset(topic: string, partition: number): boolean {
    const byPartition = this.offsets.get(topic);
    if (byPartition === undefined || !byPartition.delete(partition)) return false;
    if (byPartition.size === 0) this.offsets.delete(topic);
    return true;
  }

  hasOffsets(): boolean {
    return this.offsets.size > 0;
  }
}

export class ClassicGroup extends GroupOffsets {
  readonly groupId: string;
  state: GroupStateName = 'Empty';
  /** When the group last changed state (Kafka's currentStateTimestamp); null when unknown (old records). */
  stateTimestampMs: number | null;
  generationId = 0;
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  /** Insertion order is join order; Kafka picks the next leader from the front. */
  readonly members = new Map<string, GroupMember>();
  /** group.instance.id → member id. */
  readonly staticMembers = new Map<string, string>();
  /** KIP-394 members handed an id and expected back, with their expiry deadline. */
  readonly pendingMembers = new Map<string, number>();
  /** Members of the new generation that have not yet sent SyncGroup. */
  readonly pendingSyncMembers = new Set<string>();
  /** Topics the members subscribe to, when the consumer protocol's metadata could be read; null when unknown. */
  subscribedTopics: ReadonlySet<string> | null = null;
  /** Protocol name → how many members support it. */
  private readonly protocolVotes = new Map<string, number>();

  constructor(groupId: string, nowMs: number | null) {
    super();
    this.groupId = groupId;
    this.stateTimestampMs = nowMs;
  }

  is(state: GroupStateName): boolean {
    return this.state === state;
  }

  transitionTo(state: GroupStateName, nowMs: number): void {
    if (!VALID_PREVIOUS[state].includes(this.state)) {
      throw new Error(`group ${this.groupId} cannot go from ${this.state} to ${state}`);
    }
    this.state = state;
    this.stateTimestampMs = nowMs;
  }

  get size(): number {
    return this.members.size;
  }

  has(memberId: string): boolean {
    return this.members.has(memberId);
  }

  get(memberId: string): GroupMember {
    const member = this.members.get(memberId);
    if (member === undefined) throw new Error(`group ${this.groupId} has no member ${memberId}`);
    return member;
  }

  isLeader(memberId: string): boolean {
    return this.leaderId === memberId;
  }

  isPendingMember(memberId: string): boolean {
    return this.pendingMembers.has(memberId);
  }

  hasStaticMember(groupInstanceId: string | null): boolean {
    return groupInstanceId !== null && this.staticMembers.has(groupInstanceId);
  }

  currentStaticMemberId(groupInstanceId: string | null): string | null {
    return groupInstanceId === null ? null : this.staticMembers.get(groupInstanceId) ?? null;
  }

  /** A request naming a group.instance.id held by a different member id comes from a stale instance. */
  isStaticMemberFenced(groupInstanceId: string | null, memberId: string): boolean {
    const current = this.currentStaticMemberId(groupInstanceId);
    return current !== null && current !== memberId;
  }

  awaitingJoinCount(): number {
    let n = 0;
    for (const m of this.members.values()) if (m.joinReply !== null) n++;
    return n;
  }

  hasAllMembersJoined(): boolean {
    return this.awaitingJoinCount() === this.members.size && this.pendingMembers.size === 0;
  }

  /** The largest rebalance timeout of the members: how long a rebalance waits for them. */
  rebalanceTimeoutMs(): number {
    let timeout = 0;
    for (const m of this.members.values()) timeout = Math.max(timeout, m.rebalanceTimeoutMs);
    return timeout;
  }

  add(member: GroupMember): void {
    if (member.groupInstanceId !== null) this.staticMembers.set(member.groupInstanceId, member.memberId);
    if (this.members.size === 0) this.protocolType = member.protocolType;
    if (this.protocolType !== member.protocolType) throw new Error(`member protocol type ${member.protocolType} differs from ${this.protocolType}`);
    if (this.leaderId === null) this.leaderId = member.memberId;
    this.members.set(member.memberId, member);
    this.countVotes(member.protocols, 1);
    this.pendingMembers.delete(member.memberId);
  }

  /** Removes a member (or a pending one) and, when it led, hands leadership to the oldest member left. */
  remove(memberId: string): GroupMember | null {
    const member = this.members.get(memberId) ?? null;
    if (member !== null) {
      this.members.delete(memberId);
      this.countVotes(member.protocols, -1);
      if (member.groupInstanceId !== null && this.staticMembers.get(member.groupInstanceId) === memberId) {
        this.staticMembers.delete(member.groupInstanceId);
      }
    }
    if (this.isLeader(memberId)) this.leaderId = this.members.keys().next().value ?? null;
    this.pendingMembers.delete(memberId);
    this.pendingSyncMembers.delete(memberId);
    return member;
  }

  /** A static member came back with a new member id: same slot, same assignment, new id. */
  replaceStaticMember(groupInstanceId: string, oldMemberId: string, newMemberId: string): GroupMember {
    const member = this.get(oldMemberId);
    const rebuilt = new Map<string, GroupMember>();
    for (const [id, m] of this.members) rebuilt.set(id === oldMemberId ? newMemberId : id, m);
    this.members.clear();
    for (const [id, m] of rebuilt) this.members.set(id, m);
    member.memberId = newMemberId;
    if (this.isLeader(oldMemberId)) this.leaderId = newMemberId;
    if (this.pendingSyncMembers.delete(oldMemberId)) this.pendingSyncMembers.add(newMemberId);
    this.staticMembers.set(groupInstanceId, newMemberId);
    return member;
  }

  /** New protocols and timeouts for a member that rejoins. */
  updateMember(member: GroupMember, protocols: readonly { name: string; metadata: Buffer }[], rebalanceTimeoutMs: number, sessionTimeoutMs: number): void {
    this.countVotes(member.protocols, -1);
    this.countVotes(protocols, 1);
    member.protocols = protocols;
    member.rebalanceTimeoutMs = rebalanceTimeoutMs;
    member.sessionTimeoutMs = sessionTimeoutMs;
  }

  private countVotes(protocols: readonly { name: string }[], delta: number): void {
    for (const p of protocols) {
      const n = (this.protocolVotes.get(p.name) ?? 0) + delta;
      if (n === 0) this.protocolVotes.delete(p.name);
      else this.protocolVotes.set(p.name, n);
    }
  }

  /**
   * Whether a member with these protocols may join: an empty group takes any
   * non-empty set; otherwise the type must match and at least one protocol
   * must be supported by every current member.
   */
  supportsProtocols(protocolType: string, protocols: readonly { name: string }[]): boolean {
    if (this.is('Empty')) return protocolType !== '' && protocols.length > 0;
    if (this.protocolType !== protocolType) return false;
    return protocols.some((p) => this.protocolVotes.get(p.name) === this.members.size);
  }

  /**
   * The protocol every member supports, by vote: each member votes for the
   * first of its own protocols that all support; the most votes wins, ties
   * going to the protocol the earliest member prefers.
   */
  selectProtocol(): string {
    const candidates = new Set<string>();
    for (const [name, n] of this.protocolVotes) if (n === this.members.size) candidates.add(name);
    const votes = new Map<string, number>();
    for (const m of this.members.values()) {
      const choice = m.protocols.find((p) => candidates.has(p.name));
      if (choice === undefined) throw new Error(`member ${m.memberId} supports none of the group's protocols`);
      votes.set(choice.name, (votes.get(choice.name) ?? 0) + 1);
    }
    let best: string | null = null;
    for (const [name, n] of votes) if (best === null || n > votes.get(best)!) best = name;
    if (best === null) throw new Error(`group ${this.groupId} has no member to choose a protocol`);
    return best;
  }

  /** The member's metadata for the group's protocol. */
  memberMetadata(member: GroupMember): Buffer {
    return member.protocols.find((p) => p.name === this.protocolName)?.metadata ?? EMPTY_ASSIGNMENT;
  }

  /** For the leader's JoinGroup response: every member with its metadata for the chosen protocol. */
  currentMemberMetadata(): { memberId: string; groupInstanceId: string | null; metadata: Buffer }[] {
    return [...this.members.values()].map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: this.memberMetadata(m) }));
  }

  /** Recomputed at each new generation from the consumer protocol's subscriptions; null when unreadable. */
  computeSubscribedTopics(): ReadonlySet<string> | null {
    if (this.protocolType !== CONSUMER_PROTOCOL_TYPE || this.protocolName === null) return null;
    const topics = new Set<string>();
    for (const m of this.members.values()) {
      const parsed = readSubscriptionTopics(this.memberMetadata(m));
      if (parsed === null) return null;
      for (const t of parsed) topics.add(t);
    }
    return topics;
  }

  isSubscribedToTopic(topic: string): boolean {
    return this.subscribedTopics === null || this.subscribedTopics.has(topic);
  }
}

/** ConsumerProtocolSubscription: int16 version, then the fields; newer versions are read as the newest known. */
function readSubscriptionTopics(metadata: Buffer): string[] | null {
  const codec = messages.ConsumerProtocolSubscription;
  try {
    const r = new Reader(metadata);
    const version = r.int16();
    if (version < 0) return null;
    return codec.decode(r, Math.min(version, codec.maxVersion)).topics;
  } catch {
    return null;
  }
}
