/**
 * The server side of a SASL mechanism, as the connection's authenticator
 * drives it: each client token in, a challenge, success or failure out.
 *
 * This file is a minimal stand-in holding PLAIN only (RFC 4616); the full
 * module (PLAIN and SCRAM-SHA-256/512) replaces it with the same
 * declarations. `principal` in a `done` step is the authenticated user name
 * (the authorization id); the caller makes it `User:<name>`.
 */

export type SaslStep =
  | { kind: 'challenge'; response: Buffer }
  | { kind: 'done'; response: Buffer; principal: string }
  | { kind: 'failed'; message: string };

export interface SaslServer {
  readonly mechanism: string;
  step(clientToken: Buffer): SaslStep;
}

export interface SaslCredentials {
  plainPassword(username: string): string | null;
  scramCredential(username: string, mechanism: string): ScramCredential | null;
}

export interface ScramCredential {
  salt: Buffer;
  storedKey: Buffer;
  serverKey: Buffer;
  iterations: number;
}

export const SUPPORTED_SASL_MECHANISMS: readonly string[] = ['PLAIN'];

export function createSaslServer(mechanism: string, credentials: SaslCredentials): SaslServer | null {
  if (mechanism === 'PLAIN') return new PlainServer(credentials);
  return null;
}

const NUL = 0;

/** PLAIN: one message, `[authzid] NUL authcid NUL passwd`, checked against the configured password. */
class PlainServer implements SaslServer {
  readonly mechanism = 'PLAIN';
  private readonly credentials: SaslCredentials;
  private used = false;

  constructor(credentials: SaslCredentials) {
    this.credentials = credentials;
  }

  step(clientToken: Buffer): SaslStep {
    if (this.used) return { kind: 'failed', message: 'Authentication failed: PLAIN takes one message' };
    this.used = true;
    const first = clientToken.indexOf(NUL);
    const second = first < 0 ? -1 : clientToken.indexOf(NUL, first + 1);
    if (first < 0 || second < 0 || clientToken.indexOf(NUL, second + 1) >= 0) {
      return { kind: 'failed', message: 'Authentication failed: invalid SASL/PLAIN message' };
    }
    const authzid = clientToken.toString('utf8', 0, first);
    const username = clientToken.toString('utf8', first + 1, second);
    const password = clientToken.toString('utf8', second + 1);
    if (username === '') return { kind: 'failed', message: 'Authentication failed: username not specified' };
    if (password === '') return { kind: 'failed', message: 'Authentication failed: password not specified' };
    if (authzid !== '' && authzid !== username) {
      return { kind: 'failed', message: 'Authentication failed: Client requested an authorization id that is different from username' };
    }
    const expected = this.credentials.plainPassword(username);
    if (expected === null || !sameText(expected, password)) {
      return { kind: 'failed', message: 'Authentication failed: Invalid username or password' };
    }
    return { kind: 'done', response: Buffer.alloc(0), principal: username };
  }
}

/** Compares without an early exit, so the time taken says nothing about how much of the password matched. */
function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}
