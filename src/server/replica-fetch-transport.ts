/**
 * The follower fetchers' sockets: one connection per leader broker, to the
 * endpoint the metadata image registers for it, opened on first use and
 * dropped on any failure so the next fetch reconnects.
 */
import { ApiKey } from '../protocol/index.ts';
import type { ReplicaFetchTransport } from '../broker/index.ts';
import type { MetadataImage } from '../metadata/index.ts';
import { BrokerConnections, type InterBrokerListener } from './broker-connections.ts';

const REQUEST_TIMEOUT_MS = 30_000;
const CONNECT_TIMEOUT_MS = 5000;

export function replicaFetchTransport(
  nodeId: number, image: () => MetadataImage, waitMaxMs: number, listener: InterBrokerListener,
): ReplicaFetchTransport {
  const connections = new BrokerConnections(image, `samsa-replica-fetcher-${nodeId}`, REQUEST_TIMEOUT_MS + waitMaxMs, CONNECT_TIMEOUT_MS, listener);
  return {
    fetch: (leaderId, request) => connections.request(leaderId, ApiKey.Fetch, request),
    close: (leaderId) => connections.close(leaderId),
  };
}
