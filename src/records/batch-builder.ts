import {
  ATTRIBUTES_OFFSET,
  ATTRIBUTE_CONTROL_MASK,
  ATTRIBUTE_TIMESTAMP_TYPE_MASK,
  ATTRIBUTE_TRANSACTIONAL_MASK,
  BASE_OFFSET_OFFSET,
  BASE_SEQUENCE_OFFSET,
  BASE_TIMESTAMP_OFFSET,
  BATCH_LENGTH_OFFSET,
  CRC_OFFSET,
  LAST_OFFSET_DELTA_OFFSET,
  LOG_OVERHEAD,
  MAGIC_OFFSET,
  MAGIC_V2,
  MAX_TIMESTAMP_OFFSET,
  NO_PARTITION_LEADER_EPOCH,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  NO_SEQUENCE,
  PARTITION_LEADER_EPOCH_OFFSET,
  PRODUCER_EPOCH_OFFSET,
  PRODUCER_ID_OFFSET,
  RECORD_BATCH_OVERHEAD,
  RECORD_COUNT_OFFSET,
  TimestampType,
} from './batch-format.ts';
import { CompressionCodec, compress } from './compression.ts';
import { crc32c } from './crc32c.ts';
import { type RecordInput, recordBodySize, recordSize, writeRecord } from './record-codec.ts';

export interface BatchOptions {
  /** Default 0: a producer does not know its offsets, the broker patches them in. */
  baseOffset?: bigint;
  partitionLeaderEpoch?: number;
  compression?: CompressionCodec;
  timestampType?: TimestampType;
  producerId?: bigint;
  producerEpoch?: number;
  baseSequence?: number;
  isTransactional?: boolean;
  isControl?: boolean;
}

/** batchLength is an int32 that also counts the 49 header bytes after it. */
const RECORDS_SECTION_BYTES_MAX = 0x7fffffff - (RECORD_BATCH_OVERHEAD - LOG_OVERHEAD);

/**
 * Encodes records into one complete v2 batch with its CRC, in a single
 * exact allocation when uncompressed. baseTimestamp is the first record's
 * timestamp and maxTimestamp the largest, as Kafka's producer does.
 * Empty input is a programmer error: Kafka never writes a batch without
 * records from a producer.
 */
export function buildRecordBatch(records: readonly RecordInput[], options: BatchOptions = {}): Buffer {
  if (records.length === 0) throw new RangeError('a record batch needs at least one record');
  const baseTimestamp = records[0]!.timestamp;
  let maxTimestamp = baseTimestamp;
  const bodySizes = new Array<number>(records.length);
  let recordsBytes = 0;
  for (let i = 0; i < records.length; i++) {
    const timestamp = records[i]!.timestamp;
    if (timestamp > maxTimestamp) maxTimestamp = timestamp;
    bodySizes[i] = recordBodySize(records[i]!, i, timestamp - baseTimestamp);
    recordsBytes += recordSize(bodySizes[i]!);
  }
  const codec = options.compression ?? CompressionCodec.NONE;
  let batch: Buffer;
  if (codec === CompressionCodec.NONE) {
    batch = Buffer.allocUnsafe(RECORD_BATCH_OVERHEAD + recordsBytes);
    writeRecords(batch, RECORD_BATCH_OVERHEAD, records, bodySizes, baseTimestamp);
  } else {
    const plain = Buffer.allocUnsafe(recordsBytes);
    writeRecords(plain, 0, records, bodySizes, baseTimestamp);
    const packed = compress(codec, plain);
    batch = Buffer.allocUnsafe(RECORD_BATCH_OVERHEAD + packed.length);
    packed.copy(batch, RECORD_BATCH_OVERHEAD);
  }
  if (batch.length - RECORD_BATCH_OVERHEAD > RECORDS_SECTION_BYTES_MAX) throw new RangeError('record batch too large for an int32 length');
  writeHeader(batch, options, codec, records.length, baseTimestamp, maxTimestamp);
  return batch;
}

function writeRecords(buf: Buffer, position: number, records: readonly RecordInput[], bodySizes: number[], baseTimestamp: bigint): void {
  let at = position;
  for (let i = 0; i < records.length; i++) {
    const record = records[i]!;
    at = writeRecord(buf, at, record, bodySizes[i]!, i, record.timestamp - baseTimestamp);
  }
  // The two passes must agree, or the batch would carry garbage after its records.
  if (at !== buf.length) throw new Error(`record sizing mismatch: wrote to ${at}, buffer ends at ${buf.length}`);
}

function attributesOf(options: BatchOptions, codec: CompressionCodec): number {
  let attributes = codec;
  if (options.timestampType === TimestampType.LOG_APPEND_TIME) attributes |= ATTRIBUTE_TIMESTAMP_TYPE_MASK;
  if (options.isTransactional === true) attributes |= ATTRIBUTE_TRANSACTIONAL_MASK;
  if (options.isControl === true) attributes |= ATTRIBUTE_CONTROL_MASK;
  return attributes;
}

/** Fills the 61-byte header of a batch whose records are already in place, CRC last. */
function writeHeader(
  batch: Buffer,
  options: BatchOptions,
  codec: CompressionCodec,
  recordCount: number,
  baseTimestamp: bigint,
  maxTimestamp: bigint,
): void {
  batch.writeBigInt64BE(options.baseOffset ?? 0n, BASE_OFFSET_OFFSET);
  batch.writeInt32BE(batch.length - LOG_OVERHEAD, BATCH_LENGTH_OFFSET);
  batch.writeInt32BE(options.partitionLeaderEpoch ?? NO_PARTITION_LEADER_EPOCH, PARTITION_LEADER_EPOCH_OFFSET);
  batch.writeInt8(MAGIC_V2, MAGIC_OFFSET);
  batch.writeInt16BE(attributesOf(options, codec), ATTRIBUTES_OFFSET);
  batch.writeInt32BE(recordCount - 1, LAST_OFFSET_DELTA_OFFSET);
  batch.writeBigInt64BE(baseTimestamp, BASE_TIMESTAMP_OFFSET);
  batch.writeBigInt64BE(maxTimestamp, MAX_TIMESTAMP_OFFSET);
  batch.writeBigInt64BE(options.producerId ?? NO_PRODUCER_ID, PRODUCER_ID_OFFSET);
  batch.writeInt16BE(options.producerEpoch ?? NO_PRODUCER_EPOCH, PRODUCER_EPOCH_OFFSET);
  batch.writeInt32BE(options.baseSequence ?? NO_SEQUENCE, BASE_SEQUENCE_OFFSET);
  batch.writeInt32BE(recordCount, RECORD_COUNT_OFFSET);
  batch.writeUInt32BE(crc32c(batch.subarray(ATTRIBUTES_OFFSET)), CRC_OFFSET);
}
