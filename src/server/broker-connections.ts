/**
 * Connections from this broker to other brokers' client listeners, by node
 * id, to the endpoint the metadata image registers: opened on first use and
 * dropped on any failure so the next request reconnects. Follower fetchers
 * and the transaction coordinator's marker writes each keep a set.
 */
import { BrokerConnection, type KnownApiKey, type RequestOf, type ResponseOf } from '../protocol/index.ts';
import type { MetadataImage } from '../metadata/index.ts';
import type { ClientSecurity } from '../security/index.ts';

/**
 * The listener brokers reach each other on (inter.broker.listener.name):
 * its name, to pick each broker's registered endpoint, and how to connect to
 * it (TLS, SASL). `security()` throws when this node cannot log in there.
 */
export interface InterBrokerListener {
  readonly name: string;
  security(): ClientSecurity;
}

/** A single node's default: the first endpoint each broker registered, plain TCP. */
export const FIRST_ENDPOINT_PLAINTEXT: InterBrokerListener = { name: '', security: () => ({ tls: null, sasl: null }) };

export class BrokerConnections {
  private readonly image: () => MetadataImage;
  private readonly clientId: string;
  private readonly requestTimeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly open = new Map<number, Promise<BrokerConnection>>();
  private readonly listener: InterBrokerListener;

  constructor(
    image: () => MetadataImage, clientId: string, requestTimeoutMs: number, connectTimeoutMs: number,
    listener: InterBrokerListener = FIRST_ENDPOINT_PLAINTEXT,
  ) {
    this.image = image;
    this.listener = listener;
    this.clientId = clientId;
    this.requestTimeoutMs = requestTimeoutMs;
    this.connectTimeoutMs = connectTimeoutMs;
  }

  async request<K extends KnownApiKey>(brokerId: number, apiKey: K, body: RequestOf<K>): Promise<ResponseOf<K>> {
    const c = await this.connection(brokerId);
    if (c.isClosed) {
      this.close(brokerId);
      throw new Error(`the connection to broker ${brokerId} closed`);
    }
    try {
      return await c.request(apiKey, body);
    } catch (e) {
      this.close(brokerId);
      throw e;
    }
  }

  private connection(brokerId: number): Promise<BrokerConnection> {
    const existing = this.open.get(brokerId);
    if (existing !== undefined) return existing;
    const endpoints = this.image().brokers.get(brokerId)?.endpoints ?? [];
    const endpoint = this.listener.name === '' ? endpoints[0] : endpoints.find((e) => e.name === this.listener.name);
    if (endpoint === undefined) {
      const which = this.listener.name === '' ? 'registered endpoint' : `endpoint on the inter-broker listener ${this.listener.name}`;
      return Promise.reject(new Error(`broker ${brokerId} has no ${which}`));
    }
    let security: ClientSecurity;
    try {
      security = this.listener.security();
    } catch (e) {
      return Promise.reject(e as Error);
    }
    const opening = BrokerConnection.open({
      host: endpoint.host, port: endpoint.port, clientId: this.clientId,
      requestTimeoutMs: this.requestTimeoutMs, connectTimeoutMs: this.connectTimeoutMs, ssl: security.tls, sasl: security.sasl,
    });
    this.open.set(brokerId, opening);
    opening.catch(() => {
      if (this.open.get(brokerId) === opening) this.open.delete(brokerId);
    });
    return opening;
  }

  /** Drops the connection to a broker; the next request opens a new one. */
  close(brokerId: number): void {
    const opening = this.open.get(brokerId);
    this.open.delete(brokerId);
    opening?.then((c) => c.close(), () => undefined);
  }

  closeAll(): void {
    for (const id of [...this.open.keys()]) this.close(id);
  }
}
