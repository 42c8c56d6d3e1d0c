/** DescribeGroups (API key 15): state, protocol, members and (when Stable) their metadata and assignments. */
import { messages } from '../../protocol/index.ts';
import type { BrokerContext, RequestContext } from '../broker-context.ts';

type Request = messages.DescribeGroupsRequest;
type Response = messages.DescribeGroupsResponse;

const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;
/** Without an authorizer every group operation is allowed: READ (3), DELETE (6), DESCRIBE (8). */
const GROUP_OPERATIONS_ALL = (1 << 3) | (1 << 6) | (1 << 8);

export function handleDescribeGroups(broker: BrokerContext, request: Request, _ctx: RequestContext): Response {
  const response = messages.DescribeGroupsResponse.defaults();
  const operations = request.includeAuthorizedOperations ? GROUP_OPERATIONS_ALL : AUTHORIZED_OPERATIONS_OMITTED;
  response.groups = broker.groups.describeGroups(request.groups).map((g) => ({
    ...messages.defaultDescribeGroupsResponseDescribedGroup(),
    errorCode: g.errorCode,
    groupId: g.groupId,
    groupState: g.groupState,
    protocolType: g.protocolType,
    protocolData: g.protocolData,
    members: g.members.map((m) => ({ ...messages.defaultDescribeGroupsResponseDescribedGroupMember(), ...m })),
    authorizedOperations: operations,
  }));
  return response;
}
