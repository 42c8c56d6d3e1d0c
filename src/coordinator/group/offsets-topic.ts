/**
 * The coordinator's view of `__consumer_offsets`: create it when first
 * needed, say which partitions this node leads, append a batch of
 * coordinator records, and read a partition back from its start. The
 * coordinator talks to the `OffsetsLog` interface only, so tests can give it
 * an in-memory log.
 */
import type { ControllerApi, ReplicaManager } from '../../broker/index.ts';
import type { BrokerConfig, MetadataImage } from '../../metadata/index.ts';
import { ErrorCode } from '../../protocol/index.ts';
import { buildRecordBatch, readBatchRecords, scanBatches } from '../../records/index.ts';
import type { EncodedRecord } from './records.ts';

export const OFFSETS_TOPIC = '__consumer_offsets';
/** One read while replaying a partition; whole batches, at least one. */
const REPLAY_READ_BYTES_MAX = 1 << 20;

export interface OffsetsLog {
  /** Partitions of `__consumer_offsets`, or null while the topic does not exist. */
  partitionCount(): number | null;
  /** Creates the topic when it does not exist yet. */
  ensureTopic(): { errorCode: number; errorMessage: string | null } | Promise<{ errorCode: number; errorMessage: string | null }>;
  /** The partitions this node leads, whose groups it coordinates. */
  ledPartitions(): number[];
  /**
   * Appends the records as one batch. Returns NONE once they are written,
   * NOT_COORDINATOR when this node does not lead the partition (or could not
   * write it), RECORD_LIST_TOO_LARGE when the batch exceeds the topic's limit.
   */
  append(partition: number, records: readonly EncodedRecord[], nowMs: number): number;
  /** Every record of a partition up to its high watermark, oldest first. */
  replay(partition: number, visit: (key: Buffer | null, value: Buffer | null) => void): void;
}

export interface OffsetsTopicDeps {
  nodeId: number;
  config: BrokerConfig;
  image(): MetadataImage;
  replicas: ReplicaManager;
  controller: ControllerApi;
  log(line: string): void;
}

export class OffsetsTopic implements OffsetsLog {
  private readonly deps: OffsetsTopicDeps;

  constructor(deps: OffsetsTopicDeps) {
    this.deps = deps;
  }

  partitionCount(): number | null {
    return this.deps.image().topicsByName.get(OFFSETS_TOPIC)?.partitions.length ?? null;
  }

  /** Kafka's auto-creation of the internal topic: replication factor capped by the live brokers, compacted. */
  async ensureTopic(): Promise<{ errorCode: number; errorMessage: string | null }> {
    const { config, controller, image } = this.deps;
    if (image().topicsByName.has(OFFSETS_TOPIC)) return { errorCode: ErrorCode.NONE, errorMessage: null };
    const live = [...image().brokers.values()].filter((b) => !b.fenced).length;
    if (live === 0) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, errorMessage: 'No live broker to host the offsets topic.' };
    const [result] = await controller.createTopics([{
      name: OFFSETS_TOPIC,
      numPartitions: config.offsetsTopicNumPartitions,
      replicationFactor: Math.min(config.offsetsTopicReplicationFactor, live),
      assignments: [],
      configs: [
        { name: 'cleanup.policy', value: 'compact' },
        { name: 'compression.type', value: 'producer' },
        { name: 'segment.bytes', value: String(config.offsetsTopicSegmentBytes) },
      ],
    }], false);
    if (result === undefined || (result.errorCode !== ErrorCode.NONE && result.errorCode !== ErrorCode.TOPIC_ALREADY_EXISTS)) {
      const message = `Could not create ${OFFSETS_TOPIC}: ${result?.errorMessage ?? 'no answer'}`;
      this.deps.log(message);
      return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, errorMessage: message };
    }
    this.deps.log(`created ${OFFSETS_TOPIC} with ${result.numPartitions} partitions`);
    return { errorCode: ErrorCode.NONE, errorMessage: null };
  }

  ledPartitions(): number[] {
    const topic = this.deps.image().topicsByName.get(OFFSETS_TOPIC);
    if (topic === undefined) return [];
    const led: number[] = [];
    for (const p of topic.partitions) {
      if (p !== undefined && p.leader === this.deps.nodeId && this.deps.replicas.get(OFFSETS_TOPIC, p.partitionId) !== undefined) {
        led.push(p.partitionId);
      }
    }
    return led;
  }

  append(partition: number, records: readonly EncodedRecord[], nowMs: number): number {
    const p = this.deps.replicas.get(OFFSETS_TOPIC, partition);
    if (p === undefined || p.leaderId !== this.deps.nodeId) return ErrorCode.NOT_COORDINATOR;
    if (records.length === 0) return ErrorCode.NONE;
    const timestamp = BigInt(nowMs);
    const batch = buildRecordBatch(records.map((r) => ({ key: r.key, value: r.value, timestamp })), { partitionLeaderEpoch: p.leaderEpoch });
    if (batch.length > p.config.maxMessageBytes) return ErrorCode.RECORD_LIST_TOO_LARGE;
    try {
      p.log.append(batch, 1);
    } catch (e) {
      this.deps.log(`append to ${OFFSETS_TOPIC}-${partition} failed: ${(e as Error).message}`);
      return ErrorCode.NOT_COORDINATOR;
    }
    // Followers long-poll this partition too: wake them even when the high watermark waits for them.
    if (p.advanceHighWatermark() || p.isr.length > 1) this.deps.replicas.notifyAppend(p);
    return ErrorCode.NONE;
  }

  replay(partition: number, visit: (key: Buffer | null, value: Buffer | null) => void): void {
    const p = this.deps.replicas.get(OFFSETS_TOPIC, partition);
    if (p === undefined) return;
    const end = p.highWatermark;
    let offset = p.logStartOffset;
    // Each pass moves `offset` past at least one batch, so this runs at most (end - start) times.
    while (offset < end) {
      const { records } = p.log.read(offset, REPLAY_READ_BYTES_MAX, end, true);
      if (records === null || records.length === 0) return;
      const before = offset;
      for (const batch of scanBatches(records).batches) {
        const next = Number(batch.lastOffset) + 1;
        if (next <= offset) continue;
        if (!batch.isControl) {
          for (const r of readBatchRecords(batch)) if (Number(r.offset) >= offset) visit(r.key, r.value);
        }
        offset = next;
      }
      if (offset === before) throw new Error(`replay of ${OFFSETS_TOPIC}-${partition} made no progress at offset ${offset}`);
    }
  }
}
