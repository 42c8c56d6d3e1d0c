/**
 * Delegation tokens (KIP-48) as the metadata log keeps them and every node
 * reads them: a DelegationTokenRecord carries the token's id, owner,
 * requester, renewers and its three timestamps, never its HMAC. The HMAC
 * (the token's password) is HMAC-SHA512 of the token id under
 * `delegation.token.secret.key`, which every node shares, so each computes it
 * when it needs it, as Kafka does.
 *
 * Principals are Kafka's `Type:name` text (`User:alice`), as the records and
 * ACLs carry them.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { TaggedField } from '../protocol/index.ts';
import { brokerValue } from './config/broker-checks.ts';

export interface DelegationTokenImage {
  readonly tokenId: string;
  readonly owner: string;
  readonly requester: string;
  readonly renewers: readonly string[];
  readonly issueTimestampMs: number;
  /** After this the token cannot be renewed any more. */
  readonly maxTimestampMs: number;
  /** The token must be renewed before this. */
  readonly expiryTimestampMs: number;
}

/** The delegation.token.* broker configs; `secretKey` null means tokens are disabled. */
export interface DelegationTokenSettings {
  readonly secretKey: string | null;
  readonly maxLifetimeMs: number;
  readonly expiryTimeMs: number;
  readonly expiryCheckIntervalMs: number;
}

export const DELEGATION_TOKENS_DISABLED: DelegationTokenSettings = Object.freeze({
  secretKey: null, maxLifetimeMs: 604_800_000, expiryTimeMs: 86_400_000, expiryCheckIntervalMs: 3_600_000,
});

/**
 * The settings from a validated broker config's raw keys:
 * `delegation.token.secret.key`, else its older name
 * `delegation.token.master.key`; an empty key is no key (Kafka's check).
 */
export function delegationTokenSettings(raw: Readonly<Record<string, string>>): DelegationTokenSettings {
  const key = (brokerValue(raw, 'delegation.token.secret.key') ?? brokerValue(raw, 'delegation.token.master.key')) as string | null;
  return {
    secretKey: key === null || key === '' ? null : key,
    maxLifetimeMs: brokerValue(raw, 'delegation.token.max.lifetime.ms') as number,
    expiryTimeMs: brokerValue(raw, 'delegation.token.expiry.time.ms') as number,
    expiryCheckIntervalMs: brokerValue(raw, 'delegation.token.expiry.check.interval.ms') as number,
  };
}

/** The token's HMAC: HMAC-SHA512 over the token id's UTF-8 bytes, keyed by the secret key's UTF-8 bytes. */
export function delegationTokenHmac(secretKey: string, tokenId: string): Buffer {
  return createHmac('sha512', Buffer.from(secretKey, 'utf8')).update(tokenId, 'utf8').digest();
}

/** The token whose HMAC this is, or null (compared in constant time per token). */
export function tokenByHmac(tokens: ReadonlyMap<string, DelegationTokenImage>, secretKey: string, hmac: Buffer): DelegationTokenImage | null {
  for (const token of tokens.values()) {
    const expected = delegationTokenHmac(secretKey, token.tokenId);
    if (expected.length === hmac.length && timingSafeEqual(expected, hmac)) return token;
  }
  return null;
}

/** Kafka's test: a token is expired once either its expiry or its max time has passed. */
export function tokenExpired(token: DelegationTokenImage, nowMs: number): boolean {
  return token.maxTimestampMs < nowMs || token.expiryTimestampMs < nowMs;
}

/** Whether the principal owns the token or is one of its renewers (Kafka's TokenInformation.ownerOrRenewer). */
export function ownerOrRenewer(token: DelegationTokenImage, principal: string): boolean {
  return token.owner === principal || token.renewers.includes(principal);
}

/** `Type:name` split at the first colon; null when there is none. */
export function splitPrincipal(principal: string): { type: string; name: string } | null {
  const at = principal.indexOf(':');
  return at <= 0 ? null : { type: principal.slice(0, at), name: principal.slice(at + 1) };
}

/**
 * A token request forwarded by a broker to the controller carries the
 * requester's principal in this tagged field, which no Kafka version defines
 * (Kafka wraps the request in an Envelope instead). Only nodes send it: the
 * controller listener admits only principals with CLUSTER_ACTION.
 */
export const FORWARDED_PRINCIPAL_TAG = 10_000;

export function withForwardedPrincipal<T extends { unknownTaggedFields?: TaggedField[] }>(body: T, principal: string): T {
  const others = (body.unknownTaggedFields ?? []).filter((f) => f.tag !== FORWARDED_PRINCIPAL_TAG);
  return { ...body, unknownTaggedFields: [...others, { tag: FORWARDED_PRINCIPAL_TAG, data: Buffer.from(principal, 'utf8') }] };
}

/** The requester a broker forwarded the request for, or null when it came from no broker. */
export function forwardedPrincipal(body: { unknownTaggedFields?: TaggedField[] }): string | null {
  const field = body.unknownTaggedFields?.find((f) => f.tag === FORWARDED_PRINCIPAL_TAG);
  return field === undefined ? null : Buffer.from(field.data).toString('utf8');
}
