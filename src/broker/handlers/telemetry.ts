/**
 * KIP-714 client metrics: GetTelemetrySubscriptions (API key 71) and
 * PushTelemetry (72), answered by the broker's ClientMetricsManager, and
 * ListClientMetricsResources (74), the names of the CLIENT_METRICS config
 * resources (the subscriptions) in the metadata image.
 */
import { ErrorCode, messages } from '../../protocol/index.ts';
import { clientMetricsSubscriptions } from '../../metadata/index.ts';
import { Op, authorizeCluster } from '../authorization.ts';
import type { BrokerContext, RequestContext } from '../broker-context.ts';
import type { ClientIdentity } from '../telemetry/client-metrics-manager.ts';

function identity(broker: BrokerContext, ctx: RequestContext): ClientIdentity {
  const software = broker.clientTelemetry?.softwareOf(ctx.connectionId) ?? { name: '', version: '' };
  const host = broker.clientHost(ctx.connectionId);
  return {
    clientId: ctx.clientId ?? '',
    softwareName: software.name,
    softwareVersion: software.version,
    sourceAddress: host.startsWith('/') ? host.slice(1) : host,
    sourcePort: broker.clientPort?.(ctx.connectionId) ?? '',
  };
}

export function handleGetTelemetrySubscriptions(
  broker: BrokerContext, request: messages.GetTelemetrySubscriptionsRequest, ctx: RequestContext,
): messages.GetTelemetrySubscriptionsResponse {
  const response = messages.GetTelemetrySubscriptionsResponse.defaults();
  const manager = broker.clientTelemetry;
  if (manager === undefined) {
    response.errorCode = ErrorCode.UNSUPPORTED_VERSION;
    return response;
  }
  const answer = manager.getSubscriptions(request.clientInstanceId, identity(broker, ctx), broker.clock.nowMs());
  response.errorCode = answer.errorCode;
  response.clientInstanceId = answer.clientInstanceId;
  response.subscriptionId = answer.subscriptionId;
  response.acceptedCompressionTypes = [...answer.acceptedCompressionTypes];
  response.pushIntervalMs = answer.pushIntervalMs;
  response.telemetryMaxBytes = answer.telemetryMaxBytes;
  response.deltaTemporality = answer.deltaTemporality;
  response.requestedMetrics = [...answer.requestedMetrics];
  return response;
}

export function handlePushTelemetry(
  broker: BrokerContext, request: messages.PushTelemetryRequest, ctx: RequestContext,
): messages.PushTelemetryResponse {
  const response = messages.PushTelemetryResponse.defaults();
  const manager = broker.clientTelemetry;
  response.errorCode = manager === undefined
    ? ErrorCode.UNSUPPORTED_VERSION
    : manager.push(request, identity(broker, ctx), broker.clock.nowMs());
  return response;
}

export function handleListClientMetricsResources(
  broker: BrokerContext, _request: messages.ListClientMetricsResourcesRequest, ctx: RequestContext,
): messages.ListClientMetricsResourcesResponse {
  const response = messages.ListClientMetricsResourcesResponse.defaults();
  // As Kafka: listing subscriptions needs DESCRIBE_CONFIGS on the cluster.
  if (!authorizeCluster(broker, ctx, Op.DESCRIBE_CONFIGS)) {
    response.errorCode = ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
    return response;
  }
  response.clientMetricsResources = clientMetricsSubscriptions(broker.image()).map((s) => ({
    ...messages.defaultListClientMetricsResourcesResponseClientMetricsResource(), name: s.name,
  }));
  return response;
}
