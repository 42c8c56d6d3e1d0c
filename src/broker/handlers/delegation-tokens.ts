/**
 * CreateDelegationToken (API key 38), RenewDelegationToken (39),
 * ExpireDelegationToken (40) and DescribeDelegationToken (41), as KafkaApis
 * answers them in KRaft mode.
 *
 * Token requests are refused (DELEGATION_TOKEN_REQUEST_NOT_ALLOWED) on a
 * connection that logged in with a delegation token, on a PLAINTEXT
 * listener, and on an SSL listener without a client certificate: tokens are
 * handed out only to clients that proved who they are otherwise. Creating a
 * token for another owner needs CREATE_TOKENS on that owner's USER resource.
 * Create, renew and expire go to the controller with the requester's
 * principal (../../controller/delegation-tokens.ts decides them); describe
 * is answered from this broker's image: the tokens the principal owns or
 * renews, and those it may DESCRIBE (DELEGATION_TOKEN resource) or whose
 * owner it may DESCRIBE_TOKENS (USER resource).
 */
import { ErrorCode, messages } from '../../protocol/index.ts';
import {
  delegationTokenHmac, delegationTokenSettings, ownerOrRenewer, splitPrincipal, type DelegationTokenImage,
} from '../../metadata/index.ts';
import { Op, Resource, authorize } from '../authorization.ts';
import type { BrokerContext, RequestContext } from '../broker-context.ts';

/** Kafka's allowTokenRequests: not with a token, not on PLAINTEXT, not on one-way SSL. */
/** The principal of a connection that proved nothing (src/security's ANONYMOUS_PRINCIPAL). */
const ANONYMOUS = 'User:ANONYMOUS';

function tokenRequestsAllowed(broker: BrokerContext, ctx: RequestContext): boolean {
  if (ctx.tokenAuthenticated === true) return false;
  const protocol = broker.config.listenerSecurityProtocolMap[ctx.listenerName] ?? 'PLAINTEXT';
  if (protocol === 'PLAINTEXT') return false;
  return !(protocol === 'SSL' && ctx.principal === ANONYMOUS);
}

function parts(principal: string): { principalType: string; principalName: string } {
  const p = splitPrincipal(principal);
  return { principalType: p?.type ?? '', principalName: p?.name ?? principal };
}

export function handleCreateDelegationToken(
  broker: BrokerContext, request: messages.CreateDelegationTokenRequest, ctx: RequestContext,
): messages.CreateDelegationTokenResponse | Promise<messages.CreateDelegationTokenResponse> {
  const requester = ctx.principal;
  const ownerName = request.ownerPrincipalName;
  const owner = ownerName === null || ownerName === '' ? requester : `${request.ownerPrincipalType ?? 'User'}:${ownerName}`;
  const refuse = (errorCode: number): messages.CreateDelegationTokenResponse => {
    const r = parts(requester);
    return {
      ...messages.CreateDelegationTokenResponse.defaults(), errorCode, ...parts(owner),
      tokenRequesterPrincipalType: r.principalType, tokenRequesterPrincipalName: r.principalName,
      issueTimestampMs: -1n, expiryTimestampMs: -1n, maxTimestampMs: -1n,
    };
  };
  if (!tokenRequestsAllowed(broker, ctx)) return refuse(ErrorCode.DELEGATION_TOKEN_REQUEST_NOT_ALLOWED);
  if (owner !== requester && !authorize(broker, ctx, Op.CREATE_TOKENS, Resource.USER, owner)) {
    return refuse(ErrorCode.DELEGATION_TOKEN_AUTHORIZATION_FAILED);
  }
  if (request.renewers.some((r) => r.principalType !== 'User')) return refuse(ErrorCode.INVALID_PRINCIPAL_TYPE);
  return broker.controller.createDelegationToken(request, requester);
}

export function handleRenewDelegationToken(
  broker: BrokerContext, request: messages.RenewDelegationTokenRequest, ctx: RequestContext,
): messages.RenewDelegationTokenResponse | Promise<messages.RenewDelegationTokenResponse> {
  if (tokenRequestsAllowed(broker, ctx)) return broker.controller.renewDelegationToken(request, ctx.principal);
  return { ...messages.RenewDelegationTokenResponse.defaults(), errorCode: ErrorCode.DELEGATION_TOKEN_REQUEST_NOT_ALLOWED, expiryTimestampMs: -1n };
}

export function handleExpireDelegationToken(
  broker: BrokerContext, request: messages.ExpireDelegationTokenRequest, ctx: RequestContext,
): messages.ExpireDelegationTokenResponse | Promise<messages.ExpireDelegationTokenResponse> {
  if (tokenRequestsAllowed(broker, ctx)) return broker.controller.expireDelegationToken(request, ctx.principal);
  return { ...messages.ExpireDelegationTokenResponse.defaults(), errorCode: ErrorCode.DELEGATION_TOKEN_REQUEST_NOT_ALLOWED, expiryTimestampMs: -1n };
}

export function handleDescribeDelegationToken(
  broker: BrokerContext, request: messages.DescribeDelegationTokenRequest, ctx: RequestContext,
): messages.DescribeDelegationTokenResponse {
  const response = messages.DescribeDelegationTokenResponse.defaults();
  if (!tokenRequestsAllowed(broker, ctx)) return { ...response, errorCode: ErrorCode.DELEGATION_TOKEN_REQUEST_NOT_ALLOWED };
  const secretKey = delegationTokenSettings(broker.config.raw).secretKey;
  if (secretKey === null) return { ...response, errorCode: ErrorCode.DELEGATION_TOKEN_AUTH_DISABLED };
  const owners = request.owners === null ? null : request.owners.map((o) => `${o.principalType}:${o.principalName}`);
  const visible = (t: DelegationTokenImage): boolean => {
    if (owners !== null && !owners.some((o) => ownerOrRenewer(t, o))) return false;
    if (ownerOrRenewer(t, ctx.principal)) return true;
    return authorize(broker, ctx, Op.DESCRIBE, Resource.DELEGATION_TOKEN, t.tokenId)
      || authorize(broker, ctx, Op.DESCRIBE_TOKENS, Resource.USER, t.owner);
  };
  response.tokens = [...broker.image().delegationTokens.values()].filter(visible).map((t) => {
    const requester = parts(t.requester);
    return {
      ...messages.defaultDescribeDelegationTokenResponseDescribedDelegationToken(), ...parts(t.owner),
      tokenRequesterPrincipalType: requester.principalType, tokenRequesterPrincipalName: requester.principalName,
      issueTimestamp: BigInt(t.issueTimestampMs), expiryTimestamp: BigInt(t.expiryTimestampMs), maxTimestamp: BigInt(t.maxTimestampMs),
      tokenId: t.tokenId, hmac: delegationTokenHmac(secretKey, t.tokenId),
      renewers: t.renewers.map((r) => ({ ...messages.defaultDescribeDelegationTokenResponseDescribedDelegationTokenRenewer(), ...parts(r) })),
    };
  });
  return response;
}
