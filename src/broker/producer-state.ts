/**
 * Idempotent and transactional producers on one partition (Kafka's
 * ProducerStateManager and ProducerAppendInfo): the epoch and the last few
 * batches of every producer id, so that a retried batch is recognised and
 * answered with the offset it already has, a batch out of sequence is
 * refused, and a fenced (older) epoch is refused; and per producer its open
 * transaction and the coordinator epoch of its last marker, so that the
 * partition knows its first unstable offset (txn-tracker.ts) and records
 * aborted transactions in the log's transaction index. The state is rebuilt
 * from batch headers of the log (never from record contents, except the one
 * record of a transaction marker) and checkpointed in Kafka's
 * `<offset>.snapshot` files (producer-snapshot.ts) so that a restart reads
 * only the tail after the newest snapshot.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode } from '../protocol/index.ts';
import { ControlRecordType, RecordBatch, RecordsError, readEndTxnMarker, scanBatches, type EndTxnMarker } from '../records/index.ts';
import { readFileIfExists, unlinkIfExists, writeFileDurably, type AbortedTxn, type PartitionLog } from '../storage/index.ts';
import { decodeProducerSnapshot, encodeProducerSnapshot, type ProducerSnapshotEntry } from './producer-snapshot.ts';
import { TxnTracker, type CompletedTxn } from './txn-tracker.ts';

/** Batches remembered per producer: Kafka keeps five, matching max.in.flight.requests.per.connection. */
const BATCHES_KEPT = 5;
const INT32_MAX = 0x7fffffff;
const NO_PRODUCER_ID = -1n;
const SNAPSHOT_SUFFIX = '.snapshot';
const SNAPSHOT_NAME = /^(\d{20})\.snapshot$/;
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

/** What a verified transactional write carries to its append: only the very object the partition handed out passes. */
export interface VerificationGuard {
  readonly producerId: bigint;
}

interface ProducerEntry {
  epoch: number;
  /** Oldest first, at most BATCHES_KEPT. */
  batches: BatchMeta[];
  lastTimestamp: number;
  /** Of the last marker written for the producer; NO_COORDINATOR_EPOCH before any. */
  coordinatorEpoch: number;
  /** First offset of the open transaction, NO_TXN_OFFSET when none. */
  currentTxnFirstOffset: number;
}

/**
 * Who writes a batch (Kafka's AppendOrigin): a client's produce, checked in
 * full, or a coordinator (transaction markers, the group coordinator's
 * transactional offset commits), whose batches carry no sequence numbers
 * and are checked for epochs only.
 */
export type AppendOrigin = 'client' | 'coordinator';

/** Where aborted transactions are recorded: the log's transaction index. */
export interface AbortedTxnSink {
  appendAbortedTxn(entry: AbortedTxn): void;
}

export type SequenceCheck =
  | { readonly kind: 'append' }
  | { readonly kind: 'duplicate'; readonly firstOffset: number }
  | { readonly kind: 'error'; readonly errorCode: number; readonly errorMessage: string };

/** What rebuilding producer state reads of a log (and writes: aborted transactions the index lacks). */
type ReplayableLog = Pick<PartitionLog, 'logStartOffset' | 'logEndOffset'> & AbortedTxnSink & {
  read(fetchOffset: number, maxBytes: number, maxOffset: number, minOneMessage: boolean): { records: Buffer | null };
};

const APPEND: SequenceCheck = Object.freeze({ kind: 'append' });

/** Kafka's DefaultRecordBatch.incrementSequence: sequences wrap from Integer.MAX_VALUE to 0. */
function incrementSequence(sequence: number, increment: number): number {
  return sequence > INT32_MAX - increment ? increment - (INT32_MAX - sequence) - 1 : sequence + increment;
}

function inSequence(lastSeq: number, nextSeq: number): boolean {
  return nextSeq === lastSeq + 1 || (nextSeq === 0 && lastSeq === INT32_MAX);
}

export class ProducerStateManager {
  private readonly producers = new Map<bigint, ProducerEntry>();
  /** KIP-890: producers whose first transactional write here is being verified with their coordinator. */
  private readonly verificationGuards = new Map<bigint, VerificationGuard>();
  private readonly txns = new TxnTracker();
  /** Log end offset the state reflects; a snapshot is due when it moved since the last one. */
  private appliedEnd = 0;
  private snapshotEnd = -1;

  get producerCount(): number {
    return this.producers.size;
  }

  /** Transactions open on the partition. */
  get ongoingTxnCount(): number {
    return this.txns.ongoingCount;
  }

  /** The first offset of a transaction still open or whose marker is not yet replicated; null when none. */
  firstUnstableOffset(): number | null {
    return this.txns.firstUnstableOffset();
  }

  /** The high watermark moved (or was set after a reload): completed transactions below it become stable. */
  onHighWatermarkUpdated(highWatermark: number): void {
    this.txns.onHighWatermarkUpdated(highWatermark);
  }

  /** The producer's epoch, coordinator epoch and open transaction (for tools and tests); null when unknown. */
  /** Every producer this partition remembers, as DescribeProducers reports them. */
  activeProducers(): { producerId: bigint; epoch: number; lastSeq: number; lastTimestamp: number; coordinatorEpoch: number; currentTxnFirstOffset: number }[] {
    return [...this.producers].map(([producerId, e]) => ({
      producerId, epoch: e.epoch, lastSeq: e.batches[e.batches.length - 1]?.lastSeq ?? -1, lastTimestamp: e.lastTimestamp,
      coordinatorEpoch: e.coordinatorEpoch, currentTxnFirstOffset: e.currentTxnFirstOffset,
    }));
  }

  /**
   * KIP-890 verification: null when the producer's transaction is already
   * open here (its later writes need no check), else the guard its verified
   * write must present. A marker, or the write itself, ends the guard.
   */
  maybeStartVerification(producerId: bigint): VerificationGuard | null {
    if ((this.producers.get(producerId)?.currentTxnFirstOffset ?? NO_TXN_OFFSET) !== NO_TXN_OFFSET) return null;
    let guard = this.verificationGuards.get(producerId);
    if (guard === undefined) this.verificationGuards.set(producerId, guard = { producerId });
    return guard;
  }

  producerView(producerId: bigint): { epoch: number; coordinatorEpoch: number; currentTxnFirstOffset: number; lastSeq: number } | null {
    const e = this.producers.get(producerId);
    if (e === undefined) return null;
    const lastSeq = e.batches[e.batches.length - 1]?.lastSeq ?? -1;
    return { epoch: e.epoch, coordinatorEpoch: e.coordinatorEpoch, currentTxnFirstOffset: e.currentTxnFirstOffset, lastSeq };
  }

  /**
   * Whether a batch of this producer may be appended, is a retry of one
   * already written, or must be refused (Kafka's ProducerAppendInfo checks,
   * before the write). A coordinator's batches skip the sequence checks.
   */
  check(batch: RecordBatch, origin: AppendOrigin = 'client', verificationGuard: VerificationGuard | null = null): SequenceCheck {
    const producerId = batch.producerId;
    if (producerId === NO_PRODUCER_ID) return APPEND;
    const entry = this.producers.get(producerId);
    if (batch.isControl) return checkMarker(batch, entry);
    // A verified first write of a transaction: if a marker ended the transaction since it was verified, writing
    // now would open a transaction that no coordinator will ever end (KIP-890's hanging transaction).
    if (verificationGuard !== null && batch.isTransactional && (entry?.currentTxnFirstOffset ?? NO_TXN_OFFSET) === NO_TXN_OFFSET
      && this.verificationGuards.get(producerId) !== verificationGuard) {
      return error(ErrorCode.INVALID_TXN_STATE, `Producer ${producerId}'s transaction ended while its write to this partition was being verified.`);
    }
    if (entry === undefined) return APPEND; // unknown (new, or its records are gone): any sequence starts it
    const epoch = batch.producerEpoch;
    if (epoch < entry.epoch) {
      return error(ErrorCode.INVALID_PRODUCER_EPOCH, `Producer ${producerId}'s epoch ${epoch} is older than the current ${entry.epoch}.`);
    }
    if (origin === 'client') {
      const sequence = checkSequence(batch, entry);
      if (sequence !== APPEND) return sequence;
    }
    if (entry.currentTxnFirstOffset !== NO_TXN_OFFSET && !batch.isTransactional) {
      return error(ErrorCode.INVALID_TXN_STATE,
        `Producer ${producerId} sent a non-transactional batch inside its transaction begun at offset ${entry.currentTxnFirstOffset}.`);
    }
    return APPEND;
  }

  /**
   * Records a batch written at [lastOffset - lastOffsetDelta, lastOffset]. A
   * transactional batch opens its producer's transaction if none is open; a
   * marker closes it, and an aborted one goes into `abortedTxns`.
   */
  update(batch: RecordBatch, lastOffset: number, timestampMs: number, abortedTxns: AbortedTxnSink): void {
    if (batch.producerId !== NO_PRODUCER_ID) {
      if (batch.isControl) this.applyMarker(batch, lastOffset, timestampMs, abortedTxns);
      else this.applyData(batch, lastOffset, timestampMs);
    }
    if (lastOffset + 1 > this.appliedEnd) this.appliedEnd = lastOffset + 1;
  }

  private entryFor(producerId: bigint, epoch: number, timestampMs: number): ProducerEntry {
    let entry = this.producers.get(producerId);
    if (entry === undefined) {
      entry = { epoch, batches: [], lastTimestamp: timestampMs, coordinatorEpoch: NO_COORDINATOR_EPOCH, currentTxnFirstOffset: NO_TXN_OFFSET };
      this.producers.set(producerId, entry);
    } else if (entry.epoch !== epoch) {
      // Kafka's maybeUpdateProducerEpoch: a new epoch starts its sequences afresh; an open transaction stays open.
      entry.epoch = epoch;
      entry.batches = [];
    }
    return entry;
  }

  private applyData(batch: RecordBatch, lastOffset: number, timestampMs: number): void {
    const entry = this.entryFor(batch.producerId, batch.producerEpoch, timestampMs);
    // A coordinator's transactional offset commits carry no sequence: nothing to remember for retries.
    if (batch.baseSequence >= 0) {
      entry.batches.push({
        firstSeq: batch.baseSequence,
        lastSeq: incrementSequence(batch.baseSequence, batch.lastOffsetDelta),
        lastOffset,
        offsetDelta: batch.lastOffsetDelta,
        timestamp: timestampMs,
      });
      if (entry.batches.length > BATCHES_KEPT) entry.batches.shift();
    }
    entry.lastTimestamp = timestampMs;
    if (batch.isTransactional && entry.currentTxnFirstOffset === NO_TXN_OFFSET) {
      this.verificationGuards.delete(batch.producerId);
      entry.currentTxnFirstOffset = lastOffset - batch.lastOffsetDelta;
      this.txns.begin(batch.producerId, entry.currentTxnFirstOffset);
    }
  }

  /**
   * Kafka's appendEndTxnMarker: the producer takes the marker's epochs and
   * leaves its transaction. Only a transaction with data here completes
   * (a marker alone changes no offset a reader sees); an aborted one is
   * indexed with the last stable offset right after it.
   */
  private applyMarker(batch: RecordBatch, lastOffset: number, timestampMs: number, abortedTxns: AbortedTxnSink): void {
    const marker = endTxnMarkerOf(batch);
    if (marker === null) return;
    const producerId = batch.producerId;
    const entry = this.entryFor(producerId, batch.producerEpoch, timestampMs);
    this.verificationGuards.delete(producerId);
    const firstOffset = entry.currentTxnFirstOffset;
    entry.coordinatorEpoch = marker.coordinatorEpoch;
    entry.currentTxnFirstOffset = NO_TXN_OFFSET;
    entry.lastTimestamp = timestampMs;
    if (firstOffset === NO_TXN_OFFSET) return;
    const completed: CompletedTxn = { producerId, firstOffset, lastOffset, isAborted: marker.type === ControlRecordType.ABORT };
    if (completed.isAborted) {
      abortedTxns.appendAbortedTxn({ producerId, firstOffset, lastOffset, lastStableOffset: this.txns.lastStableOffsetAfter(completed) });
    }
    this.txns.complete(completed);
  }

  /** Records the batches a follower copied from its leader (no checks: the leader made them). */
  observe(records: Buffer, abortedTxns: AbortedTxnSink): void {
    for (const batch of scanBatches(records).batches) this.update(batch, Number(batch.lastOffset), Number(batch.maxTimestamp), abortedTxns);
  }

  /**
   * Forgets producers silent for longer than producer.id.expiration.ms
   * (Kafka's producer id expiry); never one with an open transaction.
   */
  expire(nowMs: number, expirationMs: number): void {
    for (const [id, entry] of this.producers) {
      if (entry.currentTxnFirstOffset === NO_TXN_OFFSET && nowMs - entry.lastTimestamp > expirationMs) this.producers.delete(id);
    }
  }

  /**
   * Rebuilds the state of a log: the newest usable snapshot, then the batch
   * headers after it. Aborted transactions met in that tail are indexed
   * unless their entries are on disk already.
   */
  static load(log: PartitionLog, onSkip?: (message: string) => void): ProducerStateManager {
    const state = new ProducerStateManager();
    const end = log.logEndOffset;
    let from = log.logStartOffset;
    for (const snapshot of snapshotFiles(log.dir).reverse()) {
      if (snapshot.offset > end || snapshot.offset < log.logStartOffset) continue;
      const bytes = readFileIfExists(join(log.dir, snapshot.name));
      const entries = bytes === null ? null : decodeProducerSnapshot(bytes);
      if (entries === null) {
        onSkip?.(`ignoring unreadable producer snapshot ${join(log.dir, snapshot.name)}`);
        continue;
      }
      state.loadSnapshot(entries);
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
        if (lastOffset >= offset) this.update(batch, lastOffset, Number(batch.maxTimestamp), log);
        offset = lastOffset + 1;
      }
    }
    this.appliedEnd = Math.max(this.appliedEnd, end);
  }

  /**
   * Writes `<log end>.snapshot` when the state moved since the last one, and
   * prunes old snapshots. The transaction index is made durable first: a
   * restart from this snapshot does not replay the markers before it.
   */
  takeSnapshot(log: PartitionLog): boolean {
    const end = log.logEndOffset;
    if (end === this.snapshotEnd) return false;
    log.syncTxnIndexes();
    writeFileDurably(join(log.dir, snapshotFileName(end)), encodeProducerSnapshot(this.snapshotEntries()));
    this.snapshotEnd = end;
    const files = snapshotFiles(log.dir);
    for (const stale of files.filter((f) => f.offset > end)) unlinkIfExists(join(log.dir, stale.name));
    const kept = files.filter((f) => f.offset <= end);
    for (const old of kept.slice(0, Math.max(0, kept.length - SNAPSHOTS_KEPT))) unlinkIfExists(join(log.dir, old.name));
    return true;
  }

  /** Every producer, with only its last batch (Kafka's snapshot keeps one). */
  private snapshotEntries(): ProducerSnapshotEntry[] {
    return [...this.producers].map(([producerId, e]) => {
      const last = e.batches[e.batches.length - 1];
      return {
        producerId, epoch: e.epoch, firstSeq: last?.firstSeq ?? -1, lastSeq: last?.lastSeq ?? -1, lastOffset: last?.lastOffset ?? -1,
        offsetDelta: last?.offsetDelta ?? 0, timestamp: e.lastTimestamp, coordinatorEpoch: e.coordinatorEpoch,
        currentTxnFirstOffset: e.currentTxnFirstOffset,
      };
    });
  }

  private loadSnapshot(entries: readonly ProducerSnapshotEntry[]): void {
    for (const e of entries) {
      const batches = e.lastOffset < 0 ? [] : [{ firstSeq: e.firstSeq, lastSeq: e.lastSeq, lastOffset: e.lastOffset, offsetDelta: e.offsetDelta, timestamp: e.timestamp }];
      const currentTxnFirstOffset = e.currentTxnFirstOffset < 0 ? NO_TXN_OFFSET : e.currentTxnFirstOffset;
      this.producers.set(e.producerId, { epoch: e.epoch, batches, lastTimestamp: e.timestamp, coordinatorEpoch: e.coordinatorEpoch, currentTxnFirstOffset });
      if (currentTxnFirstOffset !== NO_TXN_OFFSET) this.txns.begin(e.producerId, currentTxnFirstOffset);
    }
  }
}

/** Kafka's checkSequence for a client's data batch whose epoch is not older than the producer's. */
function checkSequence(batch: RecordBatch, entry: ProducerEntry): SequenceCheck {
  const producerId = batch.producerId;
  const epoch = batch.producerEpoch;
  const firstSeq = batch.baseSequence;
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
  // No batch in this epoch yet (only a marker moved the producer to it): the epoch's sequences start at 0.
  const previousSeq = entry.batches[entry.batches.length - 1]?.lastSeq ?? -1;
  if (!inSequence(previousSeq, firstSeq)) {
    return error(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
      `Producer ${producerId} sent sequence ${firstSeq} after ${previousSeq} in epoch ${epoch}.`);
  }
  return APPEND;
}

/**
 * Kafka's checks of a transaction marker against its producer: an older
 * producer epoch is fenced, and so is a marker from a coordinator older
 * than the one that wrote the producer's last marker (a zombie coordinator).
 */
function checkMarker(batch: RecordBatch, entry: ProducerEntry | undefined): SequenceCheck {
  const marker = endTxnMarkerOf(batch);
  if (marker === null) return error(ErrorCode.INVALID_RECORD, 'A control batch from a producer must hold one COMMIT or ABORT marker.');
  if (entry === undefined) return APPEND;
  if (batch.producerEpoch < entry.epoch) {
    return error(ErrorCode.INVALID_PRODUCER_EPOCH,
      `Marker for producer ${batch.producerId} has epoch ${batch.producerEpoch}, older than the current ${entry.epoch}.`);
  }
  if (marker.coordinatorEpoch < entry.coordinatorEpoch) {
    return error(ErrorCode.TRANSACTION_COORDINATOR_FENCED,
      `Marker for producer ${batch.producerId} has coordinator epoch ${marker.coordinatorEpoch}, older than ${entry.coordinatorEpoch}.`);
  }
  return APPEND;
}

/** The COMMIT/ABORT marker of a control batch, or null when it holds something else. */
function endTxnMarkerOf(batch: RecordBatch): EndTxnMarker | null {
  try {
    return readEndTxnMarker(batch);
  } catch (e) {
    if (e instanceof RecordsError) return null;
    throw e;
  }
}

export { decodeProducerSnapshot, type ProducerSnapshotEntry };

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
