// The cost of metrics (issue 14): kcat (librdkafka 2.0.2) produces 100 B records to one partition
// of a `samsa start` process without a metrics listener, and of one with it, while the second also
// hosts a 1,000-partition topic and is scraped every second. Runs alternate (off, on, off, on, …)
// so drift on a shared machine hits both; the medians are compared. Also reports how long one
// scrape of 1,000 partitions takes. Prints a table; asserts nothing.
//
//   node bench/metrics.bench.ts            (or: npm run bench -- metrics)
//
// Environment: SAMSA_BENCH_METRICS_RECORDS  records per run (default 1000000), SAMSA_BENCH_METRICS_ROUNDS (default 3).
import fs from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { Admin, Cluster } from '../src/client/index.ts';
import { freePorts } from '../src/server/local-nodes.ts';
import { killAll, run, startBrokerProcess, recordFile } from './broker-procs.ts';

const RECORDS = Number(process.env.SAMSA_BENCH_METRICS_RECORDS ?? 1_000_000);
const ROUNDS = Number(process.env.SAMSA_BENCH_METRICS_ROUNDS ?? 3);
const CLIENT_TIMEOUT_MS = 300_000;
const BROKER_LIFE_MS = 20 * 60_000;
const SCRAPE_EVERY_MS = 1000;
const CREATE_TIMEOUT_MS = 300_000;
const WIDE_PARTITIONS = 1000;
const PRODUCER = ['linger.ms=5', 'batch.num.messages=10000', 'queue.buffering.max.messages=1000000', 'queue.buffering.max.kbytes=1048576', 'acks=1'];

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(join(os.tmpdir(), 'samsa-bench-metrics-'));
  try {
    const [metricsPort] = await freePorts(1);
    const metricsUrl = `http://127.0.0.1:${metricsPort}`;
    const off = await startBrokerProcess('src', join(dir, 'off'), { maxLifeMs: BROKER_LIFE_MS, overrides: ['metrics.listener='] });
    const on = await startBrokerProcess('src', join(dir, 'on'), { maxLifeMs: BROKER_LIFE_MS, overrides: [`metrics.listener=${metricsUrl}`] });
    try {
      // Creating 1,000 partition logs takes a while (each fsyncs its files): a client with a long timeout.
      const cluster = new Cluster({ bootstrapServers: [on.bootstrap], requestTimeoutMs: CREATE_TIMEOUT_MS });
      const createdAt = performance.now();
      await new Admin(cluster).createTopics([{ name: 'wide', partitions: WIDE_PARTITIONS, replicationFactor: 1 }]);
      const createMs = performance.now() - createdAt;
      await cluster.close();
      const scrapeMs: number[] = [];
      const scrapeOnce = async (): Promise<number> => {
        const t0 = performance.now();
        const text = await (await fetch(`${metricsUrl}/metrics`)).text();
        if (!text.includes('topic="wide",partition="999"')) throw new Error('the scrape lacks the wide topic');
        return performance.now() - t0;
      };
      for (let i = 0; i < 5; i++) scrapeMs.push(await scrapeOnce());
      const file = recordFile(dir, 100, RECORDS);
      const rates: Record<'off' | 'on', number[]> = { off: [], on: [] };
      for (let round = 0; round < ROUNDS; round++) {
        for (const [name, broker] of [['off', off], ['on', on]] as const) {
          let scraping = name === 'on';
          const scraper = (async () => {
            while (scraping) {
              scrapeMs.push(await scrapeOnce());
              await new Promise((resolve) => setTimeout(resolve, SCRAPE_EVERY_MS));
            }
          })();
          const produced = await run('kcat', ['-P', '-b', broker.bootstrap, '-t', `bench-${round}`, '-p', '0', '-l', ...PRODUCER.flatMap((x) => ['-X', x]), file], { timeoutMs: CLIENT_TIMEOUT_MS });
          scraping = false;
          await scraper;
          if (produced.code !== 0) throw new Error(`kcat -P (${name}) failed: ${produced.stderr.slice(-1000)}`);
          rates[name].push(RECORDS / (produced.ms / 1000));
        }
      }
      console.log(`machine: ${os.cpus().length} x ${os.cpus()[0]?.model ?? '?'}, node ${process.version}; kcat, 100 B, one partition, acks=1, ${ROUNDS} rounds`);
      console.log('| metrics | produce rec/s (median) | runs |');
      console.log('|---|---|---|');
      for (const name of ['off', 'on'] as const) {
        console.log(`| ${name === 'on' ? `on, ${WIDE_PARTITIONS + 1} partitions, scraped every ${SCRAPE_EVERY_MS / 1000} s` : 'off'} | ${Math.round(median(rates[name])).toLocaleString('en')} | ${rates[name].map((r) => Math.round(r).toLocaleString('en')).join(', ')} |`);
      }
      console.log(`\nmetrics on / off: ${(median(rates.on) / median(rates.off) * 100).toFixed(1)} %`);
      console.log(`creating the ${WIDE_PARTITIONS}-partition topic: ${(createMs / 1000).toFixed(1)} s`);
      console.log(`one scrape of ${WIDE_PARTITIONS + ROUNDS + 1} partitions: median ${median(scrapeMs).toFixed(1)} ms, max ${Math.max(...scrapeMs).toFixed(1)} ms (${scrapeMs.length} scrapes)`);
    } finally {
      await off.stop();
      await on.stop();
    }
  } finally {
    killAll();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
