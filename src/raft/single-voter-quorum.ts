/**
 * The metadata log of a one-voter quorum: the node is always the leader, so a
 * proposal is committed once it is durable on the local disk. The log is
 * `__cluster_metadata-0` in the metadata directory, in the same segment format
 * as every partition; each record's value is one opaque metadata record. The
 * Raft issue replaces this with consensus behind the same two calls, append
 * and replay.
 */
import { buildRecordBatch, readBatchRecords, scanBatches } from '../records/index.ts';
import { PartitionLog, type Clock, type LogConfig } from '../storage/index.ts';

export const METADATA_TOPIC = '__cluster_metadata';
const METADATA_PARTITION = 0;
/** Replay reads the log in slices of this size; a larger batch is still read whole. */
const REPLAY_READ_BYTES = 1024 * 1024;
const REPLAY_READS_MAX = 10_000_000;

export interface MetadataLogWriter {
  /** Appends records as one batch, durably; returns the offset of the last one. */
  append(values: Buffer[]): number;
}

export class SingleVoterQuorum implements MetadataLogWriter {
  private readonly log: PartitionLog;
  private readonly clock: Clock;
  private readonly leaderEpoch: number;

  private constructor(log: PartitionLog, clock: Clock, leaderEpoch: number) {
    this.log = log;
    this.clock = clock;
    this.leaderEpoch = leaderEpoch;
  }

  static open(dir: string, config: LogConfig, clock: Clock): SingleVoterQuorum {
    const log = PartitionLog.open(dir, { topic: METADATA_TOPIC, partition: METADATA_PARTITION }, config, clock);
    return new SingleVoterQuorum(log, clock, 1);
  }

  get endOffset(): number {
    return this.log.logEndOffset;
  }

  /** Calls `apply` for every committed batch's record values, in order. */
  replay(apply: (values: Buffer[], lastOffset: number) => void): void {
    let offset = this.log.logStartOffset;
    const end = this.log.logEndOffset;
    for (let reads = 0; offset < end && reads < REPLAY_READS_MAX; reads++) {
      const { records } = this.log.read(offset, REPLAY_READ_BYTES, end, true);
      if (records === null) break;
      const scan = scanBatches(records);
      for (const batch of scan.batches) {
        const values = readBatchRecords(batch).map((r) => r.value).filter((v): v is Buffer => v !== null);
        const lastOffset = Number(batch.lastOffset);
        apply(values, lastOffset);
        offset = lastOffset + 1;
      }
      if (scan.batches.length === 0) break;
    }
  }

  append(values: Buffer[]): number {
    const now = BigInt(this.clock.nowMs());
    const batch = buildRecordBatch(
      values.map((value) => ({ key: null, value, timestamp: now })),
      { partitionLeaderEpoch: this.leaderEpoch },
    );
    const { lastOffset } = this.log.append(batch, 1);
    this.log.flush();
    return lastOffset;
  }

  close(): void {
    this.log.close();
  }
}
