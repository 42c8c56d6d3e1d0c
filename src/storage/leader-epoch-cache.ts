/**
 * Leader epochs and the offset each began at, kept in the partition
 * directory as `leader-epoch-checkpoint` in Kafka's checkpoint format:
 *
 *   0
 *   <count>
 *   <epoch> <startOffset>      one line per epoch, both ascending
 *
 * Replication uses it to answer OffsetForLeaderEpoch and to decide where a
 * follower truncates. Every change is written through (temp file, fsync,
 * rename) as Kafka does; changes happen once per leader change, not per
 * append.
 */
import fs from 'node:fs';
import { join } from 'node:path';
import { parseOffsetField, readCheckpointFile, writeCheckpointFile } from './checkpoint-file.ts';
import { CheckpointFormatError } from './errors.ts';
import { LEADER_EPOCH_CHECKPOINT_FILE } from './file-names.ts';

/** Kafka's UNDEFINED_EPOCH and UNDEFINED_EPOCH_OFFSET. */
export const UNDEFINED_EPOCH = -1;
export const UNDEFINED_EPOCH_OFFSET = -1;

export interface EpochEntry {
  epoch: number;
  startOffset: number;
}

export class LeaderEpochCache {
  /** null for a cache that is never persisted (tests, tools). */
  private readonly path: string | null;
  private entriesValue: EpochEntry[];

  private constructor(path: string | null, entries: EpochEntry[]) {
    this.path = path;
    this.entriesValue = entries;
  }

  static inMemory(): LeaderEpochCache {
    return new LeaderEpochCache(null, []);
  }

  /** Reads the checkpoint (a missing file is an empty cache); throws CheckpointFormatError. */
  static load(path: string): LeaderEpochCache {
    const lines = readCheckpointFile(path, 2) ?? [];
    const entries: EpochEntry[] = [];
    for (const [epochText, offsetText] of lines) {
      const entry = { epoch: parseOffsetField(path, epochText!), startOffset: parseOffsetField(path, offsetText!) };
      const previous = entries[entries.length - 1];
      if (previous !== undefined && (entry.epoch <= previous.epoch || entry.startOffset < previous.startOffset)) {
        throw new CheckpointFormatError(path, `epoch ${entry.epoch} at ${entry.startOffset} is not after ${previous.epoch} at ${previous.startOffset}`);
      }
      entries.push(entry);
    }
    return new LeaderEpochCache(path, entries);
  }

  get entries(): readonly EpochEntry[] {
    return this.entriesValue;
  }

  /** The newest epoch, or UNDEFINED_EPOCH. */
  get latestEpoch(): number {
    const last = this.entriesValue[this.entriesValue.length - 1];
    return last === undefined ? UNDEFINED_EPOCH : last.epoch;
  }

  /**
   * Records that `epoch` begins at `startOffset`. A no-op for the current
   * epoch at a later offset; entries that would break monotonicity (an epoch
   * >= this one, or a start >= this one) are removed first, as in Kafka.
   */
  assign(epoch: number, startOffset: number): void {
    if (!Number.isSafeInteger(epoch) || epoch < 0 || !Number.isSafeInteger(startOffset) || startOffset < 0) {
      throw new RangeError(`leader epoch ${epoch} at ${startOffset} must be non-negative integers`);
    }
    const last = this.entriesValue[this.entriesValue.length - 1];
    if (last !== undefined && last.epoch === epoch && startOffset >= last.startOffset) return;
    this.entriesValue = this.entriesValue.filter((entry) => entry.epoch < epoch && entry.startOffset < startOffset);
    this.entriesValue.push({ epoch, startOffset });
    this.persist();
  }

  /**
   * Kafka's endOffsetFor: for the latest epoch, the log end offset; for an
   * older one, the start of the next higher epoch, paired with the largest
   * known epoch <= the requested one; (UNDEFINED, UNDEFINED) when unknown.
   */
  endOffsetFor(requestedEpoch: number, logEndOffset: number): { epoch: number; endOffset: number } {
    if (requestedEpoch === UNDEFINED_EPOCH) return { epoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
    if (requestedEpoch === this.latestEpoch) return { epoch: requestedEpoch, endOffset: logEndOffset };
    const entries = this.entriesValue;
    const higher = entries.findIndex((entry) => entry.epoch > requestedEpoch);
    if (higher < 0) return { epoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
    if (higher === 0) return { epoch: requestedEpoch, endOffset: entries[0]!.startOffset };
    return { epoch: entries[higher - 1]!.epoch, endOffset: entries[higher]!.startOffset };
  }

  /** The epoch an offset was written in, or UNDEFINED_EPOCH when before every entry. */
  epochForOffset(offset: number): number {
    let epoch = UNDEFINED_EPOCH;
    for (const entry of this.entriesValue) {
      if (entry.startOffset > offset) break;
      epoch = entry.epoch;
    }
    return epoch;
  }

  /** Drops epochs starting at or after `endOffset` (the log was truncated there). */
  truncateFromEnd(endOffset: number): void {
    const kept = this.entriesValue.filter((entry) => entry.startOffset < endOffset);
    if (kept.length === this.entriesValue.length) return;
    this.entriesValue = kept;
    this.persist();
  }

  /** Drops epochs wholly below `startOffset`, moving the one in force there up to it (Kafka's truncateFromStart). */
  truncateFromStart(startOffset: number): void {
    const entries = this.entriesValue;
    let firstKept = 0;
    while (firstKept < entries.length && entries[firstKept]!.startOffset <= startOffset) firstKept++;
    if (firstKept === 0) return;
    const inForce = entries[firstKept - 1]!;
    if (firstKept === 1 && inForce.startOffset === startOffset) return;
    this.entriesValue = [{ epoch: inForce.epoch, startOffset }, ...entries.slice(firstKept)];
    this.persist();
  }

  clear(): void {
    if (this.entriesValue.length === 0) return;
    this.entriesValue = [];
    this.persist();
  }

  private persist(): void {
    if (this.path === null) return;
    writeCheckpointFile(
      this.path,
      this.entriesValue.map((entry) => `${entry.epoch} ${entry.startOffset}`),
    );
  }
}

/** The cache of a partition directory; an unreadable checkpoint is logged, removed and replaced by an empty cache. */
export function loadEpochCacheOrReset(dir: string, log: (line: string, level?: 'warn' | 'error') => void): LeaderEpochCache {
  const path = join(dir, LEADER_EPOCH_CHECKPOINT_FILE);
  try {
    return LeaderEpochCache.load(path);
  } catch (error) {
    if (!(error instanceof CheckpointFormatError)) throw error;
    log(`${error.message}; starting an empty leader epoch cache`, 'warn');
    fs.rmSync(path, { force: true });
    return LeaderEpochCache.load(path);
  }
}
