/**
 * Request and response headers. Which header version a message uses follows
 * from its API key and version: flexible requests use header v2 (tagged
 * fields), others v1; flexible responses use header v1, except ApiVersions,
 * whose response header stays v0 so that a client can always read the answer
 * to a version it guessed.
 */
import { isFlexible, requestCodec } from './api-keys.ts';
import { ProtocolDecodeError } from './decode-error.ts';
import { RequestHeader } from './messages/RequestHeader.ts';
import { ResponseHeader } from './messages/ResponseHeader.ts';
import type { Reader } from './reader.ts';
import type { Writer } from './writer.ts';
import { ApiKey } from './api-keys.ts';

const CONTROLLED_SHUTDOWN_KEY = 7;

export function requestHeaderVersion(apiKey: number, apiVersion: number): number {
  const codec = requestCodec(apiKey);
  if (codec !== undefined && isFlexible(codec, apiVersion)) return 2;
  if (apiKey === CONTROLLED_SHUTDOWN_KEY && apiVersion === 0) return 0;
  return 1;
}

export function responseHeaderVersion(apiKey: number, apiVersion: number): number {
  if (apiKey === ApiKey.ApiVersions) return 0;
  const codec = requestCodec(apiKey);
  return codec !== undefined && isFlexible(codec, apiVersion) ? 1 : 0;
}

/**
 * Reads a request header. The API key and version are peeked first because
 * they decide the header's own version. An unknown API key or a version the
 * spec does not define still yields a header (read as v1) so the caller can
 * answer with UNSUPPORTED_VERSION where the protocol asks for it.
 */
export function readRequestHeader(r: Reader): RequestHeader {
  if (r.remaining() < 4) throw new ProtocolDecodeError('request header is truncated');
  const apiKey = r.buf.readInt16BE(r.offset);
  const apiVersion = r.buf.readInt16BE(r.offset + 2);
  return RequestHeader.decode(r, requestHeaderVersion(apiKey, apiVersion));
}

export function writeRequestHeader(w: Writer, header: RequestHeader): void {
  RequestHeader.encode(w, header, requestHeaderVersion(header.requestApiKey, header.requestApiVersion));
}

export function writeResponseHeader(w: Writer, correlationId: number, apiKey: number, apiVersion: number): void {
  const version = responseHeaderVersion(apiKey, apiVersion);
  w.int32(correlationId);
  if (version >= 1) w.uvarint(0);
}

export function readResponseHeader(r: Reader, apiKey: number, apiVersion: number): ResponseHeader {
  return ResponseHeader.decode(r, responseHeaderVersion(apiKey, apiVersion));
}
