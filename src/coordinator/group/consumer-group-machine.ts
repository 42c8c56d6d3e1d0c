/**
 * ConsumerGroupHeartbeat, member expiry and revocation timeouts of a KIP-848
 * group, as Kafka's GroupMetadataManager decides them — pure: each call
 * reads the group as it stands and returns the records to write, the answer
 * to give once they are durable, and the timers to set. The coordinator
 * replays the records onto the group (consumer-group-records.ts) after the
 * write, so what a client was told is exactly what a reload rebuilds.
 *
 * One heartbeat: (1) create or update the member; a new subscription, or a
 * change in the subscribed topics' partitions, bumps the group epoch;
 * (2) when the group epoch is ahead of the target assignment's, the
 * assignor computes a new target; (3) the member takes one reconciliation
 * step (current-assignment.ts).
 */
import { ErrorCode } from '../../protocol/index.ts';
import { ASSIGNORS, isKnownAssignor, type AssignorMember, type AssignorTopic } from './consumer-assignors.ts';
import {
  ConsumerGroup, LEAVE_GROUP_MEMBER_EPOCH, LEAVE_GROUP_STATIC_MEMBER_EPOCH, MemberState, assignmentOf, newMember,
  sameAssignment, sameList, sameMember, type Assignment, type ConsumerMember, type TopicMetadata,
} from './consumer-group.ts';
import {
  memberAssignmentOf, memberSubscriptionOf, removeMemberRecords, type ConsumerGroupRecord,
} from './consumer-group-records.ts';
import { reconcile } from './current-assignment.ts';
import { compileTopicRegex, topicRegexError, type TopicRegex } from './topic-regex.ts';

export interface ConsumerGroupConfig {
  readonly heartbeatIntervalMs: number;
  readonly sessionTimeoutMs: number;
  readonly maxSize: number;
  /** group.consumer.assignors; the first is the default. */
  readonly assignors: readonly string[];
}

/** The cluster's topics as the group sees them: name → id and partition count. */
export type TopicsView = ReadonlyMap<string, { readonly topicId: string; readonly numPartitions: number }>;

export interface HeartbeatRequest {
  readonly groupId: string;
  readonly memberId: string;
  readonly memberEpoch: number;
  readonly instanceId: string | null;
  readonly rackId: string | null;
  readonly rebalanceTimeoutMs: number;
  readonly subscribedTopicNames: readonly string[] | null;
  readonly subscribedTopicRegex: string | null;
  readonly serverAssignor: string | null;
  readonly topicPartitions: readonly { topicId: string; partitions: readonly number[] }[] | null;
  readonly clientId: string;
  readonly clientHost: string;
  /** ConsumerGroupHeartbeat v0 lets the coordinator pick a new member's id; v1+ (KIP-1082) requires the client's. */
  readonly apiVersion: number;
}

export interface HeartbeatResponse {
  readonly errorCode: number;
  readonly errorMessage: string | null;
  readonly memberId: string | null;
  readonly memberEpoch: number;
  readonly heartbeatIntervalMs: number;
  readonly assignment: { topicId: string; partitions: number[] }[] | null;
}

/** Timers the coordinator keeps per member; `null` cancels. */
export interface TimerUpdate {
  readonly memberId: string;
  /** Session expiry: when the member is fenced unless it heartbeats again. */
  readonly sessionDeadlineMs?: number | null;
  /** Revocation: when the member is fenced unless it has left `epoch` by then. */
  readonly revocation?: { deadlineMs: number; epoch: number } | null;
}

export interface ConsumerGroupStep {
  readonly records: ConsumerGroupRecord[];
  readonly response: HeartbeatResponse;
  readonly timers: TimerUpdate[];
}

export interface HeartbeatContext {
  readonly nowMs: number;
  readonly config: ConsumerGroupConfig;
  readonly topics: TopicsView;
  newMemberId(): string;
}

class HeartbeatError extends Error {
  readonly errorCode: number;
  constructor(errorCode: number, message: string) {
    super(message);
    this.errorCode = errorCode;
  }
}

export function heartbeatError(errorCode: number, errorMessage: string | null, memberId: string | null = null): ConsumerGroupStep {
  return { records: [], timers: [], response: { errorCode, errorMessage, memberId, memberEpoch: 0, heartbeatIntervalMs: 0, assignment: null } };
}

/** Kafka's throwIfConsumerGroupHeartbeatRequestIsInvalid. */
function validate(req: HeartbeatRequest, config: ConsumerGroupConfig): void {
  const invalid = (m: string): never => { throw new HeartbeatError(ErrorCode.INVALID_REQUEST, m); };
  if (req.groupId === '') invalid("GroupId can't be empty.");
  if (req.instanceId === '') invalid("InstanceId can't be empty.");
  if (req.rackId === '') invalid("RackId can't be empty.");
  if (req.memberEpoch > 0 || req.memberEpoch === LEAVE_GROUP_MEMBER_EPOCH) {
    if (req.memberId === '') invalid("MemberId can't be empty.");
  } else if (req.memberEpoch === 0) {
    if (req.memberId === '' && req.apiVersion >= 1) invalid("MemberId can't be empty.");
    if (req.rebalanceTimeoutMs === -1) invalid('RebalanceTimeoutMs must be provided in first request.');
    if (req.topicPartitions === null || req.topicPartitions.length > 0) invalid('TopicPartitions must be empty when (re-)joining.');
    const names = req.subscribedTopicNames;
    if ((names === null || names.length === 0) && req.subscribedTopicRegex === null) {
      invalid('SubscribedTopicNames or SubscribedTopicRegex must be set in first request.');
    }
  } else if (req.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
    if (req.memberId === '') invalid("MemberId can't be empty.");
    if (req.instanceId === null) invalid("InstanceId can't be null.");
  } else {
    invalid('MemberEpoch is invalid.');
  }
  if (req.subscribedTopicRegex !== null) {
    const reason = req.subscribedTopicRegex === '' ? 'empty pattern' : topicRegexError(req.subscribedTopicRegex);
    if (reason !== null) throw new HeartbeatError(ErrorCode.INVALID_REGULAR_EXPRESSION, `SubscribedTopicRegex ${req.subscribedTopicRegex} is not supported: ${reason}.`);
  }
  if (req.serverAssignor !== null && !(config.assignors.includes(req.serverAssignor) && isKnownAssignor(req.serverAssignor))) {
    throw new HeartbeatError(ErrorCode.UNSUPPORTED_ASSIGNOR,
      `ServerAssignor ${req.serverAssignor} is not supported. Supported assignors: ${config.assignors.join(', ')}.`);
  }
}

function ownedOf(req: HeartbeatRequest): Assignment | null {
  return req.topicPartitions === null ? null : assignmentOf(req.topicPartitions.map((t) => [t.topicId, t.partitions] as const));
}

function isSubset(owned: Assignment | null, of: Assignment): boolean {
  if (owned === null) return false;
  for (const [topicId, list] of owned) {
    const have = of.get(topicId);
    if (have === undefined && list.length > 0) return false;
    if (list.some((p) => !have!.includes(p))) return false;
  }
  return true;
}

/** Kafka's throwIfConsumerGroupMemberEpochIsInvalid: a lost response (previous epoch, owning a subset) is forgiven. */
function checkMemberEpoch(member: ConsumerMember, received: number, owned: Assignment | null): void {
  if (received > member.memberEpoch) {
    throw new HeartbeatError(ErrorCode.FENCED_MEMBER_EPOCH, `The consumer group member has a greater member epoch (${received}) than the one known by the group coordinator (${member.memberEpoch}). The member must abandon all its partitions and rejoin.`);
  }
  if (received < member.memberEpoch && (received !== member.previousMemberEpoch || !isSubset(owned, member.assigned))) {
    throw new HeartbeatError(ErrorCode.FENCED_MEMBER_EPOCH, `The consumer group member has a smaller member epoch (${received}) than the one known by the group coordinator (${member.memberEpoch}). The member must abandon all its partitions and rejoin.`);
  }
}

const REGEX_CACHE_MAX = 1000;
const regexCache = new Map<string, TopicRegex>();

/** Every heartbeat resolves every member's pattern: compile each once (a bounded cache, oldest out first). */
function compiledRegex(source: string): TopicRegex {
  let re = regexCache.get(source);
  if (re === undefined) {
    re = compileTopicRegex(source);
    if (regexCache.size >= REGEX_CACHE_MAX) regexCache.delete(regexCache.keys().next().value!);
    regexCache.set(source, re);
  }
  return re;
}

/** The topics a member subscribes to that exist now: by name, and by its regular expression. */
export function memberTopics(m: Pick<ConsumerMember, 'subscribedTopicNames' | 'subscribedTopicRegex'>, topics: TopicsView): Set<string> {
  const out = new Set<string>();
  for (const t of m.subscribedTopicNames) if (topics.has(t)) out.add(t);
  if (m.subscribedTopicRegex !== null) {
    const re = compiledRegex(m.subscribedTopicRegex);
    for (const t of topics.keys()) if (!t.startsWith('__') && re.matches(t)) out.add(t);
  }
  return out;
}

/** Kafka's computeSubscriptionMetadata: the subscribed topics that exist, with their ids and partition counts, by name. */
export function subscriptionMetadataOf(members: Iterable<ConsumerMember>, topics: TopicsView): TopicMetadata[] {
  const names = new Set<string>();
  for (const m of members) for (const t of memberTopics(m, topics)) names.add(t);
  return [...names].sort().map((topicName) => {
    const t = topics.get(topicName)!;
    return { topicId: t.topicId, topicName, numPartitions: t.numPartitions };
  });
}

function sameMetadata(a: ReadonlyMap<string, TopicMetadata>, b: readonly TopicMetadata[]): boolean {
  if (a.size !== b.length) return false;
  return b.every((t) => {
    const o = a.get(t.topicName);
    return o !== undefined && o.topicId === t.topicId && o.numPartitions === t.numPartitions;
  });
}

/**
 * The new target assignment for `groupEpoch` with the member set as it will
 * be: records for each member whose target changed, then the target epoch.
 */
export function targetAssignmentRecords(
  g: ConsumerGroup, groupEpoch: number, members: readonly ConsumerMember[], metadata: readonly TopicMetadata[],
  assignorName: string,
): { records: ConsumerGroupRecord[]; targets: Map<string, Assignment> } {
  const byName = new Map(metadata.map((t) => [t.topicName, t]));
  const view: TopicsView = new Map(metadata.map((t) => [t.topicName, { topicId: t.topicId, numPartitions: t.numPartitions }]));
  const topics = new Map<string, AssignorTopic>(metadata.map((t) => [t.topicId, { topicId: t.topicId, name: t.topicName, numPartitions: t.numPartitions }]));
  const assignorMembers: AssignorMember[] = members.map((m) => ({
    memberId: m.memberId, topicIds: new Set([...memberTopics(m, view)].map((n) => byName.get(n)!.topicId)),
  }));
  const previous = new Map<string, Assignment>();
  for (const m of members) {
    // A static member that replaced its predecessor inherits the predecessor's target.
    previous.set(m.memberId, g.targetAssignment.get(m.memberId) ?? g.targetOf(g.staticMembers.get(m.instanceId ?? '') ?? ''));
  }
  const assignor = ASSIGNORS[assignorName]!;
  const targets = assignor({ members: assignorMembers, topics, previous });
  const records: ConsumerGroupRecord[] = [];
  for (const m of members) {
    const next = targets.get(m.memberId)!;
    const old = g.targetAssignment.get(m.memberId);
    if (old === undefined || !sameAssignment(old, next)) records.push({ kind: 'cg-target', group: g.groupId, memberId: m.memberId, assignment: next });
  }
  records.push({ kind: 'cg-target-epoch', group: g.groupId, epoch: groupEpoch });
  return { records, targets };
}

/** Kafka's computePreferredServerAssignor: the most common choice among members, else the default. */
function preferredAssignor(members: readonly ConsumerMember[], config: ConsumerGroupConfig): string {
  const votes = new Map<string, number>();
  for (const m of members) if (m.serverAssignor !== null) votes.set(m.serverAssignor, (votes.get(m.serverAssignor) ?? 0) + 1);
  let best: string | null = null;
  for (const [name, n] of [...votes].sort(([a], [b]) => (a < b ? -1 : 1))) if (best === null || n > votes.get(best)!) best = name;
  return best ?? config.assignors[0]!;
}

export function consumerGroupHeartbeat(existing: ConsumerGroup | undefined, req: HeartbeatRequest, ctx: HeartbeatContext): ConsumerGroupStep {
  try {
    validate(req, ctx.config);
    if (req.memberEpoch === LEAVE_GROUP_MEMBER_EPOCH || req.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
      if (existing === undefined) throw new HeartbeatError(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${req.groupId} not found.`);
      return leave(existing, req, ctx);
    }
    if (existing === undefined && req.memberEpoch !== 0) throw new HeartbeatError(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${req.groupId} not found.`);
    return join(existing ?? new ConsumerGroup(req.groupId), req, ctx);
  } catch (e) {
    if (!(e instanceof HeartbeatError)) throw e;
    return heartbeatError(e.errorCode, e.message, req.memberId === '' ? null : req.memberId);
  }
}

function join(g: ConsumerGroup, req: HeartbeatRequest, ctx: HeartbeatContext): ConsumerGroupStep {
  const { config, nowMs } = ctx;
  const records: ConsumerGroupRecord[] = [];
  const timers: TimerUpdate[] = [];
  const owned = ownedOf(req);
  if (g.members.size >= config.maxSize && (req.memberId === '' || !g.members.has(req.memberId))) {
    throw new HeartbeatError(ErrorCode.GROUP_MAX_SIZE_REACHED, `The consumer group has reached its maximum capacity of ${config.maxSize} members.`);
  }
  const memberId = req.memberId === '' ? ctx.newMemberId() : req.memberId;
  const creating = req.memberEpoch === 0;

  // The member: new, rejoining (static successor or dynamic rejoin), or known.
  let member: ConsumerMember;
  /** A member id whose member leaves the group in this step (a static predecessor or a dynamic member's old incarnation). */
  let replaced: string | null = null;
  if (req.instanceId === null) {
    const known = g.members.get(memberId);
    if (creating) {
      if (known !== undefined && known.memberEpoch !== 0) {
        // A member that rejoins with epoch 0 owns nothing (its TopicPartitions must be empty): its old incarnation goes.
        replaced = memberId;
        records.push(...removeMemberRecords(g.groupId, memberId));
        member = newMember(memberId);
      } else {
        member = known ?? newMember(memberId);
      }
    } else {
      if (known === undefined) throw new HeartbeatError(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${memberId} is not a member of group ${g.groupId}.`);
      checkMemberEpoch(known, req.memberEpoch, owned);
      member = known;
    }
  } else {
    const predecessor = g.staticMember(req.instanceId);
    if (creating) {
      if (predecessor === undefined) {
        const known = g.members.get(memberId);
        member = known ?? newMember(memberId);
      } else {
        if (predecessor.memberEpoch !== LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
          throw new HeartbeatError(ErrorCode.UNRELEASED_INSTANCE_ID,
            `Static member ${predecessor.memberId} with instance id ${req.instanceId} is not released yet; it must leave first.`);
        }
        // The successor takes the predecessor's place: its subscription, target and partitions, at epoch 0.
        member = { ...predecessor, memberId, memberEpoch: 0, previousMemberEpoch: 0 };
        replaced = predecessor.memberId;
        records.push(...removeMemberRecords(g.groupId, predecessor.memberId));
        records.push({ kind: 'cg-member', group: g.groupId, memberId, value: memberSubscriptionOf(member) });
        records.push({ kind: 'cg-target', group: g.groupId, memberId, assignment: g.targetOf(predecessor.memberId) });
        records.push({ kind: 'cg-current', group: g.groupId, memberId, value: memberAssignmentOf(member) });
        timers.push({ memberId: predecessor.memberId, sessionDeadlineMs: null, revocation: null });
      }
    } else {
      if (predecessor === undefined) throw new HeartbeatError(ErrorCode.UNKNOWN_MEMBER_ID, `Instance id ${req.instanceId} is unknown.`);
      if (predecessor.memberId !== memberId) {
        throw new HeartbeatError(ErrorCode.FENCED_INSTANCE_ID, `Static member ${memberId} with instance id ${req.instanceId} was fenced by member ${predecessor.memberId}.`);
      }
      checkMemberEpoch(predecessor, req.memberEpoch, owned);
      member = predecessor;
    }
  }

  // 1. The member with this request's fields; a new subscription bumps the group epoch. A joining member
  // (epoch 0) states its whole subscription, so a static successor does not inherit a regex it did not send.
  const names = req.subscribedTopicNames === null ? (creating ? [] : member.subscribedTopicNames) : [...new Set(req.subscribedTopicNames)].sort();
  const regex = creating ? req.subscribedTopicRegex : req.subscribedTopicRegex ?? member.subscribedTopicRegex;
  let updated: ConsumerMember = {
    ...member,
    instanceId: req.instanceId ?? member.instanceId,
    rackId: req.rackId ?? member.rackId,
    rebalanceTimeoutMs: req.rebalanceTimeoutMs !== -1 ? req.rebalanceTimeoutMs : member.rebalanceTimeoutMs,
    serverAssignor: req.serverAssignor ?? member.serverAssignor,
    subscribedTopicNames: names,
    subscribedTopicRegex: regex,
    clientId: req.clientId,
    clientHost: req.clientHost,
  };
  const isNew = !g.members.has(memberId) || replaced === memberId;
  let bump = false;
  if (isNew || !sameMember(member, updated)) {
    records.push({ kind: 'cg-member', group: g.groupId, memberId, value: memberSubscriptionOf(updated) });
    if (isNew && replaced === null) bump = true;
    if (replaced === memberId) bump = true;
    if (!sameList(member.subscribedTopicNames, updated.subscribedTopicNames) || member.subscribedTopicRegex !== updated.subscribedTopicRegex) bump = true;
  }
  // The members as they will be after this step.
  const members = [...g.members.values()].filter((m) => m.memberId !== memberId && m.memberId !== replaced);
  members.push(updated);
  const metadata = subscriptionMetadataOf(members, ctx.topics);
  if (!sameMetadata(g.subscriptionMetadata, metadata)) {
    bump = true;
    records.push({ kind: 'cg-topics', group: g.groupId, topics: metadata });
  }
  let groupEpoch = g.groupEpoch;
  if (bump) {
    groupEpoch += 1;
    records.push({ kind: 'cg-epoch', group: g.groupId, epoch: groupEpoch });
  }

  // 2. A new target assignment when the group epoch moved past it.
  let targetEpoch = g.assignmentEpoch;
  let target: Assignment;
  if (groupEpoch > g.assignmentEpoch) {
    const computed = targetAssignmentRecords(g, groupEpoch, members, metadata, preferredAssignor(members, config));
    records.push(...computed.records);
    targetEpoch = groupEpoch;
    target = computed.targets.get(memberId)!;
  } else {
    target = g.targetAssignment.get(memberId) ?? (replaced !== null ? g.targetOf(replaced) : new Map());
  }

  // 3. One reconciliation step. Partitions the removed incarnation held are free now.
  const releasedBy = replaced !== null ? g.members.get(replaced) : undefined;
  const currentPartitionEpoch = (topicId: string, p: number): number => {
    const e = g.currentPartitionEpoch(topicId, p);
    if (e === -1 || releasedBy === undefined) return e;
    const heldByReplaced = releasedBy.assigned.get(topicId)?.includes(p) === true || releasedBy.pendingRevocation.get(topicId)?.includes(p) === true;
    if (!heldByReplaced) return e;
    // A static successor holds its predecessor's partitions itself; a dynamic rejoin starts empty.
    return updated.assigned.get(topicId)?.includes(p) === true || updated.pendingRevocation.get(topicId)?.includes(p) === true ? e : -1;
  };
  const before = updated;
  if (!(updated.state === MemberState.STABLE && updated.memberEpoch === targetEpoch)) {
    updated = reconcile({ member: updated, targetEpoch, target, currentPartitionEpoch, owned });
  }
  const assignmentChanged = !sameAssignment(before.assigned, updated.assigned) || !sameAssignment(before.pendingRevocation, updated.pendingRevocation);
  if (updated !== before && (assignmentChanged || updated.memberEpoch !== before.memberEpoch || updated.state !== before.state
    || updated.previousMemberEpoch !== before.previousMemberEpoch || isNew)) {
    records.push({ kind: 'cg-current', group: g.groupId, memberId, value: memberAssignmentOf(updated) });
    timers.push({
      memberId,
      revocation: updated.state === MemberState.UNREVOKED_PARTITIONS
        ? { deadlineMs: nowMs + updated.rebalanceTimeoutMs, epoch: updated.memberEpoch } : null,
    });
  } else if (isNew) {
    records.push({ kind: 'cg-current', group: g.groupId, memberId, value: memberAssignmentOf(updated) });
  }
  timers.push({ memberId, sessionDeadlineMs: nowMs + config.sessionTimeoutMs });

  const fullRequest = req.memberEpoch === 0 || (req.rebalanceTimeoutMs !== -1 && req.subscribedTopicNames !== null && req.topicPartitions !== null);
  const previouslyAssigned = g.members.get(memberId)?.assigned;
  const sendAssignment = fullRequest || previouslyAssigned === undefined || !sameAssignment(previouslyAssigned, updated.assigned);
  return {
    records,
    timers,
    response: {
      errorCode: ErrorCode.NONE, errorMessage: null, memberId, memberEpoch: updated.memberEpoch,
      heartbeatIntervalMs: config.heartbeatIntervalMs,
      assignment: sendAssignment ? [...updated.assigned].map(([topicId, partitions]) => ({ topicId, partitions: [...partitions] })) : null,
    },
  };
}

function leave(g: ConsumerGroup, req: HeartbeatRequest, ctx: HeartbeatContext): ConsumerGroupStep {
  let member: ConsumerMember | undefined;
  if (req.instanceId === null) {
    member = g.members.get(req.memberId);
    if (member === undefined) throw new HeartbeatError(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${req.memberId} is not a member of group ${g.groupId}.`);
  } else {
    member = g.staticMember(req.instanceId);
    if (member === undefined) throw new HeartbeatError(ErrorCode.UNKNOWN_MEMBER_ID, `Instance id ${req.instanceId} is unknown.`);
    if (member.memberId !== req.memberId) {
      throw new HeartbeatError(ErrorCode.FENCED_INSTANCE_ID, `Static member ${req.memberId} with instance id ${req.instanceId} was fenced by member ${member.memberId}.`);
    }
    if (req.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
      // The static member keeps its place and partitions for a successor with the same instance id (until its session expires).
      const leaving: ConsumerMember = { ...member, memberEpoch: LEAVE_GROUP_STATIC_MEMBER_EPOCH, pendingRevocation: new Map() };
      return {
        records: [{ kind: 'cg-current', group: g.groupId, memberId: member.memberId, value: memberAssignmentOf(leaving) }],
        timers: [{ memberId: member.memberId, revocation: null }],
        response: {
          errorCode: ErrorCode.NONE, errorMessage: null, memberId: member.memberId, memberEpoch: LEAVE_GROUP_STATIC_MEMBER_EPOCH,
          heartbeatIntervalMs: 0, assignment: null,
        },
      };
    }
  }
  const fenced = fenceMember(g, member.memberId, ctx.topics);
  return {
    ...fenced,
    response: { errorCode: ErrorCode.NONE, errorMessage: null, memberId: req.memberId, memberEpoch: req.memberEpoch, heartbeatIntervalMs: 0, assignment: null },
  };
}

/** Kafka's consumerGroupFenceMember: the member's records are tombstoned and the group epoch bumped. */
export function fenceMember(g: ConsumerGroup, memberId: string, topics: TopicsView): { records: ConsumerGroupRecord[]; timers: TimerUpdate[] } {
  const records = removeMemberRecords(g.groupId, memberId);
  const rest = [...g.members.values()].filter((m) => m.memberId !== memberId);
  const metadata = subscriptionMetadataOf(rest, topics);
  if (!sameMetadata(g.subscriptionMetadata, metadata)) records.push({ kind: 'cg-topics', group: g.groupId, topics: metadata });
  records.push({ kind: 'cg-epoch', group: g.groupId, epoch: g.groupEpoch + 1 });
  return { records, timers: [{ memberId, sessionDeadlineMs: null, revocation: null }] };
}

/** A member's session ran out: it is fenced. */
export function expireSession(g: ConsumerGroup, memberId: string, topics: TopicsView): { records: ConsumerGroupRecord[]; timers: TimerUpdate[] } | null {
  if (!g.members.has(memberId)) return null;
  return fenceMember(g, memberId, topics);
}

/** A member did not revoke within its rebalance timeout: it is fenced if it is still waiting at that epoch. */
export function expireRevocation(g: ConsumerGroup, memberId: string, epoch: number, topics: TopicsView): { records: ConsumerGroupRecord[]; timers: TimerUpdate[] } | null {
  const m = g.members.get(memberId);
  if (m === undefined || m.state !== MemberState.UNREVOKED_PARTITIONS || m.memberEpoch !== epoch) return null;
  return fenceMember(g, memberId, topics);
}

/**
 * The topics changed (created, deleted, more partitions): when the group's
 * subscribed topics look different now, the group epoch is bumped so the
 * next heartbeat computes a new target (Kafka does this on its metadata
 * refresh; Samsa on each metadata image).
 */
export function refreshTopics(g: ConsumerGroup, topics: TopicsView): ConsumerGroupRecord[] {
  if (g.members.size === 0) return [];
  const metadata = subscriptionMetadataOf(g.members.values(), topics);
  if (sameMetadata(g.subscriptionMetadata, metadata)) return [];
  return [{ kind: 'cg-topics', group: g.groupId, topics: metadata }, { kind: 'cg-epoch', group: g.groupId, epoch: g.groupEpoch + 1 }];
}
