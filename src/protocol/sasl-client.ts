/**
 * The client side of SASL for BrokerConnection: the options a caller gives
 * and the per-connection session that turns server challenges into tokens.
 *
 * A mechanism is a `SaslClientSession`, made from the client mechanisms of
 * ./sasl/ (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER). An
 * OAUTHBEARER token may come from a function, called once per connection
 * (so a provider can hand out a fresh token before the old one expires).
 */
import { createOAuthBearerClient, createSaslClient, type SaslClient } from './sasl/client.ts';

/** PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512: a username and a password. */
export interface PasswordSaslOptions {
  /** 'PLAIN', 'SCRAM-SHA-256' or 'SCRAM-SHA-512'. */
  mechanism: string;
  username: string;
  password: string;
  /** SCRAM only: username and password are a delegation token's id and base64 HMAC (Kafka's `tokenauth=true`). */
  tokenAuth?: boolean;
}

/** OAUTHBEARER (KIP-255): a bearer token (a JWT), or a function that returns one for each new connection. */
export interface OAuthBearerSaslOptions {
  mechanism: 'OAUTHBEARER';
  token: string | (() => string | Promise<string>);
  /** SASL extensions sent beside the token (KIP-342), e.g. Confluent Cloud's logicalCluster. */
  extensions?: Readonly<Record<string, string>>;
}

export type SaslClientOptions = PasswordSaslOptions | OAuthBearerSaslOptions;

/** One authentication exchange: the first token, then one token per server challenge until done. */
export interface SaslClientSession {
  readonly mechanism: string;
  initialToken(): Buffer;
  /** The next token for a server message, or null when the exchange is complete (throws when the server's message is wrong). */
  evaluate(serverToken: Buffer): Buffer | null;
}

/**
 * The session for a mechanism, or null when this client does not implement
 * it. Async because an OAUTHBEARER token provider may be; a provider that
 * throws or returns no token rejects with its reason.
 */
export async function saslClientSession(options: SaslClientOptions): Promise<SaslClientSession | null> {
  let client: SaslClient | null;
  if ('token' in options) {
    const token = typeof options.token === 'function' ? await options.token() : options.token;
    if (typeof token !== 'string' || token === '') throw new TypeError('the OAUTHBEARER token provider returned no token');
    client = createOAuthBearerClient(token, new Map(Object.entries(options.extensions ?? {})));
  } else {
    client = createSaslClient(options.mechanism, options.username, options.password, { tokenAuth: options.tokenAuth });
  }
  if (client === null) return null;
  const c = client;
  return { mechanism: c.mechanism, initialToken: () => c.start(), evaluate: (serverToken) => c.step(serverToken) };
}
