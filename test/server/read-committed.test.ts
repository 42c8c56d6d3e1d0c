/**
 * Transactions on the partition side, over a real socket against a broker
 * process: transactional batches (hand-built, producer ids from
 * InitProducerId), WriteTxnMarkers as a transaction coordinator sends it,
 * then read_committed Fetch (records stop at the last stable offset, the
 * aborted transaction is listed), ListOffsets by isolation level, kcat
 * (librdkafka filters by the aborted list) reading only committed records,
 * and the last stable offset after a kill -9 and restart with a
 * transaction still open.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, messages } from '../../src/protocol/index.ts';
import { buildRecordBatch, readBatchRecords, scanBatches } from '../../src/records/index.ts';
import { tempDir } from '../helpers/broker.ts';
import { request } from '../helpers/raw-fetch.ts';
import { killAllChildren, run, startBrokerProcess, type BrokerProcess } from '../helpers/processes.ts';
import { until } from '../helpers/until.ts';

const TOPIC = 'txn';
const READ_UNCOMMITTED = 0;
const READ_COMMITTED = 1;

after(() => killAllChildren());

interface Producer {
  id: bigint;
  epoch: number;
  seq: number;
}

async function initProducerId(bootstrap: string): Promise<Producer> {
  const res = await request<messages.InitProducerIdResponse>(bootstrap, 22, 4, {
    ...messages.InitProducerIdRequest.defaults(), transactionalId: null, transactionTimeoutMs: -1,
  });
  assert.equal(res.errorCode, ErrorCode.NONE);
  return { id: res.producerId, epoch: res.producerEpoch, seq: 0 };
}

/** Produces one batch (transactional when a producer is given) and returns its base offset. */
async function produce(bootstrap: string, producer: Producer | null, values: string[]): Promise<number> {
  const records = values.map((v) => ({ key: null, value: Buffer.from(v), timestamp: 1_700_000_000_000n }));
  const batch = producer === null
    ? buildRecordBatch(records)
    : buildRecordBatch(records, { producerId: producer.id, producerEpoch: producer.epoch, baseSequence: producer.seq, isTransactional: true });
  if (producer !== null) producer.seq += values.length;
  const res = await request<messages.ProduceResponse>(bootstrap, 0, 9, {
    ...messages.ProduceRequest.defaults(), acks: -1, timeoutMs: 5000,
    topicData: [{ ...messages.defaultProduceRequestTopicProduceData(), name: TOPIC, partitionData: [{ ...messages.defaultProduceRequestPartitionProduceData(), index: 0, records: batch }] }],
  });
  const p = res.responses[0]!.partitionResponses[0]!;
  assert.equal(p.errorCode, ErrorCode.NONE, p.errorMessage ?? '');
  return Number(p.baseOffset);
}

/** WriteTxnMarkers v1 for one producer; the error code of each partition, in order. */
async function writeMarker(bootstrap: string, producer: Producer, commit: boolean, coordinatorEpoch: number, partitions = [0], topic = TOPIC): Promise<number[]> {
  const res = await request<messages.WriteTxnMarkersResponse>(bootstrap, 27, 1, {
    ...messages.WriteTxnMarkersRequest.defaults(),
    markers: [{
      ...messages.defaultWriteTxnMarkersRequestWritableTxnMarker(), producerId: producer.id, producerEpoch: producer.epoch,
      transactionResult: commit, coordinatorEpoch,
      topics: [{ ...messages.defaultWriteTxnMarkersRequestWritableTxnMarkerTopic(), name: topic, partitionIndexes: partitions }],
    }],
  });
  assert.equal(res.markers[0]!.producerId, producer.id);
  return res.markers[0]!.topics[0]!.partitions.map((p) => p.errorCode);
}

interface Fetched {
  values: string[];
  highWatermark: number;
  lastStableOffset: number;
  aborted: { producerId: bigint; firstOffset: number }[] | null;
}

async function fetch(bootstrap: string, isolationLevel: number, fetchOffset = 0n, maxWaitMs = 0): Promise<Fetched> {
  const req = messages.FetchRequest.defaults();
  req.maxWaitMs = maxWaitMs;
  req.minBytes = maxWaitMs > 0 ? 1 : 0;
  req.maxBytes = 1 << 20;
  req.isolationLevel = isolationLevel;
  req.topics = [{
    ...messages.defaultFetchRequestFetchTopic(), topic: TOPIC,
    partitions: [{ ...messages.defaultFetchRequestFetchPartition(), partition: 0, fetchOffset, partitionMaxBytes: 1 << 20 }],
  }];
  const res = await request<messages.FetchResponse>(bootstrap, 1, 12, req);
  const p = res.responses[0]!.partitions[0]!;
  assert.equal(p.errorCode, ErrorCode.NONE);
  const values: string[] = [];
  for (const batch of scanBatches(p.records ?? Buffer.alloc(0)).batches) {
    if (batch.isControl) continue;
    for (const r of readBatchRecords(batch)) values.push(r.value!.toString());
  }
  return {
    values, highWatermark: Number(p.highWatermark), lastStableOffset: Number(p.lastStableOffset),
    aborted: p.abortedTransactions?.map((t) => ({ producerId: t.producerId, firstOffset: Number(t.firstOffset) })) ?? null,
  };
}

async function latestOffset(bootstrap: string, isolationLevel: number): Promise<number> {
  const res = await request<messages.ListOffsetsResponse>(bootstrap, 2, 7, {
    ...messages.ListOffsetsRequest.defaults(), replicaId: -1, isolationLevel,
    topics: [{ ...messages.defaultListOffsetsRequestListOffsetsTopic(), name: TOPIC, partitions: [{ ...messages.defaultListOffsetsRequestListOffsetsPartition(), partitionIndex: 0, timestamp: -1n }] }],
  });
  const p = res.topics[0]!.partitions[0]!;
  assert.equal(p.errorCode, ErrorCode.NONE);
  return Number(p.offset);
}

async function createTopic(bootstrap: string): Promise<void> {
  const res = await request<messages.CreateTopicsResponse>(bootstrap, 19, 7, {
    ...messages.CreateTopicsRequest.defaults(),
    topics: [{ ...messages.defaultCreateTopicsRequestCreatableTopic(), name: TOPIC, numPartitions: 1, replicationFactor: 1 }],
  });
  assert.equal(res.topics[0]!.errorCode, ErrorCode.NONE);
}

async function kcatValues(bootstrap: string, isolation: string): Promise<string[]> {
  const r = await run('kcat', [
    '-b', bootstrap, '-C', '-t', TOPIC, '-o', 'beginning', '-e', '-q', '-f', '%s\\n',
    '-X', `isolation.level=${isolation}`, '-X', 'fetch.wait.max.ms=100', '-X', 'socket.timeout.ms=5000', '-m', '5',
  ], { timeoutMs: 20_000 });
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.split('\n').filter((l) => l !== '');
}

test('read_committed reads to the last stable offset, lists aborted transactions, and keeps it across a kill -9', { timeout: 120_000 }, async () => {
  const data = tempDir();
  let broker: BrokerProcess | null = null;
  try {
    broker = await startBrokerProcess(data.dir, { 'auto.create.topics.enable': 'false' });
    const bootstrap = broker.bootstrap;
    await createTopic(bootstrap);
    const a = await initProducerId(bootstrap);
    const b = await initProducerId(bootstrap);
    const c = await initProducerId(bootstrap);
    assert.equal(await produce(bootstrap, a, ['a0', 'a1']), 0); // 0..1, aborted later
    assert.equal(await produce(bootstrap, b, ['b0']), 2); // committed later
    assert.equal(await produce(bootstrap, null, ['n0']), 3);

    let f = await fetch(bootstrap, READ_COMMITTED);
    assert.deepEqual(f.values, [], 'nothing is stable while a\'s transaction (from 0) is open');
    assert.equal(f.lastStableOffset, 0);
    assert.equal(f.highWatermark, 4);
    assert.equal((await fetch(bootstrap, READ_UNCOMMITTED)).lastStableOffset, 0, 'reported whatever the isolation level');
    assert.equal(await latestOffset(bootstrap, READ_COMMITTED), 0);
    assert.equal(await latestOffset(bootstrap, READ_UNCOMMITTED), 4);

    assert.deepEqual(await writeMarker(bootstrap, a, false, 5), [ErrorCode.NONE]); // 4
    assert.deepEqual(await writeMarker(bootstrap, b, true, 5), [ErrorCode.NONE]); // 5
    assert.deepEqual(await writeMarker(bootstrap, b, true, 4), [ErrorCode.TRANSACTION_COORDINATOR_FENCED], 'a zombie coordinator');
    assert.deepEqual(await writeMarker(bootstrap, { ...b, epoch: b.epoch - 1 }, true, 5), [ErrorCode.INVALID_PRODUCER_EPOCH]);
    assert.deepEqual(await writeMarker(bootstrap, b, true, 5, [0, 7]), [ErrorCode.NONE, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]); // 6: a marker alone
    assert.deepEqual(await writeMarker(bootstrap, b, true, 5, [0], 'nope'), [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
    assert.equal(await produce(bootstrap, c, ['c0']), 7); // left open
    assert.equal(await produce(bootstrap, null, ['n1']), 8);

    f = await fetch(bootstrap, READ_COMMITTED);
    assert.equal(f.lastStableOffset, 7);
    assert.equal(f.highWatermark, 9);
    assert.deepEqual(f.values, ['a0', 'a1', 'b0', 'n0'], 'batches below the last stable offset, the aborted ones included');
    assert.deepEqual(f.aborted, [{ producerId: a.id, firstOffset: 0 }]);
    assert.deepEqual((await fetch(bootstrap, READ_COMMITTED, 3n)).aborted, [{ producerId: a.id, firstOffset: 0 }], 'its marker is at 4, above the fetch offset');
    assert.deepEqual((await fetch(bootstrap, READ_COMMITTED, 5n)).aborted, [], 'nothing aborted overlaps 5..6');
    assert.equal(await latestOffset(bootstrap, READ_COMMITTED), 7);
    assert.equal(await latestOffset(bootstrap, READ_UNCOMMITTED), 9);
    assert.deepEqual((await fetch(bootstrap, READ_UNCOMMITTED)).values, ['a0', 'a1', 'b0', 'n0', 'c0', 'n1']);

    assert.deepEqual(await kcatValues(bootstrap, 'read_committed'), ['b0', 'n0'], 'librdkafka drops the aborted records and stops at the last stable offset');
    assert.deepEqual(await kcatValues(bootstrap, 'read_uncommitted'), ['a0', 'a1', 'b0', 'n0', 'c0', 'n1']);

    await broker.kill9();
    broker = await startBrokerProcess(data.dir, { 'auto.create.topics.enable': 'false' });
    const restarted = broker.bootstrap;
    f = await until('the restarted broker to serve the partition', () => fetch(restarted, READ_COMMITTED), { timeoutMs: 30_000 });
    assert.equal(f.lastStableOffset, 7, 'c\'s transaction is still open after the restart');
    assert.deepEqual(f.aborted, [{ producerId: a.id, firstOffset: 0 }]);
    // A long poll at the last stable offset wakes when the marker moves it, not at its 20 s deadline.
    const started = Date.now();
    const polled = fetch(restarted, READ_COMMITTED, 7n, 20_000);
    assert.deepEqual(await writeMarker(restarted, c, true, 5), [ErrorCode.NONE]); // 9
    assert.deepEqual((await polled).values, ['c0', 'n1']);
    assert.ok(Date.now() - started < 10_000, 'the long poll was woken by the marker');
    f = await fetch(restarted, READ_COMMITTED);
    assert.equal(f.lastStableOffset, 10);
    assert.deepEqual(f.values, ['a0', 'a1', 'b0', 'n0', 'c0', 'n1']);
    assert.deepEqual(await kcatValues(restarted, 'read_committed'), ['b0', 'n0', 'c0', 'n1']);
  } finally {
    await broker?.stop();
    data.remove();
  }
});
