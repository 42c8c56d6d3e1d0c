/**
 * End to end: KafkaJS produces many updates of a few keys to a compacted
 * topic with small segments on a real broker; with the broker stopped, the
 * LogManager cleaner compacts its data dir (the broker process does not
 * expose its LogManager); after a restart KafkaJS reads the latest value of
 * every key at its original offset, plus the untouched active segment.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import kafkajs from 'kafkajs';
import { LOG_CONFIG_DEFAULTS, LogManager } from '../../src/storage/index.ts';
import { startTestBroker, tempDir } from '../helpers/broker.ts';
import { type Keyed, latestPerKey } from './cleaner-helpers.ts';

const { Kafka, logLevel } = kafkajs;
const TOPIC = 'compacted-e2e';
const KEYS = 6;
const UPDATES = 600;

async function consumeAll(bootstrap: string, count: number): Promise<Keyed[]> {
  const kafka = new Kafka({ clientId: 'cleaner-e2e', brokers: [bootstrap], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `cleaner-e2e-${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
  const seen: Keyed[] = [];
  const done = new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ message }) => {
        seen.push({ offset: Number(message.offset), key: message.key?.toString() ?? null, value: message.value?.toString() ?? null });
        if (seen.length >= count) resolve();
      },
    });
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`read ${seen.length} of ${count}`)), 20_000);
  });
  try {
    await Promise.race([done, timeout]);
  } finally {
    clearTimeout(timer);
    await consumer.disconnect();
  }
  return seen;
}

test('a compacted topic produced through KafkaJS reads back as the latest value per key after a clean', async () => {
  const data = tempDir('samsa-cleaner-e2e-');
  try {
    let broker = await startTestBroker({}, data.dir);
    await broker.ready;
    const kafka = new Kafka({ clientId: 'cleaner-e2e', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    const configEntries = [
      { name: 'cleanup.policy', value: 'compact' },
      { name: 'internal.segment.bytes', value: '2048' },
    ];
    assert.equal(await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1, configEntries }], waitForLeaders: true }), true);
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    const produced: Keyed[] = [];
    for (let n = 0; n < UPDATES; n += 10) {
      const messages = Array.from({ length: 10 }, (_, i) => ({ key: `key-${(n + i) % KEYS}`, value: `value-${n + i}` }));
      const [meta] = await producer.send({ topic: TOPIC, acks: -1, messages });
      const base = Number(meta!.baseOffset);
      messages.forEach((m, i) => produced.push({ offset: base + i, key: m.key, value: m.value }));
    }
    await producer.disconnect();
    await broker.stop();

    const clock = { nowMs: () => Date.now() };
    const manager = LogManager.open([broker.dataDir], clock, LOG_CONFIG_DEFAULTS);
    const log = manager.get(TOPIC, 0)!;
    log.updateConfig({ ...LOG_CONFIG_DEFAULTS, segmentBytes: 2048, compact: true, retentionMs: -1 });
    const segmentsBefore = log.segmentBaseOffsets().length;
    const bytesBefore = log.sizeBytes;
    assert.ok(segmentsBefore > 5, `small segments: ${segmentsBefore}`);
    const activeBase = log.segmentBaseOffsets().at(-1)!;
    const cleaned = manager.runCleaner();
    assert.equal(cleaned.length, 1);
    assert.ok(log.sizeBytes < bytesBefore / 2, `${log.sizeBytes} bytes left of ${bytesBefore}`);
    manager.close();

    const expected = [...latestPerKey(produced.filter((r) => r.offset < activeBase)), ...produced.filter((r) => r.offset >= activeBase)];
    assert.ok(expected.length < UPDATES / 2);
    broker = await startTestBroker({}, data.dir);
    await broker.ready;
    try {
      assert.deepEqual(await consumeAll(broker.bootstrap, expected.length), expected);
    } finally {
      await broker.stop();
    }
  } finally {
    data.remove();
  }
});
