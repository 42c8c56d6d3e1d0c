/**
 * One metadata request to tell whether a topic (and partition) exists before
 * asking more: the admin client retries UNKNOWN_TOPIC_OR_PARTITION for a few
 * seconds, as a tool should right after a create, while a person who asked
 * for a topic that is not there wants the answer at once.
 */
import { kafkaError, type Cluster, type TopicInfo } from '../../client/index.ts';
import { ErrorCode } from '../../protocol/index.ts';

export async function existingTopic(cluster: Cluster, name: string, partition?: number): Promise<TopicInfo> {
  const [t] = await cluster.refreshMetadata([name]);
  if (t === undefined || t.errorCode !== ErrorCode.NONE) throw kafkaError(`topic '${name}'`, t?.errorCode ?? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  if (partition !== undefined && !t.partitions.some((p) => p.partition === partition)) {
    throw kafkaError(`topic '${name}' partition ${partition}`, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  }
  return t;
}
