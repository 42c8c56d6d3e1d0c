/** The Raft core's requests over Kafka's wire to the other nodes' controller listeners. */
import type { Message } from '../raft/core/index.ts';
import type { PeerTransport, QuorumDriver } from '../raft/quorum-driver.ts';
import { decodeResponse, encodeRequest } from '../raft/wire.ts';
import type { PeerConnections } from './peer-connections.ts';

export class RaftTransport implements PeerTransport {
  private readonly peers: PeerConnections;
  private readonly driver: QuorumDriver;
  private readonly clusterId: string;

  constructor(peers: PeerConnections, driver: QuorumDriver, clusterId: string) {
    this.peers = peers;
    this.driver = driver;
    this.clusterId = clusterId;
  }

  send(message: Message): void {
    const request = encodeRequest(message, this.clusterId, this.driver.fetchMaxWaitMs);
    if (request === null || !this.peers.has(message.to)) return;
    // A lost request is the core's business: it retries on its own timeouts.
    this.peers.request(message.to, request.apiKey, request.body).then((body) => {
      const answer = decodeResponse(message, body);
      if (answer !== null) this.driver.receive(answer);
    }, () => undefined);
  }

  close(): void {
    this.peers.close();
  }
}
