/**
 * Listening sockets: bind, read the bound port, and hand each accepted
 * connection to a dispatcher with what its listener's security protocol
 * settled: TLS (the handshake completes before the connection is handed
 * over), the principal of a client certificate, and on SASL listeners the
 * authenticator its frames pass until the client has logged in.
 */
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import type { BrokerConfig } from '../metadata/index.ts';
import { ANONYMOUS_PRINCIPAL, SaslAuthenticator, type ListenerSecurity } from '../security/index.ts';
import { Connection, type ConnectionSecurity } from './connection.ts';
import type { Dispatcher } from './dispatcher.ts';

const CONNECTION_LIMITS_INFLIGHT_MAX = 64;

/** A plain TCP server, or a TLS one for SSL and SASL_SSL listeners. */
export function createListenerServer(security: ListenerSecurity): Server {
  return security.tls === null ? createNetServer() : createTlsServer(security.tls.serverOptions);
}

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
  log: (line: string, level?: 'warn' | 'error') => void, gate: { open: boolean; opened: Promise<void> } | null, security: ListenerSecurity,
  clientPorts?: Map<number, string>,
): void {
  const limits = { frameBytesMax: config.socketRequestMaxBytes, inflightRequestsMax: CONNECTION_LIMITS_INFLIGHT_MAX };
  if (security.tls !== null) {
    // Sockets still in their TLS handshake are closed on stop too.
    server.on('connection', (raw: Socket) => {
      sockets.add(raw);
      raw.once('close', () => sockets.delete(raw));
    });
    server.on('tlsClientError', (e: Error, socket: TLSSocket) => {
      log(`TLS handshake with ${socket.remoteAddress}:${socket.remotePort} on listener ${security.name} failed: ${e.message}`, 'warn');
    });
  }
  server.on(security.tls === null ? 'connection' : 'secureConnection', (socket: Socket) => {
    const connectionSecurity = securityOf(socket, security, log);
    if (connectionSecurity === null) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    const id = nextConnectionId++;
    // Kafka reports a member's host as InetAddress.toString(): "/" and the address.
    clientHosts.set(id, `/${socket.remoteAddress ?? 'unknown'}`);
    clientPorts?.set(id, String(socket.remotePort ?? ''));
    const instruments = dispatcher.instruments;
    instruments?.connectionOpened(security.name);
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      sockets.delete(socket);
      clientHosts.delete(id);
      clientPorts?.delete(id);
      instruments?.connectionClosed(security.name);
    };
    const accept = (): void => {
      new Connection(id, socket, dispatcher, limits, release, log, connectionSecurity);
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

/** The principal and authenticator a new connection starts with, or null when its certificate is refused (logged). */
function securityOf(socket: Socket, security: ListenerSecurity, log: (line: string, level?: 'warn' | 'error') => void): ConnectionSecurity | null {
  const where = `${socket.remoteAddress}:${socket.remotePort} on ${security.name}`;
  let principal = ANONYMOUS_PRINCIPAL;
  if (security.tls !== null) {
    const peer = security.tls.principalOf(socket as TLSSocket);
    if ('error' in peer) {
      log(`TLS client ${where} refused: ${peer.error}`, 'warn');
      return null;
    }
    principal = peer.principal;
  }
  const authenticator = security.sasl === null ? null : new SaslAuthenticator(security.sasl, where, log, Date.now);
  return { listenerName: security.name, principal, authenticator };
}
