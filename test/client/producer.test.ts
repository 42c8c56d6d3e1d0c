/**
 * Samsa's producer against a real broker: every codec, keys, headers and
 * timestamps read back by kcat (librdkafka) and by a raw Fetch; batching
 * into few batches; acks 0/1/all; sticky null keys; the buffer.memory bound.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ClientError, Cluster, Producer, type CompressionName } from '../../src/client/index.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { CODEC_IDS, fetchBatchSummaries } from '../helpers/batches.ts';
import { fetchAll } from '../helpers/raw-fetch.ts';
import { killAllChildren, run } from '../helpers/processes.ts';

interface KcatMessage {
  partition: number;
  offset: number;
  ts: number;
  headers?: (string | null)[];
  key: string | null;
  payload: string | null;
}

const CODECS: CompressionName[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

let broker: TestBroker;
let cluster: Cluster;

before(async () => {
  broker = await startTestBroker({ 'num.partitions': '3' });
  cluster = new Cluster({ bootstrapServers: [broker.bootstrap] });
});
after(async () => {
  killAllChildren();
  await cluster?.close();
  await broker?.stop();
});

async function kcatAll(topic: string): Promise<KcatMessage[]> {
  const r = await run('kcat', ['-b', broker.bootstrap, '-C', '-t', topic, '-o', 'beginning', '-e', '-J', '-q', '-X', 'fetch.wait.max.ms=100'], { timeoutMs: 20_000 });
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as KcatMessage);
}

test('every codec: keys, headers and timestamps read back by kcat and by a raw fetch', async () => {
  for (const codec of CODECS) {
    const topic = `prod-${codec}`;
    const producer = new Producer(cluster, { compression: codec, lingerMs: 20 });
    const sent = await Promise.all(Array.from({ length: 30 }, (_, i) => producer.send({
      topic, key: i % 5 === 0 ? null : `key-${i % 7}`, value: `${codec}-${i}-${'v'.repeat(200)}`,
      headers: [{ key: 'n', value: String(i) }, { key: 'dup', value: 'a' }, { key: 'dup', value: null }], timestamp: 1_700_000_000_000 + i,
    })));
    await producer.close();
    const kcat = await kcatAll(topic);
    assert.equal(kcat.length, 30, codec);
    for (const m of kcat) {
      const i = Number(/-(\d+)-/.exec(m.payload!)![1]);
      assert.equal(m.key, i % 5 === 0 ? null : `key-${i % 7}`);
      assert.equal(m.ts, 1_700_000_000_000 + i);
      assert.deepEqual(m.headers, ['n', String(i), 'dup', 'a', 'dup', null]);
      assert.equal(m.partition, sent[i]!.partition);
      assert.equal(BigInt(m.offset), sent[i]!.offset);
    }
    for (let p = 0; p < 3; p++) {
      const records = await fetchAll(broker.bootstrap, topic, p, 0n);
      for (const r of records) {
        const i = Number(/-(\d+)-/.exec(r.value!.toString())![1]);
        assert.equal(r.offset, sent[i]!.offset);
        assert.equal(r.headers[2]!.value, null, 'a null header value stays null');
        assert.equal(r.timestamp, BigInt(1_700_000_000_000 + i));
      }
      for (const b of await fetchBatchSummaries(broker.bootstrap, topic, p)) assert.equal(b.compression, CODEC_IDS[codec], codec);
    }
  }
});

test('records are batched: one linger window makes one batch per partition, offsets in send order', async () => {
  const topic = 'prod-batching';
  const producer = new Producer(cluster, { lingerMs: 50, batchSize: 1 << 20 });
  const sent = await Promise.all(Array.from({ length: 500 }, (_, i) => producer.send({ topic, partition: 1, value: `r${i}` })));
  await producer.close();
  assert.deepEqual(sent.map((s) => s.offset), Array.from({ length: 500 }, (_, i) => BigInt(i)));
  const batches = await fetchBatchSummaries(broker.bootstrap, topic, 1);
  assert.equal(batches.length, 1);
  assert.equal(batches[0]!.records, 500);
});

test('null keys stick to one partition per batch', async () => {
  const topic = 'prod-sticky';
  const producer = new Producer(cluster, { lingerMs: 30, batchSize: 1 << 20 });
  const sent = await Promise.all(Array.from({ length: 50 }, () => producer.send({ topic, value: 'x' })));
  await producer.close();
  assert.equal(new Set(sent.map((s) => s.partition)).size, 1);
});

test('acks=0 and acks=1 deliver; acks=0 reports offset -1', async () => {
  const p0 = new Producer(cluster, { acks: 0 });
  const r0 = await Promise.all(Array.from({ length: 10 }, (_, i) => p0.send({ topic: 'prod-acks', partition: 0, value: `zero-${i}` })));
  await p0.close();
  assert.ok(r0.every((r) => r.offset === -1n));
  const p1 = new Producer(cluster, { acks: 1 });
  const r1 = await p1.send({ topic: 'prod-acks', partition: 0, value: 'one' });
  await p1.close();
  assert.equal(r1.offset, 10n, 'the acks=0 records were written first');
  const all = await fetchAll(broker.bootstrap, 'prod-acks', 0, 0n);
  assert.deepEqual(all.map((r) => r.value!.toString()), [...Array.from({ length: 10 }, (_, i) => `zero-${i}`), 'one']);
});

test('buffer.memory bounds what is buffered: send waits instead of growing', async () => {
  const bufferMemory = 64 * 1024;
  const producer = new Producer(cluster, { bufferMemory, batchSize: 16 * 1024, lingerMs: 0 });
  const value = Buffer.alloc(1000, 7);
  let maxBuffered = 0;
  const pending: Promise<unknown>[] = [];
  for (let i = 0; i < 2000; i++) {
    pending.push(producer.send({ topic: 'prod-bp', partition: i % 3, value }));
    maxBuffered = Math.max(maxBuffered, producer.bufferedBytes);
  }
  const probe = setInterval(() => (maxBuffered = Math.max(maxBuffered, producer.bufferedBytes)), 1);
  await Promise.all(pending);
  clearInterval(probe);
  await producer.close();
  assert.ok(maxBuffered <= bufferMemory, `buffered ${maxBuffered} > ${bufferMemory}`);
  assert.ok(maxBuffered > bufferMemory / 2, 'the buffer was actually used');
  assert.equal(producer.bufferedBytes, 0);
  let total = 0;
  for (let p = 0; p < 3; p++) total += (await fetchAll(broker.bootstrap, 'prod-bp', p, 0n)).length;
  assert.equal(total, 2000);
});

test('errors: a record larger than buffer.memory, a missing partition, a closed producer', async () => {
  const producer = new Producer(cluster, { bufferMemory: 1024 });
  await assert.rejects(producer.send({ topic: 'prod-err', value: Buffer.alloc(4096) }), (e: ClientError) => e.code === 'SAMSA_ERR_RECORD_TOO_LARGE');
  await assert.rejects(producer.send({ topic: 'prod-err', partition: 9, value: 'x' }), (e: ClientError) => e.code === 'SAMSA_ERR_UNKNOWN_PARTITION');
  await producer.close();
  await assert.rejects(producer.send({ topic: 'prod-err', value: 'x' }), (e: ClientError) => e.code === 'SAMSA_ERR_CLOSED');
  assert.throws(() => new Producer(cluster, { acks: 2 as 1 }), /acks/);
});
