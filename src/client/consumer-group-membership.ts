/**
 * One consumer's membership in a KIP-848 consumer group
 * (`groupProtocol: 'consumer'`): no JoinGroup/SyncGroup, no client-side
 * assignor. The member heartbeats (ConsumerGroupHeartbeat v1, with a
 * member id it picks itself) its subscription and the partitions it owns;
 * the coordinator answers with its epoch and, when they change, its
 * partitions. The Consumer drives it exactly like the classic
 * GroupMembership: `ensureJoined()` before each fetch applies a new
 * assignment — committing and dropping what was taken away first, then
 * telling the coordinator at once, so the partitions it let go can move on.
 * A partition it keeps is never interrupted.
 *
 * A fenced member (FENCED_MEMBER_EPOCH, UNKNOWN_MEMBER_ID) loses its
 * partitions without committing them and rejoins at epoch 0. Offsets are
 * committed with OffsetCommit v9 and the member epoch.
 */
import { randomUUID } from 'node:crypto';
import { ApiKey, BrokerConnection, ClientError, ErrorCode, errorName, messages } from '../protocol/index.ts';
import type { TopicPartitions } from './assignors.ts';
import type { Cluster } from './cluster.ts';
import { offsetCommitTopics, subtractPartitions, type JoinOutcome } from './group.ts';

const LEAVE_EPOCH = -1;
const STATIC_LEAVE_EPOCH = -2;
const FENCED_CODES: ReadonlySet<number> = new Set([ErrorCode.FENCED_MEMBER_EPOCH, ErrorCode.UNKNOWN_MEMBER_ID]);
const COORDINATOR_CODES: ReadonlySet<number> = new Set([ErrorCode.NOT_COORDINATOR, ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS]);
/** Until the coordinator says (heartbeatIntervalMs in every answer). */
const FIRST_HEARTBEAT_INTERVAL_MS = 1000;

export interface ConsumerGroupMembershipOptions {
  groupId: string;
  groupInstanceId?: string | null;
  rebalanceTimeoutMs?: number;
  /** group.remote.assignor: a server-side assignor by name; null for the broker's default. */
  remoteAssignor?: string | null;
}

function sameAssignment(a: readonly TopicPartitions[], b: readonly TopicPartitions[]): boolean {
  return subtractPartitions(a, b).length === 0 && subtractPartitions(b, a).length === 0;
}

export class ConsumerGroupMembership {
  readonly groupId: string;
  private readonly cluster: Cluster;
  private readonly groupInstanceId: string | null;
  private readonly rebalanceTimeoutMs: number;
  private readonly remoteAssignor: string | null;
  private topics: string[] = [];
  private coordinator: BrokerConnection | null = null;
  /** KIP-1082: the member picks its id once and keeps it across rejoins. */
  readonly memberId = randomUUID();
  private memberEpoch = 0;
  private owned: TopicPartitions[] = [];
  /** The latest assignment the coordinator sent that is not applied yet. */
  private pending: TopicPartitions[] | null = null;
  /** The coordinator fenced this member: what it owned is lost (not committed). */
  private lost = false;
  private joined = false;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private heartbeatIntervalMs = FIRST_HEARTBEAT_INTERVAL_MS;
  private inFlight: Promise<void> | null = null;
  private stopped = false;

  constructor(cluster: Cluster, options: ConsumerGroupMembershipOptions) {
    this.cluster = cluster;
    this.groupId = options.groupId;
    this.groupInstanceId = options.groupInstanceId ?? null;
    this.rebalanceTimeoutMs = options.rebalanceTimeoutMs ?? 300_000;
    this.remoteAssignor = options.remoteAssignor ?? null;
  }

  /** The member epoch, which OffsetCommit carries where the classic protocol has a generation. */
  get generationId(): number {
    return this.memberEpoch;
  }

  subscribe(topics: readonly string[]): void {
    this.topics = [...new Set(topics)].sort();
    this.joined = false;
  }

  get rebalancing(): boolean {
    return !this.joined || this.pending !== null || this.lost;
  }

  /** Applies what the coordinator assigned since the last call (joining first when needed). */
  async ensureJoined(beforeRevoke: () => Promise<void>): Promise<JoinOutcome> {
    if (!this.joined || this.lost) {
      const lostPartitions = this.lost ? this.owned : [];
      if (this.lost) {
        this.owned = [];
        this.memberEpoch = 0;
        this.lost = false;
      }
      await this.heartbeat(true);
      this.joined = true;
      if (lostPartitions.length > 0 && this.pending === null) this.pending = [];
      if (this.pending === null) return { assignment: this.owned, changed: lostPartitions.length > 0, revoked: lostPartitions, assigned: [] };
    }
    const next = this.pending;
    if (next === null) return { assignment: this.owned, changed: false, revoked: [], assigned: [] };
    this.pending = null;
    const revoked = subtractPartitions(this.owned, next);
    const assigned = subtractPartitions(next, this.owned);
    if (revoked.length > 0) await beforeRevoke().catch(() => undefined);
    this.owned = next;
    // Tell the coordinator now what it may hand on, rather than at the next interval.
    if (revoked.length > 0 || assigned.length > 0) await this.heartbeat(false).catch(() => undefined);
    return { assignment: next, changed: true, revoked, assigned };
  }

  private async coordinatorConnection(): Promise<BrokerConnection> {
    if (this.coordinator !== null && !this.coordinator.isClosed) return this.coordinator;
    const conn = await this.cluster.any();
    const res = await conn.request(ApiKey.FindCoordinator, { ...messages.FindCoordinatorRequest.defaults(), key: this.groupId, keyType: 0, coordinatorKeys: [this.groupId] });
    const entry = res.coordinators.length > 0 ? res.coordinators[0]! : { nodeId: res.nodeId, errorCode: res.errorCode, errorMessage: res.errorMessage };
    if (entry.errorCode !== ErrorCode.NONE) {
      throw new ClientError(`cannot find the coordinator of group '${this.groupId}': ${errorName(entry.errorCode)}`, 'SAMSA_ERR_COORDINATOR', entry.errorCode);
    }
    this.coordinator = await this.cluster.node(entry.nodeId);
    return this.coordinator;
  }

  /** One heartbeat (one at a time); `throwOnError` for the join, where the caller retries. */
  private heartbeat(throwOnError: boolean): Promise<void> {
    const run = async (): Promise<void> => {
      const conn = await this.coordinatorConnection();
      const owned = await this.ownedByTopicId();
      const res = await conn.request(ApiKey.ConsumerGroupHeartbeat, {
        ...messages.ConsumerGroupHeartbeatRequest.defaults(),
        groupId: this.groupId, memberId: this.memberId, memberEpoch: this.memberEpoch, instanceId: this.groupInstanceId,
        rebalanceTimeoutMs: this.rebalanceTimeoutMs, subscribedTopicNames: this.topics, serverAssignor: this.remoteAssignor,
        topicPartitions: this.memberEpoch === 0 ? [] : owned,
      });
      if (res.errorCode !== ErrorCode.NONE) {
        if (COORDINATOR_CODES.has(res.errorCode)) this.coordinator = null;
        if (FENCED_CODES.has(res.errorCode)) this.lost = true;
        throw new ClientError(`ConsumerGroupHeartbeat for group '${this.groupId}' failed: ${res.errorMessage ?? errorName(res.errorCode)}`, 'SAMSA_ERR_GROUP', res.errorCode);
      }
      this.memberEpoch = res.memberEpoch;
      if (res.heartbeatIntervalMs > 0 && res.heartbeatIntervalMs !== this.heartbeatIntervalMs) {
        this.heartbeatIntervalMs = res.heartbeatIntervalMs;
        this.startHeartbeat();
      }
      if (this.heartbeatTimer === null) this.startHeartbeat();
      if (res.assignment !== null) {
        const next = await this.byTopicName(res.assignment.topicPartitions);
        if (!sameAssignment(next, this.pending ?? this.owned)) this.pending = next;
      }
    };
    const previous = this.inFlight ?? Promise.resolve();
    const mine = previous.then(run, run);
    this.inFlight = mine.catch(() => undefined);
    return throwOnError ? mine : mine.catch(() => undefined);
  }

  private async ownedByTopicId(): Promise<{ topicId: string; partitions: number[] }[]> {
    const out: { topicId: string; partitions: number[] }[] = [];
    for (const t of this.owned) out.push({ topicId: (await this.cluster.topic(t.topic)).topicId, partitions: [...t.partitions] });
    return out;
  }

  private async byTopicName(list: readonly { topicId: string; partitions: number[] }[]): Promise<TopicPartitions[]> {
    const names = new Map<string, string>();
    for (const t of await this.cluster.refreshMetadata(this.topics)) names.set(t.topicId, t.name);
    return list
      .map((t) => ({ topic: names.get(t.topicId) ?? '', partitions: [...t.partitions].sort((a, b) => a - b) }))
      .filter((t) => t.topic !== '' && t.partitions.length > 0)
      .sort((a, b) => a.topic.localeCompare(b.topic));
  }

  private startHeartbeat(): void {
    this.stopHeartbeat();
    if (this.stopped) return;
    this.heartbeatTimer = setInterval(() => void this.heartbeat(false), this.heartbeatIntervalMs);
    this.heartbeatTimer.unref();
  }

  private stopHeartbeat(): void {
    if (this.heartbeatTimer !== null) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }

  /** Commits next-offsets-to-read with the member epoch (OffsetCommit v9). */
  async commit(offsets: readonly { topic: string; partition: number; offset: bigint }[]): Promise<void> {
    if (offsets.length === 0) return;
    const conn = await this.coordinatorConnection();
    const res = await conn.request(ApiKey.OffsetCommit, {
      ...messages.OffsetCommitRequest.defaults(), groupId: this.groupId, generationIdOrMemberEpoch: this.memberEpoch, memberId: this.memberId,
      groupInstanceId: this.groupInstanceId,
      topics: offsetCommitTopics(offsets),
    });
    for (const t of res.topics) {
      for (const p of t.partitions) {
        if (p.errorCode === ErrorCode.NONE) continue;
        if (FENCED_CODES.has(p.errorCode)) this.lost = true;
        throw new ClientError(`OffsetCommit of ${t.name}-${p.partitionIndex} for group '${this.groupId}' failed: ${errorName(p.errorCode)}`, 'SAMSA_ERR_GROUP', p.errorCode);
      }
    }
  }

  /** Committed offsets (-1 where none) of the given partitions. */
  async committed(partitions: readonly TopicPartitions[]): Promise<Map<string, bigint>> {
    const conn = await this.coordinatorConnection();
    const req = messages.OffsetFetchRequest.defaults();
    req.groups = [{
      ...messages.defaultOffsetFetchRequestOffsetFetchRequestGroup(), groupId: this.groupId, memberId: this.memberId, memberEpoch: this.memberEpoch,
      topics: partitions.map((p) => ({ ...messages.defaultOffsetFetchRequestOffsetFetchRequestTopics(), name: p.topic, partitionIndexes: p.partitions })),
    }];
    const res = await conn.request(ApiKey.OffsetFetch, req);
    const group = res.groups[0];
    const code = group?.errorCode ?? res.errorCode;
    if (code !== ErrorCode.NONE) throw new ClientError(`OffsetFetch for group '${this.groupId}' failed: ${errorName(code)}`, 'SAMSA_ERR_GROUP', code);
    const out = new Map<string, bigint>();
    for (const t of group?.topics ?? []) for (const p of t.partitions) out.set(`${t.name}\0${p.partitionIndex}`, p.committedOffset);
    return out;
  }

  /** Leaves the group: epoch -1 (a static member -2, keeping its partitions for its next instance). */
  async leave(): Promise<void> {
    this.stopped = true;
    this.stopHeartbeat();
    await this.inFlight;
    if (!this.joined || this.coordinator === null) return;
    const epoch = this.groupInstanceId === null ? LEAVE_EPOCH : STATIC_LEAVE_EPOCH;
    await this.coordinator.request(ApiKey.ConsumerGroupHeartbeat, {
      ...messages.ConsumerGroupHeartbeatRequest.defaults(), groupId: this.groupId, memberId: this.memberId, memberEpoch: epoch, instanceId: this.groupInstanceId,
    }).catch(() => undefined);
    this.owned = [];
    this.joined = false;
  }
}
