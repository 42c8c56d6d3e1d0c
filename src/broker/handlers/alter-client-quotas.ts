/**
 * AlterClientQuotas (API key 49): needs ALTER_CONFIGS on the cluster, as
 * Kafka's controller checks it; refused, every entry is answered
 * CLUSTER_AUTHORIZATION_FAILED and nothing is forwarded. Otherwise forwarded
 * to the controller, which validates, stores and answers per entity.
 */
import { ErrorCode, messages } from '../../protocol/index.ts';
import { Op, authorizeCluster } from '../authorization.ts';
import type { BrokerContext, RequestContext } from '../broker-context.ts';

const REFUSED = 'Cluster authorization failed.';

export function handleAlterClientQuotas(
  broker: BrokerContext, request: messages.AlterClientQuotasRequest, ctx: RequestContext,
): Promise<messages.AlterClientQuotasResponse> {
  if (authorizeCluster(broker, ctx, Op.ALTER_CONFIGS)) return broker.controller.alterClientQuotas(request);
  const response = messages.AlterClientQuotasResponse.defaults();
  response.entries = request.entries.map((e) => ({
    ...messages.defaultAlterClientQuotasResponseEntryData(),
    errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: REFUSED,
    entity: e.entity.map((p) => ({ ...messages.defaultAlterClientQuotasResponseEntityData(), entityType: p.entityType, entityName: p.entityName })),
  }));
  return Promise.resolve(response);
}
