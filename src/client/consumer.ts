/**
 * Samsa's consumer, manual assignment only: `assign` a set of partitions
 * with a starting offset (or 'earliest' / 'latest', resolved with
 * ListOffsets), then `poll`. One Fetch per leader broker carries every
 * assigned, unpaused partition it leads; records are decoded (decompressed)
 * here, control batches skipped, and records before the position (the head
 * of a compressed batch) dropped.
 *
 * Limits: maxPollRecords bounds one poll's answer (the rest stays buffered,
 * and a partition with buffered records is not fetched again until drained);
 * maxBytes / partitionMaxBytes bound a fetch.
 *
 * Or `subscribe(topics, listener?)` with a groupId: a classic group member
 * (range, roundrobin or cooperative-sticky; static membership with
 * groupInstanceId) whose assignment replaces the manual one. At each
 * rebalance the listener hears the partitions revoked (all of them under
 * range/roundrobin, only those that move under cooperative-sticky) and then
 * those assigned; a partition kept keeps its position and buffered records,
 * a new one starts at the group's committed offset. Commits are explicit
 * (`commit()`) or automatic (enableAutoCommit, every autoCommitIntervalMs
 * during poll, before a rejoin and on close). close() leaves the group,
 * except a static member, which keeps its slot for session.timeout.ms.
 */
import { ApiKey, ErrorCode, errorName, isRetriable, messages } from '../protocol/index.ts';
import { type RecordHeader, readBatchRecords, scanBatches } from '../records/index.ts';
import type { Cluster } from './cluster.ts';
import { ClientError } from '../protocol/index.ts';
import type { TopicPartitions } from './assignors.ts';
import { GroupMembership, type GroupOptions } from './group.ts';
import { AbortedTransactions } from './aborted-transactions.ts';

export { AbortedTransactions } from './aborted-transactions.ts';

const EARLIEST_TIMESTAMP = -2n;
const READ_COMMITTED = 1;
/** How long offsetsForTimes retries partitions whose leader moved. */
const LIST_OFFSETS_RETRY_MS_MAX = 10_000;
const LATEST_TIMESTAMP = -1n;

export type OffsetSpec = bigint | number | 'earliest' | 'latest';

export interface PartitionAssignment {
  topic: string;
  partition: number;
  offset?: OffsetSpec;
}

export interface PartitionRef {
  topic: string;
  partition: number;
}

export interface ConsumerOptions {
  /** auto.offset.reset: where to go when an assigned offset is out of range, or none was given. Default 'latest'. */
  autoOffsetReset?: 'earliest' | 'latest' | 'none';
  /** max.poll.records. Default 500. */
  maxPollRecords?: number;
  /** fetch.max.wait.ms. Default 500. */
  fetchMaxWaitMs?: number;
  /** fetch.min.bytes. Default 1. */
  fetchMinBytes?: number;
  /** fetch.max.bytes. Default 50 MiB. */
  fetchMaxBytes?: number;
  /** max.partition.fetch.bytes. Default 1 MiB. */
  partitionMaxBytes?: number;
  /** isolation.level. Default read_uncommitted. */
  isolationLevel?: 'read_uncommitted' | 'read_committed';
  /** group.id: needed by subscribe() and commit(). */
  groupId?: string;
  /** group.instance.id: static membership. */
  groupInstanceId?: string;
  sessionTimeoutMs?: number;
  rebalanceTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  /** partition.assignment.strategy. Default ['range', 'roundrobin']. */
  assignors?: GroupOptions['assignors'];
  /** enable.auto.commit. Default true. */
  enableAutoCommit?: boolean;
  /** auto.commit.interval.ms. Default 5000. */
  autoCommitIntervalMs?: number;
  /**
   * Told of each error poll() recovers from by itself: a broker that closed
   * the connection, refused it or stopped answering, or a retriable Kafka
   * error (a moved leader or coordinator). Like Kafka's consumer, poll()
   * reconnects and carries on rather than failing.
   */
  onTransientError?: (error: ClientError) => void;
}

/** Java's ConsumerRebalanceListener: called inside poll(), revoked first. */
export interface RebalanceListener {
  onPartitionsRevoked?(partitions: TopicPartitions[]): void | Promise<void>;
  onPartitionsAssigned?(partitions: TopicPartitions[]): void | Promise<void>;
}

export interface ConsumerRecord {
  topic: string;
  partition: number;
  offset: bigint;
  timestamp: bigint;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

/** One assigned partition: where the next fetch starts and what is buffered. */
class PartitionState {
  readonly topic: string;
  readonly partition: number;
  /** null: to be resolved from `reset` with ListOffsets. */
  position: bigint | null;
  reset: 'earliest' | 'latest' | 'none';
  paused = false;
  highWatermark = -1n;
  /** read_committed reads up to here: the first offset of a transaction still open. */
  lastStableOffset = -1n;
  buffered: ConsumerRecord[] = [];
  bufferedIndex = 0;

  constructor(topic: string, partition: number, position: bigint | null, reset: 'earliest' | 'latest' | 'none') {
    this.topic = topic;
    this.partition = partition;
    this.position = position;
    this.reset = reset;
  }

  get hasBuffered(): boolean {
    return this.bufferedIndex < this.buffered.length;
  }
}

/** reconnect.backoff.ms and reconnect.backoff.max.ms: Kafka's defaults. */
const RECONNECT_BACKOFF_MS = 50;
const RECONNECT_BACKOFF_MAX_MS = 1000;
/** Failures of the connection itself: the broker closed it, refused it, or did not answer in time. */
const CONNECTION_ERRORS = new Set(['SAMSA_ERR_DISCONNECTED', 'SAMSA_ERR_CONNECT', 'SAMSA_ERR_TIMEOUT', 'SAMSA_ERR_NO_BROKER']);

/**
 * An error poll() rides out: the connection's, or a retriable Kafka error
 * code — except an unknown topic, which is reported to the caller at once
 * rather than waited for.
 */
export function isTransient(e: unknown): e is ClientError {
  if (!(e instanceof ClientError)) return false;
  if (CONNECTION_ERRORS.has(e.code)) return true;
  const code = e.kafkaErrorCode;
  return code > 0 && code !== ErrorCode.UNKNOWN_TOPIC_OR_PARTITION && code !== ErrorCode.UNKNOWN_TOPIC_ID && isRetriable(code);
}

function key(topic: string, partition: number): string {
  return `${topic}\0${partition}`;
}

export class Consumer {
  private readonly cluster: Cluster;
  private readonly autoOffsetReset: 'earliest' | 'latest' | 'none';
  private readonly maxPollRecords: number;
  private readonly fetchMaxWaitMs: number;
  private readonly fetchMinBytes: number;
  private readonly fetchMaxBytes: number;
  private readonly partitionMaxBytes: number;
  private readonly isolationLevel: number;
  private readonly assigned = new Map<string, PartitionState>();
  /** Rotating start so no partition starves the others of a poll's records. */
  private pollStart = 0;
  private closed = false;
  private readonly groupOptions: GroupOptions | null;
  private readonly enableAutoCommit: boolean;
  private readonly autoCommitIntervalMs: number;
  private group: GroupMembership | null = null;
  private listener: RebalanceListener = {};
  /** subscribe() was called: the group owns the assignment. */
  private subscribed = false;
  private nextAutoCommitMs = 0;
  private readonly onTransientError: (error: ClientError) => void;
  /** The wait before the next try after a transient error; doubles up to RECONNECT_BACKOFF_MAX_MS. */
  private backoffMs = RECONNECT_BACKOFF_MS;

  constructor(cluster: Cluster, options: ConsumerOptions = {}) {
    this.cluster = cluster;
    this.autoOffsetReset = options.autoOffsetReset ?? 'latest';
    this.maxPollRecords = options.maxPollRecords ?? 500;
    this.fetchMaxWaitMs = options.fetchMaxWaitMs ?? 500;
    this.fetchMinBytes = options.fetchMinBytes ?? 1;
    this.fetchMaxBytes = options.fetchMaxBytes ?? 50 * 1024 * 1024;
    this.partitionMaxBytes = options.partitionMaxBytes ?? 1024 * 1024;
    this.isolationLevel = options.isolationLevel === 'read_committed' ? READ_COMMITTED : 0;
    this.onTransientError = options.onTransientError ?? (() => {});
    if (!Number.isInteger(this.maxPollRecords) || this.maxPollRecords <= 0) throw new ClientError(`invalid maxPollRecords ${this.maxPollRecords}`, 'SAMSA_ERR_CONFIG');
    this.groupOptions = options.groupId === undefined ? null : {
      groupId: options.groupId, groupInstanceId: options.groupInstanceId ?? null, sessionTimeoutMs: options.sessionTimeoutMs,
      rebalanceTimeoutMs: options.rebalanceTimeoutMs, heartbeatIntervalMs: options.heartbeatIntervalMs, assignors: options.assignors,
    };
    this.enableAutoCommit = options.enableAutoCommit ?? true;
    this.autoCommitIntervalMs = options.autoCommitIntervalMs ?? 5000;
  }

  private membership(): GroupMembership {
    if (this.groupOptions === null) throw new ClientError('this needs a groupId', 'SAMSA_ERR_CONFIG');
    this.group ??= new GroupMembership(this.cluster, this.groupOptions);
    return this.group;
  }

  /** Joins the group (at the next poll) for these topics; the group's assignment replaces any manual one. */
  subscribe(topics: readonly string[], listener: RebalanceListener = {}): void {
    if (topics.length === 0) throw new ClientError('subscribe needs at least one topic', 'SAMSA_ERR_CONFIG');
    this.membership().subscribe(topics);
    this.listener = listener;
    // Manually assigned partitions go; those the group gave stay until its next rebalance revokes them.
    if (!this.subscribed) this.assigned.clear();
    this.subscribed = true;
  }

  /** Commits the next offset to read of every assigned partition (or the given offsets) to the group. */
  async commit(offsets?: readonly { topic: string; partition: number; offset: bigint }[]): Promise<void> {
    await this.membership().commit(offsets ?? this.positions());
  }

  /** The next offset to read of every assigned partition: what a transactional producer commits with sendOffsetsToTransaction. */
  positions(): { topic: string; partition: number; offset: bigint }[] {
    return [...this.assigned.values()].flatMap((s) => {
      const position = this.position(s.topic, s.partition);
      return position === null ? [] : [{ topic: s.topic, partition: s.partition, offset: position }];
    });
  }

  /** Committed offsets of the group for these partitions (-1 where none). */
  async committed(partitions: readonly PartitionRef[]): Promise<{ topic: string; partition: number; offset: bigint }[]> {
    const byTopic = new Map<string, number[]>();
    for (const p of partitions) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p.partition]);
    const got = await this.membership().committed([...byTopic].map(([topic, ps]) => ({ topic, partitions: ps })));
    return partitions.map((p) => ({ topic: p.topic, partition: p.partition, offset: got.get(key(p.topic, p.partition)) ?? -1n }));
  }

  /** Rejoins when needed: drops what was revoked, and starts what was assigned at its committed offset. */
  private async syncGroup(): Promise<void> {
    const group = this.group;
    if (group === null || !this.subscribed) return;
    const outcome = await group.ensureJoined(() => (this.enableAutoCommit ? this.commit() : Promise.resolve()));
    if (!outcome.changed) return;
    if (outcome.revoked.length > 0) await this.listener.onPartitionsRevoked?.(outcome.revoked);
    const current = new Set(outcome.assignment.flatMap((a) => a.partitions.map((p) => key(a.topic, p))));
    for (const k of [...this.assigned.keys()]) if (!current.has(k)) this.assigned.delete(k);
    const added: PartitionState[] = [];
    for (const a of outcome.assignment) {
      for (const partition of a.partitions) {
        if (this.assigned.has(key(a.topic, partition))) continue;
        const s = new PartitionState(a.topic, partition, null, this.autoOffsetReset);
        this.assigned.set(key(a.topic, partition), s);
        added.push(s);
      }
    }
    if (added.length > 0) {
      const byTopic = new Map<string, number[]>();
      for (const s of added) byTopic.set(s.topic, [...(byTopic.get(s.topic) ?? []), s.partition]);
      const committed = await group.committed([...byTopic].map(([topic, partitions]) => ({ topic, partitions })));
      for (const s of added) {
        const offset = committed.get(key(s.topic, s.partition)) ?? -1n;
        if (offset >= 0n) s.position = offset;
      }
    }
    this.nextAutoCommitMs = performance.now() + this.autoCommitIntervalMs;
    await this.listener.onPartitionsAssigned?.(outcome.assigned);
  }

  /** The group membership's member id and generation (null without subscribe). */
  groupMetadata(): { groupId: string; memberId: string; generationId: number; groupInstanceId: string | null } | null {
    const g = this.group;
    return g === null || this.groupOptions === null ? null : { groupId: g.groupId, memberId: g.memberId, generationId: g.generationId, groupInstanceId: this.groupOptions.groupInstanceId ?? null };
  }

  private async maybeAutoCommit(): Promise<void> {
    if (this.group === null || !this.enableAutoCommit || this.group.rebalancing || performance.now() < this.nextAutoCommitMs) return;
    this.nextAutoCommitMs = performance.now() + this.autoCommitIntervalMs;
    await this.commit().catch(() => undefined);
  }

  /** Replaces the assignment. A partition without an offset starts at auto.offset.reset. */
  assign(partitions: readonly PartitionAssignment[]): void {
    if (this.subscribed) throw new ClientError('assign() after subscribe(): a consumer is either a group member or manually assigned', 'SAMSA_ERR_CONFIG');
    this.assigned.clear();
    for (const p of partitions) {
      const state = new PartitionState(p.topic, p.partition, null, this.autoOffsetReset);
      this.assigned.set(key(p.topic, p.partition), state);
      this.applyOffset(state, p.offset);
    }
  }

  assignment(): PartitionRef[] {
    return [...this.assigned.values()].map((s) => ({ topic: s.topic, partition: s.partition }));
  }

  /** The next offset to be returned for a partition, or null while it is still to be resolved. */
  position(topic: string, partition: number): bigint | null {
    const s = this.state(topic, partition);
    return s.hasBuffered ? s.buffered[s.bufferedIndex]!.offset : s.position;
  }

  seek(topic: string, partition: number, offset: OffsetSpec): void {
    this.applyOffset(this.state(topic, partition), offset);
  }

  pause(partitions: readonly PartitionRef[]): void {
    for (const p of partitions) this.state(p.topic, p.partition).paused = true;
  }

  resume(partitions: readonly PartitionRef[]): void {
    for (const p of partitions) this.state(p.topic, p.partition).paused = false;
  }

  paused(): PartitionRef[] {
    return [...this.assigned.values()].filter((s) => s.paused).map((s) => ({ topic: s.topic, partition: s.partition }));
  }

  private state(topic: string, partition: number): PartitionState {
    const s = this.assigned.get(key(topic, partition));
    if (s === undefined) throw new ClientError(`${topic}-${partition} is not assigned to this consumer`, 'SAMSA_ERR_NOT_ASSIGNED');
    return s;
  }

  private applyOffset(s: PartitionState, offset: OffsetSpec | undefined): void {
    s.buffered = [];
    s.bufferedIndex = 0;
    if (offset === undefined) {
      s.position = null;
      s.reset = this.autoOffsetReset;
    } else if (offset === 'earliest' || offset === 'latest') {
      s.position = null;
      s.reset = offset;
    } else {
      const n = BigInt(offset);
      if (n < 0n) throw new ClientError(`invalid offset ${n}`, 'SAMSA_ERR_CONFIG');
      s.position = n;
    }
  }

  /**
   * Returns up to maxPollRecords records, waiting up to timeoutMs for some.
   * An empty array means nothing arrived in time.
   */
  async poll(timeoutMs: number): Promise<ConsumerRecord[]> {
    if (this.closed) throw new ClientError('consumer is closed', 'SAMSA_ERR_CLOSED');
    const deadline = performance.now() + timeoutMs;
    for (let round = 0; ; round++) {
      try {
        const out = await this.pollOnce(deadline);
        this.backoffMs = RECONNECT_BACKOFF_MS;
        if (out !== null) return out;
      } catch (e) {
        if (this.closed || !isTransient(e)) throw e;
        // The broker went away or moved something: forget what it told us, wait, and ask again.
        this.onTransientError(e);
        this.cluster.topics.clear();
        const remaining = deadline - performance.now();
        if (remaining <= 0) return this.takeBuffered();
        await new Promise((r) => setTimeout(r, Math.min(remaining, this.backoffMs)));
        this.backoffMs = Math.min(this.backoffMs * 2, RECONNECT_BACKOFF_MAX_MS);
      }
    }
  }

  /** One round of poll(): records, [] when the time is up, or null to go round again. */
  private async pollOnce(deadline: number): Promise<ConsumerRecord[] | null> {
    await this.syncGroup();
    await this.maybeAutoCommit();
    const out = this.takeBuffered();
    if (out.length > 0) return out;
    await this.resolvePositions();
    const remaining = Math.max(0, Math.floor(deadline - performance.now()));
    const fetching = this.fetchable();
    if (fetching.length === 0) {
      if (remaining === 0) return [];
      await new Promise((r) => setTimeout(r, Math.min(remaining, 100)));
      return null;
    }
    await this.fetch(fetching, Math.min(remaining, this.fetchMaxWaitMs));
    if (this.closed || performance.now() >= deadline) return this.takeBuffered();
    return null;
  }

  /** Yields records as they arrive until close(). */
  async *[Symbol.asyncIterator](): AsyncGenerator<ConsumerRecord> {
    while (!this.closed) {
      const records = await this.poll(1000).catch((e: unknown) => {
        if (this.closed) return [];
        throw e;
      });
      for (const r of records) yield r;
    }
  }

  private takeBuffered(): ConsumerRecord[] {
    const out: ConsumerRecord[] = [];
    const states = [...this.assigned.values()];
    if (states.length === 0) return out;
    this.pollStart = (this.pollStart + 1) % states.length;
    for (let i = 0; i < states.length && out.length < this.maxPollRecords; i++) {
      const s = states[(this.pollStart + i) % states.length]!;
      if (s.paused) continue;
      while (s.hasBuffered && out.length < this.maxPollRecords) out.push(s.buffered[s.bufferedIndex++]!);
      if (!s.hasBuffered) {
        s.buffered = [];
        s.bufferedIndex = 0;
      }
    }
    return out;
  }

  private fetchable(): PartitionState[] {
    return [...this.assigned.values()].filter((s) => !s.paused && s.position !== null && !s.hasBuffered);
  }

  /** ListOffsets for every partition without a position. */
  private async resolvePositions(): Promise<void> {
    const unresolved = [...this.assigned.values()].filter((s) => s.position === null);
    if (unresolved.length === 0) return;
    for (const s of unresolved) {
      if (s.reset === 'none') throw new ClientError(`no offset for ${s.topic}-${s.partition} and auto.offset.reset is none`, 'SAMSA_ERR_NO_OFFSET');
    }
    const found = await this.listOffsets(unresolved.map((s) => ({ topic: s.topic, partition: s.partition, timestamp: s.reset === 'earliest' ? EARLIEST_TIMESTAMP : LATEST_TIMESTAMP })));
    for (const s of unresolved) {
      const got = found.get(key(s.topic, s.partition));
      if (got !== undefined && s.position === null && this.assigned.get(key(s.topic, s.partition)) === s) s.position = got.offset;
    }
  }

  /**
   * Java's offsetsForTimes: per partition, the first offset whose timestamp
   * is at or after the given one (ms since the epoch), with that record's
   * timestamp; null where no record is that late. Under read_committed the
   * broker answers within the last stable offset. Works on any partition,
   * assigned or not.
   */
  async offsetsForTimes(query: readonly { topic: string; partition: number; timestamp: number | bigint }[]): Promise<({ topic: string; partition: number; offset: bigint; timestamp: bigint } | null)[]> {
    for (const q of query) {
      if (BigInt(q.timestamp) < 0n) throw new ClientError(`invalid timestamp ${q.timestamp} for ${q.topic}-${q.partition}: it must be >= 0`, 'SAMSA_ERR_CONFIG');
    }
    // A request names a partition once: the n-th query of each partition goes in round n.
    const seen = new Map<string, number>();
    const rounds: { index: number; topic: string; partition: number; timestamp: bigint }[][] = [];
    query.forEach((q, index) => {
      const round = seen.get(key(q.topic, q.partition)) ?? 0;
      seen.set(key(q.topic, q.partition), round + 1);
      (rounds[round] ??= []).push({ index, topic: q.topic, partition: q.partition, timestamp: BigInt(q.timestamp) });
    });
    const out: ({ topic: string; partition: number; offset: bigint; timestamp: bigint } | null)[] = new Array(query.length).fill(null);
    const deadline = performance.now() + LIST_OFFSETS_RETRY_MS_MAX;
    for (let pending of rounds) {
      while (pending.length > 0) {
        const found = await this.listOffsets(pending);
        for (const q of pending) {
          const got = found.get(key(q.topic, q.partition));
          if (got !== undefined && got.offset >= 0n) out[q.index] = { topic: q.topic, partition: q.partition, offset: got.offset, timestamp: got.timestamp };
        }
        pending = pending.filter((q) => !found.has(key(q.topic, q.partition)));
        if (pending.length > 0 && performance.now() > deadline) {
          throw new ClientError(`offsetsForTimes: no leader answered for ${pending.map((q) => `${q.topic}-${q.partition}`).join(', ')}`, 'SAMSA_ERR_TIMEOUT');
        }
        if (pending.length > 0) await new Promise((r) => setTimeout(r, 100));
      }
    }
    return out;
  }

  /**
   * One ListOffsets per leader, at this consumer's isolation level. Answers
   * by partition key; a partition with a retriable error (a moved leader) is
   * left out after dropping its cached metadata, for the caller to retry.
   */
  private async listOffsets(entries: readonly { topic: string; partition: number; timestamp: bigint }[]): Promise<Map<string, { offset: bigint; timestamp: bigint }>> {
    const out = new Map<string, { offset: bigint; timestamp: bigint }>();
    const byLeader = await this.groupByLeader(entries);
    await Promise.all([...byLeader].map(async ([node, list]) => {
      const req = messages.ListOffsetsRequest.defaults();
      req.isolationLevel = this.isolationLevel;
      const topics = new Map<string, messages.ListOffsetsRequestListOffsetsTopic>();
      for (const e of list) {
        let t = topics.get(e.topic);
        if (t === undefined) {
          t = { ...messages.defaultListOffsetsRequestListOffsetsTopic(), name: e.topic, partitions: [] };
          topics.set(e.topic, t);
          req.topics.push(t);
        }
        t.partitions.push({ ...messages.defaultListOffsetsRequestListOffsetsPartition(), partitionIndex: e.partition, timestamp: e.timestamp });
      }
      const res = await (await this.cluster.node(node)).request(ApiKey.ListOffsets, req);
      for (const t of res.topics) {
        for (const p of t.partitions) {
          if (p.errorCode === ErrorCode.NONE) out.set(key(t.name, p.partitionIndex), { offset: p.offset, timestamp: p.timestamp });
          else if (isRetriable(p.errorCode)) this.cluster.topics.delete(t.name);
          else throw new ClientError(`cannot list offsets of ${t.name}-${p.partitionIndex}: ${errorName(p.errorCode)}`, 'SAMSA_ERR_LIST_OFFSETS', p.errorCode);
        }
      }
    }));
    return out;
  }

  private async groupByLeader<T extends PartitionRef>(states: readonly T[]): Promise<Map<number, T[]>> {
    const out = new Map<number, T[]>();
    for (const s of states) {
      const info = await this.cluster.topic(s.topic);
      const leader = info.partitions[s.partition]?.leader ?? -1;
      if (info.partitions[s.partition] === undefined) {
        throw new ClientError(`topic '${s.topic}' has no partition ${s.partition}`, 'SAMSA_ERR_UNKNOWN_PARTITION', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      }
      if (leader < 0) {
        this.cluster.topics.delete(s.topic);
        continue;
      }
      const list = out.get(leader) ?? [];
      list.push(s);
      out.set(leader, list);
    }
    return out;
  }

  private async fetch(states: PartitionState[], maxWaitMs: number): Promise<void> {
    const byLeader = await this.groupByLeader(states);
    await Promise.all([...byLeader].map(([node, list]) => this.fetchFrom(node, list, maxWaitMs).catch((e: unknown) => {
      // A lost connection or timeout: drop cached metadata and let the next poll retry.
      if (e instanceof ClientError && e.code !== 'SAMSA_ERR_PROTOCOL') {
        for (const s of list) this.cluster.topics.delete(s.topic);
        return;
      }
      throw e;
    })));
  }

  private async fetchFrom(node: number, states: PartitionState[], maxWaitMs: number): Promise<void> {
    const req = messages.FetchRequest.defaults();
    req.maxWaitMs = maxWaitMs;
    req.minBytes = this.fetchMinBytes;
    req.maxBytes = this.fetchMaxBytes;
    req.isolationLevel = this.isolationLevel;
    req.sessionId = 0;
    req.sessionEpoch = -1;
    const topics = new Map<string, messages.FetchRequestFetchTopic>();
    const byId = new Map<string, string>();
    for (const s of states) {
      let t = topics.get(s.topic);
      if (t === undefined) {
        const topicId = this.cluster.topics.get(s.topic)?.topicId ?? messages.defaultFetchRequestFetchTopic().topicId;
        byId.set(topicId, s.topic);
        t = { ...messages.defaultFetchRequestFetchTopic(), topic: s.topic, topicId, partitions: [] };
        topics.set(s.topic, t);
        req.topics.push(t);
      }
      t.partitions.push({ ...messages.defaultFetchRequestFetchPartition(), partition: s.partition, fetchOffset: s.position!, partitionMaxBytes: this.partitionMaxBytes });
    }
    const res = await (await this.cluster.node(node)).request(ApiKey.Fetch, req);
    if (res.errorCode !== ErrorCode.NONE) throw new ClientError(`fetch failed: ${errorName(res.errorCode)}`, 'SAMSA_ERR_FETCH', res.errorCode);
    for (const t of res.responses) {
      const topic = t.topic !== '' ? t.topic : byId.get(t.topicId) ?? '';
      for (const p of t.partitions) this.onPartition(topic, p);
    }
  }

  private onPartition(topic: string, p: messages.FetchResponsePartitionData): void {
    const s = this.assigned.get(key(topic, p.partitionIndex));
    if (s === undefined || s.position === null) return;
    if (p.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) {
      if (this.autoOffsetReset === 'none') throw new ClientError(`offset ${s.position} out of range for ${topic}-${p.partitionIndex}`, 'SAMSA_ERR_OFFSET_OUT_OF_RANGE', p.errorCode);
      s.position = null;
      s.reset = this.autoOffsetReset;
      return;
    }
    if (p.errorCode !== ErrorCode.NONE) {
      if (isRetriable(p.errorCode)) {
        this.cluster.topics.delete(topic);
        return;
      }
      throw new ClientError(`fetch from ${topic}-${p.partitionIndex} failed: ${errorName(p.errorCode)}`, 'SAMSA_ERR_FETCH', p.errorCode);
    }
    s.highWatermark = p.highWatermark;
    s.lastStableOffset = p.lastStableOffset;
    if (p.records === null || p.records.length === 0) return;
    const fetchedFrom = s.position;
    const aborted = this.isolationLevel === READ_COMMITTED ? new AbortedTransactions(p.abortedTransactions) : null;
    // read_committed: nothing at or past the last stable offset, should a broker send it.
    const stableEnd = aborted !== null && p.lastStableOffset >= 0n ? p.lastStableOffset : null;
    for (const batch of scanBatches(p.records).batches) {
      if (stableEnd !== null && batch.baseOffset >= stableEnd) break;
      if (aborted?.skips(batch) === true) {
        if (batch.lastOffset >= s.position) s.position = batch.lastOffset + 1n;
        continue;
      }
      if (batch.lastOffset < fetchedFrom) continue;
      if (!batch.isControl) {
        for (const r of readBatchRecords(batch)) {
          if (r.offset < fetchedFrom) continue;
          s.buffered.push({ topic, partition: s.partition, offset: r.offset, timestamp: r.timestamp, key: r.key, value: r.value, headers: r.headers });
        }
      }
      s.position = batch.lastOffset + 1n;
    }
  }

  /** The last high watermark a fetch reported for a partition (-1 before the first). */
  highWatermark(topic: string, partition: number): bigint {
    return this.state(topic, partition).highWatermark;
  }

  /** The last stable offset a fetch reported for a partition (-1 before the first); read_committed reads below it. */
  lastStableOffset(topic: string, partition: number): bigint {
    return this.state(topic, partition).lastStableOffset;
  }

  /** Stops polling; a group member commits (with auto-commit) and leaves the group. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const group = this.group;
    if (group !== null && !group.rebalancing) {
      if (this.enableAutoCommit) await this.commit().catch(() => undefined);
      await group.leave();
    } else if (group !== null) {
      await group.leave();
    }
    this.assigned.clear();
  }
}
