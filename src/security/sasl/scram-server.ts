/**
 * SASL/SCRAM-SHA-256 and SCRAM-SHA-512 on the broker (RFC 5802, RFC 7677),
 * following Kafka's ScramSaslServer:
 *
 *   1. client-first: gs2 header without channel binding, the username, the
 *      client nonce. The stored credential is looked up; a server-first
 *      answers with the combined nonce, the salt and the iterations.
 *   2. client-final: channel binding (the gs2 header again, `biws` for
 *      `n,,`), the combined nonce, the proof. The proof is checked against
 *      the stored key in constant time; server-final carries `v=` the
 *      server signature and the principal is authenticated.
 *
 * Failures whose detail could tell a client whether a user exists answer
 * Kafka's generic message; an authzid other than the username is named, as
 * Kafka does. With Kafka's `tokenauth=true` extension the username is a
 * delegation token's id and the credential is the one derived from the
 * token's HMAC (SaslCredentials.delegationToken); the principal is then the
 * token's owner, marked as authenticated by a token. Other extensions are
 * ignored, as Kafka ignores them.
 */
import { timingSafeEqual } from 'node:crypto';
import type { SaslCredentials, SaslServer, SaslStep, ScramCredential } from './sasl-server.ts';
import { sasl } from '../../protocol/index.ts';


type State =
  | { kind: 'receive-client-first' }
  | {
    kind: 'receive-client-final'; first: sasl.scram.ClientFirstMessage; serverFirst: string; nonce: string; credential: ScramCredential;
    /** The token's owner when logging in with a delegation token, else null. */
    tokenOwner: string | null;
  }
  | { kind: 'complete' }
  | { kind: 'failed' };

export class ScramSaslServer implements SaslServer {
  readonly mechanism: string;
  private readonly m: sasl.scram.ScramMechanism;
  private readonly credentials: SaslCredentials;
  private readonly serverNonce: () => string;
  private state: State = { kind: 'receive-client-first' };

  /** `serverNonce` is for tests (fixed vectors); by default a fresh random nonce. */
  constructor(m: sasl.scram.ScramMechanism, credentials: SaslCredentials, serverNonce: () => string = sasl.scram.randomNonce) {
    this.mechanism = m.name;
    this.m = m;
    this.credentials = credentials;
    this.serverNonce = serverNonce;
  }

  step(clientToken: Buffer): SaslStep {
    const state = this.state;
    // Any failure is final: the state stays failed unless a step moves it on.
    this.state = { kind: 'failed' };
    if (state.kind === 'receive-client-first') return this.clientFirst(clientToken.toString('utf8'));
    if (state.kind === 'receive-client-final') return this.clientFinal(state, clientToken.toString('utf8'));
    return { kind: 'failed', message: `Unexpected challenge in Sasl server state ${state.kind === 'complete' ? 'COMPLETE' : 'FAILED'}` };
  }

  /** Kafka's answer to failures it keeps vague (SaslException): nothing about the user or the credential. */
  private invalid(): SaslStep {
    return { kind: 'failed', message: `Authentication failed during authentication due to invalid credentials with SASL mechanism ${this.mechanism}` };
  }

  private clientFirst(text: string): SaslStep {
    const first = sasl.scram.parseClientFirst(text);
    if (first === null) return this.invalid();
    const byToken = first.extensions.get(sasl.scram.TOKEN_AUTH_EXTENSION)?.toLowerCase() === 'true';
    let credential: ScramCredential | null;
    let tokenOwner: string | null = null;
    if (byToken) {
      const token = this.credentials.delegationToken?.(first.username, this.mechanism) ?? null;
      if (token === null) return this.invalid();
      credential = token.credential;
      tokenOwner = token.owner;
    } else {
      credential = this.credentials.scramCredential(first.username, this.mechanism);
    }
    if (credential === null) return this.invalid();
    if (first.authzid !== '' && first.authzid !== first.username) {
      return { kind: 'failed', message: 'Authentication failed: Client requested an authorization id that is different from username' };
    }
    if (credential.iterations < sasl.scram.SCRAM_ITERATIONS_MIN) return this.invalid();
    const nonce = first.nonce + this.serverNonce();
    const serverFirst = sasl.scram.formatServerFirst(nonce, credential.salt, credential.iterations);
    this.state = { kind: 'receive-client-final', first, serverFirst, nonce, credential, tokenOwner };
    return { kind: 'challenge', response: Buffer.from(serverFirst, 'utf8') };
  }

  private clientFinal(state: Extract<State, { kind: 'receive-client-final' }>, text: string): SaslStep {
    const final = sasl.scram.parseClientFinal(text);
    if (final === null) return this.invalid();
    if (Buffer.from(final.channelBinding, 'base64').toString('utf8') !== state.first.gs2Header) return this.invalid();
    if (!nonceAccepted(final.nonce, state.nonce, state.first.nonce)) return this.invalid();
    const auth = sasl.scram.authMessage(state.first.bare, state.serverFirst, final.withoutProof);
    if (!this.proofMatches(state.credential, auth, final.proof)) return this.invalid();
    const signature = sasl.scram.hmac(this.m, state.credential.serverKey, auth);
    this.state = { kind: 'complete' };
    const response = Buffer.from(`v=${signature.toString('base64')}`, 'utf8');
    if (state.tokenOwner !== null) return { kind: 'done', response, principal: state.tokenOwner, tokenAuthenticated: true };
    return { kind: 'done', response, principal: `User:${state.first.username}` };
  }

  /** ClientKey = proof XOR HMAC(StoredKey, AuthMessage); the client knows the password when H(ClientKey) is the stored key. */
  private proofMatches(credential: ScramCredential, auth: string, proof: Buffer): boolean {
    if (proof.length !== this.m.keyBytes || credential.storedKey.length !== this.m.keyBytes) return false;
    const clientSignature = sasl.scram.hmac(this.m, credential.storedKey, auth);
    const computed = sasl.scram.hash(this.m, sasl.scram.xor(proof, clientSignature));
    return timingSafeEqual(computed, credential.storedKey);
  }
}

/**
 * The nonce of the client's final message must be the combined nonce the
 * server sent. librdkafka before 2.6.1 sends its own nonce once more in front
 * of it; Kafka (3.8.1 and later) accepts a nonce that ends with the combined
 * one, and so does Samsa, but only in exactly that form.
 */
export function nonceAccepted(received: string, combined: string, clientNonce: string): boolean {
  return received === combined || received === clientNonce + combined;
}
