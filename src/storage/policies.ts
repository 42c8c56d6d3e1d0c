/**
 * The decisions of the log as pure functions of in-memory numbers: when to
 * roll, and how many of the oldest segments retention may delete. The
 * PartitionLog gathers the inputs and carries out the answer.
 */
import { INT32_MAX, type LogConfig } from './config.ts';

export const RollReason = {
  NONE: 0,
  /** The append would take the segment past segment.bytes. */
  SIZE: 1,
  /** The first append to the segment is older than segment.ms. */
  TIME: 2,
  /** The offset or time index holds segment.index.bytes. */
  INDEX_FULL: 3,
  /** An offset of the append would not fit the indexes' u32 relative offsets. */
  OFFSET_OVERFLOW: 4,
} as const;
export type RollReason = (typeof RollReason)[keyof typeof RollReason];

export interface ActiveSegmentState {
  baseOffset: number;
  sizeBytes: number;
  /** -1 while nothing was appended since the segment was created. */
  firstAppendMs: number;
  indexFull: boolean;
}

/** Kafka's LogSegment.shouldRoll; an empty segment never rolls (it is reused or rebased instead). */
export function rollReason(
  segment: ActiveSegmentState,
  appendBytes: number,
  appendLastOffset: number,
  nowMs: number,
  config: LogConfig,
): RollReason {
  if (segment.sizeBytes === 0) return RollReason.NONE;
  if (segment.sizeBytes > config.segmentBytes - appendBytes) return RollReason.SIZE;
  if (segment.firstAppendMs >= 0 && nowMs - segment.firstAppendMs > config.segmentMs) return RollReason.TIME;
  if (segment.indexFull) return RollReason.INDEX_FULL;
  if (appendLastOffset - segment.baseOffset > INT32_MAX) return RollReason.OFFSET_OVERFLOW;
  return RollReason.NONE;
}

export interface RetentionSegment {
  baseOffset: number;
  sizeBytes: number;
  /** Kafka's largestTimestamp: the max record timestamp, else the last modification time. */
  largestTimestampMs: number;
}

export interface RetentionState {
  /** Oldest first; the last one is the active segment. */
  segments: readonly RetentionSegment[];
  logStartOffset: number;
  logEndOffset: number;
  /** Nothing at or above it may be deleted (the caller passes the LEO on a single node). */
  highWatermark: number;
  nowMs: number;
  retentionMs: number;
  retentionBytes: number;
}

/**
 * How many of the oldest segments may go, by Kafka's three rules (log start
 * offset, retention.bytes, retention.ms), each a prefix of the segments:
 * a segment goes only when the high watermark has passed its end, and an
 * empty active segment never goes. When the answer is every segment, the
 * caller rolls first, as Kafka does, so a fresh active segment remains.
 */
export function retentionDeletableCount(state: RetentionState): number {
  const byStart = deletablePrefix(state, (_segment, nextBase) => nextBase !== -1 && nextBase <= state.logStartOffset);
  let bySize = 0;
  if (state.retentionBytes >= 0) {
    let excessBytes = state.segments.reduce((sum, segment) => sum + segment.sizeBytes, 0) - state.retentionBytes;
    bySize = deletablePrefix(state, (segment) => {
      if (excessBytes - segment.sizeBytes < 0) return false;
      excessBytes -= segment.sizeBytes;
      return true;
    });
  }
  let byTime = 0;
  if (state.retentionMs >= 0) {
    byTime = deletablePrefix(state, (segment) => state.nowMs - segment.largestTimestampMs > state.retentionMs);
  }
  return Math.max(byStart, bySize, byTime);
}

/** Kafka's deletableSegments: the longest prefix the predicate accepts within the shared limits. */
function deletablePrefix(state: RetentionState, predicate: (segment: RetentionSegment, nextBaseOffset: number) => boolean): number {
  const segments = state.segments;
  let count = 0;
  for (; count < segments.length; count++) {
    const segment = segments[count]!;
    const next = segments[count + 1];
    const nextBase = next === undefined ? -1 : next.baseOffset;
    const isLastAndEmpty = next === undefined && segment.sizeBytes === 0;
    const upperBound = next === undefined ? state.logEndOffset : nextBase;
    if (isLastAndEmpty || state.highWatermark < upperBound || !predicate(segment, nextBase)) break;
  }
  return count;
}
