/**
 * The broker's side of SASL as pure mechanisms: the connection layer feeds
 * each SaslAuthenticate token to `step` and sends back what it returns, until
 * `done` (the principal is authenticated) or `failed` (answer
 * SASL_AUTHENTICATION_FAILED with the message, then close). No sockets, no
 * clock: credentials come in through SaslCredentials.
 */
import { OAuthBearerSaslServer, type BearerTokenValidator } from './oauthbearer-server.ts';
import { PlainSaslServer } from './plain-server.ts';
import { ScramSaslServer } from './scram-server.ts';
import { sasl } from '../../protocol/index.ts';

export type SaslStep =
  | { kind: 'challenge'; response: Buffer }                 // send to the client, wait for its next token
  // Authenticated; principal like 'User:alice'. tokenAuthenticated: logged in with a delegation token.
  // sessionExpiresAtMs: when the credential (an OAUTHBEARER token) expires, the cap a re-authenticating
  // session's lifetime must respect (KIP-368); absent when the credential does not expire.
  | { kind: 'done'; response: Buffer; principal: string; tokenAuthenticated?: boolean; sessionExpiresAtMs?: number }
  | { kind: 'failed'; message: string };                    // SASL_AUTHENTICATION_FAILED with this message

export interface SaslServer {
  readonly mechanism: string;
  step(clientToken: Buffer): SaslStep;
  /** Why the credential was refused while the exchange still waits on the client (OAUTHBEARER's error challenge): for the log. */
  readonly pendingRefusal?: string | null;
}

export interface SaslCredentials {
  /** PLAIN: the JAAS config's user_<name>="<password>" entries for this listener+mechanism. */
  plainPassword(username: string): string | null;
  /** SCRAM: the stored credential for user and mechanism ('SCRAM-SHA-256' | 'SCRAM-SHA-512'), from the metadata image. */
  scramCredential(username: string, mechanism: string): ScramCredential | null;
  /**
   * SCRAM with tokenauth=true: the credential derived from the delegation
   * token's HMAC and the token's owner (`Type:name`), or null when there is no
   * such live token (or tokens are disabled).
   */
  delegationToken?(tokenId: string, mechanism: string): { credential: ScramCredential; owner: string } | null;
  /** OAUTHBEARER: how this listener validates a bearer token; absent when OAUTHBEARER is not enabled on it. */
  oauthBearer?: BearerTokenValidator;
}

export interface ScramCredential { salt: Buffer; storedKey: Buffer; serverKey: Buffer; iterations: number }

export const SUPPORTED_SASL_MECHANISMS: readonly string[] = Object.freeze(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER']);

/** A fresh server for one authentication; null for a mechanism Samsa does not implement. */
export function createSaslServer(mechanism: string, credentials: SaslCredentials): SaslServer | null {
  if (mechanism === 'PLAIN') return new PlainSaslServer(credentials);
  if (mechanism === 'OAUTHBEARER') return credentials.oauthBearer === undefined ? null : new OAuthBearerSaslServer(credentials.oauthBearer);
  const m = sasl.scram.scramMechanism(mechanism);
  return m === null ? null : new ScramSaslServer(m, credentials);
}
