/**
 * Several nodes on this machine, each broker and controller of one quorum:
 * their ports, picked before any starts (each node's voter list names the
 * others' controller ports), and the configs that make them one cluster.
 * Used by `samsa cluster` (processes) and `startCluster` (in-process).
 */
import { createServer, type Server } from 'node:net';

export const LOCAL_HOST = '127.0.0.1';

export interface LocalNodePorts {
  readonly id: number;
  /** The client listener. */
  readonly port: number;
  readonly controllerPort: number;
}

/**
 * `count` distinct ports nobody listens on right now: each probe stays bound
 * until all are taken, so the kernel cannot hand out the same one twice.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: count }, () => new Promise<Server>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, LOCAL_HOST, () => resolve(server));
  })));
  const ports = servers.map((server) => {
    const address = server.address();
    return typeof address === 'object' && address !== null ? address.port : 0;
  });
  await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  return ports;
}

/** Nodes 1..count, each with a client and a controller port. */
export async function planLocalNodes(count: number): Promise<LocalNodePorts[]> {
  const ports = await freePorts(count * 2);
  return Array.from({ length: count }, (_, i) => ({ id: i + 1, port: ports[2 * i]!, controllerPort: ports[2 * i + 1]! }));
}

/** controller.quorum.voters of the nodes. */
export function localVoters(nodes: readonly LocalNodePorts[]): string {
  return nodes.map((n) => `${n.id}@${LOCAL_HOST}:${n.controllerPort}`).join(',');
}

/** The configs that make one node of the local cluster: its id, roles, listeners and the voters. */
export function localNodeConfig(node: LocalNodePorts, voters: string): Record<string, string> {
  return {
    'node.id': String(node.id),
    'process.roles': 'broker,controller',
    listeners: `PLAINTEXT://${LOCAL_HOST}:${node.port},CONTROLLER://${LOCAL_HOST}:${node.controllerPort}`,
    'controller.listener.names': 'CONTROLLER',
    'controller.quorum.voters': voters,
  };
}
