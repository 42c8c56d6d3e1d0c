/**
 * The client side of SASL for BrokerConnection: the options a caller gives
 * and the per-connection session that turns server challenges into tokens.
 *
 * Extension point: a mechanism is a `SaslClientSession`. PLAIN is built in;
 * SCRAM-SHA-256/512 plug in by adding their session to `saslClientSession`
 * (their options have the same shape: mechanism, username, password).
 */

export interface SaslClientOptions {
  /** 'PLAIN' today; SCRAM-SHA-256 and SCRAM-SHA-512 arrive with the SCRAM client. */
  mechanism: string;
  username: string;
  password: string;
}

/** One authentication exchange: the first token, then one token per server challenge until done. */
export interface SaslClientSession {
  readonly mechanism: string;
  initialToken(): Buffer;
  /** The next token for a server message, or null when the exchange is complete (throws when the server's message is wrong). */
  evaluate(serverToken: Buffer): Buffer | null;
}

/** The session for a mechanism, or null when this client does not implement it. */
export function saslClientSession(options: SaslClientOptions): SaslClientSession | null {
  switch (options.mechanism) {
    case 'PLAIN':
      return plainSession(options.username, options.password);
    default:
      return null;
  }
}

/** RFC 4616: one message, empty authorization id, NUL, user name, NUL, password; the server answers once. */
function plainSession(username: string, password: string): SaslClientSession {
  return {
    mechanism: 'PLAIN',
    initialToken: () => Buffer.from(`\0${username}\0${password}`, 'utf8'),
    evaluate: () => null,
  };
}
