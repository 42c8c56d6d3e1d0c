/**
 * SASL/PLAIN on the broker (RFC 4616), with Kafka's PlainSaslServer rules and
 * messages: username and password must be present, the password must match
 * the JAAS `user_<name>` entry (compared in constant time), and an authzid,
 * when given, must equal the username. One token, one answer.
 */
import { timingSafeEqual } from 'node:crypto';
import type { SaslCredentials, SaslServer, SaslStep } from './sasl-server.ts';
import { sasl } from '../../protocol/index.ts';

const PLAIN_TOKENS_COUNTED_MAX = 4;

export class PlainSaslServer implements SaslServer {
  readonly mechanism = 'PLAIN';
  private readonly credentials: SaslCredentials;
  private finished = false;

  constructor(credentials: SaslCredentials) {
    this.credentials = credentials;
  }

  step(clientToken: Buffer): SaslStep {
    if (this.finished) return { kind: 'failed', message: 'Unexpected SASL/PLAIN token after the exchange completed' };
    this.finished = true;
    const message = sasl.parsePlain(clientToken);
    if (message === null) {
      // Kafka counts at most four tokens when it reports a malformed message.
      const tokens = Math.min(clientToken.toString('utf8').split('\u0000').length, PLAIN_TOKENS_COUNTED_MAX);
      return fail(`Invalid SASL/PLAIN response: expected 3 tokens, got ${tokens}`);
    }
    if (message.username === '') return fail('Authentication failed: username not specified');
    if (message.password === '') return fail('Authentication failed: password not specified');
    const expected = this.credentials.plainPassword(message.username);
    if (expected === null || !equalConstantTime(message.password, expected)) return fail('Authentication failed: Invalid username or password');
    if (message.authzid !== '' && message.authzid !== message.username) {
      return fail('Authentication failed: Client requested an authorization id that is different from username');
    }
    return { kind: 'done', response: Buffer.alloc(0), principal: `User:${message.username}` };
  }
}

function fail(message: string): SaslStep {
  return { kind: 'failed', message };
}

/** Compares without a timing signal beyond the lengths. */
function equalConstantTime(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
