/**
 * The partitions this broker hosts, kept in step with the metadata image:
 * a created topic gets its logs, a deleted one loses them, a config change
 * reaches the logs. Appends and reads go through here so that an append can
 * wake the fetches waiting for it.
 */
import type { LogConfig, LogManager } from '../storage/index.ts';
import type { MetadataChanges, MetadataImage, TopicConfig, TopicImage } from '../metadata/index.ts';
import { Partition } from './partition.ts';

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
  /** Effective config of a topic: broker defaults overlaid with the topic's overrides. */
  topicConfig(image: MetadataImage, topic: string): TopicConfig;
}

export class ReplicaManager {
  private readonly deps: ReplicaManagerDeps;
  private readonly byTopic = new Map<string, Partition[]>();
  private readonly appendListeners = new Set<(p: Partition) => void>();

  constructor(deps: ReplicaManagerDeps) {
    this.deps = deps;
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

  /** Called after every appended batch set, once the high watermark has moved. */
  onAppend(listener: (p: Partition) => void): () => void {
    this.appendListeners.add(listener);
    return () => this.appendListeners.delete(listener);
  }

  notifyAppend(partition: Partition): void {
    for (const l of this.appendListeners) l(partition);
  }

  /** Brings hosted partitions in line with a new image. */
  applyMetadata(image: MetadataImage, changes: MetadataChanges | null): void {
    for (const topic of changes?.deletedTopics ?? []) this.dropTopic(topic);
    // A whole new image (a snapshot from the leader) carries no deletions: drop what it no longer has.
    if (changes === null) {
      for (const [name, hosted] of [...this.byTopic]) {
        const topicId = hosted.find((p) => p !== undefined)?.topicId;
        if (topicId !== undefined && image.topicsById.get(topicId)?.name !== name) this.dropHosted(name);
      }
    }
    const names = changes === null ? [...image.topicsByName.keys()] : changes.changedTopics;
    for (const name of names) {
      const topic = image.topicsByName.get(name);
      if (topic !== undefined) this.syncTopic(image, topic);
    }
    for (const key of changes?.changedConfigs ?? []) {
      const [type, name] = splitConfigKey(key);
      if (type === 2) this.refreshConfig(image, name);
      else if (type === 4) for (const t of this.byTopic.keys()) this.refreshConfig(image, t);
    }
  }

  private syncTopic(image: MetadataImage, topic: TopicImage): void {
    const config = this.deps.topicConfig(image, topic.name);
    const hosted = this.byTopic.get(topic.name) ?? [];
    for (const p of topic.partitions) {
      if (p === undefined || !p.replicas.includes(this.deps.nodeId)) continue;
      const existing = hosted[p.partitionId];
      const state = { leaderId: p.leader, leaderEpoch: p.leaderEpoch, partitionEpoch: p.partitionEpoch, replicas: p.replicas, isr: p.isr };
      if (existing !== undefined) {
        const newLeadership = p.leader === this.deps.nodeId && (existing.leaderId !== p.leader || existing.leaderEpoch !== p.leaderEpoch);
        Object.assign(existing, state);
        if (newLeadership) {
          existing.resetFollowers();
          existing.leaderSinceMs = Date.now();
        }
        continue;
      }
      const log = this.deps.logs.getOrCreate(topic.name, p.partitionId, topic.id, logConfigOf(config));
      hosted[p.partitionId] = new Partition(topic.name, topic.id, p.partitionId, log, config, state);
      hosted[p.partitionId]!.leaderSinceMs = Date.now();
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
    for (const p of hosted) if (p !== undefined) this.deps.logs.deletePartition(name, p.index);
  }

  /**
   * Expires idle producer ids and checkpoints each partition's producer state
   * (on a timer, and at a clean stop) so a restart replays only what came after.
   */
  checkpointProducerState(nowMs: number, expirationMs: number): void {
    for (const p of this.all()) {
      p.producers.expire(nowMs, expirationMs);
      p.producers.takeSnapshot(p.log);
    }
  }

  private refreshConfig(image: MetadataImage, topic: string): void {
    const hosted = this.byTopic.get(topic);
    if (hosted === undefined) return;
    const config = this.deps.topicConfig(image, topic);
    for (const p of hosted) {
      if (p === undefined) continue;
      p.config = config;
      p.log.updateConfig(logConfigOf(config));
    }
  }
}

function splitConfigKey(key: string): [number, string] {
  const at = key.indexOf(':');
  return [Number(key.slice(0, at)), key.slice(at + 1)];
}
