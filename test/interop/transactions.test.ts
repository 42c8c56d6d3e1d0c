/**
 * Transactions with real clients against a real broker: librdkafka
 * (Debian's confluent-kafka, test/interop/python/txn_tool.py), KafkaJS,
 * @platformatic/kafka and Samsa's own producer commit and abort across partitions and topics,
 * fence zombies, and commit consumer offsets inside transactions; read_committed
 * consumers of all three never see aborted records or records of an open
 * transaction, while read_uncommitted ones see everything.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { Producer as PlatformaticProducer } from '@platformatic/kafka';
import { Cluster, Consumer, Producer } from '../../src/client/index.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { TXN_TOOL, kafkaTool, kafkaToolStream, killAllChildren } from '../helpers/processes.ts';
import { until } from '../helpers/until.ts';

interface KafkaErr { code: number | null; name: string; str: string; fatal?: boolean; abortable?: boolean }
interface Consumed { topic: string; partition: number; offset: number; value: string }

let broker: TestBroker;
let kafka: Kafka;
let admin: Admin;
const clusters: Cluster[] = [];

before(async () => {
  broker = await startTestBroker({ 'auto.create.topics.enable': 'false' });
  kafka = new Kafka({ clientId: 'samsa-txn-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 5 } });
  admin = kafka.admin();
  await admin.connect();
});

after(async () => {
  killAllChildren();
  for (const c of clusters) await c.close();
  await admin?.disconnect();
  await broker?.stop();
});

function txnTool<T>(op: string, args: Record<string, unknown>, timeoutMs = 60_000): Promise<T> {
  return kafkaTool<T>({ op, bootstrap: broker.bootstrap, ...args }, timeoutMs, TXN_TOOL);
}

async function createTopics(...topics: [string, number][]): Promise<void> {
  await admin.createTopics({ topics: topics.map(([topic, numPartitions]) => ({ topic, numPartitions })), waitForLeaders: true });
}

function readAll(partitions: [string, number][], isolation: 'read_committed' | 'read_uncommitted'): Promise<{ records: Consumed[]; complete: boolean }> {
  return txnTool('consume', { partitions, isolation });
}

function values(records: { value: string }[]): string[] {
  return records.map((r) => r.value).sort();
}

function cluster(): Cluster {
  const c = new Cluster({ bootstrapServers: [broker.bootstrap], clientId: 'samsa-txn-client' });
  clusters.push(c);
  return c;
}

/** Everything Samsa's consumer reads from the start of these partitions at an isolation level, until `count` records or the timeout. */
async function samsaRead(partitions: [string, number][], isolation: 'read_committed' | 'read_uncommitted', count: number): Promise<string[]> {
  const consumer = new Consumer(cluster(), { isolationLevel: isolation, autoOffsetReset: 'earliest', fetchMaxWaitMs: 100 });
  consumer.assign(partitions.map(([topic, partition]) => ({ topic, partition, offset: 0n })));
  const got: string[] = [];
  await until(`${count} records at ${isolation}`, async () => {
    for (const r of await consumer.poll(200)) got.push(r.value!.toString());
    return got.length >= count;
  }, { timeoutMs: 10_000 });
  // A little more polling shows nothing beyond what the isolation level allows.
  for (const r of await consumer.poll(300)) got.push(r.value!.toString());
  await consumer.close();
  return got.sort();
}

test('librdkafka: committed and aborted transactions across topics and partitions; read_committed sees only the committed', async () => {
  await createTopics(['rk-a', 3], ['rk-b', 1]);
  const records = (tag: string) => [
    { topic: 'rk-a', partition: 0, value: `${tag}-a0` }, { topic: 'rk-a', partition: 2, value: `${tag}-a2` },
    { topic: 'rk-b', partition: 0, value: `${tag}-b0` },
  ];
  const { results } = await txnTool<{ results: (KafkaErr | null)[] }>('transactions', {
    transactional_id: 'rk-1',
    transactions: [{ records: records('c1'), commit: true }, { records: records('x1'), commit: false }, { records: records('c2'), commit: true }],
  });
  assert.deepEqual(results, [null, null, null]);
  const parts: [string, number][] = [['rk-a', 0], ['rk-a', 1], ['rk-a', 2], ['rk-b', 0]];
  const committed = await readAll(parts, 'read_committed');
  assert.ok(committed.complete);
  assert.deepEqual(values(committed.records), ['c1-a0', 'c1-a2', 'c1-b0', 'c2-a0', 'c2-a2', 'c2-b0']);
  const all = await readAll(parts, 'read_uncommitted');
  assert.deepEqual(values(all.records), ['c1-a0', 'c1-a2', 'c1-b0', 'c2-a0', 'c2-a2', 'c2-b0', 'x1-a0', 'x1-a2', 'x1-b0']);
  // The markers take offsets: read_committed offsets skip them, so each partition's data sits at 0, 2, 4.
  assert.deepEqual(committed.records.filter((r) => r.topic === 'rk-b').map((r) => r.offset), [0, 4]);
  // Samsa's consumer and KafkaJS (read_committed by default) agree.
  assert.deepEqual(await samsaRead(parts, 'read_committed', 6), values(committed.records));
  assert.deepEqual(await samsaRead(parts, 'read_uncommitted', 9), values(all.records));
  const seen: string[] = [];
  const consumer = kafka.consumer({ groupId: 'kjs-reader-1' });
  await consumer.connect();
  await consumer.subscribe({ topics: ['rk-a', 'rk-b'], fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => { seen.push(message.value!.toString()); } });
  await until('KafkaJS reads the committed records', () => seen.length >= 6, { timeoutMs: 15_000 });
  await consumer.disconnect();
  assert.deepEqual(seen.sort(), values(committed.records));
});

test('an open transaction holds read_committed consumers at its first offset until it ends', async () => {
  await createTopics(['open-t', 1]);
  let open = false;
  const holder = kafkaToolStream({
    op: 'transactions', bootstrap: broker.bootstrap, transactional_id: 'holder',
    transactions: [{ records: [{ topic: 'open-t', partition: 0, value: 'held' }], hold: true }],
  }, (line) => {
    if (line.open === true) open = true;
  }, { script: TXN_TOOL, keepStdinOpen: true });
  await until('the transaction is open', () => open, { timeoutMs: 30_000 });
  // A second producer commits after the open transaction's start: it is stable only once that one ends.
  const { results } = await txnTool<{ results: (KafkaErr | null)[] }>('transactions', {
    transactional_id: 'after-holder', transactions: [{ records: [{ topic: 'open-t', partition: 0, value: 'later' }], commit: true }],
  });
  assert.deepEqual(results, [null]);
  const during = await readAll([['open-t', 0]], 'read_committed');
  assert.deepEqual(during.records, []);
  assert.deepEqual(values((await readAll([['open-t', 0]], 'read_uncommitted')).records), ['held', 'later']);
  const lso = await admin.fetchTopicOffsets('open-t');
  assert.equal(lso[0]!.high, '0', 'KafkaJS lists the last stable offset (read_committed) as the end');
  holder.child.stdin!.end('commit\n');
  const exit = await holder.done;
  assert.equal(exit.code, 0, exit.stderr);
  assert.deepEqual(values((await readAll([['open-t', 0]], 'read_committed')).records), ['held', 'later']);
});

test('librdkafka: a second producer with the same transactional id fences the first', async () => {
  await createTopics(['fence-t', 1]);
  const { zombie } = await txnTool<{ zombie: KafkaErr | null }>('fence', {
    transactional_id: 'fenced-id',
    zombie_records: [{ topic: 'fence-t', value: 'zombie' }],
    records: [{ topic: 'fence-t', value: 'fresh' }],
  });
  assert.ok(zombie !== null, 'the zombie could not commit');
  assert.ok(zombie.fatal === true || /fenc|epoch/i.test(zombie.str), JSON.stringify(zombie));
  assert.deepEqual(values((await readAll([['fence-t', 0]], 'read_committed')).records), ['fresh']);
});

test('librdkafka consume-transform-produce: outputs and consumer offsets commit together; aborted rounds leave no trace', async () => {
  await createTopics(['ctp-in', 2], ['ctp-out', 1]);
  const producer = kafka.producer();
  await producer.connect();
  const inputs = Array.from({ length: 40 }, (_, i) => `rec-${String(i).padStart(2, '0')}`);
  await producer.send({ topic: 'ctp-in', messages: inputs.map((value, i) => ({ value, partition: i % 2 })) });
  await producer.disconnect();
  const { done } = await txnTool<{ done: number }>('transform', {
    transactional_id: 'ctp-1', group: 'ctp-group', input: 'ctp-in', output: 'ctp-out', count: 40, batch: 10, abort_every: 3,
  }, 90_000);
  assert.equal(done, 40);
  const out = await readAll([['ctp-out', 0]], 'read_committed');
  assert.deepEqual(values(out.records), inputs.map((v) => v.toUpperCase()), 'each input transformed exactly once');
  const offsets = await admin.fetchOffsets({ groupId: 'ctp-group', topics: ['ctp-in'] });
  assert.deepEqual(offsets[0]!.partitions.map((p) => p.offset).sort(), ['20', '20']);
});

test('KafkaJS transactions: commit, abort and sendOffsets', async () => {
  await createTopics(['kjs-t', 2]);
  const producer = kafka.producer({ transactionalId: 'kjs-txn', idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const t1 = await producer.transaction();
  await t1.send({ topic: 'kjs-t', messages: [{ value: 'k-commit-0', partition: 0 }, { value: 'k-commit-1', partition: 1 }] });
  await t1.sendOffsets({ consumerGroupId: 'kjs-offsets', topics: [{ topic: 'kjs-t', partitions: [{ partition: 0, offset: '7' }] }] });
  await t1.commit();
  const t2 = await producer.transaction();
  await t2.send({ topic: 'kjs-t', messages: [{ value: 'k-abort', partition: 0 }] });
  await t2.sendOffsets({ consumerGroupId: 'kjs-offsets', topics: [{ topic: 'kjs-t', partitions: [{ partition: 0, offset: '99' }] }] });
  await t2.abort();
  await producer.disconnect();
  assert.deepEqual(values((await readAll([['kjs-t', 0], ['kjs-t', 1]], 'read_committed')).records), ['k-commit-0', 'k-commit-1']);
  const offsets = await admin.fetchOffsets({ groupId: 'kjs-offsets', topics: ['kjs-t'] });
  assert.equal(offsets[0]!.partitions.find((p) => p.partition === 0)!.offset, '7');
});

test('@platformatic/kafka transactions: commit and abort', async () => {
  await createTopics(['pk-t', 2]);
  const producer = new PlatformaticProducer({
    clientId: 'pk-txn', bootstrapBrokers: [broker.bootstrap], transactionalId: 'pk-txn', idempotent: true, retries: 3, timeout: 5000,
  });
  try {
    const committed = await producer.beginTransaction();
    await committed.send({ messages: [{ topic: 'pk-t', partition: 0, value: Buffer.from('p-commit-0') }, { topic: 'pk-t', partition: 1, value: Buffer.from('p-commit-1') }] });
    await committed.commit();
    const aborted = await producer.beginTransaction();
    await aborted.send({ messages: [{ topic: 'pk-t', partition: 0, value: Buffer.from('p-abort') }] });
    await aborted.abort();
  } finally {
    await producer.close(true).catch(() => undefined);
  }
  assert.deepEqual(values((await readAll([['pk-t', 0], ['pk-t', 1]], 'read_committed')).records), ['p-commit-0', 'p-commit-1']);
  assert.deepEqual(values((await readAll([['pk-t', 0], ['pk-t', 1]], 'read_uncommitted')).records), ['p-abort', 'p-commit-0', 'p-commit-1']);
});

test("Samsa's producer: transactions, offsets in a transaction, and fencing", async () => {
  await createTopics(['samsa-t', 2]);
  const producer = new Producer(cluster(), { transactionalId: 'samsa-txn', lingerMs: 1 });
  await producer.initTransactions();
  producer.beginTransaction();
  await Promise.all([producer.send({ topic: 'samsa-t', partition: 0, value: 's-commit-0' }), producer.send({ topic: 'samsa-t', partition: 1, value: 's-commit-1' })]);
  await producer.sendOffsetsToTransaction([{ topic: 'samsa-t', partition: 1, offset: 5n }], 'samsa-offsets');
  await producer.commitTransaction();
  producer.beginTransaction();
  await producer.send({ topic: 'samsa-t', partition: 0, value: 's-abort' });
  await producer.abortTransaction();
  assert.equal(producer.transactionState, 'ready');
  await assert.rejects(producer.send({ topic: 'samsa-t', value: 'outside' }), /outside a transaction|in state ready/);
  // A second instance fences this one.
  const successor = new Producer(cluster(), { transactionalId: 'samsa-txn', lingerMs: 1 });
  await successor.initTransactions();
  producer.beginTransaction();
  await assert.rejects(
    producer.send({ topic: 'samsa-t', partition: 0, value: 's-zombie' }).then(() => producer.commitTransaction()),
    (e: Error & { kafkaErrorCode?: number }) => /FENCED|EPOCH/.test(e.message),
  );
  successor.beginTransaction();
  await successor.send({ topic: 'samsa-t', partition: 1, value: 's-successor' });
  await successor.commitTransaction();
  assert.deepEqual(await samsaRead([['samsa-t', 0], ['samsa-t', 1]], 'read_committed', 3), ['s-commit-0', 's-commit-1', 's-successor']);
  const offsets = await admin.fetchOffsets({ groupId: 'samsa-offsets', topics: ['samsa-t'] });
  assert.equal(offsets[0]!.partitions.find((p) => p.partition === 1)!.offset, '5');
});
