/**
 * Fetch semantics clients depend on but rarely show: a long poll that wakes
 * on append (not on a timer), incremental fetch sessions (KIP-227), and
 * offsets out of range.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { messages } from '../../src/protocol/index.ts';
import { buildRecordBatch } from '../../src/records/index.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { request } from '../helpers/raw-fetch.ts';

let broker: TestBroker;

before(async () => {
  broker = await startTestBroker();
  const create = messages.CreateTopicsRequest.defaults();
  create.topics = ['a', 'b'].map((name) => ({ ...messages.defaultCreateTopicsRequestCreatableTopic(), name, numPartitions: 1, replicationFactor: 1 }));
  const res = await request<messages.CreateTopicsResponse>(broker.bootstrap, 19, 7, create);
  assert.deepEqual(res.topics.map((t) => t.errorCode), [0, 0]);
});

after(() => broker.stop());

async function produce(topic: string, value: string): Promise<bigint> {
  const req = messages.ProduceRequest.defaults();
  req.acks = -1;
  req.timeoutMs = 5000;
  req.topicData = [{
    ...messages.defaultProduceRequestTopicProduceData(), name: topic,
    partitionData: [{ ...messages.defaultProduceRequestPartitionProduceData(), index: 0, records: buildRecordBatch([{ value: Buffer.from(value), timestamp: 1n }]) }],
  }];
  const res = await request<messages.ProduceResponse>(broker.bootstrap, 0, 9, req);
  const p = res.responses[0]!.partitionResponses[0]!;
  assert.equal(p.errorCode, 0);
  return p.baseOffset;
}

function fetchRequest(topics: { topic: string; offset: bigint }[], sessionId: number, epoch: number, maxWaitMs: number): messages.FetchRequest {
  const req = messages.FetchRequest.defaults();
  req.maxWaitMs = maxWaitMs;
  req.minBytes = 1;
  req.sessionId = sessionId;
  req.sessionEpoch = epoch;
  req.topics = topics.map(({ topic, offset }) => ({
    ...messages.defaultFetchRequestFetchTopic(), topic,
    partitions: [{ ...messages.defaultFetchRequestFetchPartition(), partition: 0, fetchOffset: offset, partitionMaxBytes: 1 << 20 }],
  }));
  return req;
}

test('a long poll returns as soon as a record is appended, well before its wait runs out', async () => {
  const start = await produce('a', 'first');
  const started = performance.now();
  const pending = request<messages.FetchResponse>(broker.bootstrap, 1, 11, fetchRequest([{ topic: 'a', offset: start + 1n }], 0, -1, 10_000));
  await new Promise((r) => setTimeout(r, 100));
  await produce('a', 'second');
  const res = await pending;
  const elapsed = performance.now() - started;
  assert.ok((res.responses[0]!.partitions[0]!.records?.length ?? 0) > 0, 'records returned');
  assert.ok(elapsed < 5000, `woke after ${elapsed.toFixed(0)} ms, not at the 10 s deadline`);
});

test('a long poll with nothing to read waits for max.wait.ms and returns empty', async () => {
  const hw = (await produce('b', 'x')) + 1n;
  const started = performance.now();
  const res = await request<messages.FetchResponse>(broker.bootstrap, 1, 11, fetchRequest([{ topic: 'b', offset: hw }], 0, -1, 300));
  const elapsed = performance.now() - started;
  assert.equal(res.responses[0]!.partitions[0]!.records?.length ?? 0, 0);
  assert.ok(elapsed >= 250, `returned after ${elapsed.toFixed(0)} ms`);
});

test('incremental fetch sessions answer only partitions with news and check epochs', async () => {
  const aEnd = (await produce('a', 'sess-a')) + 1n;
  const bEnd = (await produce('b', 'sess-b')) + 1n;
  const full = await request<messages.FetchResponse>(broker.bootstrap, 1, 11,
    fetchRequest([{ topic: 'a', offset: aEnd }, { topic: 'b', offset: bEnd }], 0, 0, 0));
  assert.equal(full.errorCode, 0);
  assert.ok(full.sessionId > 0, 'a session was created');
  assert.equal(full.responses.length, 2, 'the first fetch of a session lists every partition');

  await produce('b', 'news');
  const inc = await request<messages.FetchResponse>(broker.bootstrap, 1, 11, fetchRequest([], full.sessionId, 1, 0));
  assert.equal(inc.errorCode, 0);
  assert.deepEqual(inc.responses.map((t) => t.topic), ['b'], 'only the partition with new data');

  const stale = await request<messages.FetchResponse>(broker.bootstrap, 1, 11, fetchRequest([], full.sessionId, 1, 0));
  assert.equal(stale.errorCode, 71, 'INVALID_FETCH_SESSION_EPOCH for a repeated epoch');
  const unknown = await request<messages.FetchResponse>(broker.bootstrap, 1, 11, fetchRequest([], 123456, 1, 0));
  assert.equal(unknown.errorCode, 70, 'FETCH_SESSION_ID_NOT_FOUND');
});

test('an offset beyond the log end is OFFSET_OUT_OF_RANGE', async () => {
  const res = await request<messages.FetchResponse>(broker.bootstrap, 1, 11, fetchRequest([{ topic: 'a', offset: 1_000_000n }], 0, -1, 0));
  assert.equal(res.responses[0]!.partitions[0]!.errorCode, 1);
});
