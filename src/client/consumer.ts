/**
 * Samsa's consumer, manual assignment only: `assign` a set of partitions
 * with a starting offset (or 'earliest' / 'latest', resolved with
 * ListOffsets), then `poll`. One Fetch per leader broker carries every
 * assigned, unpaused partition it leads; records are decoded (decompressed),
 * control batches skipped, and records before the position (the head of a
 * compressed batch) dropped.
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
 *
 * This class coordinates; the parts live beside it, along Kafka's seams:
 * partition-state.ts (each assigned partition's position and buffer),
 * fetcher.ts (Fetch requests and their answers, read_committed included),
 * offset-fetcher.ts (positions reset with ListOffsets, offsetsForTimes) and
 * group.ts (the group membership).
 */
import { ErrorCode, isRetriable } from '../protocol/index.ts';
import type { Cluster } from './cluster.ts';
import { ClientError } from '../protocol/index.ts';
import type { TopicPartitions } from './assignors.ts';
import { GroupMembership, type GroupOptions } from './group.ts';
import { ConsumerGroupMembership } from './consumer-group-membership.ts';
import { Fetcher, READ_COMMITTED } from './fetcher.ts';
import { OffsetFetcher } from './offset-fetcher.ts';
import {
  applyOffset, type ConsumerRecord, type OffsetSpec, type PartitionRef, PartitionState, partitionKey,
} from './partition-state.ts';

export { AbortedTransactions } from './aborted-transactions.ts';
export type { ConsumerRecord, OffsetSpec, PartitionRef } from './partition-state.ts';

export interface PartitionAssignment {
  topic: string;
  partition: number;
  offset?: OffsetSpec;
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
  /**
   * group.protocol: 'classic' (JoinGroup/SyncGroup, the default) or
   * 'consumer' (KIP-848: the broker assigns; assignors, session and
   * heartbeat timeouts come from the broker's group.consumer.* configs).
   */
  groupProtocol?: 'classic' | 'consumer';
  /** group.remote.assignor: with groupProtocol 'consumer', a broker-side assignor by name ('uniform', 'range'). */
  groupRemoteAssignor?: string;
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

export class Consumer {
  private readonly cluster: Cluster;
  private readonly autoOffsetReset: 'earliest' | 'latest' | 'none';
  private readonly maxPollRecords: number;
  private readonly fetchMaxWaitMs: number;
  private readonly assigned = new Map<string, PartitionState>();
  private readonly fetcher: Fetcher;
  private readonly offsets: OffsetFetcher;
  /** Rotating start so no partition starves the others of a poll's records. */
  private pollStart = 0;
  private closed = false;
  private readonly groupOptions: GroupOptions | null;
  private readonly enableAutoCommit: boolean;
  private readonly autoCommitIntervalMs: number;
  private group: GroupMembership | ConsumerGroupMembership | null = null;
  private readonly groupProtocol: 'classic' | 'consumer';
  private readonly groupRemoteAssignor: string | null;
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
    const isolationLevel = options.isolationLevel === 'read_committed' ? READ_COMMITTED : 0;
    this.fetcher = new Fetcher(cluster, this.assigned, {
      fetchMinBytes: options.fetchMinBytes ?? 1,
      fetchMaxBytes: options.fetchMaxBytes ?? 50 * 1024 * 1024,
      partitionMaxBytes: options.partitionMaxBytes ?? 1024 * 1024,
      isolationLevel,
      autoOffsetReset: this.autoOffsetReset,
    });
    this.offsets = new OffsetFetcher(cluster, this.assigned, isolationLevel);
    this.onTransientError = options.onTransientError ?? (() => {});
    if (!Number.isInteger(this.maxPollRecords) || this.maxPollRecords <= 0) throw new ClientError(`invalid maxPollRecords ${this.maxPollRecords}`, 'SAMSA_ERR_CONFIG');
    this.groupOptions = options.groupId === undefined ? null : {
      groupId: options.groupId, groupInstanceId: options.groupInstanceId ?? null, sessionTimeoutMs: options.sessionTimeoutMs,
      rebalanceTimeoutMs: options.rebalanceTimeoutMs, heartbeatIntervalMs: options.heartbeatIntervalMs, assignors: options.assignors,
    };
    this.groupProtocol = options.groupProtocol ?? 'classic';
    if (this.groupProtocol !== 'classic' && this.groupProtocol !== 'consumer') throw new ClientError(`invalid groupProtocol '${String(this.groupProtocol)}'`, 'SAMSA_ERR_CONFIG');
    this.groupRemoteAssignor = options.groupRemoteAssignor ?? null;
    this.enableAutoCommit = options.enableAutoCommit ?? true;
    this.autoCommitIntervalMs = options.autoCommitIntervalMs ?? 5000;
  }

  private membership(): GroupMembership | ConsumerGroupMembership {
    const o = this.groupOptions;
    if (o === null) throw new ClientError('this needs a groupId', 'SAMSA_ERR_CONFIG');
    this.group ??= this.groupProtocol === 'consumer'
      ? new ConsumerGroupMembership(this.cluster, {
        groupId: o.groupId, groupInstanceId: o.groupInstanceId, rebalanceTimeoutMs: o.rebalanceTimeoutMs, remoteAssignor: this.groupRemoteAssignor,
      })
      : new GroupMembership(this.cluster, o);
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
    return partitions.map((p) => ({ topic: p.topic, partition: p.partition, offset: got.get(partitionKey(p.topic, p.partition)) ?? -1n }));
  }

  /** Rejoins when needed: drops what was revoked, and starts what was assigned at its committed offset. */
  private async syncGroup(): Promise<void> {
    const group = this.group;
    if (group === null || !this.subscribed) return;
    const outcome = await group.ensureJoined(() => (this.enableAutoCommit ? this.commit() : Promise.resolve()));
    if (!outcome.changed) return;
    if (outcome.revoked.length > 0) await this.listener.onPartitionsRevoked?.(outcome.revoked);
    const current = new Set(outcome.assignment.flatMap((a) => a.partitions.map((p) => partitionKey(a.topic, p))));
    for (const k of [...this.assigned.keys()]) if (!current.has(k)) this.assigned.delete(k);
    const added: PartitionState[] = [];
    for (const a of outcome.assignment) {
      for (const partition of a.partitions) {
        if (this.assigned.has(partitionKey(a.topic, partition))) continue;
        const s = new PartitionState(a.topic, partition, null, this.autoOffsetReset);
        this.assigned.set(partitionKey(a.topic, partition), s);
        added.push(s);
      }
    }
    if (added.length > 0) {
      const byTopic = new Map<string, number[]>();
      for (const s of added) byTopic.set(s.topic, [...(byTopic.get(s.topic) ?? []), s.partition]);
      const committed = await group.committed([...byTopic].map(([topic, partitions]) => ({ topic, partitions })));
      for (const s of added) {
        const offset = committed.get(partitionKey(s.topic, s.partition)) ?? -1n;
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
      this.assigned.set(partitionKey(p.topic, p.partition), state);
      applyOffset(state, p.offset, this.autoOffsetReset);
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
    applyOffset(this.state(topic, partition), offset, this.autoOffsetReset);
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
    const s = this.assigned.get(partitionKey(topic, partition));
    if (s === undefined) throw new ClientError(`${topic}-${partition} is not assigned to this consumer`, 'SAMSA_ERR_NOT_ASSIGNED');
    return s;
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
    await this.offsets.resetPositions();
    const remaining = Math.max(0, Math.floor(deadline - performance.now()));
    const fetching = this.fetchable();
    if (fetching.length === 0) {
      if (remaining === 0) return [];
      await new Promise((r) => setTimeout(r, Math.min(remaining, 100)));
      return null;
    }
    await this.fetcher.fetch(fetching, Math.min(remaining, this.fetchMaxWaitMs));
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

  /**
   * Java's offsetsForTimes: per partition, the first offset whose timestamp
   * is at or after the given one (ms since the epoch), with that record's
   * timestamp; null where no record is that late. Under read_committed the
   * broker answers within the last stable offset. Works on any partition,
   * assigned or not.
   */
  async offsetsForTimes(query: readonly { topic: string; partition: number; timestamp: number | bigint }[]): Promise<({ topic: string; partition: number; offset: bigint; timestamp: bigint } | null)[]> {
    return this.offsets.offsetsForTimes(query);
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
