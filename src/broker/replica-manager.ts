/**
 * The partitions this broker hosts, kept in step with the metadata image:
 * a created topic gets its logs, a deleted one loses them, a config change
 * reaches the logs. It is the only way into a partition's log for writers
 * (produce and the coordinators alike), it owns the acks=all wait, it
 * counts followers' fetches only once they are valid, and it takes a log
 * directory offline when its disk fails.
 */
import { StorageError, isIoError, type Clock, type LogConfig, type LogManager, type LogWorkStats, type PartitionLog } from '../storage/index.ts';
import { ConfigResourceType, type MetadataChanges, type MetadataImage, type TopicConfig, type TopicImage } from '../metadata/index.ts';
import { ErrorCode } from '../protocol/index.ts';
import { RecordsError } from '../records/index.ts';
import { Partition, type LeaderAppend } from './partition.ts';
import { ProducerStateManager, type AppendOrigin, type VerificationGuard } from './producer-state.ts';
import { ACKS_ALL, requiredOffsetOf } from './replication/acks.ts';
import { TrafficStats } from './traffic-stats.ts';
import type { FetchValidation, FollowerFetch } from './replication/fetch-validation.ts';
import type { ReplicaLog } from './replication/replica-log.ts';

/** Timers take at most 2^31-1 ms. */
const TIMER_MS_MAX = 0x7fffffff;
/** Retention value meaning "keep forever". */
const UNLIMITED = -1;

export function logConfigOf(c: TopicConfig): LogConfig {
  // A compact-only topic (like __consumer_offsets) is never trimmed by time or size; only `delete` enables retention.
  const deletes = c.cleanupPolicy.includes('delete');
  return {
    segmentBytes: c.segmentBytes,
    segmentMs: c.segmentMs,
    segmentIndexBytes: c.segmentIndexBytes,
    indexIntervalBytes: c.indexIntervalBytes,
    retentionMs: deletes ? c.retentionMs : UNLIMITED,
    retentionBytes: deletes ? c.retentionBytes : UNLIMITED,
    flushIntervalMessages: c.flushMessages,
    flushIntervalMs: c.flushMs,
    fileDeleteDelayMs: c.fileDeleteDelayMs,
    compact: c.cleanupPolicy.includes('compact'),
    minCleanableDirtyRatio: c.minCleanableDirtyRatio,
    deleteRetentionMs: c.deleteRetentionMs,
    minCompactionLagMs: c.minCompactionLagMs,
    maxCompactionLagMs: c.maxCompactionLagMs,
  };
}

export interface ReplicaManagerDeps {
  nodeId: number;
  logs: LogManager;
  clock: Clock;
  /** Effective config of a topic: broker defaults overlaid with the topic's overrides. */
  topicConfig(image: MetadataImage, topic: string): TopicConfig;
  log(line: string, level?: 'warn' | 'error'): void;
}

export type { AppendOrigin };

export interface AppendOptions {
  /** 0, 1 or -1 (all in-sync replicas). */
  acks: number;
  /** How long an acks=all write may wait for the ISR before REQUEST_TIMED_OUT. */
  timeoutMs: number;
  /** A coordinator's batches (transaction markers, transactional offset commits) skip the sequence checks, not the epoch checks. */
  origin: AppendOrigin;
}

export interface AppendEntry {
  partition: Partition;
  /** One validated record batch. */
  records: Buffer;
  /** A transaction's first write here, verified with its coordinator (KIP-890): the guard the partition handed out. */
  verificationGuard?: VerificationGuard | null;
}

export interface AppendResult {
  errorCode: number;
  errorMessage: string | null;
  baseOffset: number;
  logAppendTimeMs: number;
  logStartOffset: number;
}

interface AckWaiter {
  partition: Partition;
  requiredOffset: number;
  leaderEpoch: number;
  done(errorCode: number): void;
}

export class ReplicaManager {
  private readonly deps: ReplicaManagerDeps;
  private readonly byTopic = new Map<string, Partition[]>();
  private readonly appendListeners = new Set<(p: Partition) => void>();
  /** acks=all writes waiting for their partition's high watermark (Kafka's produce purgatory). */
  private readonly ackWaiters = new Map<Partition, Set<AckWaiter>>();
  private readonly offlineDirs = new Set<string>();
  private readonly dirFailureListeners = new Set<(dir: string) => void>();
  /** Messages and bytes in and out per topic, and ISR changes: what the metrics endpoint reports. */
  readonly traffic = new TrafficStats();

  constructor(deps: ReplicaManagerDeps) {
    this.deps = deps;
  }

  get nodeId(): number {
    return this.deps.nodeId;
  }

  get(topic: string, partition: number): Partition | undefined {
    return this.byTopic.get(topic)?.[partition];
  }

  partitionsOf(topic: string): readonly Partition[] {
    return this.byTopic.get(topic) ?? [];
  }

  all(): Iterable<Partition> {
    return [...this.byTopic.values()].flat();
  }

  /** acks=all writes still waiting for their in-sync replicas. */
  /** Flush and cleaner totals of the logs (for metrics). */
  get logWork(): Readonly<LogWorkStats> {
    return this.deps.logs.stats;
  }

  get pendingAcks(): number {
    let n = 0;
    for (const set of this.ackWaiters.values()) n += set.size;
    return n;
  }

  /** Log directories taken offline after an I/O error. */
  get offlineLogDirs(): readonly string[] {
    return [...this.offlineDirs];
  }

  /** Called after every append, and whenever a partition's high watermark or leadership moved. */
  onAppend(listener: (p: Partition) => void): () => void {
    this.appendListeners.add(listener);
    return () => this.appendListeners.delete(listener);
  }

  /** Called once per log directory that fails. */
  onLogDirFailure(listener: (dir: string) => void): () => void {
    this.dirFailureListeners.add(listener);
    return () => this.dirFailureListeners.delete(listener);
  }

  /** Wakes fetches long-polling the partition and re-checks the writes waiting on it. */
  notifyAppend(partition: Partition): void {
    for (const l of this.appendListeners) l(partition);
    this.checkAcks(partition);
  }

  /**
   * The one way into a led partition's log, for every writer: produce and
   * the coordinators. Each entry is appended as leader (a retried duplicate
   * is recognised, not written again); with acks=-1 the answer waits until
   * the high watermark passes every write, duplicates included, or the
   * timeout. The appends happen before this returns; only the wait is async.
   */
  appendRecords(entries: readonly AppendEntry[], options: AppendOptions): AppendResult[] | Promise<AppendResult[]> {
    const nowMs = this.deps.clock.nowMs();
    const results: AppendResult[] = [];
    const waits: { index: number; partition: Partition; requiredOffset: number; leaderEpoch: number }[] = [];
    for (const { partition, records, verificationGuard } of entries) {
      const result: AppendResult = { errorCode: ErrorCode.NONE, errorMessage: null, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1 };
      results.push(result);
      const refused = this.appendError(partition, options.acks);
      if (refused !== ErrorCode.NONE) {
        result.errorCode = refused;
        this.traffic.produceFailed(partition.topic);
        continue;
      }
      const appended = this.appendToLeader(partition, records, nowMs, options.origin, verificationGuard ?? null);
      if (appended.kind === 'error') {
        result.errorCode = appended.errorCode;
        result.errorMessage = appended.errorMessage;
        this.traffic.produceFailed(partition.topic);
        continue;
      }
      if (appended.kind === 'appended' && options.origin === 'client') {
        this.traffic.produced(partition.topic, appended.lastOffset - appended.firstOffset + 1, records.length);
      }
      result.baseOffset = appended.firstOffset;
      result.logAppendTimeMs = appended.kind === 'appended' && partition.config.messageTimestampType === 'LogAppendTime' ? appended.logAppendTimeMs : -1;
      result.logStartOffset = partition.logStartOffset;
      const requiredOffset = requiredOffsetOf(appended);
      if (options.acks !== ACKS_ALL || requiredOffset === null) continue;
      // Often decided already (a lone in-sync replica): then no promise, no timer, an answer at once.
      const outcome = partition.acksOutcome(requiredOffset, partition.leaderEpoch);
      if (outcome.done) result.errorCode = outcome.errorCode;
      else waits.push({ index: results.length - 1, partition, requiredOffset, leaderEpoch: partition.leaderEpoch });
    }
    if (waits.length === 0) return results;
    return this.awaitAcks(waits, options.timeoutMs).then((codes) => {
      waits.forEach((w, i) => {
        results[w.index]!.errorCode = codes[i]!;
      });
      return results;
    });
  }

  private appendError(partition: Partition, acks: number): number {
    if (partition.offline) return ErrorCode.KAFKA_STORAGE_ERROR;
    if (!partition.isLeader) return ErrorCode.NOT_LEADER_OR_FOLLOWER;
    // Kafka refuses before writing when the ISR is already too small for acks=all.
    if (acks === ACKS_ALL && partition.isr.length < partition.config.minInsyncReplicas) return ErrorCode.NOT_ENOUGH_REPLICAS;
    return ErrorCode.NONE;
  }

  private appendToLeader(partition: Partition, records: Buffer, nowMs: number, origin: AppendOrigin, guard: VerificationGuard | null): LeaderAppend {
    try {
      const appended = partition.appendAsLeader(records, nowMs, partition.config.messageTimestampType === 'LogAppendTime', origin, guard);
      // Followers long-polling for this partition must hear of the append even when the high watermark waits for them.
      if (appended.kind === 'appended') this.notifyAppend(partition);
      return appended;
    } catch (e) {
      if (e instanceof RecordsError) return { kind: 'error', errorCode: e.kafkaErrorCode, errorMessage: e.message };
      if (e instanceof StorageError && e.kafkaErrorCode !== ErrorCode.KAFKA_STORAGE_ERROR) {
        return { kind: 'error', errorCode: e.kafkaErrorCode, errorMessage: e.message };
      }
      this.handleStorageFailure(partition, e as Error);
      return { kind: 'error', errorCode: ErrorCode.KAFKA_STORAGE_ERROR, errorMessage: null };
    }
  }

  /** The acks=all wait: one error code per wait, NONE once replicated. */
  private awaitAcks(waits: readonly { partition: Partition; requiredOffset: number; leaderEpoch: number }[], timeoutMs: number): Promise<number[]> {
    return new Promise((resolve) => {
      const codes: number[] = new Array<number>(waits.length).fill(ErrorCode.REQUEST_TIMED_OUT);
      let pending = waits.length;
      const mine: AckWaiter[] = [];
      const finish = (): void => {
        clearTimeout(timer);
        for (const w of mine) this.removeWaiter(w);
        resolve(codes);
      };
      const timer = setTimeout(finish, Math.max(0, Math.min(timeoutMs, TIMER_MS_MAX)));
      waits.forEach((w, i) => {
        const waiter: AckWaiter = {
          ...w,
          done: (errorCode) => {
            codes[i] = errorCode;
            this.removeWaiter(waiter);
            if (--pending === 0) finish();
          },
        };
        mine.push(waiter);
        let set = this.ackWaiters.get(w.partition);
        if (set === undefined) this.ackWaiters.set(w.partition, (set = new Set()));
        set.add(waiter);
      });
      // Some may be answerable already (a lone in-sync replica, or a duplicate of a committed batch).
      for (const p of new Set(waits.map((w) => w.partition))) this.checkAcks(p);
    });
  }

  private removeWaiter(w: AckWaiter): void {
    const set = this.ackWaiters.get(w.partition);
    if (set === undefined) return;
    set.delete(w);
    if (set.size === 0) this.ackWaiters.delete(w.partition);
  }

  private checkAcks(partition: Partition): void {
    const set = this.ackWaiters.get(partition);
    if (set === undefined) return;
    for (const w of [...set]) {
      const outcome = partition.acksOutcome(w.requiredOffset, w.leaderEpoch);
      if (outcome.done) w.done(outcome.errorCode);
    }
  }

  /**
   * A follower's fetch for a partition this node leads: validated in Kafka's
   * order, and counted towards the high watermark and the ISR only when
   * valid. Moving the high watermark wakes fetches and acks=all writes.
   */
  handleFollowerFetch(partition: Partition, replicaId: number, brokerEpoch: bigint, fetch: FollowerFetch): FetchValidation {
    const { validation, highWatermarkMoved } = partition.handleFollowerFetch(replicaId, brokerEpoch, fetch, this.deps.clock.nowMs());
    if (highWatermarkMoved) this.notifyAppend(partition);
    return validation;
  }

  /**
   * An I/O error in a partition's log directory (Kafka's LogDirFailureChannel):
   * the directory goes offline, every partition in it answers
   * KAFKA_STORAGE_ERROR from now on, the writes waiting on them fail, and
   * listeners (the broker's heartbeat) tell the controller so leadership moves.
   */
  handleStorageFailure(partition: Partition, error: Error): void {
    const dir = this.deps.logs.logDirOf(partition.topic, partition.index);
    if (dir === undefined) {
      partition.markOffline();
      this.notifyAppend(partition);
      return;
    }
    this.failLogDir(dir, `${partition.topic}-${partition.index}: ${error.message}`);
  }

  /** The log directory holding a file path, if any. */
  logDirOfPath(path: string | undefined): string | undefined {
    return path === undefined ? undefined : this.deps.logs.logDirs.find((d) => path.startsWith(d));
  }

  /** Takes a log directory offline (idempotent); `cause` names what failed. */
  failLogDir(dir: string, cause: string): void {
    if (this.offlineDirs.has(dir)) return;
    this.offlineDirs.add(dir);
    this.deps.log(`log directory ${dir} is offline after an I/O error (${cause}); its partitions answer KAFKA_STORAGE_ERROR`, 'error');
    for (const p of this.all()) {
      if (this.deps.logs.logDirOf(p.topic, p.index) !== dir) continue;
      p.markOffline();
      this.notifyAppend(p);
    }
    for (const l of this.dirFailureListeners) l(dir);
  }

  /** Brings hosted partitions in line with a new image. */
  applyMetadata(image: MetadataImage, changes: MetadataChanges | null): void {
    for (const topic of changes?.deletedTopics ?? []) this.dropTopic(topic);
    // A whole new image (the first after start, or a snapshot from the leader) carries no deletions: drop what it
    // no longer has, hosted replicas and logs on disk alike (a topic deleted while this node was away).
    if (changes === null) {
      for (const [name, hosted] of [...this.byTopic]) {
        const topicId = hosted.find((p) => p !== undefined)?.topicId;
        if (topicId !== undefined && image.topicsById.get(topicId)?.name !== name) this.dropHosted(name);
      }
      this.deleteStrayLogs(image);
    }
    const names = changes === null ? [...image.topicsByName.keys()] : changes.changedTopics;
    for (const name of names) {
      const topic = image.topicsByName.get(name);
      if (topic !== undefined) this.syncTopic(image, topic);
    }
    for (const key of changes?.changedConfigs ?? []) {
      const [type, name] = splitConfigKey(key);
      if (type === ConfigResourceType.Topic) this.refreshConfig(image, name);
      else if (type === ConfigResourceType.Broker) for (const t of this.byTopic.keys()) this.refreshConfig(image, t);
    }
  }

  /** Logs on disk whose topic the image no longer has (Kafka's stray replicas): deleted, as their topic was. */
  private deleteStrayLogs(image: MetadataImage): void {
    for (const log of [...this.deps.logs.all()]) {
      const { topic, partition } = log.topicPartition;
      if (this.byTopic.get(topic)?.[partition] !== undefined) continue;
      // Without a topic id on disk nothing proves the topic is not this one: such a log is left alone.
      if (log.topicId === null) continue;
      const known = image.topicsById.get(log.topicId);
      if (known !== undefined && known.name === topic && partition < known.partitions.length) continue;
      this.deps.log(`deleting ${topic}-${partition}: its topic was deleted`);
      this.deps.logs.deletePartition(topic, partition);
    }
  }

  private syncTopic(image: MetadataImage, topic: TopicImage): void {
    const config = this.deps.topicConfig(image, topic.name);
    const hosted = this.byTopic.get(topic.name) ?? [];
    const nowMs = this.deps.clock.nowMs();
    for (const p of topic.partitions) {
      if (p === undefined || !p.replicas.includes(this.deps.nodeId)) continue;
      const existing = hosted[p.partitionId];
      const state = { leaderId: p.leader, leaderEpoch: p.leaderEpoch, partitionEpoch: p.partitionEpoch, replicas: p.replicas, isr: p.isr };
      if (existing !== undefined) {
        // A leader's ISR changed by the controller (a fenced broker dropped) counts as the leader's own shrink would.
        if (existing.isLeader && p.leader === this.deps.nodeId) this.traffic.isrChanged(existing.isr, p.isr);
        existing.applyState(state, nowMs);
        // Leadership or the ISR moved: waiting writes and fetches re-check.
        this.notifyAppend(existing);
        continue;
      }
      let partition: Partition;
      try {
        const log = this.deps.logs.getOrCreate(topic.name, p.partitionId, topic.id, logConfigOf(config));
        partition = new Partition(topic.name, topic.id, p.partitionId, this.deps.nodeId, log, config, state, nowMs, loadProducerState);
      } catch (e) {
        // Creating a replica on a failed disk (ENOSPC writing its first files) takes the directory offline;
        // the replica is left out, so the next metadata change tries again.
        const dir = this.deps.logs.logDirOf(topic.name, p.partitionId) ?? this.logDirOfPath((e as NodeJS.ErrnoException).path);
        if (!isIoError(e) || dir === undefined) throw e;
        this.failLogDir(dir, `creating ${topic.name}-${p.partitionId}: ${(e as Error).message}`);
        continue;
      }
      const dir = this.deps.logs.logDirOf(topic.name, p.partitionId);
      if (dir !== undefined && this.offlineDirs.has(dir)) partition.markOffline();
      hosted[p.partitionId] = partition;
    }
    this.byTopic.set(topic.name, hosted);
  }

  private dropTopic(topic: TopicImage): void {
    this.dropHosted(topic.name);
  }

  private dropHosted(name: string): void {
    const hosted = this.byTopic.get(name);
    if (hosted === undefined) return;
    this.byTopic.delete(name);
    this.traffic.forget(name);
    for (const p of hosted) {
      if (p === undefined) continue;
      for (const w of [...this.ackWaiters.get(p) ?? []]) w.done(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      this.deps.logs.deletePartition(name, p.index);
    }
  }

  /**
   * Expires idle producer ids and checkpoints each partition's producer state
   * (on a timer, and at a clean stop) so a restart replays only what came after.
   */
  checkpointProducerState(nowMs: number, expirationMs: number): void {
    for (const p of this.all()) {
      if (p.offline) continue;
      p.producers.expire(nowMs, expirationMs);
      try {
        p.producers.takeSnapshot(p.log);
      } catch (e) {
        this.handleStorageFailure(p, e as Error);
      }
    }
  }

  private refreshConfig(image: MetadataImage, topic: string): void {
    const hosted = this.byTopic.get(topic);
    if (hosted === undefined) return;
    const config = this.deps.topicConfig(image, topic);
    for (const p of hosted) {
      if (p === undefined) continue;
      p.updateConfig(config);
      p.log.updateConfig(logConfigOf(config));
    }
  }
}


/** The broker's partitions keep producer state in `.snapshot` files beside their segments. */
function loadProducerState(log: ReplicaLog): ProducerStateManager {
  return ProducerStateManager.load(log as PartitionLog);
}

function splitConfigKey(key: string): [number, string] {
  const at = key.indexOf(':');
  return [Number(key.slice(0, at)), key.slice(at + 1)];
}
