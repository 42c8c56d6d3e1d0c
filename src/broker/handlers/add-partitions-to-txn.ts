/**
 * AddPartitionsToTxn (API key 24). v0–v3 come from a transactional producer
 * naming one transaction; v4+ come from partition leaders batching several
 * transactions, usually verify-only (KIP-890: is this partition in the
 * ongoing transaction of this producer and epoch?). Producers need WRITE on
 * the transactional id and on each topic; brokers CLUSTER_ACTION.
 */
import { ErrorCode, messages } from '../../protocol/index.ts';
import { Op, Resource, authorize, authorizeCluster, filterAuthorized } from '../authorization.ts';
import type { BrokerContext, RequestContext, TxnPartitionErrors, TxnTopicPartitions } from '../broker-context.ts';

type Request = messages.AddPartitionsToTxnRequest;
type Response = messages.AddPartitionsToTxnResponse;
type TopicResult = messages.AddPartitionsToTxnResponseAddPartitionsToTxnTopicResult;

const BATCHED_VERSION_MIN = 4;

export async function handleAddPartitionsToTxn(broker: BrokerContext, request: Request, ctx: RequestContext): Promise<Response> {
  const response = messages.AddPartitionsToTxnResponse.defaults();
  if (ctx.apiVersion < BATCHED_VERSION_MIN) {
    const topics = request.v3AndBelowTopics.map((t) => ({ topic: t.name, partitions: t.partitions }));
    const refusal = producerRefusal(broker, ctx, request.v3AndBelowTransactionalId, topics);
    const result = refusal ?? await broker.transactions.addPartitions({
      transactionalId: request.v3AndBelowTransactionalId, producerId: request.v3AndBelowProducerId,
      producerEpoch: request.v3AndBelowProducerEpoch, topics, verifyOnly: false,
    });
    response.resultsByTopicV3AndBelow = topicResults(result);
    return response;
  }
  if (!authorizeCluster(broker, ctx, Op.CLUSTER_ACTION)) {
    response.errorCode = ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
    return response;
  }
  response.resultsByTransaction = await Promise.all(request.transactions.map(async (t) => ({
    ...messages.defaultAddPartitionsToTxnResponseAddPartitionsToTxnResult(),
    transactionalId: t.transactionalId,
    topicResults: topicResults(await broker.transactions.addPartitions({
      transactionalId: t.transactionalId, producerId: t.producerId, producerEpoch: t.producerEpoch,
      topics: t.topics.map((topic) => ({ topic: topic.name, partitions: topic.partitions })), verifyOnly: t.verifyOnly,
    })),
  })));
  return response;
}

/**
 * A producer's request refused as Kafka refuses it, or null: without WRITE on
 * the transactional id every partition fails; without WRITE on some topics
 * those fail and the rest are OPERATION_NOT_ATTEMPTED.
 */
function producerRefusal(
  broker: BrokerContext, ctx: RequestContext, transactionalId: string, topics: readonly TxnTopicPartitions[],
): TxnPartitionErrors[] | null {
  const every = (errorCode: (topic: string) => number): TxnPartitionErrors[] =>
    topics.map((t) => ({ topic: t.topic, partitions: t.partitions.map((partition) => ({ partition, errorCode: errorCode(t.topic) })) }));
  if (!authorize(broker, ctx, Op.WRITE, Resource.TRANSACTIONAL_ID, transactionalId)) return every(() => ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  const writable = filterAuthorized(broker, ctx, Op.WRITE, Resource.TOPIC, topics.map((t) => t.topic));
  if (topics.every((t) => writable.has(t.topic))) return null;
  return every((topic) => (writable.has(topic) ? ErrorCode.OPERATION_NOT_ATTEMPTED : ErrorCode.TOPIC_AUTHORIZATION_FAILED));
}

function topicResults(result: readonly TxnPartitionErrors[]): TopicResult[] {
  return result.map((t) => ({
    ...messages.defaultAddPartitionsToTxnResponseAddPartitionsToTxnTopicResult(),
    name: t.topic,
    resultsByPartition: t.partitions.map((p) => ({
      ...messages.defaultAddPartitionsToTxnResponseAddPartitionsToTxnPartitionResult(), partitionIndex: p.partition, partitionErrorCode: p.errorCode,
    })),
  }));
}
