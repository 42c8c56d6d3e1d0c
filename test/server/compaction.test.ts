/**
 * Compaction in a running broker (log.cleaner.enable): a compacted topic fed
 * many updates of a few keys by KafkaJS shrinks, on the cleaner's own timer,
 * to the latest value of each key at its original offset (plus the active
 * segment), and a consumer reading from the start sees exactly that.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { startTestBroker } from '../helpers/broker.ts';
import { fetchAll } from '../helpers/raw-fetch.ts';
import { killAllChildren, run } from '../helpers/processes.ts';

after(() => killAllChildren());

test('the broker compacts a compacted topic on its own, keeping the latest value per key at its offset', async () => {
  const broker = await startTestBroker({ 'log.cleaner.backoff.ms': '100' });
  try {
    const kafka = new Kafka({ clientId: 'compaction', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{
        topic: 'latest', numPartitions: 1,
        configEntries: [
          { name: 'cleanup.policy', value: 'compact' }, { name: 'segment.ms', value: '20' },
          { name: 'min.cleanable.dirty.ratio', value: '0.01' },
        ],
      }],
    });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    const latest = new Map<string, { value: string; offset: number }>();
    for (let i = 0; i < 200; i++) {
      const key = `k${i % 5}`;
      const [meta] = await producer.send({ topic: 'latest', acks: -1, messages: [{ key, value: `v${i}-${'x'.repeat(40)}` }] });
      latest.set(key, { value: `v${i}-${'x'.repeat(40)}`, offset: Number(meta!.baseOffset) });
    }
    // One more record after segment.ms has passed rolls the log, so the 200 all sit in cleanable segments and
    // the active segment (never cleaned) holds only this one.
    await new Promise((r) => setTimeout(r, 50));
    const [last] = await producer.send({ topic: 'latest', acks: -1, messages: [{ key: 'k0', value: 'last' }] });
    latest.set('k0', { value: 'last', offset: Number(last!.baseOffset) });
    await producer.disconnect();

    // Fully cleaned: the latest of each of the 5 keys among the 200, plus the active segment's one record.
    const deadline = Date.now() + 15_000;
    let records = await fetchAll(broker.bootstrap, 'latest', 0, 0n);
    while (records.length > 6 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      records = await fetchAll(broker.bootstrap, 'latest', 0, 0n);
    }
    assert.ok(records.length <= 6, `compacted to ${records.length} of 201 records`);
    const offsets = records.map((r) => Number(r.offset));
    assert.deepEqual(offsets, [...offsets].sort((a, b) => a - b), 'offsets keep their order');
    // The last record of each key is still there, at its offset; nothing older than a later value of its key survives outside the active segment.
    for (const [key, { value, offset }] of latest) {
      const found = records.find((r) => r.key?.toString() === key && Number(r.offset) === offset);
      assert.equal(found?.value?.toString(), value, `${key}'s latest value at ${offset}`);
    }

    // A record without a key has no place in a compacted log: refused, as Kafka does.
    const keyless = await run('kcat', ['-P', '-b', broker.bootstrap, '-t', 'latest', '-p', '0', '-X', 'retries=0', '-X', 'message.timeout.ms=5000'], { input: 'no key\n' });
    assert.match(keyless.stderr, /Broker failed to validate record/, "librdkafka's words for INVALID_RECORD");
    const keyed = await run('kcat', ['-P', '-b', broker.bootstrap, '-t', 'latest', '-p', '0', '-K:', '-X', 'message.timeout.ms=5000'], { input: 'k9:with key\n' });
    assert.equal(keyed.stderr, '');
  } finally {
    await broker.stop();
  }
});
