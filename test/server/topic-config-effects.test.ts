/**
 * Topic configs that change what is stored: compression.type makes the broker
 * recompress batches the producer sent in another codec, and
 * message.timestamp.type=LogAppendTime stamps batches with the broker's time.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { messages } from '../../src/protocol/index.ts';
import { CompressionCodec, TimestampType, buildRecordBatch, readBatchRecords, scanBatches } from '../../src/records/index.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { request } from '../helpers/raw-fetch.ts';

let broker: TestBroker;

before(async () => {
  broker = await startTestBroker();
  const create = messages.CreateTopicsRequest.defaults();
  create.topics = [
    { name: 'zstd-only', config: { name: 'compression.type', value: 'zstd' } },
    { name: 'append-time', config: { name: 'message.timestamp.type', value: 'LogAppendTime' } },
  ].map(({ name, config }) => ({
    ...messages.defaultCreateTopicsRequestCreatableTopic(), name, numPartitions: 1, replicationFactor: 1,
    configs: [{ ...messages.defaultCreateTopicsRequestCreatableTopicConfig(), ...config }],
  }));
  const res = await request<messages.CreateTopicsResponse>(broker.bootstrap, 19, 7, create);
  assert.deepEqual(res.topics.map((t) => [t.errorCode, t.errorMessage]), [[0, null], [0, null]]);
});

after(() => broker.stop());

async function produce(topic: string, batch: Buffer): Promise<messages.ProduceResponsePartitionProduceResponse> {
  const req = messages.ProduceRequest.defaults();
  req.acks = 1;
  req.timeoutMs = 5000;
  req.topicData = [{
    ...messages.defaultProduceRequestTopicProduceData(), name: topic,
    partitionData: [{ ...messages.defaultProduceRequestPartitionProduceData(), index: 0, records: batch }],
  }];
  const res = await request<messages.ProduceResponse>(broker.bootstrap, 0, 9, req);
  return res.responses[0]!.partitionResponses[0]!;
}

async function storedBatches(topic: string) {
  const req = messages.FetchRequest.defaults();
  req.maxBytes = 1 << 20;
  req.topics = [{
    ...messages.defaultFetchRequestFetchTopic(), topic,
    partitions: [{ ...messages.defaultFetchRequestFetchPartition(), partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 << 20 }],
  }];
  const res = await request<messages.FetchResponse>(broker.bootstrap, 1, 11, req);
  return scanBatches(res.responses[0]!.partitions[0]!.records!).batches;
}

test('a gzip batch sent to a compression.type=zstd topic is stored as zstd with the same records', async () => {
  const records = [
    { key: Buffer.from('k'), value: Buffer.from('one'), headers: [{ key: 'h', value: Buffer.from('v') }], timestamp: 1_000n },
    { key: null, value: Buffer.from('two'), timestamp: 2_000n },
  ];
  const sent = await produce('zstd-only', buildRecordBatch(records, { compression: CompressionCodec.GZIP }));
  assert.equal(sent.errorCode, 0);
  const [batch] = await storedBatches('zstd-only');
  assert.equal(batch!.compression, CompressionCodec.ZSTD);
  assert.ok(batch!.isCrcValid());
  const back = readBatchRecords(batch!);
  assert.deepEqual(back.map((r) => [r.offset, r.key?.toString() ?? null, r.value?.toString(), r.timestamp]), [
    [0n, 'k', 'one', 1_000n], [1n, null, 'two', 2_000n],
  ]);
  assert.deepEqual(back[0]!.headers.map((h) => [h.key, h.value?.toString()]), [['h', 'v']]);
});

test('LogAppendTime replaces the producer timestamp with the broker time, and the produce answer says which', async () => {
  const before = Date.now();
  const sent = await produce('append-time', buildRecordBatch([{ value: Buffer.from('x'), timestamp: 5n }]));
  const after = Date.now();
  assert.equal(sent.errorCode, 0);
  const appendTime = Number(sent.logAppendTimeMs);
  assert.ok(appendTime >= before && appendTime <= after, `logAppendTimeMs ${appendTime}`);
  const [batch] = await storedBatches('append-time');
  assert.equal(batch!.timestampType, TimestampType.LOG_APPEND_TIME);
  assert.equal(Number(batch!.maxTimestamp), appendTime);
  assert.ok(batch!.isCrcValid());
  assert.equal(readBatchRecords(batch!)[0]!.timestamp, BigInt(appendTime));
});
