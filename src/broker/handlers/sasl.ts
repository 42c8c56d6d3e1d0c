/**
 * SaslHandshake (API key 17) and SaslAuthenticate (36) as the request
 * handlers see them. On a SASL listener the server's authenticator answers
 * both until the client has logged in, so what reaches these handlers comes
 * after authentication or on a listener without SASL: Kafka answers both
 * with ILLEGAL_SASL_STATE (Samsa does not re-authenticate connections).
 */
import { ErrorCode, messages } from '../../protocol/index.ts';
import type { BrokerContext, RequestContext } from '../broker-context.ts';

export function handleSaslHandshake(
  _broker: BrokerContext, _request: messages.SaslHandshakeRequest, _ctx: RequestContext,
): messages.SaslHandshakeResponse {
  return { ...messages.SaslHandshakeResponse.defaults(), errorCode: ErrorCode.ILLEGAL_SASL_STATE };
}

export function handleSaslAuthenticate(
  _broker: BrokerContext, _request: messages.SaslAuthenticateRequest, _ctx: RequestContext,
): messages.SaslAuthenticateResponse {
  return {
    ...messages.SaslAuthenticateResponse.defaults(),
    errorCode: ErrorCode.ILLEGAL_SASL_STATE,
    errorMessage: 'SaslAuthenticate request received after successful authentication or on a listener without SASL',
  };
}
