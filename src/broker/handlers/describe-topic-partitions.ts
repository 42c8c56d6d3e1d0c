/**
 * DescribeTopicPartitions (API key 75): topic metadata in pages, with a cursor
 * (KIP-966). DESCRIBE on each topic: unauthorized ones are left out of a
 * listing and TOPIC_AUTHORIZATION_FAILED when named.
 */
import { AUTHORIZED_OPERATIONS_OMITTED, ErrorCode, messages } from '../../protocol/index.ts';
import { isInternalTopic, type TopicImage } from '../../metadata/index.ts';
import { Op, Resource, authorize, authorizedOperations } from '../authorization.ts';
import type { BrokerContext, RequestContext } from '../broker-context.ts';

type Response = messages.DescribeTopicPartitionsResponse;
type TopicOut = messages.DescribeTopicPartitionsResponseDescribeTopicPartitionsResponseTopic;

const PARTITION_LIMIT_MAX = 2000;

export function handleDescribeTopicPartitions(
  broker: BrokerContext, request: messages.DescribeTopicPartitionsRequest, ctx: RequestContext,
): Response {
  const image = broker.image();
  const listing = request.topics.length === 0;
  const describable = (name: string): boolean => authorize(broker, ctx, Op.DESCRIBE, Resource.TOPIC, name);
  const names = listing ? [...image.topicsByName.keys()].filter(describable) : request.topics.map((t) => t.name);
  names.sort();
  const cursor = request.cursor;
  let budget = Math.min(Math.max(request.responsePartitionLimit, 1), PARTITION_LIMIT_MAX);
  const response = messages.DescribeTopicPartitionsResponse.defaults();
  for (const name of names) {
    if (cursor !== null && name < cursor.topicName) continue;
    if (!listing && !describable(name)) {
      response.topics.push({ ...unknownTopic(name), errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED });
      continue;
    }
    const topic = image.topicsByName.get(name);
    if (topic === undefined) {
      response.topics.push(unknownTopic(name));
      continue;
    }
    const first = cursor !== null && name === cursor.topicName ? cursor.partitionIndex : 0;
    const out = describe(topic);
    out.topicAuthorizedOperations = authorizedOperations(broker, ctx, Resource.TOPIC, name);
    const partitions = out.partitions.slice(first, first + budget);
    out.partitions = partitions;
    response.topics.push(out);
    budget -= partitions.length;
    if (first + partitions.length < topic.partitions.length) {
      response.nextCursor = { ...messages.defaultDescribeTopicPartitionsResponseCursor(), topicName: name, partitionIndex: first + partitions.length };
      break;
    }
    if (budget <= 0) break;
  }
  return response;
}

function unknownTopic(name: string): TopicOut {
  return {
    ...messages.defaultDescribeTopicPartitionsResponseDescribeTopicPartitionsResponseTopic(),
    name, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, topicAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
  };
}

function describe(topic: TopicImage): TopicOut {
  return {
    ...messages.defaultDescribeTopicPartitionsResponseDescribeTopicPartitionsResponseTopic(),
    name: topic.name,
    topicId: topic.id,
    isInternal: isInternalTopic(topic.name),
    topicAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
    partitions: topic.partitions.map((p) => ({
      ...messages.defaultDescribeTopicPartitionsResponseDescribeTopicPartitionsResponsePartition(),
      partitionIndex: p.partitionId, leaderId: p.leader, leaderEpoch: p.leaderEpoch,
      replicaNodes: p.replicas.slice(), isrNodes: p.isr.slice(), eligibleLeaderReplicas: null, lastKnownElr: null, offlineReplicas: [],
    })),
  };
}
