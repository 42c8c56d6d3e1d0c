const PRIME1 = 0x9e3779b1;
const PRIME2 = 0x85ebca77;
const PRIME3 = 0xc2b2ae3d;
const PRIME4 = 0x27d4eb2f;
const PRIME5 = 0x165667b1;
/** Inputs of this many bytes or more take xxHash's four-lane path, which we never need. */
const SHORT_INPUT_BYTES_MAX = 15;

function rotl(value: number, bits: number): number {
  return (value << bits) | (value >>> (32 - bits));
}

/**
 * xxHash32 (seed 0) of at most 15 bytes: enough for the LZ4 frame
 * descriptor (2 or 10 bytes), whose header checksum is byte 1 of this hash.
 */
export function xxhash32Short(bytes: Uint8Array, start: number, end: number): number {
  const length = end - start;
  if (length < 0 || length > SHORT_INPUT_BYTES_MAX) throw new RangeError(`xxhash32Short takes 0..15 bytes, got ${length}`);
  let hash = (PRIME5 + length) | 0;
  let at = start;
  for (; at + 4 <= end; at += 4) {
    const word = bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24);
    hash = (hash + Math.imul(word, PRIME3)) | 0;
    hash = Math.imul(rotl(hash, 17), PRIME4);
  }
  for (; at < end; at++) {
    hash = (hash + Math.imul(bytes[at]!, PRIME5)) | 0;
    hash = Math.imul(rotl(hash, 11), PRIME1);
  }
  hash ^= hash >>> 15;
  hash = Math.imul(hash, PRIME2);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, PRIME3);
  hash ^= hash >>> 16;
  return hash >>> 0;
}
