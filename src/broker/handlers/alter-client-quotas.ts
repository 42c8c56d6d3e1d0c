/** AlterClientQuotas (API key 49): forwarded to the controller, which validates, stores and answers per entity. */
import type { messages } from '../../protocol/index.ts';
import type { BrokerContext, RequestContext } from '../broker-context.ts';

export function handleAlterClientQuotas(
  broker: BrokerContext, request: messages.AlterClientQuotasRequest, _ctx: RequestContext,
): Promise<messages.AlterClientQuotasResponse> {
  return broker.controller.alterClientQuotas(request);
}
