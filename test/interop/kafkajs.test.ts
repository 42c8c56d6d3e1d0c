/**
 * KafkaJS, unchanged, against a real Samsa broker on a real socket: admin,
 * produce with headers and timestamps, offsets, and the errors Kafka gives.
 * Consumer groups are in groups-kafkajs.test.ts.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CompressionTypes, Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { fetchAll } from '../helpers/raw-fetch.ts';

let broker: TestBroker;
let kafka: Kafka;
let admin: Admin;
let producer: Producer;

before(async () => {
  broker = await startTestBroker({ 'auto.create.topics.enable': 'false' });
  kafka = new Kafka({ clientId: 'samsa-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
  admin = kafka.admin();
  await admin.connect();
  producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
});

after(async () => {
  await producer?.disconnect();
  await admin?.disconnect();
  await broker?.stop();
});

test('create, list, describe and delete topics', async () => {
  assert.equal(await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 3 }], waitForLeaders: true }), true);
  assert.ok((await admin.listTopics()).includes('orders'));
  const meta = await admin.fetchTopicMetadata({ topics: ['orders'] });
  assert.equal(meta.topics[0]!.partitions.length, 3);
  for (const p of meta.topics[0]!.partitions) assert.equal(p.leader, broker.nodeId);
  // KafkaJS reports TOPIC_ALREADY_EXISTS as `false` rather than an error.
  assert.equal(await admin.createTopics({ topics: [{ topic: 'orders' }] }), false);
  await admin.deleteTopics({ topics: ['orders'] });
  assert.ok(!(await admin.listTopics()).includes('orders'));
});

test('produce keyed and unkeyed records with headers and timestamps, with and without gzip', async () => {
  await admin.createTopics({ topics: [{ topic: 'events', numPartitions: 1 }] });
  // Recent, so that time-based retention (7 days) never applies during the test.
  const ts = BigInt(Date.now() - 3_600_000);
  const timestamp = String(ts);
  for (const compression of [CompressionTypes.None, CompressionTypes.GZIP]) {
    const [meta] = await producer.send({
      topic: 'events',
      compression,
      messages: [
        { key: 'k1', value: 'v1', headers: { h: 'x' }, timestamp },
        { value: 'no key', timestamp },
      ],
    });
    assert.equal(meta!.errorCode, 0);
  }
  const offsets = await admin.fetchTopicOffsets('events');
  assert.deepEqual(offsets.map((o) => [o.partition, o.low, o.high]), [[0, '0', '4']]);

  const records = await fetchAll(broker.bootstrap, 'events', 0, 0n);
  assert.deepEqual(records.map((r) => [Number(r.offset), r.key?.toString() ?? null, r.value?.toString(), r.timestamp]), [
    [0, 'k1', 'v1', ts], [1, null, 'no key', ts],
    [2, 'k1', 'v1', ts], [3, null, 'no key', ts],
  ]);
  assert.deepEqual(records[0]!.headers.map((h) => [h.key, h.value?.toString()]), [['h', 'x']]);
});

test('unknown topic, bad name and oversized record get Kafka errors and the broker keeps serving', async () => {
  await assert.rejects(
    producer.send({ topic: 'no-such-topic', messages: [{ value: 'x' }] }),
    (e: Error & { type?: string }) => /UNKNOWN_TOPIC_OR_PARTITION|does not host/i.test(`${e.type} ${e.message}`),
  );
  await assert.rejects(admin.createTopics({ topics: [{ topic: 'bad name!' }] }), (e: Error & { errors?: { type: string }[] }) => {
    return JSON.stringify(e.errors ?? e.message).includes('INVALID_TOPIC_EXCEPTION');
  });
  await admin.createTopics({ topics: [{ topic: 'small', configEntries: [{ name: 'max.message.bytes', value: '1000' }] }] });
  await assert.rejects(
    producer.send({ topic: 'small', messages: [{ value: Buffer.alloc(5000, 1) }] }),
    (e: Error & { type?: string }) => /MESSAGE_TOO_LARGE|too large/i.test(`${e.type} ${e.message}`),
  );
  const [ok] = await producer.send({ topic: 'small', messages: [{ value: 'fits' }] });
  assert.equal(ok!.errorCode, 0);
});

test('keyed and keyless records in one send to a compacted topic: KafkaJS fails the send with INVALID_RECORD', async () => {
  await admin.createTopics({ topics: [{ topic: 'compacted', configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }] });
  const error = await producer.send({ topic: 'compacted', messages: [{ key: 'k0', value: 'v0' }, { value: 'no key' }, { key: 'k2', value: 'v2' }] })
    .then(() => null, (e: unknown) => e as Error & { type?: string; retriable?: boolean });
  // KafkaJS sends Produce v7 at most, so the per-record errors of v8 never reach it: one error for the whole send.
  assert.equal(error?.name, 'KafkaJSProtocolError', String(error));
  assert.equal(error?.type, 'INVALID_RECORD');
  assert.equal(error?.retriable, false);
  assert.deepEqual(await fetchAll(broker.bootstrap, 'compacted', 0, 0n), [], 'nothing of the send was written');
});
