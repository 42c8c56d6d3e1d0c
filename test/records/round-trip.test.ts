import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { Reader as PlatformaticReader, createRecordsBatch, readRecordsBatch } from '@platformatic/kafka';
import {
  CompressionCodec,
  type DecodedRecord,
  RecordBatch,
  type RecordInput,
  buildRecordBatch,
  readBatchRecords,
  scanBatches,
} from '../../src/records/index.ts';

const CODECS = [
  ['none', CompressionCodec.NONE],
  ['gzip', CompressionCodec.GZIP],
  ['snappy', CompressionCodec.SNAPPY],
  ['lz4', CompressionCodec.LZ4],
  ['zstd', CompressionCodec.ZSTD],
] as const;

/** Records that touch every field shape: nulls, empty bytes, headers, unicode keys, negative and 64-bit deltas. */
function sampleRecords(): RecordInput[] {
  const big = Buffer.alloc(300_000, 'abcdefgh');
  return [
    { key: Buffer.from('k0'), value: Buffer.from('v0'), timestamp: 1_700_000_000_000n },
    { key: null, value: null, timestamp: 1_700_000_000_005n },
    { key: Buffer.alloc(0), value: Buffer.alloc(0), timestamp: 1_699_999_999_000n },
    {
      key: Buffer.from('h'),
      value: Buffer.from('with headers'),
      headers: [
        { key: 'trace-id', value: Buffer.from('abc') },
        { key: 'empty', value: Buffer.alloc(0) },
        { key: 'null', value: null },
        { key: 'ключ-ü', value: Buffer.from([0, 255]) },
      ],
      timestamp: 1_700_000_000_001n,
    },
    { key: Buffer.from('big'), value: big, timestamp: 1_700_000_000_002n },
    { key: Buffer.from('far'), value: Buffer.from('x'), timestamp: 1_700_000_000_000n + 2n ** 40n },
    { key: Buffer.from('neg'), value: Buffer.from('y'), timestamp: -5n },
  ];
}

function assertSame(decoded: DecodedRecord[], input: RecordInput[], baseOffset: bigint): void {
  assert.equal(decoded.length, input.length);
  for (let i = 0; i < input.length; i++) {
    const got = decoded[i]!;
    const want = input[i]!;
    assert.equal(got.offset, baseOffset + BigInt(i));
    assert.equal(got.timestamp, want.timestamp);
    assert.deepEqual(got.key, want.key ?? null);
    assert.deepEqual(got.value, want.value);
    assert.deepEqual(got.headers, want.headers ?? []);
    assert.equal(got.attributes, 0);
  }
}

for (const [name, codec] of CODECS) {
  test(`round trip with ${name}`, () => {
    const input = sampleRecords();
    const bytes = buildRecordBatch(input, {
      compression: codec,
      baseOffset: 100n,
      producerId: 5n,
      producerEpoch: 2,
      baseSequence: 17,
    });
    const batch = new RecordBatch(bytes);
    assert.equal(batch.compression, codec);
    assert.equal(batch.recordCount, input.length);
    assert.equal(batch.lastOffsetDelta, input.length - 1);
    assert.equal(batch.baseTimestamp, input[0]!.timestamp);
    assert.equal(batch.maxTimestamp, 1_700_000_000_000n + 2n ** 40n);
    assert.equal(batch.isCrcValid(), true);
    if (codec !== CompressionCodec.NONE) assert.ok(bytes.length < 100_000, `${name} compresses`);
    assertSame(readBatchRecords(batch), input, 100n);
  });
}

test('uncompressed keys and values are views into the batch buffer', () => {
  const bytes = buildRecordBatch([{ key: Buffer.from('k'), value: Buffer.from('v'), timestamp: 0n }]);
  const [record] = readBatchRecords(new RecordBatch(bytes));
  assert.equal(record!.value!.buffer, bytes.buffer);
});

test('a batch with the delete-horizon bit still decodes with baseTimestamp as the base', () => {
  const bytes = buildRecordBatch([{ value: Buffer.from('v'), timestamp: 10n }]);
  bytes.writeInt16BE(0x40, 21);
  const batch = new RecordBatch(bytes);
  assert.equal(batch.hasDeleteHorizon, true);
  assert.equal(readBatchRecords(batch)[0]!.timestamp, 10n);
});

const PLATFORMATIC_CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;

for (const name of PLATFORMATIC_CODECS) {
  test(`@platformatic/kafka reads our ${name} batches and we read theirs`, () => {
    const codec = CODECS.find(([codecName]) => codecName === name)![1];
    const input = sampleRecords().filter((record) => record.timestamp > 0n && record.value !== null);
    const ours = buildRecordBatch(input, { compression: codec });
    const decoded = readRecordsBatch(PlatformaticReader.from(ours));
    assert.equal(decoded.records.length, input.length);
    decoded.records.forEach((record, i) => {
      assert.deepEqual(Buffer.from(record.value!), input[i]!.value);
      assert.equal(record.offsetDelta, i);
    });

    const messages = input.map((record) => ({
      topic: 't',
      key: record.key ?? undefined,
      value: record.value!,
      timestamp: record.timestamp,
      headers: new Map((record.headers ?? []).map((header) => [Buffer.from(header.key), header.value ?? Buffer.alloc(0)])),
    }));
    const theirs = createRecordsBatch(messages, { compression: name, producerId: -1n }).buffer as Buffer;
    const scan = scanBatches(theirs);
    assert.equal(scan.batches.length, 1);
    const back = readBatchRecords(scan.batches[0]!);
    assert.deepEqual(
      back.map((record) => record.value),
      input.map((record) => record.value),
    );
  });
}

test('KafkaJS decodes our gzip batch and we decode its encoder\'s batch', async () => {
  const require = createRequire(import.meta.url);
  const KafkaJSDecoder = require('kafkajs/src/protocol/decoder');
  const decodeBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder');
  const encodeBatch = require('kafkajs/src/protocol/recordBatch/v0').RecordBatch;
  const KafkaJSRecord = require('kafkajs/src/protocol/recordBatch/record/v0');
  const input = sampleRecords().slice(0, 4);

  const ours = buildRecordBatch(input, { compression: CompressionCodec.GZIP, baseOffset: 40n });
  const decoded = await decodeBatch(new KafkaJSDecoder(ours));
  assert.equal(decoded.records.length, 4);
  assert.equal(decoded.records[3].headers['trace-id'].toString(), 'abc');
  assert.equal(decoded.records[0].offset, '40');

  const kafkajsRecords = input.map((record, i) =>
    KafkaJSRecord({ offsetDelta: i, key: record.key, value: record.value, timestampDelta: 0, headers: {} }),
  );
  const encoded = await encodeBatch({ compression: 1, records: kafkajsRecords, lastOffsetDelta: 3, firstTimestamp: 5, maxTimestamp: 5 });
  const scan = scanBatches(encoded.buffer);
  assert.equal(scan.batches.length, 1);
  assert.equal(scan.batches[0]!.isCrcValid(), true);
  assert.deepEqual(
    readBatchRecords(scan.batches[0]!).map((record) => record.value),
    input.map((record) => record.value),
  );
});
