/**
 * @platformatic/kafka against a real Samsa broker: Admin topic management,
 * offsets and record deletion, and the Producer under every codec with and
 * without idempotence. Its streaming consumer needs a group, but
 * `Consumer.fetch()` is a plain Fetch (sessions included) with no group
 * calls, so the records are read back through it and cross-checked with the
 * wire-level reader in test/helpers/raw-fetch.ts.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Admin, Consumer, Producer } from '@platformatic/kafka';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { CODEC_IDS, CODECS, fetchBatchSummaries } from '../helpers/batches.ts';
import { fetchAll } from '../helpers/raw-fetch.ts';

type FetchResponse = Awaited<ReturnType<Consumer['fetch']>>;

let broker: TestBroker;
let admin: Admin;
let consumer: Consumer;
const producers: Producer[] = [];

before(async () => {
  broker = await startTestBroker({ 'auto.create.topics.enable': 'false' });
  const common = { bootstrapBrokers: [broker.bootstrap], retries: 2, timeout: 5000 };
  admin = new Admin({ clientId: 'pk-admin', ...common });
  // The group id is required by the constructor; nothing here joins a group.
  consumer = new Consumer({ clientId: 'pk-consumer', groupId: 'pk-unused', ...common });
});

after(async () => {
  for (const p of producers) await p.close(true).catch(() => undefined);
  await consumer?.close(true).catch(() => undefined);
  await admin?.close().catch(() => undefined);
  await broker?.stop();
});

function producer(idempotent: boolean): Producer {
  const p = new Producer({ clientId: `pk-producer-${idempotent}`, bootstrapBrokers: [broker.bootstrap], idempotent, retries: 2, timeout: 5000 });
  producers.push(p);
  return p;
}

interface Got { offset: bigint; timestamp: bigint; key: string | null; value: string | null; headers: [string, string][] }

/** Reads a partition from offset 0 to its high watermark with Consumer.fetch (no group). */
async function fetchWithPlatformatic(topic: string, partition: number): Promise<{ records: Got[]; producerIds: bigint[] }> {
  const metadata = await consumer.metadata({ topics: [topic] });
  const t = metadata.topics.get(topic)!;
  const leader = t.partitions[partition]!.leader;
  const records: Got[] = [];
  const producerIds: bigint[] = [];
  let next = 0n;
  for (let round = 0; round < 100; round++) {
    const res: FetchResponse = await consumer.fetch({
      node: leader, maxWaitTime: 0, minBytes: 0,
      topics: [{ topicId: t.id, partitions: [{ partition, fetchOffset: next, currentLeaderEpoch: -1, lastFetchedEpoch: -1, partitionMaxBytes: 1 << 20 }] }],
    });
    const p = res.responses[0]!.partitions[0]!;
    assert.equal(p.errorCode, 0);
    for (const batch of p.records ?? []) {
      producerIds.push(batch.producerId);
      for (const r of batch.records) {
        const offset = batch.firstOffset + BigInt(r.offsetDelta);
        if (offset < next) continue;
        records.push({
          offset, timestamp: batch.firstTimestamp + r.timestampDelta,
          key: r.key === null ? null : r.key.toString(), value: r.value === null ? null : r.value.toString(),
          headers: r.headers.map(([k, v]): [string, string] => [String(k), String(v)]),
        });
      }
    }
    if (records.length > 0) next = records[records.length - 1]!.offset + 1n;
    if (next >= p.highWatermark) return { records, producerIds };
  }
  throw new Error('did not reach the high watermark');
}

test('Admin creates topics with configs, lists, grows and deletes them', async () => {
  const [created] = await admin.createTopics({
    topics: ['pk-admin'], partitions: 3, replicas: 1, configs: [{ name: 'retention.ms', value: '123456789' }],
  });
  assert.equal(created!.name, 'pk-admin');
  assert.equal(created!.partitions, 3);
  assert.equal(created!.replicas, 1);
  assert.match(created!.id, /^[0-9a-f-]{36}$/);
  assert.equal(created!.configuration['retention.ms'], '123456789');
  assert.equal(created!.configuration['cleanup.policy'], 'delete');
  assert.ok((await admin.listTopics()).includes('pk-admin'));

  await assert.rejects(admin.createTopics({ topics: ['pk-admin'], partitions: 1 }), (e: Error) => /TOPIC_ALREADY_EXISTS|already exists/i.test(JSON.stringify(e, Object.getOwnPropertyNames(e)) + String(e.message)));
  await assert.rejects(admin.createTopics({ topics: ['bad name!'] }), (e: Error) => /INVALID_TOPIC|Invalid topic|illegal/i.test(JSON.stringify(e, Object.getOwnPropertyNames(e)) + String(e.message)));

  // No assignments: the controller places them (an empty, non-null list is refused, as Kafka does).
  await admin.createPartitions({ topics: [{ name: 'pk-admin', count: 5 }] });
  const md = await admin.metadata({ topics: ['pk-admin'], forceUpdate: true });
  assert.equal(md.topics.get('pk-admin')!.partitionsCount, 5);
  for (const p of md.topics.get('pk-admin')!.partitions) assert.equal(p.leader, broker.nodeId);

  await admin.deleteTopics({ topics: ['pk-admin'] });
  assert.ok(!(await admin.listTopics()).includes('pk-admin'));
});

test('Producer sends keyed and unkeyed records with headers under every codec, idempotent and not; fetch reads them back', async () => {
  // Explicit timestamps stay inside retention.ms (7 days): older ones make whole segments deletable.
  const baseTs = BigInt(Date.now() - 3_600_000);
  const runs = CODECS.flatMap((codec) => [true, false].map((idempotent) => ({ codec, idempotent, topic: `pk-${codec}-${idempotent ? 'idem' : 'plain'}` })));
  await admin.createTopics({ topics: runs.map((r) => r.topic), partitions: 2, replicas: 1 });
  const idem = producer(true);
  const plain = producer(false);

  for (const r of runs) {
    const messages = [];
    for (let i = 0; i < 8; i++) {
      messages.push({
        topic: r.topic, partition: i % 2, key: Buffer.from(`key-${i}`), value: Buffer.from(`${r.topic}-${i}-${'p'.repeat(200)}`),
        headers: new Map([[Buffer.from('trace'), Buffer.from(`t${i}`)], [Buffer.from('codec'), Buffer.from(r.codec)]]),
        timestamp: baseTs + BigInt(i),
      });
    }
    messages.push({ topic: r.topic, partition: 0, value: Buffer.from(`${r.topic}-unkeyed`) } as (typeof messages)[number]);
    const result = await (r.idempotent ? idem : plain).send({ messages, compression: r.codec, acks: -1 });
    const offsets = result.offsets!.map((o) => [o.partition, Number(o.offset)]).sort();
    assert.deepEqual(offsets, [[0, 0], [1, 0]], `${r.topic}: first offsets per partition`);
    // A second send continues each partition's offsets.
    const second = await (r.idempotent ? idem : plain).send({
      messages: [{ topic: r.topic, partition: 1, key: Buffer.from('again'), value: Buffer.from('second send') }], compression: r.codec,
    });
    assert.deepEqual(second.offsets!.map((o) => [o.partition, Number(o.offset)]), [[1, 4]]);

    const want: Record<number, { key: string | null; value: string; headers: [string, string][]; timestamp?: bigint }[]> = { 0: [], 1: [] };
    for (const m of messages) {
      want[m.partition]!.push({
        key: m.key?.toString() ?? null, value: m.value.toString(),
        headers: m.headers ? [...m.headers].map(([k, v]) => [k.toString(), v.toString()]) : [], timestamp: m.timestamp,
      });
    }
    want[1]!.push({ key: 'again', value: 'second send', headers: [] });

    for (const partition of [0, 1]) {
      const { records, producerIds } = await fetchWithPlatformatic(r.topic, partition);
      const expected = want[partition]!;
      assert.deepEqual(records.map((x) => Number(x.offset)), expected.map((_, i) => i), `${r.topic}-${partition} offsets`);
      records.forEach((x, i) => {
        const e = expected[i]!;
        assert.equal(x.key, e.key, `${r.topic}-${partition}@${i} key`);
        assert.equal(x.value, e.value, `${r.topic}-${partition}@${i} value`);
        assert.deepEqual(x.headers, e.headers, `${r.topic}-${partition}@${i} headers`);
        if (e.timestamp !== undefined) assert.equal(x.timestamp, e.timestamp, `${r.topic}-${partition}@${i} timestamp`);
      });
      for (const id of producerIds) {
        if (r.idempotent) assert.ok(id >= 0n, `${r.topic}: idempotent batches carry a producer id`);
        else assert.equal(id, -1n, `${r.topic}: plain batches carry none`);
      }

      // The wire-level reader sees the same records, and each batch carries the codec it was sent with.
      const raw = await fetchAll(broker.bootstrap, r.topic, partition, 0n);
      assert.deepEqual(raw.map((x) => [x.offset, x.key?.toString() ?? null, x.value?.toString()]), records.map((x) => [x.offset, x.key, x.value]));
      for (const b of await fetchBatchSummaries(broker.bootstrap, r.topic, partition)) {
        assert.equal(b.compression, CODEC_IDS[r.codec], `${r.topic}-${partition} batch at ${b.baseOffset}`);
      }
    }
  }
});

test('Admin lists offsets and deletes records; fetch then starts at the new log start', async () => {
  await admin.createTopics({ topics: ['pk-offsets'], partitions: 1, replicas: 1 });
  const p = producer(false);
  const baseTs = BigInt(Date.now() - 3_600_000);
  await p.send({ messages: Array.from({ length: 10 }, (_, i) => ({ topic: 'pk-offsets', partition: 0, value: Buffer.from(`r${i}`), timestamp: baseTs + BigInt(i * 1000) })) });

  const list = async (timestamp: bigint): Promise<bigint> => {
    const [t] = await admin.listOffsets({ topics: [{ name: 'pk-offsets', partitions: [{ partitionIndex: 0, timestamp }] }] });
    return t!.partitions[0]!.offset;
  };
  assert.equal(await list(-2n), 0n, 'earliest');
  assert.equal(await list(-1n), 10n, 'latest');
  assert.equal(await list(baseTs + 3_500n), 4n, 'first offset at or after a timestamp');

  const [deleted] = await admin.deleteRecords({ topics: [{ name: 'pk-offsets', partitions: [{ partition: 0, offset: 6n }] }] });
  assert.equal(deleted!.partitions[0]!.lowWatermark, 6n);
  assert.equal(await list(-2n), 6n, 'earliest moved');
  const offsets = await consumer.listOffsets({ topics: ['pk-offsets'] });
  assert.deepEqual(offsets.get('pk-offsets'), [10n]);
  const rest = await fetchAll(broker.bootstrap, 'pk-offsets', 0, 6n);
  assert.deepEqual(rest.map((r) => [Number(r.offset), r.value?.toString()]), [[6, 'r6'], [7, 'r7'], [8, 'r8'], [9, 'r9']]);
});
