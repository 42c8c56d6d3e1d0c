/**
 * The coordinator's view of `__consumer_offsets`: create it when first
 * needed, say which partitions this node leads, append a batch of
 * coordinator records, and read a partition back from its start. The
 * coordinator talks to the `OffsetsLog` interface only, so tests can give it
 * an in-memory log.
 */
import { coordinatorAcks, type AppendResult, type ControllerApi, type ReplicaManager } from '../../broker/index.ts';
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
  /**
   * Appends offset commits as one batch with acks=all: NONE once every
   * in-sync replica has them, else the error a committer should see
   * (COORDINATOR_NOT_AVAILABLE when replication timed out or the ISR is too
   * small, NOT_COORDINATOR when leadership moved). A number means it is
   * already decided.
   */
  commit(partition: number, records: readonly EncodedRecord[], nowMs: number): number | Promise<number>;
  /** Every record of a partition up to its log end, oldest first. */
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
    const written = this.write(partition, records, nowMs, 1);
    // acks=1 is decided once the local append is: no promise comes back.
    return typeof written === 'number' ? written : ErrorCode.UNKNOWN_SERVER_ERROR;
  }

  commit(partition: number, records: readonly EncodedRecord[], nowMs: number): number | Promise<number> {
    return this.write(partition, records, nowMs, coordinatorAcks());
  }

  /** Writes through the replica manager like every other writer, so acks=all waits in its one place. */
  private write(partition: number, records: readonly EncodedRecord[], nowMs: number, acks: number): number | Promise<number> {
    const p = this.deps.replicas.get(OFFSETS_TOPIC, partition);
    if (p === undefined || !p.isLeader) return ErrorCode.NOT_COORDINATOR;
    if (records.length === 0) return ErrorCode.NONE;
    const timestamp = BigInt(nowMs);
    const batch = buildRecordBatch(records.map((r) => ({ key: r.key, value: r.value, timestamp })), { partitionLeaderEpoch: p.leaderEpoch });
    if (batch.length > p.config.maxMessageBytes) return ErrorCode.RECORD_LIST_TOO_LARGE;
    const written = this.deps.replicas.appendRecords([{ partition: p, records: batch }], {
      acks, timeoutMs: this.deps.config.offsetsCommitTimeoutMs, origin: 'coordinator',
    });
    const outcome = (results: AppendResult[]): number => {
      const code = results[0]!.errorCode;
      if (code !== ErrorCode.NONE) this.deps.log(`append to ${OFFSETS_TOPIC}-${partition} failed with error ${code}`);
      return coordinatorErrorOf(code);
    };
    return Array.isArray(written) ? outcome(written) : written.then(outcome);
  }

  replay(partition: number, visit: (key: Buffer | null, value: Buffer | null) => void): void {
    const p = this.deps.replicas.get(OFFSETS_TOPIC, partition);
    if (p === undefined) return;
    // Kafka loads a coordinator partition to its log end: as leader, this log is the one that survives.
    const end = p.logEndOffset;
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

/** Kafka's mapping of a failed coordinator write to what a group member is told. */
function coordinatorErrorOf(code: number): number {
  switch (code) {
    case ErrorCode.NONE: case ErrorCode.RECORD_LIST_TOO_LARGE: return code;
    case ErrorCode.NOT_ENOUGH_REPLICAS: case ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND: case ErrorCode.REQUEST_TIMED_OUT:
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    case ErrorCode.NOT_LEADER_OR_FOLLOWER: case ErrorCode.KAFKA_STORAGE_ERROR: return ErrorCode.NOT_COORDINATOR;
    case ErrorCode.MESSAGE_TOO_LARGE: return ErrorCode.RECORD_LIST_TOO_LARGE;
    default: return ErrorCode.UNKNOWN_SERVER_ERROR;
  }
}
