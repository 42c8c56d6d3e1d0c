import {
  ATTRIBUTES_OFFSET,
  ATTRIBUTE_COMPRESSION_MASK,
  ATTRIBUTE_CONTROL_MASK,
  ATTRIBUTE_DELETE_HORIZON_MASK,
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
  MAX_TIMESTAMP_OFFSET,
  PARTITION_LEADER_EPOCH_OFFSET,
  PRODUCER_EPOCH_OFFSET,
  PRODUCER_ID_OFFSET,
  RECORD_BATCH_OVERHEAD,
  RECORD_COUNT_OFFSET,
  RECORDS_OFFSET,
  TimestampType,
} from './batch-format.ts';
import { crc32c } from './crc32c.ts';
import { corrupt } from './errors.ts';

/**
 * A zero-copy view of one RecordBatch v2 starting at `offset` in `buf` (the
 * layout is in batch-format.ts). Getters read the bytes on every call, so
 * patches made through the view or directly on the buffer are seen at once.
 *
 * The constructor checks only that the 61-byte header is present; whether the
 * batch is complete, has magic 2 and a good CRC is the scanner's job
 * (batch-scanner.ts), so storage can view a header it read on its own.
 */
export class RecordBatch {
  readonly buf: Buffer;
  readonly offset: number;

  constructor(buf: Buffer, offset = 0) {
    if (!(offset >= 0 && offset + RECORD_BATCH_OVERHEAD <= buf.length)) {
      throw corrupt(`record batch header needs ${RECORD_BATCH_OVERHEAD} bytes at ${offset}, buffer has ${buf.length}`, offset);
    }
    this.buf = buf;
    this.offset = offset;
  }

  get baseOffset(): bigint {
    return this.buf.readBigInt64BE(this.offset + BASE_OFFSET_OFFSET);
  }

  get batchLength(): number {
    return this.buf.readInt32BE(this.offset + BATCH_LENGTH_OFFSET);
  }

  /** The whole batch on the wire: batchLength plus the 12 bytes in front of it. */
  get sizeInBytes(): number {
    return LOG_OVERHEAD + this.batchLength;
  }

  get partitionLeaderEpoch(): number {
    return this.buf.readInt32BE(this.offset + PARTITION_LEADER_EPOCH_OFFSET);
  }

  get magic(): number {
    return this.buf.readInt8(this.offset + MAGIC_OFFSET);
  }

  /** The stored CRC, unsigned. */
  get crc(): number {
    return this.buf.readUInt32BE(this.offset + CRC_OFFSET);
  }

  get attributes(): number {
    return this.buf.readInt16BE(this.offset + ATTRIBUTES_OFFSET);
  }

  /** Codec id 0..7 as stored; 5..7 are not defined by Kafka and fail in decompress. */
  get compression(): number {
    return this.attributes & ATTRIBUTE_COMPRESSION_MASK;
  }

  get timestampType(): TimestampType {
    return (this.attributes & ATTRIBUTE_TIMESTAMP_TYPE_MASK) === 0 ? TimestampType.CREATE_TIME : TimestampType.LOG_APPEND_TIME;
  }

  get isTransactional(): boolean {
    return (this.attributes & ATTRIBUTE_TRANSACTIONAL_MASK) !== 0;
  }

  get isControl(): boolean {
    return (this.attributes & ATTRIBUTE_CONTROL_MASK) !== 0;
  }

  /** When set, baseTimestamp holds the compaction delete horizon (KIP-534). */
  get hasDeleteHorizon(): boolean {
    return (this.attributes & ATTRIBUTE_DELETE_HORIZON_MASK) !== 0;
  }

  get lastOffsetDelta(): number {
    return this.buf.readInt32BE(this.offset + LAST_OFFSET_DELTA_OFFSET);
  }

  get lastOffset(): bigint {
    return this.baseOffset + BigInt(this.lastOffsetDelta);
  }

  get baseTimestamp(): bigint {
    return this.buf.readBigInt64BE(this.offset + BASE_TIMESTAMP_OFFSET);
  }

  get maxTimestamp(): bigint {
    return this.buf.readBigInt64BE(this.offset + MAX_TIMESTAMP_OFFSET);
  }

  get producerId(): bigint {
    return this.buf.readBigInt64BE(this.offset + PRODUCER_ID_OFFSET);
  }

  /** Same as producerId >= 0 without making a bigint: the sign lives in the high word. */
  get hasProducerId(): boolean {
    return this.buf.readInt32BE(this.offset + PRODUCER_ID_OFFSET) >= 0;
  }

  get producerEpoch(): number {
    return this.buf.readInt16BE(this.offset + PRODUCER_EPOCH_OFFSET);
  }

  get baseSequence(): number {
    return this.buf.readInt32BE(this.offset + BASE_SEQUENCE_OFFSET);
  }

  get recordCount(): number {
    return this.buf.readInt32BE(this.offset + RECORD_COUNT_OFFSET);
  }

  /** End of the batch in `buf`; fails if the batch is not all there. */
  private endOffset(): number {
    const end = this.offset + this.sizeInBytes;
    if (this.batchLength < RECORD_BATCH_OVERHEAD - LOG_OVERHEAD || end > this.buf.length) {
      throw corrupt(`record batch at ${this.offset} claims ${this.sizeInBytes} bytes, ${this.buf.length - this.offset} present`, this.offset);
    }
    return end;
  }

  /** The whole batch as a view, e.g. to append it to a segment as it arrived. */
  bytes(): Buffer {
    return this.buf.subarray(this.offset, this.endOffset());
  }

  /** The records section as a view: compressed bytes when the codec is not 0. */
  recordsBytes(): Buffer {
    return this.buf.subarray(this.offset + RECORDS_OFFSET, this.endOffset());
  }

  computeCrc(): number {
    return crc32c(this.buf.subarray(this.offset + ATTRIBUTES_OFFSET, this.endOffset()));
  }

  isCrcValid(): boolean {
    return this.computeCrc() === this.crc;
  }

  /** Throws CORRUPT_MESSAGE when the stored CRC does not match the bytes. */
  validateCrc(): void {
    const computed = this.computeCrc();
    if (computed !== this.crc) {
      throw corrupt(`record batch at ${this.offset} is corrupt: stored crc ${this.crc}, computed ${computed}`, this.offset);
    }
  }

  /** Outside the CRC: no recompute. */
  setBaseOffset(baseOffset: bigint): void {
    this.buf.writeBigInt64BE(baseOffset, this.offset + BASE_OFFSET_OFFSET);
  }

  /** Outside the CRC: no recompute. */
  setPartitionLeaderEpoch(epoch: number): void {
    this.buf.writeInt32BE(epoch, this.offset + PARTITION_LEADER_EPOCH_OFFSET);
  }

  /**
   * Sets the timestamp type and maxTimestamp, then the CRC, which covers
   * both. Skips all of it when nothing changes, as Kafka does, because the
   * CRC pass is the only cost that grows with the batch.
   */
  setMaxTimestamp(timestampType: TimestampType, maxTimestamp: bigint): void {
    if (this.timestampType === timestampType && this.maxTimestamp === maxTimestamp) return;
    const typeBit = timestampType === TimestampType.LOG_APPEND_TIME ? ATTRIBUTE_TIMESTAMP_TYPE_MASK : 0;
    const attributes = (this.attributes & ~ATTRIBUTE_TIMESTAMP_TYPE_MASK) | typeBit;
    this.buf.writeInt16BE(attributes, this.offset + ATTRIBUTES_OFFSET);
    this.buf.writeBigInt64BE(maxTimestamp, this.offset + MAX_TIMESTAMP_OFFSET);
    this.buf.writeUInt32BE(this.computeCrc(), this.offset + CRC_OFFSET);
  }

  /** For topics with message.timestamp.type=LogAppendTime: every record then reads `appendTime`. */
  setLogAppendTime(appendTime: bigint): void {
    this.setMaxTimestamp(TimestampType.LOG_APPEND_TIME, appendTime);
  }
}
