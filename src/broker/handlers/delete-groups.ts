/** DeleteGroups (API key 42): only empty groups (classic or consumer); their offsets and metadata are tombstoned. DELETE on each group. */
import { ErrorCode, messages } from '../../protocol/index.ts';
import { Op, Resource, filterAuthorized } from '../authorization.ts';
import type { BrokerContext, RequestContext } from '../broker-context.ts';

export async function handleDeleteGroups(broker: BrokerContext, request: messages.DeleteGroupsRequest, ctx: RequestContext): Promise<messages.DeleteGroupsResponse> {
  const response = messages.DeleteGroupsResponse.defaults();
  const deletable = filterAuthorized(broker, ctx, Op.DELETE, Resource.GROUP, request.groupsNames);
  const refused = request.groupsNames.filter((g) => !deletable.has(g)).map((groupId) => ({ groupId, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED }));
  const deleted = await broker.groups.deleteGroups(request.groupsNames.filter((g) => deletable.has(g)));
  response.results = [...deleted, ...refused].map((r) => ({ ...messages.defaultDeleteGroupsResponseDeletableGroupResult(), ...r }));
  return response;
}
