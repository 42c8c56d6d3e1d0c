/**
 * Log compaction of one partition log (Kafka's Cleaner). A clean of the
 * dirty section [firstDirtyOffset, upperBoundOffset) runs in three steps:
 *
 *   1. map: every keyed record of the dirty section goes into the offset
 *      map (offset-map.ts), key → latest offset, except records of aborted
 *      transactions (cleaned-txns.ts tells them apart from the section's
 *      `.txnindex` entries): a committed transactional record counts like
 *      any other. When the map fills, the section ends after the last record
 *      mapped and the rest waits for the next clean.
 *   2. recopy: the segments from the log start to the end of the mapped
 *      section, in groups that fit one segment (cleaner-policy.ts), are
 *      rewritten batch by batch (cleaner-filter.ts) into `.cleaned` files
 *      with fresh indexes; the segment's mtime is carried over so time
 *      retention of compact,delete topics is not reset. Aborted data is
 *      dropped, and transaction markers go once their data is gone and
 *      their delete horizon has passed.
 *   3. swap: each cleaned segment replaces its group (segment-swap.ts).
 *
 * The caller (LogManager) chooses the section and moves the
 * cleaner-offset-checkpoint to the returned endOffset. The section must end
 * at or below the last stable offset: the cleaner takes every transactional
 * batch not listed as aborted for committed, which holds only for
 * transactions that have ended.
 *
 * The cleaned segment's `.txnindex` is rebuilt from the ABORT markers the
 * recopy kept because their transaction still had data (Kafka does the
 * same): an entry whose data is gone serves no reader, so it goes a clean
 * before its marker does.
 */
import fs from 'node:fs';
import { type RecordBatch, readBatchRecords } from '../records/index.ts';
import { CleanedTxns } from './cleaned-txns.ts';
import { type GroupLimits, groupSegmentsBySize } from './cleaner-policy.ts';
import { type FilterContext, type FilterStats, filterBatch } from './cleaner-filter.ts';
import { CLEANED_FILE_SUFFIX } from './file-names.ts';
import { fileSizeOrMissing, unlinkIfExists } from './fs-util.ts';
import { floorSegment } from './log-loader.ts';
import { LogSegment } from './log-segment.ts';
import { OffsetMap } from './offset-map.ts';
import type { PartitionLog } from './partition-log.ts';
import type { AbortedTxn } from './txn-index.ts';

export interface CleanerConfig {
  /** log.cleaner.dedupe.buffer.size: bytes of the offset map (24 bytes a key). */
  dedupeBufferBytes: number;
  /** log.cleaner.io.buffer.load.factor: share of the map's slots that may fill. */
  loadFactor: number;
}

export const CLEANER_CONFIG_DEFAULTS: Readonly<CleanerConfig> = Object.freeze({
  dedupeBufferBytes: 128 * 1024 * 1024,
  loadFactor: 0.9,
});

/** Cleaned batches are gathered into writes of about this size. */
const WRITE_BUFFER_BYTES = 1024 * 1024;

export interface CleanResult extends FilterStats {
  firstDirtyOffset: number;
  /** The new cleaner checkpoint: everything below it is clean. */
  endOffset: number;
  /** Bytes read: the dirty section for the map plus every segment recopied. */
  bytesRead: number;
  bytesWritten: number;
  /** Segments replaced, and the cleaned segments that replaced them. */
  segmentsRead: number;
  segmentsWritten: number;
}

export class LogCleaner {
  private readonly config: CleanerConfig;
  private readonly log: (line: string) => void;
  /** Allocated at the first clean and reused: it is the cleaner's one large buffer. */
  private map: OffsetMap | null;
  private readonly writeBuffer: Buffer;

  constructor(config: CleanerConfig, log: (line: string) => void) {
    // Fails here, at startup, rather than at the first clean.
    OffsetMap.entriesMaxOf(config.dedupeBufferBytes, config.loadFactor);
    this.config = { ...config };
    this.log = log;
    this.map = null;
    this.writeBuffer = Buffer.allocUnsafe(WRITE_BUFFER_BYTES);
  }

  /** Cleans the inactive segments of `partitionLog` with the dirty section [firstDirtyOffset, upperBoundOffset). */
  clean(partitionLog: PartitionLog, firstDirtyOffset: number, upperBoundOffset: number, nowMs: number): CleanResult {
    this.map ??= new OffsetMap(this.config.dedupeBufferBytes, this.config.loadFactor);
    const map = this.map;
    map.clear();
    const segments = partitionLog.segmentsView();
    // A checkpoint above the cleanable end (min.compaction.lag.ms raised since) must not move back.
    const mapEndOffset = Math.max(upperBoundOffset, firstDirtyOffset);
    const mapTxns = new CleanedTxns(partitionLog.collectAbortedTxns(firstDirtyOffset, mapEndOffset));
    const mapped = buildOffsetMap(segments, firstDirtyOffset, mapEndOffset, map, mapTxns);
    const groups = this.groups(partitionLog, mapped.endOffset);
    const ctx: FilterContext = {
      map,
      txns: new CleanedTxns(recopyAbortedTxns(partitionLog, groups)),
      nowMs,
      deleteRetentionMs: partitionLog.logConfig.deleteRetentionMs,
      producerLastOffsets: producerLastOffsets(segments),
      keptAbortedTxns: [],
      stats: { recordsRead: 0, recordsRemoved: 0, latestDeleteHorizonMs: -1 },
    };
    const result: CleanResult = {
      ...ctx.stats,
      firstDirtyOffset,
      endOffset: mapped.endOffset,
      bytesRead: mapped.bytesRead,
      bytesWritten: 0,
      segmentsRead: 0,
      segmentsWritten: 0,
    };
    // One walk for every group, in order: a marker in a later group still sees the data of an earlier one.
    for (const group of groups) {
      result.bytesRead += group.reduce((sum, segment) => sum + segment.sizeBytes, 0);
      result.bytesWritten += this.cleanGroup(partitionLog, group, ctx);
      result.segmentsRead += group.length;
      result.segmentsWritten++;
    }
    return { ...result, ...ctx.stats };
  }

  /** The inactive segments below endOffset, grouped (Kafka's groupSegmentsBySize). */
  private groups(partitionLog: PartitionLog, endOffset: number): LogSegment[][] {
    const segments = partitionLog.segmentsView().slice();
    let count = 0;
    while (count < segments.length - 1 && segments[count]!.baseOffset < endOffset) count++;
    const config = partitionLog.logConfig;
    const limits: GroupLimits = { segmentBytesMax: config.segmentBytes, indexBytesMax: config.segmentIndexBytes };
    const views = segments.map((segment) => ({
      baseOffset: segment.baseOffset,
      sizeBytes: segment.sizeBytes,
      largestTimestampMs: segment.largestTimestampMs,
      offsetIndexBytes: segment.offsetIndex.entries * 8,
      timeIndexBytes: segment.timeIndex.entries * 12,
    }));
    const groups: LogSegment[][] = [];
    let at = 0;
    for (const size of groupSegmentsBySize(views, count, endOffset, limits)) {
      groups.push(segments.slice(at, at + size));
      at += size;
    }
    return groups;
  }

  /** Writes the cleaned copy of `group` and swaps it in; returns the bytes written. */
  private cleanGroup(partitionLog: PartitionLog, group: LogSegment[], ctx: FilterContext): number {
    const config = partitionLog.logConfig;
    const cleaned = LogSegment.create(partitionLog.dir, group[0]!.baseOffset, config.segmentIndexBytes, ctx.nowMs, this.log, CLEANED_FILE_SUFFIX);
    let bytesWritten = 0;
    try {
      let buffered = 0;
      const flush = (): void => {
        if (buffered === 0) return;
        cleaned.append(this.writeBuffer.subarray(0, buffered), ctx.nowMs, config.indexIntervalBytes);
        bytesWritten += buffered;
        buffered = 0;
      };
      for (const segment of group) {
        segment.forEachBatch((batch: RecordBatch) => {
          const bytes = filterBatch(batch, ctx);
          if (bytes === null) return true;
          if (buffered + bytes.length > this.writeBuffer.length) flush();
          if (bytes.length > this.writeBuffer.length) {
            cleaned.append(Buffer.from(bytes), ctx.nowMs, config.indexIntervalBytes);
            bytesWritten += bytes.length;
          } else {
            buffered += bytes.copy(this.writeBuffer, buffered);
          }
          return true;
        });
      }
      flush();
      for (const entry of ctx.keptAbortedTxns) cleaned.appendAbortedTxn(entry);
      ctx.keptAbortedTxns.length = 0;
      // An empty index stands for "no entry kept": a swap recovery must not take the old base segment's for the new one's.
      if (cleaned.txnIndex.count === 0 && group.some((segment) => fileSizeOrMissing(segment.txnIndex.path) >= 0)) cleaned.txnIndex.createFile();
      cleaned.onBecomeInactive();
      cleaned.flushAll();
      cleaned.close();
      // Kafka keeps the newest modification time of the group, which time retention falls back on.
      const modifiedS = Math.max(...group.map((segment) => segment.lastModifiedMs)) / 1000;
      fs.utimesSync(cleaned.logPath, modifiedS, modifiedS);
    } catch (error) {
      cleaned.close();
      for (const path of cleaned.filePaths()) unlinkIfExists(path);
      throw error;
    }
    partitionLog.replaceSegments(group, cleaned);
    return bytesWritten;
  }
}

/**
 * Step 1: maps the keyed records of [firstDirtyOffset, upperBoundOffset),
 * leaving out those of aborted transactions. Returns where the mapped
 * section ends: upperBoundOffset, or after the last record mapped when the
 * map filled first.
 */
function buildOffsetMap(
  segments: readonly LogSegment[],
  firstDirtyOffset: number,
  upperBoundOffset: number,
  map: OffsetMap,
  txns: CleanedTxns,
): { endOffset: number; bytesRead: number } {
  let full = false;
  let bytesRead = 0;
  for (let i = floorSegment(segments, firstDirtyOffset); i < segments.length - 1 && !full; i++) {
    const segment = segments[i]!;
    if (segment.baseOffset >= upperBoundOffset) break;
    bytesRead += segment.sizeBytes;
    segment.forEachBatch((batch) => {
      if (Number(batch.lastOffset) < firstDirtyOffset) return true;
      if (Number(batch.baseOffset) >= upperBoundOffset) return false;
      if (batch.isControl) {
        txns.onControlBatch(batch);
        return true;
      }
      if (txns.onDataBatch(batch)) return true;
      for (const record of readBatchRecords(batch)) {
        const offset = Number(record.offset);
        if (record.key === null || offset < firstDirtyOffset || offset >= upperBoundOffset) continue;
        if (map.isFull() && map.get(record.key) < 0) {
          full = true;
          return false;
        }
        map.put(record.key, offset);
      }
      return true;
    });
  }
  if (full) return { endOffset: map.latestOffset + 1, bytesRead };
  map.updateLatestOffset(upperBoundOffset - 1);
  return { endOffset: upperBoundOffset, bytesRead };
}

/**
 * The aborted transactions overlapping the recopied segments, from the
 * first group's base to the base of the segment after the last group: an
 * aborted transaction whose marker lies above still has its data dropped.
 */
function recopyAbortedTxns(partitionLog: PartitionLog, groups: readonly LogSegment[][]): AbortedTxn[] {
  const lastGroup = groups[groups.length - 1];
  if (lastGroup === undefined) return [];
  const segments = partitionLog.segmentsView();
  const next = segments[segments.indexOf(lastGroup[lastGroup.length - 1]!) + 1]!;
  return partitionLog.collectAbortedTxns(groups[0]![0]!.baseOffset, next.baseOffset);
}

/** The last offset of every producer's last batch, from the batch headers of every segment. */
function producerLastOffsets(segments: readonly LogSegment[]): Map<number, number> {
  const lastOffsets = new Map<number, number>();
  for (const segment of segments) {
    segment.forEachBatchHeader((cursor) => {
      const producerId = cursor.producerId();
      if (producerId >= 0) lastOffsets.set(producerId, cursor.lastOffset);
    });
  }
  return lastOffsets;
}
