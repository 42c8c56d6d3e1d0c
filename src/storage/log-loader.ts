/**
 * Opening a partition directory, Kafka's LogLoader in numbered passes:
 *
 *   1. leftovers: complete a compaction swap that committed (a
 *      `<base>.log.swap` file, segment-swap.ts), then delete `.deleted`,
 *      `.cleaned`, `.swap` and `.tmp` files (an interrupted delete,
 *      compaction or checkpoint write) and index files (`.index`,
 *      `.timeindex`, `.txnindex`) whose `.log` is gone.
 *   2. segments: every `<20 digits>.log`, sorted by base offset.
 *   3. recovery: after a clean shutdown, trust every segment whose indexes
 *      pass the sanity checks and find the log end by walking headers from
 *      the last index entry of the last segment. Otherwise trust the
 *      segments below the one holding the recovery point and re-validate
 *      that one and all later ones batch by batch (segment.recover); the
 *      first that had to cut bytes ends the log, later segments are deleted.
 *      A recovered segment keeps its `.txnindex` entries below its new end
 *      (storage cannot rebuild them; producer-state replay adds lost ones).
 *      A segment whose index files are missing or fail the checks is
 *      recovered as well.
 *   4. offsets: an empty directory gets a segment at the log start offset;
 *      a log that ends below the checkpointed log start offset is emptied
 *      and restarted there (Kafka does the same); the log start offset, log
 *      end offset and recovery point follow, and the leader epoch cache is
 *      cut to [logStartOffset, logEndOffset).
 */
import fs from 'node:fs';
import { join } from 'node:path';
import { CorruptIndexError } from './errors.ts';
import {
  CLEANED_FILE_SUFFIX,
  DELETED_FILE_SUFFIX,
  INDEX_FILE_SUFFIX,
  LOG_FILE_SUFFIX,
  SWAP_FILE_SUFFIX,
  TEMP_FILE_SUFFIX,
  TIME_INDEX_FILE_SUFFIX,
  TXN_INDEX_FILE_SUFFIX,
  parseSegmentFileName,
} from './file-names.ts';
import type { LeaderEpochCache } from './leader-epoch-cache.ts';
import { LogSegment } from './log-segment.ts';
import { completeSwaps } from './segment-swap.ts';

export interface LoadParams {
  dir: string;
  indexIntervalBytes: number;
  segmentIndexBytes: number;
  nowMs: number;
  /** Offsets below it are known durable (from recovery-point-offset-checkpoint; 0 = recover everything). */
  recoveryPoint: number;
  /** From log-start-offset-checkpoint; 0 when unknown. */
  logStartOffset: number;
  /** The log dir's clean-shutdown marker was present. */
  hadCleanShutdown: boolean;
  epochCache: LeaderEpochCache;
  log: (line: string, level?: 'warn' | 'error') => void;
}

export interface LoadedLog {
  segments: LogSegment[];
  logStartOffset: number;
  logEndOffset: number;
  recoveryPoint: number;
}

export function loadLog(params: LoadParams): LoadedLog {
  completeSwaps(params.dir, params.log);
  removeLeftovers(params.dir, params.log);
  const segments = loadSegments(params);
  const logEndOffset = params.hadCleanShutdown ? openCleanLog(segments, params) : recoverLog(segments, params);
  return settleOffsets(segments, logEndOffset, params);
}

/** Pass 1. */
function removeLeftovers(dir: string, log: (line: string, level?: 'warn' | 'error') => void): void {
  const names = fs.readdirSync(dir);
  const present = new Set(names);
  for (const name of names) {
    const leftover =
      name.endsWith(DELETED_FILE_SUFFIX) || name.endsWith(CLEANED_FILE_SUFFIX) || name.endsWith(SWAP_FILE_SUFFIX) || name.endsWith(TEMP_FILE_SUFFIX);
    const indexSuffix = [INDEX_FILE_SUFFIX, TIME_INDEX_FILE_SUFFIX, TXN_INDEX_FILE_SUFFIX].find((suffix) => name.endsWith(suffix)) ?? null;
    const orphan = indexSuffix !== null && !present.has(name.slice(0, -indexSuffix.length) + LOG_FILE_SUFFIX);
    if (!leftover && !orphan) continue;
    log(`removing ${orphan ? 'orphaned index' : 'leftover'} file ${join(dir, name)}`);
    fs.rmSync(join(dir, name), { force: true, recursive: true });
  }
}

/** Pass 2. */
function loadSegments(params: LoadParams): LogSegment[] {
  const segments: LogSegment[] = [];
  for (const name of fs.readdirSync(params.dir)) {
    if (!name.endsWith(LOG_FILE_SUFFIX)) continue;
    const baseOffset = parseSegmentFileName(name);
    if (baseOffset < 0) {
      params.log(`ignoring ${join(params.dir, name)}: not a segment file name`);
      continue;
    }
    segments.push(LogSegment.load(params.dir, baseOffset, params.segmentIndexBytes, params.log));
  }
  return segments.sort((a, b) => a.baseOffset - b.baseOffset);
}

/** Pass 3 after a clean shutdown: returns the log end offset. */
function openCleanLog(segments: LogSegment[], params: LoadParams): number {
  if (segments.length === 0) return params.logStartOffset;
  for (let i = 0; i < segments.length; i++) trustOrRecover(segments, i, params);
  const last = segments[segments.length - 1]!;
  last.ensureIndexesLoaded(params.indexIntervalBytes);
  const nextOffset = last.readNextOffset();
  if (nextOffset >= 0) return nextOffset;
  params.log(`${last.logPath} does not end on a batch boundary despite a clean shutdown; recovering it`);
  return recoverOne(segments, segments.length - 1, params).nextOffset;
}

/** Pass 3 after a crash: returns the log end offset. */
function recoverLog(segments: LogSegment[], params: LoadParams): number {
  if (segments.length === 0) return params.logStartOffset;
  const firstUnflushed = floorSegment(segments, params.recoveryPoint);
  for (let i = 0; i < firstUnflushed; i++) trustOrRecover(segments, i, params);
  let logEndOffset = segments[segments.length - 1]!.baseOffset;
  for (let i = firstUnflushed; i < segments.length; i++) {
    const recovery = recoverOne(segments, i, params);
    logEndOffset = recovery.nextOffset;
    if (recovery.truncatedBytes === 0) continue;
    // Kafka: everything after a cut is suspect, so the segments that follow go.
    for (const later of segments.splice(i + 1)) {
      params.log(`deleting ${later.logPath}: it follows a truncated segment`, 'warn');
      later.deleteFiles();
    }
  }
  return logEndOffset;
}

/** A segment below the recovery point: its index files are used if they pass the checks, else rebuilt. */
function trustOrRecover(segments: LogSegment[], i: number, params: LoadParams): void {
  const segment = segments[i]!;
  try {
    segment.openIndexes();
  } catch (error) {
    if (!(error instanceof CorruptIndexError)) throw error;
    params.log(`${error.message}; rebuilding the indexes of ${segment.logPath}`, 'warn');
    recoverOne(segments, i, params);
    segment.flushAll();
  }
}

function recoverOne(segments: LogSegment[], i: number, params: LoadParams): { nextOffset: number; truncatedBytes: number } {
  const segment = segments[i]!;
  const next = segments[i + 1];
  const offsetLimit = next === undefined ? Number.MAX_SAFE_INTEGER : next.baseOffset;
  const recovery = segment.recover(params.indexIntervalBytes, offsetLimit, params.epochCache);
  if (recovery.truncatedBytes > 0) {
    params.log(`recovery cut ${recovery.truncatedBytes} bytes from ${segment.logPath}: ${recovery.problem}`, 'warn');
  }
  return recovery;
}

/** Index of the last segment whose base offset is <= offset (0 when none is). */
export function floorSegment(segments: readonly { readonly baseOffset: number }[], offset: number): number {
  let low = 0;
  let high = segments.length - 1;
  let found = 0;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    if (segments[middle]!.baseOffset <= offset) {
      found = middle;
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  return found;
}

/** Pass 4. */
function settleOffsets(segments: LogSegment[], recoveredEnd: number, params: LoadParams): LoadedLog {
  let logEndOffset = recoveredEnd;
  if (segments.length > 0 && logEndOffset < params.logStartOffset) {
    params.log(`log end offset ${logEndOffset} of ${params.dir} is below its log start offset ${params.logStartOffset}; emptying it`);
    for (const segment of segments.splice(0)) segment.deleteFiles();
    params.epochCache.clear();
  }
  if (segments.length === 0) {
    segments.push(LogSegment.create(params.dir, params.logStartOffset, params.segmentIndexBytes, params.nowMs, params.log));
    logEndOffset = params.logStartOffset;
  }
  const logStartOffset = Math.max(params.logStartOffset, segments[0]!.baseOffset);
  const recoveryPoint = params.hadCleanShutdown ? logEndOffset : Math.min(params.recoveryPoint, logEndOffset);
  params.epochCache.truncateFromEnd(logEndOffset);
  params.epochCache.truncateFromStart(logStartOffset);
  return { segments, logStartOffset, logEndOffset, recoveryPoint };
}
