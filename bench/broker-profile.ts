// Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time per
// function and per file, busy time only (the "(idle)" node excluded).
//
//   node bench/broker-profile.ts FILE.cpuprofile [TOP]
import fs from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** A time window in µs of CLOCK_MONOTONIC: the profile's clock, and `process.hrtime.bigint() / 1000n` on Linux. */
export interface ProfileWindow {
  fromUs: number;
  toUs: number;
}

/** Now on the profile's clock, in µs. */
export function profileClockUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

export interface ProfileSummary {
  totalMs: number;
  idleMs: number;
  busyMs: number;
  functions: { name: string; where: string; ms: number; pct: number }[];
  files: { file: string; ms: number; pct: number }[];
}

function shortUrl(url: string): string {
  if (url === '') return '';
  const at = url.indexOf('/src/');
  if (at >= 0) return url.slice(at + 1);
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) return url.slice(nm + 1);
  return url.replace(/^file:\/\//, '');
}

/** Self time per function and file; only samples inside `window` when one is given. */
export function summariseProfile(file: string, top = 15, window?: ProfileWindow): ProfileSummary {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  const parentOf = new Map<number, number>();
  for (const n of profile.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parentOf.set(c, n.id);
  }
  // A native frame (a syscall binding like writeBuffer) is labelled with the nearest caller in our own code.
  const ourCaller = (id: number): string => {
    for (let cur = parentOf.get(id); cur !== undefined; cur = parentOf.get(cur)) {
      const cf = byId.get(cur)!.callFrame;
      if (cf.url.includes('/src/')) return `called from ${cf.functionName || '(anonymous)'} ${shortUrl(cf.url)}:${cf.lineNumber + 1}`;
    }
    return '';
  };
  const selfUs = new Map<number, number>();
  // timeDeltas[i] is the time before sample i; attribute it to sample i's node.
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = Math.max(0, profile.timeDeltas[i] ?? 0);
    at += delta;
    if (window !== undefined && (at < window.fromUs || at > window.toUs)) continue;
    const id = profile.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
  }
  let total = 0;
  let idle = 0;
  const fn = new Map<string, { name: string; where: string; us: number }>();
  const files = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const cf = byId.get(id)!.callFrame;
    total += us;
    if (cf.functionName === '(idle)') {
      idle += us;
      continue;
    }
    const name = cf.functionName === '' ? '(anonymous)' : cf.functionName;
    const url = shortUrl(cf.url);
    const where = url !== '' ? `${url}:${cf.lineNumber + 1}` : name.startsWith('(') ? '' : ourCaller(id);
    const key = `${name}\u0000${where}`;
    const entry = fn.get(key) ?? { name, where, us: 0 };
    entry.us += us;
    fn.set(key, entry);
    const fileKey = url === '' ? name : url;
    files.set(fileKey, (files.get(fileKey) ?? 0) + us);
  }
  const busy = total - idle;
  const pct = (us: number): number => (busy > 0 ? (100 * us) / busy : 0);
  return {
    totalMs: total / 1000,
    idleMs: idle / 1000,
    busyMs: busy / 1000,
    functions: [...fn.values()].sort((a, b) => b.us - a.us).slice(0, top)
      .map((e) => ({ name: e.name, where: e.where, ms: e.us / 1000, pct: pct(e.us) })),
    files: [...files.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)
      .map(([f, us]) => ({ file: f, ms: us / 1000, pct: pct(us) })),
  };
}

if (import.meta.main) {
  const [file, topArg] = process.argv.slice(2);
  if (file === undefined) {
    console.error('usage: broker-profile.ts FILE.cpuprofile [TOP]');
    process.exit(2);
  }
  const s = summariseProfile(file, topArg === undefined ? 20 : Number(topArg));
  console.log(`total ${s.totalMs.toFixed(0)} ms, idle ${s.idleMs.toFixed(0)} ms, busy ${s.busyMs.toFixed(0)} ms\n`);
  console.log('| self ms | % busy | function | where |\n|---:|---:|---|---|');
  for (const f of s.functions) console.log(`| ${f.ms.toFixed(0)} | ${f.pct.toFixed(1)} | ${f.name} | ${f.where} |`);
  console.log('\n| self ms | % busy | file |\n|---:|---:|---|');
  for (const f of s.files) console.log(`| ${f.ms.toFixed(0)} | ${f.pct.toFixed(1)} | ${f.file} |`);
}
