/** LeaveGroup (API key 13): one member (v0–v2), or a batch by member id or group.instance.id (v3+). */
import { ErrorCode, messages } from '../../protocol/index.ts';
import { Op, Resource, authorize } from '../authorization.ts';
import type { BrokerContext, RequestContext } from '../broker-context.ts';

type Request = messages.LeaveGroupRequest;
type Response = messages.LeaveGroupResponse;

const BATCHED_MEMBERS_VERSION_MIN = 3;
const REASON_VERSION_MIN = 5;

export function handleLeaveGroup(broker: BrokerContext, request: Request, ctx: RequestContext): Response {
  const v = ctx.apiVersion;
  if (!authorize(broker, ctx, Op.READ, Resource.GROUP, request.groupId)) {
    return { ...messages.LeaveGroupResponse.defaults(), errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED };
  }
  const batched = v >= BATCHED_MEMBERS_VERSION_MIN;
  const members = batched
    ? request.members.map((m) => ({
      groupId: request.groupId, memberId: m.memberId, groupInstanceId: m.groupInstanceId, reason: v >= REASON_VERSION_MIN ? m.reason : null,
    }))
    : [{ groupId: request.groupId, memberId: request.memberId, groupInstanceId: null, reason: null }];
  const result = broker.groups.leaveGroup(request.groupId, members);
  const response = messages.LeaveGroupResponse.defaults();
  if (!batched) {
    // Before v3 the one member's error is the response's error.
    response.errorCode = result.errorCode !== ErrorCode.NONE ? result.errorCode : result.members[0]?.errorCode ?? ErrorCode.NONE;
    return response;
  }
  response.errorCode = result.errorCode;
  response.members = result.members.map((m) => ({ ...messages.defaultLeaveGroupResponseMemberResponse(), ...m }));
  return response;
}
