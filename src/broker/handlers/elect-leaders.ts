/** ElectLeaders (API key 43): forwarded to the controller, which elects and answers per partition. */
import type { messages } from '../../protocol/index.ts';
import type { BrokerContext, RequestContext } from '../broker-context.ts';

export function handleElectLeaders(
  broker: BrokerContext, request: messages.ElectLeadersRequest, _ctx: RequestContext,
): Promise<messages.ElectLeadersResponse> {
  return broker.controller.electLeaders(request);
}
