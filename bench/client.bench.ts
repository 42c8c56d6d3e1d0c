// Samsa's producer against KafkaJS's on the same broker: COUNT records of
// SIZE bytes, acks=all, no keys, no compression. The broker runs as its own
// process (`samsa start`), so this process's CPU (process.cpuUsage) is the
// client's alone. Samsa sends record by record (send() per record, promises
// per record, at most ~50k outstanding); KafkaJS gets its fastest shape —
// sends of 1000 messages, 8 in flight — since per-record sends are far slower
// there. Then Samsa's consumer reads the records back (assign, no group).
// Prints only.
//
//   node bench/client.bench.ts [COUNT=1000000] [SIZE=100] [KAFKAJS_COUNT=COUNT]

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { Cluster, Consumer, Producer } from '../src/client/index.ts';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const count = Number(process.argv[2] ?? 1_000_000);
const size = Number(process.argv[3] ?? 100);
const kafkajsCount = Number(process.argv[4] ?? count);
const PARTITIONS = 3;
const OUTSTANDING_MARKS_MAX = 50;
const MARK_EVERY = 1000;

const dataDir = mkdtempSync(join(tmpdir(), 'samsa-client-bench-'));
const cli = join(import.meta.dirname, '..', 'src', 'cli', 'main.ts');
const child = spawn(process.execPath, [cli, 'start', '--port', '0', '--data-dir', dataDir, '--override', `num.partitions=${PARTITIONS}`, '--override', 'metrics.listener='], { stdio: ['ignore', 'pipe', 'pipe'] });
const bootstrap = await new Promise<string>((resolve, reject) => {
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => {
    out += s;
    const m = /samsa ready on (\S+):(\d+)/.exec(out);
    if (m !== null) resolve(`${m[1]}:${m[2]}`);
  });
  child.once('exit', (code) => reject(new Error(`broker exited with ${code}`)));
});

interface Result { name: string; records: number; ms: number; cpuUs: number }

function report(r: Result): void {
  const rate = Math.round(r.records / (r.ms / 1000));
  console.log(`${r.name.padEnd(28)} ${String(r.records).padStart(9)} records  ${String(rate).padStart(9)} rec/s  ${(r.cpuUs / r.records).toFixed(2).padStart(6)} µs CPU/record  (${(r.ms / 1000).toFixed(2)} s)`);
}

async function samsa(): Promise<Result> {
  const cluster = new Cluster({ bootstrapServers: [bootstrap] });
  const producer = new Producer(cluster, { acks: -1, lingerMs: 5, batchSize: 256 * 1024, bufferMemory: 64 * 1024 * 1024 });
  const value = Buffer.alloc(size, 'x');
  await producer.send({ topic: 'bench-samsa', value });
  const marks: Promise<unknown>[] = [];
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const p = producer.send({ topic: 'bench-samsa', value });
    if (i % MARK_EVERY === 0) {
      marks.push(p);
      if (marks.length > OUTSTANDING_MARKS_MAX) await marks.shift();
    }
  }
  await producer.flush();
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  await producer.close();
  await cluster.close();
  return { name: 'samsa producer', records: count, ms, cpuUs: used.user + used.system };
}

/** Reads back what samsa() wrote (count + 1 records over every partition) with the assign consumer. */
async function samsaConsumer(): Promise<Result> {
  const cluster = new Cluster({ bootstrapServers: [bootstrap] });
  const consumer = new Consumer(cluster, { maxPollRecords: 10_000 });
  consumer.assign(Array.from({ length: PARTITIONS }, (_, partition) => ({ topic: 'bench-samsa', partition, offset: 'earliest' })));
  const total = count + 1;
  let got = 0;
  const cpu = process.cpuUsage();
  const start = performance.now();
  while (got < total) {
    const records = await consumer.poll(1000);
    if (records.length === 0) break;
    got += records.length;
  }
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  await consumer.close();
  await cluster.close();
  return { name: 'samsa consumer (assign)', records: got, ms, cpuUs: used.user + used.system };
}

async function kafkajs(): Promise<Result> {
  const kafka = new Kafka({ clientId: 'samsa-bench', brokers: [bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'bench-kafkajs', numPartitions: PARTITIONS }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const value = Buffer.alloc(size, 'x');
  const batch = 1000;
  const messages = Array.from({ length: batch }, () => ({ value }));
  await producer.send({ topic: 'bench-kafkajs', acks: -1, messages: messages.slice(0, 1) });
  let sent = 0;
  const cpu = process.cpuUsage();
  const start = performance.now();
  const lane = async (): Promise<void> => {
    while (sent < kafkajsCount) {
      const n = Math.min(batch, kafkajsCount - sent);
      sent += n;
      await producer.send({ topic: 'bench-kafkajs', acks: -1, messages: n === batch ? messages : messages.slice(0, n) });
    }
  };
  await Promise.all(Array.from({ length: 8 }, lane));
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  await producer.disconnect();
  return { name: 'kafkajs (sends of 1000, 8 lanes)', records: kafkajsCount, ms, cpuUs: used.user + used.system };
}

try {
  console.log(`producer: ${count} × ${size} B, acks=all, ${PARTITIONS} partitions, broker in its own process`);
  const s = await samsa();
  report(s);
  report(await samsaConsumer());
  const k = await kafkajs();
  report(k);
  console.log(`samsa/kafkajs throughput: ${((s.records / s.ms) / (k.records / k.ms)).toFixed(2)}x`);
} finally {
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  rmSync(dataDir, { recursive: true, force: true });
}
