/**
 * Log compaction of one partition log (Kafka's Cleaner). A clean of the
 * dirty section [firstDirtyOffset, upperBoundOffset) runs in three steps:
 *
 *   1. map: every keyed, non-transactional record of the dirty section goes
 *      into the offset map (offset-map.ts), key → latest offset. When the
 *      map fills, the section ends after the last record mapped and the
 *      rest waits for the next clean.
 *   2. recopy: the segments from the log start to the end of the mapped
 *      section, in groups that fit one segment (cleaner-policy.ts), are
 *      rewritten batch by batch (cleaner-filter.ts) into `.cleaned` files
 *      with fresh indexes; the segment's mtime is carried over so time
 *      retention of compact,delete topics is not reset.
 *   3. swap: each cleaned segment replaces its group (segment-swap.ts).
 *
 * The caller (LogManager) chooses the section and moves the
 * cleaner-offset-checkpoint to the returned endOffset.
 *
 * Records of transactional batches are never put in the map, because
 * without a transaction index the cleaner cannot tell committed from
 * aborted data: a transactional record is removed only when a later record
 * with its key supersedes it, so an aborted write never hides a committed one.
 * Markers are kept, so every aborted transaction of a group still has its
 * marker in the cleaned segment, which therefore takes over the group's
 * `.txnindex` entries unchanged (Kafka rebuilds the cleaned segment's index
 * the same way, from the aborted transactions of the range it covers).
 */
import fs from 'node:fs';
import { type RecordBatch, readBatchRecords } from '../records/index.ts';
import { type GroupLimits, groupSegmentsBySize } from './cleaner-policy.ts';
import { type FilterContext, type FilterStats, filterBatch } from './cleaner-filter.ts';
import { CLEANED_FILE_SUFFIX } from './file-names.ts';
import { unlinkIfExists } from './fs-util.ts';
import { floorSegment } from './log-loader.ts';
import { LogSegment } from './log-segment.ts';
import { OffsetMap } from './offset-map.ts';
import type { PartitionLog } from './partition-log.ts';

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
    const mapped = buildOffsetMap(segments, firstDirtyOffset, Math.max(upperBoundOffset, firstDirtyOffset), map);
    const ctx: FilterContext = {
      map,
      nowMs,
      deleteRetentionMs: partitionLog.logConfig.deleteRetentionMs,
      producerLastOffsets: producerLastOffsets(segments),
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
    for (const group of this.groups(partitionLog, mapped.endOffset)) {
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
      for (const segment of group) for (const entry of segment.txnIndex.all()) cleaned.appendAbortedTxn(entry);
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
 * Step 1: maps the keyed records of [firstDirtyOffset, upperBoundOffset).
 * Returns where the mapped section ends: upperBoundOffset, or after the
 * last record mapped when the map filled first.
 */
function buildOffsetMap(
  segments: readonly LogSegment[],
  firstDirtyOffset: number,
  upperBoundOffset: number,
  map: OffsetMap,
): { endOffset: number; bytesRead: number } {
  let full = false;
  let bytesRead = 0;
  for (let i = floorSegment(segments, firstDirtyOffset); i < segments.length - 1 && !full; i++) {
    const segment = segments[i]!;
    if (segment.baseOffset >= upperBoundOffset) break;
    bytesRead += segment.sizeBytes;
    segment.forEachBatch((batch) => {
      if (Number(batch.lastOffset) < firstDirtyOffset || batch.isControl || batch.isTransactional) return true;
      if (Number(batch.baseOffset) >= upperBoundOffset) return false;
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
