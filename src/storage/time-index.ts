/**
 * The sparse time index of one segment, `<baseOffset>.timeindex`. The file
 * is a sequence of 12-byte entries, big-endian, no header, no checksum:
 *
 *   timestamp       i64   the largest batch maxTimestamp seen so far in the segment
 *   relativeOffset  u32   lastOffset of the batch that carried it, minus the base offset
 *
 * An entry is considered at each offset-index entry and kept only when the
 * timestamp grew (Kafka's maybeAppend), so timestamps strictly increase and
 * offsets never decrease. When a segment stops being active (roll, close)
 * a final entry records its max timestamp, which is how a reopened segment
 * knows it without reading the log. A lookup returns the last entry with
 * timestamp <= the target; every batch before that entry's offset has a
 * smaller max timestamp, so a search for the first record >= the target may
 * start there.
 */
import { CorruptIndexError } from './errors.ts';
import { readInt64Number, writeInt64Number } from './fs-util.ts';
import { IndexStore } from './index-store.ts';

export const TIME_INDEX_ENTRY_BYTES = 12;
/** Kafka's RecordBatch.NO_TIMESTAMP. */
export const NO_TIMESTAMP = -1;

export class TimeIndex {
  readonly baseOffset: number;
  /** Kafka's maxEntries: segment.index.bytes / 12 at creation. */
  readonly entriesMax: number;
  private readonly store: IndexStore;
  private lastTimestampValue: number;
  private lastOffsetValue: number;

  private constructor(store: IndexStore, baseOffset: number, indexBytesMax: number) {
    this.store = store;
    this.baseOffset = baseOffset;
    this.entriesMax = Math.floor(indexBytesMax / TIME_INDEX_ENTRY_BYTES);
    this.lastTimestampValue = NO_TIMESTAMP;
    this.lastOffsetValue = baseOffset;
  }

  static create(path: string, baseOffset: number, indexBytesMax: number): TimeIndex {
    return new TimeIndex(IndexStore.create(path, TIME_INDEX_ENTRY_BYTES), baseOffset, indexBytesMax);
  }

  static rebuilt(path: string, baseOffset: number, indexBytesMax: number): TimeIndex {
    return new TimeIndex(IndexStore.rebuilt(path, TIME_INDEX_ENTRY_BYTES), baseOffset, indexBytesMax);
  }

  /** Opens the file, checks it holds whole entries and reads the last one (the segment's max timestamp). */
  static open(path: string, baseOffset: number, indexBytesMax: number): TimeIndex {
    const store = IndexStore.open(path, TIME_INDEX_ENTRY_BYTES);
    if (store === -1) throw new CorruptIndexError(path, 'missing');
    if (store === -2) throw new CorruptIndexError(path, `size is not a multiple of ${TIME_INDEX_ENTRY_BYTES}`);
    const index = new TimeIndex(store, baseOffset, indexBytesMax);
    if (store.entries > 0) {
      const last = Buffer.allocUnsafe(TIME_INDEX_ENTRY_BYTES);
      store.readLastEntryFromFile(last);
      index.lastTimestampValue = readInt64Number(last, 0);
      index.lastOffsetValue = baseOffset + last.readUInt32BE(8);
      if (index.lastTimestampValue < 0) throw new CorruptIndexError(path, `negative timestamp ${index.lastTimestampValue}`);
    }
    return index;
  }

  get path(): string {
    return this.store.path;
  }

  get entries(): number {
    return this.store.entries;
  }

  isFull(): boolean {
    return this.store.entries >= this.entriesMax;
  }

  /** Timestamp of the last entry, NO_TIMESTAMP when empty. */
  get lastTimestamp(): number {
    return this.lastTimestampValue;
  }

  /** Offset of the last entry, the base offset when empty. */
  get lastOffset(): number {
    return this.lastOffsetValue;
  }

  /** Loads a lazily opened file and checks every entry; throws CorruptIndexError. */
  ensureLoaded(): void {
    if (this.store.isLoaded) return;
    this.store.load();
    const bytes = this.store.bytes;
    let previousTimestamp = NO_TIMESTAMP;
    let previousOffset = 0;
    for (let at = 0; at < this.store.entries * TIME_INDEX_ENTRY_BYTES; at += TIME_INDEX_ENTRY_BYTES) {
      const timestamp = readInt64Number(bytes, at);
      const relative = bytes.readUInt32BE(at + 8);
      if (timestamp <= previousTimestamp || relative < previousOffset) {
        throw new CorruptIndexError(this.path, `entry ${at / TIME_INDEX_ENTRY_BYTES} (${timestamp}, ${relative}) is out of order`);
      }
      previousTimestamp = timestamp;
      previousOffset = relative;
    }
  }

  /**
   * Adds (timestamp, offset) when the timestamp is larger than the last
   * entry's. `skipFullCheck` lets roll and close record the final entry in a
   * full index, as Kafka does.
   */
  maybeAppend(timestamp: number, offset: number, skipFullCheck: boolean): void {
    if (timestamp <= this.lastTimestampValue) return;
    if (!skipFullCheck && this.isFull()) throw new Error(`time index ${this.path} is full`);
    if (this.store.entries > 0 && offset < this.lastOffsetValue) {
      throw new Error(`time index ${this.path}: offset ${offset} after ${this.lastOffsetValue}`);
    }
    const at = this.store.appendSlot();
    const bytes = this.store.bytes;
    writeInt64Number(bytes, timestamp, at);
    bytes.writeUInt32BE(offset - this.baseOffset, at + 8);
    this.lastTimestampValue = timestamp;
    this.lastOffsetValue = offset;
  }

  /**
   * The last entry with timestamp <= target as (timestamp, offset), or
   * (NO_TIMESTAMP, baseOffset) when there is none. Needs ensureLoaded.
   * Writes into `out` so the caller owns the allocation.
   */
  lookup(targetTimestamp: number, out: { timestamp: number; offset: number }): void {
    const bytes = this.store.bytes;
    let low = 0;
    let high = this.store.entries - 1;
    let found = -1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      if (readInt64Number(bytes, middle * TIME_INDEX_ENTRY_BYTES) <= targetTimestamp) {
        found = middle;
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    if (found < 0) {
      out.timestamp = NO_TIMESTAMP;
      out.offset = this.baseOffset;
      return;
    }
    out.timestamp = readInt64Number(bytes, found * TIME_INDEX_ENTRY_BYTES);
    out.offset = this.baseOffset + bytes.readUInt32BE(found * TIME_INDEX_ENTRY_BYTES + 8);
  }

  /** Drops every entry whose offset is >= `offset`. Needs ensureLoaded. */
  truncateTo(offset: number): void {
    const bytes = this.store.bytes;
    let keep = this.store.entries;
    while (keep > 0 && this.baseOffset + bytes.readUInt32BE((keep - 1) * TIME_INDEX_ENTRY_BYTES + 8) >= offset) keep--;
    this.store.truncateEntries(keep);
    this.refreshLast();
  }

  reset(): void {
    this.store.truncateEntries(0);
    this.refreshLast();
  }

  private refreshLast(): void {
    const count = this.store.entries;
    if (count === 0) {
      this.lastTimestampValue = NO_TIMESTAMP;
      this.lastOffsetValue = this.baseOffset;
      return;
    }
    const at = (count - 1) * TIME_INDEX_ENTRY_BYTES;
    this.lastTimestampValue = readInt64Number(this.store.bytes, at);
    this.lastOffsetValue = this.baseOffset + this.store.bytes.readUInt32BE(at + 8);
  }

  /** Entry `slot` as [timestamp, offset], for tests and tools. Needs ensureLoaded. */
  entryAt(slot: number): [number, number] {
    const at = slot * TIME_INDEX_ENTRY_BYTES;
    return [readInt64Number(this.store.bytes, at), this.baseOffset + this.store.bytes.readUInt32BE(at + 8)];
  }

  writeTail(): void {
    this.store.writeTail();
  }

  sync(): void {
    this.store.sync();
  }

  closeFile(): void {
    this.store.closeFile();
  }
}
