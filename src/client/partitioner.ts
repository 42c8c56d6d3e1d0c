/**
 * Kafka's default partitioner, as the Java client does it:
 * - a keyed record goes to `toPositive(murmur2(keyBytes)) % numPartitions`
 *   (Utils.murmur2 with seed 0x9747b28c, Utils.toPositive = `h & 0x7fffffff`),
 *   which is also librdkafka's `murmur2_random` for non-null keys;
 * - a record without a key sticks to one partition until the batch it joined
 *   is sent, then the next null-key record picks another (KIP-480).
 * Pure: no sockets, no clock; the producer tells it when a batch left.
 */

const MURMUR2_SEED = 0x9747b28c;
const MURMUR2_M = 0x5bd1e995;
const MURMUR2_R = 24;

/** Java's Utils.murmur2: a signed 32-bit hash of the bytes. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = (MURMUR2_SEED ^ length) | 0;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i << 2;
    let k = data[i4]! | (data[i4 + 1]! << 8) | (data[i4 + 2]! << 16) | (data[i4 + 3]! << 24);
    k = Math.imul(k, MURMUR2_M);
    k ^= k >>> MURMUR2_R;
    k = Math.imul(k, MURMUR2_M);
    h = Math.imul(h, MURMUR2_M);
    h ^= k;
  }
  const tail = length & ~3;
  const rest = length & 3;
  if (rest === 3) h ^= data[tail + 2]! << 16;
  if (rest >= 2) h ^= data[tail + 1]! << 8;
  if (rest >= 1) {
    h ^= data[tail]!;
    h = Math.imul(h, MURMUR2_M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, MURMUR2_M);
  h ^= h >>> 15;
  return h | 0;
}

/** Java's Utils.toPositive: clears the sign bit (not Math.abs, which overflows on MIN_VALUE). */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}

/** The partition Kafka's Java client picks for a keyed record. */
export function partitionForKey(key: Uint8Array, numPartitions: number): number {
  if (!Number.isInteger(numPartitions) || numPartitions <= 0) throw new RangeError(`numPartitions must be a positive integer, got ${numPartitions}`);
  return toPositive(murmur2(key)) % numPartitions;
}

/**
 * Sticky choice for null-key records, per topic. `partition()` keeps
 * answering the same partition until `batchSent(topic, partition)` says the
 * batch it filled has left; the next call then picks a different one.
 */
export class StickyPartitioner {
  private readonly current = new Map<string, number>();
  /** Topics whose sticky batch left: the next call switches partition. */
  private readonly stale = new Set<string>();
  private readonly random: () => number;

  constructor(random: () => number = Math.random) {
    this.random = random;
  }

  partition(topic: string, numPartitions: number): number {
    const sticky = this.current.get(topic);
    if (sticky !== undefined && sticky < numPartitions && !this.stale.has(topic)) return sticky;
    return this.pick(topic, numPartitions, sticky);
  }

  /** The batch that `partition` went into was sent: move on, if it was the sticky one. */
  batchSent(topic: string, partition: number): void {
    if (this.current.get(topic) === partition) this.stale.add(topic);
  }

  private pick(topic: string, numPartitions: number, previous: number | undefined): number {
    let next = Math.floor(this.random() * numPartitions) % numPartitions;
    if (numPartitions > 1 && next === previous) next = (next + 1) % numPartitions;
    this.current.set(topic, next);
    this.stale.delete(topic);
    return next;
  }
}

/** Keyed records by murmur2, null keys sticky; an explicit partition always wins. */
export class DefaultPartitioner {
  private readonly sticky: StickyPartitioner;

  constructor(random?: () => number) {
    this.sticky = new StickyPartitioner(random);
  }

  partition(topic: string, key: Uint8Array | null | undefined, numPartitions: number): number {
    if (key === null || key === undefined) return this.sticky.partition(topic, numPartitions);
    return partitionForKey(key, numPartitions);
  }

  batchSent(topic: string, partition: number): void {
    this.sticky.batchSent(topic, partition);
  }
}
