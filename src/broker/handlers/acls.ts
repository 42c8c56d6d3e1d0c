/**
 * DescribeAcls (API key 29), CreateAcls (30) and DeleteAcls (31), as Kafka's
 * AclApis answers them: without an authorizer every answer is
 * SECURITY_DISABLED; describing needs DESCRIBE on the cluster, creating and
 * deleting ALTER on the cluster. DescribeAcls is answered from this broker's
 * metadata image; CreateAcls and DeleteAcls are forwarded to the controller,
 * which writes the ACLs to the metadata log.
 */
import { ErrorCode, messages } from '../../protocol/index.ts';
import { aclFilterError, aclFilterMatches, type AclEntry } from '../../metadata/index.ts';
import { Op, authorizeCluster } from '../authorization.ts';
import type { BrokerContext, RequestContext } from '../broker-context.ts';

const NO_AUTHORIZER = 'No Authorizer is configured.';
const REFUSED = 'Cluster authorization failed.';

/** The refusal every result of an ACL request gets, or null when it may go ahead. */
function refusal(broker: BrokerContext, ctx: RequestContext, operation: number): { errorCode: number; errorMessage: string } | null {
  if (broker.authorizer === null) return { errorCode: ErrorCode.SECURITY_DISABLED, errorMessage: NO_AUTHORIZER };
  if (!authorizeCluster(broker, ctx, operation)) return { errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: REFUSED };
  return null;
}

export function handleDescribeAcls(broker: BrokerContext, request: messages.DescribeAclsRequest, ctx: RequestContext): messages.DescribeAclsResponse {
  const response = messages.DescribeAclsResponse.defaults();
  const refused = refusal(broker, ctx, Op.DESCRIBE);
  if (refused !== null) return { ...response, ...refused };
  const filter = {
    resourceType: request.resourceTypeFilter, resourceName: request.resourceNameFilter, patternType: request.patternTypeFilter,
    principal: request.principalFilter, host: request.hostFilter, operation: request.operation, permissionType: request.permissionType,
  };
  const invalid = aclFilterError(filter);
  if (invalid !== null) return { ...response, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: invalid };
  response.resources = groupByResource([...broker.image().acls.values()].filter((a) => aclFilterMatches(filter, a)));
  return response;
}

function groupByResource(acls: readonly AclEntry[]): messages.DescribeAclsResponseDescribeAclsResource[] {
  const byResource = new Map<string, messages.DescribeAclsResponseDescribeAclsResource>();
  for (const a of acls) {
    const key = JSON.stringify([a.resourceType, a.resourceName, a.patternType]);
    let resource = byResource.get(key);
    if (resource === undefined) {
      resource = {
        ...messages.defaultDescribeAclsResponseDescribeAclsResource(), resourceType: a.resourceType, resourceName: a.resourceName, patternType: a.patternType,
      };
      byResource.set(key, resource);
    }
    resource.acls.push({
      ...messages.defaultDescribeAclsResponseAclDescription(), principal: a.principal, host: a.host, operation: a.operation, permissionType: a.permissionType,
    });
  }
  return [...byResource.values()];
}

export function handleCreateAcls(
  broker: BrokerContext, request: messages.CreateAclsRequest, ctx: RequestContext,
): messages.CreateAclsResponse | Promise<messages.CreateAclsResponse> {
  const refused = refusal(broker, ctx, Op.ALTER);
  if (refused === null) return broker.controller.createAcls(request);
  return {
    ...messages.CreateAclsResponse.defaults(),
    results: request.creations.map(() => ({ ...messages.defaultCreateAclsResponseAclCreationResult(), ...refused })),
  };
}

export function handleDeleteAcls(
  broker: BrokerContext, request: messages.DeleteAclsRequest, ctx: RequestContext,
): messages.DeleteAclsResponse | Promise<messages.DeleteAclsResponse> {
  const refused = refusal(broker, ctx, Op.ALTER);
  if (refused === null) return broker.controller.deleteAcls(request);
  return {
    ...messages.DeleteAclsResponse.defaults(),
    filterResults: request.filters.map(() => ({ ...messages.defaultDeleteAclsResponseDeleteAclsFilterResult(), ...refused })),
  };
}
