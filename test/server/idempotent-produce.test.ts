/**
 * Idempotent producers on the wire (Produce v9 batches with a producer id,
 * epoch and base sequence): a retried batch is answered with the offset it
 * already has and written once, a gap in sequence or an older epoch is
 * refused with Kafka's codes, a new epoch starts at sequence 0, and the
 * state survives a clean restart (snapshot) and a kill -9 (rebuilt from the log).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, messages } from '../../src/protocol/index.ts';
import { buildRecordBatch } from '../../src/records/index.ts';
import { startTestBroker, tempDir } from '../helpers/broker.ts';
import { fetchAll, request } from '../helpers/raw-fetch.ts';
import { killAllChildren, startBrokerProcess } from '../helpers/processes.ts';

const PRODUCE = 0;
const PRODUCE_VERSION = 9;
const CREATE_TOPICS = 19;

after(() => killAllChildren());

interface Sent {
  errorCode: number;
  baseOffset: number;
}

async function produceBatch(bootstrap: string, topic: string, producerId: bigint, producerEpoch: number, baseSequence: number, values: string[]): Promise<Sent> {
  const batch = buildRecordBatch(values.map((v) => ({ key: null, value: Buffer.from(v), timestamp: 1_700_000_000_000n })), {
    producerId, producerEpoch, baseSequence,
  });
  const res = await request<messages.ProduceResponse>(bootstrap, PRODUCE, PRODUCE_VERSION, {
    ...messages.ProduceRequest.defaults(), acks: -1, timeoutMs: 5000,
    topicData: [{ ...messages.defaultProduceRequestTopicProduceData(), name: topic, partitionData: [{ ...messages.defaultProduceRequestPartitionProduceData(), index: 0, records: batch }] }],
  });
  const p = res.responses[0]!.partitionResponses[0]!;
  return { errorCode: p.errorCode, baseOffset: Number(p.baseOffset) };
}

async function createTopic(bootstrap: string, name: string): Promise<void> {
  const res = await request<messages.CreateTopicsResponse>(bootstrap, CREATE_TOPICS, 7, {
    ...messages.CreateTopicsRequest.defaults(),
    topics: [{ ...messages.defaultCreateTopicsRequestCreatableTopic(), name, numPartitions: 1, replicationFactor: 1 }],
  });
  assert.equal(res.topics[0]!.errorCode, ErrorCode.NONE);
}

async function values(bootstrap: string, topic: string): Promise<string[]> {
  return (await fetchAll(bootstrap, topic, 0, 0n)).map((r) => r.value!.toString());
}

test('retries are written once; gaps and old epochs are refused; a new epoch starts at 0', async () => {
  const broker = await startTestBroker();
  try {
    await createTopic(broker.bootstrap, 'idem');
    const pid = 4000n;
    assert.deepEqual(await produceBatch(broker.bootstrap, 'idem', pid, 0, 0, ['a', 'b']), { errorCode: ErrorCode.NONE, baseOffset: 0 });
    assert.deepEqual(await produceBatch(broker.bootstrap, 'idem', pid, 0, 0, ['a', 'b']), { errorCode: ErrorCode.NONE, baseOffset: 0 }, 'a retry gets the first answer');
    assert.deepEqual(await produceBatch(broker.bootstrap, 'idem', pid, 0, 2, ['c']), { errorCode: ErrorCode.NONE, baseOffset: 2 });
    assert.equal((await produceBatch(broker.bootstrap, 'idem', pid, 0, 5, ['gap'])).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    // An older retry still in the window of remembered batches is a duplicate too.
    assert.deepEqual(await produceBatch(broker.bootstrap, 'idem', pid, 0, 0, ['a', 'b']), { errorCode: ErrorCode.NONE, baseOffset: 0 });

    assert.equal((await produceBatch(broker.bootstrap, 'idem', pid, 1, 3, ['new epoch, wrong start'])).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    assert.deepEqual(await produceBatch(broker.bootstrap, 'idem', pid, 1, 0, ['d']), { errorCode: ErrorCode.NONE, baseOffset: 3 });
    assert.equal((await produceBatch(broker.bootstrap, 'idem', pid, 0, 3, ['fenced'])).errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);

    // Another producer, and a plain (non-idempotent) batch, are independent.
    assert.deepEqual(await produceBatch(broker.bootstrap, 'idem', 4001n, 0, 7, ['other']), { errorCode: ErrorCode.NONE, baseOffset: 4 });
    assert.deepEqual(await produceBatch(broker.bootstrap, 'idem', -1n, -1, -1, ['plain']), { errorCode: ErrorCode.NONE, baseOffset: 5 });
    assert.deepEqual(await values(broker.bootstrap, 'idem'), ['a', 'b', 'c', 'd', 'other', 'plain']);
  } finally {
    await broker.stop();
  }
});

for (const stop of ['clean', 'kill -9'] as const) {
  test(`producer state survives a ${stop} restart: the last batch's retry is still recognised`, async () => {
    const data = tempDir();
    try {
      let b = await startBrokerProcess(data.dir);
      await createTopic(b.bootstrap, 'idem-restart');
      const pid = 5000n;
      for (let seq = 0; seq < 30; seq += 3) {
        assert.equal((await produceBatch(b.bootstrap, 'idem-restart', pid, 2, seq, [`${seq}`, `${seq + 1}`, `${seq + 2}`])).errorCode, ErrorCode.NONE);
      }
      if (stop === 'clean') assert.equal(await b.stop(), 0);
      else await b.kill9();
      const snapshots = readdirSync(join(data.dir, 'idem-restart-0')).filter((f) => f.endsWith('.snapshot'));
      assert.deepEqual(snapshots, stop === 'clean' ? ['00000000000000000030.snapshot'] : [], 'a clean stop checkpoints producer state');

      b = await startBrokerProcess(data.dir);
      assert.deepEqual(await produceBatch(b.bootstrap, 'idem-restart', pid, 2, 27, ['27', '28', '29']), { errorCode: ErrorCode.NONE, baseOffset: 27 });
      assert.equal((await produceBatch(b.bootstrap, 'idem-restart', pid, 2, 33, ['gap'])).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
      assert.deepEqual(await produceBatch(b.bootstrap, 'idem-restart', pid, 2, 30, ['30']), { errorCode: ErrorCode.NONE, baseOffset: 30 });
      assert.equal((await values(b.bootstrap, 'idem-restart')).length, 31);
      assert.equal(await b.stop(), 0);
    } finally {
      data.remove();
    }
  });
}
