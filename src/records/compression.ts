import zlib from 'node:zlib';
import { RECORDS_BYTES_MAX_DEFAULT } from './batch-format.ts';
import { RecordsError, RecordsErrorCode, corrupt } from './errors.ts';
import { lz4Compress, lz4Decompress } from './lz4-codec.ts';
import { snappyCompress, snappyDecompress } from './snappy-codec.ts';

/** Codec ids as stored in the low three attribute bits of a batch. */
export const CompressionCodec = {
  NONE: 0,
  GZIP: 1,
  SNAPPY: 2,
  LZ4: 3,
  ZSTD: 4,
} as const;
export type CompressionCodec = (typeof CompressionCodec)[keyof typeof CompressionCodec];

export function isCompressionCodec(id: number): id is CompressionCodec {
  return Number.isInteger(id) && id >= CompressionCodec.NONE && id <= CompressionCodec.ZSTD;
}

/** Compresses a records section. NONE returns the input itself. */
export function compress(codec: CompressionCodec, data: Buffer): Buffer {
  switch (codec) {
    case CompressionCodec.NONE:
      return data;
    case CompressionCodec.GZIP:
      return zlib.gzipSync(data);
    case CompressionCodec.SNAPPY:
      return snappyCompress(data);
    case CompressionCodec.LZ4:
      return lz4Compress(data);
    case CompressionCodec.ZSTD:
      return zlib.zstdCompressSync(data);
  }
}

/**
 * Decompresses a records section, refusing to produce more than
 * `decompressedBytesMax` bytes (MESSAGE_TOO_LARGE) so a small batch cannot
 * expand into a memory exhaustion. Bad input fails with CORRUPT_MESSAGE;
 * nothing else escapes. NONE returns the input itself.
 */
export function decompress(codec: number, data: Buffer, decompressedBytesMax = RECORDS_BYTES_MAX_DEFAULT): Buffer {
  switch (codec) {
    case CompressionCodec.NONE:
      return data;
    case CompressionCodec.GZIP:
      return zlibBounded(zlib.gunzipSync, 'gzip', data, decompressedBytesMax);
    case CompressionCodec.SNAPPY:
      return snappyDecompress(data, decompressedBytesMax);
    case CompressionCodec.LZ4:
      return lz4Decompress(data, decompressedBytesMax);
    case CompressionCodec.ZSTD:
      return zlibBounded(zlib.zstdDecompressSync, 'zstd', data, decompressedBytesMax);
    default:
      throw corrupt(`unknown compression codec id ${codec}`);
  }
}

type ZlibDecompressSync = (data: Buffer, options: { maxOutputLength: number }) => Buffer;

/** zlib stops by itself at maxOutputLength; we only translate its errors. */
function zlibBounded(decompressSync: ZlibDecompressSync, name: string, data: Buffer, decompressedBytesMax: number): Buffer {
  try {
    // maxOutputLength must be at least 1; an empty result still fits.
    return decompressSync(data, { maxOutputLength: Math.max(1, decompressedBytesMax) });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new RecordsError(`${name} data decompresses past the ${decompressedBytesMax} bytes allowed`, RecordsErrorCode.MESSAGE_TOO_LARGE);
    }
    throw corrupt(`invalid ${name} data: ${(error as Error).message}`);
  }
}
