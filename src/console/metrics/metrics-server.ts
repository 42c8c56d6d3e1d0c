/**
 * The HTTP side of `metrics.listener`: GET /metrics (Prometheus text),
 * /healthz (the process answers) and /readyz (registered, unfenced and caught
 * up with the metadata log: 200, else 503 with the reason). Anything else is
 * 404 — or, when the web console shares this address, the console's; a
 * failed render is a 500 with one line, never a crash.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { NodeView } from '../../server/index.ts';
import type { NodeMetrics } from './node-metrics.ts';

export interface MetricsEndpoint {
  readonly server: Server;
  /** Set once the node has started; until then /readyz answers 503. */
  view: NodeView | null;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
const METRICS_PATHS: ReadonlySet<string> = new Set(['/metrics', '/healthz', '/readyz']);

/** `others` answers every path but the three above (the console on a shared address). */
export function createMetricsServer(metrics: NodeMetrics, others: Handler | null = null): MetricsEndpoint {
  const endpoint: MetricsEndpoint = { server: createServer(), view: null };
  endpoint.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (others !== null && !METRICS_PATHS.has(path)) return others(req, res);
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(res, 405, 'text/plain', 'only GET\n');
    switch (path) {
      case '/metrics':
        metrics.render().then(
          (text) => reply(res, 200, metrics.contentType, text),
          (e: Error) => reply(res, 500, 'text/plain', `metrics failed: ${e.message}\n`),
        );
        return;
      case '/healthz':
        return reply(res, 200, 'text/plain', 'ok\n');
      case '/readyz': {
        const reason = endpoint.view === null ? 'starting' : endpoint.view.notReadyReason();
        return reason === null ? reply(res, 200, 'text/plain', 'ready\n') : reply(res, 503, 'text/plain', `not ready: ${reason}\n`);
      }
      default:
        return reply(res, 404, 'text/plain', 'not found: try /metrics, /healthz or /readyz\n');
    }
  });
  return endpoint;
}

function reply(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
