/**
 * The cleaner's key → latest offset map, Kafka's SkimpyOffsetMap: a fixed
 * block of memory holding an open-addressing hash table whose slots are
 *
 *   hash    16 bytes  128-bit digest of the key (key-hash.ts; Kafka uses MD5)
 *   offset  8 bytes   float64 (offsets are exact below 2^53), -1 = empty slot
 *
 * Only the key's digest is stored, so memory does not grow with key size
 * and is fixed up front; two keys with the same 128-bit digest would share
 * a slot, which Kafka accepts as well. The table takes at most `loadFactor` of its
 * slots (log.cleaner.io.buffer.load.factor) so probes stay short; `isFull`
 * says when the caller must stop adding keys.
 */
import { keyDigest } from './key-hash.ts';

export const OFFSET_MAP_HASH_BYTES = 16;
const OFFSET_BYTES = 8;
export const OFFSET_MAP_SLOT_BYTES = OFFSET_MAP_HASH_BYTES + OFFSET_BYTES;
const EMPTY = -1;
const HASH_WORDS = OFFSET_MAP_HASH_BYTES / 4;

export class OffsetMap {
  readonly slots: number;
  /** Distinct keys the map accepts before it reports full. */
  readonly entriesMax: number;
  private readonly hashes: Uint32Array;
  private readonly offsets: Float64Array;
  private entries: number;
  private latest: number;
  /** The digest of the key being looked up; one per map, so a lookup allocates nothing. */
  private readonly digest: Uint32Array;

  constructor(memoryBytes: number, loadFactor: number) {
    this.entriesMax = OffsetMap.entriesMaxOf(memoryBytes, loadFactor);
    this.slots = Math.floor(memoryBytes / OFFSET_MAP_SLOT_BYTES);
    this.hashes = new Uint32Array(this.slots * HASH_WORDS);
    this.offsets = new Float64Array(this.slots).fill(EMPTY);
    this.entries = 0;
    this.latest = -1;
    this.digest = new Uint32Array(HASH_WORDS);
  }

  /** Keys a map of this size holds; throws a RangeError for settings that hold none. Allocates nothing. */
  static entriesMaxOf(memoryBytes: number, loadFactor: number): number {
    if (!(loadFactor > 0 && loadFactor <= 1)) throw new RangeError(`offset map load factor ${loadFactor} must be in (0, 1]`);
    const slots = Math.floor(memoryBytes / OFFSET_MAP_SLOT_BYTES);
    // One slot always stays empty, so a probe for an absent key ends.
    const entriesMax = Math.min(Math.floor(slots * loadFactor), slots - 1);
    if (!Number.isSafeInteger(memoryBytes) || entriesMax < 1) throw new RangeError(`an offset map of ${memoryBytes} bytes holds no key`);
    return entriesMax;
  }

  get size(): number {
    return this.entries;
  }

  /** The largest offset put since the last clear, -1 when none. */
  get latestOffset(): number {
    return this.latest;
  }

  isFull(): boolean {
    return this.entries >= this.entriesMax;
  }

  /** Kafka's updateLatestOffset: the mapped range ends here even when its last records had no key. */
  updateLatestOffset(offset: number): void {
    if (offset > this.latest) this.latest = offset;
  }

  clear(): void {
    this.offsets.fill(EMPTY);
    this.entries = 0;
    this.latest = -1;
  }

  /** Records `offset` as the latest for `key`. A new key in a full map is a programmer error. */
  put(key: Buffer, offset: number): void {
    keyDigest(key, this.digest);
    const slot = this.find();
    if (this.offsets[slot] === EMPTY) {
      if (this.isFull()) throw new Error(`offset map is full (${this.entries} keys)`);
      this.entries++;
      this.hashes.set(this.digest, slot * HASH_WORDS);
    }
    this.offsets[slot] = offset;
    if (offset > this.latest) this.latest = offset;
  }

  /** The latest offset recorded for `key`, or -1. */
  get(key: Buffer): number {
    keyDigest(key, this.digest);
    return this.offsets[this.find()]!;
  }

  /** The slot holding this.digest, or the empty slot where it would go (linear probing). */
  private find(): number {
    const digest = this.digest;
    const hashes = this.hashes;
    const w0 = digest[0]!;
    let slot = w0 % this.slots;
    for (let probe = 0; probe < this.slots; probe++) {
      if (this.offsets[slot] === EMPTY) return slot;
      const at = slot * HASH_WORDS;
      if (hashes[at] === w0 && hashes[at + 1] === digest[1] && hashes[at + 2] === digest[2] && hashes[at + 3] === digest[3]) return slot;
      slot = slot + 1 === this.slots ? 0 : slot + 1;
    }
    throw new Error('offset map has no free slot');
  }
}
