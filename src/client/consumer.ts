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
 * Or `subscribe(topics)` with a groupId: a classic group member (range or
 * roundrobin, static membership with groupInstanceId) whose assignment
 * replaces the manual one at each rebalance; positions start at the
 * committed offsets, and commits are explicit (`commit()`) or automatic
 * (enableAutoCommit, every autoCommitIntervalMs during poll, before a
 * rejoin and on close). close() leaves the group.
 */
import { ErrorCode, errorName, isRetriable, messages } from '../protocol/index.ts';
import { type RecordHeader, readBatchRecords, scanBatches } from '../records/index.ts';
import type { Cluster } from './cluster.ts';
import { ClientError } from './connection.ts';
import { GroupMembership, type GroupOptions } from './group.ts';

const FETCH_KEY = 1;
const LIST_OFFSETS_KEY = 2;
const EARLIEST_TIMESTAMP = -2n;
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
  private nextAutoCommitMs = 0;

  constructor(cluster: Cluster, options: ConsumerOptions = {}) {
    this.cluster = cluster;
    this.autoOffsetReset = options.autoOffsetReset ?? 'latest';
    this.maxPollRecords = options.maxPollRecords ?? 500;
    this.fetchMaxWaitMs = options.fetchMaxWaitMs ?? 500;
    this.fetchMinBytes = options.fetchMinBytes ?? 1;
    this.fetchMaxBytes = options.fetchMaxBytes ?? 50 * 1024 * 1024;
    this.partitionMaxBytes = options.partitionMaxBytes ?? 1024 * 1024;
    this.isolationLevel = options.isolationLevel === 'read_committed' ? 1 : 0;
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
  subscribe(topics: readonly string[]): void {
    if (topics.length === 0) throw new ClientError('subscribe needs at least one topic', 'SAMSA_ERR_CONFIG');
    this.membership().subscribe(topics);
    this.assigned.clear();
  }

  /** Commits the next offset to read of every assigned partition (or the given offsets) to the group. */
  async commit(offsets?: readonly { topic: string; partition: number; offset: bigint }[]): Promise<void> {
    const group = this.membership();
    const list = offsets ?? [...this.assigned.values()].flatMap((s) => {
      const position = this.position(s.topic, s.partition);
      return position === null ? [] : [{ topic: s.topic, partition: s.partition, offset: position }];
    });
    await group.commit(list);
  }

  /** Committed offsets of the group for these partitions (-1 where none). */
  async committed(partitions: readonly PartitionRef[]): Promise<{ topic: string; partition: number; offset: bigint }[]> {
    const byTopic = new Map<string, number[]>();
    for (const p of partitions) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p.partition]);
    const got = await this.membership().committed([...byTopic].map(([topic, ps]) => ({ topic, partitions: ps })));
    return partitions.map((p) => ({ topic: p.topic, partition: p.partition, offset: got.get(key(p.topic, p.partition)) ?? -1n }));
  }

  /** Rejoins when needed and takes the new assignment, starting at committed offsets. */
  private async syncGroup(): Promise<void> {
    const group = this.group;
    if (group === null) return;
    const { assignment, changed } = await group.ensureJoined(() => (this.enableAutoCommit ? this.commit() : Promise.resolve()));
    if (!changed) return;
    this.assigned.clear();
    for (const a of assignment) {
      for (const partition of a.partitions) this.assigned.set(key(a.topic, partition), new PartitionState(a.topic, partition, null, this.autoOffsetReset));
    }
    if (assignment.length === 0) return;
    const committed = await group.committed(assignment);
    for (const s of this.assigned.values()) {
      const offset = committed.get(key(s.topic, s.partition)) ?? -1n;
      if (offset >= 0n) s.position = offset;
    }
    this.nextAutoCommitMs = performance.now() + this.autoCommitIntervalMs;
  }

  private async maybeAutoCommit(): Promise<void> {
    if (this.group === null || !this.enableAutoCommit || this.group.rebalancing || performance.now() < this.nextAutoCommitMs) return;
    this.nextAutoCommitMs = performance.now() + this.autoCommitIntervalMs;
    await this.commit().catch(() => undefined);
  }

  /** Replaces the assignment. A partition without an offset starts at auto.offset.reset. */
  assign(partitions: readonly PartitionAssignment[]): void {
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
    for (;;) {
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
        continue;
      }
      await this.fetch(fetching, Math.min(remaining, this.fetchMaxWaitMs));
      if (this.closed || performance.now() >= deadline) return this.takeBuffered();
    }
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

  /** ListOffsets for every partition without a position, one request per leader. */
  private async resolvePositions(): Promise<void> {
    const unresolved = [...this.assigned.values()].filter((s) => s.position === null);
    if (unresolved.length === 0) return;
    const byLeader = await this.groupByLeader(unresolved);
    await Promise.all([...byLeader].map(async ([node, states]) => {
      const req = messages.ListOffsetsRequest.defaults();
      req.isolationLevel = this.isolationLevel;
      const topics = new Map<string, messages.ListOffsetsRequestListOffsetsTopic>();
      for (const s of states) {
        if (s.reset === 'none') throw new ClientError(`no offset for ${s.topic}-${s.partition} and auto.offset.reset is none`, 'SAMSA_ERR_NO_OFFSET');
        let t = topics.get(s.topic);
        if (t === undefined) {
          t = { ...messages.defaultListOffsetsRequestListOffsetsTopic(), name: s.topic, partitions: [] };
          topics.set(s.topic, t);
          req.topics.push(t);
        }
        t.partitions.push({
          ...messages.defaultListOffsetsRequestListOffsetsPartition(), partitionIndex: s.partition,
          timestamp: s.reset === 'earliest' ? EARLIEST_TIMESTAMP : LATEST_TIMESTAMP,
        });
      }
      const res = await (await this.cluster.node(node)).request<messages.ListOffsetsResponse>(LIST_OFFSETS_KEY, req);
      for (const t of res.topics) {
        for (const p of t.partitions) {
          const s = this.assigned.get(key(t.name, p.partitionIndex));
          if (s === undefined || s.position !== null) continue;
          if (p.errorCode === ErrorCode.NONE) s.position = p.offset;
          else if (isRetriable(p.errorCode)) this.cluster.topics.delete(t.name);
          else throw new ClientError(`cannot list offsets of ${t.name}-${p.partitionIndex}: ${errorName(p.errorCode)}`, 'SAMSA_ERR_LIST_OFFSETS', p.errorCode);
        }
      }
    }));
  }

  private async groupByLeader(states: PartitionState[]): Promise<Map<number, PartitionState[]>> {
    const out = new Map<number, PartitionState[]>();
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
    const res = await (await this.cluster.node(node)).request<messages.FetchResponse>(FETCH_KEY, req);
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
    if (p.records === null || p.records.length === 0) return;
    const fetchedFrom = s.position;
    for (const batch of scanBatches(p.records).batches) {
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
