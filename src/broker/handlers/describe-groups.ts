/** DescribeGroups (API key 15): state, protocol, members and (when Stable) their metadata and assignments; DESCRIBE on each group. */
import { AUTHORIZED_OPERATIONS_OMITTED, ErrorCode, messages } from '../../protocol/index.ts';
import { Op, Resource, authorizedOperations, filterAuthorized } from '../authorization.ts';
import type { BrokerContext, RequestContext } from '../broker-context.ts';

type Request = messages.DescribeGroupsRequest;
type Response = messages.DescribeGroupsResponse;

export function handleDescribeGroups(broker: BrokerContext, request: Request, ctx: RequestContext): Response {
  const response = messages.DescribeGroupsResponse.defaults();
  const describable = filterAuthorized(broker, ctx, Op.DESCRIBE, Resource.GROUP, request.groups);
  const described = new Map(broker.groups.describeGroups(request.groups.filter((g) => describable.has(g))).map((g) => [g.groupId, g]));
  response.groups = request.groups.map((groupId) => described.get(groupId) ?? {
    groupId, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, groupState: '', protocolType: '', protocolData: '', members: [],
  }).map((g) => ({
    ...messages.defaultDescribeGroupsResponseDescribedGroup(),
    errorCode: g.errorCode,
    groupId: g.groupId,
    groupState: g.groupState,
    protocolType: g.protocolType,
    protocolData: g.protocolData,
    members: g.members.map((m) => ({ ...messages.defaultDescribeGroupsResponseDescribedGroupMember(), ...m })),
    authorizedOperations: request.includeAuthorizedOperations && g.errorCode === ErrorCode.NONE
      ? authorizedOperations(broker, ctx, Resource.GROUP, g.groupId) : AUTHORIZED_OPERATIONS_OMITTED,
  }));
  return response;
}
