/**
 * The HTTP side of `console.listener`: the console's static files (plain
 * HTML, CSS and browser ES modules shipped in the package, nothing fetched
 * from elsewhere) and its JSON API under /api/. Reads are GETs; every change
 * is a POST with a JSON body. A failure is a JSON `{ error, code }` — 400 for
 * what Kafka refused (with Kafka's message), 404 for what does not exist,
 * 503 while the node cannot be reached — and never takes the node down.
 * There is no authentication here: the listener is for loopback (see
 * docs/operations.md, "Web console"). Because of that, two checks keep
 * other web pages in the operator's browser out: a request must name this
 * server by an IP address, `localhost` or the listener's own host (a page
 * that rebinds its DNS name to 127.0.0.1 is refused), and a change must come
 * from the console's own origin with a JSON body (which a cross-site form
 * cannot send, and a cross-site fetch cannot without a preflight this server
 * never grants).
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ClientError } from '../../client/index.ts';
import type { RunningBroker as NodeHandle } from '../../server/index.ts';
import { ApiError, type Query } from './api-error.ts';
import { ConsoleApi } from './console-api.ts';

type Log = (line: string, level?: 'warn' | 'error') => void;

export interface ConsoleEndpoint {
  readonly server: Server;
  /** Answers one request (also mounted on the metrics server when both share an address). */
  readonly handle: (req: IncomingMessage, res: ServerResponse) => void;
  /** The node is up: the API reads it from now on. */
  attach(node: NodeHandle, log: Log): void;
  /** Closes the console's client connections. */
  close(): Promise<void>;
}

const STATIC_DIR = fileURLToPath(new URL('./static/', import.meta.url));
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.svg': 'image/svg+xml',
};
/** A JSON body larger than this is refused (413): the console never sends more than a topic's configs. */
const BODY_BYTES_MAX = 64 * 1024;

/** `listenerHost`: the host `console.listener` names, also accepted in the Host header. */
export function createConsoleServer(listenerHost: string): ConsoleEndpoint {
  let api: ConsoleApi | null = null;
  let log: Log = () => {};
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const refused = foreignRequest(req, listenerHost);
    if (refused !== null) return json(res, 403, { error: refused });
    const url = new URL(req.url ?? '/', 'http://console');
    if (url.pathname.startsWith('/api/')) {
      serveApi(api, req, url).then(
        (body) => json(res, 200, body),
        (e: unknown) => {
          const { status, body } = errorReply(e);
          if (status >= 500) log(`console ${req.method} ${url.pathname} failed: ${body.error}`, 'warn');
          json(res, status, body);
        },
      );
      return;
    }
    serveStatic(req, res, url.pathname).catch(() => text(res, 500, 'console file unreadable\n'));
  };
  const server = createServer(handle);
  return {
    server,
    handle,
    attach(node, nodeLog) {
      log = nodeLog;
      api = new ConsoleApi(node);
    },
    async close() {
      await api?.close();
    },
  };
}

/** Why a request from elsewhere than the console's own pages is refused, or null. */
function foreignRequest(req: IncomingMessage, listenerHost: string): string | null {
  const host = hostnameOf(req.headers.host ?? '');
  if (host === null || !(host === 'localhost' || isIP(host) !== 0 || host === listenerHost.toLowerCase())) {
    return `the console answers only requests addressed to an IP address, localhost or ${listenerHost}, not '${req.headers.host ?? ''}'`;
  }
  const origin = req.headers.origin;
  if (req.method !== 'GET' && req.method !== 'HEAD' && origin !== undefined && hostnameOf(origin.replace(/^[a-z]+:\/\//i, '')) !== host) {
    return `a change must come from the console's own pages, not from ${origin}`;
  }
  return null;
}

/** The host part of `host[:port]` or `[v6]:port`, lowercased; null when there is none. */
function hostnameOf(value: string): string | null {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:/\s]+))(?::\d+)?\/?$/.exec(value.trim());
  return m === null ? null : (m[1] ?? m[2]!).toLowerCase();
}

async function serveApi(api: ConsoleApi | null, req: IncomingMessage, url: URL): Promise<unknown> {
  if (api === null) throw new ApiError(503, 'the node is still starting');
  const parts = url.pathname.slice('/api/'.length).split('/').filter((p) => p !== '').map(decodeURIComponent);
  const query: Query = Object.fromEntries(url.searchParams);
  if (req.method === 'GET' || req.method === 'HEAD') return api.read(parts, query);
  if (req.method !== 'POST') throw new ApiError(405, `${req.method} is not allowed: reads are GET, changes are POST with a JSON body`);
  const type = req.headers['content-type'] ?? '';
  if (!type.startsWith('application/json')) throw new ApiError(415, 'a change needs a JSON body (content-type: application/json)');
  return api.change(parts, await readJson(req));
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > BODY_BYTES_MAX) throw new ApiError(413, `the request body is larger than ${BODY_BYTES_MAX} bytes`);
    chunks.push(chunk);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (e) {
    throw new ApiError(400, `the request body is not valid JSON: ${(e as Error).message}`);
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new ApiError(400, 'the request body must be a JSON object');
  return body as Record<string, unknown>;
}

/** Kafka's own refusals keep their message and code; what does not exist is a 404. */
function errorReply(e: unknown): { status: number; body: { error: string; code?: string } } {
  if (e instanceof ApiError) return { status: e.status, body: { error: e.message, ...(e.code === undefined ? {} : { code: e.code }) } };
  if (e instanceof ClientError) {
    const missing = e.code === 'UNKNOWN_TOPIC_OR_PARTITION' || e.code === 'SAMSA_ERR_UNKNOWN_TOPIC' || e.code === 'UNKNOWN_TOPIC_ID' || e.code === 'GROUP_ID_NOT_FOUND';
    const unreachable = e.kafkaErrorCode === -1 && /ECONNREFUSED|timed out|closed|connect/i.test(e.message);
    return { status: missing ? 404 : unreachable ? 503 : 400, body: { error: e.message, code: e.code } };
  }
  return { status: 500, body: { error: e instanceof Error ? e.message : String(e) } };
}

async function serveStatic(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return text(res, 405, 'only GET\n');
  // Only flat file names from the static folder: no '..', no sub-paths.
  const name = path === '/' ? 'index.html' : path.slice(1);
  if (!/^[a-z0-9-]+\.(html|css|js|svg)$/.test(name)) return text(res, 404, 'not found\n');
  let body: Buffer;
  try {
    body = await readFile(STATIC_DIR + name);
  } catch {
    return text(res, 404, 'not found\n');
  }
  res.writeHead(200, { 'content-type': CONTENT_TYPES[extname(name)]!, 'content-length': body.length, 'cache-control': 'no-cache' });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

function text(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
