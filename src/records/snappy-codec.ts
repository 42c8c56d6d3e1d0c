import { createRequire } from 'node:module';

// The native addon is loaded on the first snappy batch: most brokers never see one, and it costs RSS at idle.
const requireNative = createRequire(import.meta.url);
let snappyAddon: typeof import('snappy') | undefined;
const snappy = (): typeof import('snappy') => (snappyAddon ??= requireNative('snappy') as typeof import('snappy'));
import { RecordsError, RecordsErrorCode, corrupt } from './errors.ts';

/**
 * Kafka's snappy comes in two shapes:
 *
 * - raw snappy: one block whose first bytes are a uvarint of the
 *   uncompressed length. librdkafka, KafkaJS and @platformatic/kafka write it.
 * - xerial framing (Java's SnappyOutputStream): 8-byte magic
 *   0x82 'S' 'N' 'A' 'P' 'P' 'Y' 0x00, int32 version, int32 compatible
 *   version, then blocks of int32 compressed length + one raw snappy block.
 *
 * We read both and write raw: Java's SnappyInputStream falls back to raw
 * when the magic is absent and librdkafka/KafkaJS read raw, while
 * @platformatic/kafka cannot read the xerial framing at all.
 */
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_BYTES = 16;
const XERIAL_BLOCK_LENGTH_BYTES = 4;

export function snappyCompress(data: Buffer): Buffer {
  return snappy().compressSync(data);
}

export function isXerialFramed(data: Buffer): boolean {
  return data.length >= XERIAL_HEADER_BYTES && data.compare(XERIAL_MAGIC, 0, XERIAL_MAGIC.length, 0, XERIAL_MAGIC.length) === 0;
}

export function snappyDecompress(data: Buffer, decompressedBytesMax: number): Buffer {
  if (!isXerialFramed(data)) return rawBlock(data, decompressedBytesMax);
  const blocks: Buffer[] = [];
  let total = 0;
  let at = XERIAL_HEADER_BYTES;
  while (at < data.length) {
    if (data.length - at < XERIAL_BLOCK_LENGTH_BYTES) throw corrupt('truncated xerial snappy block length');
    const blockLength = data.readInt32BE(at);
    at += XERIAL_BLOCK_LENGTH_BYTES;
    if (blockLength < 0 || blockLength > data.length - at) throw corrupt(`xerial snappy block of ${blockLength} bytes overruns the input`);
    const block = rawBlock(data.subarray(at, at + blockLength), decompressedBytesMax - total);
    total += block.length;
    blocks.push(block);
    at += blockLength;
  }
  return blocks.length === 1 ? blocks[0]! : Buffer.concat(blocks, total);
}

/** Decompresses one raw block after checking its declared size, so a bomb is refused before any allocation. */
function rawBlock(block: Buffer, decompressedBytesMax: number): Buffer {
  const declared = declaredLength(block);
  if (declared > decompressedBytesMax) {
    throw new RecordsError(
      `snappy block declares ${declared} bytes, above the ${decompressedBytesMax} allowed`,
      RecordsErrorCode.MESSAGE_TOO_LARGE,
    );
  }
  try {
    return snappy().uncompressSync(block) as Buffer;
  } catch (error) {
    throw corrupt(`invalid snappy data: ${(error as Error).message}`);
  }
}

/** The uvarint (at most 32 bits) that starts every raw snappy block. */
function declaredLength(block: Buffer): number {
  let value = 0;
  for (let i = 0; i < 5 && i < block.length; i++) {
    const byte = block[i]!;
    value += (byte & 0x7f) * 2 ** (7 * i);
    if ((byte & 0x80) === 0) return value;
  }
  throw corrupt('invalid snappy length preamble');
}
