/**
 * The error for a partition this broker holds no replica of: Kafka answers
 * NOT_LEADER_OR_FOLLOWER when the partition exists in the cluster (the
 * client's metadata is stale and a refresh sends it to the right broker),
 * UNKNOWN_TOPIC_OR_PARTITION only when the cluster has no such partition.
 */
import { ErrorCode } from '../../protocol/index.ts';
import type { BrokerContext } from '../broker-context.ts';

export function leadershipErrorOf(broker: BrokerContext, topic: string, partition: number): number {
  const known = broker.image().topicsByName.get(topic)?.partitions[partition] !== undefined;
  return known ? ErrorCode.NOT_LEADER_OR_FOLLOWER : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
}
