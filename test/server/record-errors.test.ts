/**
 * Per-record produce errors (KIP-467): a batch with keyless records sent to a
 * compacted topic is refused whole with INVALID_RECORD, and from produce v8 the
 * answer names each keyless record by its index in the batch, with Kafka's
 * summary as the partition's error message. Hand-built batches over a socket.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { messages } from '../../src/protocol/index.ts';
import { CompressionCodec, buildRecordBatch } from '../../src/records/index.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { fetchAll, request } from '../helpers/raw-fetch.ts';

const INVALID_RECORD = 87;
const PRODUCE = 0;
const CREATE_TOPICS = 19;

let broker: TestBroker;

before(async () => {
  broker = await startTestBroker();
  const create = messages.CreateTopicsRequest.defaults();
  create.topics = ['compacted', 'compacted-gzip', 'compacted-old'].map((name) => ({
    ...messages.defaultCreateTopicsRequestCreatableTopic(), name, numPartitions: 1, replicationFactor: 1,
    configs: [{ ...messages.defaultCreateTopicsRequestCreatableTopicConfig(), name: 'cleanup.policy', value: 'compact' }],
  }));
  const res = await request<messages.CreateTopicsResponse>(broker.bootstrap, CREATE_TOPICS, 7, create);
  assert.deepEqual(res.topics.map((t) => t.errorCode), [0, 0, 0]);
});

after(() => broker.stop());

async function produce(topic: string, batch: Buffer, version: number): Promise<messages.ProduceResponsePartitionProduceResponse> {
  const req = messages.ProduceRequest.defaults();
  req.acks = -1;
  req.timeoutMs = 5000;
  req.topicData = [{
    ...messages.defaultProduceRequestTopicProduceData(), name: topic,
    partitionData: [{ ...messages.defaultProduceRequestPartitionProduceData(), index: 0, records: batch }],
  }];
  const res = await request<messages.ProduceResponse>(broker.bootstrap, PRODUCE, version, req);
  return res.responses[0]!.partitionResponses[0]!;
}

/** Records whose key is null where `keys` has null. */
function batchOf(keys: (string | null)[], compression: CompressionCodec = CompressionCodec.NONE): Buffer {
  return buildRecordBatch(
    keys.map((k, i) => ({ key: k === null ? null : Buffer.from(k), value: Buffer.from(`v${i}`), timestamp: BigInt(Date.now()) })),
    { compression },
  );
}

function keylessMessage(topic: string): string {
  return `Compacted topic cannot accept message without key in topic partition ${topic}-0.`;
}

test('v9: each keyless record is named by its batch index, the message is Kafka\'s summary, and nothing is written', async () => {
  const out = await produce('compacted', batchOf(['a', null, 'c', null, 'e']), 9);
  assert.equal(out.errorCode, INVALID_RECORD);
  assert.deepEqual(out.recordErrors.map((e) => [e.batchIndex, e.batchIndexErrorMessage]), [
    [1, keylessMessage('compacted')], [3, keylessMessage('compacted')],
  ]);
  assert.equal(
    out.errorMessage,
    'One or more records have been rejected due to 2 record errors in total, and only showing the first three errors at most: '
      + `[RecordError(batchIndex=1, message='${keylessMessage('compacted')}'), RecordError(batchIndex=3, message='${keylessMessage('compacted')}')]`,
  );
  assert.equal(out.baseOffset, -1n);
  assert.equal(out.logStartOffset, 0n, 'the log start offset, as Kafka fills it on a record error');
  assert.deepEqual(await fetchAll(broker.bootstrap, 'compacted', 0, 0n), [], 'not even the keyed records of the batch');

  // The innocent records, sent again alone, are written from offset 0.
  const retry = await produce('compacted', batchOf(['a', 'c', 'e']), 9);
  assert.equal(retry.errorCode, 0);
  assert.equal(retry.baseOffset, 0n);
  assert.deepEqual(retry.recordErrors, []);
  assert.equal(retry.errorMessage, null);
  const stored = await fetchAll(broker.bootstrap, 'compacted', 0, 0n);
  assert.deepEqual(stored.map((r) => r.key?.toString()), ['a', 'c', 'e']);
});

test('a compressed batch is checked record by record too, and every record error is listed while the message quotes three', async () => {
  const out = await produce('compacted-gzip', batchOf([null, null, 'k', null, null], CompressionCodec.GZIP), 8);
  assert.equal(out.errorCode, INVALID_RECORD);
  assert.deepEqual(out.recordErrors.map((e) => e.batchIndex), [0, 1, 3, 4]);
  assert.ok(out.recordErrors.every((e) => e.batchIndexErrorMessage === keylessMessage('compacted-gzip')));
  assert.match(out.errorMessage ?? '', /^One or more records have been rejected due to 4 record errors in total, /);
  assert.deepEqual([...(out.errorMessage ?? '').matchAll(/batchIndex=(\d+)/g)].map((m) => Number(m[1])), [0, 1, 3]);
  assert.deepEqual(await fetchAll(broker.bootstrap, 'compacted-gzip', 0, 0n), []);
});

test('before v8 the answer has no room for record errors: the plain INVALID_RECORD', async () => {
  const out = await produce('compacted-old', batchOf(['a', null]), 7);
  assert.equal(out.errorCode, INVALID_RECORD);
  assert.deepEqual(out.recordErrors, [], 'v7 has no RecordErrors field');
  assert.equal(out.errorMessage, null, 'v7 has no ErrorMessage field');
  assert.deepEqual(await fetchAll(broker.bootstrap, 'compacted-old', 0, 0n), []);
});

test('an error of the batch as a whole names no record', async () => {
  const twoBatches = Buffer.concat([batchOf(['a']), batchOf(['b'])]);
  const out = await produce('compacted', twoBatches, 9);
  assert.equal(out.errorCode, INVALID_RECORD);
  assert.deepEqual(out.recordErrors, []);
  assert.match(out.errorMessage ?? '', /exactly one record batch/);
});
