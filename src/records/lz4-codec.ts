import { createRequire } from 'node:module';

// The native addon is loaded on the first lz4 batch: most brokers never see one, and it costs RSS at idle.
const requireNative = createRequire(import.meta.url);
let lz4Addon: typeof import('lz4-napi') | undefined;
const lz4 = (): typeof import('lz4-napi') => (lz4Addon ??= requireNative('lz4-napi') as typeof import('lz4-napi'));
import { RecordsError, RecordsErrorCode, corrupt } from './errors.ts';
import { decodeLz4Block } from './lz4-block.ts';
import { xxhash32Short } from './xxhash32.ts';

/**
 * Kafka's lz4 (magic 2) is the standard LZ4 frame format, little-endian:
 *
 *   magic 0x184D2204 | FLG | BD | [content size u64] | [dict id u32] | HC
 *   blocks: u32 size (high bit = stored uncompressed, 0 = end mark),
 *           data, [block checksum u32]
 *   [content checksum u32]
 *
 * HC is byte 1 of xxHash32 over FLG..dict id. Kafka's own clients before
 * 0.10 computed it wrongly; we stay lenient and accept a bad HC.
 *
 * Writing uses lz4-napi's frame encoder (independent blocks, as Kafka
 * requires). Reading walks the frame first, without decompressing, to
 * bound the output: the native decoder runs only when the frame cannot
 * exceed the limit and its HC is right; otherwise our checked block
 * decoder runs with the limit enforced as it goes.
 */
const FRAME_MAGIC = 0x184d2204;
const FLG_VERSION_MASK = 0xc0;
const FLG_VERSION_01 = 0x40;
const FLG_BLOCK_CHECKSUM = 0x10;
const FLG_CONTENT_SIZE = 0x08;
const FLG_CONTENT_CHECKSUM = 0x04;
const FLG_DICT_ID = 0x01;
const BLOCK_UNCOMPRESSED_BIT = 0x80000000;
/** One compressed byte expands to at most 255 (a run-length byte of a match). */
const EXPANSION_RATIO_MAX = 255;
const CHECKSUM_BYTES = 4;

interface FrameLayout {
  descriptorChecksumOk: boolean;
  /** Declared decompressed size, or -1. */
  contentSize: number;
  blockBytesMax: number;
  firstBlock: number;
  /** End of the frame: bytes after it are ignored, as Kafka's reader does. */
  frameEnd: number;
  /** Upper bound of the decompressed size, from the block sizes alone. */
  decompressedBound: number;
}

export function lz4Compress(data: Buffer): Buffer {
  return lz4().compressFrameSync(data);
}

export function lz4Decompress(data: Buffer, decompressedBytesMax: number): Buffer {
  const frame = readFrameLayout(data);
  if (frame.contentSize > decompressedBytesMax) throw tooLarge(frame.contentSize, decompressedBytesMax);
  if (frame.descriptorChecksumOk && frame.decompressedBound <= decompressedBytesMax) {
    let output: Buffer;
    try {
      output = lz4().decompressFrameSync(data.subarray(0, frame.frameEnd));
    } catch (error) {
      throw corrupt(`invalid lz4 data: ${(error as Error).message}`);
    }
    if (output.length > decompressedBytesMax) throw tooLarge(output.length, decompressedBytesMax);
    return output;
  }
  return decodeFrameChecked(data, frame, decompressedBytesMax);
}

function tooLarge(size: number, max: number): RecordsError {
  return new RecordsError(`lz4 data decompresses to ${size} bytes or more, above the ${max} allowed`, RecordsErrorCode.MESSAGE_TOO_LARGE);
}

function readFrameLayout(data: Buffer): FrameLayout {
  if (data.length < 7 || data.readUInt32LE(0) !== FRAME_MAGIC) throw corrupt('not an lz4 frame');
  const flg = data[4]!;
  const bd = data[5]!;
  if ((flg & FLG_VERSION_MASK) !== FLG_VERSION_01) throw corrupt(`unsupported lz4 frame version in FLG ${flg}`);
  if ((flg & FLG_DICT_ID) !== 0) throw corrupt('lz4 frames with a dictionary are not supported');
  const blockSizeId = (bd >>> 4) & 0x07;
  if (blockSizeId < 4) throw corrupt(`invalid lz4 block size id ${blockSizeId}`);
  const blockBytesMax = 1 << (8 + 2 * blockSizeId);
  let at = 6;
  let contentSize = -1;
  if ((flg & FLG_CONTENT_SIZE) !== 0) {
    if (data.length < at + 9) throw corrupt('truncated lz4 frame descriptor');
    contentSize = data.readUInt32LE(at) + data.readUInt32LE(at + 4) * 2 ** 32;
    at += 8;
  }
  const descriptorChecksumOk = data[at] === ((xxhash32Short(data, 4, at) >>> 8) & 0xff);
  const firstBlock = at + 1;
  const walk = walkBlocks(data, firstBlock, flg, blockBytesMax);
  return { descriptorChecksumOk, contentSize, blockBytesMax, firstBlock, ...walk };
}

/** Follows the block size words to the end mark, checking that every block lies inside the input. */
function walkBlocks(data: Buffer, firstBlock: number, flg: number, blockBytesMax: number): { frameEnd: number; decompressedBound: number } {
  const blockTrailer = (flg & FLG_BLOCK_CHECKSUM) !== 0 ? CHECKSUM_BYTES : 0;
  let at = firstBlock;
  let bound = 0;
  for (;;) {
    if (data.length - at < 4) throw corrupt('truncated lz4 frame: no end mark');
    const word = data.readUInt32LE(at);
    at += 4;
    if (word === 0) break;
    const size = word & ~BLOCK_UNCOMPRESSED_BIT;
    if (size > blockBytesMax) throw corrupt(`lz4 block of ${size} bytes above the frame's ${blockBytesMax}`);
    if (size + blockTrailer > data.length - at) throw corrupt('truncated lz4 block');
    const stored = (word & BLOCK_UNCOMPRESSED_BIT) !== 0;
    bound += stored ? size : Math.min(blockBytesMax, size * EXPANSION_RATIO_MAX);
    at += size + blockTrailer;
  }
  if ((flg & FLG_CONTENT_CHECKSUM) !== 0) {
    if (data.length - at < CHECKSUM_BYTES) throw corrupt('truncated lz4 content checksum');
    at += CHECKSUM_BYTES;
  }
  return { frameEnd: at, decompressedBound: bound };
}

/**
 * Decodes block by block into a buffer that grows with the output, so a
 * frame that claims a lot but holds little costs little, and one that
 * really expands past the limit stops there. Checksums are not verified:
 * the batch CRC already covers these bytes.
 */
function decodeFrameChecked(data: Buffer, frame: FrameLayout, decompressedBytesMax: number): Buffer {
  const flg = data[4]!;
  const blockTrailer = (flg & FLG_BLOCK_CHECKSUM) !== 0 ? CHECKSUM_BYTES : 0;
  let output: Buffer = Buffer.allocUnsafe(Math.min(decompressedBytesMax, frame.blockBytesMax, frame.decompressedBound));
  let length = 0;
  let at = frame.firstBlock;
  for (;;) {
    const word = data.readUInt32LE(at);
    at += 4;
    if (word === 0) break;
    const size = word & ~BLOCK_UNCOMPRESSED_BIT;
    for (;;) {
      const end = decodeBlockInto(data, at, size, (word & BLOCK_UNCOMPRESSED_BIT) !== 0, output, length, frame.blockBytesMax);
      if (end >= 0) {
        length = end;
        break;
      }
      if (output.length >= decompressedBytesMax) throw tooLarge(output.length + 1, decompressedBytesMax);
      output = grow(output, length, decompressedBytesMax);
    }
    at += size + blockTrailer;
  }
  return output.subarray(0, length);
}

/** Returns the new output end, or -1 when `output` is too small for this block. */
function decodeBlockInto(
  data: Buffer,
  at: number,
  size: number,
  stored: boolean,
  output: Buffer,
  length: number,
  blockBytesMax: number,
): number {
  const roomEnd = Math.min(output.length, length + blockBytesMax);
  if (stored) {
    if (size > output.length - length) return -1;
    data.copy(output, length, at, at + size);
    return length + size;
  }
  const end = decodeLz4Block(data, at, at + size, output, 0, length, roomEnd);
  // Out of room although a whole block fits: the block itself is over-long.
  if (end < 0 && roomEnd - length >= blockBytesMax) throw corrupt(`lz4 block expands past ${blockBytesMax} bytes`);
  return end;
}

function grow(output: Buffer, length: number, decompressedBytesMax: number): Buffer {
  const next = Buffer.allocUnsafe(Math.min(decompressedBytesMax, Math.max(output.length * 2, 64 * 1024)));
  output.copy(next, 0, 0, length);
  return next;
}
