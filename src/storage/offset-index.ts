/**
 * The sparse offset index of one segment, `<baseOffset>.index`. The file is
 * a sequence of 8-byte entries, big-endian, no header and no checksum:
 *
 *   relativeOffset  u32   lastOffset of a batch minus the segment's base offset
 *   position        u32   byte position of that batch in the `.log` file
 *
 * Entries are added every index.interval.bytes of log (Kafka's rule: when
 * more than that many bytes were appended since the last entry), with both
 * fields strictly increasing. A lookup returns the position of the last
 * entry whose offset is <= the target, so the batch holding the target is
 * at or after it; a reader then walks batch headers forward. Because an
 * entry names a batch's last offset, the batch at that position never holds
 * offsets above it. Like Kafka, the file is not checksummed: a segment whose
 * index fails the sanity checks is rebuilt from its log.
 */
import { CorruptIndexError } from './errors.ts';
import { IndexStore } from './index-store.ts';

export const OFFSET_INDEX_ENTRY_BYTES = 8;

export class OffsetIndex {
  readonly baseOffset: number;
  /** Kafka's maxEntries: segment.index.bytes / 8 at creation. */
  readonly entriesMax: number;
  private readonly store: IndexStore;
  private lastOffsetValue: number;
  private lastPositionValue: number;

  private constructor(store: IndexStore, baseOffset: number, indexBytesMax: number) {
    this.store = store;
    this.baseOffset = baseOffset;
    this.entriesMax = Math.floor(indexBytesMax / OFFSET_INDEX_ENTRY_BYTES);
    this.lastOffsetValue = baseOffset;
    this.lastPositionValue = 0;
  }

  static create(path: string, baseOffset: number, indexBytesMax: number): OffsetIndex {
    return new OffsetIndex(IndexStore.create(path, OFFSET_INDEX_ENTRY_BYTES), baseOffset, indexBytesMax);
  }

  /** An empty index whose file is overwritten on the next write: the segment is being recovered. */
  static rebuilt(path: string, baseOffset: number, indexBytesMax: number): OffsetIndex {
    return new OffsetIndex(IndexStore.rebuilt(path, OFFSET_INDEX_ENTRY_BYTES), baseOffset, indexBytesMax);
  }

  /**
   * Opens the file and sanity-checks what is cheap without reading it all
   * (Kafka's sanityCheck): whole entries, and a last entry inside the segment.
   */
  static open(path: string, baseOffset: number, indexBytesMax: number, logBytes: number): OffsetIndex {
    const store = IndexStore.open(path, OFFSET_INDEX_ENTRY_BYTES);
    if (store === -1) throw new CorruptIndexError(path, 'missing');
    if (store === -2) throw new CorruptIndexError(path, `size is not a multiple of ${OFFSET_INDEX_ENTRY_BYTES}`);
    const index = new OffsetIndex(store, baseOffset, indexBytesMax);
    if (store.entries > 0) {
      const last = Buffer.allocUnsafe(OFFSET_INDEX_ENTRY_BYTES);
      store.readLastEntryFromFile(last);
      index.lastOffsetValue = baseOffset + last.readUInt32BE(0);
      index.lastPositionValue = last.readUInt32BE(4);
      if (index.lastPositionValue >= logBytes) {
        throw new CorruptIndexError(path, `last entry points at byte ${index.lastPositionValue}, the log has ${logBytes}`);
      }
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

  /** Offset of the last entry (the base offset when empty). */
  get lastOffset(): number {
    return this.lastOffsetValue;
  }

  /** Position of the last entry (0 when empty). */
  get lastPosition(): number {
    return this.lastPositionValue;
  }

  /** Loads a lazily opened file and checks every entry; throws CorruptIndexError. */
  ensureLoaded(logBytes: number): void {
    if (this.store.isLoaded) return;
    this.store.load();
    const bytes = this.store.bytes;
    let previousOffset = -1;
    let previousPosition = -1;
    for (let at = 0; at < this.store.entries * OFFSET_INDEX_ENTRY_BYTES; at += OFFSET_INDEX_ENTRY_BYTES) {
      const relative = bytes.readUInt32BE(at);
      const position = bytes.readUInt32BE(at + 4);
      if (relative <= previousOffset || position <= previousPosition || position >= logBytes) {
        throw new CorruptIndexError(this.path, `entry ${at / OFFSET_INDEX_ENTRY_BYTES} (${relative}, ${position}) is out of order`);
      }
      previousOffset = relative;
      previousPosition = position;
    }
  }

  /** Adds an entry; offsets and positions must grow (an assertion, as in Kafka's OffsetIndex.append). */
  append(offset: number, position: number): void {
    if (this.store.entries > 0 && (offset <= this.lastOffsetValue || position <= this.lastPositionValue)) {
      throw new Error(`offset index ${this.path}: entry (${offset}, ${position}) after (${this.lastOffsetValue}, ${this.lastPositionValue})`);
    }
    const at = this.store.appendSlot();
    const bytes = this.store.bytes;
    bytes.writeUInt32BE(offset - this.baseOffset, at);
    bytes.writeUInt32BE(position, at + 4);
    this.lastOffsetValue = offset;
    this.lastPositionValue = position;
  }

  /** Position of the last entry with offset <= target, or 0 (the segment start). Needs ensureLoaded. */
  lookup(targetOffset: number): number {
    const slot = this.floorSlot(targetOffset - this.baseOffset);
    return slot < 0 ? 0 : this.store.bytes.readUInt32BE(slot * OFFSET_INDEX_ENTRY_BYTES + 4);
  }

  /** Binary search over the raw entries: the last slot with relativeOffset <= target, or -1. */
  private floorSlot(relativeTarget: number): number {
    const bytes = this.store.bytes;
    let low = 0;
    let high = this.store.entries - 1;
    let found = -1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      if (bytes.readUInt32BE(middle * OFFSET_INDEX_ENTRY_BYTES) <= relativeTarget) {
        found = middle;
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    return found;
  }

  /** Drops every entry whose offset is >= `offset`. Needs ensureLoaded. */
  truncateTo(offset: number): void {
    const keep = this.floorSlot(offset - this.baseOffset - 1) + 1;
    this.store.truncateEntries(keep);
    this.refreshLast();
  }

  /** Forgets every entry; the file follows on the next write. */
  reset(): void {
    this.store.truncateEntries(0);
    this.refreshLast();
  }

  private refreshLast(): void {
    const count = this.store.entries;
    if (count === 0) {
      this.lastOffsetValue = this.baseOffset;
      this.lastPositionValue = 0;
      return;
    }
    const at = (count - 1) * OFFSET_INDEX_ENTRY_BYTES;
    this.lastOffsetValue = this.baseOffset + this.store.bytes.readUInt32BE(at);
    this.lastPositionValue = this.store.bytes.readUInt32BE(at + 4);
  }

  /** Entry `slot` as [offset, position], for tests and tools. Needs ensureLoaded. */
  entryAt(slot: number): [number, number] {
    const at = slot * OFFSET_INDEX_ENTRY_BYTES;
    return [this.baseOffset + this.store.bytes.readUInt32BE(at), this.store.bytes.readUInt32BE(at + 4)];
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
