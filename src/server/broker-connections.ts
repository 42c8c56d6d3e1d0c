/**
 * Connections from this broker to other brokers' client listeners, by node
 * id, to the endpoint the metadata image registers: opened on first use and
 * dropped on any failure so the next request reconnects. Follower fetchers
 * and the transaction coordinator's marker writes each keep a set.
 */
import { BrokerConnection, type KnownApiKey, type RequestOf, type ResponseOf } from '../protocol/index.ts';
import type { MetadataImage } from '../metadata/index.ts';

export class BrokerConnections {
  private readonly image: () => MetadataImage;
  private readonly clientId: string;
  private readonly requestTimeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly open = new Map<number, Promise<BrokerConnection>>();

  constructor(image: () => MetadataImage, clientId: string, requestTimeoutMs: number, connectTimeoutMs: number) {
    this.image = image;
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
    const endpoint = this.image().brokers.get(brokerId)?.endpoints[0];
    if (endpoint === undefined) return Promise.reject(new Error(`broker ${brokerId} has no registered endpoint`));
    const opening = BrokerConnection.open({
      host: endpoint.host, port: endpoint.port, clientId: this.clientId,
      requestTimeoutMs: this.requestTimeoutMs, connectTimeoutMs: this.connectTimeoutMs,
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
