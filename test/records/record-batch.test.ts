import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32c } from '@node-rs/crc32';
import {
  CompressionCodec,
  RecordBatch,
  RecordsErrorCode,
  TimestampType,
  buildRecordBatch,
  readBatchRecords,
} from '../../src/records/index.ts';
import { assertRecordsError } from './helpers.ts';

/**
 * One record written field by field: key null, value "hi", no headers.
 * Body: attributes 0, timestampDelta 0, offsetDelta 0, key -1, value length 2, "hi", headers 0.
 */
const RECORD = Buffer.from([0x10, 0x00, 0x00, 0x00, 0x01, 0x04, 0x68, 0x69, 0x00]);

/** A batch laid out by hand (not by our builder), so the getters are checked against the spec, not ourselves. */
function handBuiltBatch(): Buffer {
  const batch = Buffer.alloc(61 + RECORD.length);
  batch.writeBigInt64BE(1234n, 0); // baseOffset
  batch.writeInt32BE(batch.length - 12, 8); // batchLength
  batch.writeInt32BE(7, 12); // partitionLeaderEpoch
  batch.writeInt8(2, 16); // magic
  batch.writeInt16BE(0x10, 21); // attributes: transactional, CreateTime, no compression
  batch.writeInt32BE(0, 23); // lastOffsetDelta
  batch.writeBigInt64BE(1_700_000_000_000n, 27); // baseTimestamp
  batch.writeBigInt64BE(1_700_000_000_000n, 35); // maxTimestamp
  batch.writeBigInt64BE(42n, 43); // producerId
  batch.writeInt16BE(3, 51); // producerEpoch
  batch.writeInt32BE(9, 53); // baseSequence
  batch.writeInt32BE(1, 57); // recordCount
  RECORD.copy(batch, 61);
  batch.writeUInt32BE(crc32c(batch.subarray(21)) >>> 0, 17);
  return batch;
}

test('header getters read a hand-built batch', () => {
  const bytes = handBuiltBatch();
  const batch = new RecordBatch(bytes, 0);
  assert.equal(batch.baseOffset, 1234n);
  assert.equal(batch.batchLength, bytes.length - 12);
  assert.equal(batch.sizeInBytes, bytes.length);
  assert.equal(batch.partitionLeaderEpoch, 7);
  assert.equal(batch.magic, 2);
  assert.equal(batch.crc, bytes.readUInt32BE(17));
  assert.equal(batch.attributes, 0x10);
  assert.equal(batch.compression, CompressionCodec.NONE);
  assert.equal(batch.timestampType, TimestampType.CREATE_TIME);
  assert.equal(batch.isTransactional, true);
  assert.equal(batch.isControl, false);
  assert.equal(batch.hasDeleteHorizon, false);
  assert.equal(batch.lastOffsetDelta, 0);
  assert.equal(batch.lastOffset, 1234n);
  assert.equal(batch.baseTimestamp, 1_700_000_000_000n);
  assert.equal(batch.maxTimestamp, 1_700_000_000_000n);
  assert.equal(batch.producerId, 42n);
  assert.equal(batch.hasProducerId, true);
  assert.equal(batch.producerEpoch, 3);
  assert.equal(batch.baseSequence, 9);
  assert.equal(batch.recordCount, 1);
  assert.equal(batch.isCrcValid(), true);
  assert.deepEqual(batch.recordsBytes(), RECORD);
});

test('the builder produces exactly the hand-built bytes', () => {
  const built = buildRecordBatch([{ key: null, value: Buffer.from('hi'), timestamp: 1_700_000_000_000n }], {
    baseOffset: 1234n,
    partitionLeaderEpoch: 7,
    producerId: 42n,
    producerEpoch: 3,
    baseSequence: 9,
    isTransactional: true,
  });
  assert.deepEqual(built, handBuiltBatch());
});

test('a view at a non-zero offset reads that batch', () => {
  const bytes = Buffer.concat([Buffer.alloc(5, 0xee), handBuiltBatch()]);
  const batch = new RecordBatch(bytes, 5);
  assert.equal(batch.baseOffset, 1234n);
  assert.equal(batch.isCrcValid(), true);
  assert.equal(readBatchRecords(batch)[0]!.value!.toString(), 'hi');
});

test('attribute bits: codec, LogAppendTime, control, delete horizon', () => {
  const bytes = handBuiltBatch();
  bytes.writeInt16BE(0x04 | 0x08 | 0x20 | 0x40, 21);
  const batch = new RecordBatch(bytes);
  assert.equal(batch.compression, CompressionCodec.ZSTD);
  assert.equal(batch.timestampType, TimestampType.LOG_APPEND_TIME);
  assert.equal(batch.isTransactional, false);
  assert.equal(batch.isControl, true);
  assert.equal(batch.hasDeleteHorizon, true);
});

test('a flipped bit anywhere from attributes on fails the CRC', () => {
  const clean = handBuiltBatch();
  for (let position = 21; position < clean.length; position++) {
    const bytes = Buffer.from(clean);
    bytes[position]! ^= 0x01;
    const batch = new RecordBatch(bytes);
    assert.equal(batch.isCrcValid(), false, `flip at ${position}`);
    assertRecordsError(() => batch.validateCrc(), RecordsErrorCode.CORRUPT_MESSAGE, /crc/);
  }
  const crcFlipped = Buffer.from(clean);
  crcFlipped[17]! ^= 0x80;
  assert.equal(new RecordBatch(crcFlipped).isCrcValid(), false);
});

test('patching baseOffset and partitionLeaderEpoch keeps the CRC valid without recomputing it', () => {
  const bytes = handBuiltBatch();
  const batch = new RecordBatch(bytes);
  const crcBefore = batch.crc;
  batch.setBaseOffset(9_000_000_000n);
  batch.setPartitionLeaderEpoch(12);
  assert.equal(batch.baseOffset, 9_000_000_000n);
  assert.equal(batch.partitionLeaderEpoch, 12);
  assert.equal(batch.crc, crcBefore);
  assert.equal(batch.isCrcValid(), true);
  assert.equal(readBatchRecords(batch)[0]!.offset, 9_000_000_000n);
});

test('LogAppendTime patch sets the type bit and maxTimestamp and keeps the CRC valid', () => {
  const bytes = buildRecordBatch(
    [
      { value: Buffer.from('a'), timestamp: 100n },
      { value: Buffer.from('b'), timestamp: 50n },
    ],
    { compression: CompressionCodec.LZ4 },
  );
  const batch = new RecordBatch(bytes);
  assert.equal(batch.maxTimestamp, 100n);
  const crcBefore = batch.crc;
  batch.setLogAppendTime(1_800_000_000_000n);
  assert.equal(batch.timestampType, TimestampType.LOG_APPEND_TIME);
  assert.equal(batch.maxTimestamp, 1_800_000_000_000n);
  assert.equal(batch.compression, CompressionCodec.LZ4, 'codec bits survive');
  assert.notEqual(batch.crc, crcBefore);
  assert.equal(batch.isCrcValid(), true);
  const records = readBatchRecords(batch);
  assert.deepEqual(
    records.map((record) => record.timestamp),
    [1_800_000_000_000n, 1_800_000_000_000n],
  );
});

test('setMaxTimestamp back to CreateTime clears the bit', () => {
  const batch = new RecordBatch(handBuiltBatch());
  batch.setLogAppendTime(5n);
  batch.setMaxTimestamp(TimestampType.CREATE_TIME, 1_700_000_000_000n);
  assert.equal(batch.timestampType, TimestampType.CREATE_TIME);
  assert.equal(batch.attributes, 0x10);
  assert.equal(batch.isCrcValid(), true);
});

test('a view needs the whole 61-byte header, and bytes() the whole batch', () => {
  const bytes = handBuiltBatch();
  assertRecordsError(() => new RecordBatch(bytes.subarray(0, 60)), RecordsErrorCode.CORRUPT_MESSAGE);
  assertRecordsError(() => new RecordBatch(bytes, 10), RecordsErrorCode.CORRUPT_MESSAGE);
  const headerOnly = new RecordBatch(bytes.subarray(0, 63));
  assert.equal(headerOnly.recordCount, 1);
  assertRecordsError(() => headerOnly.bytes(), RecordsErrorCode.CORRUPT_MESSAGE);
  assertRecordsError(() => headerOnly.validateCrc(), RecordsErrorCode.CORRUPT_MESSAGE);
});
