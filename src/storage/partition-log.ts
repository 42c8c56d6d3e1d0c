/**
 * The log of one partition replica: an ordered list of segments in one
 * directory (Kafka's layout, see log-segment.ts), the last one active.
 *
 *   <dir>/00000000000000000000.log|.index|.timeindex   a segment per base offset
 *   <dir>/00000000000000000000.txnindex                its aborted transactions (txn-index.ts)
 *   <dir>/leader-epoch-checkpoint                      leader-epoch-cache.ts
 *   <dir>/partition.metadata                           partition-metadata.ts
 *
 * Offsets are JS numbers (exact below 2^53). The log owns three offsets:
 * logStartOffset (first offset a reader may ask for), logEndOffset (the
 * next offset to assign) and recoveryPoint (everything below it has been
 * fsynced with its indexes). The high watermark belongs to the caller and is
 * passed in where it matters (read's maxOffset, retention).
 *
 * Not thread-safe: every method is synchronous and runs on the event loop,
 * so a read never sees half an append.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { MAGIC_V2, RECORD_BATCH_OVERHEAD, RecordBatch } from '../records/index.ts';
import { type Clock, INT32_MAX, type LogConfig, validateLogConfig } from './config.ts';
import { InconsistentTopicIdError, OffsetOutOfRangeError, RecordListTooLargeError, UnexpectedAppendOffsetError } from './errors.ts';
import { DELETE_DIR_SUFFIX } from './file-names.ts';
import { fsyncDir } from './fs-util.ts';
import { LeaderEpochCache, loadEpochCacheOrReset } from './leader-epoch-cache.ts';
import { floorSegment, loadLog } from './log-loader.ts';
import { LogSegment, type TimestampAndOffset } from './log-segment.ts';
import { readTopicIdOrNull, writePartitionMetadata } from './partition-metadata.ts';
import { RollReason, retentionDeletableCount, rollReason } from './policies.ts';
import { commitCleanedSegment } from './segment-swap.ts';
import type { AbortedTxn } from './txn-index.ts';

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface PartitionLogOptions {
  /** From recovery-point-offset-checkpoint; default 0 (recover every segment after a crash). */
  recoveryPoint?: number;
  /** From log-start-offset-checkpoint; default 0 (the first segment's base offset). */
  logStartOffset?: number;
  /** The log dir's clean-shutdown marker was present: trust the segments, skip recovery. */
  hadCleanShutdown?: boolean;
  /** One line per notable event (recovery cuts, rebuilt indexes); default silent. */
  log?: (line: string) => void;
}

export interface AppendResult {
  firstOffset: number;
  lastOffset: number;
  /** clock.nowMs() at the append, for LogAppendTime topics and the produce response. */
  logAppendTimeMs: number;
}

export interface ReadResult {
  /**
   * Whole batches, or null when there is nothing at fetchOffset below
   * maxOffset. Empty (not null) when the first batch is larger than maxBytes
   * and minOneMessage is false.
   */
  records: Buffer | null;
  /** Base offset of the first batch returned (may be below fetchOffset), or fetchOffset when records is null. */
  firstOffset: number;
}

/** ListOffsets' special timestamps. */
export const LATEST_TIMESTAMP = -1;
export const EARLIEST_TIMESTAMP = -2;
export const MAX_TIMESTAMP = -3;
export const EARLIEST_LOCAL_TIMESTAMP = -4;

function noLog(): void {}

export class PartitionLog {
  readonly dir: string;
  readonly topicPartition: TopicPartition;
  readonly leaderEpochCache: LeaderEpochCache;
  private readonly clock: Clock;
  private readonly log: (line: string) => void;
  private config: LogConfig;
  /** Sorted by base offset; never empty; the last is active. */
  private segments: LogSegment[];
  private nextOffset: number;
  private startOffset: number;
  private recoveryPointValue: number;
  private lastFlushMs: number;
  /** A segment file was created or removed since the directory was last fsynced. */
  private dirDirty: boolean;
  private topicIdValue: string | null;
  private closed: boolean;
  /** Told the offset a truncation cut the log to (LogManager lowers the cleaner checkpoint, as Kafka's maybeTruncateCheckpoint). */
  private truncationListener: ((offset: number) => void) | null;

  private constructor(dir: string, topicPartition: TopicPartition, config: LogConfig, clock: Clock, epochCache: LeaderEpochCache, log: (line: string) => void) {
    this.dir = dir;
    this.topicPartition = { topic: topicPartition.topic, partition: topicPartition.partition };
    this.config = { ...config };
    this.clock = clock;
    this.leaderEpochCache = epochCache;
    this.log = log;
    this.segments = [];
    this.nextOffset = 0;
    this.startOffset = 0;
    this.recoveryPointValue = 0;
    this.lastFlushMs = clock.nowMs();
    this.dirDirty = false;
    this.topicIdValue = null;
    this.closed = false;
    this.truncationListener = null;
  }

  /** One listener at most; LogManager sets it for every log it holds. */
  setTruncationListener(listener: ((offset: number) => void) | null): void {
    this.truncationListener = listener;
  }

  /** Opens (creating if needed) the partition directory `dir` and runs recovery (log-loader.ts). */
  static open(dir: string, topicPartition: TopicPartition, config: LogConfig, clock: Clock, opts: PartitionLogOptions = {}): PartitionLog {
    validateLogConfig(config);
    fs.mkdirSync(dir, { recursive: true });
    const log = opts.log ?? noLog;
    const epochCache = loadEpochCacheOrReset(dir, log);
    const loaded = loadLog({
      dir,
      indexIntervalBytes: config.indexIntervalBytes,
      segmentIndexBytes: config.segmentIndexBytes,
      nowMs: clock.nowMs(),
      recoveryPoint: opts.recoveryPoint ?? 0,
      logStartOffset: opts.logStartOffset ?? 0,
      hadCleanShutdown: opts.hadCleanShutdown ?? false,
      epochCache,
      log,
    });
    const partitionLog = new PartitionLog(dir, topicPartition, config, clock, epochCache, log);
    partitionLog.segments = loaded.segments;
    partitionLog.nextOffset = loaded.logEndOffset;
    partitionLog.startOffset = loaded.logStartOffset;
    partitionLog.recoveryPointValue = loaded.recoveryPoint;
    partitionLog.topicIdValue = readTopicIdOrNull(dir, log);
    partitionLog.dirDirty = true;
    return partitionLog;
  }

  get logStartOffset(): number {
    return this.startOffset;
  }

  get logEndOffset(): number {
    return this.nextOffset;
  }

  get recoveryPoint(): number {
    return this.recoveryPointValue;
  }

  /** Bytes of every segment's `.log` file. */
  get sizeBytes(): number {
    let total = 0;
    for (const segment of this.segments) total += segment.sizeBytes;
    return total;
  }

  get topicId(): string | null {
    return this.topicIdValue;
  }

  get logConfig(): Readonly<LogConfig> {
    return this.config;
  }

  /** Base offsets of the segments, oldest first (for tools and tests). */
  segmentBaseOffsets(): number[] {
    return this.segments.map((segment) => segment.baseOffset);
  }

  /** The segments themselves, oldest first; read-only use (tools and tests). */
  segmentsView(): readonly LogSegment[] {
    return this.segments;
  }

  private get active(): LogSegment {
    return this.segments[this.segments.length - 1]!;
  }

  private checkOpen(): void {
    if (this.closed) throw new Error(`partition log ${this.dir} is closed`);
  }

  /** New settings apply from now on; index sizes from the next segment. */
  updateConfig(config: LogConfig): void {
    validateLogConfig(config);
    this.config = { ...config };
  }

  /** Writes partition.metadata; a different id already there is an InconsistentTopicIdError. */
  assignTopicId(topicId: string): void {
    if (this.topicIdValue === topicId) return;
    if (this.topicIdValue !== null) throw new InconsistentTopicIdError(this.dir, this.topicIdValue, topicId);
    writePartitionMetadata(this.dir, topicId);
    this.topicIdValue = topicId;
  }

  /**
   * The produce path. Assigns offsets from the log end by patching each
   * batch's baseOffset in place (outside the CRC), rolls if needed, writes
   * every byte with one positional write and indexes the batches. `records`
   * must be whole, validated v2 batches (validateProduceBatches);
   * `batchCount`, when given, is checked against them.
   */
  append(records: Buffer, batchCount?: number): AppendResult {
    this.checkOpen();
    const firstOffset = this.nextOffset;
    let offset = firstOffset;
    let batches = 0;
    let newEpoch = false;
    const latestEpoch = this.leaderEpochCache.latestEpoch;
    for (let at = 0; at < records.length; batches++) {
      const batch = frameBatch(records, at);
      batch.setBaseOffset(BigInt(offset));
      offset += batch.lastOffsetDelta + 1;
      if (batch.partitionLeaderEpoch > latestEpoch) newEpoch = true;
      at += batch.sizeInBytes;
    }
    if (batches === 0) throw new Error('append of no batches');
    if (batchCount !== undefined && batchCount !== batches) throw new Error(`append was told ${batchCount} batches, found ${batches}`);
    const nowMs = this.clock.nowMs();
    this.appendWithOffsets(records, firstOffset, offset - 1, nowMs, newEpoch);
    return { firstOffset, lastOffset: offset - 1, logAppendTimeMs: nowMs };
  }

  /**
   * The replication path: appends batches with the offsets they carry (a
   * follower copying its leader, the metadata log). Offsets must increase
   * and start at or after the log end; gaps are allowed (compacted sources).
   */
  appendAsFollower(records: Buffer): { firstOffset: number; lastOffset: number } {
    this.checkOpen();
    let firstOffset = -1;
    let previousLast = this.nextOffset - 1;
    let newEpoch = false;
    const latestEpoch = this.leaderEpochCache.latestEpoch;
    for (let at = 0; at < records.length; ) {
      const batch = frameBatch(records, at);
      const base = Number(batch.baseOffset);
      if (base <= previousLast) {
        throw new UnexpectedAppendOffsetError(base, this.nextOffset, `batch at byte ${at} starts at or below offset ${previousLast}`);
      }
      if (firstOffset < 0) firstOffset = base;
      previousLast = base + batch.lastOffsetDelta;
      if (batch.partitionLeaderEpoch > latestEpoch) newEpoch = true;
      at += batch.sizeInBytes;
    }
    if (firstOffset < 0) throw new Error('append of no batches');
    if (previousLast - firstOffset > INT32_MAX) throw new UnexpectedAppendOffsetError(firstOffset, this.nextOffset, 'offsets span more than 2^31');
    this.appendWithOffsets(records, firstOffset, previousLast, this.clock.nowMs(), newEpoch);
    return { firstOffset, lastOffset: previousLast };
  }

  private appendWithOffsets(records: Buffer, firstOffset: number, lastOffset: number, nowMs: number, newEpoch: boolean): void {
    if (records.length > this.config.segmentBytes) throw new RecordListTooLargeError(records.length, this.config.segmentBytes);
    const segment = this.segmentForAppend(records.length, firstOffset, lastOffset, nowMs);
    segment.append(records, nowMs, this.config.indexIntervalBytes);
    this.nextOffset = lastOffset + 1;
    if (newEpoch) this.assignEpochs(records);
    if (this.nextOffset - this.recoveryPointValue >= this.config.flushIntervalMessages) this.flush();
  }

  /** Kafka assigns an epoch's start offset from the first batch written in it. */
  private assignEpochs(records: Buffer): void {
    for (let at = 0; at < records.length; ) {
      const batch = new RecordBatch(records, at);
      const epoch = batch.partitionLeaderEpoch;
      if (epoch >= 0 && epoch > this.leaderEpochCache.latestEpoch) this.leaderEpochCache.assign(epoch, Number(batch.baseOffset));
      at += batch.sizeInBytes;
    }
  }

  private segmentForAppend(appendBytes: number, firstOffset: number, lastOffset: number, nowMs: number): LogSegment {
    const active = this.active;
    const reason = rollReason(
      { baseOffset: active.baseOffset, sizeBytes: active.sizeBytes, firstAppendMs: active.firstAppendMs, indexFull: active.isIndexFull() },
      appendBytes,
      lastOffset,
      nowMs,
      this.config,
    );
    if (reason !== RollReason.NONE) return this.rollAt(firstOffset, nowMs);
    // An empty active segment whose base cannot reach these offsets (a follower jumping ahead) is rebased.
    if (active.sizeBytes === 0 && lastOffset - active.baseOffset > INT32_MAX) return this.rollAt(firstOffset, nowMs);
    return active;
  }

  /** Rolls the active segment now if it holds anything (Kafka's UnifiedLog.roll). */
  roll(): void {
    this.checkOpen();
    this.rollAt(this.nextOffset, this.clock.nowMs());
  }

  /** Starts a segment at `baseOffset` (>= the log end); an empty active segment is replaced, not kept. */
  private rollAt(baseOffset: number, nowMs: number): LogSegment {
    const active = this.active;
    if (active.sizeBytes === 0) {
      if (active.baseOffset === baseOffset) return active;
      this.segments.pop();
      active.deleteFiles();
    } else {
      active.onBecomeInactive();
      // Rolling right at the recovery point leaves the old segment trusted by recovery: its indexes must be durable now.
      if (this.recoveryPointValue >= this.nextOffset) active.flushAll();
    }
    const segment = LogSegment.create(this.dir, baseOffset, this.config.segmentIndexBytes, nowMs, this.log);
    this.segments.push(segment);
    this.dirDirty = true;
    return segment;
  }

  /**
   * The cleaner's swap (segment-swap.ts): `cleaned`, written as `.cleaned`
   * files, flushed and closed, takes the place of `olds`, consecutive
   * inactive segments starting at its base offset. Reads between calls see
   * either the old segments or the new one; a read never holds a segment
   * across calls, so closing the old files here is safe.
   */
  replaceSegments(olds: readonly LogSegment[], cleaned: LogSegment): void {
    this.checkOpen();
    const first = this.segments.indexOf(olds[0]!);
    if (first < 0 || first + olds.length >= this.segments.length || cleaned.baseOffset !== olds[0]!.baseOffset) {
      throw new Error(`replaceSegments: the segments from ${cleaned.baseOffset} are not inactive segments of ${this.dir}`);
    }
    for (let i = 0; i < olds.length; i++) {
      if (this.segments[first + i] !== olds[i]) throw new Error(`replaceSegments: segment ${olds[i]!.baseOffset} is not in place`);
    }
    commitCleanedSegment(this.dir, cleaned, olds);
    const fresh = LogSegment.load(this.dir, cleaned.baseOffset, this.config.segmentIndexBytes, this.log);
    fresh.openIndexes();
    this.segments.splice(first, olds.length, fresh);
  }

  /**
   * The fetch path: whole batches from the one holding fetchOffset, up to
   * maxBytes (the whole first batch regardless when minOneMessage, KIP-74),
   * none holding maxOffset or above (the high watermark), from one segment.
   * Throws OffsetOutOfRangeError outside [logStartOffset, logEndOffset].
   */
  read(fetchOffset: number, maxBytes: number, maxOffset: number, minOneMessage: boolean): ReadResult {
    this.checkOpen();
    if (fetchOffset < this.startOffset || fetchOffset > this.nextOffset) {
      throw new OffsetOutOfRangeError(fetchOffset, this.startOffset, this.nextOffset, 'fetch offset');
    }
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) throw new RangeError(`maxBytes ${maxBytes} must be a non-negative integer`);
    if (fetchOffset === this.nextOffset || fetchOffset >= maxOffset) return { records: null, firstOffset: fetchOffset };
    const interval = this.config.indexIntervalBytes;
    // A segment may end below fetchOffset (a compacted gap); then the next one answers.
    for (let i = floorSegment(this.segments, fetchOffset); i < this.segments.length; i++) {
      const next = this.segments[i + 1];
      const segmentEnd = next === undefined ? this.nextOffset : next.baseOffset;
      const result = this.segments[i]!.read(fetchOffset, maxBytes, maxOffset, segmentEnd, minOneMessage, interval);
      if (result !== null) return result;
      if (segmentEnd >= maxOffset) break;
    }
    return { records: null, firstOffset: fetchOffset };
  }

  /**
   * Records an aborted transaction in the index of the segment holding its
   * marker (`entry.lastOffset`). The broker decides when (it knows producer
   * state); a replay may offer an entry again, and it is written once.
   */
  appendAbortedTxn(entry: AbortedTxn): void {
    this.checkOpen();
    if (entry.lastOffset < this.startOffset || entry.lastOffset >= this.nextOffset) {
      throw new RangeError(`aborted transaction marker ${entry.lastOffset} is outside the log [${this.startOffset}, ${this.nextOffset})`);
    }
    this.segments[floorSegment(this.segments, entry.lastOffset)]!.appendAbortedTxn(entry);
  }

  /**
   * Kafka's collectAbortedTransactions: the aborted transactions with
   * lastOffset >= fetchOffset and firstOffset < upperBoundOffset, from the
   * segment holding fetchOffset onwards until an entry's last stable offset
   * shows no later one can overlap.
   */
  collectAbortedTxns(fetchOffset: number, upperBoundOffset: number): AbortedTxn[] {
    this.checkOpen();
    const out: AbortedTxn[] = [];
    for (let i = floorSegment(this.segments, fetchOffset); i < this.segments.length; i++) {
      if (this.segments[i]!.txnIndex.collect(fetchOffset, upperBoundOffset, out)) break;
    }
    return out;
  }

  /** fsyncs the aborted transactions not yet durable: a producer snapshot taken next may skip their replay. */
  syncTxnIndexes(): void {
    this.checkOpen();
    for (let i = floorSegment(this.segments, this.recoveryPointValue); i < this.segments.length; i++) this.segments[i]!.txnIndex.sync();
  }

  /**
   * ListOffsets: EARLIEST (-2) and EARLIEST_LOCAL (-4) → log start,
   * LATEST (-1) → log end (timestamp -1 for these), MAX_TIMESTAMP (-3) → the
   * record with the largest timestamp; otherwise the first record with
   * timestamp >= timestampMs at or after the log start; null when none.
   */
  offsetForTimestamp(timestampMs: number): TimestampAndOffset | null {
    this.checkOpen();
    if (timestampMs === EARLIEST_TIMESTAMP || timestampMs === EARLIEST_LOCAL_TIMESTAMP) return { offset: this.startOffset, timestamp: -1 };
    if (timestampMs === LATEST_TIMESTAMP) return { offset: this.nextOffset, timestamp: -1 };
    if (timestampMs === MAX_TIMESTAMP) return this.offsetOfMaxTimestamp();
    if (timestampMs < 0) return null;
    // Kafka searches only the first segment whose largest timestamp reaches the target.
    const segment = this.segments.find((candidate) => candidate.maxTimestampMs >= timestampMs);
    if (segment === undefined) return null;
    return segment.findOffsetByTimestamp(timestampMs, this.startOffset, this.config.indexIntervalBytes);
  }

  /** The record with the largest timestamp in the log (the first one, if several share it), or null. */
  offsetOfMaxTimestamp(): TimestampAndOffset | null {
    this.checkOpen();
    let best: LogSegment | null = null;
    for (const segment of this.segments) {
      if (best === null || segment.maxTimestampMs > best.maxTimestampMs) best = segment;
    }
    if (best === null || best.maxTimestampMs < 0) return null;
    const found = best.findMaxTimestampRecord(this.config.indexIntervalBytes);
    return found !== null && found.offset >= this.startOffset ? found : null;
  }

  /** Kafka's endOffsetForEpoch against this log's end (OffsetForLeaderEpoch). */
  endOffsetForEpoch(epoch: number): { epoch: number; endOffset: number } {
    return this.leaderEpochCache.endOffsetFor(epoch, this.nextOffset);
  }

  /**
   * DeleteRecords: raises the log start offset to `offset` (the caller has
   * checked it is <= the high watermark) and deletes the segments wholly
   * below it. Returns the new log start offset.
   */
  deleteRecordsBefore(offset: number): number {
    this.checkOpen();
    if (!Number.isSafeInteger(offset) || offset < 0 || offset > this.nextOffset) {
      throw new OffsetOutOfRangeError(offset, this.startOffset, this.nextOffset, 'delete-records offset');
    }
    if (offset > this.startOffset) this.raiseLogStartOffset(offset);
    this.deleteOldestSegments(this.retentionCount(this.nextOffset, -1, -1));
    return this.startOffset;
  }

  /**
   * Retention (Kafka's deleteOldSegments for cleanup.policy=delete): whole
   * segments past retention.ms by their newest timestamp, beyond
   * retention.bytes oldest first, or wholly below the log start offset;
   * none reaching the high watermark (default: the log end). When every
   * segment qualifies the log rolls first, so an empty active segment stays.
   * Returns how many segments were deleted.
   */
  deleteExpiredSegments(highWatermark?: number): number {
    this.checkOpen();
    const count = this.retentionCount(highWatermark ?? this.nextOffset, this.config.retentionMs, this.config.retentionBytes);
    return this.deleteOldestSegments(count);
  }

  private retentionCount(highWatermark: number, retentionMs: number, retentionBytes: number): number {
    return retentionDeletableCount({
      segments: this.segments.map((segment) => ({
        baseOffset: segment.baseOffset,
        sizeBytes: segment.sizeBytes,
        largestTimestampMs: segment.largestTimestampMs,
      })),
      logStartOffset: this.startOffset,
      logEndOffset: this.nextOffset,
      highWatermark,
      nowMs: this.clock.nowMs(),
      retentionMs,
      retentionBytes,
    });
  }

  private deleteOldestSegments(count: number): number {
    if (count === 0) return 0;
    if (count === this.segments.length) this.rollAt(this.nextOffset, this.clock.nowMs());
    for (const segment of this.segments.splice(0, count)) {
      this.log(`deleting segment ${segment.logPath}`);
      segment.deleteFiles();
    }
    this.dirDirty = true;
    if (this.segments[0]!.baseOffset > this.startOffset) this.raiseLogStartOffset(this.segments[0]!.baseOffset);
    return count;
  }

  private raiseLogStartOffset(offset: number): void {
    this.startOffset = offset;
    this.leaderEpochCache.truncateFromStart(offset);
    if (this.recoveryPointValue < offset) this.recoveryPointValue = offset;
  }

  /**
   * A follower's truncation after a leader change: drops every batch at or
   * above `offset`, durably. A batch straddling `offset` goes whole, and the
   * log end becomes its base offset. At or past the log end only epochs
   * starting there are dropped.
   */
  truncateTo(offset: number): void {
    this.checkOpen();
    if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`truncation offset ${offset} must be a non-negative integer`);
    if (offset >= this.nextOffset) {
      // No record to cut, but an epoch a leader stamped at its log end and never wrote in goes too.
      this.leaderEpochCache.truncateFromEnd(offset);
      return;
    }
    if (offset < this.segments[0]!.baseOffset) {
      this.truncateFullyAndStartAt(offset);
      return;
    }
    const keep = floorSegment(this.segments, offset) + 1;
    for (const segment of this.segments.splice(keep)) segment.deleteFiles();
    const cut = this.active.truncateTo(offset, this.config.indexIntervalBytes);
    this.nextOffset = cut < 0 ? offset : cut;
    this.startOffset = Math.min(this.startOffset, this.nextOffset);
    this.recoveryPointValue = Math.min(this.recoveryPointValue, this.nextOffset);
    this.leaderEpochCache.truncateFromEnd(this.nextOffset);
    // Deleted segments must not come back after a crash: that would resurrect divergent data.
    fsyncDir(this.dir);
    this.dirDirty = false;
    this.truncationListener?.(this.nextOffset);
  }

  /** Deletes every segment and starts an empty log at `offset` (a follower far behind or ahead of its leader). */
  truncateFullyAndStartAt(offset: number): void {
    this.checkOpen();
    if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`start offset ${offset} must be a non-negative integer`);
    for (const segment of this.segments.splice(0)) segment.deleteFiles();
    this.segments.push(LogSegment.create(this.dir, offset, this.config.segmentIndexBytes, this.clock.nowMs(), this.log));
    this.nextOffset = offset;
    this.startOffset = offset;
    this.recoveryPointValue = offset;
    this.leaderEpochCache.clear();
    fsyncDir(this.dir);
    this.dirDirty = false;
    this.truncationListener?.(offset);
  }

  /** fsyncs everything up to the log end (rolled segments with their indexes) and moves the recovery point there. */
  flush(): void {
    this.checkOpen();
    this.flushUpTo(this.nextOffset);
  }

  /**
   * What Kafka does after each roll: makes the segments below the active one
   * durable and moves the recovery point to the active segment's base.
   */
  flushRolledSegments(): void {
    this.checkOpen();
    this.flushUpTo(this.active.baseOffset);
  }

  /** flush.ms: a full flush when due, else the rolled segments. LogManager.flushDirty calls it on its timer. */
  flushIfDue(): void {
    this.checkOpen();
    const due = this.clock.nowMs() - this.lastFlushMs >= this.config.flushIntervalMs;
    this.flushUpTo(due ? this.nextOffset : this.active.baseOffset);
  }

  private flushUpTo(offset: number): void {
    if (offset > this.recoveryPointValue) {
      const last = this.segments.length - 1;
      for (let i = floorSegment(this.segments, this.recoveryPointValue); i <= last; i++) {
        const segment = this.segments[i]!;
        if (segment.baseOffset >= offset) break;
        if (i === last) segment.flushLog();
        else segment.flushAll();
      }
      this.recoveryPointValue = offset;
      this.lastFlushMs = this.clock.nowMs();
    }
    if (this.dirDirty) {
      fsyncDir(this.dir);
      this.dirDirty = false;
    }
  }

  /**
   * Flushes everything, writes the indexes out whole (with the active
   * segment's final time-index entry, as Kafka does on close) and closes
   * every file. The log cannot be used afterwards.
   */
  close(): void {
    if (this.closed) return;
    this.active.onBecomeInactive();
    for (let i = floorSegment(this.segments, this.recoveryPointValue); i < this.segments.length; i++) this.segments[i]!.flushAll();
    if (this.dirDirty) fsyncDir(this.dir);
    this.dirDirty = false;
    this.recoveryPointValue = this.nextOffset;
    for (const segment of this.segments) segment.close();
    this.closed = true;
  }

  /** Renames the directory to `<topic>-<partition>.<uuid>-delete` (durably), then removes it. */
  delete(): void {
    for (const segment of this.segments) segment.close();
    this.closed = true;
    const parent = dirname(this.dir);
    const { topic, partition } = this.topicPartition;
    const doomed = join(parent, `${topic}-${partition}.${randomUUID().replaceAll('-', '')}${DELETE_DIR_SUFFIX}`);
    fs.renameSync(this.dir, doomed);
    fsyncDir(parent);
    this.log(`deleting ${basename(this.dir)} as ${basename(doomed)}`);
    fs.rmSync(doomed, { recursive: true, force: true });
  }
}

/** The batch at `at`, asserted whole and v2: append's input is validated upstream, so a failure is a bug. */
function frameBatch(records: Buffer, at: number): RecordBatch {
  if (records.length - at < RECORD_BATCH_OVERHEAD) throw new Error(`append: ${records.length - at} bytes at ${at} are not a batch header`);
  const batch = new RecordBatch(records, at);
  const size = batch.sizeInBytes;
  if (batch.magic !== MAGIC_V2 || size < RECORD_BATCH_OVERHEAD || at + size > records.length || batch.lastOffsetDelta < 0) {
    throw new Error(`append: the batch at byte ${at} is not a whole v2 batch`);
  }
  return batch;
}
