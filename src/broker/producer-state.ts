/**
 * Idempotent producers on one partition (Kafka's ProducerStateManager): the
 * epoch and the last few batches of every producer id, so that a retried
 * batch is recognised and answered with the offset it already has, a batch
 * out of sequence is refused, and a fenced (older) epoch is refused. The state
 * is rebuilt from batch headers of the log (never from record contents) and
 * checkpointed in Kafka's `<offset>.snapshot` files so that a restart reads
 * only the tail after the newest snapshot.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode } from '../protocol/index.ts';
import { RecordBatch, crc32c, scanBatches } from '../records/index.ts';
import { readFileIfExists, unlinkIfExists, writeFileDurably, type PartitionLog } from '../storage/index.ts';

/** Batches remembered per producer: Kafka keeps five, matching max.in.flight.requests.per.connection. */
const BATCHES_KEPT = 5;
const INT32_MAX = 0x7fffffff;
const NO_PRODUCER_ID = -1n;
const SNAPSHOT_SUFFIX = '.snapshot';
const SNAPSHOT_NAME = /^(\d{20})\.snapshot$/;
const SNAPSHOT_VERSION = 1;
/** version int16, crc uint32, count int32; then per producer the fields below. */
const SNAPSHOT_HEADER_BYTES = 10;
const SNAPSHOT_ENTRY_BYTES = 8 + 2 + 4 + 8 + 4 + 8 + 4 + 8;
/** Snapshots kept per partition; older ones only cost replay that a newer one saves. */
const SNAPSHOTS_KEPT = 2;
const REPLAY_READ_BYTES = 1 << 20;
const REPLAY_READS_MAX = 10_000_000;
const NO_COORDINATOR_EPOCH = -1;
const NO_TXN_OFFSET = -1;

interface BatchMeta {
  firstSeq: number;
  lastSeq: number;
  lastOffset: number;
  offsetDelta: number;
  timestamp: number;
}

interface ProducerEntry {
  epoch: number;
  /** Oldest first, at most BATCHES_KEPT. */
  batches: BatchMeta[];
  lastTimestamp: number;
}

export type SequenceCheck =
  | { readonly kind: 'append' }
  | { readonly kind: 'duplicate'; readonly firstOffset: number }
  | { readonly kind: 'error'; readonly errorCode: number; readonly errorMessage: string };

/** What rebuilding producer state reads of a log. */
type ReplayableLog = Pick<PartitionLog, 'logStartOffset' | 'logEndOffset'> & {
  read(fetchOffset: number, maxBytes: number, maxOffset: number, minOneMessage: boolean): { records: Buffer | null };
};

const APPEND: SequenceCheck = Object.freeze({ kind: 'append' });

/** Kafka's DefaultRecordBatch.incrementSequence: sequences wrap from Integer.MAX_VALUE to 0. */
function incrementSequence(sequence: number, increment: number): number {
  return sequence > INT32_MAX - increment ? increment - (INT32_MAX - sequence) - 1 : sequence + increment;
}

/** The first sequence of a batch from its last one, across the wrap. */
function firstSequenceOf(lastSeq: number, offsetDelta: number): number {
  const first = lastSeq - offsetDelta;
  return first >= 0 ? first : INT32_MAX + 1 + first;
}

function inSequence(lastSeq: number, nextSeq: number): boolean {
  return nextSeq === lastSeq + 1 || (nextSeq === 0 && lastSeq === INT32_MAX);
}

export class ProducerStateManager {
  private readonly producers = new Map<bigint, ProducerEntry>();
  /** Log end offset the state reflects; a snapshot is due when it moved since the last one. */
  private appliedEnd = 0;
  private snapshotEnd = -1;

  get producerCount(): number {
    return this.producers.size;
  }

  /** Whether a batch of this producer may be appended, is a retry of one already written, or must be refused. */
  check(batch: RecordBatch): SequenceCheck {
    const producerId = batch.producerId;
    if (producerId === NO_PRODUCER_ID || batch.isControl) return APPEND;
    const entry = this.producers.get(producerId);
    const epoch = batch.producerEpoch;
    const firstSeq = batch.baseSequence;
    if (entry === undefined) return APPEND; // unknown (new, or its records are gone): any sequence starts it
    if (epoch < entry.epoch) {
      return error(ErrorCode.INVALID_PRODUCER_EPOCH, `Producer ${producerId}'s epoch ${epoch} is older than the current ${entry.epoch}.`);
    }
    if (epoch > entry.epoch) {
      if (firstSeq !== 0) {
        return error(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
          `Producer ${producerId} starts epoch ${epoch} at sequence ${firstSeq}; a new epoch starts at 0.`);
      }
      return APPEND;
    }
    const lastSeq = incrementSequence(firstSeq, batch.lastOffsetDelta);
    const duplicate = entry.batches.find((b) => b.firstSeq === firstSeq && b.lastSeq === lastSeq);
    if (duplicate !== undefined) return { kind: 'duplicate', firstOffset: duplicate.lastOffset - duplicate.offsetDelta };
    const last = entry.batches[entry.batches.length - 1];
    if (last !== undefined && !inSequence(last.lastSeq, firstSeq)) {
      return error(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
        `Producer ${producerId} sent sequence ${firstSeq} after ${last.lastSeq} in epoch ${epoch}.`);
    }
    return APPEND;
  }

  /** Records a batch written at [firstOffset, lastOffset]. */
  update(batch: RecordBatch, lastOffset: number, timestampMs: number): void {
    const producerId = batch.producerId;
    if (producerId !== NO_PRODUCER_ID && !batch.isControl && batch.baseSequence >= 0) {
      let entry = this.producers.get(producerId);
      if (entry === undefined || batch.producerEpoch !== entry.epoch) {
        entry = { epoch: batch.producerEpoch, batches: [], lastTimestamp: timestampMs };
        this.producers.set(producerId, entry);
      }
      entry.batches.push({
        firstSeq: batch.baseSequence,
        lastSeq: incrementSequence(batch.baseSequence, batch.lastOffsetDelta),
        lastOffset,
        offsetDelta: batch.lastOffsetDelta,
        timestamp: timestampMs,
      });
      if (entry.batches.length > BATCHES_KEPT) entry.batches.shift();
      entry.lastTimestamp = timestampMs;
    }
    if (lastOffset + 1 > this.appliedEnd) this.appliedEnd = lastOffset + 1;
  }

  /** Records the batches a follower copied from its leader. */
  observe(records: Buffer): void {
    for (const batch of scanBatches(records).batches) this.update(batch, Number(batch.lastOffset), Number(batch.maxTimestamp));
  }

  /** Forgets producers silent for longer than producer.id.expiration.ms (Kafka's producer id expiry). */
  expire(nowMs: number, expirationMs: number): void {
    for (const [id, entry] of this.producers) if (nowMs - entry.lastTimestamp > expirationMs) this.producers.delete(id);
  }

  /** Rebuilds the state of a log: the newest usable snapshot, then the batch headers after it. */
  static load(log: PartitionLog, onSkip?: (message: string) => void): ProducerStateManager {
    const state = new ProducerStateManager();
    const end = log.logEndOffset;
    let from = log.logStartOffset;
    for (const snapshot of snapshotFiles(log.dir).reverse()) {
      if (snapshot.offset > end || snapshot.offset < log.logStartOffset) continue;
      const bytes = readFileIfExists(join(log.dir, snapshot.name));
      if (bytes === null || !state.readSnapshot(bytes)) {
        onSkip?.(`ignoring unreadable producer snapshot ${join(log.dir, snapshot.name)}`);
        state.producers.clear();
        continue;
      }
      from = snapshot.offset;
      state.snapshotEnd = snapshot.offset;
      break;
    }
    state.appliedEnd = from;
    state.replay(log, from, end);
    return state;
  }

  /** Rebuilds the state from the batch headers of a whole log, without snapshots (a log kept in memory). */
  static fromLog(log: ReplayableLog): ProducerStateManager {
    const state = new ProducerStateManager();
    state.appliedEnd = log.logStartOffset;
    state.replay(log, log.logStartOffset, log.logEndOffset);
    return state;
  }

  private replay(log: ReplayableLog, from: number, end: number): void {
    let offset = from;
    for (let reads = 0; offset < end && reads < REPLAY_READS_MAX; reads++) {
      const { records } = log.read(offset, REPLAY_READ_BYTES, end, true);
      if (records === null) break;
      const scan = scanBatches(records);
      if (scan.batches.length === 0) break;
      for (const batch of scan.batches) {
        const lastOffset = Number(batch.lastOffset);
        if (lastOffset >= offset) this.update(batch, lastOffset, Number(batch.maxTimestamp));
        offset = lastOffset + 1;
      }
    }
    this.appliedEnd = Math.max(this.appliedEnd, end);
  }

  /** Writes `<log end>.snapshot` when the state moved since the last one, and prunes old snapshots. */
  takeSnapshot(log: PartitionLog): boolean {
    const end = log.logEndOffset;
    if (end === this.snapshotEnd) return false;
    writeFileDurably(join(log.dir, snapshotFileName(end)), this.encodeSnapshot());
    this.snapshotEnd = end;
    const files = snapshotFiles(log.dir);
    for (const stale of files.filter((f) => f.offset > end)) unlinkIfExists(join(log.dir, stale.name));
    const kept = files.filter((f) => f.offset <= end);
    for (const old of kept.slice(0, Math.max(0, kept.length - SNAPSHOTS_KEPT))) unlinkIfExists(join(log.dir, old.name));
    return true;
  }

  /** Kafka's producer snapshot v1: only each producer's last batch is kept. */
  private encodeSnapshot(): Buffer {
    const entries = [...this.producers].filter(([, e]) => e.batches.length > 0);
    const buf = Buffer.alloc(SNAPSHOT_HEADER_BYTES + entries.length * SNAPSHOT_ENTRY_BYTES);
    buf.writeInt16BE(SNAPSHOT_VERSION, 0);
    buf.writeInt32BE(entries.length, 6);
    let at = SNAPSHOT_HEADER_BYTES;
    for (const [producerId, entry] of entries) {
      const last = entry.batches[entry.batches.length - 1]!;
      buf.writeBigInt64BE(producerId, at);
      buf.writeInt16BE(entry.epoch, at + 8);
      buf.writeInt32BE(last.lastSeq, at + 10);
      buf.writeBigInt64BE(BigInt(last.lastOffset), at + 14);
      buf.writeInt32BE(last.offsetDelta, at + 22);
      buf.writeBigInt64BE(BigInt(entry.lastTimestamp), at + 26);
      buf.writeInt32BE(NO_COORDINATOR_EPOCH, at + 34);
      buf.writeBigInt64BE(BigInt(NO_TXN_OFFSET), at + 38);
      at += SNAPSHOT_ENTRY_BYTES;
    }
    buf.writeUInt32BE(crc32c(buf.subarray(SNAPSHOT_HEADER_BYTES - 4)), 2);
    return buf;
  }

  private readSnapshot(buf: Buffer): boolean {
    const entries = decodeProducerSnapshot(buf);
    if (entries === null) return false;
    for (const e of entries) {
      this.producers.set(e.producerId, {
        epoch: e.epoch,
        batches: [{ firstSeq: e.firstSeq, lastSeq: e.lastSeq, lastOffset: e.lastOffset, offsetDelta: e.offsetDelta, timestamp: e.timestamp }],
        lastTimestamp: e.timestamp,
      });
    }
    return true;
  }
}

/** One producer's entry of a snapshot file: its epoch and last batch. */
export interface ProducerSnapshotEntry {
  producerId: bigint;
  epoch: number;
  firstSeq: number;
  lastSeq: number;
  lastOffset: number;
  offsetDelta: number;
  timestamp: number;
}

/** Kafka's producer snapshot v1 (`<offset>.snapshot`), checked by its CRC; null when it is not one. */
export function decodeProducerSnapshot(buf: Buffer): ProducerSnapshotEntry[] | null {
  if (buf.length < SNAPSHOT_HEADER_BYTES || buf.readInt16BE(0) !== SNAPSHOT_VERSION) return null;
  if (buf.readUInt32BE(2) !== crc32c(buf.subarray(SNAPSHOT_HEADER_BYTES - 4))) return null;
  const count = buf.readInt32BE(6);
  if (count < 0 || buf.length !== SNAPSHOT_HEADER_BYTES + count * SNAPSHOT_ENTRY_BYTES) return null;
  const entries: ProducerSnapshotEntry[] = [];
  for (let i = 0, at = SNAPSHOT_HEADER_BYTES; i < count; i++, at += SNAPSHOT_ENTRY_BYTES) {
    const lastSeq = buf.readInt32BE(at + 10);
    const offsetDelta = buf.readInt32BE(at + 22);
    entries.push({
      producerId: buf.readBigInt64BE(at), epoch: buf.readInt16BE(at + 8), firstSeq: firstSequenceOf(lastSeq, offsetDelta), lastSeq,
      lastOffset: Number(buf.readBigInt64BE(at + 14)), offsetDelta, timestamp: Number(buf.readBigInt64BE(at + 26)),
    });
  }
  return entries;
}

function error(errorCode: number, errorMessage: string): SequenceCheck {
  return { kind: 'error', errorCode, errorMessage };
}

function snapshotFileName(offset: number): string {
  return `${String(offset).padStart(20, '0')}${SNAPSHOT_SUFFIX}`;
}

/** The partition's producer snapshots, oldest first. */
function snapshotFiles(dir: string): { offset: number; name: string }[] {
  return readdirSync(dir)
    .map((name) => ({ name, m: SNAPSHOT_NAME.exec(name) }))
    .filter((f) => f.m !== null)
    .map((f) => ({ offset: Number(f.m![1]), name: f.name }))
    .sort((a, b) => a.offset - b.offset);
}
