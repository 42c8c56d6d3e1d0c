// Transactional produce (issue 12): a librdkafka producer against a real `samsa start`
// process, 100 B records, idempotent (no transactions) beside transactions of 1,000 and of
// 100 records, each committed. Prints a table; asserts nothing. Client and broker share the
// machine's cores.
//
//   node bench/transactions.bench.ts      (or: npm run bench -- transactions)
//
// Environment: SAMSA_BENCH_TXN_RECORDS  records per run (default 300000).
// Needs /usr/bin/python3 with confluent-kafka. Every child has a time bound and is killed at the end.
import fs from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { ROOT, cpuSeconds, killAll, lastJson, run, startBrokerProcess } from './broker-procs.ts';

const PYTHON = '/usr/bin/python3';
const PY_TXN = join(ROOT, 'bench', 'python', 'bench_txn.py');
const RECORDS = Number(process.env.SAMSA_BENCH_TXN_RECORDS ?? 300_000);
const SIZE = 100;
const RUNS = [
  { name: 'idempotent, no transactions', every: 0 },
  { name: 'a commit every 1,000 records', every: 1000 },
  { name: 'a commit every 100 records', every: 100 },
] as const;
const CLIENT_TIMEOUT_MS = 300_000;
const BROKER_LIFE_MS = 15 * 60_000;

interface Result { records: number; seconds: number; records_per_s: number; commit_seconds: number; transactions: number; errors: number }

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(join(os.tmpdir(), 'samsa-bench-txn-'));
  try {
    console.log(`machine: ${os.cpus().length} x ${os.cpus()[0]?.model ?? '?'}, node ${process.version}; ${RECORDS} records of ${SIZE} B per run, acks=all`);
    console.log('| run | records/s | MB/s | commits | time in commit | broker CPU s |');
    console.log('|---|---|---|---|---|---|');
    for (const r of RUNS) {
      // A fresh broker per run: no run pays for the logs of the one before.
      const broker = await startBrokerProcess('src', join(dir, `run-${r.every}`), { maxLifeMs: BROKER_LIFE_MS });
      try {
        const topic = 'bench-txn';
        const cpuBefore = cpuSeconds(broker.pid);
        const out = lastJson<Result>(await run(PYTHON, [PY_TXN, broker.bootstrap, topic, String(RECORDS), String(SIZE), String(r.every)], { timeoutMs: CLIENT_TIMEOUT_MS }), r.name);
        const cpu = cpuSeconds(broker.pid) - cpuBefore;
        const mb = (out.records_per_s * SIZE) / 1e6;
        console.log(`| ${r.name} | ${Math.round(out.records_per_s).toLocaleString('en')} | ${mb.toFixed(1)} | ${out.transactions} | ${out.commit_seconds.toFixed(2)} s of ${out.seconds.toFixed(2)} s | ${cpu.toFixed(2)} |${out.errors > 0 ? ` (${out.errors} errors)` : ''}`);
      } finally {
        await broker.stop();
      }
    }
  } finally {
    killAll();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
