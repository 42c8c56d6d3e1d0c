/** JoinGroup (API key 11): answered when the group's rebalance completes, so the handler returns a Promise. */
import { ErrorCode, messages } from '../../protocol/index.ts';
import { Op, Resource, authorize } from '../authorization.ts';
import type { BrokerContext, GroupJoinResult, RequestContext } from '../broker-context.ts';

type Request = messages.JoinGroupRequest;
type Response = messages.JoinGroupResponse;

/** KIP-394: from v4 a new dynamic member first gets MEMBER_ID_REQUIRED and its id. */
const MEMBER_ID_REQUIRED_VERSION_MIN = 4;
/** Protocol type and a nullable protocol name in the response. */
const NULLABLE_PROTOCOL_VERSION_MIN = 7;
const REASON_VERSION_MIN = 8;
const SKIP_ASSIGNMENT_VERSION_MIN = 9;

export function handleJoinGroup(broker: BrokerContext, request: Request, ctx: RequestContext): Promise<Response> {
  const v = ctx.apiVersion;
  if (!authorize(broker, ctx, Op.READ, Resource.GROUP, request.groupId)) {
    return Promise.resolve({ ...messages.JoinGroupResponse.defaults(), errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, protocolName: v >= NULLABLE_PROTOCOL_VERSION_MIN ? null : '' });
  }
  return broker.groups.joinGroup({
    groupId: request.groupId,
    memberId: request.memberId,
    groupInstanceId: request.groupInstanceId,
    clientId: ctx.clientId ?? '',
    clientHost: broker.clientHost(ctx.connectionId),
    sessionTimeoutMs: request.sessionTimeoutMs,
    // v0 has no rebalance timeout: Kafka waits the session timeout.
    rebalanceTimeoutMs: v === 0 ? request.sessionTimeoutMs : request.rebalanceTimeoutMs,
    protocolType: request.protocolType,
    protocols: request.protocols.map((p) => ({ name: p.name, metadata: p.metadata })),
    requireKnownMemberId: v >= MEMBER_ID_REQUIRED_VERSION_MIN && request.groupInstanceId === null,
    supportSkipAssignment: v >= SKIP_ASSIGNMENT_VERSION_MIN,
    reason: v >= REASON_VERSION_MIN ? request.reason : null,
  }).then((result) => toResponse(result, v));
}

function toResponse(r: GroupJoinResult, version: number): Response {
  const response = messages.JoinGroupResponse.defaults();
  response.errorCode = r.errorCode;
  response.generationId = r.generationId;
  response.protocolType = r.protocolType;
  response.protocolName = version >= NULLABLE_PROTOCOL_VERSION_MIN ? r.protocolName : r.protocolName ?? '';
  response.leader = r.leader;
  response.skipAssignment = r.skipAssignment;
  response.memberId = r.memberId;
  response.members = r.members.map((m) => ({
    ...messages.defaultJoinGroupResponseJoinGroupResponseMember(), memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: m.metadata,
  }));
  return response;
}
