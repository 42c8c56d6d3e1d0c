// End-to-end broker benchmark (issue 3, Performance): a real `samsa start`
// process driven by real clients, each in its own process — librdkafka
// (kcat and Python confluent-kafka) and KafkaJS — beside the machine's own
// limits (loopback TCP from Node, sequential disk writes). Prints tables;
// asserts nothing. Clients and broker share the machine's cores.
//
//   node bench/broker.bench.ts            (or: npm run bench -- broker)
//
// Environment:
//   SAMSA_BENCH_SECTIONS   comma list of sections to run (default all):
//                          machine,start,memory,produce,consume,latency,profile
//   SAMSA_BENCH_RECORDS    records per produce run (default 1000000)
//   SAMSA_BENCH_KAFKAJS_1K records per KafkaJS run of 1 KiB records (default 500000)
//   SAMSA_BENCH_KEEP_PROFILES  a directory to copy the .cpuprofile files into
//
// Needs kcat, /usr/bin/python3 with confluent-kafka, and for the `dist` rows
// an `npm run build` (those rows are skipped without dist/). Every child has
// a time bound and is killed at the end; all files go to one temp dir that is
// removed at the end.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import {
  ROOT, cpuTimes, killAll, lastJson, memStatus, rssSampler, run, startBrokerProcess, type BrokerProcess, type Entry,
} from './broker-procs.ts';
import { profileClockUs, summariseProfile, type ProfileWindow } from './broker-profile.ts';

const PYTHON = '/usr/bin/python3';
const PY_PRODUCE = join(ROOT, 'bench', 'python', 'bench_produce.py');
const PY_CONSUME = join(ROOT, 'bench', 'python', 'bench_consume.py');
const KAFKAJS_PRODUCER = join(ROOT, 'bench', 'broker-kafkajs.ts');
const HAVE_DIST = fs.existsSync(join(ROOT, 'dist', 'index.js'));

const SECTIONS = new Set((process.env.SAMSA_BENCH_SECTIONS ?? 'machine,start,memory,produce,consume,latency,profile').split(','));
const RECORDS = Number(process.env.SAMSA_BENCH_RECORDS ?? 1_000_000);
const KAFKAJS_1K_RECORDS = Math.min(RECORDS, Number(process.env.SAMSA_BENCH_KAFKAJS_1K ?? 500_000));
const LOAD_MAX = 0.5;
const LOAD_WAIT_MS = 180_000;
const CLIENT_TIMEOUT_MS = 120_000;
const BROKER_LIFE_MS = 15 * 60_000;
const START_RUNS = 5;
const MEMORY_RUNS = 3;
const LOOPBACK_BYTES = 2 * 1024 ** 3;
const DISK_BYTES = 1024 ** 3;
const CHUNK = 1024 * 1024;
const LATENCY_RATE = 10_000;
const LATENCY_SECONDS = 10;
const LIBRDKAFKA_PRODUCER = [
  'linger.ms=5', 'batch.num.messages=10000', 'queue.buffering.max.messages=1000000', 'queue.buffering.max.kbytes=1048576',
];
// Both librdkafka consumers: 4 MiB per partition per fetch, and a prefetch queue deep enough that
// librdkafka 2.0's 500 ms back-off on a full queue (fetch.error.backoff.ms) never kicks in.
// fetch.wait.max.ms=10: `kcat -e` learns a partition's end from an empty fetch at the high watermark, which
// the broker (like Kafka) holds for fetch.wait.max.ms; the default 500 ms would be added to every kcat run.
const LIBRDKAFKA_CONSUMER = ['fetch.message.max.bytes=4194304', 'queued.min.messages=1000000', 'fetch.error.backoff.ms=10', 'fetch.wait.max.ms=10'];

// KafkaJS 2.2.4 sets a negative timeout somewhere under Node 24; that warning is noise here.
process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (w.name !== 'TimeoutNegativeWarning') console.error(w);
});

const TMP = fs.mkdtempSync(join(os.tmpdir(), 'samsa-broker-bench-'));
let cleaned = false;
function cleanup(): void {
  if (cleaned) return;
  cleaned = true;
  killAll();
  fs.rmSync(TMP, { recursive: true, force: true });
}
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    cleanup();
    process.exit(130);
  });
}

// ---------------------------------------------------------------- output

const int = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '—');
const fix = (n: number | null | undefined, d = 1): string => (n === null || n === undefined || !Number.isFinite(n) ? '—' : n.toFixed(d));
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const loadavg = (): string => os.loadavg().map((l) => l.toFixed(2)).join(' ');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function table(header: string[], rows: (string | number)[][]): void {
  const right = header.map((_, i) => rows.every((r) => /^[-—\d.,%×]*$/.test(String(r[i] ?? ''))));
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${right.map((r) => (r ? '---:' : '---')).join('|')}|`);
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
  console.log('');
}

function heading(title: string): void {
  console.log(`\n### ${title}\n`);
  console.log(`(load average ${loadavg()})\n`);
}

// ---------------------------------------------------------------- machine limits

const LOOPBACK_SINK = `
import net from 'node:net';
const server = net.createServer((s) => {
  let bytes = 0, start = 0;
  s.on('data', (c) => { if (bytes === 0) start = performance.now(); bytes += c.length; });
  s.on('end', () => { console.log(JSON.stringify({ bytes, seconds: (performance.now() - start) / 1000 })); s.end(); server.close(); });
});
server.listen(0, '127.0.0.1', () => console.log('port ' + server.address().port));
`;

const LOOPBACK_ONE_PROCESS = `
import net from 'node:net';
const total = Number(process.env.BENCH_BYTES), chunk = Buffer.alloc(1024 * 1024, 7);
const server = net.createServer((s) => {
  let bytes = 0; const start = performance.now();
  s.on('data', (c) => { bytes += c.length; });
  s.on('end', () => { console.log(JSON.stringify({ bytes, seconds: (performance.now() - start) / 1000 })); s.end(); server.close(); });
});
server.listen(0, '127.0.0.1', () => {
  const c = net.connect(server.address().port, '127.0.0.1', () => {
    let sent = 0;
    const pump = () => { while (sent < total) { sent += chunk.length; if (!c.write(chunk)) return c.once('drain', pump); } c.end(); };
    pump();
  });
});
`;

async function pushTo(port: number, total: number): Promise<void> {
  const chunk = Buffer.alloc(CHUNK, 7);
  await new Promise<void>((resolve, reject) => {
    const c = net.connect(port, '127.0.0.1', () => {
      let sent = 0;
      const pump = (): void => {
        while (sent < total) {
          sent += chunk.length;
          if (!c.write(chunk)) {
            c.once('drain', pump);
            return;
          }
        }
        c.end();
      };
      pump();
    });
    c.on('error', reject);
    c.on('close', () => resolve());
    c.resume();
  });
}

async function machineLimits(): Promise<void> {
  heading('Machine limits: loopback TCP and sequential disk writes');
  const rows: (string | number)[][] = [];
  // Two processes: a sink child, this process writing 1 MiB chunks.
  let port = 0;
  const sink = run(process.execPath, ['--input-type=module', '-e', LOOPBACK_SINK], {
    timeoutMs: 60_000,
    onLine: (line) => {
      if (line.startsWith('port ')) port = Number(line.slice(5));
    },
  });
  while (port === 0) await sleep(10);
  await pushTo(port, LOOPBACK_BYTES);
  const two = lastJson<{ bytes: number; seconds: number }>(await sink, 'loopback sink');
  rows.push(['loopback TCP, Node → Node, 2 processes', int(two.bytes / 1e6), fix(two.seconds, 2), int(two.bytes / two.seconds / 1e6)]);
  const one = lastJson<{ bytes: number; seconds: number }>(
    await run(process.execPath, ['--input-type=module', '-e', LOOPBACK_ONE_PROCESS], { timeoutMs: 60_000, env: { BENCH_BYTES: String(LOOPBACK_BYTES) } }),
    'loopback one process',
  );
  rows.push(['loopback TCP, both sockets in 1 process', int(one.bytes / 1e6), fix(one.seconds, 2), int(one.bytes / one.seconds / 1e6)]);

  // Disk: 1 GiB in 1 MiB write()s on the file system the broker's data goes to.
  const buf = Buffer.alloc(CHUNK);
  for (let i = 0; i < buf.length; i += 4) buf.writeUInt32LE((i * 2654435761) >>> 0, i);
  const writeFile = (file: string, sync: boolean): { writeS: number; syncS: number } => {
    const fd = fs.openSync(file, 'w');
    try {
      const t0 = performance.now();
      for (let done = 0; done < DISK_BYTES; done += CHUNK) fs.writeSync(fd, buf, 0, CHUNK);
      const t1 = performance.now();
      if (sync) fs.fdatasyncSync(fd);
      const t2 = performance.now();
      return { writeS: (t1 - t0) / 1000, syncS: (t2 - t1) / 1000 };
    } finally {
      fs.closeSync(fd);
    }
  };
  // Two rounds: in this VM the first touch of fresh page-cache memory can be much slower than reuse.
  for (const round of [1, 2]) {
    const a = join(TMP, 'disk-a');
    const noSync = writeFile(a, false);
    // Flush it before the next run so its write-back does not overlap the next measurement.
    const fd = fs.openSync(a, 'r+');
    fs.fdatasyncSync(fd);
    fs.closeSync(fd);
    fs.rmSync(a);
    rows.push([`disk, round ${round}: 1 GiB in 1 MiB write()s, no sync (page cache)`, int(DISK_BYTES / 1e6), fix(noSync.writeS, 2), int(DISK_BYTES / noSync.writeS / 1e6)]);
    const b = join(TMP, 'disk-b');
    const withSync = writeFile(b, true);
    fs.rmSync(b);
    const total = withSync.writeS + withSync.syncS;
    rows.push([`disk, round ${round}: same + fdatasync at the end (write ${fix(withSync.writeS, 2)} s + sync ${fix(withSync.syncS, 2)} s)`, int(DISK_BYTES / 1e6), fix(total, 2), int(DISK_BYTES / total / 1e6)]);
  }
  table(['what', 'MB', 's', 'MB/s'], rows);
}

// ---------------------------------------------------------------- start time and memory

const fileUrl = (rel: string): string => pathToFileURL(join(ROOT, rel)).href;

const IMPORT_AND_MEASURE = `
import fs from 'node:fs';
const specs = JSON.parse(process.env.BENCH_SPECS);
const bootMs = performance.now();
const t0 = performance.now();
let mod;
for (const s of specs) mod = await import(s);
const importMs = performance.now() - t0;
let startMs = null, readyMs = null, broker = null;
if (process.env.BENCH_START === '1') {
  const t = performance.now();
  broker = await mod.startBroker({ port: 0, log: () => {} });
  startMs = performance.now() - t;
  readyMs = performance.now();
}
await new Promise((r) => setTimeout(r, Number(process.env.BENCH_SETTLE_MS)));
const st = fs.readFileSync('/proc/self/status', 'utf8');
const mb = (k) => Number(new RegExp('^' + k + ':\\\\s+(\\\\d+)', 'm').exec(st)[1]) / 1024;
const m = process.memoryUsage();
console.log(JSON.stringify({ bootMs, importMs, startMs, readyMs,
  rss: mb('VmRSS'), anon: mb('RssAnon'), file: mb('RssFile'), heapTotal: m.heapTotal / 1048576, heapUsed: m.heapUsed / 1048576, external: m.external / 1048576 }));
if (broker !== null) await broker.stop();
`;

interface Measured {
  bootMs: number;
  importMs: number;
  startMs: number | null;
  readyMs: number | null;
  rss: number;
  anon: number;
  file: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
}

interface ImportOptions {
  start?: boolean;
  settleMs?: number;
  nodeArgs?: string[];
  env?: Record<string, string>;
}

async function measureImport(specs: string[], opts: ImportOptions = {}): Promise<Measured> {
  const r = await run(process.execPath, [...(opts.nodeArgs ?? []), '--input-type=module', '-e', IMPORT_AND_MEASURE], {
    timeoutMs: 30_000,
    env: { ...opts.env, BENCH_SPECS: JSON.stringify(specs), BENCH_START: opts.start === true ? '1' : '0', BENCH_SETTLE_MS: String(opts.settleMs ?? 300) },
  });
  return lastJson<Measured>(r, `import ${specs.join(' ')}`);
}

async function startTimes(): Promise<void> {
  heading('Broker start time and idle RSS');
  console.log(`Median of ${START_RUNS} runs each, fresh data dir per run. Idle RSS: VmRSS of the broker process 1 s after ready.\n`);
  const rows: (string | number)[][] = [];
  const entries: Entry[] = HAVE_DIST ? ['src', 'dist'] : ['src'];
  // NODE_COMPILE_CACHE: Node 22+ keeps V8's code cache (and, for .ts, the stripped source) on disk.
  // One untimed run fills it; the timed runs are then warm.
  const cacheEnv = { NODE_COMPILE_CACHE: join(TMP, 'compile-cache') };
  const variants: { entry: Entry; env?: Record<string, string> }[] = entries.flatMap((entry) => [{ entry }, { entry, env: cacheEnv }]);
  for (const { entry, env } of variants) {
    if (env !== undefined) {
      const warm = await startBrokerProcess(entry, join(TMP, `start-warm-${entry}`), { maxLifeMs: 60_000, env });
      await warm.stop();
    }
    const ready: number[] = [];
    const rss: number[] = [];
    const anon: number[] = [];
    const file: number[] = [];
    for (let i = 0; i < START_RUNS; i++) {
      const dir = join(TMP, `start-${entry}-${i}`);
      const b = await startBrokerProcess(entry, dir, { maxLifeMs: 60_000, env });
      ready.push(b.readyMs);
      await sleep(1000);
      const s = memStatus(b.pid)!;
      rss.push(s.rssMB);
      anon.push(s.anonMB);
      file.push(s.fileMB);
      await b.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
    const cmd = (entry === 'src' ? 'node src/cli/main.ts start' : 'node bin/samsa.js start (dist)') + (env === undefined ? '' : ', NODE_COMPILE_CACHE warm');
    rows.push([`spawn → ready line: ${cmd}`, fix(Math.min(...ready), 0), fix(median(ready), 0), fix(Math.max(...ready), 0), fix(median(rss)), fix(median(anon)), fix(median(file))]);
  }
  for (const { entry, env } of variants) {
    const spec = entry === 'src' ? fileUrl('src/index.ts') : fileUrl('dist/index.js');
    if (env !== undefined) await measureImport([spec], { env });
    const runs: Measured[] = [];
    for (let i = 0; i < START_RUNS; i++) runs.push(await measureImport([spec], { start: true, settleMs: 1000, env }));
    const what = (entry === 'src' ? 'src/index.ts' : 'dist/index.js') + (env === undefined ? '' : ' (NODE_COMPILE_CACHE warm)');
    rows.push([`in-process: import ${what}`, fix(Math.min(...runs.map((r) => r.importMs)), 0), fix(median(runs.map((r) => r.importMs)), 0), fix(Math.max(...runs.map((r) => r.importMs)), 0), '', '', '']);
    rows.push([`in-process: await startBroker({ port: 0 }) after that import`, fix(Math.min(...runs.map((r) => r.startMs!)), 0), fix(median(runs.map((r) => r.startMs!)), 0), fix(Math.max(...runs.map((r) => r.startMs!)), 0), fix(median(runs.map((r) => r.rss))), fix(median(runs.map((r) => r.anon))), fix(median(runs.map((r) => r.file)))]);
    rows.push([`in-process: node boot → ready (boot + import + start)`, fix(Math.min(...runs.map((r) => r.readyMs!)), 0), fix(median(runs.map((r) => r.readyMs!)), 0), fix(Math.max(...runs.map((r) => r.readyMs!)), 0), '', '', '']);
  }
  table(['what', 'min ms', 'median ms', 'max ms', 'idle RSS MB', 'anon MB', 'file MB'], rows);
}

async function memoryBreakdown(): Promise<void> {
  heading('What the RSS is made of (in-process, after import)');
  console.log(`A fresh \`node\` imports the modules listed and reads /proc/self/status 300 ms later; median of ${MEMORY_RUNS} runs. ` +
    'anon = RssAnon (V8 heap, malloc), file = RssFile (pages of the node binary and shared libraries actually touched).\n');
  const emptyTs = join(TMP, 'empty.ts');
  fs.writeFileSync(emptyTs, 'export const x: number = 1;\n');
  const cache = { NODE_COMPILE_CACHE: join(TMP, 'compile-cache-memory') };
  const cases: { label: string; specs: string[]; nodeArgs?: string[]; start?: boolean; env?: Record<string, string> }[] = [
    { label: 'bare node', specs: [] },
    { label: '@node-rs/crc32', specs: ['@node-rs/crc32'] },
    { label: 'snappy', specs: ['snappy'] },
    { label: 'lz4-napi', specs: ['lz4-napi'] },
    { label: 'all three native addons', specs: ['@node-rs/crc32', 'snappy', 'lz4-napi'] },
    { label: 'a one-line .ts file (loads type stripping)', specs: [pathToFileURL(emptyTs).href] },
  ];
  if (HAVE_DIST) {
    cases.push(
      { label: 'dist/protocol/messages/index.js (generated codecs)', specs: [fileUrl('dist/protocol/messages/index.js')] },
      { label: 'dist/records/index.js (records + the 3 addons)', specs: [fileUrl('dist/records/index.js')] },
      { label: 'dist/index.js (the package)', specs: [fileUrl('dist/index.js')] },
      { label: 'dist/index.js with --max-semi-space-size=1', specs: [fileUrl('dist/index.js')], nodeArgs: ['--max-semi-space-size=1'] },
      { label: 'dist/index.js + startBroker, idle', specs: [fileUrl('dist/index.js')], start: true },
      { label: 'dist/index.js + startBroker, idle, NODE_COMPILE_CACHE warm', specs: [fileUrl('dist/index.js')], start: true, env: cache },
    );
  }
  cases.push(
    { label: 'src/protocol/messages/index.ts (generated codecs, stripped)', specs: [fileUrl('src/protocol/messages/index.ts')] },
    { label: 'src/index.ts (the package from source)', specs: [fileUrl('src/index.ts')] },
    { label: 'src/index.ts + startBroker, idle', specs: [fileUrl('src/index.ts')], start: true },
    { label: 'src/index.ts + startBroker, idle, NODE_COMPILE_CACHE warm', specs: [fileUrl('src/index.ts')], start: true, env: cache },
  );
  const rows: (string | number)[][] = [];
  let bare = NaN;
  for (const c of cases) {
    if (c.env !== undefined) await measureImport(c.specs, { env: c.env }); // fills the cache
    const runs: Measured[] = [];
    for (let i = 0; i < MEMORY_RUNS; i++) {
      runs.push(await measureImport(c.specs, { nodeArgs: c.nodeArgs, start: c.start, settleMs: c.start === true ? 1000 : 300, env: c.env }));
    }
    const rss = median(runs.map((r) => r.rss));
    if (Number.isNaN(bare)) bare = rss;
    rows.push([c.label, fix(median(runs.map((r) => r.importMs)), 0), fix(rss), `+${fix(rss - bare)}`, fix(median(runs.map((r) => r.anon))), fix(median(runs.map((r) => r.file))),
      fix(median(runs.map((r) => r.heapTotal))), fix(median(runs.map((r) => r.heapUsed))), fix(median(runs.map((r) => r.external)))]);
  }
  table(['imported', 'import ms', 'RSS MB', 'Δ bare', 'anon MB', 'file MB', 'V8 heap total', 'heap used', 'external'], rows);
}

// ---------------------------------------------------------------- produce / consume / latency

let admin: Admin | null = null;

async function connectAdmin(bootstrap: string): Promise<Admin> {
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  const a = new Kafka({ clientId: 'samsa-bench-admin', brokers: [bootstrap], logLevel: logLevel.NOTHING }).admin();
  await a.connect();
  admin = a;
  return a;
}

async function logEnd(a: Admin, topic: string): Promise<number> {
  const offsets = await a.fetchTopicOffsets(topic);
  return offsets.reduce((sum, o) => sum + Number(o.high), 0);
}

function recordFile(size: number, count: number): string {
  const file = join(TMP, `records-${size}`);
  const line = Buffer.alloc(size + 1, 'x');
  line[size] = 0x0a;
  const block = Buffer.concat(Array.from({ length: 1000 }, () => line));
  const fd = fs.openSync(file, 'w');
  for (let done = 0; done < count; done += 1000) fs.writeSync(fd, block, 0, Math.min(1000, count - done) * (size + 1));
  fs.closeSync(fd);
  return file;
}

type Client = 'kcat' | 'confluent-kafka' | 'kafkajs';

interface ProduceRow {
  client: Client;
  size: number;
  partitions: number;
  acks: '1' | 'all';
  records: number;
  seconds: number;
  brokerUser: number;
  brokerSys: number;
  peakRss: number;
  ok: boolean;
  topic: string;
}

async function produceOnce(b: BrokerProcess, a: Admin, client: Client, size: number, partitions: number, acks: '1' | 'all', file: string | null): Promise<ProduceRow> {
  const topic = `p-${client}-${size}-${partitions}p-acks${acks}`;
  await a.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
  const count = client === 'kafkajs' && size > 100 ? KAFKAJS_1K_RECORDS : RECORDS;
  const cpu0 = cpuTimes(b.pid);
  const rss = rssSampler(b.pid);
  let seconds: number;
  let expected: number;
  if (client === 'kcat') {
    const args = ['-P', '-b', b.bootstrap, '-t', topic, '-l', '-X', `acks=${acks}`];
    for (const x of LIBRDKAFKA_PRODUCER) args.push('-X', x);
    args.push(file!);
    const r = await run('kcat', args, { timeoutMs: CLIENT_TIMEOUT_MS });
    if (r.code !== 0) throw new Error(`kcat -P failed (${r.code}): ${r.stderr.slice(-2000)}`);
    seconds = r.ms / 1000; // process wall time: includes kcat's start and reading the file
    expected = count;
  } else if (client === 'confluent-kafka') {
    const r = await run(PYTHON, [PY_PRODUCE, 'throughput', b.bootstrap, topic, String(count), String(size), acks], { timeoutMs: CLIENT_TIMEOUT_MS });
    const j = lastJson<{ records: number; seconds: number; errors: number; undelivered: number }>(r, 'confluent-kafka producer');
    seconds = j.seconds;
    expected = j.records;
  } else {
    const r = await run(process.execPath, ['--no-warnings', KAFKAJS_PRODUCER, b.bootstrap, topic, String(count), String(size), acks, '1000', '8'], { timeoutMs: CLIENT_TIMEOUT_MS });
    const j = lastJson<{ records: number; seconds: number }>(r, 'kafkajs producer');
    seconds = j.seconds;
    expected = j.records;
  }
  const peakRss = rss.stop();
  const cpu1 = cpuTimes(b.pid);
  const ok = (await logEnd(a, topic)) === expected;
  return { client, size, partitions, acks, records: count, seconds, brokerUser: cpu1.user - cpu0.user, brokerSys: cpu1.sys - cpu0.sys, peakRss, ok, topic };
}

interface Kept {
  topic: string;
  size: number;
  partitions: number;
  records: number;
}

async function produce(b: BrokerProcess, a: Admin): Promise<Kept[]> {
  heading('Produce throughput');
  console.log(`${int(RECORDS)} records per run (KafkaJS with 1 KiB records: ${int(KAFKAJS_1K_RECORDS)}), keyless, uncompressed, one new topic per run. ` +
    'kcat: `kcat -P -l FILE` with ' + LIBRDKAFKA_PRODUCER.join(', ') + ', timed as the whole process (start, reading the file, flush). ' +
    'confluent-kafka: the same librdkafka settings, produce() in a loop then flush(), timed inside the script after a warm-up record. ' +
    'KafkaJS: sends of 1,000 messages, 8 sends in flight, timed after a warm-up send. MB/s counts record values only. ' +
    'Broker user/sys: CPU seconds of the broker process (all threads) during the run, from /proc/PID/stat; peak RSS: VmRSS sampled every 50 ms.\n');
  const rows: ProduceRow[] = [];
  const kept: Kept[] = [];
  for (const size of [100, 1024]) {
    const file = recordFile(size, RECORDS);
    for (const partitions of [1, 8]) {
      for (const acks of ['1', 'all'] as const) {
        for (const client of ['kcat', 'confluent-kafka', 'kafkajs'] as const) {
          const row = await produceOnce(b, a, client, size, partitions, acks, file);
          rows.push(row);
          if (client === 'kcat' && acks === '1') kept.push({ topic: row.topic, size, partitions, records: row.records });
          else await a.deleteTopics({ topics: [row.topic], timeout: 30_000 }).catch(() => undefined);
        }
      }
    }
    fs.rmSync(file);
  }
  table(['client', 'record', 'partitions', 'acks', 'records', 's', 'rec/s', 'MB/s', 'broker user s', 'broker sys s', 'broker CPU µs/rec', 'peak RSS MB', 'all in log'],
    rows.map((r) => [r.client, r.size === 100 ? '100 B' : '1 KiB', r.partitions, r.acks, int(r.records), fix(r.seconds, 2), int(r.records / r.seconds),
      fix((r.records * r.size) / 1e6 / r.seconds, 0), fix(r.brokerUser, 2), fix(r.brokerSys, 2), fix(((r.brokerUser + r.brokerSys) * 1e6) / r.records, 2),
      fix(r.peakRss, 0), r.ok ? 'yes' : 'NO']));
  const s = memStatus(b.pid)!;
  console.log(`Broker after the produce runs: VmRSS ${fix(s.rssMB)} MB, VmHWM (peak RSS since start) ${fix(s.hwmMB)} MB.\n`);
  return kept;
}

async function consume(b: BrokerProcess, kept: Kept[]): Promise<void> {
  heading('Consume throughput');
  console.log('Every record of a topic written above, from the beginning, without a group. Both clients use ' + LIBRDKAFKA_CONSUMER.join(', ') + '. ' +
    'kcat: `kcat -C -o beginning -e -f .` (one byte out per record), timed from its first output byte to its exit (it exits at the end of every partition); ' +
    'wall time of the whole process beside it. confluent-kafka: assign() at the beginning and consume(10000) in a loop, timed from the first batch to the last, not counting the first batch ' +
    '(librdkafka 2.0.2 waits ~500 ms for a timed offset query after assign() before the first fetch; that is excluded).\n');
  const rows: (string | number)[][] = [];
  for (const k of kept) {
    for (const client of ['kcat', 'confluent-kafka'] as const) {
      const cpu0 = cpuTimes(b.pid);
      let records: number;
      let timed: number;
      let seconds: number;
      let wall: number;
      if (client === 'kcat') {
        const args = ['-C', '-b', b.bootstrap, '-t', k.topic, '-o', 'beginning', '-e', '-q', '-f', '.'];
        for (const x of LIBRDKAFKA_CONSUMER) args.push('-X', x);
        const r = await run('kcat', args, { timeoutMs: CLIENT_TIMEOUT_MS, keepStdout: false });
        if (r.code !== 0) throw new Error(`kcat -C failed (${r.code}): ${r.stderr.slice(-2000)}`);
        records = r.stdoutBytes;
        timed = records;
        seconds = (r.ms - (r.firstStdoutMs ?? 0)) / 1000;
        wall = r.ms / 1000;
      } else {
        const r = await run(PYTHON, [PY_CONSUME, 'throughput', b.bootstrap, k.topic, String(k.partitions), String(k.records), ...LIBRDKAFKA_CONSUMER], { timeoutMs: CLIENT_TIMEOUT_MS });
        const j = lastJson<{ records: number; seconds: number; firstRecordS: number; lastRecordS: number; firstBatch: number }>(r, 'confluent-kafka consumer');
        records = j.records;
        timed = j.records - j.firstBatch;
        seconds = j.lastRecordS - j.firstRecordS;
        wall = r.ms / 1000;
      }
      const cpu1 = cpuTimes(b.pid);
      const user = cpu1.user - cpu0.user;
      const sys = cpu1.sys - cpu0.sys;
      rows.push([client, k.size === 100 ? '100 B' : '1 KiB', k.partitions, int(records), fix(seconds, 2), int(timed / seconds), fix((timed * k.size) / 1e6 / seconds, 0),
        fix(wall, 2), fix(user, 2), fix(sys, 2), fix(((user + sys) * 1e6) / records, 2), records === k.records ? 'yes' : `NO (${records})`]);
    }
  }
  table(['client', 'record', 'partitions', 'records', 's', 'rec/s', 'MB/s', 'process wall s', 'broker user s', 'broker sys s', 'broker CPU µs/rec', 'all read'], rows);
}

interface LatencyResult {
  /** The producer's run, on the profile clock. */
  window: ProfileWindow;
  sent: number;
  seconds: number;
  produceRequests: number | null;
  fetchRequests: number | null;
  brokerCpu: number;
  brokerSys: number;
  records: number;
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  p999_ms: number;
  max_ms: number;
}

/** A confluent-kafka consumer (poll() per record) and a fixed-rate confluent-kafka producer, each its own process. */
async function latencyRun(b: BrokerProcess, a: Admin, topic: string, seconds: number): Promise<LatencyResult> {
  await a.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
  // A first record, so the consumer can say it is fetching before the producer starts.
  const marker = await run('sh', ['-c', `echo ready | kcat -P -b ${b.bootstrap} -t ${topic}`], { timeoutMs: 30_000 });
  if (marker.code !== 0) throw new Error(`kcat marker: ${marker.stderr}`);
  const total = LATENCY_RATE * seconds;
  let ready = false;
  const consumer = run(PYTHON, [PY_CONSUME, 'latency', b.bootstrap, topic, '1', String(total)], {
    timeoutMs: (seconds + 60) * 1000,
    onLine: (line) => {
      if (line === 'ready') ready = true;
    },
  });
  const until = Date.now() + 30_000;
  while (!ready && Date.now() < until) await sleep(20);
  const cpu0 = cpuTimes(b.pid);
  const fromUs = profileClockUs();
  const producer = await run(PYTHON, [PY_PRODUCE, 'rate', b.bootstrap, topic, String(LATENCY_RATE), String(seconds), '100', '1'], { timeoutMs: (seconds + 60) * 1000 });
  const p = lastJson<{ sent: number; seconds: number; errors: number; requests: number | null }>(producer, 'latency producer');
  const c = lastJson<{ records: number; p50_ms: number; p90_ms: number; p99_ms: number; p999_ms: number; max_ms: number; requests: number | null }>(await consumer, 'latency consumer');
  const cpu1 = cpuTimes(b.pid);
  return {
    ...c, window: { fromUs, toUs: profileClockUs() }, sent: p.sent, seconds: p.seconds, produceRequests: p.requests, fetchRequests: c.requests,
    brokerCpu: cpu1.user + cpu1.sys - cpu0.user - cpu0.sys, brokerSys: cpu1.sys - cpu0.sys,
  };
}

async function latency(b: BrokerProcess, a: Admin): Promise<void> {
  heading('Produce-to-consume latency at a fixed rate');
  const r = await latencyRun(b, a, 'latency', LATENCY_SECONDS);
  const requests = (r.produceRequests ?? NaN) + (r.fetchRequests ?? NaN);
  console.log(`confluent-kafka producer at ${int(LATENCY_RATE)} rec/s for ${LATENCY_SECONDS} s (100 B, acks=1, linger.ms=0; achieved ${int(r.sent / r.seconds)} rec/s), ` +
    'each value starting with time.time_ns() at produce(); a confluent-kafka consumer in another process (assign(), poll() per record, fetch.wait.max.ms=5, fetch.min.bytes=1) ' +
    'computes receive time − send time. One partition; three processes (broker, producer, consumer) on the 2 cores. ' +
    `The clients sent ${int(r.produceRequests ?? NaN)} produce and ${int(r.fetchRequests ?? NaN)} fetch requests (librdkafka statistics, \`tx\`), ` +
    `${int(requests / r.seconds)} requests/s; broker CPU ${fix(r.brokerCpu, 2)} s, of which system ${fix(r.brokerSys, 2)} s (${fix((100 * r.brokerCpu) / r.seconds, 0)}% of one core, ` +
    `${fix((r.brokerCpu * 1e6) / requests, 0)} µs per request).\n`);
  table(['records received', 'p50 ms', 'p90 ms', 'p99 ms', 'p99.9 ms', 'max ms'],
    [[`${int(r.records)} of ${int(LATENCY_RATE * LATENCY_SECONDS)}`, fix(r.p50_ms, 2), fix(r.p90_ms, 2), fix(r.p99_ms, 2), fix(r.p999_ms, 2), fix(r.max_ms, 2)]]);
}

// ---------------------------------------------------------------- profile

async function profile(): Promise<void> {
  heading('Where the broker spends its time (node --cpu-prof)');
  const dir = join(TMP, 'profile-data');
  const profDir = join(TMP, 'profiles');
  fs.mkdirSync(profDir, { recursive: true });
  const file = recordFile(100, RECORDS);
  const topic = 'profiled';
  const results: { label: string; profileFile: string; window: ProfileWindow }[] = [];

  // 1: produce. The broker is profiled from start to stop; the client runs twice (acks=1) to make the produce part dominate.
  let b = await startBrokerProcess('src', dir, { maxLifeMs: 5 * 60_000, nodeArgs: ['--cpu-prof', '--cpu-prof-dir', profDir, '--cpu-prof-name', 'produce.cpuprofile'] });
  let a = await connectAdmin(b.bootstrap);
  await a.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
  const produceRates: string[] = [];
  let fromUs = profileClockUs();
  for (let i = 0; i < 2; i++) {
    const args = ['-P', '-b', b.bootstrap, '-t', topic, '-l', '-X', 'acks=1'];
    for (const x of LIBRDKAFKA_PRODUCER) args.push('-X', x);
    const r = await run('kcat', [...args, file], { timeoutMs: CLIENT_TIMEOUT_MS });
    produceRates.push(int(RECORDS / (r.ms / 1000)));
  }
  let window = { fromUs, toUs: profileClockUs() };
  // The same with 1 KiB records (half as many), where the bytes rather than the records cost.
  const file1k = recordFile(1024, RECORDS / 2);
  await a.createTopics({ topics: [{ topic: 'profiled-1k', numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
  const fromUs1k = profileClockUs();
  const args1k = ['-P', '-b', b.bootstrap, '-t', 'profiled-1k', '-l', '-X', 'acks=1'];
  for (const x of LIBRDKAFKA_PRODUCER) args1k.push('-X', x);
  const r1k = await run('kcat', [...args1k, file1k], { timeoutMs: CLIENT_TIMEOUT_MS });
  const window1k = { fromUs: fromUs1k, toUs: profileClockUs() };
  fs.rmSync(file1k);
  await a.disconnect();
  admin = null;
  await b.stop();
  results.push({ label: `produce: 2 × kcat -P of ${int(RECORDS)} × 100 B, acks=1, 1 partition (${produceRates.join(', ')} rec/s under the profiler)`, profileFile: join(profDir, 'produce.cpuprofile'), window });
  results.push({
    label: `produce 1 KiB: kcat -P of ${int(RECORDS / 2)} × 1 KiB, acks=1, 1 partition (${int(RECORDS / 2 / (r1k.ms / 1000))} rec/s under the profiler), same broker`,
    profileFile: join(profDir, 'produce.cpuprofile'),
    window: window1k,
  });

  // 2: consume the same log twice.
  b = await startBrokerProcess('src', dir, { maxLifeMs: 5 * 60_000, nodeArgs: ['--cpu-prof', '--cpu-prof-dir', profDir, '--cpu-prof-name', 'consume.cpuprofile'] });
  const consumeRates: string[] = [];
  fromUs = profileClockUs();
  for (let i = 0; i < 2; i++) {
    const args = ['-C', '-b', b.bootstrap, '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '.'];
    for (const x of LIBRDKAFKA_CONSUMER) args.push('-X', x);
    const r = await run('kcat', args, { timeoutMs: CLIENT_TIMEOUT_MS, keepStdout: false });
    consumeRates.push(int(r.stdoutBytes / ((r.ms - (r.firstStdoutMs ?? 0)) / 1000)));
  }
  window = { fromUs, toUs: profileClockUs() };
  await b.stop();
  results.push({ label: `consume: 2 × kcat -C of the ${int(2 * RECORDS)} records (${consumeRates.join(', ')} rec/s under the profiler)`, profileFile: join(profDir, 'consume.cpuprofile'), window });
  fs.rmSync(file);

  // 3: many small requests: the latency workload (linger.ms=0, poll() per record) for 5 s.
  b = await startBrokerProcess('src', dir, { maxLifeMs: 5 * 60_000, nodeArgs: ['--cpu-prof', '--cpu-prof-dir', profDir, '--cpu-prof-name', 'small-requests.cpuprofile'] });
  a = await connectAdmin(b.bootstrap);
  const lat = await latencyRun(b, a, 'profiled-latency', 5);
  window = lat.window;
  await a.disconnect();
  admin = null;
  await b.stop();
  const requests = (lat.produceRequests ?? NaN) + (lat.fetchRequests ?? NaN);
  results.push({
    label: `small requests: the latency workload for 5 s (${int(LATENCY_RATE)} rec/s, ${int(requests / lat.seconds)} produce + fetch requests/s, ` +
      `${fix((lat.brokerCpu * 1e6) / requests, 0)} µs broker CPU per request under the profiler)`,
    profileFile: join(profDir, 'small-requests.cpuprofile'),
    window,
  });

  for (const r of results) {
    const s = summariseProfile(r.profileFile, 15, r.window);
    console.log(`**${r.label}**: the broker's main thread was busy ${fix(s.busyMs / 1000, 2)} s of the ${fix(s.totalMs / 1000, 2)} s the clients ran ` +
      '(samples outside that window — start-up, topic creation, shut-down — left out). Self time, so a native call (writeBuffer, writev, read, fsync) is the syscall itself.\n');
    table(['self ms', '% of busy', 'function', 'where'], s.functions.map((f) => [fix(f.ms, 0), fix(f.pct, 1), f.name, f.where]));
    table(['self ms', '% of busy', 'file (self time summed)'], s.files.slice(0, 10).map((f) => [fix(f.ms, 0), fix(f.pct, 1), f.file]));
  }
  const keep = process.env.SAMSA_BENCH_KEEP_PROFILES;
  if (keep !== undefined) {
    fs.mkdirSync(keep, { recursive: true });
    for (const f of fs.readdirSync(profDir)) fs.copyFileSync(join(profDir, f), join(keep, f));
    console.log(`profiles copied to ${keep}\n`);
  }
}

// ---------------------------------------------------------------- main

async function waitForQuietMachine(): Promise<void> {
  const until = Date.now() + LOAD_WAIT_MS;
  while (os.loadavg()[0]! > LOAD_MAX && Date.now() < until) await sleep(5000);
}

async function main(): Promise<void> {
  const started = performance.now();
  await waitForQuietMachine();
  const cpus = os.cpus();
  const kcatVersion = (await run('kcat', ['-V'], { timeoutMs: 10_000 })).stdout.split('\n')[0] ?? '?';
  const py = await run(PYTHON, ['-c', 'import confluent_kafka as c; print(c.version()[0], c.libversion()[0])'], { timeoutMs: 10_000 });
  const kafkajsVersion = (JSON.parse(fs.readFileSync(join(ROOT, 'node_modules', 'kafkajs', 'package.json'), 'utf8')) as { version: string }).version;
  console.log(`machine: ${cpus.length} × ${cpus[0]?.model ?? '?'}, ${fix(os.totalmem() / 1024 ** 3, 0)} GiB, ${os.type()} ${os.release()}; node ${process.version}`);
  console.log(`clients: ${kcatVersion.trim()}; confluent-kafka/librdkafka ${py.stdout.trim()} (python ${PYTHON}); kafkajs ${kafkajsVersion}`);
  console.log(`load average at start: ${loadavg()} (waited for the 1-minute load to fall to ${LOAD_MAX} for up to ${LOAD_WAIT_MS / 1000} s)`);
  console.log(`dist/: ${HAVE_DIST ? `built ${fs.statSync(join(ROOT, 'dist', 'index.js')).mtime.toISOString()}` : 'missing (run npm run build for the dist rows)'}`);
  console.log('Clients and broker are separate processes sharing the machine\'s cores.');

  if (SECTIONS.has('machine')) await machineLimits();
  if (SECTIONS.has('start')) await startTimes();
  if (SECTIONS.has('memory')) await memoryBreakdown();
  if (SECTIONS.has('produce') || SECTIONS.has('consume') || SECTIONS.has('latency')) {
    const dataDir = join(TMP, 'data');
    const b = await startBrokerProcess('src', dataDir, { maxLifeMs: BROKER_LIFE_MS });
    const idle = memStatus(b.pid)!;
    console.log(`\nBroker for the client runs: node src/cli/main.ts start (defaults), ready in ${fix(b.readyMs, 0)} ms, VmRSS ${fix(idle.rssMB)} MB at ready.`);
    const a = await connectAdmin(b.bootstrap);
    let kept: Kept[] = [];
    if (SECTIONS.has('produce') || SECTIONS.has('consume')) kept = await produce(b, a);
    if (SECTIONS.has('consume')) await consume(b, kept);
    if (SECTIONS.has('latency')) await latency(b, a);
    await a.disconnect();
    admin = null;
    await b.stop();
    // Restart on the data the runs left behind.
    const partitions = fs.readdirSync(dataDir).filter((d) => /-\d+$/.test(d)).length;
    const bytes = fs.readdirSync(dataDir, { recursive: true, withFileTypes: true })
      .filter((d) => d.isFile()).reduce((sum, d) => sum + fs.statSync(join(d.parentPath, d.name)).size, 0);
    const again = await startBrokerProcess('src', dataDir, { maxLifeMs: 60_000 });
    console.log(`Restart after a clean stop on that data dir (${partitions} partition dirs, ${fix(bytes / 1e9, 2)} GB): ready in ${fix(again.readyMs, 0)} ms.\n`);
    await again.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  if (SECTIONS.has('profile')) await profile();
  console.log(`load average at the end: ${loadavg()} (includes this benchmark). Total ${fix((performance.now() - started) / 1000, 0)} s.`);
}

try {
  await main();
} catch (e) {
  process.exitCode = 1;
  console.error(e);
} finally {
  const open = admin as Admin | null; // set by connectAdmin(), possibly left open by an error
  if (open !== null) await open.disconnect().catch(() => undefined);
  cleanup();
}
