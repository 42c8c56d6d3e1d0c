/**
 * `startCluster({ nodes: 3 })`: several embedded brokers in this process,
 * each broker and controller of one Raft quorum, for tests of failover and
 * replication without spawning processes. A node can be stopped and started
 * again on its data and ports; `stop()` removes everything.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker, type RunningBroker } from './broker-process.ts';
import { LOCAL_HOST, localNodeConfig, localVoters, planLocalNodes } from './local-nodes.ts';

const NODES_MAX = 9;

export interface StartClusterOptions {
  /** How many nodes (1–9); default 3. */
  nodes?: number;
  /** Kafka configs for every node, e.g. shorter timeouts. */
  config?: Record<string, string>;
  /** Each node's one-line log messages (default: none). */
  log?: (nodeId: number, line: string) => void;
}

export interface RunningCluster {
  /** Every node's client listener, comma-separated: a client's bootstrap servers. */
  readonly bootstrap: string;
  readonly nodeIds: readonly number[];
  /** The running node `id` (throws when it is stopped). */
  broker(id: number): RunningBroker;
  isRunning(id: number): boolean;
  /** Stops one node cleanly (its leaderships move to the others). */
  stopNode(id: number): Promise<void>;
  /** Starts a stopped node again, on its data and ports; resolves once it is registered and unfenced. */
  startNode(id: number): Promise<void>;
  /** Stops every node and removes their data. */
  stop(): Promise<void>;
}

/** How often a start is retried when another process took a chosen port in between. */
const PORT_RACE_RETRIES = 3;

export async function startCluster(options: StartClusterOptions = {}): Promise<RunningCluster> {
  const count = options.nodes ?? 3;
  if (!Number.isInteger(count) || count < 1 || count > NODES_MAX) throw new RangeError(`nodes must be 1-${NODES_MAX}, got ${count}`);
  for (let attempt = 1; ; attempt++) {
    try {
      return await startClusterOnce(count, options);
    } catch (e) {
      // Between probing a port and binding it another process may take it: choose again.
      if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= PORT_RACE_RETRIES) throw e;
    }
  }
}

async function startClusterOnce(count: number, options: StartClusterOptions): Promise<RunningCluster> {
  const root = mkdtempSync(join(tmpdir(), 'samsa-cluster-'));
  const nodes = await planLocalNodes(count);
  const ids = nodes.map((n) => n.id);
  const voters = localVoters(nodes);
  const clusterId = randomClusterId();
  const running = new Map<number, RunningBroker>();

  const startNode = async (id: number): Promise<void> => {
    if (running.has(id)) return;
    const broker = await startBroker({
      dataDir: join(root, `node-${id}`),
      clusterId,
      log: options.log === undefined ? undefined : (line) => options.log!(id, line),
      config: {
        // Failover in test time; the same ratios as Kafka's defaults.
        'controller.quorum.election.timeout.ms': '400',
        'controller.quorum.fetch.timeout.ms': '800',
        'broker.heartbeat.interval.ms': '200',
        'broker.session.timeout.ms': '1500',
        'offsets.topic.replication.factor': String(Math.min(3, count)),
        ...options.config,
        ...localNodeConfig(nodes[id - 1]!, voters),
      },
    });
    running.set(id, broker);
    await broker.ready;
  };
  const stopNode = async (id: number): Promise<void> => {
    const broker = running.get(id);
    running.delete(id);
    await broker?.stop();
  };
  const stopAll = async (): Promise<void> => {
    await Promise.all([...running.keys()].map(stopNode));
    rmSync(root, { recursive: true, force: true });
  };
  try {
    await Promise.all(ids.map(startNode));
  } catch (e) {
    await stopAll();
    throw e;
  }
  return {
    bootstrap: nodes.map((n) => `${LOCAL_HOST}:${n.port}`).join(','),
    nodeIds: ids,
    broker(id) {
      const broker = running.get(id);
      if (broker === undefined) throw new Error(`node ${id} is not running`);
      return broker;
    },
    isRunning: (id) => running.has(id),
    stopNode,
    startNode,
    stop: stopAll,
  };
}

/** A cluster id as Kafka makes them: 16 random bytes, base64url. */
function randomClusterId(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64url');
}
