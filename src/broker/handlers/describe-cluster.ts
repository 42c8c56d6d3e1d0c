/** DescribeCluster (API key 60): cluster id, controller and live brokers; DESCRIBE on the cluster. */
import { AUTHORIZED_OPERATIONS_OMITTED, CLUSTER_RESOURCE_NAME, ErrorCode, messages } from '../../protocol/index.ts';
import { Op, Resource, authorizeCluster, authorizedOperations } from '../authorization.ts';
import type { BrokerContext, RequestContext } from '../broker-context.ts';

const BROKERS_ENDPOINT_TYPE = 1;

export function handleDescribeCluster(
  broker: BrokerContext, request: messages.DescribeClusterRequest, ctx: RequestContext,
): messages.DescribeClusterResponse {
  const response = messages.DescribeClusterResponse.defaults();
  response.clusterId = broker.clusterId;
  response.controllerId = broker.activeControllerId();
  response.endpointType = request.endpointType;
  if (!authorizeCluster(broker, ctx, Op.DESCRIBE)) {
    response.errorCode = ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
    return response;
  }
  response.clusterAuthorizedOperations = request.includeClusterAuthorizedOperations
    ? authorizedOperations(broker, ctx, Resource.CLUSTER, CLUSTER_RESOURCE_NAME) : AUTHORIZED_OPERATIONS_OMITTED;
  if (ctx.apiVersion >= 1 && request.endpointType !== BROKERS_ENDPOINT_TYPE) {
    response.errorCode = ErrorCode.UNSUPPORTED_ENDPOINT_TYPE;
    response.errorMessage = 'Only broker endpoints (endpoint type 1) are served.';
    return response;
  }
  for (const b of broker.image().brokers.values()) {
    // The endpoint on the listener the request came in on, as for Metadata.
    const endpoint = b.endpoints.find((e) => e.name === ctx.listenerName);
    if (b.fenced || endpoint === undefined) continue;
    response.brokers.push({
      ...messages.defaultDescribeClusterResponseDescribeClusterBroker(), brokerId: b.id, host: endpoint.host, port: endpoint.port, rack: b.rack,
    });
  }
  return response;
}
