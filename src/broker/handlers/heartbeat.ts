/** Heartbeat (API key 12): keeps a member's session; REBALANCE_IN_PROGRESS tells it to rejoin. */
import { messages } from '../../protocol/index.ts';
import type { BrokerContext, RequestContext } from '../broker-context.ts';

export function handleHeartbeat(broker: BrokerContext, request: messages.HeartbeatRequest, _ctx: RequestContext): messages.HeartbeatResponse {
  const response = messages.HeartbeatResponse.defaults();
  response.errorCode = broker.groups.heartbeat({
    groupId: request.groupId, memberId: request.memberId, groupInstanceId: request.groupInstanceId, generationId: request.generationId,
  });
  return response;
}
