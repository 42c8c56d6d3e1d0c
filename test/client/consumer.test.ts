/**
 * Samsa's consumer (manual assignment) against a real broker: reads what
 * kcat (librdkafka) produced under every codec, earliest/latest/explicit
 * offsets, seek, pause/resume, max.poll.records, the async iterator, and
 * records produced while a poll waits.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ClientError, Cluster, Consumer, Producer, type ConsumerRecord } from '../../src/client/index.ts';
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
