/**
 * Kafka's default partitioner: murmur2 against the vectors in Kafka's
 * UtilsTest.testMurmur2 (and librdkafka's rdmurmur2 / Akka's copies of the
 * Java values), and against librdkafka itself: kcat with
 * partitioner=murmur2_random (the Java client's choice) writes keyed records
 * to a 7-partition topic, and every key must be where partitionForKey says.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster, Producer, StickyPartitioner, murmur2, partitionForKey, toPositive } from '../../src/client/index.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { fetchAll } from '../helpers/raw-fetch.ts';
import { killAllChildren, run } from '../helpers/processes.ts';

/** Kafka clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java testMurmur2, plus "1".."12345" from the Java implementation. */
const MURMUR2_VECTORS: Record<string, number> = {
  '21': -973932308,
  foobar: -790332482,
  'a-little-bit-long-string': -985981536,
  'a-little-bit-longer-string': -1486304829,
  lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8: -58897971,
  abc: 479470107,
  '1': -1993445489,
  '12': 126087238,
  '123': -267702483,
  '1234': -1614185708,
  '12345': -1188365604,
};

let broker: TestBroker;

before(async () => {
  broker = await startTestBroker({ 'num.partitions': '7' });
});
after(async () => {
  killAllChildren();
  await broker?.stop();
});

test('murmur2 matches Kafka\'s published test vectors', () => {
  for (const [text, expected] of Object.entries(MURMUR2_VECTORS)) assert.equal(murmur2(Buffer.from(text)), expected, text);
  assert.equal(toPositive(-2147483648), 0);
  assert.equal(toPositive(-1), 0x7fffffff);
  // The partition is toPositive(murmur2) % n, as Java's BuiltInPartitioner.partitionForKey.
  assert.equal(partitionForKey(Buffer.from('21'), 3), toPositive(-973932308) % 3);
  assert.throws(() => partitionForKey(Buffer.from('x'), 0), RangeError);
});

test('sticky partitioning keeps null keys on one partition until its batch is sent', () => {
  let r = 0;
  const sticky = new StickyPartitioner(() => (r++ % 10) / 10);
  const first = sticky.partition('t', 5);
  for (let i = 0; i < 100; i++) assert.equal(sticky.partition('t', 5), first);
  sticky.batchSent('t', (first + 1) % 5);
  assert.equal(sticky.partition('t', 5), first, 'another partition\'s batch does not move it');
  sticky.batchSent('t', first);
  const second = sticky.partition('t', 5);
  assert.notEqual(second, first);
  assert.equal(sticky.partition('t', 5), second);
  assert.equal(new StickyPartitioner().partition('single', 1), 0);
});

test('keyed records land where librdkafka\'s murmur2_random puts them, and where our producer puts them', async () => {
  const topic = 'murmur-cross';
  const keys = Array.from({ length: 200 }, (_, i) => (i % 3 === 0 ? `user-${i}` : i % 3 === 1 ? String(i * 7919) : `k${'x'.repeat(i % 17)}${i}`));
  const input = keys.map((k, i) => `${k}\t${i}\n`).join('');
  const r = await run('kcat', ['-b', broker.bootstrap, '-P', '-t', topic, '-K', '\t', '-X', 'partitioner=murmur2_random', '-X', 'message.timeout.ms=10000'], { input, timeoutMs: 20_000 });
  assert.equal(r.code, 0, r.stderr);
  const where = new Map<string, number>();
  for (let p = 0; p < 7; p++) {
    for (const rec of await fetchAll(broker.bootstrap, topic, p, 0n)) where.set(rec.key!.toString(), p);
  }
  assert.equal(where.size, keys.length);
  for (const k of keys) assert.equal(partitionForKey(Buffer.from(k), 7), where.get(k), `key ${k}`);
  assert.ok(new Set(where.values()).size === 7, 'keys spread over every partition');

  const cluster = new Cluster({ bootstrapServers: [broker.bootstrap] });
  const producer = new Producer(cluster);
  try {
    const sent = await Promise.all(keys.map((key) => producer.send({ topic, key, value: 'again' })));
    for (let i = 0; i < keys.length; i++) assert.equal(sent[i]!.partition, where.get(keys[i]!), `producer for key ${keys[i]}`);
  } finally {
    await producer.close();
    await cluster.close();
  }
});
