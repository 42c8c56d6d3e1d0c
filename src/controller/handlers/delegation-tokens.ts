/**
 * CreateDelegationToken, RenewDelegationToken and ExpireDelegationToken as
 * the controller answers them for a broker (see ../delegation-tokens.ts).
 * The requester's principal comes with the forwarded request; a request
 * without it did not come through a broker and is not allowed.
 */
import { ApiKey, ErrorCode, messages } from '../../protocol/index.ts';
import { forwardedPrincipal, splitPrincipal } from '../../metadata/index.ts';
import { ERROR_TIMESTAMP, planCreateToken, planExpireToken, planRenewToken } from '../delegation-tokens.ts';
import { type ControllerHandler } from './types.ts';

function principalParts(principal: string): { principalType: string; principalName: string } {
  const parts = splitPrincipal(principal);
  return { principalType: parts?.type ?? '', principalName: parts?.name ?? principal };
}

export const createDelegationToken: ControllerHandler<messages.CreateDelegationTokenRequest, messages.CreateDelegationTokenResponse> = {
  apiKey: ApiKey.CreateDelegationToken,
  async answer(req, { controller, active, nowMs }) {
    const response = messages.CreateDelegationTokenResponse.defaults();
    const requester = forwardedPrincipal(req);
    if (!active) return { ...response, errorCode: ErrorCode.NOT_CONTROLLER };
    if (requester === null) return { ...response, errorCode: ErrorCode.DELEGATION_TOKEN_REQUEST_NOT_ALLOWED };
    const owner = req.ownerPrincipalName === null || req.ownerPrincipalName === '' ? null : `${req.ownerPrincipalType ?? 'User'}:${req.ownerPrincipalName}`;
    const result = await controller.planAndCommit((_image, out) => planCreateToken(controller.delegationTokenSettings, {
      requester, owner, renewers: req.renewers.map((r) => `${r.principalType}:${r.principalName}`), maxLifetimeMs: Number(req.maxLifetimeMs),
    }, nowMs, out));
    const ownerParts = principalParts(result.owner);
    const requesterParts = principalParts(result.requester);
    return {
      ...response, errorCode: result.errorCode, ...ownerParts,
      tokenRequesterPrincipalType: requesterParts.principalType, tokenRequesterPrincipalName: requesterParts.principalName,
      issueTimestampMs: BigInt(result.issueTimestampMs), expiryTimestampMs: BigInt(result.expiryTimestampMs),
      maxTimestampMs: BigInt(result.maxTimestampMs), tokenId: result.tokenId, hmac: result.hmac,
    };
  },
  errorCodes: (res) => [res.errorCode],
};

export const renewDelegationToken: ControllerHandler<messages.RenewDelegationTokenRequest, messages.RenewDelegationTokenResponse> = {
  apiKey: ApiKey.RenewDelegationToken,
  async answer(req, { controller, active, nowMs }) {
    const response = { ...messages.RenewDelegationTokenResponse.defaults(), expiryTimestampMs: BigInt(ERROR_TIMESTAMP) };
    const principal = forwardedPrincipal(req);
    if (!active) return { ...response, errorCode: ErrorCode.NOT_CONTROLLER };
    if (principal === null) return { ...response, errorCode: ErrorCode.DELEGATION_TOKEN_REQUEST_NOT_ALLOWED };
    const result = await controller.planAndCommit((image, out) => planRenewToken(image, controller.delegationTokenSettings, {
      principal, hmac: req.hmac, renewPeriodMs: Number(req.renewPeriodMs),
    }, nowMs, out));
    return { ...response, errorCode: result.errorCode, expiryTimestampMs: BigInt(result.expiryTimestampMs) };
  },
  errorCodes: (res) => [res.errorCode],
};

export const expireDelegationToken: ControllerHandler<messages.ExpireDelegationTokenRequest, messages.ExpireDelegationTokenResponse> = {
  apiKey: ApiKey.ExpireDelegationToken,
  async answer(req, { controller, active, nowMs }) {
    const response = { ...messages.ExpireDelegationTokenResponse.defaults(), expiryTimestampMs: BigInt(ERROR_TIMESTAMP) };
    const principal = forwardedPrincipal(req);
    if (!active) return { ...response, errorCode: ErrorCode.NOT_CONTROLLER };
    if (principal === null) return { ...response, errorCode: ErrorCode.DELEGATION_TOKEN_REQUEST_NOT_ALLOWED };
    const result = await controller.planAndCommit((image, out) => planExpireToken(image, controller.delegationTokenSettings, {
      principal, hmac: req.hmac, expiryTimePeriodMs: Number(req.expiryTimePeriodMs),
    }, nowMs, out));
    return { ...response, errorCode: result.errorCode, expiryTimestampMs: BigInt(result.expiryTimestampMs) };
  },
  errorCodes: (res) => [res.errorCode],
};
