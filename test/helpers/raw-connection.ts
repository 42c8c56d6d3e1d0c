/**
 * A raw Kafka connection for tests that must send exactly what a client
 * library would not (a SASL exchange by hand, a request after a session
 * expired): frames out, size-prefixed answers in, decoded with the generated
 * codecs, and whether the broker closed it.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { Reader, Writer, messages, readResponseHeader, requestCodec, requestHeaderVersion, responseCodec } from '../../src/protocol/index.ts';
import { until } from './until.ts';

export class RawConnection {
  private readonly socket: Socket;
  private buffer = Buffer.alloc(0);
  closed = false;
  private nextCorrelationId = 1;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
    });
    socket.on('close', () => {
      this.closed = true;
    });
    socket.on('error', () => undefined);
  }

  static open(port: number, host = '127.0.0.1'): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, host, () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  /** One request frame, size prefix included. */
  request(apiKey: number, version: number, body: unknown): Buffer {
    const w = new Writer();
    const sizeAt = w.reserve(4);
    messages.RequestHeader.encode(w, {
      ...messages.RequestHeader.defaults(), requestApiKey: apiKey, requestApiVersion: version, correlationId: this.nextCorrelationId++, clientId: 'raw',
    }, requestHeaderVersion(apiKey, version));
    requestCodec(apiKey)!.encode(w, body, version);
    w.patchInt32(sizeAt, w.length - 4);
    return w.toBuffer();
  }

  send(...frames: Buffer[]): void {
    this.socket.write(Buffer.concat(frames));
  }

  /** The next answer's payload, or null once the broker closed without one. */
  async next(timeoutMs = 5000): Promise<Buffer | null> {
    return until('an answer or the close', () => {
      if (this.buffer.length >= 4 && this.buffer.length >= 4 + this.buffer.readInt32BE(0)) {
        const size = this.buffer.readInt32BE(0);
        const frame = this.buffer.subarray(4, 4 + size);
        this.buffer = this.buffer.subarray(4 + size);
        return { frame };
      }
      return this.closed ? { frame: null } : null;
    }, { timeoutMs, intervalMs: 5 }).then((r) => r.frame);
  }

  /** The next answer decoded as `codec` at `version`; fails the test when the broker closed instead. */
  async answer<T>(codec: { apiKey: number; decode(r: Reader, version: number): T }, version: number): Promise<T> {
    const frame = await this.next();
    assert.ok(frame !== null, `the broker closed the connection instead of answering API ${codec.apiKey}`);
    const r = new Reader(frame);
    readResponseHeader(r, codec.apiKey, version);
    assert.equal(responseCodec(codec.apiKey), codec);
    return codec.decode(r, version);
  }

  /** Whether the broker closes the connection within a second. */
  async closedByBroker(): Promise<boolean> {
    return until('the broker to close the connection', () => this.closed, { timeoutMs: 1000, intervalMs: 10 }).catch(() => false);
  }

  destroy(): void {
    this.socket.destroy();
  }
}
