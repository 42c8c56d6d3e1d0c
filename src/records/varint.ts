/**
 * Writers for the zig-zag varints of the record format (Protocol Buffers
 * style: 7 bits a byte, low group first). Encoding is two-pass: the builder
 * sizes every field first and then writes into one exact allocation, so each
 * writer has a matching `*Size` function. Decoding uses protocol's Reader.
 */

const INT32_MIN_BIG = -0x80000000n;
const INT32_MAX_BIG = 0x7fffffffn;

/** Zig-zag maps small negatives to small unsigned numbers; result is uint32. */
function zigzag32(value: number): number {
  return ((value << 1) ^ (value >> 31)) >>> 0;
}

export function uvarintSize(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  return 5;
}

export function writeUvarint(buf: Buffer, position: number, value: number): number {
  let rest = value >>> 0;
  let at = position;
  while (rest >= 0x80) {
    buf[at++] = (rest & 0x7f) | 0x80;
    rest >>>= 7;
  }
  buf[at++] = rest;
  return at;
}

/** Signed 32-bit zig-zag varint size. */
export function varintSize(value: number): number {
  return uvarintSize(zigzag32(value));
}

export function writeVarint(buf: Buffer, position: number, value: number): number {
  return writeUvarint(buf, position, zigzag32(value));
}

function zigzag64(value: bigint): bigint {
  return BigInt.asUintN(64, (value << 1n) ^ (value >> 63n));
}

/** Signed 64-bit zig-zag varint size; deltas that fit 32 bits skip bigint math. */
export function varlongSize(value: bigint): number {
  if (value >= INT32_MIN_BIG && value <= INT32_MAX_BIG) return varintSize(Number(value));
  let rest = zigzag64(value);
  let size = 1;
  while (rest >= 0x80n) {
    rest >>= 7n;
    size += 1;
  }
  return size;
}

export function writeVarlong(buf: Buffer, position: number, value: bigint): number {
  if (value >= INT32_MIN_BIG && value <= INT32_MAX_BIG) return writeVarint(buf, position, Number(value));
  let rest = zigzag64(value);
  let at = position;
  while (rest >= 0x80n) {
    buf[at++] = Number(rest & 0x7fn) | 0x80;
    rest >>= 7n;
  }
  buf[at++] = Number(rest);
  return at;
}
