/**
 * Samsa's consumer (manual assignment) against a real broker: reads what
 * kcat (librdkafka) produced under every codec, earliest/latest/explicit
 * offsets, seek, pause/resume, max.poll.records, the async iterator, and
 * records produced while a poll waits; offsetsForTimes; isolation.level —
 * read_committed filtering against hand-built batches (aborted transactions,
 * ABORT and COMMIT markers), and against the broker up to the last stable
 * offset.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { AbortedTransactions, Admin, ClientError, Cluster, Consumer, Producer, type ConsumerRecord } from '../../src/client/index.ts';
import { buildRecordBatch, scanBatches } from '../../src/records/index.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { killAllChildren, run } from '../helpers/processes.ts';

let broker: TestBroker;
let cluster: Cluster;

before(async () => {
  broker = await startTestBroker({ 'num.partitions': '2' });
  cluster = new Cluster({ bootstrapServers: [broker.bootstrap] });
});
after(async () => {
  killAllChildren();
  await cluster?.close();
  await broker?.stop();
});

async function pollUntil(consumer: Consumer, count: number, timeoutMs = 5000): Promise<ConsumerRecord[]> {
  const out: ConsumerRecord[] = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < count && Date.now() < deadline) out.push(...await consumer.poll(200));
  return out;
}

async function produce(topic: string, values: string[], partition = 0): Promise<void> {
  const producer = new Producer(cluster);
  await Promise.all(values.map((value) => producer.send({ topic, partition, value })));
  await producer.close();
}

test('reads what kcat produced under every codec, with keys and headers', async () => {
  const topic = 'cons-kcat';
  for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd']) {
    const input = Array.from({ length: 10 }, (_, i) => `k${i}:${codec}-${i}\n`).join('');
    const r = await run('kcat', ['-b', broker.bootstrap, '-P', '-t', topic, '-p', '0', '-z', codec, '-K', ':', '-H', `codec=${codec}`], { input, timeoutMs: 20_000 });
    assert.equal(r.code, 0, r.stderr);
  }
  const consumer = new Consumer(cluster);
  consumer.assign([{ topic, partition: 0, offset: 'earliest' }, { topic, partition: 1, offset: 'earliest' }]);
  const records = await pollUntil(consumer, 50);
  consumer.close();
  assert.equal(records.length, 50);
  assert.deepEqual(records.map((r) => r.offset), Array.from({ length: 50 }, (_, i) => BigInt(i)));
  for (const r of records) {
    const [codec, i] = r.value!.toString().split('-');
    assert.equal(r.key!.toString(), `k${i}`);
    assert.deepEqual(r.headers.map((h) => [h.key, h.value!.toString()]), [['codec', codec]]);
    assert.equal(r.partition, 0);
  }
});

test('latest, explicit offsets, seek, max.poll.records and pause/resume', async () => {
  const topic = 'cons-seek';
  await produce(topic, Array.from({ length: 20 }, (_, i) => `v${i}`));
  const consumer = new Consumer(cluster, { maxPollRecords: 7 });
  consumer.assign([{ topic, partition: 0, offset: 'latest' }]);
  assert.deepEqual(await consumer.poll(100), []);
  assert.equal(consumer.position(topic, 0), 20n);
  await produce(topic, ['late']);
  assert.deepEqual((await pollUntil(consumer, 1)).map((r) => r.value!.toString()), ['late']);

  consumer.seek(topic, 0, 5n);
  const first = await consumer.poll(1000);
  assert.equal(first.length, 7, 'max.poll.records');
  assert.equal(first[0]!.offset, 5n);
  consumer.pause([{ topic, partition: 0 }]);
  assert.deepEqual(consumer.paused(), [{ topic, partition: 0 }]);
  assert.deepEqual(await consumer.poll(50), []);
  consumer.resume([{ topic, partition: 0 }]);
  const rest = await pollUntil(consumer, 9);
  assert.deepEqual(rest.map((r) => r.offset), Array.from({ length: 9 }, (_, i) => BigInt(12 + i)));
  consumer.seek(topic, 0, 'earliest');
  assert.equal((await consumer.poll(1000))[0]!.offset, 0n);
  assert.throws(() => consumer.seek(topic, 1, 0n), (e: ClientError) => e.code === 'SAMSA_ERR_NOT_ASSIGNED');
  consumer.close();
});

test('an out-of-range offset resets by auto.offset.reset; a poll waits for new records; the async iterator yields them', async () => {
  const topic = 'cons-iter';
  await produce(topic, ['a', 'b']);
  const consumer = new Consumer(cluster, { autoOffsetReset: 'earliest', fetchMaxWaitMs: 100 });
  consumer.assign([{ topic, partition: 0, offset: 1000n }]);
  assert.deepEqual((await pollUntil(consumer, 2)).map((r) => r.value!.toString()), ['a', 'b']);
  const waiting = consumer.poll(3000);
  setTimeout(() => void produce(topic, ['c']), 100);
  assert.deepEqual((await waiting).map((r) => r.value!.toString()), ['c']);
  setTimeout(() => void produce(topic, ['d', 'e']), 50);
  const seen: string[] = [];
  for await (const r of consumer) {
    seen.push(r.value!.toString());
    if (seen.length === 2) consumer.close();
  }
  assert.deepEqual(seen, ['d', 'e']);
});

test('an unknown topic is a ClientError naming it', async () => {
  const consumer = new Consumer(cluster);
  consumer.assign([{ topic: 'cons-missing', partition: 0 }]);
  await assert.rejects(consumer.poll(100), (e: ClientError) => e.code === 'SAMSA_ERR_UNKNOWN_TOPIC' && /cons-missing/.test(e.message));
  consumer.close();
});

function marker(type: 0 | 1): Buffer {
  const key = Buffer.alloc(4);
  key.writeInt16BE(0, 0);
  key.writeInt16BE(type, 2);
  return key;
}

test('read_committed drops the batches of aborted transactions and every control batch', () => {
  const value = (s: string): { value: Buffer; timestamp: bigint } => ({ value: Buffer.from(s), timestamp: 1n });
  const txn = (producerId: bigint) => ({ producerId, producerEpoch: 0, baseSequence: 0, isTransactional: true });
  const log = Buffer.concat([
    buildRecordBatch([value('aborted-0'), value('aborted-1')], { baseOffset: 0n, ...txn(7n) }),
    buildRecordBatch([value('plain-2')], { baseOffset: 2n }),
    buildRecordBatch([value('committed-3')], { baseOffset: 3n, ...txn(8n) }),
    buildRecordBatch([{ key: marker(0), value: Buffer.alloc(6), timestamp: 1n }], { baseOffset: 4n, ...txn(7n), isControl: true }),
    buildRecordBatch([{ key: marker(1), value: Buffer.alloc(6), timestamp: 1n }], { baseOffset: 5n, ...txn(8n), isControl: true }),
    buildRecordBatch([value('next-txn-6')], { baseOffset: 6n, ...txn(7n) }),
  ]);
  const batches = scanBatches(log).batches;
  assert.equal(batches.length, 6);
  const filter = new AbortedTransactions([{ producerId: 7n, firstOffset: 0n }]);
  assert.deepEqual(batches.map((b) => filter.skips(b)), [true, false, false, true, true, false]);
  // Without an aborted list (read_committed of committed data) only control batches go.
  const none = new AbortedTransactions(null);
  assert.deepEqual(batches.map((b) => none.skips(b)), [false, false, false, true, true, false]);
  // An aborted transaction that starts later does not touch the same producer's earlier batch.
  const later = new AbortedTransactions([{ producerId: 7n, firstOffset: 6n }]);
  assert.deepEqual(batches.map((b) => later.skips(b)), [false, false, false, true, true, true]);
});

test('offsetsForTimes: the first offset at or after each time, null past the end, under either isolation level', async () => {
  const topic = 'oft';
  await new Admin(cluster).createTopics([{ name: topic, partitions: 2 }]);
  const producer = new Producer(cluster);
  await Promise.all([1000, 2000, 3000, 4000].map((t, i) => producer.send({ topic, partition: 0, value: `v${i}`, timestamp: t })));
  await producer.send({ topic, partition: 1, value: 'late', timestamp: 9000 });
  await producer.close();
  for (const isolationLevel of ['read_uncommitted', 'read_committed'] as const) {
    const consumer = new Consumer(cluster, { isolationLevel });
    const got = await consumer.offsetsForTimes([
      { topic, partition: 0, timestamp: 0 },
      { topic, partition: 0, timestamp: 2500 },
      { topic, partition: 0, timestamp: 4000n },
      { topic, partition: 0, timestamp: 4001 },
      { topic, partition: 1, timestamp: 5000 },
    ]);
    assert.deepEqual(got, [
      { topic, partition: 0, offset: 0n, timestamp: 1000n },
      { topic, partition: 0, offset: 2n, timestamp: 3000n },
      { topic, partition: 0, offset: 3n, timestamp: 4000n },
      null,
      { topic, partition: 1, offset: 0n, timestamp: 9000n },
    ], isolationLevel);
    // Seeking to what it found reads from there.
    consumer.assign([{ topic, partition: 0, offset: got[1]!.offset }]);
    const records = await pollUntil(consumer, 2);
    assert.deepEqual(records.map((r) => r.value!.toString()), ['v2', 'v3']);
    await consumer.close();
  }
  const consumer = new Consumer(cluster);
  await assert.rejects(consumer.offsetsForTimes([{ topic, partition: 0, timestamp: -1 }]), (e: unknown) => e instanceof ClientError && /must be >= 0/.test(e.message));
  await assert.rejects(consumer.offsetsForTimes([{ topic: 'oft-missing', partition: 0, timestamp: 0 }]), (e: unknown) => e instanceof ClientError && /oft-missing/.test(e.message));
});

test('read_committed reads non-transactional records up to the last stable offset, and latest resolves there', async () => {
  const topic = 'rc-plain';
  await new Admin(cluster).createTopics([{ name: topic, partitions: 1 }]);
  const producer = new Producer(cluster);
  await Promise.all(Array.from({ length: 20 }, (_, i) => producer.send({ topic, partition: 0, value: `v${i}` })));
  const consumer = new Consumer(cluster, { isolationLevel: 'read_committed' });
  consumer.assign([{ topic, partition: 0, offset: 'earliest' }]);
  const records = await pollUntil(consumer, 20);
  assert.deepEqual(records.map((r) => r.value!.toString()), Array.from({ length: 20 }, (_, i) => `v${i}`));
  assert.equal(consumer.lastStableOffset(topic, 0), 20n);
  consumer.seek(topic, 0, 'latest');
  assert.deepEqual(await consumer.poll(100), []);
  assert.equal(consumer.position(topic, 0), 20n, 'latest under read_committed is the last stable offset');
  await producer.send({ topic, partition: 0, value: 'after' });
  await producer.close();
  const next = await pollUntil(consumer, 1);
  assert.deepEqual(next.map((r) => [r.offset, r.value!.toString()]), [[20n, 'after']]);
  await consumer.close();
});
