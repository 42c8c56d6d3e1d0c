/**
 * A node with its metrics endpoint (`metrics.listener`): the HTTP listener
 * is bound first, so a taken port that was asked for stops the start before
 * any broker work; then the node starts with the endpoint's instruments, and
 * the endpoint reads it until it stops. `samsa start` serves the default
 * address unless told otherwise; an embedded broker only when configured.
 */
import type { Server } from 'node:net';
import {
  ConfigError, startBroker as startEmbeddedNode, startNode as startPlainNode, type RunningBroker as NodeHandle, type StartOptions,
} from '../server/index.ts';
import { createMetricsServer } from './metrics/metrics-server.ts';
import { NodeMetrics } from './metrics/node-metrics.ts';

export interface RunningBroker extends NodeHandle {
  /** Where `/metrics`, `/healthz` and `/readyz` are served (`http://host:port`), or null without a metrics listener. */
  readonly metricsUrl: string | null;
}

/** The metrics listener of `samsa start` when `metrics.listener` is not set. */
export const DEFAULT_METRICS_LISTENER = 'http://127.0.0.1:9644';

/** An embedded broker (see the server's startBroker), with metrics only when `metrics.listener` is configured. */
export function startBroker(options: StartOptions = {}): Promise<RunningBroker> {
  return startMeasured(startEmbeddedNode, options, null);
}

/** A node as `samsa start` runs it, serving metrics at DEFAULT_METRICS_LISTENER unless configured otherwise. */
export function startNode(options: StartOptions = {}): Promise<RunningBroker> {
  return startMeasured(startPlainNode, options, DEFAULT_METRICS_LISTENER);
}

async function startMeasured(
  start: (options: StartOptions) => Promise<NodeHandle>, options: StartOptions, defaultListener: string | null,
): Promise<RunningBroker> {
  const configured = options.config?.['metrics.listener'];
  const listener = (configured ?? defaultListener)?.trim() ?? '';
  if (listener === '') return { ...(await start(options)), metricsUrl: null };
  const address = parseListener(listener);
  const metrics = new NodeMetrics();
  const endpoint = createMetricsServer(metrics);
  const bound = await bind(endpoint.server, address.host, address.port);
  if (bound !== null) {
    if (configured !== undefined) throw new ConfigError(`metrics.listener ${listener}: ${bound}`);
    const node = await start(options);
    node.logging.logger('samsa.metrics')(`metrics listener ${listener} not started (${bound}); running without /metrics`, 'warn');
    return { ...node, metricsUrl: null };
  }
  let node: NodeHandle;
  try {
    node = await start({ ...options, instruments: metrics.instruments });
  } catch (e) {
    await close(endpoint.server);
    throw e;
  }
  metrics.attach(node.view);
  endpoint.view = node.view;
  const port = (endpoint.server.address() as { port: number }).port;
  const metricsUrl = `http://${address.host.includes(':') ? `[${address.host}]` : address.host}:${port}`;
  node.logging.logger('samsa.metrics')(`metrics at ${metricsUrl}/metrics, health at /healthz and /readyz`);
  let stopped: Promise<void> | null = null;
  return {
    ...node,
    metricsUrl,
    stop: () => (stopped ??= node.stop().finally(() => close(endpoint.server))),
  };
}

function parseListener(value: string): { host: string; port: number } {
  const m = /^http:\/\/(\[[0-9a-fA-F:.]+\]|[^:/\s\[\]]+):(\d{1,5})\/?$/.exec(value);
  const port = m === null ? NaN : Number(m[2]);
  if (m === null || port > 65535) {
    throw new ConfigError(`invalid value '${value}' for config 'metrics.listener': expected http://host:port (port 0 picks a free one), or empty for none`);
  }
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

/** null once listening, else why not (a taken port, an address this host lacks). */
function bind(server: Server, host: string, port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const failed = (e: NodeJS.ErrnoException): void => resolve(e.code === 'EADDRINUSE' ? 'address already in use' : e.message);
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve(null);
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    (server as import('node:http').Server).closeAllConnections?.();
  });
}
