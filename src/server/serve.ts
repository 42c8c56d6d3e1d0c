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

export function serve(
  server: Server, dispatcher: Dispatcher, config: BrokerConfig, clientHosts: Map<number, string>, sockets: Set<Socket>,
  log: (line: string) => void,
): void {
  const limits = { frameBytesMax: config.socketRequestMaxBytes, inflightRequestsMax: CONNECTION_LIMITS_INFLIGHT_MAX };
  server.on('connection', (socket) => {
    sockets.add(socket);
    const id = nextConnectionId++;
    // Kafka reports a member's host as InetAddress.toString(): "/" and the address.
    clientHosts.set(id, `/${socket.remoteAddress ?? 'unknown'}`);
    new Connection(id, socket, dispatcher, limits, () => {
      sockets.delete(socket);
      clientHosts.delete(id);
    }, log);
  });
}
