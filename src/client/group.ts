/**
 * One consumer's membership in a classic consumer group: find the
 * coordinator, JoinGroup (with the MEMBER_ID_REQUIRED round trip), run the
 * assignor when elected leader, SyncGroup, heartbeat, commit and fetch
 * offsets, LeaveGroup. The Consumer drives it: `ensureJoined()` before each
 * fetch returns the current assignment (rejoining when a heartbeat reported a
 * rebalance); the heartbeat timer only sets flags.
 *
 * Rebalance protocols, as Java's ConsumerCoordinator runs them:
 * - EAGER (range, roundrobin): every owned partition is revoked before the
 *   join and the new assignment replaces it whole.
 * - COOPERATIVE (cooperative-sticky): the subscription (version 1 and up)
 *   carries the owned partitions and their generation; after SyncGroup the
 *   member revokes only what it owned and was not given back, keeps the rest,
 *   and when it revoked anything it rejoins at once, so that the partitions it
 *   let go are handed out in a second round.
 * Static membership (group.instance.id): the member id survives a restart
 * inside session.timeout.ms (the broker keeps the slot and its assignment),
 * and leave() sends no LeaveGroup.
 *
 * KIP-848 groups (ConsumerGroupHeartbeat) are consumer-group-membership.ts.
 */
import { ApiKey, ErrorCode, Reader, Writer, errorName, messages } from '../protocol/index.ts';
import { ASSIGNORS, type Assignor, type MemberSubscription, type TopicPartitions } from './assignors.ts';
import type { Cluster } from './cluster.ts';
import { BrokerConnection, ClientError } from '../protocol/index.ts';

/** Subscription v1 carries owned partitions; its generation goes in userData as Java's CooperativeStickyAssignor does. */
const SUBSCRIPTION_VERSION = 1;
const ASSIGNMENT_VERSION = 0;
/** Join attempts per ensureJoined() before giving up with the last error. */
const JOIN_ATTEMPTS_MAX = 20;
const JOIN_BACKOFF_MS = 100;

export interface GroupOptions {
  groupId: string;
  groupInstanceId?: string | null;
  sessionTimeoutMs?: number;
  rebalanceTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  /** partition.assignment.strategy, in preference order. Default ['range', 'roundrobin']. */
  assignors?: readonly AssignorName[];
}

export type AssignorName = 'range' | 'roundrobin' | 'cooperative-sticky';

/** What one completed join changed; `revoked` and `assigned` are what the rebalance listener hears. */
export interface JoinOutcome {
  assignment: TopicPartitions[];
  changed: boolean;
  revoked: TopicPartitions[];
  assigned: TopicPartitions[];
}

export interface Subscription {
  topics: string[];
  ownedPartitions: TopicPartitions[];
  generationId: number;
}

const REJOIN_CODES: ReadonlySet<number> = new Set([ErrorCode.REBALANCE_IN_PROGRESS, ErrorCode.ILLEGAL_GENERATION, ErrorCode.UNKNOWN_MEMBER_ID]);
const COORDINATOR_CODES: ReadonlySet<number> = new Set([ErrorCode.NOT_COORDINATOR, ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS]);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function encodeSubscription(topics: readonly string[], ownedPartitions: readonly TopicPartitions[] = [], generationId = -1): Buffer {
  const userData = Buffer.alloc(4);
  userData.writeInt32BE(generationId);
  const w = new Writer();
  w.int16(SUBSCRIPTION_VERSION);
  messages.ConsumerProtocolSubscription.encode(w, {
    ...messages.ConsumerProtocolSubscription.defaults(), topics: [...topics], userData, generationId,
    ownedPartitions: ownedPartitions.map((p) => ({ ...messages.defaultConsumerProtocolSubscriptionTopicPartition(), topic: p.topic, partitions: [...p.partitions] })),
  }, SUBSCRIPTION_VERSION);
  return w.toBuffer();
}

/**
 * Any version's subscription. The generation comes from the v2+ field, else
 * from userData: Java's cooperative-sticky writes a bare int32, the sticky
 * format (librdkafka) ends with one; anything else counts as unknown (-1).
 */
export function decodeSubscription(bytes: Buffer): Subscription {
  const codec = messages.ConsumerProtocolSubscription;
  const version = Math.min(bytes.readInt16BE(0), codec.maxVersion);
  const s = codec.decode(new Reader(bytes.subarray(2)), version);
  let generationId = version >= 2 ? s.generationId : -1;
  if (version < 2 && s.userData !== null && s.userData.length >= 4) generationId = s.userData.readInt32BE(s.userData.length - 4);
  return { topics: s.topics, ownedPartitions: s.ownedPartitions.map((p) => ({ topic: p.topic, partitions: p.partitions })), generationId };
}

function partitionKeys(list: readonly TopicPartitions[]): Set<string> {
  return new Set(list.flatMap((t) => t.partitions.map((p) => `${t.topic}\0${p}`)));
}

/** The partitions of `a` that are not in `b`, grouped as TopicPartitions. */
export function subtractPartitions(a: readonly TopicPartitions[], b: readonly TopicPartitions[]): TopicPartitions[] {
  const drop = partitionKeys(b);
  return a.map((t) => ({ topic: t.topic, partitions: t.partitions.filter((p) => !drop.has(`${t.topic}\0${p}`)) })).filter((t) => t.partitions.length > 0);
}

export function encodeAssignment(partitions: readonly TopicPartitions[]): Buffer {
  const w = new Writer();
  w.int16(ASSIGNMENT_VERSION);
  messages.ConsumerProtocolAssignment.encode(w, {
    ...messages.ConsumerProtocolAssignment.defaults(),
    assignedPartitions: partitions.map((p) => ({ ...messages.defaultConsumerProtocolAssignmentTopicPartition(), topic: p.topic, partitions: p.partitions })),
  }, ASSIGNMENT_VERSION);
  return w.toBuffer();
}

export function decodeMemberAssignment(bytes: Buffer): TopicPartitions[] {
  if (bytes.length < 2) return [];
  const codec = messages.ConsumerProtocolAssignment;
  const version = Math.min(bytes.readInt16BE(0), codec.maxVersion);
  return codec.decode(new Reader(bytes.subarray(2)), version).assignedPartitions.map((a) => ({ topic: a.topic, partitions: a.partitions }));
}

export class GroupMembership {
  readonly groupId: string;
  private readonly cluster: Cluster;
  private readonly groupInstanceId: string | null;
  private readonly sessionTimeoutMs: number;
  private readonly rebalanceTimeoutMs: number;
  private readonly heartbeatIntervalMs: number;
  private readonly assignors: Assignor[];
  private topics: string[] = [];
  private coordinator: BrokerConnection | null = null;
  memberId = '';
  generationId = -1;
  private needsJoin = true;
  /** The partitions this member owns, and the generation it got them in. */
  private assignment: TopicPartitions[] = [];
  private ownedGenerationId = -1;
  /** The protocol of the last join: COOPERATIVE keeps what is not moved. Before any join, the preferred assignor's. */
  private cooperative: boolean;
  /** Set when the coordinator no longer knows this member's generation: its partitions are lost, not revoked. */
  private lost = false;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private heartbeating = false;

  constructor(cluster: Cluster, options: GroupOptions) {
    this.cluster = cluster;
    this.groupId = options.groupId;
    this.groupInstanceId = options.groupInstanceId ?? null;
    this.sessionTimeoutMs = options.sessionTimeoutMs ?? 45_000;
    this.rebalanceTimeoutMs = options.rebalanceTimeoutMs ?? 20_000;
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? 3_000;
    this.assignors = (options.assignors ?? ['range', 'roundrobin']).map((n) => {
      const a = ASSIGNORS[n];
      if (a === undefined) throw new ClientError(`unknown assignor '${n}'`, 'SAMSA_ERR_CONFIG');
      return a;
    });
    this.cooperative = this.assignors[0]!.cooperative;
  }

  subscribe(topics: readonly string[]): void {
    this.topics = [...new Set(topics)].sort();
    this.needsJoin = true;
  }

  get rebalancing(): boolean {
    return this.needsJoin;
  }

  /**
   * The current assignment, joining (or rejoining) first when needed.
   * `beforeRejoin` commits what the old assignment consumed. Under EAGER the
   * whole old assignment is revoked; under COOPERATIVE only what the new one
   * lacks (and what a lost membership or a dropped topic took away).
   */
  async ensureJoined(beforeRejoin: () => Promise<void>): Promise<JoinOutcome> {
    if (!this.needsJoin) return { assignment: this.assignment, changed: false, revoked: [], assigned: [] };
    if (this.generationId >= 0 && !this.lost) await beforeRejoin().catch(() => undefined);
    const kept = this.cooperative && !this.lost ? this.assignment.filter((t) => this.topics.includes(t.topic)) : [];
    const revokedBefore = subtractPartitions(this.assignment, kept);
    this.assignment = kept;
    this.lost = false;
    let last: Error | null = null;
    for (let attempt = 0; attempt < JOIN_ATTEMPTS_MAX; attempt++) {
      try {
        const next = await this.joinAndSync();
        const revoked = subtractPartitions(this.assignment, next);
        const assigned = subtractPartitions(next, this.assignment);
        this.assignment = next;
        this.ownedGenerationId = this.generationId;
        // COOPERATIVE: what was revoked goes to its new owner in a second round, which this rejoin starts.
        this.needsJoin = this.cooperative && revoked.length > 0;
        this.startHeartbeat();
        return { assignment: next, changed: true, revoked: [...revokedBefore, ...revoked], assigned };
      } catch (e) {
        if (!(e instanceof ClientError) || e.code === 'SAMSA_ERR_CONFIG') throw e;
        last = e;
        if (e.code === 'SAMSA_ERR_UNKNOWN_TOPIC' || e.kafkaErrorCode === ErrorCode.FENCED_INSTANCE_ID || e.kafkaErrorCode === ErrorCode.GROUP_AUTHORIZATION_FAILED) throw e;
        await sleep(JOIN_BACKOFF_MS);
      }
    }
    throw last!;
  }

  private async coordinatorConnection(): Promise<BrokerConnection> {
    if (this.coordinator !== null && !this.coordinator.isClosed) return this.coordinator;
    const conn = await this.cluster.any();
    const req = { ...messages.FindCoordinatorRequest.defaults(), key: this.groupId, keyType: 0, coordinatorKeys: [this.groupId] };
    const res = await conn.request(ApiKey.FindCoordinator, req);
    const entry = res.coordinators.length > 0 ? res.coordinators[0]! : { nodeId: res.nodeId, errorCode: res.errorCode, errorMessage: res.errorMessage };
    if (entry.errorCode !== ErrorCode.NONE) {
      throw new ClientError(`cannot find the coordinator of group '${this.groupId}': ${errorName(entry.errorCode)}`, 'SAMSA_ERR_COORDINATOR', entry.errorCode);
    }
    this.coordinator = await this.cluster.node(entry.nodeId);
    return this.coordinator;
  }

  private check(errorCode: number, what: string): void {
    if (errorCode === ErrorCode.NONE) return;
    if (COORDINATOR_CODES.has(errorCode)) this.coordinator = null;
    if (errorCode === ErrorCode.UNKNOWN_MEMBER_ID) this.memberId = '';
    // The group moved on without this member: what it owned may be someone else's now (Java's onPartitionsLost).
    if (errorCode === ErrorCode.UNKNOWN_MEMBER_ID || errorCode === ErrorCode.ILLEGAL_GENERATION) this.lost = true;
    if (REJOIN_CODES.has(errorCode)) this.needsJoin = true;
    throw new ClientError(`${what} for group '${this.groupId}' failed: ${errorName(errorCode)}`, 'SAMSA_ERR_GROUP', errorCode);
  }

  /** JoinGroup then SyncGroup; returns this member's new assignment. */
  private async joinAndSync(): Promise<TopicPartitions[]> {
    this.stopHeartbeat();
    const partitionCounts = new Map<string, number>();
    for (const t of this.topics) partitionCounts.set(t, (await this.cluster.topic(t)).partitions.length);
    const conn = await this.coordinatorConnection();
    const metadata = encodeSubscription(this.topics, this.assignment, this.ownedGenerationId);
    const join = async (): Promise<messages.JoinGroupResponse> => conn.request(ApiKey.JoinGroup, {
      ...messages.JoinGroupRequest.defaults(), groupId: this.groupId, sessionTimeoutMs: this.sessionTimeoutMs, rebalanceTimeoutMs: this.rebalanceTimeoutMs,
      memberId: this.memberId, groupInstanceId: this.groupInstanceId, protocolType: 'consumer',
      protocols: this.assignors.map((a) => ({ ...messages.defaultJoinGroupRequestJoinGroupRequestProtocol(), name: a.name, metadata })),
    });
    let res = await join();
    if (res.errorCode === ErrorCode.MEMBER_ID_REQUIRED) {
      this.memberId = res.memberId;
      res = await join();
    }
    this.check(res.errorCode, 'JoinGroup');
    this.memberId = res.memberId;
    this.generationId = res.generationId;
    const chosen = this.assignors.find((a) => a.name === res.protocolName) ?? this.assignors[0]!;
    this.cooperative = chosen.cooperative;
    let assignments: messages.SyncGroupRequestSyncGroupRequestAssignment[] = [];
    if (res.leader === res.memberId && !res.skipAssignment) {
      const members: MemberSubscription[] = res.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, ...decodeSubscription(m.metadata) }));
      for (const m of members) {
        for (const t of m.topics) {
          if (!partitionCounts.has(t)) partitionCounts.set(t, (await this.cluster.topic(t)).partitions.length);
        }
      }
      const plan = chosen.assign(members, partitionCounts);
      assignments = [...plan].map(([memberId, parts]) => ({ ...messages.defaultSyncGroupRequestSyncGroupRequestAssignment(), memberId, assignment: encodeAssignment(parts) }));
    }
    const sync = await conn.request(ApiKey.SyncGroup, {
      ...messages.SyncGroupRequest.defaults(), groupId: this.groupId, generationId: this.generationId, memberId: this.memberId,
      groupInstanceId: this.groupInstanceId, protocolType: 'consumer', protocolName: res.protocolName, assignments,
    });
    this.check(sync.errorCode, 'SyncGroup');
    return decodeMemberAssignment(sync.assignment);
  }

  private startHeartbeat(): void {
    this.stopHeartbeat();
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), this.heartbeatIntervalMs);
    this.heartbeatTimer.unref();
  }

  private stopHeartbeat(): void {
    if (this.heartbeatTimer !== null) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }

  private async heartbeat(): Promise<void> {
    if (this.heartbeating || this.needsJoin) return;
    this.heartbeating = true;
    try {
      const conn = await this.coordinatorConnection();
      const res = await conn.request(ApiKey.Heartbeat, {
        ...messages.HeartbeatRequest.defaults(), groupId: this.groupId, generationId: this.generationId, memberId: this.memberId, groupInstanceId: this.groupInstanceId,
      });
      this.check(res.errorCode, 'Heartbeat');
    } catch {
      // check() set the flags; a lost connection is retried on the next beat.
    } finally {
      this.heartbeating = false;
    }
  }

  /** Commits next-offsets-to-read; throws a ClientError on a failed partition. */
  async commit(offsets: readonly { topic: string; partition: number; offset: bigint }[]): Promise<void> {
    if (offsets.length === 0) return;
    const conn = await this.coordinatorConnection();
    const res = await conn.request(ApiKey.OffsetCommit, {
      ...messages.OffsetCommitRequest.defaults(), groupId: this.groupId, generationIdOrMemberEpoch: this.generationId, memberId: this.memberId,
      groupInstanceId: this.groupInstanceId,
      topics: offsetCommitTopics(offsets),
    });
    for (const t of res.topics) for (const p of t.partitions) this.check(p.errorCode, `OffsetCommit of ${t.name}-${p.partitionIndex}`);
  }

  /** Committed offsets (-1 where none) of the given partitions. */
  async committed(partitions: readonly TopicPartitions[]): Promise<Map<string, bigint>> {
    const conn = await this.coordinatorConnection();
    const req = messages.OffsetFetchRequest.defaults();
    req.groupId = this.groupId;
    req.topics = partitions.map((p) => ({ ...messages.defaultOffsetFetchRequestOffsetFetchRequestTopic(), name: p.topic, partitionIndexes: p.partitions }));
    req.groups = [{
      ...messages.defaultOffsetFetchRequestOffsetFetchRequestGroup(), groupId: this.groupId,
      topics: partitions.map((p) => ({ ...messages.defaultOffsetFetchRequestOffsetFetchRequestTopics(), name: p.topic, partitionIndexes: p.partitions })),
    }];
    const res = await conn.request(ApiKey.OffsetFetch, req);
    const out = new Map<string, bigint>();
    const group = res.groups[0];
    this.check(group?.errorCode ?? res.errorCode, 'OffsetFetch');
    const topics = group !== undefined ? group.topics : res.topics;
    for (const t of topics) {
      for (const p of t.partitions) {
        this.check(p.errorCode, `OffsetFetch of ${t.name}-${p.partitionIndex}`);
        out.set(`${t.name}\0${p.partitionIndex}`, p.committedOffset);
      }
    }
    return out;
  }

  /** Leaves the group (a static member stays, as Kafka's close does). */
  async leave(): Promise<void> {
    this.stopHeartbeat();
    if (this.memberId === '' || this.groupInstanceId !== null || this.coordinator === null) return;
    const conn = this.coordinator;
    await conn.request(ApiKey.LeaveGroup, {
      ...messages.LeaveGroupRequest.defaults(), groupId: this.groupId, memberId: this.memberId,
      members: [{ ...messages.defaultLeaveGroupRequestMemberIdentity(), memberId: this.memberId, groupInstanceId: null, reason: 'the consumer is closing' }],
    }).catch(() => undefined);
    this.memberId = '';
    this.generationId = -1;
  }
}

/** OffsetCommit's topics for next-offsets-to-read, grouped by topic (classic and KIP-848 members commit the same way). */
export function offsetCommitTopics(offsets: readonly { topic: string; partition: number; offset: bigint }[]): messages.OffsetCommitRequestOffsetCommitRequestTopic[] {
  const byTopic = new Map<string, messages.OffsetCommitRequestOffsetCommitRequestPartition[]>();
  for (const o of offsets) {
    const list = byTopic.get(o.topic) ?? [];
    list.push({ ...messages.defaultOffsetCommitRequestOffsetCommitRequestPartition(), partitionIndex: o.partition, committedOffset: o.offset });
    byTopic.set(o.topic, list);
  }
  return [...byTopic].map(([name, partitions]) => ({ ...messages.defaultOffsetCommitRequestOffsetCommitRequestTopic(), name, partitions }));
}
