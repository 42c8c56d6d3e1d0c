/**
 * A coordinator's internal compacted topic (`__consumer_offsets`,
 * `__transaction_state`) as its coordinator sees it: create it on first
 * use, say which partitions this node leads, append coordinator records
 * through the replica manager, and read a partition back from its start.
 * Coordinators talk to interfaces over this class, so tests can give them
 * an in-memory log.
 */
import { coordinatorAcks, type AppendResult, type ControllerApi, type ReplicaManager } from '../broker/index.ts';
import type { MetadataImage } from '../metadata/index.ts';
import { ErrorCode } from '../protocol/index.ts';
import { buildRecordBatch, readBatchRecords, readEndTxnMarker, scanBatches, ControlRecordType } from '../records/index.ts';

/** One read while replaying a partition; whole batches, at least one. */
const REPLAY_READ_BYTES_MAX = 1 << 20;
/** Transactional offset commits carry no sequence: the coordinator, not a client, writes them (Kafka's NO_SEQUENCE). */
const NO_SEQUENCE = -1;

export interface EncodedRecord {
  readonly key: Buffer;
  readonly value: Buffer | null;
}

/** What a replay hands its visitor: a record (with its producer when written in a transaction), or a transaction marker. */
export interface ReplayVisitor {
  record(key: Buffer | null, value: Buffer | null, transactionalProducerId: bigint | null): void;
  marker?(producerId: bigint, committed: boolean): void;
}

/** The producer a transactional coordinator write belongs to (TxnOffsetCommit). */
export interface TransactionalWriter {
  producerId: bigint;
  producerEpoch: number;
}

export interface InternalTopicSpec {
  name: string;
  numPartitions: number;
  replicationFactor: number;
  segmentBytes: number;
  /** min.insync.replicas of the topic, capped by the replication factor it gets; null for the broker default. */
  minInsyncReplicas: number | null;
  /** How long an acks=all write waits for the in-sync replicas. */
  writeTimeoutMs: number;
}

export interface InternalTopicDeps {
  nodeId: number;
  image(): MetadataImage;
  replicas: ReplicaManager;
  controller: ControllerApi;
  log(line: string, level?: 'warn' | 'error'): void;
}

export class InternalTopic {
  private readonly deps: InternalTopicDeps;
  readonly spec: InternalTopicSpec;

  constructor(deps: InternalTopicDeps, spec: InternalTopicSpec) {
    this.deps = deps;
    this.spec = spec;
  }

  get name(): string {
    return this.spec.name;
  }

  partitionCount(): number | null {
    return this.deps.image().topicsByName.get(this.spec.name)?.partitions.length ?? null;
  }

  /**
   * Kafka's auto-creation of an internal topic: compacted, replication
   * factor capped by the live brokers. min.insync.replicas is capped by
   * that factor too, so a single node can use transactions with the
   * defaults (Kafka would refuse every transactional write there).
   */
  async ensureTopic(): Promise<{ errorCode: number; errorMessage: string | null }> {
    const { controller, image } = this.deps;
    const { name } = this.spec;
    if (image().topicsByName.has(name)) return { errorCode: ErrorCode.NONE, errorMessage: null };
    const live = [...image().brokers.values()].filter((b) => !b.fenced).length;
    if (live === 0) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, errorMessage: `No live broker to host ${name}.` };
    const replicationFactor = Math.min(this.spec.replicationFactor, live);
    const configs = [
      { name: 'cleanup.policy', value: 'compact' },
      { name: 'compression.type', value: 'producer' },
      { name: 'segment.bytes', value: String(this.spec.segmentBytes) },
    ];
    if (this.spec.minInsyncReplicas !== null) {
      configs.push({ name: 'min.insync.replicas', value: String(Math.min(this.spec.minInsyncReplicas, replicationFactor)) });
    }
    const [result] = await controller.createTopics([{
      name, numPartitions: this.spec.numPartitions, replicationFactor, assignments: [], configs,
    }], false);
    if (result === undefined || (result.errorCode !== ErrorCode.NONE && result.errorCode !== ErrorCode.TOPIC_ALREADY_EXISTS)) {
      const message = `Could not create ${name}: ${result?.errorMessage ?? 'no answer'}`;
      this.deps.log(message);
      return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, errorMessage: message };
    }
    if (result.errorCode === ErrorCode.NONE) this.deps.log(`created ${name} with ${result.numPartitions} partitions`);
    return { errorCode: ErrorCode.NONE, errorMessage: null };
  }

  /** The partitions this node leads and hosts, with their leader epochs (a transaction coordinator's epoch). */
  ledPartitions(): { partition: number; leaderEpoch: number }[] {
    const topic = this.deps.image().topicsByName.get(this.spec.name);
    if (topic === undefined) return [];
    const led: { partition: number; leaderEpoch: number }[] = [];
    for (const p of topic.partitions) {
      if (p === undefined || p.leader !== this.deps.nodeId) continue;
      const replica = this.deps.replicas.get(this.spec.name, p.partitionId);
      if (replica !== undefined && replica.isLeader) led.push({ partition: p.partitionId, leaderEpoch: replica.leaderEpoch });
    }
    return led;
  }

  /** Appends with acks=1: decided once the local append is. */
  append(partition: number, records: readonly EncodedRecord[], nowMs: number): number {
    const written = this.write(partition, records, nowMs, 1, null);
    return typeof written === 'number' ? written : ErrorCode.UNKNOWN_SERVER_ERROR;
  }

  /** Appends with acks=all: NONE once every in-sync replica has the records, else the error a coordinator's client should see. */
  commit(partition: number, records: readonly EncodedRecord[], nowMs: number, txn: TransactionalWriter | null = null): number | Promise<number> {
    return this.write(partition, records, nowMs, coordinatorAcks(), txn);
  }

  /** Writes through the replica manager like every other writer, so acks=all waits in its one place. */
  private write(
    partition: number, records: readonly EncodedRecord[], nowMs: number, acks: number, txn: TransactionalWriter | null,
  ): number | Promise<number> {
    const { name } = this.spec;
    const p = this.deps.replicas.get(name, partition);
    if (p === undefined || !p.isLeader) return ErrorCode.NOT_COORDINATOR;
    if (records.length === 0) return ErrorCode.NONE;
    const timestamp = BigInt(nowMs);
    const batch = buildRecordBatch(records.map((r) => ({ key: r.key, value: r.value, timestamp })), {
      partitionLeaderEpoch: p.leaderEpoch,
      ...(txn === null ? {} : { producerId: txn.producerId, producerEpoch: txn.producerEpoch, baseSequence: NO_SEQUENCE, isTransactional: true }),
    });
    if (batch.length > p.config.maxMessageBytes) return ErrorCode.RECORD_LIST_TOO_LARGE;
    const written = this.deps.replicas.appendRecords([{ partition: p, records: batch }], {
      acks, timeoutMs: this.spec.writeTimeoutMs, origin: 'coordinator',
    });
    const outcome = (results: AppendResult[]): number => {
      const code = results[0]!.errorCode;
      if (code !== ErrorCode.NONE) this.deps.log(`append to ${name}-${partition} failed with error ${code}`, 'warn');
      return coordinatorErrorOf(code);
    };
    return Array.isArray(written) ? outcome(written) : written.then(outcome);
  }

  /** Every record of a partition up to its log end, oldest first; transactional records name their producer, markers are reported. */
  replay(partition: number, visitor: ReplayVisitor): void {
    const { name } = this.spec;
    const p = this.deps.replicas.get(name, partition);
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
        if (batch.isControl) {
          // A marker compaction emptied (its producer's last batch, kept for its header) ends nothing: skipped, as Kafka's loader does.
          if (batch.isTransactional && visitor.marker !== undefined && batch.recordCount > 0) {
            const marker = readEndTxnMarker(batch);
            visitor.marker(batch.producerId, marker.type === ControlRecordType.COMMIT);
          }
        } else {
          const producerId = batch.isTransactional ? batch.producerId : null;
          for (const r of readBatchRecords(batch)) if (Number(r.offset) >= offset) visitor.record(r.key, r.value, producerId);
        }
        offset = next;
      }
      if (offset === before) throw new Error(`replay of ${name}-${partition} made no progress at offset ${offset}`);
    }
  }
}

/** Kafka's mapping of a failed coordinator write to what the coordinator's client is told. */
export function coordinatorErrorOf(code: number): number {
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
