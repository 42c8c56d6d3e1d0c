/**
 * Delegation tokens (KIP-48) as Kafka's DelegationTokenControlManager
 * decides them, on the active controller:
 *
 * - Create: the owner is the one the request names, else the requester;
 *   renewers must be `User` principals (INVALID_PRINCIPAL_TYPE). The token
 *   lives until now + delegation.token.max.lifetime.ms (or the shorter
 *   lifetime asked for) and must be renewed before now +
 *   delegation.token.expiry.time.ms (never past its max time).
 * - Renew: the token is found by its HMAC (DELEGATION_TOKEN_NOT_FOUND); an
 *   expired one is DELEGATION_TOKEN_EXPIRED; only its owner or a renewer may
 *   renew (DELEGATION_TOKEN_OWNER_MISMATCH). The new expiry is now + the
 *   period asked for (at most expiry.time.ms), capped at the max time.
 * - Expire: found by HMAC, by its owner or a renewer; a negative period
 *   removes it at once, else its expiry becomes now + period (capped), and an
 *   already expired token is DELEGATION_TOKEN_EXPIRED.
 * - Sweep: every token whose expiry or max time has passed is removed.
 *
 * Without `delegation.token.secret.key` every answer is
 * DELEGATION_TOKEN_AUTH_DISABLED. The broker checks first what only it can
 * know (how the client authenticated, the ACLs); the requester's principal
 * travels with the forwarded request (see `requesterOf`).
 */
import { randomBytes } from 'node:crypto';
import { ErrorCode } from '../protocol/index.ts';
import {
  delegationTokenHmac, metadataRecord, ownerOrRenewer, records as recordCodecs, splitPrincipal, tokenByHmac, tokenExpired,
  type DelegationTokenImage, type DelegationTokenSettings, type MetadataImage, type MetadataRecord,
} from '../metadata/index.ts';

/** Kafka's timestamp in a renew or expire answer that failed. */
export const ERROR_TIMESTAMP = -1;

export interface CreateTokenRequest {
  requester: string;
  /** `Type:name`, or null for the requester. */
  owner: string | null;
  renewers: readonly string[];
  /** <= 0: delegation.token.max.lifetime.ms. */
  maxLifetimeMs: number;
}

export interface CreateTokenResult {
  errorCode: number;
  owner: string;
  requester: string;
  issueTimestampMs: number;
  expiryTimestampMs: number;
  maxTimestampMs: number;
  tokenId: string;
  hmac: Buffer;
}

export interface TokenTimestampResult {
  errorCode: number;
  expiryTimestampMs: number;
}

/** Kafka's token ids: a random UUID in URL-safe base64. */
export function newTokenId(): string {
  return randomBytes(16).toString('base64url');
}

function addCapped(nowMs: number, periodMs: number): number {
  return Math.min(nowMs + periodMs, Number.MAX_SAFE_INTEGER);
}

function tokenRecord(t: DelegationTokenImage): MetadataRecord {
  return metadataRecord(recordCodecs.DelegationTokenRecord, {
    owner: t.owner, requester: t.requester, renewers: [...t.renewers], tokenId: t.tokenId,
    issueTimestamp: BigInt(t.issueTimestampMs), maxTimestamp: BigInt(t.maxTimestampMs), expirationTimestamp: BigInt(t.expiryTimestampMs),
  });
}

function removalRecord(tokenId: string): MetadataRecord {
  return metadataRecord(recordCodecs.RemoveDelegationTokenRecord, { tokenId });
}

export function planCreateToken(
  settings: DelegationTokenSettings, req: CreateTokenRequest, nowMs: number, out: MetadataRecord[], tokenId: () => string = newTokenId,
): CreateTokenResult {
  const owner = req.owner ?? req.requester;
  const refused = (errorCode: number): CreateTokenResult => ({
    errorCode, owner, requester: req.requester, issueTimestampMs: -1, expiryTimestampMs: -1, maxTimestampMs: -1, tokenId: '', hmac: Buffer.alloc(0),
  });
  if (settings.secretKey === null) return refused(ErrorCode.DELEGATION_TOKEN_AUTH_DISABLED);
  if (splitPrincipal(owner) === null) return refused(ErrorCode.INVALID_PRINCIPAL_TYPE);
  if (req.renewers.some((r) => splitPrincipal(r)?.type !== 'User')) return refused(ErrorCode.INVALID_PRINCIPAL_TYPE);
  const lifetimeMs = req.maxLifetimeMs > 0 ? Math.min(settings.maxLifetimeMs, req.maxLifetimeMs) : settings.maxLifetimeMs;
  const maxTimestampMs = addCapped(nowMs, lifetimeMs);
  const token: DelegationTokenImage = {
    tokenId: tokenId(), owner, requester: req.requester, renewers: [...req.renewers],
    issueTimestampMs: nowMs, maxTimestampMs, expiryTimestampMs: Math.min(maxTimestampMs, addCapped(nowMs, settings.expiryTimeMs)),
  };
  out.push(tokenRecord(token));
  return {
    errorCode: ErrorCode.NONE, owner, requester: req.requester, issueTimestampMs: nowMs, expiryTimestampMs: token.expiryTimestampMs,
    maxTimestampMs, tokenId: token.tokenId, hmac: delegationTokenHmac(settings.secretKey, token.tokenId),
  };
}

function failed(errorCode: number): TokenTimestampResult {
  return { errorCode, expiryTimestampMs: ERROR_TIMESTAMP };
}

export function planRenewToken(
  image: MetadataImage, settings: DelegationTokenSettings, req: { principal: string; hmac: Buffer; renewPeriodMs: number }, nowMs: number,
  out: MetadataRecord[],
): TokenTimestampResult {
  if (settings.secretKey === null) return failed(ErrorCode.DELEGATION_TOKEN_AUTH_DISABLED);
  const token = tokenByHmac(image.delegationTokens, settings.secretKey, req.hmac);
  if (token === null) return failed(ErrorCode.DELEGATION_TOKEN_NOT_FOUND);
  if (tokenExpired(token, nowMs)) return failed(ErrorCode.DELEGATION_TOKEN_EXPIRED);
  if (!ownerOrRenewer(token, req.principal)) return failed(ErrorCode.DELEGATION_TOKEN_OWNER_MISMATCH);
  const periodMs = req.renewPeriodMs > 0 ? Math.min(settings.expiryTimeMs, req.renewPeriodMs) : settings.expiryTimeMs;
  const expiryTimestampMs = Math.min(token.maxTimestampMs, addCapped(nowMs, periodMs));
  out.push(tokenRecord({ ...token, expiryTimestampMs }));
  return { errorCode: ErrorCode.NONE, expiryTimestampMs };
}

export function planExpireToken(
  image: MetadataImage, settings: DelegationTokenSettings, req: { principal: string; hmac: Buffer; expiryTimePeriodMs: number }, nowMs: number,
  out: MetadataRecord[],
): TokenTimestampResult {
  if (settings.secretKey === null) return failed(ErrorCode.DELEGATION_TOKEN_AUTH_DISABLED);
  const token = tokenByHmac(image.delegationTokens, settings.secretKey, req.hmac);
  if (token === null) return failed(ErrorCode.DELEGATION_TOKEN_NOT_FOUND);
  if (!ownerOrRenewer(token, req.principal)) return failed(ErrorCode.DELEGATION_TOKEN_OWNER_MISMATCH);
  if (req.expiryTimePeriodMs < 0) {
    out.push(removalRecord(token.tokenId));
    return { errorCode: ErrorCode.NONE, expiryTimestampMs: nowMs };
  }
  if (tokenExpired(token, nowMs)) return failed(ErrorCode.DELEGATION_TOKEN_EXPIRED);
  const expiryTimestampMs = Math.min(token.maxTimestampMs, addCapped(nowMs, req.expiryTimePeriodMs));
  out.push(tokenRecord({ ...token, expiryTimestampMs }));
  return { errorCode: ErrorCode.NONE, expiryTimestampMs };
}

/** Removal records for every expired token; their ids. */
export function planExpiredTokenRemovals(image: MetadataImage, nowMs: number, out: MetadataRecord[]): string[] {
  const removed: string[] = [];
  for (const token of image.delegationTokens.values()) {
    if (!tokenExpired(token, nowMs)) continue;
    out.push(removalRecord(token.tokenId));
    removed.push(token.tokenId);
  }
  return removed;
}
