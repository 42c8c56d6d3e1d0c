/**
 * How the transaction coordinator writes COMMIT/ABORT markers: one
 * WriteTxnMarkers per partition leader, as the metadata image names it —
 * handled in-process when this broker leads, over a broker connection
 * otherwise. Every failure becomes a per-partition error code that the
 * coordinator's retry rules understand; nothing throws. WriteTxnMarkers v1
 * carries no transaction version: Samsa serves transaction version 1 (EndTxn
 * up to v4), whose markers need none.
 */
import type { BrokerContext } from '../broker/index.ts';
import { ApiKey, ErrorCode, messages } from '../protocol/index.ts';
import type { TxnMarkerChannel as MarkerChannel, TxnMarkerRequest } from '../coordinator/index.ts';
import { BrokerConnections, type InterBrokerListener } from './broker-connections.ts';

const WRITE_TXN_MARKERS_VERSION = 1;
const CONNECT_TIMEOUT_MS = 5000;

export interface MarkerResult {
  topic: string;
  partition: number;
  errorCode: number;
}

export class TxnMarkerChannel implements MarkerChannel {
  private readonly broker: BrokerContext;
  private readonly local: (request: messages.WriteTxnMarkersRequest) => Promise<messages.WriteTxnMarkersResponse>;
  private readonly connections: BrokerConnections;

  constructor(
    broker: BrokerContext, local: (request: messages.WriteTxnMarkersRequest) => Promise<messages.WriteTxnMarkersResponse>,
    requestTimeoutMs: number, listener: InterBrokerListener,
  ) {
    this.broker = broker;
    this.local = local;
    this.connections = new BrokerConnections(broker.image, `samsa-txn-markers-${broker.nodeId}`, requestTimeoutMs, CONNECT_TIMEOUT_MS, listener);
  }

  async write(req: TxnMarkerRequest): Promise<MarkerResult[]> {
    const image = this.broker.image();
    const results: MarkerResult[] = [];
    const byLeader = new Map<number, Map<string, number[]>>();
    for (const t of req.topics) {
      const topic = image.topicsByName.get(t.topic);
      for (const partition of t.partitions) {
        const leader = topic?.partitions[partition]?.leader ?? -1;
        if (topic === undefined || topic.partitions[partition] === undefined) {
          results.push({ topic: t.topic, partition, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
        } else if (leader < 0) {
          results.push({ topic: t.topic, partition, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER });
        } else {
          let topics = byLeader.get(leader);
          if (topics === undefined) byLeader.set(leader, topics = new Map());
          topics.set(t.topic, [...topics.get(t.topic) ?? [], partition]);
        }
      }
    }
    const sent = await Promise.all([...byLeader].map(([leader, topics]) => this.send(leader, req, topics)));
    return results.concat(...sent);
  }

  private async send(leader: number, req: TxnMarkerRequest, topics: Map<string, number[]>): Promise<MarkerResult[]> {
    const request: messages.WriteTxnMarkersRequest = {
      ...messages.WriteTxnMarkersRequest.defaults(),
      markers: [{
        ...messages.defaultWriteTxnMarkersRequestWritableTxnMarker(),
        producerId: req.producerId, producerEpoch: req.producerEpoch, transactionResult: req.committed,
        coordinatorEpoch: req.coordinatorEpoch,
        topics: [...topics].map(([name, partitionIndexes]) => ({
          ...messages.defaultWriteTxnMarkersRequestWritableTxnMarkerTopic(), name, partitionIndexes,
        })),
      }],
    };
    const asked = [...topics].flatMap(([topic, partitions]) => partitions.map((partition) => ({ topic, partition })));
    let response: messages.WriteTxnMarkersResponse;
    try {
      response = leader === this.broker.nodeId
        ? await this.local(request)
        : await this.connections.request(leader, ApiKey.WriteTxnMarkers, request);
    } catch {
      // The leader did not answer: the coordinator retries these, maybe at a new leader.
      return asked.map((a) => ({ ...a, errorCode: ErrorCode.REQUEST_TIMED_OUT }));
    }
    const answered = new Map<string, number>();
    for (const marker of response.markers) {
      for (const t of marker.topics) for (const p of t.partitions) answered.set(`${t.name}\0${p.partitionIndex}`, p.errorCode);
    }
    return asked.map((a) => ({ ...a, errorCode: answered.get(`${a.topic}\0${a.partition}`) ?? ErrorCode.UNKNOWN_SERVER_ERROR }));
  }

  close(): void {
    this.connections.closeAll();
  }
}
