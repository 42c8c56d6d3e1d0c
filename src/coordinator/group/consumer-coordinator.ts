/**
 * The KIP-848 consumer groups of the `__consumer_offsets` partitions this
 * node leads: runs each heartbeat's pure step (consumer-group-machine.ts),
 * writes its records with acks=all, and only then replays them onto the
 * group and answers. Steps of one group run one at a time, each on the state
 * the previous one made durable; a failed write changes nothing and the
 * client gets the write's error (it retries with what it had).
 *
 * Timers (session expiry, revocation timeout) are deadlines, driven by the
 * GroupCoordinator's nextDeadlineMs/tick like the classic groups'.
 */
import { ErrorCode } from '../../protocol/index.ts';
import { ConsumerGroup } from './consumer-group.ts';
import {
  consumerGroupHeartbeat, expireRevocation, expireSession, heartbeatError, refreshTopics,
  type ConsumerGroupConfig, type ConsumerGroupStep, type HeartbeatContext, type HeartbeatRequest, type HeartbeatResponse, type TimerUpdate, type TopicsView,
} from './consumer-group-machine.ts';
import {
  deleteGroupRecords, encodeConsumerGroupRecord, replayConsumerGroupRecord, type ConsumerGroupRecord,
} from './consumer-group-records.ts';
import { expiredConsumerGroupOffsets } from './consumer-group-views.ts';
import { offsetCommitRecord, type EncodedRecord } from './records.ts';
import type { GroupTopicErrors, GroupTopicPartitions } from '../../broker/index.ts';

export interface ConsumerGroupsDeps {
  readonly config: ConsumerGroupConfig;
  nowMs(): number;
  topics(): TopicsView;
  /** Appends without waiting for replication (offset tombstones, as the classic groups write them). */
  append(groupId: string, records: readonly EncodedRecord[], nowMs: number): number;
  /** Writes the records with acks=all: NONE once durable, else the error for the client. */
  write(groupId: string, records: readonly EncodedRecord[], nowMs: number): number | Promise<number>;
  newMemberId(): string;
  logLine(line: string): void;
  /** Whether this node still coordinates the group (absent: always). */
  coordinates?(groupId: string): boolean;
  /** Timers changed: the driver re-asks for the next deadline. */
  changed(): void;
}

interface MemberTimers {
  sessionDeadlineMs: number | null;
  revocation: { deadlineMs: number; epoch: number } | null;
}

export class ConsumerGroups {
  private readonly deps: ConsumerGroupsDeps;
  readonly groups = new Map<string, ConsumerGroup>();
  private readonly timers = new Map<string, Map<string, MemberTimers>>();
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(deps: ConsumerGroupsDeps) {
    this.deps = deps;
  }

  /** Runs `op` after every earlier step of the group has finished. */
  protected serialize<T>(groupId: string, op: () => T | Promise<T>): Promise<T> {
    const previous = this.queues.get(groupId) ?? Promise.resolve();
    const next = previous.then(op, op);
    const settled = next.then(() => undefined, () => undefined);
    this.queues.set(groupId, settled);
    void settled.then(() => { if (this.queues.get(groupId) === settled) this.queues.delete(groupId); });
    return next;
  }

  heartbeat(req: HeartbeatRequest): Promise<HeartbeatResponse> {
    return this.guard(`heartbeat of ${req.memberId}`, req.groupId, heartbeatError(ErrorCode.UNKNOWN_SERVER_ERROR, null).response, () => this.heartbeatStep(req));
  }

  /**
   * A step that throws is a bug (a record that cannot be replayed, a
   * partition held twice): it is logged and answered UNKNOWN_SERVER_ERROR,
   * never left to crash the process; the group keeps its last durable state.
   */
  private guard<T>(what: string, groupId: string, fallback: T, op: () => Promise<T>): Promise<T> {
    return op().catch((e: unknown) => {
      this.deps.logLine(`consumer group ${groupId}: ${what} failed: ${(e as Error).stack ?? String(e)}`);
      return fallback;
    });
  }

  private heartbeatStep(req: HeartbeatRequest): Promise<HeartbeatResponse> {
    return this.serialize(req.groupId, async () => {
      const nowMs = this.deps.nowMs();
      const step = this.step(this.groups.get(req.groupId), req, {
        nowMs, config: this.deps.config, topics: this.deps.topics(), newMemberId: this.deps.newMemberId,
      });
      if (step.response.errorCode !== ErrorCode.NONE) return step.response;
      const error = await this.persist(req.groupId, step.records, step.timers, nowMs);
      if (error !== ErrorCode.NONE) return heartbeatError(error, null, step.response.memberId).response;
      return step.response;
    });
  }

  /** One heartbeat's pure step (a seam for the simulation's mutation checks). */
  protected step(group: ConsumerGroup | undefined, req: HeartbeatRequest, ctx: HeartbeatContext): ConsumerGroupStep {
    return consumerGroupHeartbeat(group, req, ctx);
  }

  /**
   * Writes the records and, once they are durable, replays them onto the
   * group and applies the timers. The one path by which a group changes.
   */
  protected async persist(groupId: string, records: readonly ConsumerGroupRecord[], timers: readonly TimerUpdate[], nowMs: number): Promise<number> {
    if (records.length > 0) {
      const written = await this.deps.write(groupId, records.map(encodeConsumerGroupRecord), nowMs);
      if (written !== ErrorCode.NONE) return written === ErrorCode.RECORD_LIST_TOO_LARGE ? ErrorCode.UNKNOWN_SERVER_ERROR : written;
      this.apply(groupId, records);
    }
    this.applyTimers(groupId, timers);
    return ErrorCode.NONE;
  }

  /** Replays records onto the group (a copy, swapped in whole), creating or dropping it. */
  protected apply(groupId: string, records: readonly ConsumerGroupRecord[]): void {
    // The partition moved away while the write was in flight: its new leader has the group now.
    if (this.deps.coordinates !== undefined && !this.deps.coordinates(groupId)) return;
    const current = this.groups.get(groupId);
    const next = current?.clone() ?? new ConsumerGroup(groupId);
    let deleted = false;
    for (const r of records) {
      replayConsumerGroupRecord(next, r);
      if (r.kind === 'cg-epoch') deleted = r.epoch === null;
    }
    if (deleted) {
      this.groups.delete(groupId);
      this.timers.delete(groupId);
    } else {
      this.groups.set(groupId, next);
    }
  }

  private applyTimers(groupId: string, updates: readonly TimerUpdate[]): void {
    for (const u of updates) {
      let byMember = this.timers.get(groupId);
      if (byMember === undefined) this.timers.set(groupId, byMember = new Map());
      const t = byMember.get(u.memberId) ?? { sessionDeadlineMs: null, revocation: null };
      if (u.sessionDeadlineMs !== undefined) t.sessionDeadlineMs = u.sessionDeadlineMs;
      if (u.revocation !== undefined) t.revocation = u.revocation;
      if (t.sessionDeadlineMs === null && t.revocation === null) byMember.delete(u.memberId);
      else byMember.set(u.memberId, t);
      if (byMember.size === 0) this.timers.delete(groupId);
    }
    this.deps.changed();
  }

  // ---- loading ----------------------------------------------------------------------------------

  /** A group rebuilt from the log: its members must heartbeat within a session timeout, as after a failover in Kafka. */
  adopt(group: ConsumerGroup, nowMs: number): void {
    this.groups.set(group.groupId, group);
    const byMember = new Map<string, MemberTimers>();
    for (const m of group.members.values()) byMember.set(m.memberId, { sessionDeadlineMs: nowMs + this.deps.config.sessionTimeoutMs, revocation: null });
    if (byMember.size > 0) this.timers.set(group.groupId, byMember);
  }

  /** An empty group that a converted classic group's offsets start; it is written with its first member's records. */
  seed(groupId: string, offsets: ConsumerGroup['offsets']): void {
    if (!this.groups.has(groupId)) this.groups.set(groupId, new ConsumerGroup(groupId, offsets));
  }

  /** Forgets the groups `belongs` picks (their partition moved away). */
  unload(belongs: (groupId: string) => boolean): void {
    for (const groupId of [...this.groups.keys()]) {
      if (!belongs(groupId)) continue;
      this.groups.delete(groupId);
      this.timers.delete(groupId);
    }
  }

  clear(): void {
    this.groups.clear();
    this.timers.clear();
  }

  // ---- timers -----------------------------------------------------------------------------------

  nextDeadlineMs(): number | null {
    let next: number | null = null;
    for (const byMember of this.timers.values()) {
      for (const t of byMember.values()) {
        for (const d of [t.sessionDeadlineMs, t.revocation?.deadlineMs ?? null]) if (d !== null && (next === null || d < next)) next = d;
      }
    }
    return next;
  }

  /** Fences members whose session or revocation deadline passed. Resolves once their records are written. */
  tick(nowMs: number): Promise<void> {
    const work: Promise<unknown>[] = [];
    for (const [groupId, byMember] of this.timers) {
      for (const [memberId, t] of byMember) {
        if (t.sessionDeadlineMs !== null && t.sessionDeadlineMs <= nowMs) {
          t.sessionDeadlineMs = null;
          work.push(this.fence(groupId, memberId, 'session expired', (g, topics) => expireSession(g, memberId, topics)));
        } else if (t.revocation !== null && t.revocation.deadlineMs <= nowMs) {
          const { epoch } = t.revocation;
          t.revocation = null;
          work.push(this.fence(groupId, memberId, 'did not revoke its partitions within its rebalance timeout',
            (g, topics) => expireRevocation(g, memberId, epoch, topics)));
        }
      }
    }
    return Promise.all(work).then(() => undefined);
  }

  private fence(
    groupId: string, memberId: string, why: string,
    step: (g: ConsumerGroup, topics: TopicsView) => { records: ConsumerGroupRecord[]; timers: TimerUpdate[] } | null,
  ): Promise<void> {
    return this.guard(`fencing ${memberId}`, groupId, undefined, () => this.serialize(groupId, async () => {
      const g = this.groups.get(groupId);
      if (g === undefined) return;
      const result = step(g, this.deps.topics());
      if (result === null) return;
      const error = await this.persist(groupId, result.records, result.timers, this.deps.nowMs());
      if (error === ErrorCode.NONE) this.deps.logLine(`consumer group ${groupId}: member ${memberId} fenced: ${why}`);
      else {
        this.deps.logLine(`consumer group ${groupId}: could not fence member ${memberId} (error ${error}); retrying`);
        this.applyTimers(groupId, [{ memberId, sessionDeadlineMs: this.deps.nowMs() + this.deps.config.heartbeatIntervalMs }]);
      }
    }));
  }

  /** The cluster's topics changed: groups whose subscribed topics look different get a new group epoch. */
  refreshTopics(): Promise<void> {
    const work: Promise<unknown>[] = [];
    for (const groupId of this.groups.keys()) {
      work.push(this.guard('refreshing topics', groupId, undefined, () => this.serialize(groupId, async () => {
        const g = this.groups.get(groupId);
        if (g === undefined) return;
        const records = refreshTopics(g, this.deps.topics());
        if (records.length > 0) await this.persist(groupId, records, [], this.deps.nowMs());
      })));
    }
    return Promise.all(work).then(() => undefined);
  }

  /** DeleteGroups of an empty consumer group: its records (and the offsets' tombstones the caller adds) in one write. */
  deleteGroup(groupId: string, extra: readonly EncodedRecord[]): Promise<number> {
    return this.guard('deleting', groupId, ErrorCode.UNKNOWN_SERVER_ERROR as number, () => this.serialize(groupId, async () => {
      const g = this.groups.get(groupId);
      if (g === undefined) return ErrorCode.GROUP_ID_NOT_FOUND;
      if (g.members.size > 0) return ErrorCode.NON_EMPTY_GROUP;
      const records = deleteGroupRecords(g);
      const written = await this.deps.write(groupId, [...extra, ...records.map(encodeConsumerGroupRecord)], this.deps.nowMs());
      if (written !== ErrorCode.NONE) return written === ErrorCode.RECORD_LIST_TOO_LARGE ? ErrorCode.UNKNOWN_SERVER_ERROR : written;
      this.apply(groupId, records);
      return ErrorCode.NONE;
    }));
  }

  /** OffsetDelete on a consumer group: topics it subscribes to are refused (GROUP_SUBSCRIBED_TO_TOPIC). */
  deleteOffsets(g: ConsumerGroup, topics: readonly GroupTopicPartitions[], nowMs: number): { errorCode: number; topics: GroupTopicErrors[] } {
    const eligible: { topic: string; partition: number }[] = [];
    const results = topics.map((t) => ({
      name: t.name,
      partitions: t.partitionIndexes.map((partitionIndex) => {
        if (g.members.size > 0 && g.isSubscribedToTopic(t.name)) return { partitionIndex, errorCode: ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC };
        if (g.offset(t.name, partitionIndex) !== undefined) eligible.push({ topic: t.name, partition: partitionIndex });
        return { partitionIndex, errorCode: ErrorCode.NONE };
      }),
    }));
    if (eligible.length > 0) {
      const error = this.deps.append(g.groupId, eligible.map((o) => offsetCommitRecord(g.groupId, o.topic, o.partition, null)), nowMs);
      if (error !== ErrorCode.NONE) return { errorCode: error === ErrorCode.RECORD_LIST_TOO_LARGE ? ErrorCode.UNKNOWN_SERVER_ERROR : error, topics: [] };
      for (const o of eligible) g.removeOffset(o.topic, o.partition);
    }
    return { errorCode: ErrorCode.NONE, topics: results };
  }

  /** Retention of a consumer group's offsets; an empty group left without offsets is deleted, as Kafka cleans up. */
  async expireOffsets(g: ConsumerGroup, nowMs: number, retentionMs: number): Promise<void> {
    const expired = expiredConsumerGroupOffsets(g, nowMs, retentionMs);
    if (expired.length > 0) {
      const error = this.deps.append(g.groupId, expired.map((o) => offsetCommitRecord(g.groupId, o.topic, o.partition, null)), nowMs);
      if (error !== ErrorCode.NONE) {
        this.deps.logLine(`group ${g.groupId}: could not expire offsets (error ${error})`);
        return;
      }
      for (const o of expired) g.removeOffset(o.topic, o.partition);
      this.deps.logLine(`group ${g.groupId}: expired ${expired.length} offsets`);
    }
    if (g.members.size === 0 && !g.hasOffsets()) await this.deleteGroup(g.groupId, []);
  }
}
