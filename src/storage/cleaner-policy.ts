/**
 * The cleaner's decisions as pure functions of in-memory numbers (like
 * policies.ts for roll and retention): which part of a compacted log is
 * dirty and cleanable, whether the log is due, and how its segments are
 * grouped into cleaned segments. log-cleaner.ts gathers the inputs and
 * carries out the answer.
 */
import { INT32_MAX } from './config.ts';
import { floorSegment } from './log-loader.ts';

export interface CleanerSegment {
  baseOffset: number;
  sizeBytes: number;
  /** Kafka's largestTimestamp: the max record timestamp, else the last modification time. */
  largestTimestampMs: number;
  /** Bytes of the offset and time index files, for grouping. */
  offsetIndexBytes: number;
  timeIndexBytes: number;
}

export interface CleanableInputs {
  /** Oldest first; the last one is the active segment, never cleaned. */
  segments: readonly CleanerSegment[];
  logStartOffset: number;
  logEndOffset: number;
  /** From cleaner-offset-checkpoint, -1 when the log has no entry. */
  checkpointOffset: number;
  /** Nothing at or above it is cleaned: the last stable offset (at most the high watermark), so no open transaction is. */
  cleanableEndMax: number;
  nowMs: number;
  minCompactionLagMs: number;
  maxCompactionLagMs: number;
  /** Timestamp of the first batch of the first dirty segment (only read when max.compaction.lag.ms is set). */
  firstDirtyBatchTimestampMs: () => number;
}

export interface CleanableRange {
  /** Where the dirty section starts: the checkpoint when valid, else the log start. */
  firstDirtyOffset: number;
  /** A segment base: the active segment's, or that of the first segment too young or too high to clean. */
  firstUncleanableOffset: number;
  /** Bytes of the segments below the dirty section. */
  cleanBytes: number;
  /** Bytes of the segments from the one holding firstDirtyOffset up to firstUncleanableOffset. */
  cleanableBytes: number;
  /** max.compaction.lag.ms passed for the oldest dirty batch. */
  needCompactionNow: boolean;
}

/** Kafka's LogCleanerManager.cleanableOffsets and LogToClean. */
export function cleanableRange(inputs: CleanableInputs): CleanableRange {
  const { segments, checkpointOffset } = inputs;
  const checkpointValid = checkpointOffset >= inputs.logStartOffset && checkpointOffset <= inputs.logEndOffset;
  const firstDirtyOffset = checkpointValid ? checkpointOffset : inputs.logStartOffset;
  const activeIndex = segments.length - 1;
  let uncleanableIndex = activeIndex;
  for (let i = floorSegment(segments, firstDirtyOffset); i < activeIndex; i++) {
    const segment = segments[i]!;
    const nextBase = segments[i + 1]!.baseOffset;
    const tooYoung = inputs.minCompactionLagMs > 0 && segment.largestTimestampMs > inputs.nowMs - inputs.minCompactionLagMs;
    if (tooYoung || nextBase > inputs.cleanableEndMax) {
      uncleanableIndex = i;
      break;
    }
  }
  const firstUncleanableOffset = segments[uncleanableIndex]!.baseOffset;
  let cleanBytes = 0;
  let cleanableBytes = 0;
  for (let i = 0; i < uncleanableIndex; i++) {
    const segment = segments[i]!;
    if (segments[i + 1]!.baseOffset <= firstDirtyOffset) cleanBytes += segment.sizeBytes;
    else cleanableBytes += segment.sizeBytes;
  }
  const firstDirtyIndex = floorSegment(segments, firstDirtyOffset);
  const needCompactionNow =
    inputs.maxCompactionLagMs < Number.MAX_SAFE_INTEGER &&
    firstDirtyIndex < uncleanableIndex &&
    inputs.firstDirtyBatchTimestampMs() < inputs.nowMs - inputs.maxCompactionLagMs;
  return { firstDirtyOffset, firstUncleanableOffset, cleanBytes, cleanableBytes, needCompactionNow };
}

/** cleanable / (clean + cleanable), 0 for an empty log. */
export function dirtyRatio(range: CleanableRange): number {
  const total = range.cleanBytes + range.cleanableBytes;
  return total === 0 ? 0 : range.cleanableBytes / total;
}

/** Kafka's rule: due when the dirty ratio is above min.cleanable.dirty.ratio, or max.compaction.lag.ms forces it. */
export function isCleaningDue(range: CleanableRange, minCleanableDirtyRatio: number): boolean {
  if (range.cleanableBytes === 0) return false;
  return range.needCompactionNow || dirtyRatio(range) > minCleanableDirtyRatio;
}

export interface GroupLimits {
  /** segment.bytes: a cleaned segment holds at most this many log bytes. */
  segmentBytesMax: number;
  /** segment.index.bytes: and at most this many bytes in either index. */
  indexBytesMax: number;
}

/**
 * Kafka's groupSegmentsBySize: consecutive segments (the first `count` of
 * `segments`) merged while the sum of their log and index sizes stays within
 * the limits and their offsets within 2^31 of the group's base. `endOffset`
 * bounds the last segment's offsets. Returns the group sizes in order.
 */
export function groupSegmentsBySize(segments: readonly CleanerSegment[], count: number, endOffset: number, limits: GroupLimits): number[] {
  const groups: number[] = [];
  let at = 0;
  while (at < count) {
    const first = segments[at]!;
    let logBytes = first.sizeBytes;
    let offsetIndexBytes = first.offsetIndexBytes;
    let timeIndexBytes = first.timeIndexBytes;
    let size = 1;
    for (; at + size < count; size++) {
      const next = segments[at + size]!;
      const nextEnd = at + size + 1 < segments.length ? segments[at + size + 1]!.baseOffset : endOffset;
      if (logBytes + next.sizeBytes > limits.segmentBytesMax) break;
      if (offsetIndexBytes + next.offsetIndexBytes > limits.indexBytesMax) break;
      if (timeIndexBytes + next.timeIndexBytes > limits.indexBytesMax) break;
      if (nextEnd - 1 - first.baseOffset > INT32_MAX) break;
      logBytes += next.sizeBytes;
      offsetIndexBytes += next.offsetIndexBytes;
      timeIndexBytes += next.timeIndexBytes;
    }
    groups.push(size);
    at += size;
  }
  return groups;
}
