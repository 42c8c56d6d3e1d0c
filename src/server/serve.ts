/** Listening sockets: bind, read the bound port, and hand each accepted connection to a dispatcher. */
import type { Server, Socket } from 'node:net';
import type { BrokerConfig } from '../metadata/index.ts';
import { Connection } from './connection.ts';
import type { Dispatcher } from './dispatcher.ts';

const CONNECTION_LIMITS_INFLIGHT_MAX = 64;

export function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

export function portOf(server: Server, fallback: number): number {
  const address = server.address();
  return typeof address === 'object' && address !== null ? address.port : fallback;
}

let nextConnectionId = 1;

/**
 * Hands each accepted connection to a dispatcher. With `gate`, connections
 * are accepted at once but not read until it resolves (Kafka binds early and
 * enables request processing once the broker caught up with the metadata):
 * their requests wait in the socket instead of meeting a stale image.
 */
export function serve(
  server: Server, dispatcher: Dispatcher, config: BrokerConfig, clientHosts: Map<number, string>, sockets: Set<Socket>,
  log: (line: string) => void, gate: { open: boolean; opened: Promise<void> } | null = null,
): void {
  const limits = { frameBytesMax: config.socketRequestMaxBytes, inflightRequestsMax: CONNECTION_LIMITS_INFLIGHT_MAX };
  server.on('connection', (socket) => {
    sockets.add(socket);
    const id = nextConnectionId++;
    // Kafka reports a member's host as InetAddress.toString(): "/" and the address.
    clientHosts.set(id, `/${socket.remoteAddress ?? 'unknown'}`);
    const release = (): void => {
      sockets.delete(socket);
      clientHosts.delete(id);
    };
    const accept = (): void => {
      new Connection(id, socket, dispatcher, limits, release, log);
    };
    if (gate === null || gate.open) {
      accept();
      return;
    }
    // Until the gate opens nobody reads the socket; one closed meanwhile is only forgotten.
    socket.once('close', release);
    socket.on('error', () => {});
    void gate.opened.then(() => {
      if (socket.destroyed) return;
      socket.off('close', release);
      accept();
    });
  });
}
