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
 * Pure of sockets: the connection feeds frames in and acts on the verdict.
 */
import {
  ApiKey, ErrorCode, Reader, SERVABLE_APIS, Writer, messages, readRequestHeader, requestCodec,
  writeResponseHeader, type MessageCodec,
} from '../protocol/index.ts';
import { userPrincipal } from './principal.ts';
import { createSaslServer, type SaslServer } from './sasl/sasl-server.ts';
import type { SaslListenerSettings } from './listener-security.ts';

/** What the connection does with a frame: hand it to the dispatcher, or send these bytes (maybe none) and maybe close. */
export type SaslVerdict =
  | { readonly kind: 'dispatch' }
  | { readonly kind: 'answer'; readonly response: Buffer[] | null; readonly close: boolean };

type State = 'versions-or-handshake' | 'handshake' | 'authenticate' | 'complete' | 'failed';

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
  private state: State = 'versions-or-handshake';
  /** SaslHandshake v1+: tokens travel in SaslAuthenticate requests. */
  private framed = false;
  private server: SaslServer | null = null;
  private authenticated: string | null = null;
  private byToken = false;

  /** `where` names the client and listener in log lines, e.g. `127.0.0.1:50312 on SASL_SSL`. */
  constructor(settings: SaslListenerSettings, where: string, log: (line: string) => void) {
    this.settings = settings;
    this.where = where;
    this.log = log;
  }

  get complete(): boolean {
    return this.state === 'complete';
  }

  /** `User:<name>` once authenticated. */
  get principal(): string | null {
    return this.authenticated;
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
    return answer(encode(header.correlationId, ApiKey.SaslHandshake, version, messages.SaslHandshakeResponse, response), false);
  }

  /** SaslHandshake v0: the frame is the client's token; the answer is the server's, size-prefixed. */
  private bareToken(frame: Buffer): SaslVerdict {
    const step = this.server!.step(frame);
    if (step.kind === 'failed') return this.fail(step.message, null);
    const size = Buffer.allocUnsafe(4);
    size.writeInt32BE(step.response.length, 0);
    if (step.kind === 'done') this.succeed(step.principal, step.tokenAuthenticated === true);
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
    if (step.kind === 'failed') {
      response.errorCode = ErrorCode.SASL_AUTHENTICATION_FAILED;
      response.errorMessage = step.message;
      return this.fail(step.message, encode(header.correlationId, ApiKey.SaslAuthenticate, version, messages.SaslAuthenticateResponse, response));
    }
    response.authBytes = step.response;
    if (step.kind === 'done') this.succeed(step.principal, step.tokenAuthenticated === true);
    return answer(encode(header.correlationId, ApiKey.SaslAuthenticate, version, messages.SaslAuthenticateResponse, response), false);
  }

  private succeed(name: string, byToken: boolean): void {
    // A token's owner is a whole principal already (`Type:name`); a user name becomes `User:<name>`.
    this.authenticated = byToken ? name : userPrincipal(name);
    this.byToken = byToken;
    this.state = 'complete';
  }

  private fail(reason: string, response: Buffer[] | null): SaslVerdict {
    this.state = 'failed';
    const mechanism = this.server === null ? '' : ` with ${this.server.mechanism}`;
    const refusal = this.server?.pendingRefusal ?? null;
    this.log(`SASL authentication of ${this.where} failed${mechanism}: ${reason}${refusal === null ? '' : ` (after refusing its token: ${refusal})`}`);
    return answer(response, true);
  }
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

