/**
 * The secured OAUTHBEARER validator (KIP-768), Kafka's
 * OAuthBearerValidatorCallbackHandler: a JWT signed by the identity provider
 * with a key from its JWKS.
 *
 *   1. Three parts; the header names a signing algorithm Samsa checks
 *      (RS256/384/512, PS256/384/512, ES256/384/512). `none` is refused.
 *   2. The key: the JWKS entry with the header's `kid` (a kid the set lacks
 *      asks a remote set to be fetched again); without a kid, the one key of
 *      the set that fits the algorithm. The signature must verify.
 *   3. Claims, with `sasl.oauthbearer.clock.skew.seconds` of tolerance:
 *      `exp` and `iat` present and numeric, not expired, `nbf` (when present)
 *      and `iat` not in the future; `aud` holds one of
 *      `sasl.oauthbearer.expected.audience` (when set; when not set a token
 *      with an `aud` is refused, as Kafka's jose4j does); `iss` equals
 *      `sasl.oauthbearer.expected.issuer` (when set); the subject claim
 *      (`sasl.oauthbearer.sub.claim.name`) is a non-blank string; the scope
 *      claim (`sasl.oauthbearer.scope.claim.name`), a string or a list, has
 *      no blank element.
 *
 * Every refusal says why; Kafka logs the reason and tells the client only
 * `invalid_token`.
 */
import { constants, verify, type KeyObject } from 'node:crypto';
import type { BearerTokenValidator, TokenVerdict } from './oauthbearer-server.ts';
import type { JwksSource, VerificationKey } from './jwks.ts';
import { scopeOf } from './oauthbearer-unsecured.ts';
import { sasl } from '../../protocol/index.ts';

interface Algorithm {
  readonly kty: 'RSA' | 'EC';
  readonly hash: 'sha256' | 'sha384' | 'sha512';
  readonly pss?: true;
  readonly crv?: string;
}

const ALGORITHMS: Readonly<Record<string, Algorithm>> = {
  RS256: { kty: 'RSA', hash: 'sha256' }, RS384: { kty: 'RSA', hash: 'sha384' }, RS512: { kty: 'RSA', hash: 'sha512' },
  PS256: { kty: 'RSA', hash: 'sha256', pss: true }, PS384: { kty: 'RSA', hash: 'sha384', pss: true }, PS512: { kty: 'RSA', hash: 'sha512', pss: true },
  ES256: { kty: 'EC', hash: 'sha256', crv: 'P-256' }, ES384: { kty: 'EC', hash: 'sha384', crv: 'P-384' }, ES512: { kty: 'EC', hash: 'sha512', crv: 'P-521' },
};
const HASH_BYTES: Readonly<Record<Algorithm['hash'], number>> = { sha256: 32, sha384: 48, sha512: 64 };

export interface JwtValidatorSettings {
  readonly keys: JwksSource;
  readonly clockSkewSeconds: number;
  /** Empty: no audience expected (and a token that names one is refused). */
  readonly expectedAudiences: readonly string[];
  readonly expectedIssuer: string | null;
  readonly scopeClaimName: string;
  readonly subClaimName: string;
}

export class JwtTokenValidator implements BearerTokenValidator {
  readonly kind = 'jwt';
  private readonly settings: JwtValidatorSettings;
  private readonly nowMs: () => number;

  constructor(settings: JwtValidatorSettings, nowMs: () => number) {
    this.settings = settings;
    this.nowMs = nowMs;
  }

  validate(token: string): TokenVerdict {
    const verdict = this.check(token.trim());
    return typeof verdict === 'string' ? { ok: false, status: 'invalid_token', scope: null, reason: verdict } : verdict;
  }

  /** The verdict, or the reason the token is refused. */
  private check(token: string): TokenVerdict | string {
    if (token === '') return 'Empty JWT provided; expected three sections (header, payload, and signature)';
    const parts = sasl.oauthbearer.splitJwt(token);
    if ('error' in parts) return `Malformed JWT provided: ${parts.error}`;
    const algName = parts.header.alg;
    if (typeof algName !== 'string') return 'the JWT header has no "alg"';
    if (algName === 'none') return 'the JWT is unsigned (alg "none"), which this listener\'s validator refuses';
    const alg = ALGORITHMS[algName];
    if (alg === undefined) return `the JWT's signing algorithm "${algName}" is not supported (${Object.keys(ALGORITHMS).join(', ')} are)`;
    const kid = typeof parts.header.kid === 'string' ? parts.header.kid : null;
    const key = this.keyFor(kid, algName, alg);
    if (typeof key === 'string') return key;
    if (!signatureVerifies(alg, key, parts.signingInput, parts.signature)) {
      return `the JWT's signature does not verify with ${kid === null ? 'the' : `key '${kid}' of the`} JWKS at ${this.settings.keys.description}`;
    }
    return this.checkClaims(parts.claims);
  }

  private keyFor(kid: string | null, algName: string, alg: Algorithm): KeyObject | string {
    const keys = this.settings.keys.keys();
    if (!Array.isArray(keys)) return (keys as { error: string }).error;
    const fits = (k: VerificationKey): boolean => k.kty === alg.kty && (k.alg === null || k.alg === algName) && (alg.crv === undefined || k.crv === alg.crv);
    if (kid !== null) {
      const named = keys.filter((k) => k.kid === kid);
      if (named.length === 0) {
        this.settings.keys.missingKid(kid);
        return `no key with kid '${kid}' in the JWKS at ${this.settings.keys.description}`;
      }
      const usable = named.find(fits);
      return usable?.key ?? `the JWKS key '${kid}' does not fit the JWT's algorithm ${algName}`;
    }
    const candidates = keys.filter(fits);
    if (candidates.length === 1) return candidates[0]!.key;
    return candidates.length === 0
      ? `the JWT has no kid and the JWKS at ${this.settings.keys.description} has no key for ${algName}`
      : `the JWT has no kid and the JWKS at ${this.settings.keys.description} has ${candidates.length} keys for ${algName}`;
  }

  private checkClaims(claims: Record<string, unknown>): TokenVerdict | string {
    const now = this.nowMs();
    const skewMs = this.settings.clockSkewSeconds * 1000;
    const exp = claims.exp;
    if (exp === undefined) return 'the JWT has no expiration time (exp) claim';
    if (typeof exp !== 'number') return 'the JWT\'s exp claim is not a number';
    const iat = claims.iat;
    if (iat === undefined) return 'the JWT has no issued-at (iat) claim';
    if (typeof iat !== 'number') return 'the JWT\'s iat claim is not a number';
    if (now - skewMs >= exp * 1000) return `the JWT expired at ${isoTime(exp)} (now ${isoTime(now / 1000)}, clock skew allowed ${this.settings.clockSkewSeconds} s)`;
    const nbf = claims.nbf;
    if (nbf !== undefined && typeof nbf !== 'number') return 'the JWT\'s nbf claim is not a number';
    if (typeof nbf === 'number' && now + skewMs < nbf * 1000) {
      return `the JWT is not valid before ${isoTime(nbf)} (now ${isoTime(now / 1000)}, clock skew allowed ${this.settings.clockSkewSeconds} s)`;
    }
    if (now + skewMs < iat * 1000) return `the JWT was issued in the future, at ${isoTime(iat)} (now ${isoTime(now / 1000)})`;
    const audience = this.checkAudience(claims.aud);
    if (audience !== null) return audience;
    const issuer = this.settings.expectedIssuer;
    if (issuer !== null && claims.iss !== issuer) {
      return claims.iss === undefined ? `the JWT has no issuer (iss) claim; expected '${issuer}'` : `the JWT's issuer '${String(claims.iss)}' is not the expected '${issuer}'`;
    }
    const subName = this.settings.subClaimName;
    const sub = claims[subName];
    if (sub === undefined || sub === null) return `the JWT has no '${subName}' claim to name its principal (sasl.oauthbearer.sub.claim.name)`;
    if (typeof sub !== 'string' || sub.trim() === '') return `the JWT's '${subName}' claim is not a non-blank string`;
    const rawScope = claims[this.settings.scopeClaimName];
    if (Array.isArray(rawScope) && rawScope.some((s) => typeof s !== 'string' || s.trim() === '')) {
      return `the JWT's '${this.settings.scopeClaimName}' claim has a blank or non-string element`;
    }
    return { ok: true, principalName: sub.trim(), expiresAtMs: Math.round(exp * 1000), scope: scopeOf(rawScope) };
  }

  private checkAudience(aud: unknown): string | null {
    const expected = this.settings.expectedAudiences;
    const given = aud === undefined ? [] : typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : null;
    if (given === null) return 'the JWT\'s aud claim is neither a string nor a list';
    if (expected.length === 0) {
      return given.length === 0 ? null
        : `the JWT names an audience (${given.join(', ')}) but sasl.oauthbearer.expected.audience is not set`;
    }
    if (given.length === 0) return `the JWT has no audience (aud) claim; expected one of ${expected.join(', ')}`;
    return given.some((a) => expected.includes(a as string)) ? null
      : `the JWT's audience (${given.join(', ')}) is none of the expected ${expected.join(', ')} (sasl.oauthbearer.expected.audience)`;
  }
}

function signatureVerifies(alg: Algorithm, key: KeyObject, signingInput: string, signature: string): boolean {
  const sig = Buffer.from(signature, 'base64url');
  if (sig.length === 0) return false;
  const data = Buffer.from(signingInput, 'ascii');
  try {
    if (alg.kty === 'EC') return verify(alg.hash, data, { key, dsaEncoding: 'ieee-p1363' }, sig);
    if (alg.pss === true) return verify(alg.hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: HASH_BYTES[alg.hash] }, sig);
    return verify(alg.hash, data, key, sig);
  } catch {
    return false;
  }
}

function isoTime(seconds: number): string {
  const d = new Date(seconds * 1000);
  return Number.isNaN(d.getTime()) ? String(seconds) : d.toISOString();
}
