/** The Raft core's requests over Kafka's wire to the other nodes' controller listeners. */
import { ErrorCode } from '../protocol/index.ts';
import type { Message } from '../raft/core/index.ts';
import type { PeerTransport, QuorumDriver } from '../raft/quorum-driver.ts';
import { decodeResponse, encodeRequest } from '../raft/wire.ts';
import type { PeerConnections } from './peer-connections.ts';

export class RaftTransport implements PeerTransport {
  private readonly peers: PeerConnections;
  private readonly driver: QuorumDriver;
  private readonly clusterId: string;
  private readonly log: (line: string) => void;
  /** Peers that refused this node's Raft requests, logged once each until one is answered again. */
  private readonly refusedBy = new Set<number>();

  constructor(peers: PeerConnections, driver: QuorumDriver, clusterId: string, log: (line: string) => void = () => {}) {
    this.peers = peers;
    this.driver = driver;
    this.clusterId = clusterId;
    this.log = log;
  }

  send(message: Message): void {
    const request = encodeRequest(message, this.clusterId, this.driver.fetchMaxWaitMs);
    if (request === null || !this.peers.has(message.to)) return;
    // A lost request is the core's business: it retries on its own timeouts.
    this.peers.request(message.to, request.apiKey, request.body).then((body) => {
      this.noteRefusal(message.to, (body as { errorCode?: number }).errorCode);
      const answer = decodeResponse(message, body);
      if (answer !== null) this.driver.receive(answer);
    }, () => undefined);
  }

  /** A quorum that never forms because a peer does not authorize this node is worth one line, not silence. */
  private noteRefusal(peer: number, errorCode: number | undefined): void {
    if (errorCode !== ErrorCode.CLUSTER_AUTHORIZATION_FAILED) {
      this.refusedBy.delete(peer);
      return;
    }
    if (this.refusedBy.has(peer)) return;
    this.refusedBy.add(peer);
    this.log(`node ${peer} refused this node's Raft requests with CLUSTER_AUTHORIZATION_FAILED: its super.users must name this node's principal`);
  }

  close(): void {
    this.peers.close();
  }
}
