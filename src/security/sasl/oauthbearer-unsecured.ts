/**
 * Kafka's default OAUTHBEARER validator, OAuthBearerUnsecuredValidatorCallbackHandler:
 * for development only. It accepts unsecured JWTs (`alg: none`, no
 * signature) and checks only their claims, in Kafka's order: the principal
 * claim is a non-blank string, `iat` (when present) is not in the future,
 * `exp` is present and not past, `exp` is after `iat`, and the token's scope
 * holds every required scope. The JAAS options of the listener's
 * OAuthBearerLoginModule entry tune it:
 *
 *   unsecuredValidatorPrincipalClaimName    (default sub)
 *   unsecuredValidatorScopeClaimName        (default scope)
 *   unsecuredValidatorRequiredScope         (space-separated; default none)
 *   unsecuredValidatorAllowableClockSkewMs  (default 0)
 *
 * Kafka's failure descriptions are kept as the reasons.
 */
import type { BearerTokenValidator, TokenVerdict } from './oauthbearer-server.ts';
import { sasl } from '../../protocol/index.ts';

const OPTION = 'unsecuredValidator';

export class UnsecuredTokenValidator implements BearerTokenValidator {
  readonly kind = 'unsecured';
  private readonly principalClaim: string;
  private readonly scopeClaim: string;
  private readonly requiredScope: readonly string[];
  private readonly skewMs: number;
  private readonly nowMs: () => number;

  /** Throws RangeError naming the JAAS option that is wrong. */
  constructor(options: ReadonlyMap<string, string>, nowMs: () => number) {
    this.principalClaim = (options.get(`${OPTION}PrincipalClaimName`) ?? '').trim() || 'sub';
    this.scopeClaim = (options.get(`${OPTION}ScopeClaimName`) ?? '').trim() || 'scope';
    this.requiredScope = (options.get(`${OPTION}RequiredScope`) ?? '').trim().split(' ').filter((s) => s !== '');
    const skewText = (options.get(`${OPTION}AllowableClockSkewMs`) ?? '').trim();
    this.skewMs = skewText === '' ? 0 : Number(skewText);
    if (!Number.isInteger(this.skewMs) || this.skewMs < 0) {
      throw new RangeError(`JAAS option ${OPTION}AllowableClockSkewMs must be a non-negative integer, not '${skewText}'`);
    }
    this.nowMs = nowMs;
  }

  validate(token: string): TokenVerdict {
    const invalid = (reason: string): TokenVerdict => ({ ok: false, status: 'invalid_token', scope: null, reason });
    if (token.includes('..')) return invalid('Malformed compact serialization contains \'..\'');
    const parts = sasl.oauthbearer.splitJwt(token);
    if ('error' in parts) return invalid(parts.error);
    if (parts.header.alg === undefined || parts.header.alg === null) return invalid('JWS header must have an Algorithm value');
    if (parts.header.alg !== 'none') return invalid('Unsecured JWS must have \'none\' for an algorithm');
    if (parts.signature !== '') return invalid('Unsecured JWS must not contain a digital signature');
    const claims = parts.claims;
    const exp = claims.exp;
    if (exp === undefined || exp === null) return invalid('No expiration time in JWT');
    if (typeof exp !== 'number') return invalid(`The 'exp' claim was not of type Number: ${typeName(exp)}`);
    const iat = claims.iat;
    if (iat !== undefined && iat !== null && typeof iat !== 'number') return invalid(`The 'iat' claim was not of type Number: ${typeName(iat)}`);
    const principal = claims[this.principalClaim];
    if (typeof principal !== 'string' || principal.trim() === '') return invalid(`No principal name in JWT claim: ${this.principalClaim}`);
    const scope = scopeOf(claims[this.scopeClaim]);
    const now = this.nowMs();
    if (typeof iat === 'number' && 1000 * iat > now + this.skewMs) {
      return invalid(`The Issued At value (${iat} seconds) was after the indicated time (${now} ms) plus allowable clock skew (${this.skewMs} ms)`);
    }
    if (now - this.skewMs >= 1000 * exp) {
      return invalid(`The indicated time (${now} ms) minus allowable clock skew (${this.skewMs} ms) was on or after the Expiration Time value (${exp} seconds)`);
    }
    if (typeof iat === 'number' && exp <= iat) return invalid(`The Expiration Time time (${exp} seconds) was not after the Issued At time (${iat} seconds)`);
    for (const required of this.requiredScope) {
      if (!scope.includes(required)) {
        const list = `[${this.requiredScope.join(', ')}]`;
        return {
          ok: false, status: 'insufficient_scope', scope: list,
          reason: `The provided scope ([${scope.join(', ')}]) was missing a required scope (${required}).  All required scope elements: ${list}`,
        };
      }
    }
    return { ok: true, principalName: principal, expiresAtMs: Math.round(exp * 1000), scope };
  }
}

/** A string scope is one element (as Kafka reads it); a list keeps its non-blank elements. */
export function scopeOf(value: unknown): string[] {
  if (typeof value === 'string') return value.trim() === '' ? [] : [value.trim()];
  if (Array.isArray(value)) return value.map((v) => String(v).trim()).filter((v) => v !== '');
  return [];
}

function typeName(value: unknown): string {
  if (typeof value === 'string') return 'String';
  if (typeof value === 'boolean') return 'Boolean';
  if (Array.isArray(value)) return 'List';
  return typeof value === 'object' ? 'Object' : typeof value;
}
