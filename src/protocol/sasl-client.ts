/**
 * The client side of SASL for BrokerConnection: the options a caller gives
 * and the per-connection session that turns server challenges into tokens.
 *
 * A mechanism is a `SaslClientSession`, made from the client mechanisms of
 * ./sasl/ (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512).
 */
import { createSaslClient } from './sasl/client.ts';

export interface SaslClientOptions {
  /** 'PLAIN', 'SCRAM-SHA-256' or 'SCRAM-SHA-512'. */
  mechanism: string;
  username: string;
  password: string;
  /** SCRAM only: username and password are a delegation token's id and base64 HMAC (Kafka's `tokenauth=true`). */
  tokenAuth?: boolean;
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
  const client = createSaslClient(options.mechanism, options.username, options.password, { tokenAuth: options.tokenAuth });
  if (client === null) return null;
  return { mechanism: options.mechanism, initialToken: () => client.start(), evaluate: (serverToken) => client.step(serverToken) };
}
