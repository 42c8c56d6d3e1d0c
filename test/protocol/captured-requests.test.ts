/**
 * "Known bytes": requests that real clients (KafkaJS, @platformatic/kafka,
 * kcat and Python confluent-kafka, the last two on librdkafka) wrote on a
 * socket, kept in test/fixtures/captured/ by scripts/capture-fixtures.ts.
 * Each must decode with our generated codecs to what the client was told to
 * send (index.json), consume every byte, and re-encode to the same bytes.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  Reader,
  Writer,
  messages,
  readRequestHeader,
  requestCodec,
  writeRequestHeader,
  type MessageCodec,
} from '../../src/protocol/index.ts';
import {
  MAGIC_V2,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  NO_SEQUENCE,
  TimestampType,
  readBatchRecords,
  scanBatches,
} from '../../src/records/index.ts';
import type { CapturedFixture, CapturedIndex, CapturedProduce } from '../../scripts/capture-index.ts';

const dir = join(import.meta.dirname, '..', 'fixtures', 'captured');
const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as CapturedIndex;

const CODEC_IDS: Record<string, number> = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 };
/** What Kafka accepts in ClientSoftwareName/Version (KIP-511); a broker rejects anything else. */
const SOFTWARE_PATTERN = /^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?$/;
const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

interface Decoded {
  header: ReturnType<typeof readRequestHeader>;
  codec: MessageCodec<unknown>;
  body: unknown;
}

function decodeFrame(frame: Buffer): Decoded {
  const r = new Reader(frame);
  const header = readRequestHeader(r);
  const codec = requestCodec(header.requestApiKey);
  assert.ok(codec !== undefined, `no request codec for api key ${header.requestApiKey}`);
  const body = codec.decode(r, header.requestApiVersion);
  r.expectEnd(codec.name);
  return { header, codec, body };
}

function encodeFrame({ header, codec, body }: Decoded): Buffer {
  const w = new Writer();
  writeRequestHeader(w, header);
  codec.encode(w, body, header.requestApiVersion);
  return w.toBuffer();
}

/** Equality of two frames, failing with the first differing offset rather than two hex walls. */
function assertSameBytes(actual: Buffer, expected: Buffer, what: string): void {
  if (actual.equals(expected)) return;
  let at = 0;
  while (at < actual.length && at < expected.length && actual[at] === expected[at]) at++;
  const around = (b: Buffer): string => b.subarray(Math.max(0, at - 8), at + 8).toString('hex');
  assert.fail(
    `${what}: re-encoded ${actual.length} bytes, captured ${expected.length}; first difference at ${at} ` +
      `(re-encoded …${around(actual)}…, captured …${around(expected)}…)`,
  );
}

const text = (b: Buffer | null): string | null => (b === null ? null : b.toString('utf8'));

function checkProduce(fixture: CapturedFixture, body: messages.ProduceRequest): void {
  const sent = fixture.produce as CapturedProduce;
  assert.equal(body.transactionalId, null);
  assert.equal(body.acks, sent.acks);
  assert.ok(body.timeoutMs > 0, `timeoutMs ${body.timeoutMs}`);
  assert.deepEqual(
    body.topicData.map((t) => t.name),
    [sent.topic],
  );
  const partitions = body.topicData[0]!.partitionData;
  assert.deepEqual(
    partitions.map((p) => p.index),
    [sent.partition],
  );
  const records = partitions[0]!.records;
  assert.ok(records !== null, 'records are null');

  // One whole batch, CRC checked by the scanner and again here.
  const scan = scanBatches(records);
  assert.equal(scan.batches.length, 1);
  assert.equal(scan.validBytes, records.length);
  assert.equal(scan.tornTail, false);
  const batch = scan.batches[0]!;
  assert.equal(batch.magic, MAGIC_V2);
  assert.ok(batch.isCrcValid(), 'CRC-32C does not match');
  assert.equal(batch.compression, CODEC_IDS[sent.codec], `codec id in attributes ${batch.attributes}`);
  assert.equal(batch.timestampType, TimestampType.CREATE_TIME);
  assert.equal(batch.isTransactional, false);
  assert.equal(batch.isControl, false);
  assert.equal(batch.baseOffset, 0n);
  assert.equal(batch.recordCount, sent.records.length);
  assert.equal(batch.lastOffsetDelta, sent.records.length - 1);
  if (sent.idempotent) {
    assert.ok(batch.producerId >= 0n, `producerId ${batch.producerId}`);
    assert.ok(batch.producerEpoch >= 0, `producerEpoch ${batch.producerEpoch}`);
    assert.ok(batch.baseSequence >= 0, `baseSequence ${batch.baseSequence}`);
  } else {
    assert.equal(batch.producerId, NO_PRODUCER_ID);
    // KafkaJS writes epoch 0 and base sequence 0 beside producer id -1 where librdkafka writes -1
    // and -1; Kafka looks at neither without a producer id.
    const unset = [batch.producerEpoch, batch.baseSequence];
    assert.ok(
      (unset[0] === NO_PRODUCER_EPOCH && unset[1] === NO_SEQUENCE) || (unset[0] === 0 && unset[1] === 0),
      `producerEpoch ${unset[0]}, baseSequence ${unset[1]}`,
    );
  }

  const decoded = readBatchRecords(batch);
  assert.equal(decoded.length, sent.records.length);
  const from = BigInt(sent.wallClock.from);
  const to = BigInt(sent.wallClock.to);
  let maxTimestamp = -1n;
  decoded.forEach((record, i) => {
    const expected = sent.records[i]!;
    const what = `record ${i}`;
    assert.equal(record.offset, BigInt(i), `${what} offset`);
    assert.equal(record.attributes, 0, `${what} attributes`);
    assert.equal(text(record.key), expected.key, `${what} key`);
    assert.equal(text(record.value), expected.value, `${what} value`);
    assert.deepEqual(
      record.headers.map((h) => [h.key, text(h.value)]),
      expected.headers,
      `${what} headers`,
    );
    if (expected.timestamp !== null) {
      assert.equal(record.timestamp, BigInt(expected.timestamp), `${what} timestamp`);
    } else {
      // The client stamped it with its own clock during the capture run.
      assert.ok(record.timestamp >= from && record.timestamp <= to, `${what} timestamp ${record.timestamp} outside [${from}, ${to}]`);
    }
    if (record.timestamp > maxTimestamp) maxTimestamp = record.timestamp;
  });
  assert.equal(batch.maxTimestamp, maxTimestamp, 'maxTimestamp is not the largest record timestamp');
}

function checkMetadata(fixture: CapturedFixture, body: messages.MetadataRequest): void {
  assert.ok(body.topics !== null, 'asked for all topics');
  assert.deepEqual(
    body.topics.map((t) => t.name),
    fixture.metadataTopics,
  );
  // Topic ids exist from v10; a client asking by name sends the zero uuid.
  for (const t of body.topics) assert.equal(t.topicId, ZERO_UUID);
}

function checkApiVersions(fixture: CapturedFixture, body: messages.ApiVersionsRequest): void {
  if (fixture.apiVersion < 3) {
    // v0-2 have no body fields at all.
    assert.deepEqual(body, messages.ApiVersionsRequest.defaults());
    return;
  }
  assert.ok(fixture.clientSoftware !== undefined, 'index.json lacks clientSoftware for a v3+ ApiVersions');
  assert.equal(body.clientSoftwareName, fixture.clientSoftware.name);
  assert.equal(body.clientSoftwareVersion, fixture.clientSoftware.version);
  assert.match(body.clientSoftwareName, SOFTWARE_PATTERN);
  assert.match(body.clientSoftwareVersion, SOFTWARE_PATTERN);
}

function checkInitProducerId(body: messages.InitProducerIdRequest): void {
  // None of the captured producers is transactional.
  assert.equal(body.transactionalId, null);
  // librdkafka asks with -1/-1 ("no current id"); @platformatic/kafka sends 0/0, which a broker
  // must also accept as "none" for a non-transactional producer, as Kafka does.
  assert.ok(
    (body.producerId === -1n && body.producerEpoch === -1) || (body.producerId === 0n && body.producerEpoch === 0),
    `producerId ${body.producerId} epoch ${body.producerEpoch}`,
  );
}

describe('captured client requests', () => {
  it('index.json lists every fixture file and nothing else', () => {
    const files = readdirSync(dir).filter((f) => f.endsWith('.bin')).sort();
    assert.deepEqual(index.fixtures.map((f) => f.file).sort(), files);
  });

  it('covers four clients and all five compression codecs', () => {
    assert.deepEqual([...new Set(index.fixtures.map((f) => f.client))].sort(), [
      'kafkajs',
      'kcat',
      'platformatic',
      'python',
    ]);
    const codecs = new Set(index.fixtures.filter((f) => f.apiKey === 0).map((f) => f.codec));
    assert.deepEqual([...codecs].sort(), ['gzip', 'lz4', 'none', 'snappy', 'zstd']);
  });

  for (const fixture of index.fixtures) {
    describe(fixture.file, () => {
      const frame = readFileSync(join(dir, fixture.file));

      it('has the header the client was configured with', () => {
        const { header } = decodeFrame(frame);
        assert.equal(header.requestApiKey, fixture.apiKey);
        assert.equal(header.requestApiVersion, fixture.apiVersion);
        assert.equal(header.clientId, fixture.clientId);
        assert.ok(header.correlationId >= 0, `correlationId ${header.correlationId}`);
        // Header v2 (flexible versions) carries a tagged-field section; no client puts anything in it.
        assert.equal(header.unknownTaggedFields, undefined);
      });

      it('decodes to what was sent, consuming every byte', () => {
        const { body } = decodeFrame(frame);
        assert.equal((body as { unknownTaggedFields?: unknown }).unknownTaggedFields, undefined);
        switch (fixture.apiKey) {
          case messages.ProduceRequest.apiKey:
            checkProduce(fixture, body as messages.ProduceRequest);
            break;
          case messages.MetadataRequest.apiKey:
            checkMetadata(fixture, body as messages.MetadataRequest);
            break;
          case messages.ApiVersionsRequest.apiKey:
            checkApiVersions(fixture, body as messages.ApiVersionsRequest);
            break;
          case messages.InitProducerIdRequest.apiKey:
            checkInitProducerId(body as messages.InitProducerIdRequest);
            break;
          default:
            assert.fail(`no field checks for api key ${fixture.apiKey} (${fixture.api})`);
        }
      });

      it('re-encodes to the captured bytes', () => {
        // Every captured client writes canonical encodings (shortest varints, tagged fields
        // in order, records as opaque bytes), so decode then encode must be the identity.
        assertSameBytes(encodeFrame(decodeFrame(frame)), frame, fixture.file);
      });
    });
  }
});
