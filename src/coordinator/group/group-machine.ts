/**
 * The classic rebalance protocol for one group, as Kafka's GroupCoordinator
 * runs it: Empty → PreparingRebalance → CompletingRebalance → Stable, and Dead.
 *
 * Pure core: no clock, no timer, no I/O of its own. Time arrives as `nowMs`
 * arguments; every timer is a deadline that `nextDeadlineMs()` reports and
 * `tick(nowMs)` fires, so the driver needs one timer for all of them. The
 * one effect with an ordering contract, making the group's metadata durable,
 * goes through `env.storeGroup`, which returns only once the write is done
 * (or has failed): answers that depend on it are sent after it returns.
 * JoinGroup and SyncGroup answers that must wait for other members are held
 * as reply callbacks and called exactly once; a reply must not call back
 * into the machine synchronously (a Promise's resolve is fine).
 *
 * Kafka's delayed operations map onto deadlines like this:
 *   DelayedJoin / InitialDelayedJoin → `rebalance` (PreparingRebalance only)
 *   DelayedSync                      → `syncDeadlineMs` (members that never sent SyncGroup)
 *   DelayedHeartbeat                 → each member's `heartbeatDeadlineMs`
 *   pending member expiration        → `group.pendingMembers` values
 */
import { ErrorCode } from '../../protocol/index.ts';
import type { GroupJoinRequest, GroupJoinResult, GroupLeaveResult, GroupSyncRequest, GroupSyncResult } from '../../broker/index.ts';
import { ClassicGroup, EMPTY_ASSIGNMENT, type GroupMember, type JoinReply, type SyncReply } from './classic-group.ts';

export interface GroupMachineConfig {
  /** group.initial.rebalance.delay.ms: how long a new group waits for more members before its first generation. */
  readonly initialRebalanceDelayMs: number;
  /** group.max.size. */
  readonly groupSizeMax: number;
  /** How long a new member's JoinGroup may wait before the member is dropped (Kafka's NewMemberJoinTimeoutMs). */
  readonly newMemberJoinTimeoutMs: number;
}

export interface GroupEnv {
  readonly config: GroupMachineConfig;
  /** Makes the group's metadata durable with these assignments; returns ErrorCode.NONE or the error to answer with. */
  storeGroup(group: ClassicGroup, assignments: ReadonlyMap<string, Buffer>, nowMs: number): number;
  /** A fresh random suffix for member ids. */
  newUuid(): string;
  log(line: string, level?: 'warn' | 'error'): void;
}

export const NEW_MEMBER_JOIN_TIMEOUT_MS = 5 * 60 * 1000;
/** Deadlines fired by one tick; a tick that would fire more leaves the rest to the next one. */
const TICK_STEPS_MAX = 10_000;

interface RebalanceDeadline {
  deadlineMs: number;
  /** Set for Kafka's InitialDelayedJoin: never completes early, and extends while new members keep arriving. */
  initial: { configuredMs: number; delayMs: number; remainingMs: number } | null;
}

type LeavingMember = { memberId: string; groupInstanceId: string | null; reason: string | null };

export function joinError(memberId: string, errorCode: number): GroupJoinResult {
  return { errorCode, generationId: -1, protocolType: null, protocolName: null, leader: '', skipAssignment: false, memberId, members: [] };
}

export function syncError(errorCode: number): GroupSyncResult {
  return { errorCode, protocolType: null, protocolName: null, assignment: EMPTY_ASSIGNMENT };
}

export class GroupMachine {
  readonly group: ClassicGroup;
  private readonly env: GroupEnv;
  private rebalance: RebalanceDeadline | null = null;
  private syncDeadlineMs: number | null = null;
  /** A member joined a generation-0 group during the initial delay, so the delay may be extended. */
  private newMemberAdded = false;

  constructor(group: ClassicGroup, env: GroupEnv) {
    this.group = group;
    this.env = env;
  }

  // ---- JoinGroup -------------------------------------------------------------------------------

  /** JoinGroup on an existing group (the coordinator creates groups and checks session timeouts first). */
  join(req: GroupJoinRequest, nowMs: number, reply: JoinReply): void {
    const g = this.group;
    if (!this.acceptJoiningMember(req.memberId)) {
      // Kafka drops a member that rejoins too late for a shrunken group.max.size.
      const member = g.members.get(req.memberId);
      if (member !== undefined) this.dropMember(member, ErrorCode.GROUP_MAX_SIZE_REACHED);
      else g.remove(req.memberId);
      reply(joinError('', ErrorCode.GROUP_MAX_SIZE_REACHED));
    } else if (req.memberId === '') {
      this.joinNewMember(req, nowMs, reply);
    } else {
      this.joinCurrentMember(req, nowMs, reply);
    }
    this.maybeCompleteJoin(nowMs);
  }

  /** Kafka's acceptJoiningMember: group.max.size counts awaiting members while preparing, all members after. */
  private acceptJoiningMember(memberId: string): boolean {
    const g = this.group;
    const max = this.env.config.groupSizeMax;
    switch (g.state) {
      case 'Empty': case 'Dead': return true;
      case 'PreparingRebalance': return (g.has(memberId) && g.get(memberId).joinReply !== null) || g.awaitingJoinCount() < max;
      case 'CompletingRebalance': case 'Stable': return g.has(memberId) || g.size < max;
    }
  }

  private joinNewMember(req: GroupJoinRequest, nowMs: number, reply: JoinReply): void {
    const g = this.group;
    if (g.is('Dead')) return reply(joinError('', ErrorCode.COORDINATOR_NOT_AVAILABLE));
    if (!g.supportsProtocols(req.protocolType, req.protocols)) return reply(joinError('', ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    const newMemberId = `${req.groupInstanceId ?? req.clientId}-${this.env.newUuid()}`;
    if (req.groupInstanceId !== null) {
      const oldMemberId = g.currentStaticMemberId(req.groupInstanceId);
      if (oldMemberId !== null) this.replaceStaticMember(req, oldMemberId, newMemberId, nowMs, reply);
      else this.addMemberAndRebalance(req, newMemberId, nowMs, reply);
    } else if (req.requireKnownMemberId) {
      // KIP-394: hand out the id first, so a client that times out and retries does not leave ghosts behind.
      g.pendingMembers.set(newMemberId, nowMs + req.sessionTimeoutMs);
      reply(joinError(newMemberId, ErrorCode.MEMBER_ID_REQUIRED));
    } else {
      this.addMemberAndRebalance(req, newMemberId, nowMs, reply);
    }
  }

  private joinCurrentMember(req: GroupJoinRequest, nowMs: number, reply: JoinReply): void {
    const g = this.group;
    const memberId = req.memberId;
    if (g.is('Dead')) return reply(joinError(memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE));
    if (!g.supportsProtocols(req.protocolType, req.protocols)) return reply(joinError(memberId, ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    if (g.isPendingMember(memberId)) {
      if (req.groupInstanceId !== null) return reply(joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID));
      return this.addMemberAndRebalance(req, memberId, nowMs, reply);
    }
    if (g.isStaticMemberFenced(req.groupInstanceId, memberId)) return reply(joinError(memberId, ErrorCode.FENCED_INSTANCE_ID));
    if (!g.has(memberId) || (req.groupInstanceId !== null && !g.hasStaticMember(req.groupInstanceId))) {
      return reply(joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID));
    }
    const member = g.get(memberId);
    const unchanged = sameProtocols(member.protocols, req.protocols);
    switch (g.state) {
      case 'PreparingRebalance':
        return this.updateMemberAndRebalance(member, req, nowMs, reply);
      case 'CompletingRebalance':
        // Same metadata: the member missed our JoinGroup answer; repeat it for this generation.
        if (unchanged) return reply(this.joinResult(member, g.isLeader(memberId) ? g.currentMemberMetadata() : [], false));
        return this.updateMemberAndRebalance(member, req, nowMs, reply);
      case 'Stable':
        // The leader rejoining forces a rebalance: that is how it reacts to changes the metadata does not show.
        if (g.isLeader(memberId) || !unchanged) return this.updateMemberAndRebalance(member, req, nowMs, reply);
        return reply(this.joinResult(member, [], false));
      case 'Empty': case 'Dead':
        return reply(joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID));
    }
  }

  private addMemberAndRebalance(req: GroupJoinRequest, memberId: string, nowMs: number, reply: JoinReply): void {
    const g = this.group;
    const member: GroupMember = {
      memberId, groupInstanceId: req.groupInstanceId, clientId: req.clientId, clientHost: req.clientHost,
      rebalanceTimeoutMs: req.rebalanceTimeoutMs, sessionTimeoutMs: req.sessionTimeoutMs, protocolType: req.protocolType,
      protocols: req.protocols, assignment: EMPTY_ASSIGNMENT, joinReply: reply, syncReply: null, isNew: true,
      // A new member cannot heartbeat until it has a generation; give its JoinGroup a bounded wait instead.
      heartbeatDeadlineMs: nowMs + this.env.config.newMemberJoinTimeoutMs,
    };
    if (g.is('PreparingRebalance') && g.generationId === 0) this.newMemberAdded = true;
    g.add(member);
    this.maybePrepareRebalance(nowMs, `adding new member ${memberId}`);
  }

  private updateMemberAndRebalance(member: GroupMember, req: GroupJoinRequest, nowMs: number, reply: JoinReply): void {
    this.group.updateMember(member, req.protocols, req.rebalanceTimeoutMs, req.sessionTimeoutMs);
    this.setJoinReply(member, reply);
    this.maybePrepareRebalance(nowMs, `member ${member.memberId} rejoining`);
  }

  /** A newer JoinGroup from the same member supersedes a waiting one, which is answered so its connection moves on. */
  private setJoinReply(member: GroupMember, reply: JoinReply): void {
    const previous = member.joinReply;
    member.joinReply = reply;
    previous?.(joinError(member.memberId, ErrorCode.REBALANCE_IN_PROGRESS));
  }

  /**
   * KIP-345: a known group.instance.id joins with no member id (the instance
   * restarted). It takes over the old member's slot under a new id; the old
   * id is fenced. A stable group whose protocol choice is unchanged keeps its
   * assignment and does not rebalance.
   */
  private replaceStaticMember(req: GroupJoinRequest, oldMemberId: string, newMemberId: string, nowMs: number, reply: JoinReply): void {
    const g = this.group;
    const instanceId = req.groupInstanceId!;
    const previousLeader = g.leaderId;
    const old = g.get(oldMemberId);
    const fencedJoin = old.joinReply;
    const fencedSync = old.syncReply;
    old.joinReply = null;
    old.syncReply = null;
    const member = g.replaceStaticMember(instanceId, oldMemberId, newMemberId);
    this.env.log(`group ${g.groupId}: static member ${instanceId} rejoined as ${newMemberId}, replacing ${oldMemberId} (${g.state})`);
    fencedJoin?.(joinError(oldMemberId, ErrorCode.FENCED_INSTANCE_ID));
    fencedSync?.(syncError(ErrorCode.FENCED_INSTANCE_ID));
    this.scheduleHeartbeat(member, nowMs);
    const before = { protocols: member.protocols, rebalanceTimeoutMs: member.rebalanceTimeoutMs, sessionTimeoutMs: member.sessionTimeoutMs };
    g.updateMember(member, req.protocols, req.rebalanceTimeoutMs, req.sessionTimeoutMs);
    member.clientId = req.clientId;
    member.clientHost = req.clientHost;
    if (g.is('PreparingRebalance')) {
      member.joinReply = reply;
      return;
    }
    if (g.is('CompletingRebalance') || g.selectProtocol() !== g.protocolName) {
      member.joinReply = reply;
      return this.maybePrepareRebalance(nowMs, `static member ${newMemberId} (${instanceId}) rejoined`);
    }
    const error = this.env.storeGroup(g, currentAssignments(g), nowMs);
    if (error !== ErrorCode.NONE) {
      g.updateMember(member, before.protocols, before.rebalanceTimeoutMs, before.sessionTimeoutMs);
      g.replaceStaticMember(instanceId, newMemberId, oldMemberId);
      this.scheduleHeartbeat(member, nowMs);
      return reply({ ...joinError('', error), generationId: g.generationId, protocolType: g.protocolType, protocolName: g.protocolName, leader: previousLeader ?? '' });
    }
    if (req.supportSkipAssignment) {
      // JoinGroup v9+: the leader learns it leads but need not assign; it keeps watching metadata.
      const isLeader = g.isLeader(newMemberId);
      return reply(this.joinResult(member, isLeader ? g.currentMemberMetadata() : [], isLeader));
    }
    // Older clients are told the previous leader id, so that a restarted leader does not run a pointless assignment.
    reply({ ...this.joinResult(member, [], false), leader: previousLeader ?? '' });
  }

  private joinResult(member: GroupMember, members: GroupJoinResult['members'], skipAssignment: boolean): GroupJoinResult {
    const g = this.group;
    return {
      errorCode: ErrorCode.NONE, generationId: g.generationId, protocolType: g.protocolType, protocolName: g.protocolName,
      leader: g.leaderId ?? '', skipAssignment, memberId: member.memberId, members,
    };
  }

  // ---- rebalance -------------------------------------------------------------------------------

  private maybePrepareRebalance(nowMs: number, reason: string): void {
    const s = this.group.state;
    if (s === 'Stable' || s === 'CompletingRebalance' || s === 'Empty') this.prepareRebalance(nowMs, reason);
  }

  private prepareRebalance(nowMs: number, reason: string): void {
    const g = this.group;
    if (g.is('CompletingRebalance')) this.resetAndPropagateAssignmentError(ErrorCode.REBALANCE_IN_PROGRESS, nowMs);
    this.syncDeadlineMs = null;
    if (g.is('Empty')) {
      const delayMs = this.env.config.initialRebalanceDelayMs;
      this.rebalance = {
        deadlineMs: nowMs + delayMs,
        initial: { configuredMs: delayMs, delayMs, remainingMs: Math.max(g.rebalanceTimeoutMs() - delayMs, 0) },
      };
    } else {
      this.rebalance = { deadlineMs: nowMs + g.rebalanceTimeoutMs(), initial: null };
    }
    g.transitionTo('PreparingRebalance', nowMs);
    this.env.log(`group ${g.groupId} preparing to rebalance from generation ${g.generationId} (${reason})`);
    this.maybeCompleteJoin(nowMs);
  }

  /** Kafka's DelayedJoin.tryComplete: done as soon as every member has rejoined (the initial delay always waits). */
  private maybeCompleteJoin(nowMs: number): void {
    const r = this.rebalance;
    if (!this.group.is('PreparingRebalance') || r === null || r.initial !== null) return;
    if (this.group.hasAllMembersJoined()) this.completeJoin(nowMs);
  }

  private onRebalanceDeadline(nowMs: number): void {
    const r = this.rebalance!;
    if (r.initial !== null && this.newMemberAdded && r.initial.remainingMs !== 0) {
      // New members keep arriving: wait another delay, up to the rebalance timeout in all.
      this.newMemberAdded = false;
      const delayMs = Math.min(r.initial.configuredMs, r.initial.remainingMs);
      const remainingMs = Math.max(r.initial.remainingMs - r.initial.delayMs, 0);
      this.rebalance = { deadlineMs: nowMs + delayMs, initial: { configuredMs: r.initial.configuredMs, delayMs, remainingMs } };
      return;
    }
    this.completeJoin(nowMs);
  }

  /** Kafka's onCompleteJoin: drop dynamic members that did not rejoin, start the next generation, answer the joins. */
  private completeJoin(nowMs: number): void {
    const g = this.group;
    this.rebalance = null;
    for (const m of [...g.members.values()]) {
      if (m.joinReply === null && m.groupInstanceId === null) this.dropMember(m, ErrorCode.UNKNOWN_MEMBER_ID);
    }
    if (g.is('Dead')) return;
    if (!this.maybeElectNewJoinedLeader() && g.size > 0) {
      // Nobody rejoined: wait again until session timeouts remove the silent members.
      this.rebalance = { deadlineMs: nowMs + g.rebalanceTimeoutMs(), initial: null };
      return;
    }
    this.initNextGeneration(nowMs);
    if (g.is('Empty')) {
      this.env.log(`group ${g.groupId} is empty at generation ${g.generationId}`);
      // A failed write is only logged: an empty generation has no member that could act on the old one.
      const error = this.env.storeGroup(g, new Map(), nowMs);
      if (error !== ErrorCode.NONE) this.env.log(`group ${g.groupId}: failed to write empty metadata (error ${error})`, 'warn');
      return;
    }
    this.env.log(`group ${g.groupId} generation ${g.generationId} with ${g.size} members, protocol ${g.protocolName}`);
    for (const m of g.members.values()) {
      const reply = m.joinReply;
      m.joinReply = null;
      reply?.(this.joinResult(m, g.isLeader(m.memberId) ? g.currentMemberMetadata() : [], false));
      this.scheduleHeartbeat(m, nowMs);
      m.isNew = false;
      g.pendingSyncMembers.add(m.memberId);
    }
    this.syncDeadlineMs = nowMs + g.rebalanceTimeoutMs();
  }

  private maybeElectNewJoinedLeader(): boolean {
    const g = this.group;
    if (g.leaderId === null) return false;
    if (g.members.get(g.leaderId)?.joinReply != null) return true;
    for (const m of g.members.values()) {
      if (m.joinReply !== null) {
        g.leaderId = m.memberId;
        return true;
      }
    }
    return false;
  }

  private initNextGeneration(nowMs: number): void {
    const g = this.group;
    g.generationId += 1;
    if (g.size > 0) {
      g.protocolName = g.selectProtocol();
      g.subscribedTopics = g.computeSubscribedTopics();
      g.transitionTo('CompletingRebalance', nowMs);
    } else {
      g.protocolName = null;
      g.subscribedTopics = null;
      g.transitionTo('Empty', nowMs);
    }
    g.pendingSyncMembers.clear();
  }

  // ---- SyncGroup -------------------------------------------------------------------------------

  sync(req: GroupSyncRequest, nowMs: number, reply: SyncReply): void {
    const g = this.group;
    const error = this.validateSync(req);
    if (error !== ErrorCode.NONE) return reply(syncError(error));
    switch (g.state) {
      case 'Empty': return reply(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
      case 'PreparingRebalance': return reply(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
      case 'Stable': {
        this.removePendingSyncMember(req.memberId);
        const member = g.get(req.memberId);
        reply({ errorCode: ErrorCode.NONE, protocolType: g.protocolType, protocolName: g.protocolName, assignment: member.assignment });
        return this.scheduleHeartbeat(member, nowMs);
      }
      case 'CompletingRebalance': {
        const member = g.get(req.memberId);
        const previous = member.syncReply;
        member.syncReply = reply;
        previous?.(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
        this.removePendingSyncMember(req.memberId);
        if (g.isLeader(req.memberId)) this.completeSync(req, nowMs);
        return;
      }
      case 'Dead': return reply(syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE));
    }
  }

  private validateSync(req: GroupSyncRequest): number {
    const g = this.group;
    if (g.is('Dead')) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const memberError = this.validateCurrentMember(req.memberId, req.groupInstanceId);
    if (memberError !== ErrorCode.NONE) return memberError;
    if (req.generationId !== g.generationId) return ErrorCode.ILLEGAL_GENERATION;
    if (req.protocolType !== null && req.protocolType !== g.protocolType) return ErrorCode.INCONSISTENT_GROUP_PROTOCOL;
    if (req.protocolName !== null && req.protocolName !== g.protocolName) return ErrorCode.INCONSISTENT_GROUP_PROTOCOL;
    return ErrorCode.NONE;
  }

  /** The leader's assignment: members it left out get an empty one; durable first, then relayed, then Stable. */
  private completeSync(req: GroupSyncRequest, nowMs: number): void {
    const g = this.group;
    const assignments = new Map<string, Buffer>();
    for (const a of req.assignments) if (g.has(a.memberId)) assignments.set(a.memberId, a.assignment);
    for (const id of g.members.keys()) if (!assignments.has(id)) assignments.set(id, EMPTY_ASSIGNMENT);
    const error = this.env.storeGroup(g, assignments, nowMs);
    if (error !== ErrorCode.NONE) {
      this.resetAndPropagateAssignmentError(error, nowMs);
      return this.maybePrepareRebalance(nowMs, `failed to store the assignment of generation ${g.generationId}`);
    }
    for (const [id, assignment] of assignments) g.get(id).assignment = assignment;
    this.propagateAssignment(ErrorCode.NONE, nowMs);
    g.transitionTo('Stable', nowMs);
  }

  private resetAndPropagateAssignmentError(errorCode: number, nowMs: number): void {
    for (const m of this.group.members.values()) m.assignment = EMPTY_ASSIGNMENT;
    this.propagateAssignment(errorCode, nowMs);
  }

  private propagateAssignment(errorCode: number, nowMs: number): void {
    const g = this.group;
    for (const m of g.members.values()) {
      const reply = m.syncReply;
      if (reply === null) continue;
      m.syncReply = null;
      reply(errorCode === ErrorCode.NONE
        ? { errorCode, protocolType: g.protocolType, protocolName: g.protocolName, assignment: m.assignment }
        : syncError(errorCode));
      // A session that ran out while the member waited for its assignment was exempt; start it afresh.
      this.scheduleHeartbeat(m, nowMs);
    }
  }

  private removePendingSyncMember(memberId: string): void {
    const g = this.group;
    g.pendingSyncMembers.delete(memberId);
    if (g.pendingSyncMembers.size === 0) this.syncDeadlineMs = null;
  }

  private onSyncDeadline(nowMs: number): void {
    const g = this.group;
    this.syncDeadlineMs = null;
    if (!(g.is('CompletingRebalance') || g.is('Stable')) || g.pendingSyncMembers.size === 0) return;
    const missing = [...g.pendingSyncMembers];
    this.env.log(`group ${g.groupId} removing members that did not send SyncGroup: ${missing.join(', ')}`);
    for (const id of missing) {
      const member = g.members.get(id);
      if (member !== undefined) this.dropMember(member, ErrorCode.UNKNOWN_MEMBER_ID);
      else g.pendingSyncMembers.delete(id);
    }
    this.maybePrepareRebalance(nowMs, 'members did not sync');
  }

  // ---- Heartbeat, LeaveGroup, offsets --------------------------------------------------------

  heartbeat(req: { memberId: string; groupInstanceId: string | null; generationId: number }, nowMs: number): number {
    const g = this.group;
    if (g.is('Dead')) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const memberError = this.validateCurrentMember(req.memberId, req.groupInstanceId);
    if (memberError !== ErrorCode.NONE) return memberError;
    if (req.generationId !== g.generationId) return ErrorCode.ILLEGAL_GENERATION;
    if (g.is('Empty')) return ErrorCode.UNKNOWN_MEMBER_ID;
    this.scheduleHeartbeat(g.get(req.memberId), nowMs);
    return g.is('PreparingRebalance') ? ErrorCode.REBALANCE_IN_PROGRESS : ErrorCode.NONE;
  }

  /** LeaveGroup, v3+ batched: by member id, or by group.instance.id alone (an admin removing a static member). */
  leave(members: readonly LeavingMember[], nowMs: number): GroupLeaveResult {
    const g = this.group;
    if (g.is('Dead')) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, members: [] };
    const results = members.map((m) => {
      const out: GroupLeaveResult['members'][number] = { memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode: ErrorCode.NONE };
      if (m.memberId === '') {
        const current = g.currentStaticMemberId(m.groupInstanceId);
        if (current === null) out.errorCode = ErrorCode.UNKNOWN_MEMBER_ID;
        else this.removeMemberAndUpdateGroup(g.get(current), nowMs, `static member ${m.groupInstanceId} left (${m.reason ?? 'no reason'})`);
      } else if (g.isPendingMember(m.memberId)) {
        this.removePendingMember(m.memberId, nowMs);
      } else {
        out.errorCode = this.validateCurrentMember(m.memberId, m.groupInstanceId);
        if (out.errorCode === ErrorCode.NONE) {
          this.removeMemberAndUpdateGroup(g.get(m.memberId), nowMs, `member ${m.memberId} left (${m.reason ?? 'no reason'})`);
        }
      }
      return out;
    });
    return { errorCode: ErrorCode.NONE, members: results };
  }

  /**
   * Who may commit offsets (Kafka's ClassicGroup.validateOffsetCommit): an
   * empty group takes commits from anyone with generation -1 (simple
   * consumers, admin tools); otherwise the member and generation must match.
   */
  validateOffsetCommit(
    req: { memberId: string; groupInstanceId: string | null; generationId: number }, nowMs: number, transactional = false,
  ): number {
    const g = this.group;
    if (g.is('Dead')) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (req.generationId < 0 && g.is('Empty')) return ErrorCode.NONE;
    if (req.generationId >= 0 || req.memberId !== '' || req.groupInstanceId !== null) {
      const memberError = this.validateCurrentMember(req.memberId, req.groupInstanceId);
      if (memberError !== ErrorCode.NONE) return memberError;
      if (req.generationId !== g.generationId) return ErrorCode.ILLEGAL_GENERATION;
    } else if (!transactional && !g.is('Empty')) {
      // TxnOffsetCommit before v3 names no member: a transaction's commit is fenced by its producer epoch instead.
      return ErrorCode.UNKNOWN_MEMBER_ID;
    }
    if (!transactional && g.is('CompletingRebalance')) return ErrorCode.REBALANCE_IN_PROGRESS;
    const member = g.members.get(req.memberId);
    if (member !== undefined) this.scheduleHeartbeat(member, nowMs);
    return ErrorCode.NONE;
  }

  private validateCurrentMember(memberId: string, groupInstanceId: string | null): number {
    const g = this.group;
    if (groupInstanceId !== null) {
      if (!g.hasStaticMember(groupInstanceId)) return ErrorCode.UNKNOWN_MEMBER_ID;
      if (g.isStaticMemberFenced(groupInstanceId, memberId)) return ErrorCode.FENCED_INSTANCE_ID;
      return ErrorCode.NONE;
    }
    return g.has(memberId) ? ErrorCode.NONE : ErrorCode.UNKNOWN_MEMBER_ID;
  }

  /** DeleteGroups and offset expiry: an empty group with nothing left is Dead; the coordinator forgets it. */
  markDead(nowMs: number): void {
    this.rebalance = null;
    this.syncDeadlineMs = null;
    this.group.transitionTo('Dead', nowMs);
  }

  // ---- member removal --------------------------------------------------------------------------

  private removeMemberAndUpdateGroup(member: GroupMember, nowMs: number, reason: string): void {
    const g = this.group;
    this.dropMember(member, ErrorCode.UNKNOWN_MEMBER_ID);
    this.env.log(`group ${g.groupId}: ${reason}`);
    switch (g.state) {
      case 'Stable': case 'CompletingRebalance': return this.maybePrepareRebalance(nowMs, reason);
      case 'PreparingRebalance': return this.maybeCompleteJoin(nowMs);
      case 'Empty': case 'Dead': return;
    }
  }

  /** Takes a member out and answers whatever it still waits on, so no request is left hanging. */
  private dropMember(member: GroupMember, errorCode: number): void {
    const joinReply = member.joinReply;
    const syncReply = member.syncReply;
    member.joinReply = null;
    member.syncReply = null;
    member.heartbeatDeadlineMs = null;
    this.group.remove(member.memberId);
    joinReply?.(joinError('', errorCode));
    syncReply?.(syncError(errorCode));
  }

  private removePendingMember(memberId: string, nowMs: number): void {
    this.group.remove(memberId);
    this.maybeCompleteJoin(nowMs);
  }

  private scheduleHeartbeat(member: GroupMember, nowMs: number): void {
    member.heartbeatDeadlineMs = nowMs + member.sessionTimeoutMs;
  }

  /** Kafka's hasSatisfiedHeartbeat: members waiting in a rebalance are exempt, except new ones. */
  private onHeartbeatDeadline(member: GroupMember, nowMs: number): void {
    member.heartbeatDeadlineMs = null;
    const waiting = member.joinReply !== null || member.syncReply !== null;
    if (!member.isNew && waiting) return;
    this.removeMemberAndUpdateGroup(member, nowMs, `member ${member.memberId} failed to heartbeat within its session timeout`);
  }

  // ---- timers ----------------------------------------------------------------------------------

  /** The earliest deadline this group waits for, or null when it waits for none. */
  nextDeadlineMs(): number | null {
    let next: number | null = null;
    const consider = (t: number | null): void => {
      if (t !== null && (next === null || t < next)) next = t;
    };
    consider(this.rebalance?.deadlineMs ?? null);
    consider(this.syncDeadlineMs);
    for (const m of this.group.members.values()) consider(m.heartbeatDeadlineMs);
    for (const t of this.group.pendingMembers.values()) consider(t);
    return next;
  }

  /** Fires every deadline at or before nowMs, earliest first (each may move the others). */
  tick(nowMs: number): void {
    for (let step = 0; step < TICK_STEPS_MAX; step++) {
      const next = this.nextDeadlineMs();
      if (next === null || next > nowMs) return;
      this.fireDeadline(next, nowMs);
    }
    this.env.log(`group ${this.group.groupId}: more than ${TICK_STEPS_MAX} deadlines in one tick; the rest wait for the next`);
  }

  private fireDeadline(deadlineMs: number, nowMs: number): void {
    const g = this.group;
    if (this.rebalance !== null && this.rebalance.deadlineMs === deadlineMs) return this.onRebalanceDeadline(nowMs);
    if (this.syncDeadlineMs === deadlineMs) return this.onSyncDeadline(nowMs);
    for (const m of g.members.values()) {
      if (m.heartbeatDeadlineMs === deadlineMs) return this.onHeartbeatDeadline(m, nowMs);
    }
    for (const [id, t] of g.pendingMembers) {
      if (t === deadlineMs) {
        this.env.log(`group ${g.groupId}: pending member ${id} did not rejoin within its session timeout`);
        return this.removePendingMember(id, nowMs);
      }
    }
    throw new Error(`group ${g.groupId}: deadline ${deadlineMs} has no owner`);
  }

  /** This node stops coordinating the group (resignation, shutdown): whatever waits is answered with errorCode. */
  unload(errorCode: number): void {
    this.rebalance = null;
    this.syncDeadlineMs = null;
    this.group.pendingMembers.clear();
    for (const m of this.group.members.values()) {
      const joinReply = m.joinReply;
      const syncReply = m.syncReply;
      m.joinReply = null;
      m.syncReply = null;
      m.heartbeatDeadlineMs = null;
      joinReply?.(joinError(m.memberId, errorCode));
      syncReply?.(syncError(errorCode));
    }
  }

  /** After loading a group with members: each must heartbeat within its session timeout from now. */
  scheduleLoadedMembers(nowMs: number): void {
    for (const m of this.group.members.values()) this.scheduleHeartbeat(m, nowMs);
  }
}

function sameProtocols(a: readonly { name: string; metadata: Buffer }[], b: readonly { name: string; metadata: Buffer }[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((p, i) => p.name === b[i]!.name && p.metadata.equals(b[i]!.metadata));
}

function currentAssignments(group: ClassicGroup): Map<string, Buffer> {
  return new Map([...group.members.values()].map((m) => [m.memberId, m.assignment]));
}
