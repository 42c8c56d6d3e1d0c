// Helpers for bench/broker.bench.ts: bounded child processes, a `samsa start`
// broker process, and /proc readings (RSS, CPU time) of a process by pid.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { join } from 'node:path';
import { killAllChildren, startBrokerProcess as startBrokerProcessShared, type BrokerProcess } from '../test/helpers/processes.ts';

export const ROOT = join(import.meta.dirname, '..');
// dist: the compiled CLI itself (bin/samsa.js runs the sources when they are there, as in this clone).
export const CLI = { src: join(ROOT, 'src', 'cli', 'main.ts'), dist: join(ROOT, 'dist', 'cli', 'main.js') } as const;
export type Entry = keyof typeof CLI;

const live = new Set<ChildProcess>();

/** SIGKILLs every child started here that is still running. */
export function killAll(): void {
  for (const child of live) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  live.clear();
  killAllChildren();
}

function track(child: ChildProcess): ChildProcess {
  live.add(child);
  child.on('exit', () => live.delete(child));
  return child;
}

export interface RunResult {
  code: number | null;
  signal: string | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  /** Bytes seen on stdout (counted even when not kept). */
  stdoutBytes: number;
  /** ms from spawn to exit. */
  ms: number;
  /** ms from spawn to the first stdout byte, or null. */
  firstStdoutMs: number | null;
}

export interface RunOptions {
  timeoutMs: number;
  env?: Record<string, string>;
  /** Keep stdout as a string (default true); false only counts its bytes. */
  keepStdout?: boolean;
  /** Called once per stdout line (only when keepStdout). */
  onLine?: (line: string) => void;
}

/** Runs a command to completion; SIGKILL after timeoutMs. Never rejects on a bad exit: check code. */
export function run(command: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  const keep = options.keepStdout ?? true;
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = track(spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } }));
    let stdout = '';
    let stderr = '';
    let stdoutBytes = 0;
    let firstStdoutMs: number | null = null;
    let timedOut = false;
    let partial = '';
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.stdout!.on('data', (chunk: Buffer) => {
      firstStdoutMs ??= performance.now() - start;
      stdoutBytes += chunk.length;
      if (!keep) return;
      const text = chunk.toString();
      stdout += text;
      if (options.onLine !== undefined) {
        partial += text;
        let nl;
        while ((nl = partial.indexOf('\n')) >= 0) {
          options.onLine(partial.slice(0, nl));
          partial = partial.slice(nl + 1);
        }
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      if (stderr.length < 64 * 1024) stderr += chunk.toString();
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, timedOut, stdout, stderr, stdoutBytes, ms: performance.now() - start, firstStdoutMs });
    });
  });
}

/** The last line of stdout that parses as a JSON object, or throws with the child's output. */
export function lastJson<T>(result: RunResult, what: string): T {
  const lines = result.stdout.trim().split('\n').reverse();
  for (const line of lines) {
    if (line.startsWith('{')) return JSON.parse(line) as T;
  }
  throw new Error(`${what}: no result (exit ${result.code}${result.timedOut ? ', timed out' : ''})\n${result.stdout.slice(-2000)}\n${result.stderr.slice(-2000)}`);
}

export type { BrokerProcess } from '../test/helpers/processes.ts';

/** `samsa start --port 0 --data-dir DIR` from `entry`, through the tests' one process helper; resolves on the ready line. */
export function startBrokerProcess(
  entry: Entry,
  dataDir: string,
  options: { nodeArgs?: string[]; overrides?: string[]; env?: Record<string, string>; maxLifeMs: number },
): Promise<BrokerProcess> {
  const overrides = Object.fromEntries((options.overrides ?? []).map((o) => [o.slice(0, o.indexOf('=')), o.slice(o.indexOf('=') + 1)]));
  return startBrokerProcessShared(dataDir, overrides, 0, {
    entry: CLI[entry], nodeArgs: options.nodeArgs, env: options.env, maxLifeMs: options.maxLifeMs, readyTimeoutMs: 20_000,
  });
}

export interface MemStatus {
  rssMB: number;
  hwmMB: number;
  anonMB: number;
  fileMB: number;
}

/** VmRSS, VmHWM (peak RSS), RssAnon and RssFile of a process, in MiB. */
export function memStatus(pid: number): MemStatus | null {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? NaN) / 1024;
  return { rssMB: kb('VmRSS'), hwmMB: kb('VmHWM'), anonMB: kb('RssAnon'), fileMB: kb('RssFile') };
}

const CLOCK_TICKS = 100;

/** User and system CPU seconds a process (all its threads) has used so far. */
export function cpuTimes(pid: number): { user: number; sys: number } {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { user: Number(fields[11]) / CLOCK_TICKS, sys: Number(fields[12]) / CLOCK_TICKS };
  } catch {
    return { user: NaN, sys: NaN };
  }
}

/** User + system CPU seconds a process has used so far. */
export function cpuSeconds(pid: number): number {
  const t = cpuTimes(pid);
  return t.user + t.sys;
}

/** Samples VmRSS every 50 ms until stopped; returns the highest value seen (MiB). */
export function rssSampler(pid: number): { stop(): number } {
  let peak = 0;
  const sample = (): void => {
    const s = memStatus(pid);
    if (s !== null && s.rssMB > peak) peak = s.rssMB;
  };
  sample();
  const timer = setInterval(sample, 50);
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      return peak;
    },
  };
}

/** A file of `count` lines of `size` bytes ('x'), for kcat -P -l. */
export function recordFile(dir: string, size: number, count: number): string {
  const file = join(dir, `records-${size}.txt`);
  const line = Buffer.alloc(size + 1, 'x');
  line[size] = 0x0a;
  const fd = fs.openSync(file, 'w');
  const chunk = Buffer.concat(Array.from({ length: 1000 }, () => line));
  for (let i = 0; i < count / 1000; i++) fs.writeSync(fd, chunk);
  fs.closeSync(fd);
  return file;
}
