/**
 * Retention deletes whole old segments of `delete` topics on the broker's
 * retention timer, and never trims a compact-only topic such as
 * __consumer_offsets, whatever its retention.ms says.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { messages } from '../../src/protocol/index.ts';
import { buildRecordBatch } from '../../src/records/index.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { request } from '../helpers/raw-fetch.ts';

let broker: TestBroker;
const OLD_TIMESTAMP = 1_000n;

before(async () => {
  broker = await startTestBroker({ 'log.retention.check.interval.ms': '100' });
  const create = messages.CreateTopicsRequest.defaults();
  create.topics = ['delete', 'compact'].map((policy) => ({
    ...messages.defaultCreateTopicsRequestCreatableTopic(), name: `policy-${policy}`, numPartitions: 1, replicationFactor: 1,
    configs: [['cleanup.policy', policy], ['retention.ms', '1000'], ['segment.ms', '1']].map(([name, value]) => ({
      ...messages.defaultCreateTopicsRequestCreatableTopicConfig(), name: name!, value: value!,
    })),
  }));
  const res = await request<messages.CreateTopicsResponse>(broker.bootstrap, 19, 7, create);
  assert.deepEqual(res.topics.map((t) => [t.errorCode, t.errorMessage]), [[0, null], [0, null]]);
});

after(() => broker.stop());

async function produce(topic: string): Promise<void> {
  const req = messages.ProduceRequest.defaults();
  req.acks = 1;
  req.timeoutMs = 5000;
  req.topicData = [{
    ...messages.defaultProduceRequestTopicProduceData(), name: topic,
    partitionData: [{ ...messages.defaultProduceRequestPartitionProduceData(), index: 0, records: buildRecordBatch([{ key: Buffer.from('k'), value: Buffer.from('v'), timestamp: OLD_TIMESTAMP }]) }],
  }];
  const res = await request<messages.ProduceResponse>(broker.bootstrap, 0, 9, req);
  assert.equal(res.responses[0]!.partitionResponses[0]!.errorCode, 0);
}

async function earliest(topic: string): Promise<bigint> {
  const req = messages.ListOffsetsRequest.defaults();
  req.topics = [{
    ...messages.defaultListOffsetsRequestListOffsetsTopic(), name: topic,
    partitions: [{ ...messages.defaultListOffsetsRequestListOffsetsPartition(), partitionIndex: 0, timestamp: -2n }],
  }];
  const res = await request<messages.ListOffsetsResponse>(broker.bootstrap, 2, 7, req);
  return res.topics[0]!.partitions[0]!.offset;
}

test('old segments of a delete topic go; a compact-only topic keeps everything', async () => {
  for (const topic of ['policy-delete', 'policy-compact']) {
    await produce(topic);
    await new Promise((r) => setTimeout(r, 20));
    await produce(topic); // segment.ms=1: this append rolls, so the first segment is no longer active
  }
  let deleteStart = 0n;
  for (let i = 0; i < 50 && deleteStart < 2n; i++) {
    await new Promise((r) => setTimeout(r, 100));
    deleteStart = await earliest('policy-delete');
  }
  // Both records are long expired: as in Kafka, even the active segment is rolled and deleted.
  assert.equal(deleteStart, 2n, 'the delete topic lost its expired segments to retention');
  assert.equal(await earliest('policy-compact'), 0n, 'the compact topic kept it');
});
