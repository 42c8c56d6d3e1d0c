/**
 * ConsumerGroupDescribe (API key 69, KIP-848): each consumer-protocol
 * group's state, epochs, assignor and members with their current and target
 * assignments (topic ids resolved to names). DESCRIBE on each group; a
 * group whose assignments name a topic the caller may not DESCRIBE is
 * TOPIC_AUTHORIZATION_FAILED, as Kafka 4 answers.
 */
import { AUTHORIZED_OPERATIONS_OMITTED, ErrorCode, messages } from '../../protocol/index.ts';
import { Op, Resource, authorize, authorizedOperations } from '../authorization.ts';
import type { BrokerContext, ConsumerGroupDescription, RequestContext } from '../broker-context.ts';

type Request = messages.ConsumerGroupDescribeRequest;
type Response = messages.ConsumerGroupDescribeResponse;

export function handleConsumerGroupDescribe(broker: BrokerContext, request: Request, ctx: RequestContext): Response {
  const response = messages.ConsumerGroupDescribeResponse.defaults();
  const image = broker.image();
  const nameOf = (topicId: string): string => image.topicsById.get(topicId)?.name ?? '';
  const allowed = request.groupIds.filter((g) => authorize(broker, ctx, Op.DESCRIBE, Resource.GROUP, g));
  const described = new Map(broker.groups.consumerGroupDescribe(allowed).map((g) => [g.groupId, g]));
  response.groups = request.groupIds.map((groupId) => {
    const out = messages.defaultConsumerGroupDescribeResponseDescribedGroup();
    out.groupId = groupId;
    const g = described.get(groupId);
    if (g === undefined) {
      out.errorCode = ErrorCode.GROUP_AUTHORIZATION_FAILED;
      return out;
    }
    if (g.errorCode !== ErrorCode.NONE) {
      out.errorCode = g.errorCode;
      out.errorMessage = g.errorMessage;
      return out;
    }
    const refused = topicsOf(g).filter((id) => !authorize(broker, ctx, Op.DESCRIBE, Resource.TOPIC, nameOf(id)));
    if (refused.length > 0) {
      out.errorCode = ErrorCode.TOPIC_AUTHORIZATION_FAILED;
      out.errorMessage = 'The group has described topic(s) that the client is not authorized to describe.';
      return out;
    }
    const assignment = (list: { topicId: string; partitions: number[] }[]): messages.ConsumerGroupDescribeResponseAssignment => ({
      ...messages.defaultConsumerGroupDescribeResponseAssignment(),
      topicPartitions: list.map((t) => ({ ...messages.defaultConsumerGroupDescribeResponseTopicPartitions(), topicId: t.topicId, topicName: nameOf(t.topicId), partitions: t.partitions })),
    });
    out.groupState = g.groupState;
    out.groupEpoch = g.groupEpoch;
    out.assignmentEpoch = g.assignmentEpoch;
    out.assignorName = g.assignorName;
    out.members = g.members.map((m) => ({
      ...messages.defaultConsumerGroupDescribeResponseMember(),
      memberId: m.memberId, instanceId: m.instanceId, rackId: m.rackId, memberEpoch: m.memberEpoch, clientId: m.clientId, clientHost: m.clientHost,
      subscribedTopicNames: m.subscribedTopicNames, subscribedTopicRegex: m.subscribedTopicRegex,
      assignment: assignment(m.assignment), targetAssignment: assignment(m.targetAssignment),
    }));
    out.authorizedOperations = request.includeAuthorizedOperations
      ? authorizedOperations(broker, ctx, Resource.GROUP, groupId) : AUTHORIZED_OPERATIONS_OMITTED;
    return out;
  });
  return response;
}

function topicsOf(g: ConsumerGroupDescription): string[] {
  const ids = new Set<string>();
  for (const m of g.members) for (const t of [...m.assignment, ...m.targetAssignment]) ids.add(t.topicId);
  return [...ids];
}
