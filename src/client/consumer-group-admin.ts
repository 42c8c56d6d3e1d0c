/**
 * ConsumerGroupDescribe (KIP-848) as the Admin client asks it: a consumer
 * group's epochs, assignor and members with their current and target
 * assignments by topic name. A group that is not a consumer-protocol group
 * (classic, or none) comes back as null, so callers can fall back to
 * DescribeGroups.
 */
import { ApiKey, ClientError, ErrorCode, errorName, messages, type BrokerConnection } from '../protocol/index.ts';

export interface ConsumerGroupMemberDescription {
  memberId: string;
  instanceId: string | null;
  rackId: string | null;
  clientId: string;
  host: string;
  memberEpoch: number;
  subscribedTopicNames: string[];
  subscribedTopicRegex: string | null;
  assignment: { topic: string; partitions: number[] }[];
  targetAssignment: { topic: string; partitions: number[] }[];
}

export interface ConsumerGroupDescription {
  groupId: string;
  state: string;
  groupEpoch: number;
  assignmentEpoch: number;
  assignor: string;
  members: ConsumerGroupMemberDescription[];
}

function topics(a: messages.ConsumerGroupDescribeResponseAssignment): { topic: string; partitions: number[] }[] {
  return a.topicPartitions
    .map((t) => ({ topic: t.topicName, partitions: [...t.partitions].sort((x, y) => x - y) }))
    .sort((x, y) => x.topic.localeCompare(y.topic));
}

/** One group's description from its coordinator; null when it is not a consumer-protocol group. */
export async function describeConsumerGroup(groupId: string, coordinator: BrokerConnection): Promise<ConsumerGroupDescription | null> {
  let res: messages.ConsumerGroupDescribeResponse;
  try {
    res = await coordinator.request(ApiKey.ConsumerGroupDescribe, { ...messages.ConsumerGroupDescribeRequest.defaults(), groupIds: [groupId] });
  } catch (e) {
    // A broker without KIP-848 has no consumer groups.
    if (e instanceof ClientError && e.kafkaErrorCode === ErrorCode.UNSUPPORTED_VERSION) return null;
    throw e;
  }
  const g = res.groups[0];
  if (g === undefined) throw new ClientError(`group '${groupId}': empty ConsumerGroupDescribe response`, 'SAMSA_ERR_PROTOCOL');
  if (g.errorCode === ErrorCode.GROUP_ID_NOT_FOUND) return null;
  if (g.errorCode !== ErrorCode.NONE) {
    throw new ClientError(`group '${groupId}': ${g.errorMessage ?? errorName(g.errorCode)} (${errorName(g.errorCode)})`, errorName(g.errorCode), g.errorCode);
  }
  return {
    groupId: g.groupId, state: g.groupState, groupEpoch: g.groupEpoch, assignmentEpoch: g.assignmentEpoch, assignor: g.assignorName,
    members: g.members.map((m) => ({
      memberId: m.memberId, instanceId: m.instanceId, rackId: m.rackId, clientId: m.clientId, host: m.clientHost, memberEpoch: m.memberEpoch,
      subscribedTopicNames: m.subscribedTopicNames, subscribedTopicRegex: m.subscribedTopicRegex,
      assignment: topics(m.assignment), targetAssignment: topics(m.targetAssignment),
    })),
  };
}
