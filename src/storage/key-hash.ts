/**
 * The offset map's key digest: MurmurHash3 x86_128 (seed 0), written with
 * Math.imul so a key costs one pass and no allocation. Kafka's map stores an
 * MD5 digest; any 128-bit hash with good mixing serves the same purpose
 * (two keys share a slot only on a full 128-bit collision), and this one
 * is several times cheaper than a call into node:crypto per record.
 */

const C1 = 0x239b961b;
const C2 = 0xab0e9789;
const C3 = 0x38b34ae5;
const C4 = 0xa1e38b93;

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

function mixK1(k: number): number {
  return Math.imul(rotl(Math.imul(k, C1), 15), C2);
}
function mixK2(k: number): number {
  return Math.imul(rotl(Math.imul(k, C2), 16), C3);
}
function mixK3(k: number): number {
  return Math.imul(rotl(Math.imul(k, C3), 17), C4);
}
function mixK4(k: number): number {
  return Math.imul(rotl(Math.imul(k, C4), 18), C1);
}

/** Little-endian int32 of up to `count` bytes at `at` (the tail of a key). */
function tailWord(key: Buffer, at: number, count: number): number {
  let word = 0;
  for (let i = Math.min(count, 4) - 1; i >= 0; i--) word = (word << 8) | key[at + i]!;
  return word;
}

/** Writes the 128-bit digest of `key` into `out[0..3]`. */
export function keyDigest(key: Buffer, out: Uint32Array): void {
  const length = key.length;
  const blocksEnd = length - (length & 15);
  let h1 = 0;
  let h2 = 0;
  let h3 = 0;
  let h4 = 0;
  for (let at = 0; at < blocksEnd; at += 16) {
    h1 ^= mixK1(key.readInt32LE(at));
    h1 = (Math.imul(rotl(h1, 19) + h2, 5) + 0x561ccd1b) | 0;
    h2 ^= mixK2(key.readInt32LE(at + 4));
    h2 = (Math.imul(rotl(h2, 17) + h3, 5) + 0x0bcaa747) | 0;
    h3 ^= mixK3(key.readInt32LE(at + 8));
    h3 = (Math.imul(rotl(h3, 15) + h4, 5) + 0x96cd1c35) | 0;
    h4 ^= mixK4(key.readInt32LE(at + 12));
    h4 = (Math.imul(rotl(h4, 13) + h1, 5) + 0x32ac3b17) | 0;
  }
  const tail = length & 15;
  if (tail > 12) h4 ^= mixK4(tailWord(key, blocksEnd + 12, tail - 12));
  if (tail > 8) h3 ^= mixK3(tailWord(key, blocksEnd + 8, tail - 8));
  if (tail > 4) h2 ^= mixK2(tailWord(key, blocksEnd + 4, tail - 4));
  if (tail > 0) h1 ^= mixK1(tailWord(key, blocksEnd, tail));
  h1 ^= length;
  h2 ^= length;
  h3 ^= length;
  h4 ^= length;
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  h1 = fmix(h1);
  h2 = fmix(h2);
  h3 = fmix(h3);
  h4 = fmix(h4);
  h1 = (h1 + h2 + h3 + h4) | 0;
  out[0] = h1;
  out[1] = (h2 + h1) | 0;
  out[2] = (h3 + h1) | 0;
  out[3] = (h4 + h1) | 0;
}
