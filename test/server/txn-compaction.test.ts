/**
 * Compaction of transactional data in a running broker: a compacted topic
 * with short segments and a fast cleaner holds plain records, a committed
 * and an aborted transaction (hand-built batches from InitProducerId
 * producers, markers through WriteTxnMarkers as a coordinator sends them)
 * and a transaction left open. The cleaner removes the aborted records, so
 * read_uncommitted readers stop seeing them, while read_committed readers
 * (raw Fetch filtered by its aborted list, and librdkafka through kcat) read
 * the same records as before. The open transaction sits above the last
 * stable offset, so the cleaner leaves its records alone, even one a later
 * plain record of its key would supersede; once it aborts, they go too.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, messages } from '../../src/protocol/index.ts';
import { AbortedTransactions } from '../../src/client/aborted-transactions.ts';
import { buildRecordBatch, readBatchRecords, scanBatches } from '../../src/records/index.ts';
import { startTestBroker } from '../helpers/broker.ts';
import { request } from '../helpers/raw-fetch.ts';
import { killAllChildren, run } from '../helpers/processes.ts';
import { until } from '../helpers/until.ts';

const TOPIC = 'txn-compacted';
const READ_UNCOMMITTED = 0;
const READ_COMMITTED = 1;
const SEGMENT_MS = 200;

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

/** One batch of `key=value` records, transactional when a producer is given. */
async function produce(bootstrap: string, producer: Producer | null, entries: [string, string][]): Promise<void> {
  const records = entries.map(([key, value]) => ({ key: Buffer.from(key), value: Buffer.from(value), timestamp: BigInt(Date.now()) }));
  const batch = producer === null
    ? buildRecordBatch(records)
    : buildRecordBatch(records, { producerId: producer.id, producerEpoch: producer.epoch, baseSequence: producer.seq, isTransactional: true });
  if (producer !== null) producer.seq += entries.length;
  const res = await request<messages.ProduceResponse>(bootstrap, 0, 9, {
    ...messages.ProduceRequest.defaults(), acks: -1, timeoutMs: 5000,
    topicData: [{ ...messages.defaultProduceRequestTopicProduceData(), name: TOPIC, partitionData: [{ ...messages.defaultProduceRequestPartitionProduceData(), index: 0, records: batch }] }],
  });
  const p = res.responses[0]!.partitionResponses[0]!;
  assert.equal(p.errorCode, ErrorCode.NONE, p.errorMessage ?? '');
}

async function writeMarker(bootstrap: string, producer: Producer, commit: boolean): Promise<void> {
  const res = await request<messages.WriteTxnMarkersResponse>(bootstrap, 27, 1, {
    ...messages.WriteTxnMarkersRequest.defaults(),
    markers: [{
      ...messages.defaultWriteTxnMarkersRequestWritableTxnMarker(), producerId: producer.id, producerEpoch: producer.epoch,
      transactionResult: commit, coordinatorEpoch: 1,
      topics: [{ ...messages.defaultWriteTxnMarkersRequestWritableTxnMarkerTopic(), name: TOPIC, partitionIndexes: [0] }],
    }],
  });
  assert.equal(res.markers[0]!.topics[0]!.partitions[0]!.errorCode, ErrorCode.NONE);
}

/** The partition's records as `key=value` from offset 0, read_committed ones filtered by the aborted list as a client does. */
async function read(bootstrap: string, isolationLevel: number): Promise<string[]> {
  const req = messages.FetchRequest.defaults();
  req.maxWaitMs = 0;
  req.minBytes = 0;
  req.maxBytes = 1 << 20;
  req.isolationLevel = isolationLevel;
  const values: string[] = [];
  let fetchOffset = 0n;
  for (let round = 0; round < 100; round++) {
    req.topics = [{
      ...messages.defaultFetchRequestFetchTopic(), topic: TOPIC,
      partitions: [{ ...messages.defaultFetchRequestFetchPartition(), partition: 0, fetchOffset, partitionMaxBytes: 1 << 20 }],
    }];
    const res = await request<messages.FetchResponse>(bootstrap, 1, 12, req);
    const p = res.responses[0]!.partitions[0]!;
    assert.equal(p.errorCode, ErrorCode.NONE);
    const batches = scanBatches(p.records ?? Buffer.alloc(0)).batches;
    const aborted = new AbortedTransactions(isolationLevel === READ_COMMITTED ? p.abortedTransactions ?? [] : []);
    for (const batch of batches) {
      if (batch.lastOffset < fetchOffset) continue;
      fetchOffset = batch.lastOffset + 1n;
      if (batch.isControl || aborted.skips(batch)) continue;
      for (const r of readBatchRecords(batch)) values.push(`${r.key!.toString()}=${r.value!.toString()}`);
    }
    const end = isolationLevel === READ_COMMITTED ? p.lastStableOffset : p.highWatermark;
    if (batches.length === 0 || fetchOffset >= end) return values;
  }
  throw new Error('the reads did not reach the end of the partition');
}

async function kcat(bootstrap: string, isolation: string): Promise<string[]> {
  const r = await run('kcat', [
    '-b', bootstrap, '-C', '-t', TOPIC, '-o', 'beginning', '-e', '-q', '-f', '%k=%s\\n',
    '-X', `isolation.level=${isolation}`, '-X', 'fetch.wait.max.ms=100', '-X', 'socket.timeout.ms=5000',
  ], { timeoutMs: 20_000 });
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.split('\n').filter((l) => l !== '');
}

async function createTopic(bootstrap: string): Promise<void> {
  const configs = Object.entries({
    'cleanup.policy': 'compact', 'segment.ms': String(SEGMENT_MS), 'min.cleanable.dirty.ratio': '0', 'delete.retention.ms': '100',
  }).map(([name, value]) => ({ ...messages.defaultCreateTopicsRequestCreatableTopicConfig(), name, value }));
  const res = await request<messages.CreateTopicsResponse>(bootstrap, 19, 7, {
    ...messages.CreateTopicsRequest.defaults(),
    topics: [{ ...messages.defaultCreateTopicsRequestCreatableTopic(), name: TOPIC, numPartitions: 1, replicationFactor: 1, configs }],
  });
  assert.equal(res.topics[0]!.errorCode, ErrorCode.NONE);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

test('cleaning a compacted topic removes aborted records for read_uncommitted and changes nothing for read_committed', { timeout: 120_000 }, async () => {
  const broker = await startTestBroker({ 'log.cleaner.backoff.ms': '50', 'auto.create.topics.enable': 'false' });
  try {
    const bootstrap = broker.bootstrap;
    await createTopic(bootstrap);
    const [aborting, committing, open] = [await initProducerId(bootstrap), await initProducerId(bootstrap), await initProducerId(bootstrap)];
    await produce(bootstrap, null, [['k1', 'n1'], ['k2', 'n2']]);
    await produce(bootstrap, aborting, [['k1', 'a1'], ['k2', 'a2']]);
    await produce(bootstrap, committing, [['k3', 'c3']]);
    await writeMarker(bootstrap, aborting, false);
    await writeMarker(bootstrap, committing, true);
    await produce(bootstrap, null, [['k4', 'n4']]);
    // Past segment.ms the next append rolls: the open transaction starts a segment of its own.
    await sleep(SEGMENT_MS + 50);
    await produce(bootstrap, open, [['k5', 'open']]);
    await produce(bootstrap, null, [['k5', 'n5']]);
    await sleep(SEGMENT_MS + 50);
    await produce(bootstrap, null, [['k9', 'tail']]);

    const committed = ['k1=n1', 'k2=n2', 'k3=c3', 'k4=n4'];
    assert.deepEqual(await read(bootstrap, READ_COMMITTED), committed, 'read_committed stops at the open transaction');
    assert.deepEqual(await kcat(bootstrap, 'read_committed'), committed);

    // The cleaner runs every 50 ms; the segment below the open transaction is cleanable.
    const cleaned = ['k1=n1', 'k2=n2', 'k3=c3', 'k4=n4', 'k5=open', 'k5=n5', 'k9=tail'];
    await until('the aborted records to be cleaned away', async () => {
      const seen = await read(bootstrap, READ_UNCOMMITTED);
      return seen.includes('k1=a1') ? null : seen;
    }, { timeoutMs: 30_000 });
    assert.deepEqual(await read(bootstrap, READ_UNCOMMITTED), cleaned, 'the aborted k1=a1 hid nothing; k5=open, above the last stable offset, stays');
    assert.deepEqual(await kcat(bootstrap, 'read_uncommitted'), cleaned);
    assert.deepEqual(await read(bootstrap, READ_COMMITTED), committed);
    assert.deepEqual(await kcat(bootstrap, 'read_committed'), committed);

    // The open transaction aborts: the last stable offset reaches the end and its record is cleaned too.
    await writeMarker(bootstrap, open, false);
    await sleep(SEGMENT_MS + 50);
    await produce(bootstrap, null, [['k9', 'tail2']]);
    const after = ['k1=n1', 'k2=n2', 'k3=c3', 'k4=n4', 'k5=n5', 'k9=tail', 'k9=tail2'];
    assert.deepEqual(await read(bootstrap, READ_COMMITTED), after);
    await until('the aborted k5=open to be cleaned away', async () => {
      const seen = await read(bootstrap, READ_UNCOMMITTED);
      return seen.includes('k5=open') ? null : seen;
    }, { timeoutMs: 30_000 });
    assert.deepEqual(await read(bootstrap, READ_UNCOMMITTED), after, 'nothing aborted is left for read_uncommitted either');
    assert.deepEqual(await read(bootstrap, READ_COMMITTED), after);
    assert.deepEqual(await kcat(bootstrap, 'read_committed'), after);
  } finally {
    await broker.stop();
  }
});
