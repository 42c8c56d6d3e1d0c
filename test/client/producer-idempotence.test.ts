/**
 * The idempotent producer (enable.idempotence) against real brokers: batches
 * carry the producer id, epoch 0 and per-partition sequences that grow by the
 * record count; a broker killed with -9 and restarted on the same port while
 * the producer streams loses nothing and duplicates nothing (retries resend the
 * same sequences); and the configuration rules Java enforces.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster, Producer } from '../../src/client/index.ts';
import { incrementSequence } from '../../src/client/producer.ts';
import { startTestBroker, tempDir } from '../helpers/broker.ts';
import { fetchAll, fetchBatches } from '../helpers/raw-fetch.ts';
import { killAllChildren, startBrokerProcess } from '../helpers/processes.ts';

after(() => killAllChildren());

test('batches carry producer id, epoch and per-partition sequences that grow by record count', async () => {
  const broker = await startTestBroker({ 'num.partitions': '2' });
  const cluster = new Cluster({ bootstrapServers: [broker.bootstrap] });
  const producer = new Producer(cluster, { lingerMs: 1000 });
  try {
    assert.equal(producer.isIdempotent, true, 'on by default with acks=all');
    await cluster.topic('idem-seq', true); // metadata cached: sends append synchronously, so flush sees them
    const first = ['a', 'b', 'c'].map((v) => producer.send({ topic: 'idem-seq', partition: 0, value: v }));
    await producer.flush();
    const second = ['d', 'e'].map((v) => producer.send({ topic: 'idem-seq', partition: 0, value: v }));
    await producer.flush();
    await producer.send({ topic: 'idem-seq', partition: 1, value: 'x' });
    await producer.flush();
    assert.deepEqual((await Promise.all([...first, ...second])).map((m) => m.offset), [0n, 1n, 2n, 3n, 4n]);

    const p0 = await fetchBatches(broker.bootstrap, 'idem-seq', 0, 0n);
    const p1 = await fetchBatches(broker.bootstrap, 'idem-seq', 1, 0n);
    assert.deepEqual(p0.map((b) => b.baseSequence), [0, 3], 'the second batch starts after the first one\'s three records');
    assert.deepEqual(p1.map((b) => b.baseSequence), [0], 'another partition starts at 0');
    const ids = new Set([...p0, ...p1].map((b) => b.producerId));
    assert.equal(ids.size, 1);
    assert.ok([...ids][0]! >= 0n, 'a real producer id');
    assert.deepEqual([...p0, ...p1].map((b) => b.producerEpoch), [0, 0, 0]);
  } finally {
    await producer.close();
    await cluster.close();
    await broker.stop();
  }
});

test('sequences wrap from 2^31-1 to 0, as Kafka\'s', () => {
  assert.equal(incrementSequence(0, 3), 3);
  assert.equal(incrementSequence(0x7fffffff - 2, 2), 0x7fffffff);
  assert.equal(incrementSequence(0x7fffffff - 2, 3), 0);
  assert.equal(incrementSequence(0x7fffffff, 5), 4);
});

test('a broker killed -9 and restarted mid-stream: every record exactly once, in order', async () => {
  const data = tempDir();
  let proc = await startBrokerProcess(data.dir, { 'num.partitions': '1' });
  const port = proc.port;
  const cluster = new Cluster({ bootstrapServers: [proc.bootstrap], connectTimeoutMs: 500, requestTimeoutMs: 3000 });
  const producer = new Producer(cluster, {
    enableIdempotence: true, lingerMs: 2, batchSize: 512, requestTimeoutMs: 3000, retryBackoffMs: 50, retryBackoffMaxMs: 200, deliveryTimeoutMs: 60_000,
  });
  const count = 3000;
  try {
    await producer.send({ topic: 'idem-kill', value: 'warm-up' });
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < count; i++) {
      sends.push(producer.send({ topic: 'idem-kill', value: String(i) }));
      if (i % 100 === 99) await new Promise((r) => setTimeout(r, 2));
      if (i === count / 3) {
        await proc.kill9();
        await new Promise((r) => setTimeout(r, 200));
        proc = await startBrokerProcess(data.dir, { 'num.partitions': '1' }, port);
      }
    }
    await Promise.all(sends);
    await producer.flush();
    const values = (await fetchAll(proc.bootstrap, 'idem-kill', 0, 0n)).map((r) => r.value!.toString());
    assert.deepEqual(values, ['warm-up', ...Array.from({ length: count }, (_, i) => String(i))]);
  } finally {
    await producer.close().catch(() => undefined);
    await cluster.close();
    await proc.stop();
    data.remove();
  }
});

test('configuration: explicit idempotence needs acks=all, retries and at most five in flight; the default yields', async () => {
  const cluster = new Cluster({ bootstrapServers: ['127.0.0.1:1'] });
  assert.throws(() => new Producer(cluster, { enableIdempotence: true, acks: 1 }), /enableIdempotence: acks must be -1/);
  assert.throws(() => new Producer(cluster, { enableIdempotence: true, acks: 0 }), /acks must be -1/);
  assert.throws(() => new Producer(cluster, { enableIdempotence: true, retries: 0 }), /retries must be greater than 0/);
  assert.throws(() => new Producer(cluster, { enableIdempotence: true, maxInFlight: 6 }), /maxInFlight must be at most 5/);
  assert.equal(new Producer(cluster, { acks: 1 }).isIdempotent, false, 'not set: off when acks is not all, as Java');
  assert.equal(new Producer(cluster, { maxInFlight: 6 }).isIdempotent, false);
  assert.equal(new Producer(cluster, { enableIdempotence: false }).isIdempotent, false);
  assert.equal(new Producer(cluster).isIdempotent, true);
  await cluster.close();
});
