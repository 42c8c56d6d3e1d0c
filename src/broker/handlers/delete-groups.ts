/** DeleteGroups (API key 42): only empty groups; their offsets and metadata are tombstoned. */
import { messages } from '../../protocol/index.ts';
import type { BrokerContext, RequestContext } from '../broker-context.ts';

export function handleDeleteGroups(broker: BrokerContext, request: messages.DeleteGroupsRequest, _ctx: RequestContext): messages.DeleteGroupsResponse {
  const response = messages.DeleteGroupsResponse.defaults();
  response.results = broker.groups.deleteGroups(request.groupsNames)
    .map((r) => ({ ...messages.defaultDeleteGroupsResponseDeletableGroupResult(), ...r }));
  return response;
}
