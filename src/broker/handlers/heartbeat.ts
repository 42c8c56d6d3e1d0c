/** Heartbeat (API key 12): keeps a member's session; REBALANCE_IN_PROGRESS tells it to rejoin. */
import { ErrorCode, messages } from '../../protocol/index.ts';
import { Op, Resource, authorize } from '../authorization.ts';
import type { BrokerContext, RequestContext } from '../broker-context.ts';

export function handleHeartbeat(broker: BrokerContext, request: messages.HeartbeatRequest, ctx: RequestContext): messages.HeartbeatResponse {
  const response = messages.HeartbeatResponse.defaults();
  if (!authorize(broker, ctx, Op.READ, Resource.GROUP, request.groupId)) {
    response.errorCode = ErrorCode.GROUP_AUTHORIZATION_FAILED;
    return response;
  }
  response.errorCode = broker.groups.heartbeat({
    groupId: request.groupId, memberId: request.memberId, groupInstanceId: request.groupInstanceId, generationId: request.generationId,
  });
  return response;
}
