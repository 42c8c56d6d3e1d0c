/**
 * Child processes for interop tests: third-party client tools (kcat, Python
 * confluent-kafka) and `samsa start` as a separate broker process. Every
 * child is bounded in time and tracked, so a test file's `after` can kill
 * whatever is still running. Always asynchronous: a test whose broker runs in
 * this process must never block the event loop waiting for a child.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const CLI = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');
const DEFAULT_TIMEOUT_MS = 20_000;
const READY_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 10_000;
/** A broker's stderr kept for error messages and assertions. */
const STDERR_KEPT_MAX = 4 * 1024 * 1024;

/** The Python that has confluent-kafka (Debian's python3-confluent-kafka), not whatever `python3` is first on PATH. */
export const PYTHON = '/usr/bin/python3';
export const KAFKA_TOOL = join(import.meta.dirname, '..', 'interop', 'python', 'kafka_tool.py');
/** The transactional side of confluent-kafka: test/interop/python/txn_tool.py. */
export const TXN_TOOL = join(import.meta.dirname, '..', 'interop', 'python', 'txn_tool.py');

const live = new Set<ChildProcess>();

/** Kills (SIGKILL) every child these helpers started that has not exited yet. */
export function killAllChildren(): void {
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  live.clear();
}

function track(child: ChildProcess): ChildProcess {
  live.add(child);
  child.on('exit', () => live.delete(child));
  return child;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  input?: string | Buffer;
  timeoutMs?: number;
  env?: Record<string, string>;
  cwd?: string;
}

/** Runs a command to completion (SIGKILL after the timeout, which is then an error). */
export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const child = track(spawn(command, args, { stdio: 'pipe', env: { ...process.env, ...options.env }, cwd: options.cwd }));
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) reject(new Error(`${command} ${args.join(' ')} timed out after ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
      else resolve({ code, signal, stdout, stderr });
    });
    child.stdin!.on('error', () => undefined);
    child.stdin!.end(options.input ?? '');
  });
}

/** Runs test/interop/python/kafka_tool.py with one JSON command and returns its JSON answer. */
export async function kafkaTool<T = Record<string, unknown>>(command: Record<string, unknown>, timeoutMs = DEFAULT_TIMEOUT_MS, script = KAFKA_TOOL): Promise<T> {
  const r = await run(PYTHON, [script], { input: `${JSON.stringify(command)}\n`, timeoutMs });
  if (r.code !== 0) throw new Error(`kafka_tool ${String(command.op)} exited ${r.code}: ${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as T;
}

/** Starts test/interop/python/kafka_tool.py and hands each JSON line it prints to `onLine` as it arrives. */
export function kafkaToolStream(
  command: Record<string, unknown>, onLine: (line: Record<string, unknown>) => void, options: { script?: string; keepStdinOpen?: boolean } = {},
): { child: ChildProcess; done: Promise<RunResult> } {
  const child = track(spawn(PYTHON, [options.script ?? KAFKA_TOOL], { stdio: 'pipe' }));
  let stdout = '';
  let stderr = '';
  let pending = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => {
    stdout += s;
    pending += s;
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      if (line.trim() !== '') onLine(JSON.parse(line) as Record<string, unknown>);
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  child.stdin!.on('error', () => undefined);
  // The command is one line; a tool that waits for more (a held transaction) gets stdin kept open.
  if (options.keepStdinOpen === true) child.stdin!.write(`${JSON.stringify(command)}\n`);
  else child.stdin!.end(JSON.stringify(command));
  const done = new Promise<RunResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}

export interface BrokerProcess {
  readonly bootstrap: string;
  readonly port: number;
  readonly pid: number;
  readonly child: ChildProcess;
  /** ms from spawn to the ready line on stdout. */
  readonly readyMs: number;
  /** Everything the process wrote to stderr so far (its log). */
  stderr(): string;
  /** SIGTERM and wait for a clean exit; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL, no chance to flush or write the clean-shutdown marker. */
  kill9(): Promise<void>;
}

export interface BrokerProcessOptions {
  /** The CLI module to run (default: src/cli/main.ts). */
  entry?: string;
  /** Node flags before the module (e.g. --cpu-prof). */
  nodeArgs?: string[];
  /** More `samsa start` flags (e.g. --log-format json). */
  startArgs?: string[];
  env?: Record<string, string>;
  /** SIGKILL after this long whatever happens (a benchmark's bound); default none. */
  maxLifeMs?: number;
  readyTimeoutMs?: number;
}

/** The one `samsa start --port P --data-dir DIR [--override k=v]...` process of tests and benchmarks; resolves once it prints its ready line. */
export function startBrokerProcess(dataDir: string, overrides: Record<string, string | null> = {}, port = 0, options: BrokerProcessOptions = {}): Promise<BrokerProcess> {
  const args = [...(options.nodeArgs ?? []), options.entry ?? CLI, 'start', '--port', String(port), '--data-dir', dataDir, ...(options.startArgs ?? [])];
  // No metrics or console listener unless asked (null leaves it to samsa's default): the default ports are the user's, not the tests'.
  for (const [k, v] of Object.entries({ 'metrics.listener': '', 'console.listener': '', ...overrides })) if (v !== null) args.push('--override', `${k}=${v}`);
  const started = performance.now();
  const child = track(spawn(process.execPath, args, { stdio: 'pipe', env: { ...process.env, ...options.env } }));
  const life = options.maxLifeMs === undefined ? null : setTimeout(() => child.kill('SIGKILL'), options.maxLifeMs);
  let stdout = '';
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => {
    if (stderr.length < STDERR_KEPT_MAX) stderr += s;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => {
    if (life !== null) clearTimeout(life);
    resolve(code);
  }));
  const readyTimeoutMs = options.readyTimeoutMs ?? READY_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`broker not ready in ${readyTimeoutMs} ms: ${stdout} ${stderr}`));
    }, readyTimeoutMs);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`broker exited with ${code} before it was ready: ${stderr}`));
    });
    child.stdout!.setEncoding('utf8').on('data', (s: string) => {
      stdout += s;
      const m = /samsa ready on (\S+):(\d+)/.exec(stdout);
      if (m === null) return;
      clearTimeout(timer);
      const bootstrap = `${m[1]}:${m[2]}`;
      resolve({
        bootstrap,
        port: Number(m[2]),
        pid: child.pid!,
        child,
        readyMs: performance.now() - started,
        stderr: () => stderr,
        async stop() {
          if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
          child.kill('SIGTERM');
          const t = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
          const code = await exited;
          clearTimeout(t);
          return code;
        },
        async kill9() {
          if (child.exitCode !== null || child.signalCode !== null) return;
          child.kill('SIGKILL');
          await exited;
        },
      });
    });
  });
}
