/**
 * ConsumerGroupHeartbeat (API key 68, KIP-848): joins, heartbeats and
 * leaves a consumer-protocol group; the coordinator answers with the
 * member's epoch and, when it changed, its assignment. READ on the group,
 * and DESCRIBE on every topic subscribed by name (TOPIC_AUTHORIZATION_FAILED
 * otherwise, as Kafka 4 checks it).
 */
import { ErrorCode, messages } from '../../protocol/index.ts';
import { Op, Resource, authorize } from '../authorization.ts';
import type { BrokerContext, RequestContext } from '../broker-context.ts';

type Request = messages.ConsumerGroupHeartbeatRequest;
type Response = messages.ConsumerGroupHeartbeatResponse;

export async function handleConsumerGroupHeartbeat(broker: BrokerContext, request: Request, ctx: RequestContext): Promise<Response> {
  const response = messages.ConsumerGroupHeartbeatResponse.defaults();
  if (!authorize(broker, ctx, Op.READ, Resource.GROUP, request.groupId)) {
    response.errorCode = ErrorCode.GROUP_AUTHORIZATION_FAILED;
    return response;
  }
  const refused = (request.subscribedTopicNames ?? []).filter((t) => !authorize(broker, ctx, Op.DESCRIBE, Resource.TOPIC, t));
  if (refused.length > 0) {
    response.errorCode = ErrorCode.TOPIC_AUTHORIZATION_FAILED;
    response.errorMessage = `Unauthorized topics: ${refused.join(', ')}`;
    return response;
  }
  const r = await broker.groups.consumerGroupHeartbeat({
    groupId: request.groupId,
    memberId: request.memberId,
    memberEpoch: request.memberEpoch,
    instanceId: request.instanceId,
    rackId: request.rackId,
    rebalanceTimeoutMs: request.rebalanceTimeoutMs,
    subscribedTopicNames: request.subscribedTopicNames,
    subscribedTopicRegex: request.subscribedTopicRegex,
    serverAssignor: request.serverAssignor,
    topicPartitions: request.topicPartitions,
    clientId: ctx.clientId ?? '',
    clientHost: broker.clientHost(ctx.connectionId),
    apiVersion: ctx.apiVersion,
  });
  response.errorCode = r.errorCode;
  response.errorMessage = r.errorMessage;
  response.memberId = r.memberId;
  response.memberEpoch = r.memberEpoch;
  response.heartbeatIntervalMs = r.heartbeatIntervalMs;
  response.assignment = r.assignment === null ? null : {
    ...messages.defaultConsumerGroupHeartbeatResponseAssignment(),
    topicPartitions: r.assignment.map((t) => ({ ...messages.defaultConsumerGroupHeartbeatResponseTopicPartitions(), ...t })),
  };
  return response;
}
