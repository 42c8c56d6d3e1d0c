import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32c } from '@node-rs/crc32';
import {
  CompressionCodec,
  type RecordInput,
  RecordsErrorCode,
  buildRecordBatch,
  readBatchRecords,
  scanBatches,
  validateProduceBatches,
} from '../../src/records/index.ts';
import { assertRecordsError } from './helpers.ts';

function records(count: number, tag: string): RecordInput[] {
  return Array.from({ length: count }, (_, i) => ({
    key: Buffer.from(`${tag}-key-${i}`),
    value: Buffer.from(`${tag}-value-${i}`.repeat(3)),
    timestamp: 1_000n + BigInt(i),
  }));
}

function threeBatches(): Buffer[] {
  return [
    buildRecordBatch(records(3, 'a'), { baseOffset: 0n }),
    buildRecordBatch(records(1, 'b'), { baseOffset: 3n, compression: CompressionCodec.GZIP }),
    buildRecordBatch(records(5, 'c'), { baseOffset: 4n, compression: CompressionCodec.ZSTD }),
  ];
}

function fixCrc(batch: Buffer): void {
  batch.writeUInt32BE(crc32c(batch.subarray(21)) >>> 0, 17);
}

test('scanBatches splits consecutive batches into views', () => {
  const parts = threeBatches();
  const buf = Buffer.concat(parts);
  const scan = scanBatches(buf);
  assert.equal(scan.batches.length, 3);
  assert.equal(scan.validBytes, buf.length);
  assert.equal(scan.tornTail, false);
  assert.deepEqual(
    scan.batches.map((batch) => batch.offset),
    [0, parts[0]!.length, parts[0]!.length + parts[1]!.length],
  );
  assert.equal(scan.batches[2]!.buf, buf, 'views share the buffer');
  assert.deepEqual(
    readBatchRecords(scan.batches[2]!).map((record) => record.offset),
    [4n, 5n, 6n, 7n, 8n],
  );
});

test('an empty buffer is zero batches, no tear', () => {
  assert.deepEqual(scanBatches(Buffer.alloc(0)), { batches: [], validBytes: 0, tornTail: false });
});

test('every truncation of a multi-batch buffer is a torn tail after the complete batches', () => {
  const parts = threeBatches();
  const buf = Buffer.concat(parts);
  const ends = [parts[0]!.length, parts[0]!.length + parts[1]!.length, buf.length];
  for (let cut = 0; cut <= buf.length; cut++) {
    const scan = scanBatches(buf.subarray(0, cut));
    const complete = ends.filter((end) => end <= cut);
    assert.equal(scan.batches.length, complete.length, `cut ${cut}`);
    assert.equal(scan.validBytes, complete.at(-1) ?? 0, `cut ${cut}`);
    assert.equal(scan.tornTail, cut !== scan.validBytes, `cut ${cut}`);
    const summary = validateProduceBatches(buf.subarray(0, cut));
    assert.equal(summary.batchCount, complete.length);
    assert.equal(summary.tornTail, scan.tornTail);
  }
});

test('a CRC mismatch fails with CORRUPT_MESSAGE and the batch position', () => {
  const parts = threeBatches();
  parts[1]![70]! ^= 0xff;
  const buf = Buffer.concat(parts);
  const error = assertRecordsError(() => scanBatches(buf), RecordsErrorCode.CORRUPT_MESSAGE, /crc/);
  assert.equal(error.position, parts[0]!.length);
  assertRecordsError(() => validateProduceBatches(buf), RecordsErrorCode.CORRUPT_MESSAGE, /crc/);
  assert.equal(scanBatches(buf, { verifyCrc: false }).batches.length, 3, 'CRC checking can be turned off');
});

test('magic 0 and 1 (old message format) are refused with INVALID_RECORD', () => {
  for (const magic of [0, 1]) {
    // A v1 message: offset, size, crc, magic, attributes, timestamp, key, value; magic sits at byte 16 as in v2.
    const legacy = Buffer.alloc(12 + 22);
    legacy.writeInt32BE(22, 8);
    legacy[16] = magic;
    assertRecordsError(() => scanBatches(legacy), RecordsErrorCode.INVALID_RECORD, /magic 2/);
    assertRecordsError(() => validateProduceBatches(legacy), RecordsErrorCode.INVALID_RECORD);
  }
});

test('unknown magic values are CORRUPT_MESSAGE', () => {
  for (const magic of [3, 0x7f, 0x80, 0xff]) {
    const batch = buildRecordBatch(records(1, 'm'));
    batch[16] = magic;
    assertRecordsError(() => scanBatches(batch), RecordsErrorCode.CORRUPT_MESSAGE, /magic/);
  }
});

test('batchLength below the header size, negative or absurd is refused, not taken for a tear', () => {
  for (const length of [0, 1, 48, -1, -0x80000000]) {
    const batch = buildRecordBatch(records(1, 'l'));
    batch.writeInt32BE(length, 8);
    assertRecordsError(() => scanBatches(batch), RecordsErrorCode.CORRUPT_MESSAGE, /minimum/);
  }
  const huge = buildRecordBatch(records(1, 'h'));
  huge.writeInt32BE(0x7fffffff, 8);
  assertRecordsError(() => scanBatches(huge), RecordsErrorCode.MESSAGE_TOO_LARGE);
  const big = buildRecordBatch(records(50, 'big'));
  assertRecordsError(() => validateProduceBatches(big, { batchBytesMax: 1000 }), RecordsErrorCode.MESSAGE_TOO_LARGE);
  assert.equal(validateProduceBatches(big, { batchBytesMax: big.length }).batchCount, 1);
});

test('validateProduceBatches counts batches, records and offsets', () => {
  const buf = Buffer.concat(threeBatches());
  const summary = validateProduceBatches(buf);
  assert.equal(summary.batchCount, 3);
  assert.equal(summary.recordCount, 9);
  assert.equal(summary.offsetCount, 9);
  assert.equal(summary.validBytes, buf.length);
  assert.equal(summary.tornTail, false);
  assert.equal(summary.compressionMask, (1 << 0) | (1 << 1) | (1 << 4));
});

test('validateProduceBatches applies Kafka\'s client batch rules with INVALID_RECORD', () => {
  const control = buildRecordBatch(records(1, 'x'), { isControl: true });
  assertRecordsError(() => validateProduceBatches(control), RecordsErrorCode.INVALID_RECORD, /control/);

  const noSequence = buildRecordBatch(records(1, 'x'), { producerId: 7n, producerEpoch: 0, baseSequence: -1 });
  assertRecordsError(() => validateProduceBatches(noSequence), RecordsErrorCode.INVALID_RECORD, /sequence/);
  const idempotent = buildRecordBatch(records(1, 'x'), { producerId: 7n, producerEpoch: 0, baseSequence: 0 });
  assert.equal(validateProduceBatches(idempotent).batchCount, 1);

  const mismatch = buildRecordBatch(records(3, 'x'));
  mismatch.writeInt32BE(5, 57);
  fixCrc(mismatch);
  assertRecordsError(() => validateProduceBatches(mismatch), RecordsErrorCode.INVALID_RECORD, /does not match/);

  const unknownCodec = buildRecordBatch(records(1, 'x'));
  unknownCodec.writeInt16BE(6, 21);
  fixCrc(unknownCodec);
  assertRecordsError(() => validateProduceBatches(unknownCodec), RecordsErrorCode.CORRUPT_MESSAGE, /codec/);

  const zeroCount = buildRecordBatch(records(1, 'x'));
  zeroCount.writeInt32BE(0, 57);
  zeroCount.writeInt32BE(-1, 23);
  fixCrc(zeroCount);
  assertRecordsError(() => validateProduceBatches(zeroCount), RecordsErrorCode.INVALID_RECORD);
});
