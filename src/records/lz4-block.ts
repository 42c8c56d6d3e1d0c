import { corrupt } from './errors.ts';

const MIN_MATCH_BYTES = 4;

/** Reads an LZ4 length continuation (bytes of 255 until one that is not). Returns [length, next position]. */
function readLengthTail(src: Buffer, position: number, end: number, length: number): [number, number] {
  let at = position;
  let total = length;
  let byte = 255;
  while (byte === 255) {
    if (at >= end) throw corrupt('truncated lz4 length');
    byte = src[at++]!;
    total += byte;
  }
  return [total, at];
}

/**
 * Decodes one LZ4 block (the raw format inside an LZ4 frame) from
 * src[srcStart, srcEnd) into dst starting at dstStart, never writing at or
 * past dstEnd, and returns the end of the output, or -1 when the output would pass dstEnd
 * (the caller grows dst or reports a bomb). Used when the native
 * decoder cannot be trusted with the input (see lz4-codec.ts); every length
 * and match offset is checked, so hostile input fails with a typed error.
 * Matches may reach back before dstStart only as far as dstFloor.
 */
export function decodeLz4Block(
  src: Buffer,
  srcStart: number,
  srcEnd: number,
  dst: Buffer,
  dstFloor: number,
  dstStart: number,
  dstEnd: number,
): number {
  let s = srcStart;
  let d = dstStart;
  while (s < srcEnd) {
    const token = src[s++]!;
    let literalBytes = token >>> 4;
    if (literalBytes === 15) [literalBytes, s] = readLengthTail(src, s, srcEnd, literalBytes);
    if (literalBytes > srcEnd - s) throw corrupt('lz4 literals overrun the block');
    if (literalBytes > dstEnd - d) return -1;
    src.copy(dst, d, s, s + literalBytes);
    s += literalBytes;
    d += literalBytes;
    if (s === srcEnd) break; // The last sequence carries literals only.
    if (srcEnd - s < 2) throw corrupt('truncated lz4 match offset');
    const matchOffset = src[s]! | (src[s + 1]! << 8);
    s += 2;
    if (matchOffset === 0 || matchOffset > d - dstFloor) throw corrupt(`lz4 match offset ${matchOffset} out of range`);
    let matchBytes = token & 15;
    if (matchBytes === 15) [matchBytes, s] = readLengthTail(src, s, srcEnd, matchBytes);
    matchBytes += MIN_MATCH_BYTES;
    if (matchBytes > dstEnd - d) return -1;
    copyMatch(dst, d, matchOffset, matchBytes);
    d += matchBytes;
  }
  return d;
}

/** A match may overlap its own output (offset < length): that repeats a pattern, so copy in offset-sized steps. */
function copyMatch(dst: Buffer, position: number, matchOffset: number, matchBytes: number): void {
  const from = position - matchOffset;
  let to = position;
  let left = matchBytes;
  while (left > 0) {
    const step = Math.min(left, to - from);
    dst.copyWithin(to, from, from + step);
    to += step;
    left -= step;
  }
}
