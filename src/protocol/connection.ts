/**
 * One outbound connection to one broker, for Samsa's client and for a
 * broker's own connections to its peers (replica fetchers, controller
 * requests): length-prefixed frames out, responses
 * matched to requests by correlation id (Kafka answers in order, but a
 * request with acks=0 gets no answer, so matching by id is the safe rule).
 * On connect it asks ApiVersions once and then sends every request at the
 * highest version both sides speak; the generated codecs write exactly the
 * fields that version carries, so callers fill one shape for all versions.
 */
import { connect, isIP, type Socket } from 'node:net';
import { connect as connectTls, type ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { apiName, requestCodec, responseCodec } from './api-keys.ts';
import { Reader, Writer } from './codec.ts';
import { ErrorCode } from './error-codes.ts';
import { readResponseHeader, requestHeaderVersion } from './headers.ts';
import * as messages from './messages/index.ts';
import { ApiKey } from './api-keys.ts';
import { saslClientSession, type SaslClientOptions } from './sasl-client.ts';
import { CLIENT_SASL_MECHANISMS } from './sasl/index.ts';

const API_VERSIONS_VERSION_MAX = 3;
const INFLIGHT_REQUESTS_MAX = 1024;
const RESPONSE_BYTES_MAX = 256 * 1024 * 1024;

export class ClientError extends Error {
  readonly code: string;
  readonly kafkaErrorCode: number;
  constructor(message: string, code = 'SAMSA_ERR_CLIENT', kafkaErrorCode = -1) {
    super(message);
    this.name = 'ClientError';
    this.code = code;
    this.kafkaErrorCode = kafkaErrorCode;
  }
}

interface Pending {
  apiKey: number;
  version: number;
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/** TLS towards a broker's SSL or SASL_SSL listener: PEM text (or Buffers) as node:tls takes them. */
export interface ClientTlsOptions {
  /** Trusted CA certificates; the system's when absent. */
  ca?: string | Buffer | (string | Buffer)[];
  /** This client's certificate chain and key, for listeners with ssl.client.auth. */
  cert?: string | Buffer | (string | Buffer)[];
  key?: string | Buffer;
  /** Password of an encrypted key. */
  passphrase?: string;
  /** Default true: the broker's certificate must chain to a trusted CA. */
  rejectUnauthorized?: boolean;
  /** SNI and the name checked against the certificate; the host by default (not sent for an IP address). */
  servername?: string;
  minVersion?: TlsConnectionOptions['minVersion'];
  maxVersion?: TlsConnectionOptions['maxVersion'];
  /** Replaces the host name check (Kafka's ssl.endpoint.identification.algorithm=''). */
  checkServerIdentity?: TlsConnectionOptions['checkServerIdentity'];
}

export interface ConnectionOptions {
  host: string;
  port: number;
  clientId: string;
  requestTimeoutMs: number;
  connectTimeoutMs: number;
  /** TLS (SSL and SASL_SSL listeners). */
  ssl?: ClientTlsOptions | null;
  /** SASL (SASL_PLAINTEXT and SASL_SSL listeners): SaslHandshake v1 and SaslAuthenticate after ApiVersions. */
  sasl?: SaslClientOptions | null;
}

/** The API keys with both a request and a response message. */
export type KnownApiKey = keyof messages.RequestsByApiKey & keyof messages.ResponsesByApiKey;
export type RequestOf<K extends KnownApiKey> = messages.RequestsByApiKey[K];
export type ResponseOf<K extends KnownApiKey> = messages.ResponsesByApiKey[K];

/** SNI: the given name, else the host unless it is an IP address (TLS does not send those). */
function serverNameOf(host: string, tls: ClientTlsOptions): { servername?: string } {
  if (tls.servername !== undefined) return { servername: tls.servername };
  return isIP(host) === 0 ? { servername: host } : {};
}

export class BrokerConnection {
  readonly host: string;
  readonly port: number;
  private readonly options: ConnectionOptions;
  private socket: Socket | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextCorrelationId = 1;
  /** Bytes received and not yet framed: `inbox` plus `inboxChunks` (joined once the frame they start is complete). */
  private inbox: Buffer = Buffer.alloc(0);
  private inboxChunks: Buffer[] = [];
  private inboxChunkBytes = 0;
  /** The size of the frame being waited for (4 + its length), or 0 while its length is unknown. */
  private inboxNeedBytes = 0;
  /** Highest version this broker serves, by API key; -1 where it serves none. */
  private readonly versions: number[] = new Array(128).fill(-1);
  private closedError: Error | null = null;
  /** KIP-368: when to re-authenticate (epoch ms, 85–95% into the session's lifetime as Kafka's Java client does), or null. */
  private reauthAtMs: number | null = null;
  /** While re-authenticating, the requests sent meanwhile wait here (their answers are already awaited); null otherwise. */
  private held: Buffer[][] | null = null;
  private reauthenticationCount = 0;

  private constructor(options: ConnectionOptions) {
    this.options = options;
    this.host = options.host;
    this.port = options.port;
  }

  static async open(options: ConnectionOptions): Promise<BrokerConnection> {
    const c = new BrokerConnection(options);
    await c.connectSocket();
    try {
      await c.negotiate();
      if (options.sasl !== undefined && options.sasl !== null) await c.authenticate(options.sasl);
    } catch (e) {
      // A peer that accepts but does not answer (or speak Kafka) must not keep the process alive.
      c.close();
      throw e;
    }
    return c;
  }

  private connectSocket(): Promise<void> {
    return new Promise((resolve, reject) => {
      const tls = this.options.ssl ?? null;
      const socket = tls === null
        ? connect({ host: this.host, port: this.port, noDelay: true })
        : connectTls({ host: this.host, port: this.port, ...tls, ...serverNameOf(this.host, tls) }).setNoDelay(true);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new ClientError(`cannot connect to ${this.host}:${this.port}: timed out`, 'SAMSA_ERR_CONNECT'));
      }, this.options.connectTimeoutMs);
      socket.once(tls === null ? 'connect' : 'secureConnect', () => {
        clearTimeout(timer);
        this.socket = socket;
        socket.on('data', (chunk: Buffer) => this.onData(chunk));
        socket.on('close', () => this.fail(new ClientError(`connection to ${this.host}:${this.port} closed`, 'SAMSA_ERR_DISCONNECTED')));
        resolve();
      });
      socket.once('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        const reason = e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN' ? `unknown host '${this.host}' (${e.code})`
          : tls !== null ? `TLS: ${e.message}` : e.code ?? e.message;
        reject(new ClientError(`cannot connect to ${this.host}:${this.port}: ${reason}`, 'SAMSA_ERR_CONNECT'));
      });
    });
  }

  private async negotiate(): Promise<void> {
    const req = { ...messages.ApiVersionsRequest.defaults(), clientSoftwareName: 'samsa', clientSoftwareVersion: '0' };
    const res = await this.send<messages.ApiVersionsResponse>(ApiKey.ApiVersions, API_VERSIONS_VERSION_MAX, req);
    if (res.errorCode !== ErrorCode.NONE) {
      throw new ClientError(`ApiVersions failed with error ${res.errorCode}`, 'SAMSA_ERR_API_VERSIONS', res.errorCode);
    }
    for (const api of res.apiKeys) {
      const ours = requestCodec(api.apiKey);
      if (ours === undefined || api.apiKey >= this.versions.length) continue;
      const version = Math.min(api.maxVersion, ours.maxVersion);
      this.versions[api.apiKey] = version >= Math.max(api.minVersion, ours.minVersion) ? version : -1;
    }
  }

  /**
   * SASL after ApiVersions, as Kafka's clients do it: SaslHandshake v1 names
   * the mechanism, then SaslAuthenticate requests carry the tokens until the
   * mechanism is done. A refusal is a ClientError with Kafka's error code.
   */
  private async authenticate(options: SaslClientOptions, direct = false): Promise<void> {
    let session: Awaited<ReturnType<typeof saslClientSession>>;
    try {
      session = await saslClientSession(options);
    } catch (e) {
      throw new ClientError(`SASL/${options.mechanism} towards ${this.host}:${this.port}: ${(e as Error).message}`, 'SAMSA_ERR_SASL');
    }
    if (session === null) {
      throw new ClientError(`SASL mechanism '${options.mechanism}' is not supported by this client (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 and OAUTHBEARER are)`,
        'SAMSA_ERR_SASL', ErrorCode.UNSUPPORTED_SASL_MECHANISM);
    }
    const handshakeVersion = Math.min(this.versionOf(ApiKey.SaslHandshake), 1);
    if (handshakeVersion < 1 || this.versionOf(ApiKey.SaslAuthenticate) < 0) {
      throw new ClientError(`broker ${this.host}:${this.port} does not offer SASL authentication`, 'SAMSA_ERR_SASL', ErrorCode.ILLEGAL_SASL_STATE);
    }
    const handshake = await this.send<messages.SaslHandshakeResponse>(ApiKey.SaslHandshake, handshakeVersion, {
      ...messages.SaslHandshakeRequest.defaults(), mechanism: session.mechanism,
    }, direct);
    if (handshake.errorCode !== ErrorCode.NONE) {
      throw new ClientError(`SASL mechanism ${session.mechanism} refused by ${this.host}:${this.port} (error ${handshake.errorCode}; enabled: ${handshake.mechanisms.join(', ')})`,
        'SAMSA_ERR_SASL', handshake.errorCode);
    }
    let token: Buffer | null = session.initialToken();
    let lifetimeMs = 0;
    while (token !== null) {
      const res: messages.SaslAuthenticateResponse = await this.send(ApiKey.SaslAuthenticate, this.versionOf(ApiKey.SaslAuthenticate), {
        ...messages.SaslAuthenticateRequest.defaults(), authBytes: token,
      }, direct);
      if (res.errorCode !== ErrorCode.NONE) {
        throw new ClientError(`SASL authentication with ${this.host}:${this.port} failed: ${res.errorMessage ?? `error ${res.errorCode}`}`,
          'SAMSA_ERR_SASL_AUTHENTICATION', res.errorCode);
      }
      lifetimeMs = Number(res.sessionLifetimeMs);
      token = session.evaluate(res.authBytes);
    }
    this.reauthAtMs = lifetimeMs > 0 ? Date.now() + Math.floor(lifetimeMs * (0.85 + 0.1 * Math.random())) : null;
  }

  /**
   * KIP-368 on the client: once the re-authentication time has come, the next request waits while SaslHandshake
   * and SaslAuthenticate go out on this connection (requests already sent keep their place and get their answers);
   * then the waiting ones follow. A refused re-authentication closes the connection: its requests fail and
   * callers reconnect, as with any lost connection.
   */
  private maybeReauthenticate(): void {
    const options = this.options.sasl;
    if (this.reauthAtMs === null || this.held !== null || Date.now() < this.reauthAtMs || options === undefined || options === null) return;
    this.reauthAtMs = null;
    this.held = [];
    this.authenticate(options, true).then(() => {
      this.reauthenticationCount++;
      const held = this.held ?? [];
      this.held = null;
      if (this.closedError === null) for (const frame of held) this.write(frame);
    }, (e: Error) => {
      this.held = null;
      this.fail(new ClientError(`SASL re-authentication with ${this.host}:${this.port} failed: ${e.message}`, 'SAMSA_ERR_SASL_AUTHENTICATION',
        e instanceof ClientError ? e.kafkaErrorCode : -1));
    });
  }

  /** How many times this connection re-authenticated (KIP-368). */
  get reauthentications(): number {
    return this.reauthenticationCount;
  }

  /** The version requests of this API go out at, or -1 when the broker does not serve it. */
  versionOf(apiKey: number): number {
    return this.versions[apiKey] ?? -1;
  }

  /** Sends at the negotiated version; resolves with the decoded response, typed by the API key. */
  request<K extends KnownApiKey>(apiKey: K, body: RequestOf<K>): Promise<ResponseOf<K>> {
    return this.requestUntyped(apiKey, body) as Promise<ResponseOf<K>>;
  }

  /**
   * `request` at no more than `maxVersion`: for APIs whose newer versions are
   * another caller's (AddPartitionsToTxn v4+ is for brokers, not producers).
   */
  requestAtMost<K extends KnownApiKey>(apiKey: K, maxVersion: number, body: RequestOf<K>): Promise<ResponseOf<K>> {
    const version = Math.min(this.versionOf(apiKey), maxVersion);
    if (version < 0) {
      return Promise.reject(new ClientError(`broker ${this.host}:${this.port} does not serve ${apiName(apiKey)}`, 'SAMSA_ERR_UNSUPPORTED', ErrorCode.UNSUPPORTED_VERSION));
    }
    return this.send<ResponseOf<K>>(apiKey, version, body);
  }

  /** `request` for callers that forward an API key they do not know statically (peer transports). */
  requestUntyped(apiKey: number, body: unknown): Promise<unknown> {
    const version = this.versionOf(apiKey);
    if (version < 0) {
      return Promise.reject(new ClientError(`broker ${this.host}:${this.port} does not serve ${apiName(apiKey)}`, 'SAMSA_ERR_UNSUPPORTED', ErrorCode.UNSUPPORTED_VERSION));
    }
    return this.send<unknown>(apiKey, version, body);
  }

  /** Sends a request that gets no response (Produce with acks=0). */
  sendOneWay(apiKey: number, body: unknown): void {
    this.enqueue(this.encode(apiKey, this.versionOf(apiKey), body, this.nextCorrelationId++), false);
  }

  /** `direct`: the re-authentication's own requests, which go out while the others wait. */
  private send<Res>(apiKey: number, version: number, body: unknown, direct = false): Promise<Res> {
    if (this.closedError !== null) return Promise.reject(this.closedError);
    if (this.pending.size >= INFLIGHT_REQUESTS_MAX) return Promise.reject(new ClientError('too many requests in flight', 'SAMSA_ERR_BUSY'));
    const correlationId = this.nextCorrelationId++;
    const frame = this.encode(apiKey, version, body, correlationId);
    return new Promise<Res>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(correlationId);
        reject(new ClientError(`${apiName(apiKey)} request to ${this.host}:${this.port} timed out after ${this.options.requestTimeoutMs} ms`, 'SAMSA_ERR_TIMEOUT', ErrorCode.REQUEST_TIMED_OUT));
      }, this.options.requestTimeoutMs);
      this.pending.set(correlationId, { apiKey, version, resolve: resolve as (v: unknown) => void, reject, timer });
      this.enqueue(frame, direct);
    });
  }

  private enqueue(frame: Buffer[], direct: boolean): void {
    if (!direct) this.maybeReauthenticate();
    if (this.held !== null && !direct) this.held.push(frame);
    else this.write(frame);
  }

  private encode(apiKey: number, version: number, body: unknown, correlationId: number): Buffer[] {
    const w = new Writer();
    const sizeAt = w.reserve(4);
    messages.RequestHeader.encode(w, {
      ...messages.RequestHeader.defaults(), requestApiKey: apiKey, requestApiVersion: version, correlationId, clientId: this.options.clientId,
    }, requestHeaderVersion(apiKey, version));
    requestCodec(apiKey)!.encode(w, body, version);
    w.patchInt32(sizeAt, w.length - 4);
    return w.toChunks();
  }

  private write(chunks: Buffer[]): void {
    const socket = this.socket!;
    socket.cork();
    for (const c of chunks) socket.write(c);
    socket.uncork();
  }

  private onData(chunk: Buffer): void {
    // A large response arrives in many chunks: join them once it is whole, not once per chunk.
    if (this.inboxNeedBytes > 0) {
      this.inboxChunks.push(chunk);
      this.inboxChunkBytes += chunk.length;
      if (this.inbox.length + this.inboxChunkBytes < this.inboxNeedBytes) return;
      this.inbox = Buffer.concat([this.inbox, ...this.inboxChunks]);
      this.inboxChunks = [];
      this.inboxChunkBytes = 0;
      this.inboxNeedBytes = 0;
    } else {
      this.inbox = this.inbox.length === 0 ? chunk : Buffer.concat([this.inbox, chunk]);
    }
    while (this.inbox.length >= 4) {
      const size = this.inbox.readInt32BE(0);
      if (size < 4 || size > RESPONSE_BYTES_MAX) {
        this.fail(new ClientError(`bad response size ${size} from ${this.host}:${this.port}`, 'SAMSA_ERR_PROTOCOL'));
        return;
      }
      if (this.inbox.length < 4 + size) {
        this.inboxNeedBytes = 4 + size;
        return;
      }
      const frame = this.inbox.subarray(4, 4 + size);
      this.inbox = this.inbox.subarray(4 + size);
      this.onFrame(frame);
    }
  }

  private onFrame(frame: Buffer): void {
    const correlationId = frame.readInt32BE(0);
    const p = this.pending.get(correlationId);
    if (p === undefined) return;
    this.pending.delete(correlationId);
    clearTimeout(p.timer);
    try {
      const r = new Reader(frame);
      readResponseHeader(r, p.apiKey, p.version);
      p.resolve(responseCodec(p.apiKey)!.decode(r, p.version));
    } catch (e) {
      p.reject(new ClientError(`cannot decode response to API ${p.apiKey}: ${(e as Error).message}`, 'SAMSA_ERR_PROTOCOL'));
    }
  }

  private fail(error: Error): void {
    if (this.closedError !== null) return;
    this.closedError = error;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(error);
    }
    this.pending.clear();
    this.socket?.destroy();
  }

  get isClosed(): boolean {
    return this.closedError !== null;
  }

  close(): void {
    this.fail(new ClientError('connection closed by the client', 'SAMSA_ERR_CLOSED'));
  }
}
