/**
 * One client connection: frames in, responses out in request order.
 * Requests may complete out of order (a long-polling Fetch behind a quick
 * Metadata); each gets a slot in a bounded ring and responses leave only from
 * its head. When the ring is full the socket stops reading, which pushes back
 * on the client instead of queueing without bound.
 */
import type { Socket } from 'node:net';
import { ApiKey } from '../protocol/index.ts';
import { ANONYMOUS_PRINCIPAL, type SaslAuthenticator } from '../security/index.ts';
import { FrameSizeError, FrameSplitter } from './frame-splitter.ts';

/** Encoded response chunks (size prefix included), or null when the request gets no response (acks=0). */
export type Response = Buffer[] | null;

export interface FrameHandler {
  /** Handles one request frame. Must not throw for bad client input; a throw closes this connection. */
  handle(frame: Buffer, connection: Connection): Response | Promise<Response>;
}

export interface ConnectionLimits {
  frameBytesMax: number;
  inflightRequestsMax: number;
}

/** Who is on the other end: the listener it came in on, and its principal once known. */
export interface ConnectionSecurity {
  readonly listenerName: string;
  /** `User:ANONYMOUS`, a TLS client certificate's principal, or (set on success) the SASL one. */
  readonly principal: string;
  /** On a SASL listener, the gate every frame passes until authentication completes. */
  readonly authenticator: SaslAuthenticator | null;
}

/** Kafka's sasl.server.max.receive.size: frames before authentication are at most this large. */
const SASL_FRAME_BYTES_MAX = 524_288;
const PLAINTEXT_SECURITY: ConnectionSecurity = { listenerName: 'PLAINTEXT', principal: ANONYMOUS_PRINCIPAL, authenticator: null };

const PENDING = Symbol('pending');
/** Kafka's KafkaChannel: a connection cannot start re-authenticating more than once a second. */
const REAUTH_INTERVAL_MS_MIN = 1000;

export class Connection {
  readonly id: number;
  readonly socket: Socket;
  readonly remoteAddress: string;
  readonly listenerName: string;
  /** The authenticated principal (`User:ANONYMOUS` until and unless one authenticates). */
  principal: string;
  /** Whether the principal logged in with a delegation token (it may then not manage tokens). */
  tokenAuthenticated = false;
  private authenticator: SaslAuthenticator | null;
  /** The authenticator of the current SASL session, once one completed: it makes the next re-authentication's. */
  private authenticated: SaslAuthenticator | null = null;
  /** When this connection last started re-authenticating (epoch ms), 0 when never. */
  private reauthStartedMs = 0;
  /** A SASL failure answered: close once that answer is written. */
  private closing = false;
  private readonly frameBytesMax: number;
  private readonly handler: FrameHandler;
  private readonly splitter: FrameSplitter;
  private readonly slots: (Response | typeof PENDING)[];
  /** Next slot to send from, next slot to fill; the ring holds `issued - sent` requests. */
  private sent = 0;
  private issued = 0;
  private closed = false;
  /** Frames read while the ring was full; bounded by one socket read's worth. */
  private readonly waiting: Buffer[] = [];
  private readonly onClose: (c: Connection) => void;
  private readonly log: (line: string) => void;
  /** While a quota throttle lasts (KIP-219: answered first, then muted), the socket is not read; null when not muted. */
  private unmuteTimer: NodeJS.Timeout | null = null;
  private mutedUntilMs = 0;

  constructor(
    id: number, socket: Socket, handler: FrameHandler, limits: ConnectionLimits,
    onClose: (c: Connection) => void, log: (line: string) => void, security: ConnectionSecurity = PLAINTEXT_SECURITY,
  ) {
    this.id = id;
    this.socket = socket;
    this.remoteAddress = `${socket.remoteAddress}:${socket.remotePort}`;
    this.listenerName = security.listenerName;
    this.principal = security.principal;
    this.authenticator = security.authenticator;
    this.handler = handler;
    this.frameBytesMax = limits.frameBytesMax;
    this.splitter = new FrameSplitter(this.authenticator === null ? limits.frameBytesMax : Math.min(limits.frameBytesMax, SASL_FRAME_BYTES_MAX));
    this.slots = new Array(limits.inflightRequestsMax).fill(null);
    this.onClose = onClose;
    this.log = log;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
  }

  private onData(chunk: Buffer): void {
    try {
      this.splitter.push(chunk, (frame) => this.onFrame(frame));
    } catch (e) {
      if (e instanceof FrameSizeError) this.log(`closing ${this.remoteAddress}: ${e.message}`);
      else this.log(`closing ${this.remoteAddress}: ${(e as Error).message}`);
      this.close();
    }
  }

  private onFrame(frame: Buffer): void {
    if (this.closed || this.closing) return;
    if (this.issued - this.sent >= this.slots.length) {
      // One chunk can carry several frames past the ring's end; they wait here while the socket is paused.
      this.waiting.push(frame);
      return;
    }
    if (this.authenticator === null && this.authenticated !== null && !this.withinSession(frame)) return;
    const slot = this.issued++ % this.slots.length;
    this.slots[slot] = PENDING;
    if (this.issued - this.sent >= this.slots.length) this.socket.pause();
    let result: Response | Promise<Response>;
    try {
      result = this.authenticator === null ? this.handler.handle(frame, this) : this.admit(frame);
    } catch (e) {
      this.log(`closing ${this.remoteAddress}: ${(e as Error).message}`);
      this.close();
      return;
    }
    if (result instanceof Promise) {
      result.then((r) => this.complete(slot, r), (e: Error) => {
        this.log(`closing ${this.remoteAddress}: ${e.message}`);
        this.close();
      });
    } else {
      this.complete(slot, result);
    }
  }

  /** A frame on a SASL listener before authentication completed: the authenticator answers it or lets it through. */
  private admit(frame: Buffer): Response | Promise<Response> {
    const authenticator = this.authenticator!;
    const verdict = authenticator.admit(frame);
    if (authenticator.complete) {
      this.principal = authenticator.principal!;
      this.authenticated = authenticator;
      this.tokenAuthenticated = authenticator.tokenAuthenticated;
      this.authenticator = null;
      this.splitter.setFrameBytesMax(this.frameBytesMax);
    }
    if (verdict.kind === 'dispatch') return this.handler.handle(frame, this);
    if (verdict.close) {
      this.closing = true;
      this.socket.pause();
    }
    return verdict.response;
  }

  /**
   * A frame on an authenticated SASL connection, in Kafka's order (SocketServer's processCompletedReceives):
   * a SaslHandshake on a session with a lifetime starts re-authentication (at most once a second; otherwise
   * it goes on to the dispatcher, which answers ILLEGAL_SASL_STATE); any other request after the session
   * expired closes the connection without an answer, dropping the answers still in flight. False when closed.
   */
  private withinSession(frame: Buffer): boolean {
    const session = this.authenticated!.session!;
    if (session.expiresAtMs === null) return true;
    const nowMs = Date.now();
    if (frame.length >= 2 && frame.readInt16BE(0) === ApiKey.SaslHandshake && nowMs - this.reauthStartedMs >= REAUTH_INTERVAL_MS_MIN) {
      this.reauthStartedMs = nowMs;
      this.authenticator = this.authenticated!.reauthenticator();
      this.splitter.setFrameBytesMax(Math.min(this.frameBytesMax, SASL_FRAME_BYTES_MAX));
      return true;
    }
    if (nowMs <= session.expiresAtMs) return true;
    this.log(`closing ${this.remoteAddress} on ${this.listenerName}: its SASL session for ${session.principal} expired ${nowMs - session.expiresAtMs} ms ago without re-authentication`);
    this.close();
    return false;
  }

  private complete(slot: number, response: Response): void {
    if (this.closed) return;
    this.slots[slot] = response;
    const socket = this.socket;
    let corked = false;
    while (this.sent < this.issued) {
      const head = this.sent % this.slots.length;
      const ready = this.slots[head]!;
      if (ready === PENDING) break;
      this.slots[head] = null;
      this.sent++;
      if (ready === null) continue;
      if (!corked) {
        socket.cork();
        corked = true;
      }
      for (const chunk of ready) socket.write(chunk);
    }
    if (corked) socket.uncork();
    if (this.closing && this.sent === this.issued) {
      this.endAfterWrites();
      return;
    }
    while (this.waiting.length > 0 && this.issued - this.sent < this.slots.length && !this.closed) {
      this.onFrame(this.waiting.shift()!);
    }
    if (this.socket.isPaused() && this.issued - this.sent < this.slots.length && this.unmuteTimer === null) this.socket.resume();
  }

  /**
   * A quota throttle: the response already carries `throttleMs`; the socket
   * is not read for that long (Kafka mutes the channel), so a client that
   * ignores the throttle time is held back all the same.
   */
  throttle(throttleMs: number): void {
    if (this.closed || throttleMs <= 0) return;
    const untilMs = Date.now() + throttleMs;
    if (untilMs <= this.mutedUntilMs) return;
    this.mutedUntilMs = untilMs;
    this.socket.pause();
    if (this.unmuteTimer !== null) clearTimeout(this.unmuteTimer);
    this.unmuteTimer = setTimeout(() => this.unmute(), throttleMs);
    this.unmuteTimer.unref();
  }

  private unmute(): void {
    this.unmuteTimer = null;
    this.mutedUntilMs = 0;
    if (this.closed || this.closing) return;
    if (this.issued - this.sent < this.slots.length) this.socket.resume();
  }

  /** Sends what was written, then closes (a refused SASL client reads its answer before the close). */
  private endAfterWrites(): void {
    if (this.socket.writableEnded) return;
    this.socket.end(() => this.close());
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.unmuteTimer !== null) clearTimeout(this.unmuteTimer);
    this.socket.destroy();
    this.onClose(this);
  }
}
