/**
 * Re-encoding a batch after some of its records were removed (log
 * compaction), the way Kafka's MemoryRecords.filterTo does it: the header
 * keeps the original baseOffset, lastOffsetDelta, partitionLeaderEpoch,
 * producer id, epoch, base sequence, timestamp type, transactional and
 * control flags and codec; every kept record keeps its own offset (as its
 * delta from baseOffset) and timestamp. With a delete horizon (KIP-534) the
 * horizon is stored in baseTimestamp and the delete-horizon attribute bit is
 * set; record timestamps stay exact because their deltas are taken from it.
 */
import {
  ATTRIBUTES_OFFSET,
  ATTRIBUTE_COMPRESSION_MASK,
  ATTRIBUTE_DELETE_HORIZON_MASK,
  BASE_TIMESTAMP_OFFSET,
  BATCH_LENGTH_OFFSET,
  CRC_OFFSET,
  LOG_OVERHEAD,
  MAX_TIMESTAMP_OFFSET,
  RECORD_BATCH_OVERHEAD,
  RECORD_COUNT_OFFSET,
  TimestampType,
} from './batch-format.ts';
import { type CompressionCodec, compress } from './compression.ts';
import { crc32c } from './crc32c.ts';
import type { RecordBatch } from './record-batch.ts';
import { type DecodedRecord, recordBodySize, recordSize, writeRecord } from './record-codec.ts';

/** No delete horizon: baseTimestamp is the first kept record's timestamp. */
export const NO_DELETE_HORIZON = -1;

/**
 * A new batch holding `kept` (records decoded from `original`, in offset
 * order, possibly none). An empty `kept` gives Kafka's empty batch header:
 * no records, uncompressed, both timestamps set to the original maxTimestamp,
 * which is how a producer's last sequence survives compaction.
 */
export function buildRetainedBatch(original: RecordBatch, kept: readonly DecodedRecord[], deleteHorizonMs: number): Buffer {
  const headerBytes = original.buf.subarray(original.offset, original.offset + RECORD_BATCH_OVERHEAD);
  if (kept.length === 0) {
    const empty = Buffer.from(headerBytes);
    const timestamp = original.maxTimestamp;
    writeHeaderFields(empty, original.attributes & ~(ATTRIBUTE_COMPRESSION_MASK | ATTRIBUTE_DELETE_HORIZON_MASK), 0, timestamp, timestamp);
    return empty;
  }
  const baseOffset = original.baseOffset;
  const baseTimestamp = deleteHorizonMs >= 0 ? BigInt(deleteHorizonMs) : kept[0]!.timestamp;
  let maxTimestamp = kept[0]!.timestamp;
  const bodySizes = new Array<number>(kept.length);
  let plainBytes = 0;
  for (let i = 0; i < kept.length; i++) {
    const record = kept[i]!;
    if (record.timestamp > maxTimestamp) maxTimestamp = record.timestamp;
    bodySizes[i] = recordBodySize(record, Number(record.offset - baseOffset), record.timestamp - baseTimestamp);
    plainBytes += recordSize(bodySizes[i]!);
  }
  const plain = Buffer.allocUnsafe(plainBytes);
  let at = 0;
  for (let i = 0; i < kept.length; i++) {
    const record = kept[i]!;
    at = writeRecord(plain, at, record, bodySizes[i]!, Number(record.offset - baseOffset), record.timestamp - baseTimestamp);
  }
  if (at !== plainBytes) throw new Error(`retained record sizing mismatch: wrote ${at} of ${plainBytes} bytes`);
  const packed = compress(original.compression as CompressionCodec, plain);
  const batch = Buffer.allocUnsafe(RECORD_BATCH_OVERHEAD + packed.length);
  headerBytes.copy(batch, 0);
  packed.copy(batch, RECORD_BATCH_OVERHEAD);
  // LogAppendTime batches report the append time for every record: keep it as the max.
  if (original.timestampType === TimestampType.LOG_APPEND_TIME) maxTimestamp = original.maxTimestamp;
  let attributes = original.attributes & ~ATTRIBUTE_DELETE_HORIZON_MASK;
  if (deleteHorizonMs >= 0) attributes |= ATTRIBUTE_DELETE_HORIZON_MASK;
  writeHeaderFields(batch, attributes, kept.length, baseTimestamp, maxTimestamp);
  return batch;
}

/** The header fields compaction may change, then the batch length and CRC. */
function writeHeaderFields(batch: Buffer, attributes: number, recordCount: number, baseTimestamp: bigint, maxTimestamp: bigint): void {
  batch.writeInt32BE(batch.length - LOG_OVERHEAD, BATCH_LENGTH_OFFSET);
  batch.writeInt16BE(attributes, ATTRIBUTES_OFFSET);
  batch.writeBigInt64BE(baseTimestamp, BASE_TIMESTAMP_OFFSET);
  batch.writeBigInt64BE(maxTimestamp, MAX_TIMESTAMP_OFFSET);
  batch.writeInt32BE(recordCount, RECORD_COUNT_OFFSET);
  batch.writeUInt32BE(crc32c(batch.subarray(ATTRIBUTES_OFFSET)), CRC_OFFSET);
}
