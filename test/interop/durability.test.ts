/**
 * What survives a broker process going away, seen through librdkafka
 * (Python confluent-kafka): a clean restart, `kill -9` in the middle of an
 * acks=1 stream, and a torn last batch in the active segment. Each test runs
 * `samsa start` as its own process on a temp data dir and restarts it on the
 * same dir.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, openSync, readFileSync, closeSync, ftruncateSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/broker.ts';
import { fetchBatchSummaries } from '../helpers/batches.ts';
import { kafkaTool, kafkaToolStream, killAllChildren, startBrokerProcess, type BrokerProcess } from '../helpers/processes.ts';
import { scanBatches } from '../../src/records/index.ts';

interface KafkaErr { code: number; name: string; str: string }
interface Delivery { error: KafkaErr | null; partition: number; offset: number }
interface Consumed { partition: number; offset: number; key: string | null; value: string | null }

const dirs: { remove(): void }[] = [];
const brokers: BrokerProcess[] = [];

after(async () => {
  killAllChildren();
  for (const b of brokers) await b.kill9();
  for (const d of dirs) d.remove();
});

function dataDir(): string {
  const d = tempDir('samsa-durability-');
  dirs.push(d);
  return d.dir;
}

/** `samsa start` on `dir`; a port of 0 picks a free one. */
async function start(dir: string, port = 0): Promise<BrokerProcess> {
  const b = await startBrokerProcess(dir, { 'auto.create.topics.enable': 'false' }, port);
  brokers.push(b);
  return b;
}

const hex = (s: string): string => Buffer.from(s).toString('hex');
const unhex = (s: string | null): string | null => (s === null ? null : Buffer.from(s, 'hex').toString());

async function createTopic(b: BrokerProcess, name: string, partitions: number): Promise<void> {
  const r = await kafkaTool<{ results: Record<string, KafkaErr | null> }>({ op: 'create_topics', bootstrap: b.bootstrap, topics: [{ name, partitions }] });
  assert.deepEqual(r.results, { [name]: null });
}

async function consume(b: BrokerProcess, topic: string, partitions: number[]): Promise<Consumed[]> {
  const r = await kafkaTool<{ messages: Consumed[]; errors: KafkaErr[]; unfinished: string[] }>({
    op: 'consume', bootstrap: b.bootstrap, assign: partitions.map((partition) => ({ topic, partition })), timeout: 15,
  });
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.unfinished, []);
  return r.messages;
}

async function produce(b: BrokerProcess, topic: string, values: { key?: string; value: string; partition?: number }[], config: Record<string, unknown>): Promise<Delivery[]> {
  const r = await kafkaTool<{ deliveries: Delivery[]; unflushed: number }>({
    op: 'produce', bootstrap: b.bootstrap, config,
    messages: values.map((v) => ({ topic, partition: v.partition, key: v.key === undefined ? null : hex(v.key), value: hex(v.value) })),
  });
  assert.equal(r.unflushed, 0);
  for (const d of r.deliveries) assert.equal(d.error, null, JSON.stringify(d));
  return r.deliveries;
}

test('a clean stop and restart on the same data dir serves every acks=all record at its offset', async () => {
  const dir = dataDir();
  let b = await start(dir);
  await createTopic(b, 'dur-restart', 2);
  const N = 400;
  const values = Array.from({ length: N }, (_, i) => ({ key: `k${i % 7}`, value: `restart-${i}` }));
  const deliveries = await produce(b, 'dur-restart', values, { acks: 'all', 'linger.ms': 5, 'batch.num.messages': 50 });
  const acked = new Map(deliveries.map((d, i) => [`${d.partition}/${d.offset}`, values[i]!]));
  assert.equal(acked.size, N);

  assert.equal(await b.stop(), 0, 'clean exit on SIGTERM');
  assert.ok(existsSync(join(dir, '.kafka_cleanshutdown')));
  b = await start(dir);

  const back = await consume(b, 'dur-restart', [0, 1]);
  assert.equal(back.length, N);
  for (const m of back) {
    const v = acked.get(`${m.partition}/${m.offset}`);
    assert.ok(v, `record at ${m.partition}/${m.offset} was acknowledged`);
    assert.equal(unhex(m.value), v.value);
    assert.equal(unhex(m.key), v.key);
  }
  // The log continues where it ended.
  const ends = [0, 1].map((p) => back.filter((m) => m.partition === p).length);
  const more = await produce(b, 'dur-restart', [{ value: 'after-0', partition: 0 }, { value: 'after-1', partition: 1 }], { acks: 'all' });
  assert.deepEqual(more.map((d) => [d.partition, d.offset]), [[0, ends[0]], [1, ends[1]]]);
  assert.equal(await b.stop(), 0);
});

test('kill -9 during an acks=1 stream: after restart every acknowledged record is there, once, in order', async () => {
  const dir = dataDir();
  let b = await start(dir);
  await createTopic(b, 'dur-kill', 1);

  const acked: { value: string; offset: number }[] = [];
  let resolveEnough!: () => void;
  const enough = new Promise<void>((resolve) => (resolveEnough = resolve));
  const stream = kafkaToolStream({
    op: 'produce_stream', bootstrap: b.bootstrap, topic: 'dur-kill', partition: 0, prefix: 'm', count: 1_000_000,
    config: { acks: 1, 'enable.idempotence': false, 'linger.ms': 1, 'message.timeout.ms': 3000, 'queue.buffering.max.messages': 2000 },
  }, (line) => {
    if (line.error === null && typeof line.offset === 'number') acked.push({ value: line.value as string, offset: line.offset });
    if (acked.length >= 3000) resolveEnough();
  });
  const timer = setTimeout(resolveEnough, 15_000);
  await enough;
  clearTimeout(timer);
  assert.ok(acked.length >= 3000, `only ${acked.length} acknowledgements before the kill`);

  await b.kill9();
  // Whatever the producer printed before it learns of the kill is all that was acknowledged.
  stream.child.kill('SIGKILL');
  await stream.done;
  assert.ok(!existsSync(join(dir, '.kafka_cleanshutdown')), 'no clean-shutdown marker after kill -9');

  b = await start(dir);
  assert.match(b.stderr(), /recovered \d+ partition logs in .* after an unclean shutdown in \d+ ms/, 'the restart says it recovered');
  assert.equal((b.stderr().match(/loaded \d+ groups from __consumer_offsets-\d+/g) ?? []).length <= 1, true, 'a group partition is loaded once');
  const back = await consume(b, 'dur-kill', [0]);
  const log = back.map((m) => ({ offset: m.offset, value: unhex(m.value)! }));
  // The log is an unbroken prefix of what was sent: m0, m1, ... with offsets 0, 1, ... (no loss, duplicate or reordering).
  log.forEach((r, i) => {
    assert.equal(r.offset, i);
    assert.equal(r.value, `m${i}`, `offset ${i}`);
  });
  const byOffset = new Map(log.map((r) => [r.offset, r.value]));
  for (const a of acked) assert.equal(byOffset.get(a.offset), a.value, `acknowledged ${a.value}@${a.offset} survived`);
  assert.ok(log.length >= acked.length);

  // New writes continue after the recovered end.
  const more = await produce(b, 'dur-kill', [{ value: 'after', partition: 0 }], { acks: 'all' });
  assert.equal(more[0]!.offset, log.length);
  assert.equal(await b.stop(), 0);
});

// Every record must be in the log exactly once, in order. Should a batch written just before the kill be resent
// after it, the producer state rebuilt from the log recognises it (test/server/idempotent-produce.test.ts drives
// that case on the wire; librdkafka here mostly resends only what never reached the log).
test('an idempotent producer streaming through kill -9 and a restart on the same port: every record once, in order', async (t) => {
  const dir = dataDir();
  let b = await start(dir);
  await createTopic(b, 'dur-idem', 1);
  const total = 20_000;
  const acked: { value: string; offset: number; error: unknown }[] = [];
  let resolveEnough!: () => void;
  const enough = new Promise<void>((resolve) => (resolveEnough = resolve));
  const stream = kafkaToolStream({
    op: 'produce_stream', bootstrap: b.bootstrap, topic: 'dur-idem', partition: 0, prefix: 'm', count: total, flush_timeout: 30,
    config: {
      'enable.idempotence': true, 'linger.ms': 1, 'message.timeout.ms': 30_000, 'queue.buffering.max.messages': 2000,
      'reconnect.backoff.ms': 50, 'reconnect.backoff.max.ms': 200,
    },
  }, (line) => {
    if ('value' in line) acked.push({ value: line.value as string, offset: line.offset as number, error: line.error });
    if (acked.length >= 3000) resolveEnough();
  });
  const timer = setTimeout(resolveEnough, 15_000);
  await enough;
  clearTimeout(timer);
  const ackedAtKill = acked.length;
  const port = b.port;
  await b.kill9();
  const onDisk = scanBatches(readFileSync(join(dir, 'dur-idem-0', '00000000000000000000.log'))).batches
    .reduce((n, batch) => n + batch.lastOffsetDelta + 1, 0);
  t.diagnostic(`acknowledged ${ackedAtKill}, on disk ${onDisk} records at the kill`);

  // Same port: the running producer only knows its bootstrap address.
  b = await start(dir, port);
  const done = await stream.done;
  assert.equal(done.code, 0, done.stderr);
  assert.deepEqual(JSON.parse(done.stdout.trim().split('\n').pop()!), { done: true, unflushed: 0 });
  assert.deepEqual(acked.filter((a) => a.error !== null), [], 'the producer rode out the restart without a failed delivery');
  assert.equal(acked.length, total);

  const log = (await consume(b, 'dur-idem', [0])).map((m) => unhex(m.value));
  const firstAt = new Map<string | null, number>();
  log.forEach((v, i) => { if (!firstAt.has(v)) firstAt.set(v, i); });
  assert.equal(firstAt.size, total, 'every record is in the log');
  for (let i = 1; i < total; i++) assert.ok(firstAt.get(`m${i}`)! > firstAt.get(`m${i - 1}`)!, `m${i} after m${i - 1}`);
  for (const a of acked) assert.equal(log[a.offset], a.value, `acknowledged ${a.value}@${a.offset}`);
  assert.equal(log.length, total, 'no record was written twice');
  assert.deepEqual(log, Array.from({ length: total }, (_, i) => `m${i}`));
  assert.equal(await b.stop(), 0);
});

for (const clean of [true, false]) {
  test(`a torn last batch in the active segment (${clean ? 'after a clean stop' : 'with no clean-shutdown marker'}) is cut; the log goes on from the last whole batch`, async () => {
    const dir = dataDir();
    let b = await start(dir);
    await createTopic(b, 'dur-torn', 1);
    // Five produce calls of ten records, so there are several batches (librdkafka may split a call's records further).
    const sent: string[] = [];
    for (let call = 0; call < 5; call++) {
      const values = Array.from({ length: 10 }, (_, i) => ({ value: `c${call}-r${i}-${'z'.repeat(100)}`, partition: 0 }));
      await produce(b, 'dur-torn', values, { acks: 'all', 'linger.ms': 50, 'compression.type': call % 2 === 0 ? 'none' : 'gzip' });
      sent.push(...values.map((v) => v.value));
    }
    const batches = await fetchBatchSummaries(b.bootstrap, 'dur-torn', 0);
    assert.ok(batches.length >= 2, 'several batches');
    assert.equal(await b.stop(), 0);

    const partitionDir = join(dir, 'dur-torn-0');
    const logPath = join(partitionDir, '00000000000000000000.log');
    const bytes = readFileSync(logPath);
    const onDisk = scanBatches(bytes).batches;
    assert.equal(onDisk.length, batches.length);
    const last = onDisk[onDisk.length - 1]!;
    const cut = last.offset + Math.floor(last.sizeInBytes / 2);
    const fd = openSync(logPath, 'r+');
    ftruncateSync(fd, cut);
    closeSync(fd);
    rmSync(join(partitionDir, '00000000000000000000.index'));
    if (!clean) rmSync(join(dir, '.kafka_cleanshutdown'));

    b = await start(dir);
    const expectedEnd = Number(last.baseOffset);
    const back = await consume(b, 'dur-torn', [0]);
    assert.equal(back.length, expectedEnd, 'every whole batch is served, the torn one is not');
    assert.deepEqual(back.map((m) => [m.offset, unhex(m.value)]), sent.slice(0, expectedEnd).map((v, i) => [i, v]));

    const more = await produce(b, 'dur-torn', [{ value: 'after', partition: 0 }, { value: 'after2', partition: 0 }], { acks: 'all', 'linger.ms': 20 });
    assert.deepEqual(more.map((d) => d.offset), [expectedEnd, expectedEnd + 1], 'new records continue right after the last whole batch');
    const again = await consume(b, 'dur-torn', [0]);
    assert.deepEqual(again.slice(expectedEnd).map((m) => [m.offset, unhex(m.value)]), [[expectedEnd, 'after'], [expectedEnd + 1, 'after2']]);
    assert.equal(await b.stop(), 0);
  });
}
