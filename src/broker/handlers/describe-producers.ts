/**
 * DescribeProducers (API key 61): the producers a partition replica
 * remembers — epoch, last sequence and timestamp, coordinator epoch and the
 * first offset of an open transaction — for kafka-transactions.sh's
 * describe-producers and find-hanging. Any replica answers (Kafka lets an
 * admin ask a follower by broker id). READ on each topic.
 */
import { ErrorCode, messages } from '../../protocol/index.ts';
import { Op, Resource, filterAuthorized } from '../authorization.ts';
import type { BrokerContext, RequestContext } from '../broker-context.ts';
import { leadershipErrorOf } from './leadership.ts';

type Request = messages.DescribeProducersRequest;
type Response = messages.DescribeProducersResponse;

export function handleDescribeProducers(broker: BrokerContext, request: Request, ctx: RequestContext): Response {
  const response = messages.DescribeProducersResponse.defaults();
  const readable = filterAuthorized(broker, ctx, Op.READ, Resource.TOPIC, request.topics.map((t) => t.name));
  response.topics = request.topics.map((t) => ({
    ...messages.defaultDescribeProducersResponseTopicResponse(),
    name: t.name,
    partitions: t.partitionIndexes.map((partitionIndex) => {
      const out = { ...messages.defaultDescribeProducersResponsePartitionResponse(), partitionIndex };
      if (!readable.has(t.name)) return { ...out, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED };
      const partition = broker.replicas.get(t.name, partitionIndex);
      if (partition === undefined) return { ...out, errorCode: leadershipErrorOf(broker, t.name, partitionIndex) };
      if (partition.offline) return { ...out, errorCode: ErrorCode.KAFKA_STORAGE_ERROR };
      out.activeProducers = partition.producers.activeProducers().map((p) => ({
        ...messages.defaultDescribeProducersResponseProducerState(),
        producerId: p.producerId, producerEpoch: p.epoch, lastSequence: p.lastSeq, lastTimestamp: BigInt(p.lastTimestamp),
        coordinatorEpoch: p.coordinatorEpoch, currentTxnStartOffset: BigInt(p.currentTxnFirstOffset),
      }));
      return out;
    }),
  }));
  return response;
}
