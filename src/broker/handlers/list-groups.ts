/**
 * ListGroups (API key 16): the groups this broker coordinates; state filter
 * (v4+), type filter (v5+). DESCRIBE on the cluster lists every group, else
 * only those the caller may DESCRIBE.
 */
import { messages } from '../../protocol/index.ts';
import { Op, Resource, authorize, authorizeCluster } from '../authorization.ts';
import type { BrokerContext, RequestContext } from '../broker-context.ts';

export function handleListGroups(broker: BrokerContext, request: messages.ListGroupsRequest, ctx: RequestContext): messages.ListGroupsResponse {
  const result = broker.groups.listGroups(request.statesFilter, request.typesFilter);
  const response = messages.ListGroupsResponse.defaults();
  response.errorCode = result.errorCode;
  const everyGroup = authorizeCluster(broker, ctx, Op.DESCRIBE);
  response.groups = result.groups.filter((g) => everyGroup || authorize(broker, ctx, Op.DESCRIBE, Resource.GROUP, g.groupId)).map((g) => ({ ...messages.defaultListGroupsResponseListedGroup(), ...g }));
  return response;
}
