/**
 * OffsetForLeaderEpoch (API key 23, KIP-101/KIP-320): where a leader epoch
 * ends in the leader's log — the start of the next larger epoch, or the log
 * end for the current one. Consumers use it after a leader change to find
 * out whether their position was truncated away; followers could use it to
 * truncate (Samsa's followers learn the same from Fetch's diverging epoch).
 */
import { ErrorCode, messages } from '../../protocol/index.ts';
import { leadershipErrorOf } from './leadership.ts';
import { Op, Resource, authorizeCluster, filterAuthorized } from '../authorization.ts';
import type { BrokerContext, RequestContext } from '../broker-context.ts';

type Request = messages.OffsetForLeaderEpochRequest;
type Response = messages.OffsetForLeaderEpochResponse;

const UNDEFINED = -1;

export function handleOffsetForLeaderEpoch(broker: BrokerContext, request: Request, ctx: RequestContext): Response {
  const response = messages.OffsetForLeaderEpochResponse.defaults();
  // A follower may ask about every topic with CLUSTER_ACTION; anyone else needs DESCRIBE on the topic.
  const everyTopic = request.replicaId >= 0 && authorizeCluster(broker, ctx, Op.CLUSTER_ACTION);
  const describable = everyTopic ? null : filterAuthorized(broker, ctx, Op.DESCRIBE, Resource.TOPIC, request.topics.map((t) => t.topic));
  response.topics = request.topics.map((t) => ({
    ...messages.defaultOffsetForLeaderEpochResponseOffsetForLeaderTopicResult(),
    topic: t.topic,
    partitions: t.partitions.map((p) => {
      const out = {
        ...messages.defaultOffsetForLeaderEpochResponseEpochEndOffset(),
        partition: p.partition, errorCode: ErrorCode.NONE, leaderEpoch: UNDEFINED, endOffset: BigInt(UNDEFINED),
      };
      if (describable !== null && !describable.has(t.topic)) return { ...out, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED };
      const partition = broker.replicas.get(t.topic, p.partition);
      if (partition === undefined) return { ...out, errorCode: leadershipErrorOf(broker, t.topic, p.partition) };
      if (partition.offline) return { ...out, errorCode: ErrorCode.KAFKA_STORAGE_ERROR };
      // Consumers must ask the leader; a follower may ask about itself (replicaId -2 is a debugging consumer).
      if (partition.leaderId !== broker.nodeId && request.replicaId < 0) return { ...out, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER };
      if (p.currentLeaderEpoch >= 0 && p.currentLeaderEpoch < partition.leaderEpoch) return { ...out, errorCode: ErrorCode.FENCED_LEADER_EPOCH };
      if (p.currentLeaderEpoch > partition.leaderEpoch) return { ...out, errorCode: ErrorCode.UNKNOWN_LEADER_EPOCH };
      const end = partition.log.endOffsetForEpoch(p.leaderEpoch);
      return { ...out, leaderEpoch: end.epoch, endOffset: BigInt(end.endOffset) };
    }),
  }));
  return response;
}
