/** ListGroups (API key 16): the groups this broker coordinates; state filter (v4+), type filter (v5+). */
import { messages } from '../../protocol/index.ts';
import type { BrokerContext, RequestContext } from '../broker-context.ts';

export function handleListGroups(broker: BrokerContext, request: messages.ListGroupsRequest, _ctx: RequestContext): messages.ListGroupsResponse {
  const result = broker.groups.listGroups(request.statesFilter, request.typesFilter);
  const response = messages.ListGroupsResponse.defaults();
  response.errorCode = result.errorCode;
  response.groups = result.groups.map((g) => ({ ...messages.defaultListGroupsResponseListedGroup(), ...g }));
  return response;
}
