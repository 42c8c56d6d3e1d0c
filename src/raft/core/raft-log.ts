/**
 * The in-memory view of one node's metadata log: an optional snapshot that
 * covers [0, startOffset) and the contiguous entries after it. It also tracks
 * which changes the driver has not been handed yet (the "unstable" part, as
 * etcd calls it), so a Ready carries exactly the net effect since the last one:
 * a snapshot to install, a truncation point, and the entries to append.
 */
import type { Entry, OffsetAndEpoch, Snapshot } from './types.ts';

export class RaftInvariantError extends Error {
  constructor(message: string) {
    super(`raft invariant violated: ${message}`);
    this.name = 'RaftInvariantError';
  }
}

export function invariant(condition: boolean, message: string): asserts condition {
  if (!condition) throw new RaftInvariantError(message);
}

export function entryEnd(entry: Entry): number {
  return entry.baseOffset + entry.records.length;
}

/** What the driver must do to its durable log to match this one. */
export interface LogChanges {
  readonly snapshot: Snapshot | null;
  readonly truncateTo: number | null;
  readonly entries: readonly Entry[];
}

export class RaftLog {
  private entries: Entry[] = [];
  private snap: Snapshot | null;
  private start: number;
  /** Entries at or after this offset were never handed to the driver. */
  private unstableOffset: number;
  /** The lowest truncation of handed-out entries since the last takeChanges(). */
  private pendingTruncateTo: number | null = null;
  private pendingSnapshot: Snapshot | null = null;

  constructor(snapshot: Snapshot | null, entries: readonly Entry[]) {
    this.snap = snapshot;
    this.start = snapshot === null ? 0 : snapshot.id.offset;
    for (const entry of entries) this.append(entry);
    this.unstableOffset = this.endOffset;
  }

  get startOffset(): number {
    return this.start;
  }

  get endOffset(): number {
    const last = this.entries[this.entries.length - 1];
    return last === undefined ? this.start : entryEnd(last);
  }

  /** Epoch of the last entry, or of the snapshot when there are none, or 0 for an empty log. */
  get lastEpoch(): number {
    const last = this.entries[this.entries.length - 1];
    if (last !== undefined) return last.epoch;
    return this.snap === null ? 0 : this.snap.id.epoch;
  }

  get snapshot(): Snapshot | null {
    return this.snap;
  }

  get entryCount(): number {
    return this.entries.length;
  }

  append(entry: Entry): void {
    invariant(entry.records.length > 0, `entry at ${entry.baseOffset} has no records`);
    invariant(entry.baseOffset === this.endOffset,
      `appending non-contiguous entry at ${entry.baseOffset}, log end is ${this.endOffset}`);
    invariant(entry.epoch >= this.lastEpoch,
      `appending entry of epoch ${entry.epoch} after epoch ${this.lastEpoch}`);
    this.entries.push(entry);
  }

  /** Index of the entry starting exactly at `offset`, or -1. */
  private indexOf(offset: number): number {
    let low = 0;
    let high = this.entries.length - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const base = this.entries[middle].baseOffset;
      if (base === offset) return middle;
      if (base < offset) low = middle + 1;
      else high = middle - 1;
    }
    return -1;
  }

  /** Index of the entry containing `offset`, or -1 when outside the entries. */
  private indexContaining(offset: number): number {
    if (offset < this.start || offset >= this.endOffset) return -1;
    let low = 0;
    let high = this.entries.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >>> 1;
      if (this.entries[middle].baseOffset <= offset) low = middle;
      else high = middle - 1;
    }
    return low;
  }

  /** True when an entry starts at `offset` or it is the log's start or end. */
  isBoundary(offset: number): boolean {
    return offset === this.start || offset === this.endOffset || this.indexOf(offset) >= 0;
  }

  /** The largest entry boundary <= offset (and >= startOffset). */
  floorBoundary(offset: number): number {
    if (offset >= this.endOffset) return this.endOffset;
    if (offset <= this.start) return this.start;
    return this.entries[this.indexContaining(offset)].baseOffset;
  }

  /** The epoch of the entry that contains offset - 1 (the entry before `offset`). */
  epochBefore(offset: number): number | null {
    if (offset === this.start) return this.snap === null ? (offset === 0 ? 0 : null) : this.snap.id.epoch;
    const index = this.indexContaining(offset - 1);
    return index < 0 ? null : this.entries[index].epoch;
  }

  /**
   * The largest epoch <= `epoch` in this log and the offset where it ends; the
   * snapshot counts as the end of its epoch. Null when the log knows no such
   * epoch (it is older than the snapshot).
   */
  endOffsetForEpoch(epoch: number): OffsetAndEpoch | null {
    for (let index = this.entries.length - 1; index >= 0; index--) {
      const entry = this.entries[index];
      if (entry.epoch <= epoch) return { epoch: entry.epoch, offset: entryEnd(entry) };
    }
    if (this.snap !== null) {
      return this.snap.id.epoch <= epoch ? { epoch: this.snap.id.epoch, offset: this.start } : null;
    }
    return { epoch: 0, offset: 0 };
  }

  /** Entries starting at `offset` (a boundary), whole, at most `recordsMax` records but at least one entry. */
  read(offset: number, recordsMax: number): Entry[] {
    if (offset === this.endOffset) return [];
    const first = this.indexOf(offset);
    invariant(first >= 0, `read from ${offset} which is not an entry boundary in [${this.start}, ${this.endOffset})`);
    const result: Entry[] = [];
    let records = 0;
    for (let index = first; index < this.entries.length; index++) {
      const entry = this.entries[index];
      if (result.length > 0 && records + entry.records.length > recordsMax) break;
      result.push(entry);
      records += entry.records.length;
    }
    return result;
  }

  /** Whole entries covering [from, to); both must be boundaries. */
  slice(from: number, to: number): Entry[] {
    if (from >= to) return [];
    const first = this.indexOf(from);
    invariant(first >= 0, `slice from ${from} which is not an entry boundary`);
    const result: Entry[] = [];
    for (let index = first; index < this.entries.length && this.entries[index].baseOffset < to; index++) {
      result.push(this.entries[index]);
    }
    const last = result[result.length - 1];
    invariant(last !== undefined && entryEnd(last) === to, `slice to ${to} is not an entry boundary`);
    return result;
  }

  truncateTo(offset: number): void {
    invariant(offset >= this.start, `truncating to ${offset} below the log start ${this.start}`);
    invariant(this.isBoundary(offset), `truncating to ${offset} which is not an entry boundary`);
    if (offset >= this.endOffset) return;
    const index = this.indexOf(offset);
    this.entries.length = index < 0 ? 0 : index;
    invariant(this.endOffset === offset, `truncation ended at ${this.endOffset}, wanted ${offset}`);
    if (offset < this.unstableOffset) {
      this.pendingTruncateTo = this.pendingTruncateTo === null ? offset : Math.min(this.pendingTruncateTo, offset);
      this.unstableOffset = offset;
    }
  }

  /** Replaces the whole log with a snapshot fetched from the leader. */
  installSnapshot(snapshot: Snapshot): void {
    this.entries = [];
    this.snap = snapshot;
    this.start = snapshot.id.offset;
    this.pendingSnapshot = snapshot;
    this.pendingTruncateTo = null;
    this.unstableOffset = this.start;
  }

  /** The driver took its own snapshot: drop the entries it covers. */
  compact(snapshot: Snapshot): void {
    const offset = snapshot.id.offset;
    invariant(offset > this.start && offset <= this.endOffset, `snapshot at ${offset} outside (${this.start}, ${this.endOffset}]`);
    invariant(offset <= this.unstableOffset, `snapshot at ${offset} covers entries the driver has not persisted`);
    invariant(this.isBoundary(offset), `snapshot at ${offset} is not an entry boundary`);
    invariant(this.epochBefore(offset) === snapshot.id.epoch,
      `snapshot epoch ${snapshot.id.epoch} differs from the log's ${this.epochBefore(offset)} at ${offset - 1}`);
    const index = this.indexOf(offset);
    this.entries = index < 0 ? [] : this.entries.slice(index);
    this.snap = snapshot;
    this.start = offset;
  }

  hasChanges(): boolean {
    return this.pendingSnapshot !== null || this.pendingTruncateTo !== null || this.unstableOffset < this.endOffset;
  }

  takeChanges(): LogChanges {
    const first = this.unstableOffset < this.endOffset ? this.indexOf(this.unstableOffset) : -1;
    invariant(this.unstableOffset >= this.endOffset || first >= 0, `unstable offset ${this.unstableOffset} is not a boundary`);
    const changes: LogChanges = {
      snapshot: this.pendingSnapshot,
      truncateTo: this.pendingTruncateTo,
      entries: first < 0 ? [] : this.entries.slice(first),
    };
    this.pendingSnapshot = null;
    this.pendingTruncateTo = null;
    this.unstableOffset = this.endOffset;
    return changes;
  }
}
