/**
 * WriteTxnMarkers (API key 27): a transaction coordinator asks the leader of
 * each partition of a finished transaction to write its COMMIT or ABORT
 * marker. Each marker is a one-record control batch appended through the
 * replica manager like any write, with acks=all (Kafka writes markers with
 * acks=-1) and origin 'coordinator': the producer's epoch and the
 * coordinator's epoch are checked against the partition's producer state,
 * sequences are not. A marker that lands on a `__consumer_offsets`
 * partition also settles the producer's transactional offset commits there.
 *
 * `writeTxnMarkers` is the same thing without a socket, for the local
 * transaction coordinator.
 */
import { ErrorCode, messages } from '../../protocol/index.ts';
import { ControlRecordType, buildEndTxnMarkerBatch } from '../../records/index.ts';
import { Op, authorizeCluster } from '../authorization.ts';
import type { BrokerContext, RequestContext } from '../broker-context.ts';
import type { AppendEntry, AppendResult } from '../replica-manager.ts';
import { ACKS_ALL } from '../replication/acks.ts';

type Request = messages.WriteTxnMarkersRequest;
type Response = messages.WriteTxnMarkersResponse;
type Marker = messages.WriteTxnMarkersRequestWritableTxnMarker;
type MarkerResult = messages.WriteTxnMarkersResponseWritableTxnMarkerResult;
type PartitionResult = messages.WriteTxnMarkersResponseWritableTxnMarkerPartitionResult;

const OFFSETS_TOPIC = '__consumer_offsets';
/** Kafka waits for the markers' replication up to request.timeout.ms, 30 s by default; Samsa has no such broker setting. */
const MARKER_ACKS_TIMEOUT_MS = 30_000;

/** From another broker's transaction coordinator: CLUSTER_ACTION on the cluster. */
export function handleWriteTxnMarkers(broker: BrokerContext, request: Request, ctx: RequestContext): Promise<Response> {
  if (authorizeCluster(broker, ctx, Op.CLUSTER_ACTION)) return writeTxnMarkers(broker, request);
  const response = messages.WriteTxnMarkersResponse.defaults();
  response.markers = request.markers.map((m) => ({
    ...messages.defaultWriteTxnMarkersResponseWritableTxnMarkerResult(),
    producerId: m.producerId,
    topics: m.topics.map((t) => ({
      ...messages.defaultWriteTxnMarkersResponseWritableTxnMarkerTopicResult(),
      name: t.name,
      partitions: t.partitionIndexes.map((partitionIndex) => ({
        ...messages.defaultWriteTxnMarkersResponseWritableTxnMarkerPartitionResult(), partitionIndex, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
      })),
    })),
  }));
  return Promise.resolve(response);
}

/** Writes every marker of the request; one result per marker, per topic, per partition, in the request's order. */
export async function writeTxnMarkers(broker: BrokerContext, request: Request): Promise<Response> {
  const response = messages.WriteTxnMarkersResponse.defaults();
  response.markers = await Promise.all(request.markers.map((marker) => writeMarker(broker, marker)));
  return response;
}

async function writeMarker(broker: BrokerContext, marker: Marker): Promise<MarkerResult> {
  const result: MarkerResult = { ...messages.defaultWriteTxnMarkersResponseWritableTxnMarkerResult(), producerId: marker.producerId };
  const entries: AppendEntry[] = [];
  const written: { topic: string; out: PartitionResult }[] = [];
  const nowMs = broker.clock.nowMs();
  const type = marker.transactionResult ? ControlRecordType.COMMIT : ControlRecordType.ABORT;
  for (const t of marker.topics) {
    const topicResult = { ...messages.defaultWriteTxnMarkersResponseWritableTxnMarkerTopicResult(), name: t.name };
    result.topics.push(topicResult);
    for (const partitionIndex of t.partitionIndexes) {
      const out: PartitionResult = { ...messages.defaultWriteTxnMarkersResponseWritableTxnMarkerPartitionResult(), partitionIndex };
      topicResult.partitions.push(out);
      const partition = broker.replicas.get(t.name, partitionIndex);
      // Kafka answers a partition this broker does not host online (none here, or its disk failed) as unknown.
      if (partition === undefined || partition.offline) {
        out.errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        continue;
      }
      const records = buildEndTxnMarkerBatch({ type, coordinatorEpoch: marker.coordinatorEpoch }, BigInt(nowMs), {
        producerId: marker.producerId, producerEpoch: marker.producerEpoch,
      });
      entries.push({ partition, records });
      written.push({ topic: t.name, out });
    }
  }
  if (entries.length === 0) return result;
  const results = await broker.replicas.appendRecords(entries, { acks: ACKS_ALL, timeoutMs: MARKER_ACKS_TIMEOUT_MS, origin: 'coordinator' });
  results.forEach((r: AppendResult, i) => {
    const { topic, out } = written[i]!;
    out.errorCode = r.errorCode;
    if (topic === OFFSETS_TOPIC && r.errorCode === ErrorCode.NONE) {
      broker.groups.completeTransaction(out.partitionIndex, marker.producerId, marker.transactionResult);
    }
  });
  return result;
}
