/**
 * The client side of SASL PLAIN and SCRAM-SHA-256/512, as pure state
 * machines: `start()` is the first token to send (SaslAuthenticate's
 * authBytes), `step(serverToken)` takes the server's answer and returns the
 * next token, or null once the exchange is complete and, for SCRAM, the
 * server has proved it knows the credential. A failure throws
 * SaslClientError. No socket here: the connection carries the tokens.
 */
import { timingSafeEqual } from 'node:crypto';
import { CONTROL_A, OAUTHBEARER_MECHANISM, formatClientInitialResponse } from './oauthbearer.ts';
import { formatPlain } from './plain.ts';
import * as scram from './scram.ts';

export class SaslClientError extends Error {
  readonly code = 'SAMSA_ERR_SASL';
  constructor(message: string) {
    super(message);
    this.name = 'SaslClientError';
  }
}

export interface SaslClient {
  readonly mechanism: string;
  /** The first token. */
  start(): Buffer;
  /** The next token for the server's answer, or null when authentication is complete. */
  step(serverToken: Buffer): Buffer | null;
  /** True once the exchange has completed successfully. */
  readonly complete: boolean;
}

export const CLIENT_SASL_MECHANISMS: readonly string[] = Object.freeze(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', OAUTHBEARER_MECHANISM]);

export interface SaslClientMechanismOptions {
  /** For tests only: the SCRAM client nonce. */
  nonce?: string;
  /**
   * SCRAM only: log in with a delegation token (Kafka's `tokenauth=true`
   * extension); the username is the token id, the password the base64 HMAC.
   */
  tokenAuth?: boolean;
}

/** A client mechanism, or null for one Samsa's client does not implement. */
export function createSaslClient(mechanism: string, username: string, password: string, options: SaslClientMechanismOptions = {}): SaslClient | null {
  if (mechanism === 'PLAIN') return new PlainClient(username, password);
  const m = scram.scramMechanism(mechanism);
  return m === null ? null : new ScramClient(m, username, password, options.nonce ?? scram.randomNonce(), options.tokenAuth === true);
}

/**
 * OAUTHBEARER with a token already in hand: the initial response carries it;
 * an empty server answer completes the exchange, a JSON error is answered
 * with ^A (RFC 7628) so the server can fail the authentication with its
 * message.
 */
export function createOAuthBearerClient(token: string, extensions: ReadonlyMap<string, string> = new Map(), authzid = ''): SaslClient {
  return new OAuthBearerClient(formatClientInitialResponse(token, extensions, authzid));
}

class OAuthBearerClient implements SaslClient {
  readonly mechanism = OAUTHBEARER_MECHANISM;
  private readonly initial: Buffer;
  private state: 'initial' | 'sent' | 'refused' | 'complete' = 'initial';

  constructor(initial: Buffer) {
    this.initial = initial;
  }

  get complete(): boolean {
    return this.state === 'complete';
  }

  start(): Buffer {
    if (this.state !== 'initial') throw new SaslClientError('SASL/OAUTHBEARER exchange already started');
    this.state = 'sent';
    return this.initial;
  }

  step(serverToken: Buffer): Buffer | null {
    if (this.state !== 'sent') throw new SaslClientError(`Unexpected SASL/OAUTHBEARER server token in state ${this.state}`);
    if (serverToken.length === 0) {
      this.state = 'complete';
      return null;
    }
    this.state = 'refused';
    return Buffer.of(CONTROL_A);
  }
}

class PlainClient implements SaslClient {
  readonly mechanism = 'PLAIN';
  private readonly username: string;
  private readonly password: string;
  private started = false;
  complete = false;

  constructor(username: string, password: string) {
    this.username = username;
    this.password = password;
  }

  start(): Buffer {
    if (this.started) throw new SaslClientError('SASL/PLAIN exchange already started');
    this.started = true;
    return formatPlain(this.username, this.password);
  }

  step(_serverToken: Buffer): Buffer | null {
    if (!this.started || this.complete) throw new SaslClientError('Unexpected SASL/PLAIN server token');
    this.complete = true;
    return null;
  }
}

type ScramClientState =
  | { kind: 'initial' }
  | { kind: 'sent-first'; bare: string }
  | { kind: 'sent-final'; serverSignature: Buffer }
  | { kind: 'complete' }
  | { kind: 'failed' };

const GS2_HEADER = 'n,,';

class ScramClient implements SaslClient {
  readonly mechanism: string;
  private readonly m: scram.ScramMechanism;
  private readonly username: string;
  private readonly password: string;
  private readonly nonce: string;
  private readonly tokenAuth: boolean;
  private state: ScramClientState = { kind: 'initial' };

  constructor(m: scram.ScramMechanism, username: string, password: string, nonce: string, tokenAuth: boolean) {
    this.mechanism = m.name;
    this.m = m;
    this.username = username;
    this.password = password;
    this.nonce = nonce;
    this.tokenAuth = tokenAuth;
  }

  get complete(): boolean {
    return this.state.kind === 'complete';
  }

  start(): Buffer {
    if (this.state.kind !== 'initial') throw new SaslClientError(`SASL/${this.mechanism} exchange already started`);
    // The extension is part of client-first-message-bare, so it is in the AuthMessage both ends sign.
    const bare = scram.formatClientFirstBare(this.username, this.nonce) + (this.tokenAuth ? `,${scram.TOKEN_AUTH_EXTENSION}=true` : '');
    this.state = { kind: 'sent-first', bare };
    return Buffer.from(GS2_HEADER + bare, 'utf8');
  }

  step(serverToken: Buffer): Buffer | null {
    const state = this.state;
    this.state = { kind: 'failed' };
    if (state.kind === 'sent-first') return this.clientFinal(state.bare, serverToken.toString('utf8'));
    if (state.kind === 'sent-final') {
      this.verifyServerFinal(state.serverSignature, serverToken.toString('utf8'));
      this.state = { kind: 'complete' };
      return null;
    }
    throw new SaslClientError(`Unexpected SASL/${this.mechanism} server token in state ${state.kind}`);
  }

  private clientFinal(bare: string, text: string): Buffer {
    const first = scram.parseServerFirst(text);
    if (first === null) throw new SaslClientError(`Invalid SCRAM server first message: ${text}`);
    if (!first.nonce.startsWith(this.nonce) || first.nonce.length === this.nonce.length) {
      throw new SaslClientError('Invalid server nonce: does not start with client nonce');
    }
    if (first.iterations < scram.SCRAM_ITERATIONS_MIN) {
      throw new SaslClientError(`Requested iterations ${first.iterations} is less than the minimum ${scram.SCRAM_ITERATIONS_MIN} for ${this.mechanism}`);
    }
    const salted = scram.saltedPassword(this.m, this.password, first.salt, first.iterations);
    const withoutProof = scram.formatClientFinalWithoutProof(GS2_HEADER, first.nonce);
    const auth = scram.authMessage(bare, text, withoutProof);
    const clientKey = scram.clientKey(this.m, salted);
    const clientSignature = scram.hmac(this.m, scram.hash(this.m, clientKey), auth);
    const proof = scram.xor(clientKey, clientSignature);
    this.state = { kind: 'sent-final', serverSignature: scram.hmac(this.m, scram.serverKey(this.m, salted), auth) };
    return Buffer.from(`${withoutProof},p=${proof.toString('base64')}`, 'utf8');
  }

  private verifyServerFinal(expected: Buffer, text: string): void {
    const final = scram.parseServerFinal(text);
    if (final === null) throw new SaslClientError(`Invalid SCRAM server final message: ${text}`);
    if (final.kind === 'error') throw new SaslClientError(`Sasl authentication using ${this.mechanism} failed with error: ${final.error}`);
    if (final.signature.length !== expected.length || !timingSafeEqual(final.signature, expected)) {
      throw new SaslClientError('Invalid server signature in server final message');
    }
  }
}
