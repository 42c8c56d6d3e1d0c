/**
 * Fault injection against a 3-node cluster of real `samsa start` processes.
 *
 * Everything runs inside one network (and mount) namespace the harness
 * creates: a holder process (`unshare --net --mount --fork … sleep`) owns
 * it, and every node, client and iptables command enters it with nsenter.
 * The test process itself stays outside and never connects to a node: all
 * client work is test/faults/workload.py (librdkafka) run in the namespace.
 *
 * Each node runs as its own uid (20000 + id), so that iptables can tell the
 * nodes apart on loopback with `-m owner --uid-owner`: a partition between
 * A and B drops TCP packets from uid(A) to B's ports and from uid(B) to A's,
 * which stalls existing connections and blocks new ones both ways while
 * clients (root) still reach every node. Clients that must not reach some
 * nodes run as their own uid too (`restrictClient`).
 *
 * Every process is started through `setpriv --pdeathsig KILL`, so nothing
 * outlives the test process even when it is killed; `stop()` kills them
 * all (and the holder) explicitly anyway.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, type RunResult } from '../helpers/processes.ts';
import { compareReplicas, readReplicaLog, type Ack, type CommitAck, type ReadRecord, type ReplicaLog, type TxnOutcome } from './checker.ts';
import { until as untilShared, type UntilOptions } from '../helpers/until.ts';

export const PYTHON = '/usr/bin/python3';
export const WORKLOAD = join(import.meta.dirname, 'workload.py');
const REPO = join(import.meta.dirname, '..', '..');
const CLI = join(REPO, 'src', 'cli', 'main.ts');
const HOST = '127.0.0.1';

export const NODE_IDS = [1, 2, 3] as const;
const UID_BASE = 20000;
/** Client uids that `restrictClient` may use; nodes are UID_BASE + 1..3. */
export const CLIENT_UID_MIN = UID_BASE + 100;
const CLIENT_PORT_BASE = 19092;
const CONTROLLER_PORT_BASE = 19192;
const NEMESIS_CHAIN = 'SAMSA_NEMESIS';
const CLIENTS_CHAIN = 'SAMSA_CLIENTS';

const READY_TIMEOUT_MS = 30_000;
const EXIT_TIMEOUT_MS = 10_000;
const COMMAND_TIMEOUT_MS = 15_000;
const QUERY_TIMEOUT_MS = 30_000;
/** The holder lives until killed: it dies with this process (pdeathsig) or in stop(). */
const HOLDER_SLEEP = 'infinity';
/**
 * With only 127.0.0.1 configured, glibc's getaddrinfo(AI_ADDRCONFIG, AF_INET)
 * (librdkafka's lookup with broker.address.family=v4) finds no address at
 * all: the namespace gets one more IPv4 address, as any host has.
 */
const NAMESPACE_ADDRESS = '10.254.0.1/32';
const LOG_LINES_MAX = 100_000;
const DUMP_TAIL_LINES = 40;
const POLL_INTERVAL_MS = 250;
export const ARTIFACTS_DIR = join(tmpdir(), 'samsa-faults-logs');

/**
 * Failover in test time (the values of test/cluster/cluster.test.ts), and a
 * follower that stops fetching leaves the ISR after 3 s instead of 30.
 */
/** How long a read-back may wait for a new leader's high watermark to catch up with what was acknowledged. */
const SETTLE_TIMEOUT_MS = 15_000;

export const FAST_CONFIG: Record<string, string> = {
  'controller.quorum.election.timeout.ms': '400',
  'controller.quorum.fetch.timeout.ms': '800',
  'broker.heartbeat.interval.ms': '200',
  'broker.session.timeout.ms': '1500',
  'metadata.log.max.record.bytes.between.snapshots': '4096',
  'num.partitions': '3',
  'offsets.topic.num.partitions': '6',
  'transaction.state.log.num.partitions': '6',
  'group.initial.rebalance.delay.ms': '0',
  'leader.imbalance.check.interval.seconds': '1',
  'replica.lag.time.max.ms': '3000',
};

// ---------------------------------------------------------------- polling

export type { UntilOptions };

/** The harness polls slower than unit tests: its checks ask real processes over the network. */
export function until<T>(what: string, check: () => T | null | undefined | false | Promise<T | null | undefined | false>, options: UntilOptions = {}): Promise<T> {
  return untilShared(what, check, { intervalMs: POLL_INTERVAL_MS, ...options });
}

function clock(): string {
  return new Date().toISOString().slice(11, 23);
}

// ---------------------------------------------------------------- namespace

export interface EnterOptions {
  /** Run as this uid (and gid); root when absent. */
  uid?: number;
  /** Also enter the holder's mount namespace (for the nodes: a tmpfs data dir lives there). */
  mount?: boolean;
}

/** The namespace holder and the way into it. */
export class Namespace {
  private readonly holder: ChildProcess;
  private readonly children = new Set<ChildProcess>();

  private constructor(holder: ChildProcess) {
    this.holder = holder;
  }

  static async create(): Promise<Namespace> {
    // setpriv execs unshare (same pid), which dies with this process; --kill-child takes its sleep along.
    const holder = spawn('setpriv', [
      '--pdeathsig', 'KILL', '--', 'unshare', '--net', '--mount', '--fork', '--kill-child',
      'sh', '-c', `ip link set lo up && ip addr add ${NAMESPACE_ADDRESS} dev lo && exec sleep ${HOLDER_SLEEP}`,
    ], { stdio: 'ignore' });
    const ns = new Namespace(holder);
    try {
      await until('the namespace holder to bring loopback up', async () => {
        if (holder.exitCode !== null) throw new Error(`unshare exited with ${holder.exitCode}`);
        const r = await ns.run('ip', ['-o', 'addr', 'show', 'lo']);
        return r.code === 0 && r.stdout.includes(NAMESPACE_ADDRESS);
      }, { timeoutMs: 10_000, intervalMs: 50 });
      await ns.sh(`iptables -N ${NEMESIS_CHAIN} && iptables -N ${CLIENTS_CHAIN} && iptables -A OUTPUT -j ${NEMESIS_CHAIN} && iptables -A OUTPUT -j ${CLIENTS_CHAIN}`);
    } catch (e) {
      ns.kill();
      throw e;
    }
    return ns;
  }

  get pid(): number {
    return this.holder.pid!;
  }

  /** A path as the processes in the namespace see it (a tmpfs mounted in there included), for reading from outside. */
  hostPath(path: string): string {
    return `/proc/${this.pid}/root${path}`;
  }

  private argv(command: string, args: readonly string[], options: EnterOptions): string[] {
    const enter = [`--net=/proc/${this.pid}/ns/net`, ...(options.mount ? [`--mount=/proc/${this.pid}/ns/mnt`] : []), `--wd=${REPO}`];
    const ids = options.uid === undefined ? [] : ['--reuid', String(options.uid), '--regid', String(options.uid), '--clear-groups'];
    // nsenter does not fork (no pid namespace), so the child's pid is the command's own.
    return [...enter, '--', 'setpriv', '--pdeathsig', 'KILL', ...ids, '--', command, ...args];
  }

  /** Starts a long-running command in the namespace; tracked, killed by `kill()`. */
  spawn(command: string, args: readonly string[], options: EnterOptions = {}, env: Record<string, string> = {}): ChildProcess {
    const child = spawn('nsenter', this.argv(command, args, options), { stdio: 'pipe', env: { ...process.env, ...env } });
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    return child;
  }

  /** Runs a command in the namespace to completion, bounded in time. */
  run(command: string, args: readonly string[], options: EnterOptions & { input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
    return run('nsenter', this.argv(command, args, options), { input: options.input, timeoutMs: options.timeoutMs ?? COMMAND_TIMEOUT_MS });
  }

  /** A shell command that must succeed (iptables, mount). */
  async sh(script: string, options: EnterOptions = {}): Promise<void> {
    const r = await this.run('sh', ['-c', script], options);
    if (r.code !== 0) throw new Error(`in the namespace, '${script}' exited ${r.code}: ${r.stderr.trim()}`);
  }

  /** Replaces nothing, appends atomically: iptables-restore --noflush with one COMMIT. */
  async addRules(chain: 'nemesis' | 'clients', rules: readonly string[]): Promise<void> {
    if (rules.length === 0) return;
    const name = chain === 'nemesis' ? NEMESIS_CHAIN : CLIENTS_CHAIN;
    const input = `*filter\n${rules.map((r) => `-A ${name} ${r}`).join('\n')}\nCOMMIT\n`;
    const r = await this.run('iptables-restore', ['--noflush'], { input });
    if (r.code !== 0) throw new Error(`iptables-restore exited ${r.code}: ${r.stderr.trim()}\n${input}`);
  }

  async flushRules(chain: 'nemesis' | 'clients'): Promise<void> {
    await this.sh(`iptables -F ${chain === 'nemesis' ? NEMESIS_CHAIN : CLIENTS_CHAIN}`);
  }

  /** SIGKILL to every process started in here and to the holder (its sleep dies with it). */
  kill(): void {
    for (const child of this.children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    this.children.clear();
    if (this.holder.exitCode === null && this.holder.signalCode === null) this.holder.kill('SIGKILL');
  }

  async killAndWait(): Promise<void> {
    const exits = [...this.children, this.holder].map((c) => exited(c, EXIT_TIMEOUT_MS));
    this.kill();
    await Promise.all(exits);
  }
}

/** Resolves when the child has exited (at once if it already has), or after `timeoutMs` regardless. */
function exited(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function onLines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let buffered = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buffered += chunk;
    for (let at = buffered.indexOf('\n'); at >= 0; at = buffered.indexOf('\n')) {
      onLine(buffered.slice(0, at));
      buffered = buffered.slice(at + 1);
    }
  });
}

// ---------------------------------------------------------------- workloads

export type WorkloadEvent = Record<string, unknown> & { ev: string };

/** How much of a workload's stderr is kept (librdkafka's debug output, when asked for, goes there). */
const STDERR_TAIL_CHARS = 4_000_000;

/** One workload.py process: its JSON events as they arrive, "stop" on request. */
export class Workload {
  readonly events: WorkloadEvent[] = [];
  readonly done: Promise<RunResult>;
  private readonly child: ChildProcess;
  private stderr = '';

  constructor(ns: Namespace, command: Record<string, unknown>, options: EnterOptions = {}) {
    this.child = ns.spawn(PYTHON, [WORKLOAD], options);
    let stdout = '';
    onLines(this.child.stdout!, (line) => {
      stdout += `${line}\n`;
      if (line.trim() === '') return;
      try {
        this.events.push(JSON.parse(line) as WorkloadEvent);
      } catch {
        this.events.push({ ev: 'unparsed', line });
      }
    });
    this.child.stderr!.setEncoding('utf8').on('data', (s: string) => (this.stderr = (this.stderr + s).slice(-STDERR_TAIL_CHARS)));
    this.child.stdin!.on('error', () => undefined);
    this.child.stdin!.write(`${JSON.stringify(command)}\n`);
    this.done = new Promise((resolve) => this.child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr: this.stderr })));
  }

  /** The last STDERR_TAIL_CHARS of what it wrote to stderr. */
  get stderrTail(): string {
    return this.stderr;
  }

  of(kind: string): WorkloadEvent[] {
    return this.events.filter((e) => e.ev === kind);
  }

  stop(): void {
    if (this.child.stdin!.writable) this.child.stdin!.write('stop\n');
  }

  /** Lets a producer started with `start_on_go` send. */
  go(): void {
    if (this.child.stdin!.writable) this.child.stdin!.write('go\n');
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  /** Asks it to stop and waits (bounded) for it to flush and exit; SIGKILL past the bound. */
  async finish(timeoutMs: number): Promise<RunResult> {
    this.stop();
    const timer = setTimeout(() => this.kill(), timeoutMs);
    try {
      return await this.done;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Runs a one-answer workload op (metadata, read_all, committed, create_topics) and returns its event. */
export async function query(ns: Namespace, command: Record<string, unknown>, options: EnterOptions = {}, timeoutMs = QUERY_TIMEOUT_MS): Promise<WorkloadEvent> {
  const w = new Workload(ns, command, options);
  const timer = setTimeout(() => w.kill(), timeoutMs);
  const r = await w.done;
  clearTimeout(timer);
  const answer = w.events.at(-1);
  if (answer === undefined || answer.ev === 'op_error') {
    throw new Error(`workload ${String(command.op)} exited ${r.code ?? r.signal}: ${answer === undefined ? r.stderr.trim().slice(-2000) : JSON.stringify(answer)}`);
  }
  return answer;
}

/** librdkafka settings of every producer here: idempotent, acks=all, quick to reconnect and to refresh metadata. */
export const IDEMPOTENT_PRODUCER: Record<string, unknown> = {
  'enable.idempotence': true, acks: 'all', 'linger.ms': 5, 'max.in.flight.requests.per.connection': 5,
  'reconnect.backoff.ms': 50, 'reconnect.backoff.max.ms': 500, 'topic.metadata.refresh.interval.ms': 1000,
  'retry.backoff.ms': 100,
};

/** The transactions a txn_produce workload ended, with the outcome it was told. */
export function transactionsOf(w: Workload): TxnOutcome[] {
  return w.of('txn').map((e) => ({ k: e.k as number, outcome: e.outcome as TxnOutcome['outcome'], values: e.values as string[] }));
}

export function acksOf(w: Workload): Ack[] {
  return w.of('ack').map((e) => ({ value: e.v as string, partition: e.p as number, offset: (e.o as number | null) ?? null, atMs: e.ms as number }));
}

export interface DeliveryFailure {
  value: string;
  partition: number;
  error: string;
  message: string;
  atMs: number;
}

export function failuresOf(w: Workload): DeliveryFailure[] {
  return w.of('fail').map((e) => ({ value: e.v as string, partition: e.p as number, error: e.error as string, message: e.message as string, atMs: e.ms as number }));
}

/** Errors librdkafka reported outside any one delivery (error_cb), fatal ones included. */
export function clientErrorsOf(w: Workload): { error: string; message: string; fatal: boolean; atMs: number }[] {
  return w.of('client_error').map((e) => ({ error: e.error as string, message: e.message as string, fatal: e.fatal === true, atMs: e.ms as number }));
}

/** Produce requests the producer has sent to one node so far (librdkafka's statistics, sampled every 500 ms). */
export function produceRequestsTo(w: Workload, node: number): number {
  const sent = w.of('stats').at(-1)?.produce_requests as Record<string, number> | undefined;
  return sent?.[String(node)] ?? 0;
}

/** librdkafka's idempotence state: 'Assigned' once the producer has its producer id. */
export function idempotenceStateOf(w: Workload): string | null {
  return (w.of('stats').at(-1)?.idemp_state as string | undefined) ?? null;
}

export function commitAcksOf(w: Workload): CommitAck[] {
  return w.of('commit').map((e) => ({ partition: e.p as number, offset: e.o as number, atMs: e.ms as number }));
}

/** Counts of events by kind and error name, for assertion messages. */
export function summarize(w: Workload): string {
  const counts = new Map<string, number>();
  for (const e of w.events) {
    if (e.ev === 'stats') continue;
    const key = typeof e.error === 'string' ? `${e.ev}:${e.error}` : e.ev;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const stats = w.of('stats').at(-1);
  const requests = stats === undefined ? '' : ` produce_requests=${JSON.stringify(stats.produce_requests)}`;
  return [...counts].map(([k, n]) => `${k}=${n}`).join(' ') + requests;
}

// ---------------------------------------------------------------- cluster

export interface FaultNode {
  readonly id: number;
  readonly uid: number;
  readonly port: number;
  readonly controllerPort: number;
  readonly dataDir: string;
}

export interface PartitionState {
  leader: number;
  replicas: number[];
  isr: number[];
}

export interface Metadata {
  controller: number;
  brokers: number[];
  topics: Record<string, { error: unknown; partitions: Record<string, PartitionState & { error: unknown }> }>;
}

export interface FaultClusterOptions {
  /** Names the artifacts directory of a failure dump. */
  name: string;
  config?: Record<string, string>;
  /** Put this node's data dir on a tmpfs of this size, mounted in the namespace only. */
  tmpfs?: { node: number; sizeMb: number };
}

export type NemesisKind = 'kill9' | 'restart' | 'pause' | 'resume' | 'isolate' | 'partition' | 'heal';

export interface NemesisEvent {
  atMs: number;
  kind: NemesisKind;
  nodes: number[];
}

interface RunningNode {
  child: ChildProcess;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  paused: boolean;
}

export class FaultCluster {
  readonly ns: Namespace;
  readonly nodes: readonly FaultNode[];
  readonly nemesis: NemesisEvent[] = [];
  private readonly root: string;
  private readonly options: FaultClusterOptions;
  private readonly running = new Map<number, RunningNode>();
  private readonly logs = new Map<number, string[]>();
  /** Workloads started through `workload()`, by file name, for `dump`. */
  private readonly workloads = new Map<string, Workload>();
  /** Unordered node pairs whose traffic is dropped now, as "a-b" with a < b. */
  private readonly cut = new Set<string>();

  private constructor(ns: Namespace, root: string, options: FaultClusterOptions) {
    this.ns = ns;
    this.root = root;
    this.options = options;
    this.nodes = NODE_IDS.map((id) => ({
      id, uid: UID_BASE + id, port: CLIENT_PORT_BASE + id, controllerPort: CONTROLLER_PORT_BASE + id, dataDir: join(root, `node-${id}`),
    }));
  }

  /** Creates the namespace and the data dirs, starts the three nodes and waits for each one's ready line. */
  static async start(options: FaultClusterOptions): Promise<FaultCluster> {
    const root = mkdtempSync(join(tmpdir(), 'samsa-faults-'));
    // The nodes' uids must reach their data dirs.
    chmodSync(root, 0o755);
    const ns = await Namespace.create().catch((e: unknown) => {
      rmSync(root, { recursive: true, force: true });
      throw e;
    });
    const cluster = new FaultCluster(ns, root, options);
    try {
      for (const n of cluster.nodes) {
        mkdirSync(n.dataDir);
        chownSync(n.dataDir, n.uid, n.uid);
      }
      if (options.tmpfs !== undefined) {
        const n = cluster.node(options.tmpfs.node);
        await ns.sh(`mount -t tmpfs -o size=${options.tmpfs.sizeMb}m,mode=0755,uid=${n.uid},gid=${n.uid} samsa-faults ${n.dataDir}`, { mount: true });
      }
      await Promise.all(cluster.nodes.map((n) => cluster.startNode(n.id)));
    } catch (e) {
      await cluster.dump(`start-failed`);
      await cluster.stop();
      throw e;
    }
    return cluster;
  }

  node(id: number): FaultNode {
    const n = this.nodes.find((x) => x.id === id);
    if (n === undefined) throw new Error(`no node ${id}`);
    return n;
  }

  get voters(): string {
    return this.nodes.map((n) => `${n.id}@${HOST}:${n.controllerPort}`).join(',');
  }

  bootstrap(ids: readonly number[] = NODE_IDS): string {
    return ids.map((id) => `${HOST}:${this.node(id).port}`).join(',');
  }

  others(id: number): number[] {
    return NODE_IDS.filter((x) => x !== id);
  }

  isRunning(id: number): boolean {
    const r = this.running.get(id);
    return r !== undefined && r.child.exitCode === null && r.child.signalCode === null;
  }

  isPaused(id: number): boolean {
    return this.running.get(id)?.paused === true;
  }

  pid(id: number): number | null {
    return this.isRunning(id) ? this.running.get(id)!.child.pid ?? null : null;
  }

  /** How the node's last process ended, or null while it runs. */
  async exitOf(id: number): Promise<{ code: number | null; signal: NodeJS.Signals | null } | null> {
    const r = this.running.get(id);
    if (r === undefined || this.isRunning(id)) return null;
    return r.exit;
  }

  logOf(id: number): readonly string[] {
    return this.logs.get(id) ?? [];
  }

  private log(id: number, line: string): void {
    const lines = this.logs.get(id) ?? [];
    if (lines.length >= LOG_LINES_MAX) lines.splice(0, lines.length - LOG_LINES_MAX + 1);
    lines.push(`${clock()} ${line}`);
    this.logs.set(id, lines);
  }

  private record(kind: NemesisKind, nodes: number[]): void {
    this.nemesis.push({ atMs: Date.now(), kind, nodes });
    for (const id of NODE_IDS) this.log(id, `=== nemesis: ${kind} ${nodes.join(',')}`);
  }

  /** Starts the node's process as its uid; resolves on its ready line. */
  startNode(id: number): Promise<void> {
    if (this.isRunning(id)) return Promise.resolve();
    const n = this.node(id);
    const overrides: Record<string, string> = {
      'node.id': String(id),
      'process.roles': 'broker,controller',
      listeners: `PLAINTEXT://${HOST}:${n.port},CONTROLLER://${HOST}:${n.controllerPort}`,
      'controller.listener.names': 'CONTROLLER',
      'controller.quorum.voters': this.voters,
      'log.dirs': n.dataDir,
      'metrics.listener': '',
      'console.listener': '',
      ...FAST_CONFIG,
      ...this.options.config,
    };
    const args = [CLI, 'start', ...Object.entries(overrides).flatMap(([k, v]) => ['--override', `${k}=${v}`])];
    const child = this.ns.spawn(process.execPath, args, { uid: n.uid, mount: true }, { SAMSA_DEBUG_RAFT: '1', HOME: n.dataDir });
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => {
      this.log(id, `=== process ${child.pid} exited (${signal ?? code})`);
      resolve({ code, signal });
    }));
    this.running.set(id, { child, exit, paused: false });
    this.log(id, `=== starting process ${child.pid}`);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`node ${id} was not ready within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
      onLines(child.stdout!, (line) => {
        this.log(id, line);
        if (line.startsWith('samsa ready on')) {
          clearTimeout(timer);
          resolve();
        }
      });
      onLines(child.stderr!, (line) => this.log(id, line));
      void exit.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`node ${id} exited (${signal ?? code}) before it was ready`));
      });
    });
  }

  /** kill -9: whatever the node had not fsynced is gone. */
  async kill9(id: number): Promise<void> {
    this.record('kill9', [id]);
    const r = this.running.get(id);
    if (r === undefined || !this.isRunning(id)) return;
    r.child.kill('SIGKILL');
    await r.exit;
  }

  async restart(id: number): Promise<void> {
    this.record('restart', [id]);
    await this.startNode(id);
  }

  /** SIGSTOP: the process stays, its sockets stay open, it answers nothing. */
  pause(id: number): void {
    const r = this.running.get(id);
    if (r === undefined || !this.isRunning(id)) throw new Error(`node ${id} is not running`);
    this.record('pause', [id]);
    r.child.kill('SIGSTOP');
    r.paused = true;
  }

  resume(id: number): void {
    const r = this.running.get(id);
    if (r === undefined || !this.isRunning(id)) return;
    this.record('resume', [id]);
    r.child.kill('SIGCONT');
    r.paused = false;
  }

  /** Drops node↔node traffic (client and controller ports, both ways); clients reach both. */
  async partition(a: number, b: number): Promise<void> {
    this.record('partition', [a, b]);
    await this.cutPairs([[a, b]]);
  }

  /** Cuts the node from both others. */
  async isolate(id: number): Promise<void> {
    this.record('isolate', [id]);
    await this.cutPairs(this.others(id).map((o) => [id, o] as [number, number]));
  }

  private async cutPairs(pairs: readonly [number, number][]): Promise<void> {
    const rules: string[] = [];
    for (const [a, b] of pairs) {
      const key = `${Math.min(a, b)}-${Math.max(a, b)}`;
      if (this.cut.has(key)) continue;
      this.cut.add(key);
      rules.push(...this.dropRules(this.node(a).uid, b), ...this.dropRules(this.node(b).uid, a));
    }
    await this.ns.addRules('nemesis', rules);
  }

  private dropRules(fromUid: number, to: number): string[] {
    const n = this.node(to);
    return [n.port, n.controllerPort].map((port) => `-p tcp -d ${HOST} --dport ${port} -m owner --uid-owner ${fromUid} -j DROP`);
  }

  /** Node pairs cut now, e.g. ["1-2", "1-3"]. */
  get partitions(): string[] {
    return [...this.cut].sort();
  }

  /** Removes every partition (not the client restrictions). */
  async heal(): Promise<void> {
    this.record('heal', []);
    this.cut.clear();
    await this.ns.flushRules('nemesis');
  }

  /** Client uid `uid` (≥ CLIENT_UID_MIN) can no longer reach these nodes' client ports. */
  async restrictClient(uid: number, unreachable: readonly number[]): Promise<void> {
    if (uid < CLIENT_UID_MIN) throw new Error(`client uid ${uid} is below ${CLIENT_UID_MIN}`);
    await this.ns.addRules('clients', unreachable.map((id) => `-p tcp -d ${HOST} --dport ${this.node(id).port} -m owner --uid-owner ${uid} -j DROP`));
  }

  async unrestrictClients(): Promise<void> {
    await this.ns.flushRules('clients');
  }

  /** A workload.py process in the namespace (as root unless a client uid is given); its events go into `dump`. */
  workload(command: Record<string, unknown>, uid?: number): Workload {
    const w = new Workload(this.ns, command, { uid });
    const label = [command.op, command.tag ?? command.group].filter((x) => x !== undefined).join('-');
    this.workloads.set(`workload-${this.workloads.size + 1}-${String(label)}`, w);
    return w;
  }

  query(command: Record<string, unknown>, uid?: number, timeoutMs?: number): Promise<WorkloadEvent> {
    return query(this.ns, command, { uid }, timeoutMs);
  }

  /** Metadata as answered through these nodes (a fresh librdkafka client each time). */
  async metadata(via: readonly number[] = NODE_IDS, uid?: number): Promise<Metadata> {
    return (await this.query({ op: 'metadata', bootstrap: this.bootstrap(via) }, uid)) as unknown as Metadata;
  }

  async partitionState(topic: string, partition: number, via: readonly number[] = NODE_IDS): Promise<PartitionState | null> {
    const p = (await this.metadata(via)).topics[topic]?.partitions[String(partition)];
    return p === undefined ? null : { leader: p.leader, replicas: p.replicas, isr: [...p.isr].sort() };
  }

  async createTopic(name: string, partitions: number, config: Record<string, string> = {}): Promise<void> {
    const answer = await this.query({ op: 'create_topics', bootstrap: this.bootstrap(), topics: [{ name, partitions, replication: 3, config }] });
    const error = (answer.results as Record<string, unknown>)[name];
    if (error !== null) throw new Error(`creating ${name}: ${JSON.stringify(error)}`);
    await until(`every partition of ${name} led, with three replicas in sync`, async () => {
      const t = (await this.metadata()).topics[name];
      const ps = t === undefined ? [] : Object.values(t.partitions);
      return ps.length === partitions && ps.every((p) => p.leader > 0 && p.isr.length === 3);
    });
  }

  /** Waits until nodes `via` agree that the partition has a leader matching `accept`; returns its state. */
  waitForLeader(topic: string, partition: number, accept: (leader: number, state: PartitionState) => boolean, via: readonly number[] = NODE_IDS, timeoutMs = 30_000): Promise<PartitionState> {
    return until(`a leader for ${topic}-${partition} as seen through ${via.join(',')}`, async () => {
      const states = await Promise.all(via.map((id) => this.partitionState(topic, partition, [id])));
      const first = states[0];
      if (first === null || first === undefined || first.leader <= 0) return null;
      const agree = states.every((s) => s !== null && s.leader === first.leader);
      return agree && accept(first.leader, first) ? first : null;
    }, { timeoutMs });
  }

  /** Every record of the topic's partitions, read from the beginning to the high watermark (through `via`; `uid` for a restricted client). */
  /**
   * Reads until `settled` accepts what was read (or SETTLE_TIMEOUT_MS passes) and returns the last read. A
   * leader that just took over serves up to its own high watermark, which may trail what its predecessor had
   * acknowledged until its followers fetch again (as in Kafka): a record missing from one read right after a
   * leader change is only not visible yet. A record really lost stays missing and fails the check.
   */
  async readAllSettled(
    topic: string, partitions: readonly number[], settled: (records: ReadRecord[]) => boolean, via: readonly number[] = NODE_IDS, uid?: number,
    isolation: 'read_committed' | 'read_uncommitted' = 'read_committed',
  ): Promise<ReadRecord[]> {
    let last: ReadRecord[] = [];
    await until(`${topic} read back with every acknowledged record`, async () => {
      last = await this.readAll(topic, partitions, via, uid, isolation);
      return settled(last);
    }, { timeoutMs: SETTLE_TIMEOUT_MS, intervalMs: 500 }).catch(() => undefined);
    return last;
  }

  async readAll(
    topic: string, partitions: readonly number[], via: readonly number[] = NODE_IDS, uid?: number,
    isolation: 'read_committed' | 'read_uncommitted' = 'read_committed',
  ): Promise<ReadRecord[]> {
    const answer = await this.query({ op: 'read_all', bootstrap: this.bootstrap(via), topic, partitions, timeout: 45, isolation }, uid, 60_000);
    const unfinished = answer.unfinished as number[];
    if (unfinished.length > 0) throw new Error(`could not read ${topic} partitions ${unfinished.join(',')} to their end: ${JSON.stringify(answer.errors)}`);
    return (answer.records as [number, number, string][]).map(([partition, offset, value]) => ({ partition, offset, value }));
  }

  /** The group's committed offsets by partition, as its coordinator answers now; `uid` for a restricted client. */
  async committed(group: string, topic: string, partitions: readonly number[], via: readonly number[] = NODE_IDS, uid?: number): Promise<Map<number, number>> {
    const answer = await this.query({ op: 'committed', bootstrap: this.bootstrap(via), group, topic, partitions, timeout: 20 }, uid);
    if (answer.offsets === null) throw new Error(`reading ${group}'s committed offsets: ${answer.error} ${answer.message}`);
    return new Map(Object.entries(answer.offsets as Record<string, number>).map(([p, o]) => [Number(p), o]));
  }

  /** Each running node's copy of the partition, read from its data dir. */
  replicaLogs(topic: string, partition: number, nodes: readonly number[] = NODE_IDS): Map<number, ReplicaLog> {
    return new Map(nodes.map((id) => [id, readReplicaLog(this.partitionDir(id, topic, partition))]));
  }

  /** Waits (bounded) until every replica of each partition holds the same batches; throws with the differences. */
  async waitForIdenticalReplicas(topic: string, partitions: readonly number[], prefixOnly: readonly number[] = [], timeoutMs = 30_000): Promise<void> {
    let differences: string[] = [];
    await until(`identical replicas of ${topic}`, () => {
      differences = partitions.flatMap((p) => compareReplicas(this.replicaLogs(topic, p), prefixOnly).map((d) => `${topic}-${p}: ${d}`));
      return differences.length === 0;
    }, { timeoutMs, intervalMs: 500, context: () => differences.join('\n') });
  }

  /** The partition's directory in a node's data dir, readable from outside the namespace. */
  partitionDir(id: number, topic: string, partition: number): string {
    return this.ns.hostPath(join(this.node(id).dataDir, `${topic}-${partition}`));
  }

  /** Free bytes of the node's data dir's filesystem (its tmpfs when it has one). */
  freeBytes(id: number): number {
    const s = statfsSync(this.ns.hostPath(this.node(id).dataDir));
    return s.bavail * s.bsize;
  }

  /** The last lines of every node's log, for an error message. */
  tails(lines = DUMP_TAIL_LINES): string {
    return NODE_IDS.flatMap((id) => this.logOf(id).slice(-lines).map((l) => `[node ${id}] ${l}`)).join('\n');
  }

  /**
   * Writes every node's full log, the nemesis history and the events of
   * every long-running workload (one JSON line each) under ARTIFACTS_DIR;
   * returns the directory.
   */
  async dump(reason: string): Promise<string> {
    const dir = join(ARTIFACTS_DIR, `${this.options.name}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
    mkdirSync(dir, { recursive: true });
    for (const [name, w] of this.workloads) {
      writeFileSync(join(dir, `${name}.jsonl`), w.events.map((e) => `${JSON.stringify(e)}\n`).join(''));
      if (w.stderrTail !== '') writeFileSync(join(dir, `${name}.stderr`), w.stderrTail);
    }
    for (const id of NODE_IDS) writeFileSync(join(dir, `node-${id}.log`), `${this.logOf(id).join('\n')}\n`);
    writeFileSync(join(dir, 'nemesis.log'), `${reason}\n${this.nemesis.map((e) => `${new Date(e.atMs).toISOString()} ${e.kind} ${e.nodes.join(',')}`).join('\n')}\n`);
    return dir;
  }

  /** Kills every node and client, the holder with them, and removes the data. Safe to call twice. */
  async stop(): Promise<void> {
    for (const r of this.running.values()) {
      if (r.child.exitCode === null && r.child.signalCode === null) {
        r.child.kill('SIGKILL');
      }
    }
    await Promise.all([...this.running.values()].map((r) => exited(r.child, EXIT_TIMEOUT_MS)));
    await this.ns.killAndWait();
    rmSync(this.root, { recursive: true, force: true });
  }
}

/**
 * Runs `body` against a fresh cluster; on failure writes the node logs out
 * and adds their tails and location to the error (SAMSA_FAULTS_KEEP_LOGS=1:
 * writes them out on success too); always stops the cluster.
 */
export async function withCluster<T>(options: FaultClusterOptions, body: (cluster: FaultCluster) => Promise<T>): Promise<T> {
  const cluster = await FaultCluster.start(options);
  try {
    const result = await body(cluster);
    if (process.env.SAMSA_FAULTS_KEEP_LOGS) console.log(`node logs of ${options.name} in ${await cluster.dump('passed')}`);
    return result;
  } catch (e) {
    const dir = await cluster.dump(String(e));
    // A new error: an assertion's message was already rendered into its stack.
    throw new Error(`${e instanceof Error ? e.message : String(e)}\n--- node logs in ${dir}; last lines:\n${cluster.tails()}`, { cause: e });
  } finally {
    await cluster.stop();
  }
}
