/**
 * Delegation tokens (KIP-48), as Java's Admin has them
 * (createDelegationToken, renewDelegationToken, expireDelegationToken,
 * describeDelegationToken): what `samsa delegation-tokens` is built on.
 * Principals are Kafka's `Type:name` text (`User:alice`). A token's HMAC is
 * its password: log in with SCRAM, the token id as username, the base64 HMAC
 * as password and `tokenAuth: true` in the client's `sasl` options. Each
 * call throws a ClientError carrying Kafka's error for a refusal.
 */
import { ApiKey, ClientError, ErrorCode, errorName, messages } from '../protocol/index.ts';
import type { Cluster } from './cluster.ts';

export interface DelegationToken {
  tokenId: string;
  hmac: Buffer;
  owner: string;
  requester: string;
  renewers: string[];
  issueTimestampMs: number;
  expiryTimestampMs: number;
  maxTimestampMs: number;
}

export interface CreateDelegationTokenOptions {
  /** The token's owner when not the caller (needs CREATE_TOKENS on that user). */
  owner?: string;
  /** Principals that may renew the token besides its owner. */
  renewers?: readonly string[];
  /** At most delegation.token.max.lifetime.ms; absent or <= 0: that config. */
  maxLifetimeMs?: number;
}

function principal(text: string, what: string): { principalType: string; principalName: string } {
  const at = text.indexOf(':');
  if (at <= 0) throw new ClientError(`${what} '${text}' is not a principal of the form Type:name`, 'INVALID_PRINCIPAL_TYPE', ErrorCode.INVALID_PRINCIPAL_TYPE);
  return { principalType: text.slice(0, at), principalName: text.slice(at + 1) };
}

function check(action: string, errorCode: number): void {
  if (errorCode !== ErrorCode.NONE) throw new ClientError(`${action} failed: ${errorName(errorCode)}`, errorName(errorCode), errorCode);
}

export class DelegationTokenAdmin {
  private readonly cluster: Cluster;

  constructor(cluster: Cluster) {
    this.cluster = cluster;
  }

  async createDelegationToken(options: CreateDelegationTokenOptions = {}): Promise<DelegationToken> {
    const owner = options.owner === undefined ? null : principal(options.owner, 'owner');
    const renewers = (options.renewers ?? []).map((r) => ({
      ...messages.defaultCreateDelegationTokenRequestCreatableRenewers(), ...principal(r, 'renewer'),
    }));
    const res = await (await this.cluster.any()).request(ApiKey.CreateDelegationToken, {
      ...messages.CreateDelegationTokenRequest.defaults(),
      ownerPrincipalType: owner?.principalType ?? null, ownerPrincipalName: owner?.principalName ?? null,
      renewers, maxLifetimeMs: BigInt(options.maxLifetimeMs ?? -1),
    });
    check('creating a delegation token', res.errorCode);
    return {
      tokenId: res.tokenId, hmac: res.hmac, owner: `${res.principalType}:${res.principalName}`,
      requester: res.tokenRequesterPrincipalName === '' ? '' : `${res.tokenRequesterPrincipalType}:${res.tokenRequesterPrincipalName}`,
      renewers: (options.renewers ?? []).slice(), issueTimestampMs: Number(res.issueTimestampMs),
      expiryTimestampMs: Number(res.expiryTimestampMs), maxTimestampMs: Number(res.maxTimestampMs),
    };
  }

  /** The token's new expiry time; `renewPeriodMs` <= 0: delegation.token.expiry.time.ms. */
  async renewDelegationToken(hmac: Buffer, renewPeriodMs = -1): Promise<number> {
    const res = await (await this.cluster.any()).request(ApiKey.RenewDelegationToken, {
      ...messages.RenewDelegationTokenRequest.defaults(), hmac, renewPeriodMs: BigInt(renewPeriodMs),
    });
    check('renewing the delegation token', res.errorCode);
    return Number(res.expiryTimestampMs);
  }

  /** The token's new expiry time; a negative `expiryTimePeriodMs` (the default) expires it at once. */
  async expireDelegationToken(hmac: Buffer, expiryTimePeriodMs = -1): Promise<number> {
    const res = await (await this.cluster.any()).request(ApiKey.ExpireDelegationToken, {
      ...messages.ExpireDelegationTokenRequest.defaults(), hmac, expiryTimePeriodMs: BigInt(expiryTimePeriodMs),
    });
    check('expiring the delegation token', res.errorCode);
    return Number(res.expiryTimestampMs);
  }

  /** The tokens the caller may see, owned or renewable by one of `owners` when given (null: every owner). */
  async describeDelegationToken(owners: readonly string[] | null = null): Promise<DelegationToken[]> {
    const res = await (await this.cluster.any()).request(ApiKey.DescribeDelegationToken, {
      ...messages.DescribeDelegationTokenRequest.defaults(),
      owners: owners === null ? null : owners.map((o) => ({ ...messages.defaultDescribeDelegationTokenRequestDescribeDelegationTokenOwner(), ...principal(o, 'owner') })),
    });
    check('describing delegation tokens', res.errorCode);
    return res.tokens.map((t) => ({
      tokenId: t.tokenId, hmac: t.hmac, owner: `${t.principalType}:${t.principalName}`,
      requester: t.tokenRequesterPrincipalName === '' ? '' : `${t.tokenRequesterPrincipalType}:${t.tokenRequesterPrincipalName}`,
      renewers: t.renewers.map((r) => `${r.principalType}:${r.principalName}`),
      issueTimestampMs: Number(t.issueTimestamp), expiryTimestampMs: Number(t.expiryTimestamp), maxTimestampMs: Number(t.maxTimestamp),
    }));
  }
}
