/**
 * How a cleaned segment replaces the segments it was made from, so that a
 * crash at any point leaves either the old segments or the new one (Kafka's
 * replaceSegments with `.cleaned` and `.swap` files):
 *
 *   1. the cleaner writes `<base>.index.cleaned`, `<base>.timeindex.cleaned`
 *      and `<base>.log.cleaned`, fsyncs and closes them
 *   2. each is renamed to `.swap`, the `.log` last; then the directory is
 *      fsynced. `<base>.log.swap` existing is the commit point.
 *   3. the old segments are deleted (rename to `.deleted`, unlink)
 *   4. each `.swap` is renamed to its final name, the `.log` last; fsync dir
 *
 * Recovery (completeSwaps, pass 1 of log-loader.ts): a `.cleaned` file means
 * step 2 never finished, so it is deleted and the old segments stand. A
 * `<base>.log.swap` means the swap committed: every segment whose base
 * offset lies in [base, end of the swap file) is deleted, the swap's indexes
 * are dropped (recovery rebuilds them) but its `.txnindex` is kept, and the `.log.swap` becomes
 * `<base>.log`. A `.log.swap` that does not frame whole batches cannot be
 * one the protocol wrote; it is left to pass 1, which deletes it. Old segments that lie past the swap file's last batch (their
 * records were all removed) survive such a recovery; that keeps older
 * records a later clean removes again, never loses a newer one.
 */
import fs from 'node:fs';
import { join } from 'node:path';
import { BatchCursor, CURSOR_BATCH, CURSOR_END } from './batch-cursor.ts';
import {
  CLEANED_FILE_SUFFIX, INDEX_FILE_SUFFIX, LOG_FILE_SUFFIX, SWAP_FILE_SUFFIX, TIME_INDEX_FILE_SUFFIX, TXN_INDEX_FILE_SUFFIX, parseSegmentFileName, segmentFilePath,
} from './file-names.ts';
import { fileSizeOrMissing, fsyncDir, unlinkIfExists } from './fs-util.ts';
import type { LogSegment } from './log-segment.ts';
import { RECORD_BATCH_OVERHEAD } from '../records/index.ts';

/** Steps 2 to 4 for a cleaned segment whose files are written, fsynced and closed. `olds` are in offset order. */
export function commitCleanedSegment(dir: string, cleaned: LogSegment, olds: readonly LogSegment[]): void {
  const cleanedPaths = cleaned.filePaths();
  for (const path of cleanedPaths) {
    if (!path.endsWith(CLEANED_FILE_SUFFIX)) throw new Error(`${path} is not a cleaned segment file`);
    fs.renameSync(path, swapPathOf(path));
  }
  fsyncDir(dir);
  for (const old of olds) old.deleteFiles();
  for (const path of cleanedPaths) fs.renameSync(swapPathOf(path), path.slice(0, -CLEANED_FILE_SUFFIX.length));
  fsyncDir(dir);
}

/**
 * The aborted transactions cannot be rebuilt from the log, so unlike the
 * other indexes the swap's `.txnindex` is kept. A cleaned segment has one
 * exactly when one of the segments it replaces had one (the cleaner writes
 * an empty file when it kept none of their entries), so: a `.txnindex.swap`
 * is the new index and replaces the old one of the same base; without it
 * the final-named file, if any, is already the new one.
 */
function completeTxnIndexSwap(dir: string, baseOffset: number): void {
  const finalPath = segmentFilePath(dir, baseOffset, TXN_INDEX_FILE_SUFFIX);
  const swapPath = finalPath + SWAP_FILE_SUFFIX;
  if (fileSizeOrMissing(swapPath) < 0) return;
  fs.renameSync(swapPath, finalPath);
}

function swapPathOf(cleanedPath: string): string {
  return cleanedPath.slice(0, -CLEANED_FILE_SUFFIX.length) + SWAP_FILE_SUFFIX;
}

/** Recovery of committed swaps; returns how many it completed. Run before leftovers are removed. */
export function completeSwaps(dir: string, log: (line: string) => void): number {
  const names = fs.readdirSync(dir);
  let completed = 0;
  for (const name of names) {
    if (!name.endsWith(LOG_FILE_SUFFIX + SWAP_FILE_SUFFIX)) continue;
    const baseOffset = parseSegmentFileName(name.slice(0, -SWAP_FILE_SUFFIX.length));
    if (baseOffset < 0) continue;
    const swapPath = join(dir, name);
    const nextOffset = nextOffsetOfFile(swapPath, baseOffset);
    if (nextOffset < 0) {
      // The protocol fsyncs a segment before naming it `.swap`; one that does not frame whole batches was not ours to trust.
      log(`${swapPath} does not hold whole batches; leaving the segments it would replace`);
      continue;
    }
    const endOffset = Math.max(nextOffset, baseOffset + 1);
    for (const other of names) {
      if (!other.endsWith(LOG_FILE_SUFFIX)) continue;
      const otherBase = parseSegmentFileName(other);
      if (otherBase < baseOffset || otherBase >= endOffset) continue;
      log(`completing the swap of ${swapPath}: deleting ${join(dir, other)}`);
      for (const suffix of [INDEX_FILE_SUFFIX, TIME_INDEX_FILE_SUFFIX, LOG_FILE_SUFFIX]) unlinkIfExists(segmentFilePath(dir, otherBase, suffix));
      // The swap's own `.txnindex` may already carry the final name (step 4 renames it before the `.log`).
      if (otherBase !== baseOffset) unlinkIfExists(segmentFilePath(dir, otherBase, TXN_INDEX_FILE_SUFFIX));
    }
    completeTxnIndexSwap(dir, baseOffset);
    // The swap's indexes may be partly renamed; recovery rebuilds them from the log.
    for (const suffix of [INDEX_FILE_SUFFIX, TIME_INDEX_FILE_SUFFIX]) {
      unlinkIfExists(segmentFilePath(dir, baseOffset, suffix));
      unlinkIfExists(segmentFilePath(dir, baseOffset, suffix) + SWAP_FILE_SUFFIX);
    }
    fs.renameSync(swapPath, segmentFilePath(dir, baseOffset, LOG_FILE_SUFFIX));
    completed++;
  }
  if (completed > 0) fsyncDir(dir);
  return completed;
}

/** The offset after the last batch of a segment file found on disk (its base when empty), or -1 when it does not frame whole batches to its end. */
function nextOffsetOfFile(path: string, baseOffset: number): number {
  const fd = fs.openSync(path, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const cursor = new BatchCursor(fd, 0, size);
    let nextOffset = baseOffset;
    const stepsMax = Math.ceil(size / RECORD_BATCH_OVERHEAD) + 1;
    for (let step = 0; step <= stepsMax; step++) {
      const state = cursor.load();
      if (state === CURSOR_END) return nextOffset;
      if (state !== CURSOR_BATCH || cursor.baseOffset < nextOffset) return -1;
      nextOffset = cursor.lastOffset + 1;
      cursor.advance();
    }
    return -1;
  } finally {
    fs.closeSync(fd);
  }
}
