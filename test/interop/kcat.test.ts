/**
 * kcat (librdkafka) against a real Samsa broker: produce under every codec
 * with keys and headers, consume with a simple assign consumer (`-C -e`, no
 * group), metadata listing, and unknown topics with auto-create off.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { CODEC_IDS, CODECS, fetchBatchSummaries, librdkafkaUsesLz4 } from '../helpers/batches.ts';
import { killAllChildren, run, type RunResult } from '../helpers/processes.ts';

const KCAT = 'kcat';
/** Bounds every librdkafka wait so a broken broker fails the test instead of hanging it. */
const KCAT_TIMEOUTS = ['-m', '5', '-X', 'message.timeout.ms=5000', '-X', 'socket.timeout.ms=5000'];
/** End of partition (`-e`) is noticed when a fetch comes back empty: keep the long poll short. */
const KCAT_CONSUMER = ['-X', 'fetch.wait.max.ms=100'];

interface KcatMessage {
  topic: string;
  partition: number;
  offset: number;
  tstype: string;
  ts: number;
  broker: number;
  headers?: string[];
  key: string | null;
  payload: string | null;
}

let broker: TestBroker;
let autoBroker: TestBroker;
let admin: Admin;

before(async () => {
  broker = await startTestBroker({ 'auto.create.topics.enable': 'false' });
  autoBroker = await startTestBroker({ 'num.partitions': '2' });
  admin = new Kafka({ clientId: 'kcat-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
});

after(async () => {
  killAllChildren();
  await admin?.disconnect();
  await broker?.stop();
  await autoBroker?.stop();
});

function kcat(bootstrap: string, args: string[], input?: string): Promise<RunResult> {
  const extra = args.includes('-C') ? KCAT_CONSUMER : [];
  return run(KCAT, ['-b', bootstrap, ...KCAT_TIMEOUTS, ...extra, ...args], { input, timeoutMs: 20_000 });
}

async function consumeAll(bootstrap: string, topic: string): Promise<KcatMessage[]> {
  const r = await kcat(bootstrap, ['-C', '-t', topic, '-o', 'beginning', '-e', '-J', '-q']);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as KcatMessage);
}

test('kcat produces keyed and unkeyed records with headers under every codec and reads them back from the beginning', async () => {
  const topic = 'kcat-codecs';
  assert.equal(await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true }), true);
  const startedMs = Date.now();

  interface Expected { codec: string; key: string | null; payload: string; headers: string[] }
  const expected: Expected[] = [];
  for (const codec of CODECS) {
    const headers = ['trace', `t-${codec}`, 'dup', '1', 'dup', '2', 'empty', ''];
    const hArgs = ['-H', `trace=t-${codec}`, '-H', 'dup=1', '-H', 'dup=2', '-H', 'empty='];
    // Compressible values, so every codec has something to do; keys repeat to pin partitioning.
    const keyed: Expected[] = [];
    for (let i = 0; i < 12; i++) {
      keyed.push({ codec, key: i === 11 ? '' : `key-${i % 4}`, payload: `${codec}-keyed-${i}-${'x'.repeat(300)}`, headers });
    }
    const unkeyed: Expected[] = [];
    for (let i = 0; i < 6; i++) unkeyed.push({ codec, key: null, payload: `${codec}-unkeyed-${i}-${'y'.repeat(300)}`, headers });

    const keyedRun = await kcat(broker.bootstrap, ['-P', '-t', topic, '-z', codec, '-K', ':', ...hArgs],
      keyed.map((m) => `${m.key}:${m.payload}\n`).join(''));
    assert.equal(keyedRun.code, 0, `${codec} keyed: ${keyedRun.stderr}`);
    const unkeyedRun = await kcat(broker.bootstrap, ['-P', '-t', topic, '-z', codec, ...hArgs],
      unkeyed.map((m) => `${m.payload}\n`).join(''));
    assert.equal(unkeyedRun.code, 0, `${codec} unkeyed: ${unkeyedRun.stderr}`);
    expected.push(...keyed, ...unkeyed);
  }

  const got = await consumeAll(broker.bootstrap, topic);
  assert.equal(got.length, expected.length, 'every record read back once');
  const byPayload = new Map(got.map((m) => [m.payload, m]));
  assert.equal(byPayload.size, got.length, 'no record read twice');

  const partitionOfKey = new Map<string, number>();
  for (const e of expected) {
    const m = byPayload.get(e.payload);
    assert.ok(m, `missing ${e.payload.slice(0, 30)}`);
    assert.equal(m.topic, topic);
    assert.equal(m.key, e.key, `key of ${e.payload.slice(0, 30)}`);
    assert.deepEqual(m.headers, e.headers, `headers of ${e.payload.slice(0, 30)}`);
    assert.equal(m.tstype, 'create');
    assert.ok(m.ts >= startedMs - 60_000 && m.ts <= Date.now() + 60_000, `timestamp ${m.ts} is the producer's clock`);
    assert.equal(m.broker, broker.nodeId);
    // librdkafka's default partitioner (consistent_random) hashes non-empty keys and scatters null and empty ones.
    if (e.key !== null && e.key !== '') {
      const seen = partitionOfKey.get(e.key);
      if (seen === undefined) partitionOfKey.set(e.key, m.partition);
      else assert.equal(m.partition, seen, `key '${e.key}' always lands on one partition`);
    }
  }

  for (let partition = 0; partition < 3; partition++) {
    const inPartition = got.filter((m) => m.partition === partition);
    // Offsets are contiguous from 0 and, within a partition, follow the order kcat produced in.
    assert.deepEqual(inPartition.map((m) => m.offset), inPartition.map((_, i) => i), `partition ${partition} offsets`);
    const producedOrder = expected.map((e) => e.payload).filter((p) => inPartition.some((m) => m.payload === p));
    assert.deepEqual(inPartition.map((m) => m.payload), producedOrder, `partition ${partition} order`);

    // The broker stored each batch as kcat framed it: with the codec of the run that wrote it.
    const lz4Expected = await librdkafkaUsesLz4(broker.bootstrap);
    const payloadAt = new Map(inPartition.map((m) => [m.offset, m.payload!]));
    const batches = await fetchBatchSummaries(broker.bootstrap, topic, partition);
    for (const b of batches) {
      const codec = payloadAt.get(Number(b.baseOffset))!.split('-')[0] as keyof typeof CODEC_IDS;
      const want = codec === 'lz4' && !lz4Expected ? CODEC_IDS.none : CODEC_IDS[codec];
      assert.equal(b.compression, want, `batch at ${b.baseOffset} of partition ${partition} (${codec})`);
    }
  }

  // A consumer that starts mid-partition gets exactly the tail.
  const p0 = got.filter((m) => m.partition === 0);
  const tail = await kcat(broker.bootstrap, ['-C', '-t', topic, '-p', '0', '-o', String(p0.length - 2), '-e', '-J', '-q']);
  assert.equal(tail.code, 0, tail.stderr);
  assert.deepEqual(tail.stdout.trim().split('\n').map((l) => (JSON.parse(l) as KcatMessage).offset), [p0.length - 2, p0.length - 1]);
});

test('kcat -L lists the broker and the topic with its partitions', async () => {
  const topic = 'kcat-listed';
  await admin.createTopics({ topics: [{ topic, numPartitions: 4 }], waitForLeaders: true });
  const r = await kcat(broker.bootstrap, ['-L', '-J']);
  assert.equal(r.code, 0, r.stderr);
  const md = JSON.parse(r.stdout) as {
    originating_broker: { id: number; name: string };
    brokers: { id: number; name: string }[];
    topics: { topic: string; error?: string; partitions: { partition: number; leader: number; replicas: { id: number }[]; isrs: { id: number }[] }[] }[];
  };
  assert.deepEqual(md.brokers, [{ id: broker.nodeId, name: `127.0.0.1:${broker.port}` }]);
  const t = md.topics.find((x) => x.topic === topic);
  assert.ok(t, 'topic listed');
  assert.equal(t.error, undefined);
  assert.deepEqual(t.partitions.map((p) => p.partition).sort(), [0, 1, 2, 3]);
  for (const p of t.partitions) {
    assert.equal(p.leader, broker.nodeId);
    assert.deepEqual(p.replicas.map((x) => x.id), [broker.nodeId]);
    assert.deepEqual(p.isrs.map((x) => x.id), [broker.nodeId]);
  }

  // The human-readable listing names the broker as controller.
  const text = await kcat(broker.bootstrap, ['-L', '-t', topic]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, new RegExp(`broker ${broker.nodeId} at 127\\.0\\.0\\.1:${broker.port}`));
  assert.match(text.stdout, new RegExp(`topic "${topic}" with 4 partitions`));
});

test('an unknown topic with auto-create off is an error for kcat, and the broker keeps serving others', async () => {
  // librdkafka waits topic.metadata.propagation.max.ms for a topic to appear before it fails the message with the broker's error.
  const produce = await kcat(broker.bootstrap, ['-P', '-t', 'kcat-no-such-topic', '-X', 'topic.metadata.propagation.max.ms=300'], 'lost\n');
  assert.notEqual(produce.code, 0, 'kcat reports the failed delivery');
  assert.match(produce.stderr, /Delivery failed for message: Broker: Unknown topic or partition/, produce.stderr);

  const consume = await kcat(broker.bootstrap, ['-C', '-t', 'kcat-no-such-topic', '-o', 'beginning', '-e']);
  assert.notEqual(consume.code, 0);
  assert.match(consume.stderr, /Unknown topic or partition/i, consume.stderr);

  const listing = await kcat(broker.bootstrap, ['-L', '-J', '-t', 'kcat-no-such-topic']);
  assert.equal(listing.code, 0, listing.stderr);
  const md = JSON.parse(listing.stdout) as { topics: { topic: string; error?: string }[] };
  assert.match(md.topics[0]!.error ?? '', /Unknown topic or partition/i);
  assert.ok(!(await admin.listTopics()).includes('kcat-no-such-topic'), 'not created');

  // Still serving: a known topic takes a write and gives it back.
  await admin.createTopics({ topics: [{ topic: 'kcat-after-error' }], waitForLeaders: true });
  const ok = await kcat(broker.bootstrap, ['-P', '-t', 'kcat-after-error', '-K', ':'], 'k:still here\n');
  assert.equal(ok.code, 0, ok.stderr);
  const back = await consumeAll(broker.bootstrap, 'kcat-after-error');
  assert.deepEqual(back.map((m) => [m.offset, m.key, m.payload]), [[0, 'k', 'still here']]);
});

test('with auto-create on, kcat producing to a new topic creates it with num.partitions', async () => {
  const topic = 'kcat-auto';
  const r = await kcat(autoBroker.bootstrap, ['-P', '-t', topic, '-p', '1', '-z', 'zstd'], 'a\nb\nc\n');
  assert.equal(r.code, 0, r.stderr);
  const got = await consumeAll(autoBroker.bootstrap, topic);
  assert.deepEqual(got.map((m) => [m.partition, m.offset, m.key, m.payload]), [[1, 0, null, 'a'], [1, 1, null, 'b'], [1, 2, null, 'c']]);
  const listing = await kcat(autoBroker.bootstrap, ['-L', '-J', '-t', topic]);
  const md = JSON.parse(listing.stdout) as { topics: { topic: string; partitions: unknown[] }[] };
  assert.equal(md.topics[0]!.partitions.length, 2);
});
