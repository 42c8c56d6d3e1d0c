/** AlterUserScramCredentials (API key 51): forwarded to the controller, which validates, stores and answers per user. */
import type { messages } from '../../protocol/index.ts';
import type { BrokerContext, RequestContext } from '../broker-context.ts';

export function handleAlterUserScramCredentials(
  broker: BrokerContext, request: messages.AlterUserScramCredentialsRequest, _ctx: RequestContext,
): Promise<messages.AlterUserScramCredentialsResponse> {
  return broker.controller.alterUserScramCredentials(request);
}
