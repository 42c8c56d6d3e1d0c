/**
 * DescribeClientQuotas (API key 48), answered from this broker's metadata
 * image as Kafka's ClientQuotasImage.describe does (see
 * src/metadata/client-quotas.ts for the filter rules). A bad filter fails the
 * whole response, with null entries. Needs DESCRIBE_CONFIGS on the cluster,
 * as in Kafka: refused, the response is CLUSTER_AUTHORIZATION_FAILED with
 * null entries.
 */
import { ErrorCode, messages } from '../../protocol/index.ts';
import { describeClientQuotas } from '../../metadata/index.ts';
import { Op, authorizeCluster } from '../authorization.ts';
import type { BrokerContext, RequestContext } from '../broker-context.ts';

export function handleDescribeClientQuotas(
  broker: BrokerContext, request: messages.DescribeClientQuotasRequest, ctx: RequestContext,
): messages.DescribeClientQuotasResponse {
  if (!authorizeCluster(broker, ctx, Op.DESCRIBE_CONFIGS)) {
    return { ...messages.DescribeClientQuotasResponse.defaults(), errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: 'Cluster authorization failed.', entries: null };
  }
  const result = describeClientQuotas(broker.image().clientQuotas, request.components, request.strict);
  const response = messages.DescribeClientQuotasResponse.defaults();
  response.errorCode = result.errorCode;
  response.errorMessage = result.errorMessage;
  response.entries = result.entries === null ? null : result.entries.map((q) => ({
    ...messages.defaultDescribeClientQuotasResponseEntryData(),
    entity: q.entity.map((p) => ({ ...messages.defaultDescribeClientQuotasResponseEntityData(), entityType: p.entityType, entityName: p.entityName })),
    values: [...q.values].map(([key, value]) => ({ ...messages.defaultDescribeClientQuotasResponseValueData(), key, value })),
  }));
  return response;
}
