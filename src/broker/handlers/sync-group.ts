/** SyncGroup (API key 14): followers wait for the leader's assignment, so the handler returns a Promise. */
import { ErrorCode, messages } from '../../protocol/index.ts';
import { Op, Resource, authorize } from '../authorization.ts';
import type { BrokerContext, RequestContext } from '../broker-context.ts';

type Request = messages.SyncGroupRequest;
type Response = messages.SyncGroupResponse;

/** From v5 the request must name the protocol type and name it expects. */
const PROTOCOL_FIELDS_VERSION_MIN = 5;

export function handleSyncGroup(broker: BrokerContext, request: Request, ctx: RequestContext): Promise<Response> {
  const response = messages.SyncGroupResponse.defaults();
  const withProtocol = ctx.apiVersion >= PROTOCOL_FIELDS_VERSION_MIN;
  if (!authorize(broker, ctx, Op.READ, Resource.GROUP, request.groupId)) {
    response.errorCode = ErrorCode.GROUP_AUTHORIZATION_FAILED;
    return Promise.resolve(response);
  }
  if (withProtocol && (request.protocolType === null || request.protocolName === null)) {
    response.errorCode = ErrorCode.INCONSISTENT_GROUP_PROTOCOL;
    return Promise.resolve(response);
  }
  return broker.groups.syncGroup({
    groupId: request.groupId,
    memberId: request.memberId,
    groupInstanceId: request.groupInstanceId,
    generationId: request.generationId,
    protocolType: withProtocol ? request.protocolType : null,
    protocolName: withProtocol ? request.protocolName : null,
    assignments: request.assignments.map((a) => ({ memberId: a.memberId, assignment: a.assignment })),
  }).then((r) => {
    response.errorCode = r.errorCode;
    response.protocolType = r.protocolType;
    response.protocolName = r.protocolName;
    response.assignment = r.assignment;
    return response;
  });
}
