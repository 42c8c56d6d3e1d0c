/**
 * A cluster of real `samsa start` processes on this machine, for
 * development and tests: every node is broker and controller, with its own
 * client and controller ports and its own data directory under one root.
 * The plan (ports, ids) is kept in `<root>/cluster.json`, so starting the
 * same root again brings the same cluster back with its data.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { LOCAL_HOST, freePorts, localNodeConfig, localVoters, planLocalNodes } from '../server/local-nodes.ts';

// The CLI next to this module: main.ts when run from the sources, main.js in the built package.
const CLI = join(import.meta.dirname, `main${extname(import.meta.filename)}`);
const PLAN_FILE = 'cluster.json';
const READY_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 10_000;

export interface NodePlan {
  id: number;
  port: number;
  controllerPort: number;
  /** Where the node serves /metrics, /healthz and /readyz (absent in plans saved before metrics existed). */
  metricsPort?: number;
  /** Where the node serves the web console (absent in plans saved before the console existed). */
  consolePort?: number;
  dataDir: string;
}

export interface LocalClusterOptions {
  nodes: number;
  dataDir: string;
  /** Extra configs for every node, e.g. shorter timeouts in tests. */
  config?: Record<string, string>;
  /** Where each node's output lines go, prefixed with its id (default: dropped). */
  log?: (nodeId: number, line: string) => void;
  /** A node that was ready exited without being asked to (crashed, killed from outside). */
  onUnexpectedExit?: (nodeId: number, how: string) => void;
}

/** A node's data directory: always `node-<id>` under the root, wherever the command runs from. */
function nodeDir(root: string, id: number): string {
  return join(resolve(root), `node-${id}`);
}

async function planNodes(root: string, count: number): Promise<NodePlan[]> {
  const path = join(root, PLAN_FILE);
  if (existsSync(path)) {
    const saved = JSON.parse(readFileSync(path, 'utf8')) as NodePlan[];
    if (saved.length !== count) throw new Error(`${root} holds a cluster of ${saved.length} nodes, not ${count}`);
    // The saved dataDir may be relative to where an older version first ran: the layout under the root decides.
    const plan = saved.map((n) => ({ ...n, dataDir: nodeDir(root, n.id) }));
    if (plan.every((n) => n.metricsPort !== undefined && n.consolePort !== undefined)) return plan;
    const [metricsPorts, consolePorts] = await httpPorts(count);
    const upgraded = plan.map((n, i) => ({ ...n, metricsPort: n.metricsPort ?? metricsPorts[i]!, consolePort: n.consolePort ?? consolePorts[i]! }));
    writeFileSync(path, JSON.stringify(upgraded, null, 2));
    return upgraded;
  }
  const [metricsPorts, consolePorts] = await httpPorts(count);
  const plan: NodePlan[] = (await planLocalNodes(count)).map((n, i) => ({
    ...n, metricsPort: metricsPorts[i]!, consolePort: consolePorts[i]!, dataDir: nodeDir(root, n.id),
  }));
  mkdirSync(root, { recursive: true });
  writeFileSync(path, JSON.stringify(plan, null, 2));
  return plan;
}

/** A metrics port and a console port per node, all distinct (taken together so none repeats). */
async function httpPorts(count: number): Promise<[number[], number[]]> {
  const ports = await freePorts(2 * count);
  return [ports.slice(0, count), ports.slice(count)];
}

export class LocalCluster {
  readonly plan: readonly NodePlan[];
  private readonly options: LocalClusterOptions;
  private readonly children = new Map<number, ChildProcess>();
  /** Nodes this cluster is stopping or killing itself: their exits are expected. */
  private readonly stopping = new Set<ChildProcess>();

  private constructor(plan: NodePlan[], options: LocalClusterOptions) {
    this.plan = plan;
    this.options = options;
  }

  /** Plans (or reloads) the cluster under `dataDir` and starts every node. */
  static async start(options: LocalClusterOptions): Promise<LocalCluster> {
    const cluster = new LocalCluster(await planNodes(options.dataDir, options.nodes), options);
    try {
      await Promise.all(cluster.plan.map((n) => cluster.startNode(n.id)));
    } catch (e) {
      cluster.kill();
      throw e;
    }
    return cluster;
  }

  get bootstrap(): string {
    return this.plan.map((n) => `${LOCAL_HOST}:${n.port}`).join(',');
  }

  get voters(): string {
    return localVoters(this.plan);
  }

  node(id: number): NodePlan {
    const n = this.plan.find((p) => p.id === id);
    if (n === undefined) throw new Error(`no node ${id}`);
    return n;
  }

  /** The process id of a running node, else -1. */
  pidOf(id: number): number {
    return this.isRunning(id) ? this.children.get(id)!.pid ?? -1 : -1;
  }

  isRunning(id: number): boolean {
    const child = this.children.get(id);
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  /** Starts one node's process; resolves when it prints its ready line. */
  startNode(id: number): Promise<void> {
    const n = this.node(id);
    if (this.isRunning(id)) return Promise.resolve();
    const overrides: Record<string, string> = {
      ...localNodeConfig(n, this.voters),
      'log.dirs': n.dataDir,
      'metrics.listener': n.metricsPort === undefined ? '' : `http://${LOCAL_HOST}:${n.metricsPort}`,
      'console.listener': n.consolePort === undefined ? '' : `http://${LOCAL_HOST}:${n.consolePort}`,
      ...this.options.config,
    };
    const args = [CLI, 'start', ...Object.entries(overrides).flatMap(([k, v]) => ['--override', `${k}=${v}`])];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.children.set(id, child);
    return new Promise((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => finish(new Error(`node ${id} was not ready within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
      const finish = (error: Error | null): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error === null) resolve();
        else reject(error);
      };
      const lines = (stream: NodeJS.ReadableStream, onLine: (line: string) => void): void => {
        let buffered = '';
        stream.setEncoding('utf8');
        stream.on('data', (chunk: string) => {
          buffered += chunk;
          for (let at = buffered.indexOf('\n'); at >= 0; at = buffered.indexOf('\n')) {
            onLine(buffered.slice(0, at));
            buffered = buffered.slice(at + 1);
          }
        });
      };
      lines(child.stdout!, (line) => {
        this.options.log?.(id, line);
        if (!line.startsWith('samsa ready on')) return;
        finish(null);
        child.once('exit', (code, signal) => {
          if (!this.stopping.delete(child)) this.options.onUnexpectedExit?.(id, signal ?? `code ${code}`);
        });
      });
      lines(child.stderr!, (line) => this.options.log?.(id, line));
      child.once('exit', (code, signal) => finish(new Error(`node ${id} exited (${signal ?? code}) before it was ready`)));
    });
  }

  /** SIGKILL: the node loses whatever it had not fsynced. */
  killNode(id: number): Promise<void> {
    return this.signal(id, 'SIGKILL');
  }

  /** SIGTERM: a clean stop (controlled shutdown, quorum resignation). */
  stopNode(id: number): Promise<void> {
    return this.signal(id, 'SIGTERM');
  }

  private signal(id: number, signal: NodeJS.Signals): Promise<void> {
    const child = this.children.get(id);
    if (child === undefined || !this.isRunning(id)) return Promise.resolve();
    return new Promise((resolve) => {
      this.stopping.add(child);
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill(signal);
    });
  }

  async stop(): Promise<void> {
    await Promise.all(this.plan.map((n) => this.stopNode(n.id)));
  }

  /** Synchronous last resort (a test's `after`, a signal handler). */
  kill(): void {
    for (const child of this.children.values()) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      this.stopping.add(child);
      child.kill('SIGKILL');
    }
  }
}
