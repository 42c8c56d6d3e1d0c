/**
 * Frame → handler → frame. Decodes the header and body with the generated
 * codecs, calls the handler for the API key, and encodes its answer with the
 * response header the version calls for. Failures that the protocol answers
 * (an ApiVersions version from the future) are answered; a frame that cannot
 * be decoded, or a version this broker does not serve, closes the connection.
 */
import {
  ApiKey, ErrorCode, Reader, Writer, readRequestHeader, requestCodec, responseCodec, writeResponseHeader, type MessageCodec,
} from '../protocol/index.ts';
import {
  apiVersionsResponse, handlers as brokerHandlers, advertisedApis as brokerApis, type BrokerContext, type FetchQuota, type HandlerEntry, type RequestContext,
} from '../broker/index.ts';
import type { ApiRange } from '../protocol/index.ts';
import { messages } from '../protocol/index.ts';
import type { ClientQuotas } from '../security/index.ts';
import type { Connection, FrameHandler, Response } from './connection.ts';
import type { NodeInstruments } from './node-instruments.ts';

/**
 * APIs no client quota meters, as Kafka exempts them: the handshake
 * (ApiVersions, SASL) and what brokers send each other (transaction markers;
 * follower fetches are recognised by their replica id).
 */
const QUOTA_EXEMPT_APIS: ReadonlySet<number> = new Set([ApiKey.ApiVersions, ApiKey.SaslHandshake, ApiKey.SaslAuthenticate, ApiKey.WriteTxnMarkers]);
/** request_percentage is in percent of one second per second: handler ms × 100 / 1000. */
const PERCENT_PER_HANDLER_MS = 0.1;
/**
 * The APIs controller_mutation_rate meters (KIP-599), with the first version that can answer
 * THROTTLING_QUOTA_EXCEEDED (strict); older versions are only throttled (permissive).
 */
const MUTATION_STRICT_VERSION_MIN: ReadonlyMap<number, number> = new Map([[ApiKey.CreateTopics, 6], [ApiKey.DeleteTopics, 5], [ApiKey.CreatePartitions, 3]]);


export class RequestError extends Error {
  readonly code = 'SAMSA_ERR_REQUEST';
}

export class Dispatcher implements FrameHandler {
  private readonly broker: BrokerContext;
  private readonly handlers: readonly (HandlerEntry | undefined)[];
  private readonly advertisedApis: readonly ApiRange[];
  private readonly quotas: ClientQuotas | null;
  /** Told of every request and connection when the node is measured. */
  readonly instruments: NodeInstruments | null;

  /**
   * A listener's table of handlers; the broker's client APIs unless given (the
   * controller listener has its own). `quotas`: the client quotas its requests are metered against.
   */
  constructor(
    broker: BrokerContext, handlers = brokerHandlers, advertisedApis = brokerApis, quotas: ClientQuotas | null = null,
    instruments: NodeInstruments | null = null,
  ) {
    this.broker = broker;
    this.handlers = handlers;
    this.advertisedApis = advertisedApis;
    this.quotas = quotas;
    this.instruments = instruments;
  }

  handle(frame: Buffer, connection: Connection): Response | Promise<Response> {
    const apiKey = frame.readInt16BE(0);
    const apiVersion = frame.readInt16BE(2);
    const correlationId = frame.readInt32BE(4);
    const entry = apiKey >= 0 ? this.handlers[apiKey] : undefined;
    if (apiKey === ApiKey.ApiVersions && (entry === undefined || apiVersion > entry.maxVersion)) {
      // A client guessing a newer ApiVersions gets v0 with the list, so it can retry with one we serve.
      return encode(correlationId, ApiKey.ApiVersions, 0, messages.ApiVersionsResponse,
        apiVersionsResponse(this.advertisedApis, ErrorCode.UNSUPPORTED_VERSION));
    }
    if (entry === undefined || apiVersion < entry.minVersion || apiVersion > entry.maxVersion) {
      throw new RequestError(`unsupported API key ${apiKey} version ${apiVersion}`);
    }
    const r = new Reader(frame);
    const header = readRequestHeader(r);
    const request = requestCodec(apiKey)!.decode(r, apiVersion);
    const ctx: RequestContext = {
      apiVersion, correlationId, clientId: header.clientId, connectionId: connection.id,
      principal: connection.principal, listenerName: connection.listenerName, tokenAuthenticated: connection.tokenAuthenticated,
    };
    const codec = responseCodec(apiKey)!;
    if (this.quotas !== null && this.quotas.active && !QUOTA_EXEMPT_APIS.has(apiKey) && !(apiKey === ApiKey.Fetch && isFollowerFetch(request))) {
      return this.metered(this.quotas, entry, request, ctx, frame.length, connection);
    }
    if (this.instruments !== null) return this.measured(this.instruments, entry, request, ctx, connection);
    const result = entry.handle(this.broker, request, ctx);
    if (result instanceof Promise) return result.then((body) => body === null ? null : encode(correlationId, apiKey, apiVersion, codec, body));
    return result === null ? null : encode(correlationId, apiKey, apiVersion, codec, result);
  }

  /** The same, timed for the node's instruments: the handler's own time, and its total with what it waited for. */
  private measured(instruments: NodeInstruments, entry: HandlerEntry, request: any, ctx: RequestContext, connection: Connection): Response | Promise<Response> {
    const apiKey = entry.apiKey;
    const codec = responseCodec(apiKey)!;
    const startedMs = performance.now();
    const result = entry.handle(this.broker, request, ctx);
    const localSeconds = (performance.now() - startedMs) / 1000;
    const finish = (body: any): Response => {
      instruments.requestDone(apiKey, connection.listenerName, localSeconds, (performance.now() - startedMs) / 1000, body);
      return body === null ? null : encode(ctx.correlationId, apiKey, ctx.apiVersion, codec, body);
    };
    return result instanceof Promise ? result.then(finish) : finish(result);
  }

  /**
   * A request under client quotas (KafkaApis' throttling): handler time
   * against request_percentage, the request's bytes against
   * producer_byte_rate (Produce) and the response's bytes against
   * consumer_byte_rate (consumer Fetch, see `fetchQuota`). The response
   * carries the longest throttle time, and the connection is then not read
   * for that long.
   */
  private metered(
    quotas: ClientQuotas, entry: HandlerEntry, request: any, baseCtx: RequestContext, frameBytes: number, connection: Connection,
  ): Response | Promise<Response> {
    const apiKey = entry.apiKey;
    const clientId = baseCtx.clientId ?? '';
    const fetch = apiKey === ApiKey.Fetch && quotas.fetch.enabled ? this.fetchQuota(quotas, request, baseCtx) : null;
    const strictVersionMin = MUTATION_STRICT_VERSION_MIN.get(apiKey);
    const mutationQuota = strictVersionMin !== undefined && quotas.controllerMutation.enabled
      ? quotas.controllerMutation.quotaFor(baseCtx.principal, clientId, baseCtx.apiVersion >= strictVersionMin) : null;
    const ctx = fetch !== null ? { ...baseCtx, fetchQuota: fetch.quota } : mutationQuota !== null ? { ...baseCtx, mutationQuota } : baseCtx;
    const startedAt = performance.now();
    const result = entry.handle(this.broker, request, ctx);
    const nowMs = this.broker.clock.nowMs();
    const requestThrottleMs = quotas.request.enabled
      ? quotas.request.record(ctx.principal, clientId, (performance.now() - startedAt) * PERCENT_PER_HANDLER_MS, nowMs)
      : 0;
    const finish = (body: any): Response => {
      let throttleMs = Math.max(requestThrottleMs, mutationQuota?.throttleTimeMs() ?? 0);
      if (apiKey === ApiKey.Produce) {
        throttleMs = Math.max(throttleMs, quotas.produce.record(ctx.principal, clientId, frameBytes, this.broker.clock.nowMs()));
      }
      if (fetch !== null) throttleMs = Math.max(throttleMs, fetch.throttleMs());
      const measured = fetch?.encoded() ?? null;
      let encoded = measured !== null && measured.body === body ? measured.chunks
        : body === null ? null : encode(ctx.correlationId, apiKey, ctx.apiVersion, responseCodec(apiKey)!, body);
      if (throttleMs <= 0) return encoded;
      if (body !== null && typeof body.throttleTimeMs === 'number' && body.throttleTimeMs < throttleMs) {
        body.throttleTimeMs = throttleMs;
        encoded = encode(ctx.correlationId, apiKey, ctx.apiVersion, responseCodec(apiKey)!, body);
      }
      connection.throttle(throttleMs);
      return encoded;
    };
    if (this.instruments !== null) {
      const instruments = this.instruments;
      const localSeconds = (performance.now() - startedAt) / 1000;
      const measuredFinish = (body: any): Response => {
        instruments.requestDone(apiKey, connection.listenerName, localSeconds, (performance.now() - startedAt) / 1000, body);
        return finish(body);
      };
      return result instanceof Promise ? result.then(measuredFinish) : measuredFinish(result);
    }
    return result instanceof Promise ? result.then(finish) : finish(result);
  }

  /**
   * consumer_byte_rate on a consumer Fetch, as KafkaApis applies it: the
   * request's maxBytes is cut to what the quota allows in its shortest
   * window (so a fetch is never throttled for its size alone), and the
   * handler has the response metered once read; over the quota it answers
   * empty and the bytes are un-recorded. The encoding made to measure the
   * response is kept, so an unthrottled response is encoded once.
   */
  private fetchQuota(quotas: ClientQuotas, request: messages.FetchRequest, ctx: RequestContext): {
    quota: FetchQuota; throttleMs(): number; encoded(): { body: unknown; chunks: Buffer[] } | null;
  } {
    const clientId = ctx.clientId ?? '';
    const capBytes = quotas.fetch.maxValueInQuotaWindow(ctx.principal, clientId, this.broker.clock.nowMs());
    if (capBytes < request.maxBytes) {
      request.maxBytes = Math.max(0, Math.floor(capBytes));
      request.minBytes = Math.min(request.minBytes, request.maxBytes);
    }
    let throttleMs = 0;
    let encoded: { body: unknown; chunks: Buffer[] } | null = null;
    const quota: FetchQuota = {
      throttle: (response) => {
        const chunks = encode(ctx.correlationId, ApiKey.Fetch, ctx.apiVersion, messages.FetchResponse, response);
        const bytes = chunks.reduce((n, chunk) => n + chunk.length, 0);
        const nowMs = this.broker.clock.nowMs();
        throttleMs = quotas.fetch.record(ctx.principal, clientId, bytes, nowMs);
        if (throttleMs > 0) quotas.fetch.unrecord(ctx.principal, clientId, bytes, nowMs);
        else encoded = { body: response, chunks };
        return throttleMs;
      },
    };
    return { quota, throttleMs: () => throttleMs, encoded: () => encoded };
  }
}

function isFollowerFetch(request: messages.FetchRequest): boolean {
  return request.replicaId >= 0 || request.replicaState.replicaId >= 0;
}

function encode<T>(correlationId: number, apiKey: number, apiVersion: number, codec: MessageCodec<T>, body: T): Buffer[] {
  const w = new Writer();
  const sizeAt = w.reserve(4);
  writeResponseHeader(w, correlationId, apiKey, apiVersion);
  codec.encode(w, body, apiVersion);
  w.patchInt32(sizeAt, w.length - 4);
  return w.toChunks();
}
