import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Reader } from '../../src/protocol/reader.ts';
import { CompressionCodec, readBatchRecords, scanBatches, validateProduceBatches } from '../../src/records/index.ts';

/**
 * Produce requests captured from real clients (kcat/librdkafka, KafkaJS,
 * @platformatic/kafka, confluent-kafka-python) by scripts/capture-fixtures.ts.
 * Their records must pass the produce validator and decode to what the
 * client was asked to send.
 */
const FIXTURES = new URL('../fixtures/captured/', import.meta.url);

interface CapturedRecord {
  key: string | null;
  value: string | null;
  headers: [string, string][];
  timestamp: string | null;
}

interface ProduceFixture {
  file: string;
  apiVersion: number;
  codec: keyof typeof CODEC_IDS;
  produce: { idempotent: boolean; wallClock: { from: string; to: string }; records: CapturedRecord[] };
}

const CODEC_IDS = {
  none: CompressionCodec.NONE,
  gzip: CompressionCodec.GZIP,
  snappy: CompressionCodec.SNAPPY,
  lz4: CompressionCodec.LZ4,
  zstd: CompressionCodec.ZSTD,
} as const;

/** Produce v9+ is flexible: compact strings/arrays/bytes and tagged fields. */
const PRODUCE_FLEXIBLE_VERSION_MIN = 9;

function skipTaggedFields(reader: Reader): void {
  const count = reader.taggedFieldCount();
  for (let i = 0; i < count; i++) {
    reader.uvarint();
    reader.raw(reader.uvarint());
  }
}

/** The records bytes of the single partition in a captured produce request (header included in the capture). */
function produceRecords(bytes: Buffer, version: number): Buffer {
  const compact = version >= PRODUCE_FLEXIBLE_VERSION_MIN;
  const reader = new Reader(bytes);
  reader.int16();
  reader.int16();
  reader.int32();
  reader.nullableString(false);
  if (compact) skipTaggedFields(reader);
  reader.nullableString(compact);
  reader.int16();
  reader.int32();
  assert.equal(reader.arrayLength(compact), 1);
  reader.string(compact);
  assert.equal(reader.arrayLength(compact), 1);
  reader.int32();
  const records = reader.nullableBytes(compact);
  assert.ok(records);
  return records;
}

const fixtures = (JSON.parse(readFileSync(new URL('index.json', FIXTURES), 'utf8')).fixtures as (ProduceFixture & { api: string })[]).filter(
  (fixture) => fixture.api === 'Produce',
);

for (const fixture of fixtures) {
  test(`captured ${fixture.file} validates and decodes`, () => {
    const records = produceRecords(readFileSync(new URL(fixture.file, FIXTURES)), fixture.apiVersion);
    const summary = validateProduceBatches(records);
    assert.equal(summary.batchCount, 1);
    assert.equal(summary.tornTail, false);
    assert.equal(summary.recordCount, fixture.produce.records.length);
    assert.equal(summary.compressionMask, 1 << CODEC_IDS[fixture.codec]);

    const [batch] = scanBatches(records).batches;
    assert.ok(batch);
    assert.equal(batch.hasProducerId, fixture.produce.idempotent);
    const decoded = readBatchRecords(batch);
    const from = BigInt(fixture.produce.wallClock.from);
    const to = BigInt(fixture.produce.wallClock.to);
    fixture.produce.records.forEach((want, i) => {
      const got = decoded[i]!;
      assert.equal(got.key?.toString('utf8') ?? null, want.key);
      assert.equal(got.value?.toString('utf8') ?? null, want.value);
      assert.deepEqual(
        got.headers.map((header) => [header.key, header.value?.toString('utf8') ?? null]),
        want.headers,
      );
      if (want.timestamp !== null) assert.equal(got.timestamp, BigInt(want.timestamp));
      else assert.ok(got.timestamp >= from && got.timestamp <= to, `timestamp ${got.timestamp} in [${from}, ${to}]`);
    });
  });
}

test('librdkafka writes raw snappy (no xerial header)', () => {
  const fixture = fixtures.find((candidate) => candidate.file.startsWith('kcat') && candidate.codec === 'snappy');
  assert.ok(fixture);
  const records = produceRecords(readFileSync(new URL(fixture.file, FIXTURES)), fixture.apiVersion);
  assert.notEqual(records[61], 0x82);
});
