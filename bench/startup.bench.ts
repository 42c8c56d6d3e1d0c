// Start and import (issue 17, Start and footprint): how long importing the
// package takes, how long `startBroker()` takes after it, what a `samsa`
// command pays before its work, `samsa start` to its ready line, idle RSS, and
// how many modules an import loads. Every number is a fresh `node` process.
//
//   node bench/startup.bench.ts                 (npm run bench -- startup)
//   SAMSA_BENCH_BASELINE=/path/to/other/checkout node bench/startup.bench.ts
//     measures a second tree (e.g. `git archive <commit>` with node_modules linked and `npm run build` run there)
//     in the same run, alternating the two trees run by run so machine load hits both alike.
//   SAMSA_BENCH_RUNS=7 (median of that many runs per row).
import fs from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startBroker } from '../src/index.ts';
import { ROOT, killAll, lastJson, memStatus, run } from './broker-procs.ts';
import { startBrokerProcess } from '../test/helpers/processes.ts';

const RUNS = Number(process.env.SAMSA_BENCH_RUNS ?? 7);
const TMP = fs.mkdtempSync(join(os.tmpdir(), 'samsa-startup-bench-'));
const trees: { label: string; root: string }[] = [{ label: 'this tree', root: ROOT }];
if (process.env.SAMSA_BENCH_BASELINE !== undefined) trees.push({ label: 'baseline', root: process.env.SAMSA_BENCH_BASELINE });

// Imports the specifier, optionally starts a broker, waits 1 s, prints one JSON line.
const MEASURE = `
import fs from 'node:fs';
import module from 'node:module';
let modules = 0;
if (process.env.BENCH_COUNT === '1') module.registerHooks({ load(url, context, next) { modules++; return next(url, context); } });
const t0 = performance.now();
const mod = await import(process.env.BENCH_SPEC);
const importMs = performance.now() - t0;
let startMs = null, broker = null;
if (process.env.BENCH_START === '1') {
  const t = performance.now();
  broker = await mod.startBroker({ port: 0, log: () => {} });
  startMs = performance.now() - t;
  await new Promise((r) => setTimeout(r, 1000));
}
const rss = Number(/^VmRSS:\\s+(\\d+)/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1]) / 1024;
console.log(JSON.stringify({ importMs, startMs, rss, modules }));
if (broker !== null) await broker.stop();
`;

interface Measured {
  importMs: number;
  startMs: number | null;
  rss: number;
  modules: number;
}

async function measure(spec: string, env: Record<string, string>): Promise<Measured> {
  const r = await run(process.execPath, ['--input-type=module', '-e', MEASURE], { timeoutMs: 30_000, env: { BENCH_SPEC: spec, ...env } });
  return lastJson<Measured>(r, `import ${spec}`);
}

async function wallMs(args: string[], env: Record<string, string> = {}): Promise<number> {
  const t = performance.now();
  const r = await run(process.execPath, args, { timeoutMs: 30_000, env });
  if (r.code !== 0) throw new Error(`${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return performance.now() - t;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fix = (n: number, d = 0): string => n.toFixed(d);

type Row = { what: string; samples: Map<string, number[]>; unit: string };
const rows: Row[] = [];
function sample(what: string, tree: string, value: number, unit = 'ms'): void {
  let row = rows.find((r) => r.what === what);
  if (row === undefined) rows.push(row = { what, samples: new Map(), unit });
  row.samples.set(tree, [...(row.samples.get(tree) ?? []), value]);
}

const broker = await startBroker({ port: 0, log: () => {} });
const bootstrap = `127.0.0.1:${broker.port}`;
try {
  console.log(`node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`median of ${RUNS} runs; trees: ${trees.map((t) => `${t.label} = ${t.root}`).join(', ')}\n`);
  const cacheDir = (tree: number): string => join(TMP, `compile-cache-${tree}`);
  // Fill each tree's compile cache (and the OS temp dir one bin/samsa.js uses) once, untimed.
  for (const [i, t] of trees.entries()) {
    for (const spec of ['src/index.ts', 'dist/index.js']) await measure(pathToFileURL(join(t.root, spec)).href, { NODE_COMPILE_CACHE: cacheDir(i) });
    await wallMs([join(t.root, 'bin', 'samsa.js'), 'topics', '--list', '--bootstrap-server', bootstrap]);
    const counted = await measure(pathToFileURL(join(t.root, 'src', 'index.ts')).href, { BENCH_COUNT: '1' });
    sample('modules loaded by import src/index.ts', t.label, counted.modules, 'modules');
  }
  for (let n = 0; n < RUNS; n++) {
    for (const [i, t] of trees.entries()) {
      const cache = { NODE_COMPILE_CACHE: cacheDir(i) };
      const src = pathToFileURL(join(t.root, 'src', 'index.ts')).href;
      const dist = pathToFileURL(join(t.root, 'dist', 'index.js')).href;
      sample('import src/index.ts, no compile cache', t.label, (await measure(src, {})).importMs);
      const warm = await measure(src, { ...cache, BENCH_START: '1' });
      sample('import src/index.ts, compile cache warm', t.label, warm.importMs);
      sample('  then await startBroker({ port: 0 })', t.label, warm.startMs!);
      sample('  idle RSS 1 s later', t.label, warm.rss, 'MB');
      const warmDist = await measure(dist, { ...cache, BENCH_START: '1' });
      sample('import dist/index.js, compile cache warm', t.label, warmDist.importMs);
      sample('  then await startBroker({ port: 0 }) (dist)', t.label, warmDist.startMs!);
      sample('import dist/index.js, no compile cache', t.label, (await measure(dist, {})).importMs);
      const bin = join(t.root, 'bin', 'samsa.js');
      sample('`node bin/samsa.js --version` (wall)', t.label, await wallMs([bin, '--version']));
      sample('`node bin/samsa.js topics --list` (wall)', t.label, await wallMs([bin, 'topics', '--list', '--bootstrap-server', bootstrap]));
      sample('`node src/cli/main.ts topics --list` (wall, not through bin/)', t.label,
        await wallMs([join(t.root, 'src', 'cli', 'main.ts'), 'topics', '--list', '--bootstrap-server', bootstrap]));
      const dir = join(TMP, `start-${i}-${n}`);
      const proc = await startBrokerProcess(dir, {}, 0, { entry: bin, maxLifeMs: 60_000, readyTimeoutMs: 20_000 });
      sample('`node bin/samsa.js start` (no metrics, no console), spawn → ready line', t.label, proc.readyMs);
      await new Promise((r) => setTimeout(r, 1000));
      sample('  idle RSS 1 s after ready', t.label, memStatus(proc.pid)?.rssMB ?? NaN, 'MB');
      await proc.stop();
      fs.rmSync(dir, { recursive: true, force: true });
      // As a user runs it: the metrics endpoint and the web console on their default addresses (a taken one is a warning).
      const full = await startBrokerProcess(dir, { 'metrics.listener': null, 'console.listener': null }, 0, { entry: bin, maxLifeMs: 60_000, readyTimeoutMs: 20_000 });
      sample('`node bin/samsa.js start` with metrics and console, spawn → ready', t.label, full.readyMs);
      await new Promise((r) => setTimeout(r, 1000));
      sample('  idle RSS 1 s after ready ', t.label, memStatus(full.pid)?.rssMB ?? NaN, 'MB');
      await full.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  const header = ['what', ...trees.map((t) => `${t.label} (median)`), ...trees.map((t) => `${t.label} (min–max)`)];
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map(() => '---').join('|')}|`);
  for (const r of rows) {
    const cells = trees.map((t) => { const s = r.samples.get(t.label) ?? []; return s.length === 0 ? '' : `${fix(median(s), r.unit === 'MB' ? 1 : 0)} ${r.unit}`; });
    const ranges = trees.map((t) => { const s = r.samples.get(t.label) ?? []; return s.length < 2 ? '' : `${fix(Math.min(...s), 0)}–${fix(Math.max(...s), 0)}`; });
    console.log(`| ${r.what} | ${cells.join(' | ')} | ${ranges.join(' | ')} |`);
  }
} finally {
  await broker.stop();
  killAll();
  fs.rmSync(TMP, { recursive: true, force: true });
}
