/**
 * OffsetForLeaderEpoch: where each leader epoch ends in the leader's log.
 * A restart moves leadership through fencing and unfencing, so the partition
 * gets a new leader epoch; records from before end where the new epoch begins.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, messages } from '../../src/protocol/index.ts';
import { buildRecordBatch } from '../../src/records/index.ts';
import { startTestBroker, tempDir } from '../helpers/broker.ts';
import { request } from '../helpers/raw-fetch.ts';

const OFFSET_FOR_LEADER_EPOCH = 23;

async function produce(bootstrap: string, topic: string, count: number): Promise<void> {
  const batch = buildRecordBatch(Array.from({ length: count }, (_, i) => ({ key: null, value: Buffer.from(`v${i}`), timestamp: 0n })));
  const res = await request<messages.ProduceResponse>(bootstrap, 0, 9, {
    ...messages.ProduceRequest.defaults(), acks: -1, timeoutMs: 5000,
    topicData: [{ ...messages.defaultProduceRequestTopicProduceData(), name: topic, partitionData: [{ ...messages.defaultProduceRequestPartitionProduceData(), index: 0, records: batch }] }],
  });
  assert.equal(res.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.NONE);
}

async function leaderEpoch(bootstrap: string, topic: string): Promise<number> {
  const res = await request<messages.MetadataResponse>(bootstrap, 3, 12, {
    ...messages.MetadataRequest.defaults(), topics: [{ ...messages.defaultMetadataRequestMetadataRequestTopic(), name: topic }],
  });
  return res.topics[0]!.partitions[0]!.leaderEpoch;
}

async function endOf(bootstrap: string, topic: string, epoch: number, currentLeaderEpoch = -1): Promise<{ errorCode: number; leaderEpoch: number; endOffset: number }> {
  const res = await request<messages.OffsetForLeaderEpochResponse>(bootstrap, OFFSET_FOR_LEADER_EPOCH, 4, {
    ...messages.OffsetForLeaderEpochRequest.defaults(), replicaId: -1,
    topics: [{ ...messages.defaultOffsetForLeaderEpochRequestOffsetForLeaderTopic(), topic, partitions: [{
      ...messages.defaultOffsetForLeaderEpochRequestOffsetForLeaderPartition(), partition: 0, currentLeaderEpoch, leaderEpoch: epoch,
    }] }],
  });
  const p = res.topics[0]!.partitions[0]!;
  return { errorCode: p.errorCode, leaderEpoch: p.leaderEpoch, endOffset: Number(p.endOffset) };
}

test('each epoch ends where the next begins; the current one at the log end; stale and unknown epochs are refused', async () => {
  const data = tempDir();
  try {
    let broker = await startTestBroker({ 'num.partitions': '1' }, data.dir);
    let first: number;
    try {
      first = await leaderEpoch(broker.bootstrap, 'epochs'); // Metadata creates the topic
      await produce(broker.bootstrap, 'epochs', 3);
    } finally {
      await broker.stop();
    }
    broker = await startTestBroker({}, data.dir);
    try {
      const second = await leaderEpoch(broker.bootstrap, 'epochs');
      assert.ok(second > first, `a restart is a new leadership (${first} → ${second})`);
      await produce(broker.bootstrap, 'epochs', 2);
      assert.deepEqual(await endOf(broker.bootstrap, 'epochs', first), { errorCode: ErrorCode.NONE, leaderEpoch: first, endOffset: 3 });
      assert.deepEqual(await endOf(broker.bootstrap, 'epochs', second), { errorCode: ErrorCode.NONE, leaderEpoch: second, endOffset: 5 });
      assert.deepEqual(await endOf(broker.bootstrap, 'epochs', -1), { errorCode: ErrorCode.NONE, leaderEpoch: -1, endOffset: -1 });
      assert.equal((await endOf(broker.bootstrap, 'epochs', first, first)).errorCode, ErrorCode.FENCED_LEADER_EPOCH);
      assert.equal((await endOf(broker.bootstrap, 'epochs', second, second + 1)).errorCode, ErrorCode.UNKNOWN_LEADER_EPOCH);
      assert.equal((await endOf(broker.bootstrap, 'nope', 0)).errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    } finally {
      await broker.stop();
    }
  } finally {
    data.remove();
  }
});
