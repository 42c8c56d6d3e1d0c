/**
 * One segment of a partition log, Kafka's layout:
 *
 *   <baseOffset>.log        record batches (v2) back to back, exactly as
 *                           produced, with their assigned offsets; nothing
 *                           else, no header, no padding
 *   <baseOffset>.index      sparse offset index (offset-index.ts)
 *   <baseOffset>.timeindex  sparse time index (time-index.ts)
 *   <baseOffset>.txnindex   aborted transactions whose ABORT marker is in
 *                           this segment (txn-index.ts); only once there is one
 *
 * The file name is the base offset, zero-padded to 20 digits; every batch in
 * the segment has offsets in [baseOffset, baseOffset + 2^31). Appends write
 * at the tracked size with positional writes, so the bytes after a failed
 * or torn write are overwritten by the next append and cut by recovery.
 *
 * Not thread-safe: every method is synchronous and runs on the event loop.
 * The `.log` descriptor is opened on first use and kept until close.
 */
import fs from 'node:fs';
import { RECORD_BATCH_OVERHEAD, RecordBatch, readBatchRecords } from '../records/index.ts';
import { BatchCursor, CURSOR_BAD, CURSOR_BATCH, CURSOR_END, wholeBatchesLength } from './batch-cursor.ts';
import { INT32_MAX } from './config.ts';
import { CorruptIndexError, LogCorruptionError } from './errors.ts';
import { DELETED_FILE_SUFFIX, INDEX_FILE_SUFFIX, LOG_FILE_SUFFIX, TIME_INDEX_FILE_SUFFIX, TXN_INDEX_FILE_SUFFIX, segmentFilePath } from './file-names.ts';
import { fileSizeOrMissing, readFully, unlinkIfExists, writeFully } from './fs-util.ts';
import type { LeaderEpochCache } from './leader-epoch-cache.ts';
import { OffsetIndex } from './offset-index.ts';
import { scanLogFile } from './segment-scan.ts';
import { NO_TIMESTAMP, TimeIndex } from './time-index.ts';
import { type AbortedTxn, TxnIndex } from './txn-index.ts';

/** forEachBatch's scan result when the visitor asked to stop. */
const VISIT_STOPPED = 'stopped by the visitor';

export interface TimestampAndOffset {
  timestamp: number;
  offset: number;
}

export interface SegmentRead {
  /** Whole batches; empty when the first batch is larger than maxBytes and minOneMessage is false. */
  records: Buffer;
  /** Base offset of the first batch returned (it may be below the fetch offset). */
  firstOffset: number;
}

export interface SegmentRecovery {
  /** Bytes cut from the end of the `.log` file. */
  truncatedBytes: number;
  /** Offset after the last valid batch (the base offset when the segment is empty). */
  nextOffset: number;
  /** Why bytes were cut, or null. */
  problem: string | null;
}

export class LogSegment {
  readonly baseOffset: number;
  readonly logPath: string;
  private readonly dir: string;
  /** '' for a live segment; `.cleaned` while the cleaner writes one (segment-swap.ts). */
  private readonly fileSuffix: string;
  private readonly indexBytesMax: number;
  private readonly log: (line: string, level?: 'warn' | 'error') => void;
  private offsetIndexValue: OffsetIndex;
  private timeIndexValue: TimeIndex;
  /** Never rebuilt from the log by storage: recovery only cuts it (txn-index.ts). */
  private readonly txnIndexValue: TxnIndex;
  /** False for indexes opened from disk and not yet checked entry by entry. */
  private indexesChecked: boolean;
  private fd: number;
  private size: number;
  private maxTimestamp: number;
  private offsetOfMaxTimestamp: number;
  private bytesSinceIndexEntry: number;
  /** Clock time of the first append since creation or load; -1 while none. Drives segment.ms. */
  firstAppendMs: number;
  /** Clock time of the last append (file mtime after a load); retention's fallback when no batch has a timestamp. */
  lastModifiedMs: number;

  private constructor(
    dir: string,
    baseOffset: number,
    indexBytesMax: number,
    size: number,
    lastModifiedMs: number,
    log: (line: string, level?: 'warn' | 'error') => void,
    fileSuffix = '',
  ) {
    this.dir = dir;
    this.fileSuffix = fileSuffix;
    this.log = log;
    this.baseOffset = baseOffset;
    this.indexBytesMax = indexBytesMax;
    this.logPath = segmentFilePath(dir, baseOffset, LOG_FILE_SUFFIX) + fileSuffix;
    this.offsetIndexValue = OffsetIndex.rebuilt(this.indexPath(INDEX_FILE_SUFFIX), baseOffset, indexBytesMax);
    this.timeIndexValue = TimeIndex.rebuilt(this.indexPath(TIME_INDEX_FILE_SUFFIX), baseOffset, indexBytesMax);
    this.txnIndexValue = size < 0 ? TxnIndex.empty(this.indexPath(TXN_INDEX_FILE_SUFFIX)) : TxnIndex.open(this.indexPath(TXN_INDEX_FILE_SUFFIX));
    this.indexesChecked = true;
    this.fd = -1;
    size = Math.max(size, 0);
    this.size = size;
    this.maxTimestamp = NO_TIMESTAMP;
    this.offsetOfMaxTimestamp = baseOffset;
    this.bytesSinceIndexEntry = 0;
    this.firstAppendMs = -1;
    this.lastModifiedMs = lastModifiedMs;
  }

  private indexPath(suffix: string): string {
    return segmentFilePath(this.dir, this.baseOffset, suffix) + this.fileSuffix;
  }

  /**
   * A new empty segment; its three files are created now (an existing `.log` of that name is emptied).
   * `fileSuffix` (`.cleaned`) names the files of a segment the cleaner is writing.
   */
  static create(dir: string, baseOffset: number, indexBytesMax: number, nowMs: number, log: (line: string, level?: 'warn' | 'error') => void, fileSuffix = ''): LogSegment {
    // Size -1 tells the constructor the segment is new: a stale `.txnindex` of that name is emptied.
    const segment = new LogSegment(dir, baseOffset, indexBytesMax, -1, nowMs, log, fileSuffix);
    segment.fd = fs.openSync(segment.logPath, 'w+', 0o644);
    segment.offsetIndexValue = OffsetIndex.create(segment.indexPath(INDEX_FILE_SUFFIX), baseOffset, indexBytesMax);
    segment.timeIndexValue = TimeIndex.create(segment.indexPath(TIME_INDEX_FILE_SUFFIX), baseOffset, indexBytesMax);
    return segment;
  }

  /**
   * A segment found on disk. Its indexes are empty until the loader calls
   * openIndexes (trust the files) or recover (rebuild them from the log).
   */
  static load(dir: string, baseOffset: number, indexBytesMax: number, log: (line: string, level?: 'warn' | 'error') => void): LogSegment {
    const logPath = segmentFilePath(dir, baseOffset, LOG_FILE_SUFFIX);
    const stat = fs.statSync(logPath);
    return new LogSegment(dir, baseOffset, indexBytesMax, stat.size, Math.floor(stat.mtimeMs), log);
  }

  get sizeBytes(): number {
    return this.size;
  }

  get offsetIndex(): OffsetIndex {
    return this.offsetIndexValue;
  }

  get timeIndex(): TimeIndex {
    return this.timeIndexValue;
  }

  get txnIndex(): TxnIndex {
    return this.txnIndexValue;
  }

  /** Records an aborted transaction whose marker this segment holds; false when its entry is there already. */
  appendAbortedTxn(entry: AbortedTxn): boolean {
    return this.txnIndexValue.appendIfNew(entry);
  }

  /** Largest batch maxTimestamp in the segment (NO_TIMESTAMP when none) and the last offset of its batch. */
  get maxTimestampMs(): number {
    return this.maxTimestamp;
  }

  get maxTimestampOffset(): number {
    return this.offsetOfMaxTimestamp;
  }

  /** Kafka's largestTimestamp, used by time retention. */
  get largestTimestampMs(): number {
    return this.maxTimestamp >= 0 ? this.maxTimestamp : this.lastModifiedMs;
  }

  isIndexFull(): boolean {
    return this.offsetIndexValue.isFull() || this.timeIndexValue.isFull();
  }

  private openFd(): number {
    if (this.fd < 0) this.fd = fs.openSync(this.logPath, 'r+');
    return this.fd;
  }

  /** Trusts the index files on disk after Kafka's cheap sanity checks; throws CorruptIndexError. */
  openIndexes(): void {
    this.offsetIndexValue = OffsetIndex.open(this.indexPath(INDEX_FILE_SUFFIX), this.baseOffset, this.indexBytesMax, this.size);
    this.timeIndexValue = TimeIndex.open(this.indexPath(TIME_INDEX_FILE_SUFFIX), this.baseOffset, this.indexBytesMax);
    this.indexesChecked = false;
    this.maxTimestamp = this.timeIndexValue.lastTimestamp;
    this.offsetOfMaxTimestamp = this.timeIndexValue.lastOffset;
  }

  /** Loads and fully checks lazily opened indexes; a corrupt one is rebuilt from the log (returns that recovery). */
  ensureIndexesLoaded(indexIntervalBytes: number): SegmentRecovery | null {
    if (this.indexesChecked) return null;
    try {
      this.offsetIndexValue.ensureLoaded(this.size);
      this.timeIndexValue.ensureLoaded();
      this.indexesChecked = true;
      return null;
    } catch (error) {
      if (!(error instanceof CorruptIndexError)) throw error;
      this.log(`${error.message}; rebuilding the indexes of ${this.logPath}`, 'warn');
      const recovery = this.recover(indexIntervalBytes, Number.MAX_SAFE_INTEGER, null);
      if (recovery.truncatedBytes > 0) this.log(`cut ${recovery.truncatedBytes} bytes from ${this.logPath}: ${recovery.problem}`, 'warn');
      // Only segments below the recovery point are opened lazily: make the rebuilt indexes durable like theirs were.
      this.flushAll();
      return recovery;
    }
  }

  /**
   * Appends whole batches whose offsets are already assigned, then indexes
   * them. One positional write; the caller has checked the framing.
   */
  append(records: Buffer, nowMs: number, indexIntervalBytes: number): void {
    const position = this.size;
    writeFully(this.openFd(), records, 0, records.length, position);
    this.size += records.length;
    if (this.firstAppendMs < 0) this.firstAppendMs = nowMs;
    this.lastModifiedMs = nowMs;
    // The batches were framed by the caller: each step moves by one batch, at least 61 bytes.
    for (let at = 0; at < records.length; ) {
      const batch = new RecordBatch(records, at);
      const sizeBytes = batch.sizeInBytes;
      this.indexBatch(Number(batch.lastOffset), Number(batch.maxTimestamp), position + at, sizeBytes, indexIntervalBytes);
      at += sizeBytes;
    }
  }

  /** Kafka's per-batch index rule, shared by append and recovery. */
  private indexBatch(lastOffset: number, maxTimestamp: number, position: number, sizeBytes: number, intervalBytes: number): void {
    if (maxTimestamp > this.maxTimestamp) {
      this.maxTimestamp = maxTimestamp;
      this.offsetOfMaxTimestamp = lastOffset;
    }
    if (this.bytesSinceIndexEntry > intervalBytes) {
      // A full index only happens inside one multi-batch append; the next append rolls.
      if (!this.offsetIndexValue.isFull()) this.offsetIndexValue.append(lastOffset, position);
      if (!this.timeIndexValue.isFull()) this.timeIndexValue.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp, false);
      this.bytesSinceIndexEntry = 0;
    }
    this.bytesSinceIndexEntry += sizeBytes;
  }

  /**
   * A cursor on the first batch whose last offset is >= target, found
   * through the offset index and a forward walk of headers; null when the
   * segment has no such batch.
   */
  seek(targetOffset: number, indexIntervalBytes: number): BatchCursor | null {
    this.ensureIndexesLoaded(indexIntervalBytes);
    const cursor = new BatchCursor(this.openFd(), this.offsetIndexValue.lookup(targetOffset), this.size);
    const stepsMax = Math.ceil(this.size / RECORD_BATCH_OVERHEAD) + 1;
    for (let step = 0; step <= stepsMax; step++) {
      const state = cursor.load();
      if (state === CURSOR_END) return null;
      if (state === CURSOR_BAD) throw new LogCorruptionError(this.logPath, cursor.position, 'not a record batch header');
      if (cursor.lastOffset >= targetOffset) return cursor;
      cursor.advance();
    }
    throw new Error(`header walk in ${this.logPath} did not end`);
  }

  /**
   * Reads whole batches from the one holding `startOffset`: at most maxBytes
   * (or the whole first batch with minOneMessage), never a batch that holds
   * maxOffset or more. null when the segment has nothing at or after
   * startOffset below maxOffset. `segmentEndOffset` is the offset after the
   * segment's last batch (the next segment's base for an inactive one).
   */
  read(startOffset: number, maxBytes: number, maxOffset: number, segmentEndOffset: number, minOneMessage: boolean, indexIntervalBytes: number): SegmentRead | null {
    const first = this.seek(startOffset, indexIntervalBytes);
    if (first === null) return null;
    const position = first.position;
    const firstBytes = first.sizeBytes;
    const firstOffset = first.baseOffset;
    let limit = this.size;
    if (maxOffset < segmentEndOffset) {
      const end = this.seek(maxOffset, indexIntervalBytes);
      if (end !== null) limit = end.position;
    }
    if (limit <= position) return null;
    const wantBytes = Math.min(minOneMessage ? Math.max(maxBytes, firstBytes) : maxBytes, limit - position);
    if (wantBytes < firstBytes) return { records: Buffer.alloc(0), firstOffset };
    const records = Buffer.allocUnsafe(wantBytes);
    const got = readFully(this.openFd(), records, 0, wantBytes, position);
    if (got !== wantBytes) throw new LogCorruptionError(this.logPath, position + got, `file ends before the tracked size ${this.size}`);
    return { records: records.subarray(0, wholeBatchesLength(records)), firstOffset };
  }

  /**
   * Every batch of the segment in order, CRC-checked, read in chunks
   * (segment-scan.ts). A view is valid only during its visit. Throws
   * LogCorruptionError at a bad batch: the cleaner must not rewrite a
   * segment it cannot read whole. `visit` returns false to stop early.
   */
  forEachBatch(visit: (batch: RecordBatch) => boolean): void {
    const scan = scanLogFile(this.openFd(), this.size, (batch) => (visit(batch) ? null : VISIT_STOPPED));
    if (scan.problem === VISIT_STOPPED) return;
    if (scan.problem !== null || scan.validBytes !== this.size) throw new LogCorruptionError(this.logPath, scan.validBytes, scan.problem ?? 'short scan');
  }

  /** Walks the batch headers only (no record bytes are read); the cursor is valid during the visit. */
  forEachBatchHeader(visit: (cursor: BatchCursor) => void): void {
    const cursor = new BatchCursor(this.openFd(), 0, this.size);
    const stepsMax = Math.ceil(this.size / RECORD_BATCH_OVERHEAD) + 1;
    for (let step = 0; step <= stepsMax; step++) {
      const state = cursor.load();
      if (state === CURSOR_END) return;
      if (state === CURSOR_BAD) throw new LogCorruptionError(this.logPath, cursor.position, 'not a record batch header');
      visit(cursor);
      cursor.advance();
    }
    throw new Error(`header walk in ${this.logPath} did not end`);
  }

  /** maxTimestamp of the first batch (Kafka's getFirstBatchTimestamp), else lastModifiedMs; max.compaction.lag.ms uses it. */
  firstBatchTimestampMs(): number {
    if (this.size === 0) return this.lastModifiedMs;
    const cursor = new BatchCursor(this.openFd(), 0, this.size);
    if (cursor.load() !== CURSOR_BATCH || cursor.maxTimestamp < 0) return this.lastModifiedMs;
    return cursor.maxTimestamp;
  }

  /** Reads the batch under the cursor whole and returns its view. */
  private readBatch(cursor: BatchCursor): RecordBatch {
    const bytes = Buffer.allocUnsafe(cursor.sizeBytes);
    readFully(this.openFd(), bytes, 0, bytes.length, cursor.position);
    return new RecordBatch(bytes, 0);
  }

  /**
   * Kafka's findOffsetByTimestamp: the first record with timestamp >= target
   * and offset >= startingOffset, starting from the time index's hint. Only
   * the one batch that answers is decoded.
   */
  findOffsetByTimestamp(targetTimestamp: number, startingOffset: number, indexIntervalBytes: number): TimestampAndOffset | null {
    this.ensureIndexesLoaded(indexIntervalBytes);
    const hint = { timestamp: NO_TIMESTAMP, offset: this.baseOffset };
    this.timeIndexValue.lookup(targetTimestamp, hint);
    const startPosition = this.offsetIndexValue.lookup(Math.max(hint.offset, startingOffset));
    const cursor = new BatchCursor(this.openFd(), startPosition, this.size);
    const stepsMax = Math.ceil(this.size / RECORD_BATCH_OVERHEAD) + 1;
    for (let step = 0; step <= stepsMax; step++) {
      const state = cursor.load();
      if (state === CURSOR_END) return null;
      if (state === CURSOR_BAD) throw new LogCorruptionError(this.logPath, cursor.position, 'not a record batch header');
      if (cursor.maxTimestamp >= targetTimestamp && cursor.lastOffset >= startingOffset) {
        for (const record of readBatchRecords(this.readBatch(cursor))) {
          const offset = Number(record.offset);
          const timestamp = Number(record.timestamp);
          if (timestamp >= targetTimestamp && offset >= startingOffset) return { timestamp, offset };
        }
      }
      cursor.advance();
    }
    throw new Error(`timestamp search in ${this.logPath} did not end`);
  }

  /** The record carrying the segment's max timestamp (ListOffsets MAX_TIMESTAMP), or null when none has one. */
  findMaxTimestampRecord(indexIntervalBytes: number): TimestampAndOffset | null {
    if (this.maxTimestamp < 0) return null;
    const found = this.findOffsetByTimestamp(this.maxTimestamp, this.baseOffset, indexIntervalBytes);
    return found !== null && found.timestamp === this.maxTimestamp ? found : null;
  }

  /**
   * Kafka's LogSegment.recover: re-reads every batch (framing, CRC, offsets
   * increasing and inside the segment's range, below `offsetLimit`),
   * rebuilds both indexes, and cuts the file at the first bad byte.
   */
  recover(indexIntervalBytes: number, offsetLimit: number, epochCache: LeaderEpochCache | null): SegmentRecovery {
    this.resetIndexes();
    const fd = this.openFd();
    const fileBytes = fs.fstatSync(fd).size;
    let previousLast = this.baseOffset - 1;
    const scan = scanLogFile(fd, fileBytes, (batch, position) => {
      const base = Number(batch.baseOffset);
      const last = base + batch.lastOffsetDelta;
      if (base <= previousLast || batch.lastOffsetDelta < 0) return `batch at ${position} has offsets ${base}..${last} after ${previousLast}`;
      if (last - this.baseOffset > INT32_MAX || last >= offsetLimit) return `batch at ${position} has offsets ${base}..${last} outside the segment`;
      this.indexBatch(last, Number(batch.maxTimestamp), position, batch.sizeInBytes, indexIntervalBytes);
      const epoch = batch.partitionLeaderEpoch;
      if (epochCache !== null && epoch >= 0 && epoch > epochCache.latestEpoch) epochCache.assign(epoch, base);
      previousLast = last;
      return null;
    });
    const truncatedBytes = fileBytes - scan.validBytes;
    if (truncatedBytes > 0) {
      fs.ftruncateSync(fd, scan.validBytes);
      fs.fsyncSync(fd);
    }
    this.size = scan.validBytes;
    this.timeIndexValue.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp, true);
    // Entries for markers the cut removed must go; the ones kept cannot be rebuilt here (txn-index.ts).
    this.txnIndexValue.truncateTo(previousLast + 1);
    return { truncatedBytes, nextOffset: previousLast + 1, problem: scan.problem };
  }

  private resetIndexes(): void {
    this.offsetIndexValue.closeFile();
    this.timeIndexValue.closeFile();
    this.offsetIndexValue = OffsetIndex.rebuilt(this.indexPath(INDEX_FILE_SUFFIX), this.baseOffset, this.indexBytesMax);
    this.timeIndexValue = TimeIndex.rebuilt(this.indexPath(TIME_INDEX_FILE_SUFFIX), this.baseOffset, this.indexBytesMax);
    this.indexesChecked = true;
    this.maxTimestamp = NO_TIMESTAMP;
    this.offsetOfMaxTimestamp = this.baseOffset;
    this.bytesSinceIndexEntry = 0;
  }

  /**
   * The offset after the last batch, walking headers from the last offset
   * index entry (Kafka's readNextOffset); -1 when the bytes there do not
   * frame whole batches up to the end of the file.
   */
  readNextOffset(): number {
    const index = this.offsetIndexValue;
    const cursor = new BatchCursor(this.openFd(), index.lastPosition, this.size);
    let nextOffset = this.baseOffset;
    const stepsMax = Math.ceil(this.size / RECORD_BATCH_OVERHEAD) + 1;
    for (let step = 0; step <= stepsMax; step++) {
      const state = cursor.load();
      if (state === CURSOR_END) return nextOffset;
      if (state === CURSOR_BAD || cursor.baseOffset < nextOffset) return -1;
      // The batch at the last index entry must end at that entry's offset.
      if (step === 0 && index.entries > 0 && cursor.lastOffset !== index.lastOffset) return -1;
      nextOffset = cursor.lastOffset + 1;
      cursor.advance();
    }
    return -1;
  }

  /**
   * Drops the batch holding `offset` and everything after it (log bytes and
   * index entries), durably. Returns the offset after the last kept batch's
   * range as the log should see it: `offset`, or the dropped batch's base when
   * `offset` fell inside it. Returns -1 when the segment has nothing at or
   * after `offset`.
   */
  truncateTo(offset: number, indexIntervalBytes: number): number {
    const cursor = this.seek(offset, indexIntervalBytes);
    if (cursor === null) return -1;
    const position = cursor.position;
    const nextOffset = Math.min(offset, cursor.baseOffset);
    this.offsetIndexValue.truncateTo(offset);
    this.timeIndexValue.truncateTo(offset);
    this.txnIndexValue.truncateTo(nextOffset);
    const fd = this.openFd();
    fs.ftruncateSync(fd, position);
    fs.fsyncSync(fd);
    this.size = position;
    // Kafka's approximation after a truncation: the max timestamp the time index still knows.
    this.maxTimestamp = this.timeIndexValue.lastTimestamp;
    this.offsetOfMaxTimestamp = this.timeIndexValue.lastOffset;
    this.bytesSinceIndexEntry = 0;
    if (position === 0) this.firstAppendMs = -1;
    return nextOffset;
  }

  /** Roll: the final time-index entry, both indexes written out, the log cut to its size. No fsync. */
  onBecomeInactive(): void {
    this.timeIndexValue.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp, true);
    this.offsetIndexValue.writeTail();
    this.timeIndexValue.writeTail();
    this.offsetIndexValue.closeFile();
    this.timeIndexValue.closeFile();
    if (this.fd >= 0 && fs.fstatSync(this.fd).size !== this.size) fs.ftruncateSync(this.fd, this.size);
  }

  /**
   * fsync of the `.log` file, and of the aborted transactions: the offset and
   * time indexes of the active segment are rebuilt by recovery anyway, its
   * transaction index is not.
   */
  flushLog(): void {
    this.txnIndexValue.sync();
    if (this.fd >= 0) fs.fsyncSync(this.fd);
  }

  /** Writes and fsyncs the indexes and the log, so the segment may sit below the recovery point. */
  flushAll(): void {
    this.offsetIndexValue.sync();
    this.timeIndexValue.sync();
    this.offsetIndexValue.closeFile();
    this.timeIndexValue.closeFile();
    this.flushLog();
    this.txnIndexValue.closeFile();
  }

  /** Closes every descriptor; no flush. */
  close(): void {
    this.offsetIndexValue.closeFile();
    this.timeIndexValue.closeFile();
    this.txnIndexValue.closeFile();
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
  }

  /**
   * The segment's files, the `.log` last (the swap protocol renames it last:
   * it is the commit point); the `.txnindex` only when it exists.
   */
  filePaths(): string[] {
    const txnPath = this.indexPath(TXN_INDEX_FILE_SUFFIX);
    const txn = fileSizeOrMissing(txnPath) >= 0 ? [txnPath] : [];
    return [this.indexPath(INDEX_FILE_SUFFIX), this.indexPath(TIME_INDEX_FILE_SUFFIX), ...txn, this.logPath];
  }

  /** Kafka's deletion: rename each file to `.deleted`, then unlink (at once: file.delete.delay.ms is not honoured). */
  deleteFiles(): void {
    this.close();
    for (const path of this.filePaths()) {
      try {
        fs.renameSync(path, path + DELETED_FILE_SUFFIX);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw error;
      }
      unlinkIfExists(path + DELETED_FILE_SUFFIX);
    }
  }
}
