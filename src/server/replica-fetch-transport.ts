/**
 * The follower fetchers' sockets: one connection per leader broker, to the
 * endpoint the metadata image registers for it, opened on first use and
 * dropped on any failure so the next fetch reconnects.
 */
import { ApiKey, BrokerConnection } from '../protocol/index.ts';
import type { ReplicaFetchTransport } from '../broker/index.ts';
import type { MetadataImage } from '../metadata/index.ts';
import type { messages } from '../protocol/index.ts';

const REQUEST_TIMEOUT_MS = 30_000;
const CONNECT_TIMEOUT_MS = 5000;

export function replicaFetchTransport(nodeId: number, image: () => MetadataImage, waitMaxMs: number): ReplicaFetchTransport {
  const connections = new Map<number, Promise<BrokerConnection>>();
  const connection = (leaderId: number): Promise<BrokerConnection> => {
    const existing = connections.get(leaderId);
    if (existing !== undefined) return existing;
    const endpoint = image().brokers.get(leaderId)?.endpoints[0];
    if (endpoint === undefined) return Promise.reject(new Error(`broker ${leaderId} has no registered endpoint`));
    const opening = BrokerConnection.open({
      host: endpoint.host, port: endpoint.port, clientId: `samsa-replica-fetcher-${nodeId}`,
      requestTimeoutMs: REQUEST_TIMEOUT_MS + waitMaxMs, connectTimeoutMs: CONNECT_TIMEOUT_MS,
    });
    connections.set(leaderId, opening);
    opening.catch(() => {
      if (connections.get(leaderId) === opening) connections.delete(leaderId);
    });
    return opening;
  };
  return {
    async fetch(leaderId, request) {
      const c = await connection(leaderId);
      if (c.isClosed) {
        connections.delete(leaderId);
        throw new Error(`the connection to broker ${leaderId} closed`);
      }
      return c.request(ApiKey.Fetch, request);
    },
    close(leaderId) {
      const opening = connections.get(leaderId);
      connections.delete(leaderId);
      opening?.then((c) => c.close(), () => undefined);
    },
  };
}
