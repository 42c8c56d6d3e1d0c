/**
 * Connections from this node to the other nodes' controller listeners, by
 * node id, opened on first use and reopened after a failure. Raft traffic
 * and the brokers' controller requests share them.
 */
import { BrokerConnection } from '../protocol/index.ts';
import type { ClientSecurity } from '../security/index.ts';

export interface PeerEndpoint {
  host: string;
  port: number;
}

/**
 * Failed logins to peers, logged once per node and reason across a node's
 * connection pools: a refused login does not heal by retrying (unlike a peer
 * still starting), so it deserves a line, but not one per retry.
 */
export class PeerLoginLog {
  private readonly log: (line: string) => void;
  private readonly logged = new Map<number, string>();

  constructor(log: (line: string) => void) {
    this.log = log;
  }

  failed(nodeId: number, reason: string): void {
    if (this.logged.get(nodeId) === reason) return;
    this.logged.set(nodeId, reason);
    this.log(`cannot log in to the controller listener of node ${nodeId}: ${reason}`);
  }

  succeeded(nodeId: number): void {
    this.logged.delete(nodeId);
  }
}

export class PeerConnections {
  private readonly endpoints: ReadonlyMap<number, PeerEndpoint>;
  private readonly clientId: string;
  private readonly requestTimeoutMs: number;
  private readonly open = new Map<number, Promise<BrokerConnection>>();
  private closed = false;
  /** TLS and SASL of the controller listener (controller.listener.names). */
  private readonly security: ClientSecurity;
  private readonly logins: PeerLoginLog;

  constructor(
    endpoints: ReadonlyMap<number, PeerEndpoint>, clientId: string, requestTimeoutMs: number,
    security: ClientSecurity = { tls: null, sasl: null }, logins: PeerLoginLog = new PeerLoginLog(() => {}),
  ) {
    this.endpoints = endpoints;
    this.security = security;
    this.logins = logins;
    this.clientId = clientId;
    this.requestTimeoutMs = requestTimeoutMs;
  }

  has(nodeId: number): boolean {
    return this.endpoints.has(nodeId);
  }

  /** Forwards a request whose API the caller chose at run time (Raft and controller messages); the caller names the response type. */
  async request<Res>(nodeId: number, apiKey: number, body: unknown): Promise<Res> {
    const connection = await this.connection(nodeId);
    try {
      return await connection.requestUntyped(apiKey, body) as Res;
    } catch (e) {
      if (connection.isClosed) this.forget(nodeId, connection);
      throw e;
    }
  }

  private connection(nodeId: number): Promise<BrokerConnection> {
    if (this.closed) return Promise.reject(new Error('peer connections are closed'));
    const existing = this.open.get(nodeId);
    if (existing !== undefined) return existing;
    const endpoint = this.endpoints.get(nodeId);
    if (endpoint === undefined) return Promise.reject(new Error(`no controller endpoint for node ${nodeId}`));
    const opening = BrokerConnection.open({
      host: endpoint.host, port: endpoint.port, clientId: this.clientId,
      requestTimeoutMs: this.requestTimeoutMs, connectTimeoutMs: Math.min(this.requestTimeoutMs, 2000),
      ssl: this.security.tls, sasl: this.security.sasl,
    });
    this.open.set(nodeId, opening);
    opening.then((c) => {
      this.logins.succeeded(nodeId);
      if (this.closed) c.close();
    }, (e: Error & { code?: string }) => {
      if (this.open.get(nodeId) === opening) this.open.delete(nodeId);
      if (!this.closed && e.code?.startsWith('SAMSA_ERR_SASL') === true) this.logins.failed(nodeId, e.message);
    });
    return opening;
  }

  private forget(nodeId: number, connection: BrokerConnection): void {
    void this.open.get(nodeId)?.then((c) => {
      if (c === connection) this.open.delete(nodeId);
    }, () => undefined);
  }

  /** Drops the connection to a node (its requests fail); the next request opens a new one. */
  reset(nodeId: number): void {
    const opening = this.open.get(nodeId);
    this.open.delete(nodeId);
    opening?.then((c) => c.close(), () => undefined);
  }

  close(): void {
    this.closed = true;
    for (const opening of this.open.values()) opening.then((c) => c.close(), () => undefined);
    this.open.clear();
  }
}
