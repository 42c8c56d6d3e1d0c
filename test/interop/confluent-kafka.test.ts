/**
 * Python confluent-kafka (librdkafka) against a real Samsa broker: AdminClient
 * topic management, the Producer under every codec with and without
 * idempotence, and a Consumer that reads by assign() with no group
 * membership. The client runs as /usr/bin/python3 test/interop/python/kafka_tool.py.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { CODEC_IDS, CODECS, fetchBatchSummaries, librdkafkaUsesLz4, type CodecName } from '../helpers/batches.ts';
import { kafkaTool, killAllChildren } from '../helpers/processes.ts';

/** librdkafka's error codes (broker errors keep Kafka's numbers). */
const ERR = { TOPIC_ALREADY_EXISTS: 36, INVALID_TOPIC_EXCEPTION: 17, MSG_SIZE_TOO_LARGE: 10, UNKNOWN_TOPIC_OR_PART: 3, INVALID_RECORD: 87 } as const;
/** librdkafka's timestamp types as confluent-kafka reports them. */
const TIMESTAMP_CREATE_TIME = 1;

interface KafkaErr { code: number; name: string; str: string }
interface Delivery { index: number; error: KafkaErr | null; topic: string; partition: number; offset: number; timestamp: [number, number]; local?: boolean }
interface Consumed { topic: string; partition: number; offset: number; key: string | null; value: string | null; headers: [string, string | null][] | null; timestamp: [number, number] }
interface MessageIn { topic: string; partition?: number; key?: string | null; value: string | null; headers?: [string, string | null][]; timestamp?: number }

let broker: TestBroker;

before(async () => {
  broker = await startTestBroker({ 'auto.create.topics.enable': 'false' });
});

after(async () => {
  killAllChildren();
  await broker?.stop();
});

const hex = (s: string | Buffer): string => Buffer.from(s).toString('hex');

function tool<T>(op: string, args: Record<string, unknown>): Promise<T> {
  return kafkaTool<T>({ op, bootstrap: broker.bootstrap, ...args });
}

async function createTopics(topics: { name: string; partitions?: number; config?: Record<string, string> }[]): Promise<Record<string, KafkaErr | null>> {
  return (await tool<{ results: Record<string, KafkaErr | null> }>('create_topics', { topics })).results;
}

async function listTopics(): Promise<Record<string, { error: KafkaErr | null; partitions: Record<string, { leader: number; replicas: number[]; isrs: number[]; error: KafkaErr | null }> }>> {
  const md = await tool<{ brokers: Record<string, { host: string; port: number }>; topics: never }>('list_topics', {});
  assert.deepEqual(md.brokers, { [String(broker.nodeId)]: { host: '127.0.0.1', port: broker.port } });
  return md.topics;
}

function noProtocolComplaints(): void {
  const bad = broker.logLines.filter((l) => /closing|unsupported/i.test(l));
  assert.deepEqual(bad, [], 'librdkafka never sent the broker something it had to close the connection for');
}

test('AdminClient creates, lists, describes and deletes topics', async () => {
  const created = await createTopics([
    { name: 'cc-admin-a', partitions: 3 },
    { name: 'cc-admin-b', partitions: 1, config: { 'cleanup.policy': 'compact', 'retention.ms': '60000' } },
  ]);
  assert.deepEqual(created, { 'cc-admin-a': null, 'cc-admin-b': null });

  const topics = await listTopics();
  assert.deepEqual(Object.keys(topics['cc-admin-a']!.partitions).sort(), ['0', '1', '2']);
  for (const p of Object.values(topics['cc-admin-a']!.partitions)) {
    assert.deepEqual(p, { leader: broker.nodeId, replicas: [broker.nodeId], isrs: [broker.nodeId], error: null });
  }
  assert.equal(topics['cc-admin-b']!.error, null);
  assert.equal(Object.keys(topics['cc-admin-b']!.partitions).length, 1);

  const again = await createTopics([{ name: 'cc-admin-a', partitions: 3 }]);
  assert.equal(again['cc-admin-a']?.code, ERR.TOPIC_ALREADY_EXISTS);

  const bad = await createTopics([{ name: 'bad name!' }, { name: 'x'.repeat(250) }, { name: '..' }]);
  for (const [name, e] of Object.entries(bad)) assert.equal(e?.code, ERR.INVALID_TOPIC_EXCEPTION, `${name.slice(0, 20)}: ${JSON.stringify(e)}`);

  const deleted = await tool<{ results: Record<string, KafkaErr | null> }>('delete_topics', { topics: ['cc-admin-a', 'cc-admin-b', 'cc-admin-missing'] });
  assert.equal(deleted.results['cc-admin-a'], null);
  assert.equal(deleted.results['cc-admin-b'], null);
  assert.equal(deleted.results['cc-admin-missing']?.code, ERR.UNKNOWN_TOPIC_OR_PART);
  const after = await listTopics();
  assert.ok(!('cc-admin-a' in after) && !('cc-admin-b' in after), 'deleted topics are gone');
  noProtocolComplaints();
});

test('Producer with every codec, idempotence on and off; an assign() consumer reads every field back', async () => {
  const startedMs = Date.now();
  // Explicit timestamps stay inside retention.ms (7 days): older ones make whole segments deletable.
  const baseTs = startedMs - 3_600_000;
  const runs = CODECS.flatMap((codec) => [true, false].map((idempotent) => ({ codec, idempotent, topic: `cc-${codec}-${idempotent ? 'idem' : 'plain'}` })));
  const created = await createTopics(runs.map((r) => ({ name: r.topic, partitions: 2 })));
  assert.ok(Object.values(created).every((e) => e === null), JSON.stringify(created));

  const plan = new Map<string, MessageIn[]>();
  for (const r of runs) {
    const msgs: MessageIn[] = [];
    for (let i = 0; i < 10; i++) {
      msgs.push({
        topic: r.topic, key: hex(`key-${i % 4}`), value: hex(`${r.topic}-keyed-${i}-${'v'.repeat(200)}`),
        headers: [['trace', hex(`t${i}`)], ['dup', hex('a')], ['dup', hex('b')], ['nil', null], ['empty', '']],
        timestamp: baseTs + i,
      });
    }
    msgs.push({ topic: r.topic, partition: 0, key: null, value: hex(`${r.topic}-unkeyed-0`) });
    msgs.push({ topic: r.topic, partition: 1, key: null, value: hex(`${r.topic}-unkeyed-1`), headers: [['only', hex('h')]] });
    msgs.push({ topic: r.topic, partition: 1, key: hex(Buffer.from([0, 0xff, 0x80, 0x7f])), value: hex(Buffer.from([0xde, 0xad, 0xbe, 0xef, 0])) });
    msgs.push({ topic: r.topic, partition: 0, key: hex('tombstone'), value: null, timestamp: baseTs - 86_400_000 });
    msgs.push({ topic: r.topic, partition: 0, key: hex(''), value: hex('') });
    plan.set(r.topic, msgs);
  }

  const produced = await Promise.all(runs.map((r) => tool<{ deliveries: Delivery[]; unflushed: number }>('produce', {
    config: { 'compression.type': r.codec, 'enable.idempotence': r.idempotent, 'linger.ms': 20, acks: 'all' },
    messages: plan.get(r.topic),
  })));

  const expectedAt = new Map<string, { m: MessageIn; d: Delivery }>();
  runs.forEach((r, i) => {
    const { deliveries, unflushed } = produced[i]!;
    assert.equal(unflushed, 0, r.topic);
    deliveries.forEach((d, j) => {
      assert.equal(d.error, null, `${r.topic} #${j}: ${JSON.stringify(d.error)}`);
      expectedAt.set(`${d.topic}/${d.partition}/${d.offset}`, { m: plan.get(r.topic)![j]!, d });
    });
  });

  const consumed = await tool<{ messages: Consumed[]; errors: KafkaErr[]; unfinished: string[] }>('consume', {
    assign: runs.flatMap((r) => [0, 1].map((partition) => ({ topic: r.topic, partition }))),
    timeout: 15,
  });
  assert.deepEqual(consumed.errors, []);
  assert.deepEqual(consumed.unfinished, [], 'reached the end of every partition');
  assert.equal(consumed.messages.length, expectedAt.size, 'every produced record read back once');

  for (const c of consumed.messages) {
    const where = `${c.topic}/${c.partition}/${c.offset}`;
    const e = expectedAt.get(where);
    assert.ok(e, `unexpected record at ${where}`);
    assert.equal(c.key, e.m.key ?? null, `${where} key`);
    assert.equal(c.value, e.m.value, `${where} value`);
    assert.deepEqual(c.headers, e.m.headers ?? null, `${where} headers`);
    assert.equal(c.timestamp[0], TIMESTAMP_CREATE_TIME, `${where} timestamp type`);
    if (e.m.timestamp !== undefined) assert.equal(c.timestamp[1], e.m.timestamp, `${where} timestamp`);
    else assert.ok(c.timestamp[1] >= startedMs - 60_000 && c.timestamp[1] <= Date.now() + 60_000, `${where} producer clock`);
    if (e.m.partition !== undefined) assert.equal(c.partition, e.m.partition, `${where} explicit partition`);
  }

  const lz4 = await librdkafkaUsesLz4(broker.bootstrap);
  for (const r of runs) {
    const mine = consumed.messages.filter((c) => c.topic === r.topic);
    const keyPartition = new Map<string, number>();
    for (const c of mine) {
      if (c.key === hex('') || c.key === null || !Buffer.from(c.key, 'hex').toString().startsWith('key-')) continue;
      assert.equal(keyPartition.get(c.key) ?? c.partition, c.partition, `${r.topic}: a key maps to one partition`);
      keyPartition.set(c.key, c.partition);
    }
    const codecsUsed = new Set<number>();
    for (const partition of [0, 1]) {
      const offsets = mine.filter((c) => c.partition === partition).map((c) => c.offset);
      assert.deepEqual(offsets, offsets.map((_, i) => i), `${r.topic}-${partition}: contiguous offsets from 0 in order`);
      // Records of one partition keep the order they were produced in.
      const values = mine.filter((c) => c.partition === partition).map((c) => c.value);
      const producedOrder = plan.get(r.topic)!.map((m) => m.value).filter((v) => values.includes(v));
      assert.deepEqual(values, producedOrder, `${r.topic}-${partition}: produce order`);

      for (const b of await fetchBatchSummaries(broker.bootstrap, r.topic, partition)) {
        const want = r.codec === 'lz4' && !lz4 ? CODEC_IDS.none : CODEC_IDS[r.codec as CodecName];
        // librdkafka sends a batch uncompressed when compressing does not make it smaller.
        assert.ok(b.compression === want || b.compression === CODEC_IDS.none, `${r.topic}-${partition} batch at ${b.baseOffset}: codec ${b.compression}`);
        codecsUsed.add(b.compression);
        if (r.idempotent) assert.ok(b.producerId >= 0n, `${r.topic}: idempotent batches carry a producer id`);
        else assert.equal(b.producerId, -1n, `${r.topic}: plain batches have no producer id`);
      }
    }
    assert.ok(codecsUsed.has(r.codec === 'lz4' && !lz4 ? CODEC_IDS.none : CODEC_IDS[r.codec as CodecName]), `${r.topic}: stored as ${r.codec}`);
  }
  noProtocolComplaints();
});

test('a record above the topic max.message.bytes gets MSG_SIZE_TOO_LARGE; the next one fits', async () => {
  assert.deepEqual(await createTopics([{ name: 'cc-small', config: { 'max.message.bytes': '1000' } }]), { 'cc-small': null });
  const r = await tool<{ deliveries: Delivery[] }>('produce', {
    config: { 'enable.idempotence': false, 'message.timeout.ms': 5000 },
    messages: [
      { topic: 'cc-small', value: hex(Buffer.alloc(5000, 7)) },
    ],
  });
  const [tooBig] = r.deliveries;
  assert.equal(tooBig!.local, undefined, 'the broker refused it, not the client');
  assert.equal(tooBig!.error?.code, ERR.MSG_SIZE_TOO_LARGE, JSON.stringify(tooBig));
  assert.equal(tooBig!.error?.name, 'MSG_SIZE_TOO_LARGE');

  const ok = await tool<{ deliveries: Delivery[] }>('produce', { messages: [{ topic: 'cc-small', value: hex('fits') }] });
  assert.equal(ok.deliveries[0]!.error, null);
  assert.equal(ok.deliveries[0]!.offset, 0, 'the refused record took no offset');
  const back = await tool<{ messages: Consumed[] }>('consume', { assign: [{ topic: 'cc-small', partition: 0 }] });
  assert.deepEqual(back.messages.map((m) => [m.offset, m.value]), [[0, hex('fits')]]);
});

test('producing to a bad or unknown topic name fails, and the broker keeps serving', async () => {
  const r = await tool<{ deliveries: Delivery[] }>('produce', {
    config: { 'message.timeout.ms': 3000, 'topic.metadata.propagation.max.ms': 300 },
    messages: [{ topic: 'bad name!', value: hex('x') }, { topic: 'cc-unknown', value: hex('y') }],
  });
  const [bad, unknown] = r.deliveries;
  assert.equal(bad!.error?.code, ERR.INVALID_TOPIC_EXCEPTION, JSON.stringify(bad));
  assert.equal(unknown!.error?.code, ERR.UNKNOWN_TOPIC_OR_PART, JSON.stringify(unknown));

  assert.deepEqual(await createTopics([{ name: 'cc-after' }]), { 'cc-after': null });
  const ok = await tool<{ deliveries: Delivery[] }>('produce', { messages: [{ topic: 'cc-after', key: hex('k'), value: hex('v') }] });
  assert.equal(ok.deliveries[0]!.error, null);
  const back = await tool<{ messages: Consumed[] }>('consume', { assign: [{ topic: 'cc-after', partition: 0 }] });
  assert.deepEqual(back.messages.map((m) => [m.offset, m.key, m.value]), [[0, hex('k'), hex('v')]]);
});

test('keyed and keyless records to a compacted topic: librdkafka 2.0.2 gets INVALID_RECORD for every batch holding a keyless one', async () => {
  assert.deepEqual(await createTopics([{ name: 'cc-compacted', config: { 'cleanup.policy': 'compact' } }]), { 'cc-compacted': null });
  const keys = ['k0', null, 'k2', null, 'k4'];
  const r = await tool<{ deliveries: Delivery[]; unflushed: number }>('produce', {
    // A long linger usually puts the five records in one batch (librdkafka sometimes sends the first alone); no
    // retries, so each report is the broker's first answer.
    config: { 'linger.ms': 500, 'enable.idempotence': false, retries: 0, 'message.timeout.ms': 10_000 },
    messages: keys.map((k, i) => ({ topic: 'cc-compacted', partition: 0, key: k === null ? null : hex(k), value: hex(`v${i}`) })),
  });
  assert.equal(r.unflushed, 0);
  // librdkafka 2.0.2 sends Produce v7 at most (record_errors came with v8, and librdkafka reads them from 2.4 on:
  // there the keyless records get INVALID_RECORD and the keyed ones _INVALID_DIFFERENT_RECORD). At v7 the answer
  // is the plain partition error, and a whole batch with a keyless record fails with it, innocent records included.
  for (const d of r.deliveries) {
    assert.equal(d.local, undefined, `#${d.index}: the broker answered, not the client`);
    if (keys[d.index] === null) assert.equal(d.error?.code, ERR.INVALID_RECORD, `#${d.index}: ${JSON.stringify(d)}`);
    else assert.ok(d.error === null || d.error.code === ERR.INVALID_RECORD, `#${d.index}: ${JSON.stringify(d)}`);
  }
  const written = r.deliveries.filter((d) => d.error === null);
  assert.ok(written.length < 3, 'at least one keyed record shared a batch with a keyless one and was refused with it');
  assert.deepEqual(written.map((d) => d.offset), written.map((_, i) => i), 'what was written sits from offset 0, nothing of a refused batch in between');

  // Nothing of a refused batch was written: the refused keyed records, sent again alone, follow what was.
  const refusedKeyed = r.deliveries.filter((d) => d.error !== null && keys[d.index] !== null).map((d) => keys[d.index]!);
  const again = await tool<{ deliveries: Delivery[] }>('produce', {
    config: { 'linger.ms': 100 },
    messages: refusedKeyed.map((k) => ({ topic: 'cc-compacted', partition: 0, key: hex(k), value: hex(k) })),
  });
  assert.deepEqual(again.deliveries.map((d) => [d.error, d.offset]), refusedKeyed.map((_, i) => [null, written.length + i]));
  noProtocolComplaints();
});
