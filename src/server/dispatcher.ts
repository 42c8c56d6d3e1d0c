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
  apiVersionsResponse, handlers as brokerHandlers, advertisedApis as brokerApis, type BrokerContext, type HandlerEntry, type RequestContext,
} from '../broker/index.ts';
import type { ApiRange } from '../protocol/index.ts';
import { messages } from '../protocol/index.ts';
import type { Connection, FrameHandler, Response } from './connection.ts';


export class RequestError extends Error {
  readonly code = 'SAMSA_ERR_REQUEST';
}

export class Dispatcher implements FrameHandler {
  private readonly broker: BrokerContext;
  private readonly handlers: readonly (HandlerEntry | undefined)[];
  private readonly advertisedApis: readonly ApiRange[];

  /** A listener's table of handlers; the broker's client APIs unless given (the controller listener has its own). */
  constructor(broker: BrokerContext, handlers = brokerHandlers, advertisedApis = brokerApis) {
    this.broker = broker;
    this.handlers = handlers;
    this.advertisedApis = advertisedApis;
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
      principal: connection.principal, listenerName: connection.listenerName,
    };
    const result = entry.handle(this.broker, request, ctx);
    const codec = responseCodec(apiKey)!;
    if (result instanceof Promise) return result.then((body) => body === null ? null : encode(correlationId, apiKey, apiVersion, codec, body));
    return result === null ? null : encode(correlationId, apiKey, apiVersion, codec, result);
  }
}

function encode<T>(correlationId: number, apiKey: number, apiVersion: number, codec: MessageCodec<T>, body: T): Buffer[] {
  const w = new Writer();
  const sizeAt = w.reserve(4);
  writeResponseHeader(w, correlationId, apiKey, apiVersion);
  codec.encode(w, body, apiVersion);
  w.patchInt32(sizeAt, w.length - 4);
  return w.toChunks();
}
