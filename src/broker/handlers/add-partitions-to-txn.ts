/**
 * AddPartitionsToTxn (API key 24). v0–v3 come from a transactional producer
 * naming one transaction; v4+ come from partition leaders batching several
 * transactions, usually verify-only (KIP-890: is this partition in the
 * ongoing transaction of this producer and epoch?).
 */
import { messages } from '../../protocol/index.ts';
import type { BrokerContext, RequestContext, TxnPartitionErrors } from '../broker-context.ts';

type Request = messages.AddPartitionsToTxnRequest;
type Response = messages.AddPartitionsToTxnResponse;
type TopicResult = messages.AddPartitionsToTxnResponseAddPartitionsToTxnTopicResult;

const BATCHED_VERSION_MIN = 4;

export async function handleAddPartitionsToTxn(broker: BrokerContext, request: Request, ctx: RequestContext): Promise<Response> {
  const response = messages.AddPartitionsToTxnResponse.defaults();
  if (ctx.apiVersion < BATCHED_VERSION_MIN) {
    const result = await broker.transactions.addPartitions({
      transactionalId: request.v3AndBelowTransactionalId, producerId: request.v3AndBelowProducerId,
      producerEpoch: request.v3AndBelowProducerEpoch,
      topics: request.v3AndBelowTopics.map((t) => ({ topic: t.name, partitions: t.partitions })), verifyOnly: false,
    });
    response.resultsByTopicV3AndBelow = topicResults(result);
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

function topicResults(result: readonly TxnPartitionErrors[]): TopicResult[] {
  return result.map((t) => ({
    ...messages.defaultAddPartitionsToTxnResponseAddPartitionsToTxnTopicResult(),
    name: t.topic,
    resultsByPartition: t.partitions.map((p) => ({
      ...messages.defaultAddPartitionsToTxnResponseAddPartitionsToTxnPartitionResult(), partitionIndex: p.partition, partitionErrorCode: p.errorCode,
    })),
  }));
}
