/**
 * A SASL listener's gate, one per connection, in Kafka's order: before
 * authentication a client may send ApiVersions (once) and SaslHandshake;
 * anything else closes the connection without an answer. The handshake
 * picks the mechanism: an enabled one Samsa implements starts the exchange,
 * any other is answered UNSUPPORTED_SASL_MECHANISM with the enabled list and
 * the connection closes. After SaslHandshake v0 the client's tokens come as
 * bare size-prefixed frames (no request header) and are answered the same
 * way; after v1 they come in SaslAuthenticate requests, a failure is
 * answered SASL_AUTHENTICATION_FAILED with its message and the connection
 * closes. Once the mechanism succeeds every frame goes to the dispatcher.
 *
 * Re-authentication (KIP-368): when `connections.max.reauth.ms` is positive
 * for the mechanism, or the credential expires (`sessionExpiresAtMs` of the
 * mechanism's `done`), the session gets a lifetime, answered in
 * SaslAuthenticate v1+ as `sessionLifetimeMs`. The connection starts a fresh
 * authenticator (`reauthenticator()`) when a SaslHandshake arrives on the
 * authenticated connection; it must name the same mechanism and end with the
 * same principal, as Kafka's SaslServerAuthenticator demands, or the
 * connection closes.
 *
 * Pure of sockets and clocks: the connection feeds frames in and acts on the
 * verdict; the time comes from the clock it passes in.
 */
import {
  ApiKey, ErrorCode, Reader, SERVABLE_APIS, Writer, messages, readRequestHeader, requestCodec,
  writeResponseHeader, type MessageCodec,
} from '../protocol/index.ts';
import { userPrincipal } from './principal.ts';
import { createSaslServer, type SaslServer, type SaslStep } from './sasl/sasl-server.ts';
import type { SaslListenerSettings } from './listener-security.ts';

/** What the connection does with a frame: hand it to the dispatcher, or send these bytes (maybe none) and maybe close. */
export type SaslVerdict =
  | { readonly kind: 'dispatch' }
  | { readonly kind: 'answer'; readonly response: Buffer[] | null; readonly close: boolean };

type State = 'versions-or-handshake' | 'handshake' | 'authenticate' | 'bad-mechanism' | 'complete' | 'failed';

/** An authenticated SASL session: what a re-authentication must keep, and when it ends (null: never). */
export interface SaslSession {
  readonly mechanism: string;
  readonly principal: string;
  readonly expiresAtMs: number | null;
}

const DISPATCH: SaslVerdict = { kind: 'dispatch' };
const CLOSE: SaslVerdict = { kind: 'answer', response: null, close: true };

function rangeOf(apiKey: number): { min: number; max: number } {
  const api = SERVABLE_APIS.find((a) => a.apiKey === apiKey)!;
  return { min: api.minVersion, max: api.maxVersion };
}
const HANDSHAKE_VERSIONS = rangeOf(ApiKey.SaslHandshake);
const AUTHENTICATE_VERSIONS = rangeOf(ApiKey.SaslAuthenticate);

export class SaslAuthenticator {
  private readonly settings: SaslListenerSettings;
  private readonly where: string;
  private readonly log: (line: string) => void;
  private readonly nowMs: () => number;
  /** The session being re-authenticated, or null for the connection's first authentication. */
  private readonly previous: SaslSession | null;
  private state: State;
  /** SaslHandshake v1+: tokens travel in SaslAuthenticate requests. */
  private framed = false;
  private server: SaslServer | null = null;
  private sessionValue: SaslSession | null = null;
  private badMechanismMessage = '';
  private byToken = false;

  /**
   * `where` names the client and listener in log lines, e.g. `127.0.0.1:50312 on SASL_SSL`; `nowMs` is the
   * wall clock in epoch ms; `previous` is the session a re-authentication replaces.
   */
  constructor(settings: SaslListenerSettings, where: string, log: (line: string) => void, nowMs: () => number, previous: SaslSession | null = null) {
    this.settings = settings;
    this.where = where;
    this.log = log;
    this.nowMs = nowMs;
    this.previous = previous;
    // A re-authentication starts with SaslHandshake: ApiVersions is not taken again.
    this.state = previous === null ? 'versions-or-handshake' : 'handshake';
  }

  get complete(): boolean {
    return this.state === 'complete';
  }

  /** `User:<name>` once authenticated. */
  get principal(): string | null {
    return this.sessionValue?.principal ?? null;
  }

  /** The session once authenticated. */
  get session(): SaslSession | null {
    return this.sessionValue;
  }

  get reauthenticating(): boolean {
    return this.previous !== null;
  }

  /** A fresh authenticator that re-authenticates this one's session on the same connection. */
  reauthenticator(): SaslAuthenticator {
    if (this.sessionValue === null) throw new Error('re-authentication of a connection that never authenticated');
    return new SaslAuthenticator(this.settings, this.where, this.log, this.nowMs, this.sessionValue);
  }

  /** True once authenticated with a delegation token (SCRAM with tokenauth=true): the principal is the token's owner. */
  get tokenAuthenticated(): boolean {
    return this.byToken;
  }

  admit(frame: Buffer): SaslVerdict {
    switch (this.state) {
      case 'complete':
        return DISPATCH;
      case 'failed':
        return CLOSE;
      case 'bad-mechanism':
        // Kafka answers the handshake, then fails the re-authentication at the next token without an answer.
        return this.fail(this.badMechanismMessage, null);
      case 'authenticate':
        return this.framed ? this.authenticateRequest(frame) : this.bareToken(frame);
      default:
        return this.beforeHandshake(frame);
    }
  }

  private beforeHandshake(frame: Buffer): SaslVerdict {
    const apiKey = frame.readInt16BE(0);
    if (apiKey === ApiKey.ApiVersions && this.state === 'versions-or-handshake') {
      this.state = 'handshake';
      return DISPATCH;
    }
    if (apiKey !== ApiKey.SaslHandshake) {
      return this.fail(`unexpected request (API key ${apiKey}) during the SASL handshake`, null);
    }
    const version = frame.readInt16BE(2);
    if (version < HANDSHAKE_VERSIONS.min || version > HANDSHAKE_VERSIONS.max) {
      return this.fail(`SaslHandshake version ${version} is not supported`, null);
    }
    const r = new Reader(frame);
    const header = readRequestHeader(r);
    const request = requestCodec(ApiKey.SaslHandshake)!.decode(r, version) as messages.SaslHandshakeRequest;
    const response = { ...messages.SaslHandshakeResponse.defaults(), mechanisms: [...this.settings.enabledMechanisms] };
    const mechanism = request.mechanism;
    const server = this.settings.enabledMechanisms.includes(mechanism) ? createSaslServer(mechanism, this.settings.credentials) : null;
    if (server === null) {
      response.errorCode = ErrorCode.UNSUPPORTED_SASL_MECHANISM;
      const answer = encode(header.correlationId, ApiKey.SaslHandshake, version, messages.SaslHandshakeResponse, response);
      return this.fail(`unsupported SASL mechanism '${mechanism}' (enabled: ${this.settings.enabledMechanisms.join(', ')})`, answer);
    }
    this.server = server;
    this.framed = version >= 1;
    this.state = 'authenticate';
    if (this.previous !== null && this.previous.mechanism !== mechanism) {
      this.badMechanismMessage = `SASL mechanism '${mechanism}' requested by client is not supported for re-authentication of mechanism '${this.previous.mechanism}'`;
      this.state = 'bad-mechanism';
    }
    return answer(encode(header.correlationId, ApiKey.SaslHandshake, version, messages.SaslHandshakeResponse, response), false);
  }

  /** SaslHandshake v0: the frame is the client's token; the answer is the server's, size-prefixed. */
  private bareToken(frame: Buffer): SaslVerdict {
    const step = this.server!.step(frame);
    if (step.kind === 'failed') return this.fail(step.message, null);
    if (step.kind === 'done') {
      const refused = this.principalChange(step);
      if (refused !== null) return this.fail(refused, null);
    }
    const size = Buffer.allocUnsafe(4);
    size.writeInt32BE(step.response.length, 0);
    if (step.kind === 'done') this.succeed(step.principal, step.sessionExpiresAtMs, step.tokenAuthenticated === true);
    return answer([size, step.response], false);
  }

  private authenticateRequest(frame: Buffer): SaslVerdict {
    const apiKey = frame.readInt16BE(0);
    const version = frame.readInt16BE(2);
    if (apiKey !== ApiKey.SaslAuthenticate) return this.fail(`unexpected request (API key ${apiKey}) during SASL authentication`, null);
    if (version < AUTHENTICATE_VERSIONS.min || version > AUTHENTICATE_VERSIONS.max) {
      return this.fail(`SaslAuthenticate version ${version} is not supported`, null);
    }
    const r = new Reader(frame);
    const header = readRequestHeader(r);
    const request = requestCodec(ApiKey.SaslAuthenticate)!.decode(r, version) as messages.SaslAuthenticateRequest;
    const step = this.server!.step(request.authBytes);
    const response = messages.SaslAuthenticateResponse.defaults();
    const refused = step.kind === 'failed' ? step.message : step.kind === 'done' ? this.principalChange(step) : null;
    if (refused !== null) {
      response.errorCode = ErrorCode.SASL_AUTHENTICATION_FAILED;
      response.errorMessage = refused;
      return this.fail(refused, encode(header.correlationId, ApiKey.SaslAuthenticate, version, messages.SaslAuthenticateResponse, response));
    }
    response.authBytes = (step as Exclude<SaslStep, { kind: 'failed' }>).response;
    if (step.kind === 'done') {
      response.sessionLifetimeMs = BigInt(this.succeed(step.principal, step.sessionExpiresAtMs, step.tokenAuthenticated === true));
    }
    return answer(encode(header.correlationId, ApiKey.SaslAuthenticate, version, messages.SaslAuthenticateResponse, response), false);
  }

  /** Kafka's refusal when a re-authentication ends with another principal than the session had; null when it may go on. */
  private principalChange(step: Extract<SaslStep, { kind: 'done' }>): string | null {
    if (this.previous === null) return null;
    const principal = principalOf(step.principal, step.tokenAuthenticated === true);
    if (principal === this.previous.principal) return null;
    const [fromType, fromName] = splitPrincipal(this.previous.principal);
    const [toType, toName] = splitPrincipal(principal);
    return `Cannot change principals during re-authentication from ${fromType}.${fromName}: ${toType}.${toName}`;
  }

  /**
   * Authenticated: the session's lifetime is Kafka's, the smaller of connections.max.reauth.ms (when positive)
   * and the time to the credential's expiry (when the mechanism has one), never negative; 0 when neither applies.
   */
  private succeed(name: string, credentialExpiresAtMs: number | undefined, byToken: boolean): number {
    const nowMs = this.nowMs();
    const mechanism = this.server!.mechanism;
    const lifetimeMs = sessionLifetimeMs(nowMs, this.settings.connectionsMaxReauthMs(mechanism), credentialExpiresAtMs);
    const principal = principalOf(name, byToken);
    this.byToken = byToken;
    this.sessionValue = { mechanism, principal, expiresAtMs: lifetimeMs === null ? null : nowMs + lifetimeMs };
    this.state = 'complete';
    if (this.previous !== null) {
      const until = lifetimeMs === null ? '' : `; session lifetime ${lifetimeMs} ms`;
      this.log(`SASL re-authentication of ${this.where} as ${principal} with ${mechanism} succeeded${until}`);
    }
    return lifetimeMs ?? 0;
  }

  private fail(reason: string, response: Buffer[] | null): SaslVerdict {
    this.state = 'failed';
    const mechanism = this.server === null ? '' : ` with ${this.server.mechanism}`;
    const what = this.previous === null ? 'authentication' : 're-authentication';
    const refusal = this.server?.pendingRefusal ?? null;
    this.log(`SASL ${what} of ${this.where} failed${mechanism}: ${reason}${refusal === null ? '' : ` (after refusing its token: ${refusal})`}`);
    return answer(response, true);
  }
}

/**
 * Kafka's session lifetime (SaslServerAuthenticator): with `connections.max.reauth.ms` positive and/or a credential
 * that expires, the smaller of the two, never negative; null (no lifetime, no re-authentication) when neither applies.
 */
export function sessionLifetimeMs(nowMs: number, maxReauthMs: number, credentialExpiresAtMs: number | undefined): number | null {
  let lifetimeMs: number | null = credentialExpiresAtMs === undefined ? null : credentialExpiresAtMs - nowMs;
  if (maxReauthMs > 0) lifetimeMs = lifetimeMs === null ? maxReauthMs : Math.min(lifetimeMs, maxReauthMs);
  return lifetimeMs === null ? null : Math.max(0, lifetimeMs);
}

/** A token's owner is a whole principal already (`Type:name`); a user name becomes `User:<name>`. */
function principalOf(name: string, byToken: boolean): string {
  return byToken ? name : userPrincipal(name);
}

/** `User:alice` → ['User', 'alice']. */
function splitPrincipal(principal: string): [string, string] {
  const colon = principal.indexOf(':');
  return colon < 0 ? ['User', principal] : [principal.slice(0, colon), principal.slice(colon + 1)];
}

function answer(response: Buffer[] | null, close: boolean): SaslVerdict {
  return { kind: 'answer', response, close };
}

function encode<T>(correlationId: number, apiKey: number, apiVersion: number, codec: MessageCodec<T>, body: T): Buffer[] {
  const w = new Writer();
  const sizeAt = w.reserve(4);
  writeResponseHeader(w, correlationId, apiKey, apiVersion);
  codec.encode(w, body, apiVersion);
  w.patchInt32(sizeAt, w.length - 4);
  return w.toChunks();
}

