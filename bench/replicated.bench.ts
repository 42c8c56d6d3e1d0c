// `npm run bench -- replicated`: a 3-node cluster of real `samsa start` processes on this machine
// (every node broker and controller), topics with replication.factor=3 and min.insync.replicas=2,
// and librdkafka (confluent-kafka) producing with acks=all, then consuming back from the leaders.
// Every acknowledged record must be in the log: the run checks the log end after each produce.
//
//   SAMSA_BENCH_RECORDS   records per produce run (default 1000000)
import fs from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { LocalCluster } from '../src/cli/local-cluster.ts';
import { ROOT, cpuSeconds, killAll, lastJson, run } from './broker-procs.ts';

const RECORDS = Number(process.env.SAMSA_BENCH_RECORDS ?? 1_000_000);
const PYTHON = '/usr/bin/python3';
const PY_PRODUCE = join(ROOT, 'bench', 'python', 'bench_produce.py');
const PY_CONSUME = join(ROOT, 'bench', 'python', 'bench_consume.py');
const CLIENT_TIMEOUT_MS = 10 * 60_000;
const TMP = fs.mkdtempSync(join(os.tmpdir(), 'samsa-replicated-bench-'));

function fix(n: number, digits = 1): string {
  return n.toFixed(digits);
}

function int(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

async function main(): Promise<void> {
  const cpus = os.cpus();
  console.log(`machine: ${cpus.length} × ${cpus[0]?.model ?? '?'}, ${fix(os.totalmem() / 1024 ** 3, 0)} GiB; node ${process.version}; load ${os.loadavg().map((l) => fix(l, 2)).join(' ')}`);
  const cluster = await LocalCluster.start({ nodes: 3, dataDir: TMP, config: { 'num.partitions': '1' } });
  try {
    const bootstrap = cluster.plan.map((n) => `127.0.0.1:${n.port}`).join(',');
    const kafka = new Kafka({ clientId: 'bench', brokers: bootstrap.split(','), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    console.log(`3 nodes (broker and controller each), pids ${cluster.plan.map((n) => cluster.pidOf(n.id)).join(', ')}; ` +
      `${int(RECORDS)} records of 100 B per run, keyless, uncompressed; confluent-kafka with linger.ms=5, acks=all.\n`);
    console.log('| partitions | acks | produce rec/s | MB/s | all in log | consume rec/s | cluster CPU s (3 nodes) |');
    console.log('|---|---|---|---|---|---|---|');
    for (const partitions of [1, 8]) {
      for (const acks of ['all', '1'] as const) {
        const topic = `r-${partitions}p-acks${acks}`;
        await admin.createTopics({
          topics: [{ topic, numPartitions: partitions, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }],
          waitForLeaders: true,
        });
        const cpu0 = cluster.plan.reduce((sum, n) => sum + cpuSeconds(cluster.pidOf(n.id)), 0);
        const p = lastJson<{ records: number; seconds: number }>(
          await run(PYTHON, [PY_PRODUCE, 'throughput', bootstrap, topic, String(RECORDS), '100', acks], { timeoutMs: CLIENT_TIMEOUT_MS }),
          'confluent-kafka producer',
        );
        const cpu1 = cluster.plan.reduce((sum, n) => sum + cpuSeconds(cluster.pidOf(n.id)), 0);
        const offsets = await admin.fetchTopicOffsets(topic);
        const inLog = offsets.reduce((sum, o) => sum + Number(o.high), 0);
        const c = lastJson<{ records: number; seconds: number }>(
          await run(PYTHON, [PY_CONSUME, 'throughput', bootstrap, topic, String(partitions), String(RECORDS)], { timeoutMs: CLIENT_TIMEOUT_MS }),
          'confluent-kafka consumer',
        );
        console.log(`| ${partitions} | ${acks} | ${int(p.records / p.seconds)} | ${fix((p.records * 100) / 1e6 / p.seconds, 0)} | ` +
          `${inLog === p.records ? 'yes' : `NO (${inLog})`} | ${int(c.records / c.seconds)} | ${fix(cpu1 - cpu0, 1)} |`);
        await admin.deleteTopics({ topics: [topic], timeout: 30_000 }).catch(() => undefined);
      }
    }
    await admin.disconnect();
  } finally {
    await cluster.stop();
  }
}

try {
  await main();
} catch (e) {
  process.exitCode = 1;
  console.error(e);
} finally {
  killAll();
  fs.rmSync(TMP, { recursive: true, force: true });
}
