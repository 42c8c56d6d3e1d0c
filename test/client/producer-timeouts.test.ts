/**
 * Time bounds of the client against real brokers: delivery.timeout.ms fails
 * records its broker never acknowledges (here: the broker is gone) and stops
 * retrying them, releasing their buffer memory; metadata.max.age.ms refreshes
 * cached topics, so partitions added by someone else are used without an
 * error first.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Admin, ClientError, Cluster, Producer } from '../../src/client/index.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';

let broker: TestBroker;

before(async () => {
  broker = await startTestBroker({ 'num.partitions': '1' });
});
after(() => broker?.stop());

test('delivery.timeout.ms: records a vanished broker never acknowledges fail with a timeout, and retries stop', async () => {
  const doomed = await startTestBroker({ 'num.partitions': '1' });
  const cluster = new Cluster({ bootstrapServers: [doomed.bootstrap], connectTimeoutMs: 500 });
  const producer = new Producer(cluster, { lingerMs: 0, requestTimeoutMs: 500, deliveryTimeoutMs: 1200, retryBackoffMs: 50 });
  try {
    const first = await producer.send({ topic: 'dt', value: 'before' });
    assert.equal(first.offset, 0n);
    await doomed.stop();
    const started = performance.now();
    const outcomes = await Promise.allSettled([producer.send({ topic: 'dt', value: 'a' }), producer.send({ topic: 'dt', value: 'b', partition: 0 })]);
    const elapsedMs = performance.now() - started;
    for (const o of outcomes) {
      assert.equal(o.status, 'rejected');
      const e = (o as PromiseRejectedResult).reason as ClientError;
      assert.equal(e.code, 'SAMSA_ERR_DELIVERY_TIMEOUT', e.message);
      assert.match(e.message, /^[12] record\(s\) for dt-0 expired: \d+ ms passed since the batch opened \(delivery\.timeout\.ms 1200\)$/);
    }
    assert.ok(elapsedMs >= 1100 && elapsedMs < 4000, `failed after ${elapsedMs} ms`);
    assert.equal(producer.bufferedBytes, 0, 'the expired records gave their memory back');
    // Nothing is left to retry: flush returns at once.
    const flushStarted = performance.now();
    await producer.flush();
    assert.ok(performance.now() - flushStarted < 200);
  } finally {
    await producer.close();
    await cluster.close();
  }
});

test('delivery.timeout.ms must cover linger.ms + request.timeout.ms, as Java requires', () => {
  const cluster = new Cluster({ bootstrapServers: [broker.bootstrap] });
  assert.throws(() => new Producer(cluster, { lingerMs: 5, requestTimeoutMs: 1000, deliveryTimeoutMs: 1004 }), /deliveryTimeoutMs 1004: it must be at least lingerMs \+ requestTimeoutMs \(1005\)/);
  assert.doesNotThrow(() => new Producer(cluster, { lingerMs: 5, requestTimeoutMs: 1000, deliveryTimeoutMs: 1005 }));
  assert.throws(() => new Cluster({ bootstrapServers: [broker.bootstrap], metadataMaxAgeMs: 0 }), /metadataMaxAgeMs 0/);
});

test('metadata.max.age.ms: cached topics are refreshed, so added partitions are seen and used', async () => {
  const fresh = new Cluster({ bootstrapServers: [broker.bootstrap], metadataMaxAgeMs: 300 });
  const stale = new Cluster({ bootstrapServers: [broker.bootstrap] });
  const adminCluster = new Cluster({ bootstrapServers: [broker.bootstrap] });
  const admin = new Admin(adminCluster);
  try {
    await admin.createTopics([{ name: 'grow', partitions: 1 }]);
    assert.equal((await fresh.topic('grow')).partitions.length, 1);
    assert.equal((await stale.topic('grow')).partitions.length, 1);
    await admin.createPartitions('grow', 3);
    const deadline = Date.now() + 5000;
    while (fresh.topics.get('grow')?.partitions.length !== 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(fresh.topics.get('grow')?.partitions.length, 3, 'refreshed within a few max ages');
    assert.equal(stale.topics.get('grow')?.partitions.length, 1, 'the default age (5 minutes) has not passed');
    const producer = new Producer(fresh, { lingerMs: 0 });
    const sent = await producer.send({ topic: 'grow', partition: 2, value: 'on a new partition' });
    assert.deepEqual([sent.partition, sent.offset], [2, 0n]);
    await producer.close();
  } finally {
    await Promise.all([fresh.close(), stale.close(), adminCluster.close()]);
  }
});
