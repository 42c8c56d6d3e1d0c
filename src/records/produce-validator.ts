import {
  ATTRIBUTES_OFFSET,
  ATTRIBUTE_COMPRESSION_MASK,
  ATTRIBUTE_CONTROL_MASK,
  BASE_SEQUENCE_OFFSET,
  CRC_OFFSET,
  LAST_OFFSET_DELTA_OFFSET,
  PRODUCER_ID_OFFSET,
  RECORDS_BYTES_MAX_DEFAULT,
  RECORD_COUNT_OFFSET,
} from './batch-format.ts';
import { TORN, frameBatchAt } from './batch-framing.ts';
import { isCompressionCodec } from './compression.ts';
import { crc32c } from './crc32c.ts';
import { RecordsError, RecordsErrorCode, corrupt } from './errors.ts';

export interface ProduceValidationOptions {
  /** The topic's max.message.bytes; a larger batch fails with MESSAGE_TOO_LARGE. */
  batchBytesMax?: number;
}

export interface ProduceBatchesSummary {
  batchCount: number;
  /** Sum of the recordCount fields. */
  recordCount: number;
  /** Sum of lastOffsetDelta + 1: how many offsets the append will take. Equals recordCount once validated. */
  offsetCount: number;
  /** Bytes covered by complete batches. */
  validBytes: number;
  /**
   * Bytes after the last complete batch that do not make a batch. Kafka
   * trims such a tail on append instead of failing the produce; the caller
   * decides (and Kafka requires exactly one batch per partition from
   * produce v3 on, answering INVALID_RECORD otherwise).
   */
  tornTail: boolean;
  /** Bit (1 << codec) for every codec seen, e.g. to refuse zstd below produce v7. */
  compressionMask: number;
}

/**
 * The produce hot path: checks every batch from its 61-byte header and its
 * CRC, and never looks at a record. These are the header-level rules of
 * Kafka's LogValidator for client batches; all failures are typed
 * RecordsErrors with the Kafka code the producer expects.
 */
export function validateProduceBatches(buf: Buffer, options: ProduceValidationOptions = {}): ProduceBatchesSummary {
  const batchBytesMax = options.batchBytesMax ?? RECORDS_BYTES_MAX_DEFAULT;
  const end = buf.length;
  let position = 0;
  let batchCount = 0;
  let recordCount = 0;
  let offsetCount = 0;
  let compressionMask = 0;
  while (position < end) {
    const size = frameBatchAt(buf, position, end, batchBytesMax);
    if (size === TORN) break;
    const stored = buf.readUInt32BE(position + CRC_OFFSET);
    const computed = crc32c(buf.subarray(position + ATTRIBUTES_OFFSET, position + size));
    if (stored !== computed) {
      throw corrupt(`record batch at ${position} is corrupt: stored crc ${stored}, computed ${computed}`, position);
    }
    const count = checkClientBatchHeader(buf, position);
    const codec = buf.readInt16BE(position + ATTRIBUTES_OFFSET) & ATTRIBUTE_COMPRESSION_MASK;
    // Stored batches are served as they arrived, so a codec no consumer knows must not get in.
    if (!isCompressionCodec(codec)) throw corrupt(`record batch at ${position} uses unknown compression codec ${codec}`, position);
    compressionMask |= 1 << codec;
    batchCount += 1;
    recordCount += count;
    offsetCount += count; // lastOffsetDelta + 1, which checkClientBatchHeader proved equal to count
    position += size;
  }
  return { batchCount, recordCount, offsetCount, validBytes: position, tornTail: position < end, compressionMask };
}

/** Kafka's per-batch rules for batches written by clients. Returns the record count. */
function checkClientBatchHeader(buf: Buffer, position: number): number {
  const count = buf.readInt32BE(position + RECORD_COUNT_OFFSET);
  const lastOffsetDelta = buf.readInt32BE(position + LAST_OFFSET_DELTA_OFFSET);
  if (lastOffsetDelta < 0) throw invalid(`record batch at ${position} has an invalid offset range (lastOffsetDelta ${lastOffsetDelta})`, position);
  if (count <= 0) throw invalid(`record batch at ${position} reports ${count} records`, position);
  if (lastOffsetDelta + 1 !== count) {
    throw invalid(`record batch at ${position}: offset range of ${lastOffsetDelta + 1} does not match ${count} records`, position);
  }
  if ((buf.readInt16BE(position + ATTRIBUTES_OFFSET) & ATTRIBUTE_CONTROL_MASK) !== 0) {
    throw invalid(`record batch at ${position}: clients are not allowed to write control records`, position);
  }
  // producerId >= 0 without a bigint: the sign is in the high word.
  const hasProducerId = buf.readInt32BE(position + PRODUCER_ID_OFFSET) >= 0;
  if (hasProducerId && buf.readInt32BE(position + BASE_SEQUENCE_OFFSET) < 0) {
    throw invalid(`record batch at ${position} has a producer id but a negative base sequence`, position);
  }
  return count;
}

function invalid(message: string, position: number): RecordsError {
  return new RecordsError(message, RecordsErrorCode.INVALID_RECORD, position);
}
