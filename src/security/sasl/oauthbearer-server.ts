/**
 * SASL/OAUTHBEARER on the broker (RFC 7628, KIP-255), following Kafka's
 * OAuthBearerSaslServer:
 *
 *   1. The client's initial response carries the bearer token (and maybe an
 *      authzid and SASL extensions). The listener's validator checks it.
 *   2. A valid token authenticates `User:<principal>`: the server answers an
 *      empty token, and tells when the token expires (sessionExpiresAtMs).
 *   3. An invalid token is answered with the JSON error challenge
 *      `{"status":"invalid_token"}` (or insufficient_scope with the scope the
 *      token lacked). The client acknowledges it with a lone ^A, and the
 *      authentication fails with SASL_AUTHENTICATION_FAILED. Kafka's message
 *      is the JSON alone; Samsa adds the validator's reason after it, so a
 *      client (and its operator) can see why the token was refused.
 *
 * An authzid must be the token's principal. Extensions are accepted, as both
 * of Kafka's validators accept them. Pure: the validator holds the keys and
 * the clock.
 */
import type { SaslServer, SaslStep } from './sasl-server.ts';
import { sasl } from '../../protocol/index.ts';

/** What a validator concluded of a token. */
export type TokenVerdict =
  | { readonly ok: true; readonly principalName: string; readonly expiresAtMs: number; readonly scope: readonly string[] }
  | { readonly ok: false; readonly status: 'invalid_token' | 'insufficient_scope'; readonly scope: string | null; readonly reason: string };

/** A listener's way of checking a bearer token (Kafka's validator callback handler). */
export interface BearerTokenValidator {
  /** 'unsecured' (alg none, development) or 'jwt' (signatures checked against a JWKS). */
  readonly kind: string;
  validate(token: string): TokenVerdict;
}

/** Client tokens one exchange may carry: Kafka lets a client try another token after an error; this bounds that loop. */
const OAUTHBEARER_ATTEMPTS_MAX = 8;
const GENERIC_FAILURE = 'Authentication failed during authentication due to invalid credentials with SASL mechanism OAUTHBEARER';

export class OAuthBearerSaslServer implements SaslServer {
  readonly mechanism = 'OAUTHBEARER';
  private readonly validator: BearerTokenValidator;
  /** The JSON error sent and the reason behind it, while the client's ^A is awaited. */
  private refused: { json: string; reason: string } | null = null;
  private attempts = 0;
  private finished = false;

  constructor(validator: BearerTokenValidator) {
    this.validator = validator;
  }

  step(clientToken: Buffer): SaslStep {
    if (this.finished) return { kind: 'failed', message: 'Unexpected SASL/OAUTHBEARER token after the exchange completed' };
    if (clientToken.length === 1 && clientToken[0] === sasl.oauthbearer.CONTROL_A && this.refused !== null) {
      return this.fail(`${this.refused.json}: ${this.refused.reason}`);
    }
    this.refused = null;
    if (++this.attempts > OAUTHBEARER_ATTEMPTS_MAX) return this.fail(`${GENERIC_FAILURE}: more than ${OAUTHBEARER_ATTEMPTS_MAX} tokens in one exchange`);
    const message = sasl.oauthbearer.parseClientInitialResponse(clientToken);
    if ('error' in message) return this.fail(`${GENERIC_FAILURE}: ${message.error}`);
    let verdict: ReturnType<BearerTokenValidator['validate']>;
    try {
      verdict = this.validator.validate(message.token);
    } catch (e) {
      return this.fail(`${GENERIC_FAILURE}: the token validator failed: ${(e as Error).message}`);
    }
    if (!verdict.ok) {
      const json = sasl.oauthbearer.formatServerError(verdict.status, verdict.scope);
      this.refused = { json: json.toString('utf8'), reason: verdict.reason };
      return { kind: 'challenge', response: json };
    }
    if (message.authzid !== '' && message.authzid !== verdict.principalName) {
      return this.fail(`Authentication failed: Client requested an authorization id (${message.authzid}) that is different from the token's principal name (${verdict.principalName})`);
    }
    this.finished = true;
    return { kind: 'done', response: Buffer.alloc(0), principal: `User:${verdict.principalName}`, sessionExpiresAtMs: verdict.expiresAtMs };
  }

  /** The reason behind the last error challenge, for the broker's log (null when none is pending). */
  get pendingRefusal(): string | null {
    return this.refused?.reason ?? null;
  }

  private fail(message: string): SaslStep {
    this.finished = true;
    this.refused = null;
    return { kind: 'failed', message };
  }
}
