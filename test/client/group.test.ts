/**
 * Consumer groups: the range and roundrobin assignors against Kafka's own
 * examples, then real members against a broker — committed offsets survive a
 * member, two members split the partitions, and a KafkaJS admin sees the
 * group and its offsets.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { Cluster, Consumer, Producer, rangeAssignor, roundRobinAssignor, type ConsumerRecord } from '../../src/client/index.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';

let broker: TestBroker;
let cluster: Cluster;

before(async () => {
  broker = await startTestBroker({ 'num.partitions': '4', 'group.initial.rebalance.delay.ms': '0' });
  cluster = new Cluster({ bootstrapServers: [broker.bootstrap] });
});
after(async () => {
  await cluster?.close();
  await broker?.stop();
});

test('range and roundrobin assign as Kafka\'s RangeAssignor and RoundRobinAssignor do', () => {
  const members = [
    { memberId: 'c1', groupInstanceId: null, topics: ['t1', 't2'] },
    { memberId: 'c0', groupInstanceId: null, topics: ['t1', 't2'] },
  ];
  const counts = new Map([['t1', 3], ['t2', 3]]);
  // RangeAssignorTest.testTwoConsumersTwoTopicsSixPartitions.
  assert.deepEqual(Object.fromEntries(rangeAssignor.assign(members, counts)), {
    c1: [{ topic: 't1', partitions: [2] }, { topic: 't2', partitions: [2] }],
    c0: [{ topic: 't1', partitions: [0, 1] }, { topic: 't2', partitions: [0, 1] }],
  });
  // RoundRobinAssignorTest.testTwoConsumersTwoTopicsSixPartitions.
  assert.deepEqual(Object.fromEntries(roundRobinAssignor.assign(members, counts)), {
    c1: [{ topic: 't1', partitions: [1] }, { topic: 't2', partitions: [0, 2] }],
    c0: [{ topic: 't1', partitions: [0, 2] }, { topic: 't2', partitions: [1] }],
  });
  // Only subscribers of a topic get its partitions; static members order by instance id.
  const mixed = roundRobinAssignor.assign([
    { memberId: 'a', groupInstanceId: 'z', topics: ['t1'] },
    { memberId: 'b', groupInstanceId: 'y', topics: ['t1', 't2'] },
  ], counts);
  assert.deepEqual(mixed.get('a'), [{ topic: 't1', partitions: [1] }]);
  assert.deepEqual(mixed.get('b'), [{ topic: 't1', partitions: [0, 2] }, { topic: 't2', partitions: [0, 1, 2] }]);
});

async function pollUntil(consumer: Consumer, count: number, timeoutMs = 8000): Promise<ConsumerRecord[]> {
  const out: ConsumerRecord[] = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < count && Date.now() < deadline) out.push(...await consumer.poll(200));
  return out;
}

async function produce(topic: string, n: number, from = 0): Promise<void> {
  const producer = new Producer(cluster);
  await Promise.all(Array.from({ length: n }, (_, i) => producer.send({ topic, key: `k${from + i}`, value: `v${from + i}` })));
  await producer.close();
}

test('a member starts at the group\'s committed offsets, commits, and leaves on close', async () => {
  const topic = 'grp-commit';
  await produce(topic, 40);
  const a = new Consumer(cluster, { groupId: 'g-commit', autoOffsetReset: 'earliest', enableAutoCommit: false, heartbeatIntervalMs: 200 });
  a.subscribe([topic]);
  const first = await pollUntil(a, 40);
  assert.equal(first.length, 40);
  assert.equal(a.assignment().length, 4);
  await a.commit();
  assert.deepEqual((await a.committed([{ topic, partition: 0 }, { topic, partition: 1 }])).map((c) => c.offset >= 0n), [true, true]);
  await a.close();

  const kafka = new Kafka({ clientId: 'grp-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchOffsets({ groupId: 'g-commit', topics: [topic] });
    const total = offsets[0]!.partitions.reduce((n, p) => n + Number(p.offset), 0);
    assert.equal(total, 40, 'KafkaJS sees the committed offsets');
    const described = await admin.describeGroups(['g-commit']);
    assert.equal(described.groups[0]!.members.length, 0, 'close left the group');
  } finally {
    await admin.disconnect();
  }

  await produce(topic, 5, 40);
  const b = new Consumer(cluster, { groupId: 'g-commit', autoOffsetReset: 'earliest', heartbeatIntervalMs: 200 });
  b.subscribe([topic]);
  const next = await pollUntil(b, 5);
  assert.deepEqual(next.map((r) => r.value!.toString()).sort(), ['v40', 'v41', 'v42', 'v43', 'v44']);
  await b.close();
});

test('two members split the partitions between them (roundrobin) and together read everything once', async () => {
  const topic = 'grp-split';
  await produce(topic, 100);
  const options = { groupId: 'g-split', autoOffsetReset: 'earliest' as const, heartbeatIntervalMs: 100, assignors: ['roundrobin' as const] };
  const a = new Consumer(cluster, options);
  const b = new Consumer(cluster, options);
  a.subscribe([topic]);
  b.subscribe([topic]);
  const seen: ConsumerRecord[] = [];
  const deadline = Date.now() + 10_000;
  // Poll both until each holds two partitions and all records arrived.
  while (Date.now() < deadline) {
    const [ra, rb] = await Promise.all([a.poll(200), b.poll(200)]);
    seen.push(...ra, ...rb);
    if (a.assignment().length === 2 && b.assignment().length === 2 && new Set(seen.map((r) => `${r.partition}:${r.offset}`)).size === 100) break;
  }
  const pa = a.assignment().map((p) => p.partition);
  const pb = b.assignment().map((p) => p.partition);
  assert.equal(pa.length, 2);
  assert.equal(pb.length, 2);
  assert.deepEqual([...pa, ...pb].sort(), [0, 1, 2, 3]);
  assert.equal(new Set(seen.map((r) => `${r.partition}:${r.offset}`)).size, 100);
  await Promise.all([a.close(), b.close()]);
});
