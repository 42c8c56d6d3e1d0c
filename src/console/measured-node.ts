/**
 * A node with its HTTP listeners: the metrics endpoint (`metrics.listener`)
 * and the web console (`console.listener`). Both are bound first, so a taken
 * port that was asked for stops the start before any broker work; then the
 * node starts with the endpoint's instruments, and both read it until it
 * stops. `samsa start` serves the default addresses unless told otherwise;
 * an embedded broker only what is configured. When both name the same
 * address they share one server (metrics paths first, the console the rest).
 */
import type { Server } from 'node:http';
import {
  ConfigError, startBroker as startEmbeddedNode, startNode as startPlainNode, type RunningBroker as NodeHandle, type StartOptions,
} from '../server/index.ts';
import type { ConsoleEndpoint } from './web/console-server.ts';

export interface RunningBroker extends NodeHandle {
  /** Where `/metrics`, `/healthz` and `/readyz` are served (`http://host:port`), or null without a metrics listener. */
  readonly metricsUrl: string | null;
  /** Where the web console is served (`http://host:port`), or null without a console listener. */
  readonly consoleUrl: string | null;
}

/** The metrics listener of `samsa start` when `metrics.listener` is not set. */
export const DEFAULT_METRICS_LISTENER = 'http://127.0.0.1:9644';
/** The console listener of `samsa start` when `console.listener` is not set. */
export const DEFAULT_CONSOLE_LISTENER = 'http://127.0.0.1:8080';

interface Defaults {
  metrics: string | null;
  console: string | null;
}

/** An embedded broker (see the server's startBroker), with metrics and console only where configured. */
export function startBroker(options: StartOptions = {}): Promise<RunningBroker> {
  return startMeasured(startEmbeddedNode, options, { metrics: null, console: null });
}

/** A node as `samsa start` runs it, serving metrics and the console at their defaults unless configured otherwise. */
export function startNode(options: StartOptions = {}): Promise<RunningBroker> {
  return startMeasured(startPlainNode, options, { metrics: DEFAULT_METRICS_LISTENER, console: DEFAULT_CONSOLE_LISTENER });
}

interface Address {
  host: string;
  port: number;
}

/** One wanted listener: its config key, the address, and whether it was configured (a taken port is then an error). */
interface Wanted {
  key: 'metrics.listener' | 'console.listener';
  text: string;
  address: Address;
  configured: boolean;
}

function wanted(key: Wanted['key'], options: StartOptions, fallback: string | null): Wanted | null {
  const configured = options.config?.[key];
  const text = (configured ?? fallback)?.trim() ?? '';
  if (text === '') return null;
  return { key, text, address: parseListener(key, text), configured: configured !== undefined };
}

async function startMeasured(
  start: (options: StartOptions) => Promise<NodeHandle>, options: StartOptions, defaults: Defaults,
): Promise<RunningBroker> {
  const metricsWanted = wanted('metrics.listener', options, defaults.metrics);
  const consoleWanted = wanted('console.listener', options, defaults.console);
  const shared = metricsWanted !== null && consoleWanted !== null
    && metricsWanted.address.host === consoleWanted.address.host && metricsWanted.address.port === consoleWanted.address.port;
  const warnings: { logger: string; line: string }[] = [];
  const servers: Server[] = [];
  // Loaded only when served: prom-client (with @opentelemetry/api) alone is ~80 modules an embedded broker never uses.
  const [metricsModules, consoleModule] = await Promise.all([
    metricsWanted === null ? null : Promise.all([import('./metrics/node-metrics.ts'), import('./metrics/metrics-server.ts')]),
    consoleWanted === null ? null : import('./web/console-server.ts'),
  ]);
  const metrics = metricsModules === null ? null : new metricsModules[0].NodeMetrics();
  const web: ConsoleEndpoint | null = consoleModule === null ? null : consoleModule.createConsoleServer(consoleWanted!.address.host);
  const metricsEndpoint = metrics === null ? null : metricsModules![1].createMetricsServer(metrics, shared ? web!.handle : null);
  let metricsUrl: string | null = null;
  let consoleUrl: string | null = null;
  try {
    if (metricsWanted !== null) {
      metricsUrl = await open(metricsWanted, metricsEndpoint!.server, servers, warnings);
      if (shared) consoleUrl = metricsUrl;
    }
    if (consoleWanted !== null && !shared) consoleUrl = await open(consoleWanted, web!.server, servers, warnings);
  } catch (e) {
    await Promise.all(servers.map(close));
    throw e;
  }
  let node: NodeHandle;
  try {
    node = await start(metricsUrl === null ? options : { ...options, instruments: metrics!.instruments });
  } catch (e) {
    await Promise.all(servers.map(close));
    throw e;
  }
  for (const w of warnings) node.logging.logger(w.logger)(w.line, 'warn');
  if (metricsUrl !== null) {
    metrics!.attach(node.view);
    metricsEndpoint!.view = node.view;
    node.logging.logger('samsa.metrics')(`metrics at ${metricsUrl}/metrics, health at /healthz and /readyz`);
  }
  if (consoleUrl !== null) {
    web!.attach(node, node.logging.logger('samsa.console'));
    node.logging.logger('samsa.console')(`web console at ${consoleUrl}/`);
  }
  let stopped: Promise<void> | null = null;
  const stopAll = async (): Promise<void> => {
    try {
      await node.stop();
    } finally {
      await web?.close();
      await Promise.all(servers.map(close));
    }
  };
  return { ...node, metricsUrl, consoleUrl, stop: () => (stopped ??= stopAll()) };
}

/** Binds one listener: its URL, or null (with a warning) when an unconfigured default cannot be bound. */
async function open(w: Wanted, server: Server, servers: Server[], warnings: { logger: string; line: string }[]): Promise<string | null> {
  const failure = await bind(server, w.address.host, w.address.port);
  if (failure !== null) {
    if (w.configured) throw new ConfigError(`${w.key} ${w.text}: ${failure}`);
    const what = w.key === 'metrics.listener' ? 'running without /metrics' : 'running without the web console';
    warnings.push({ logger: w.key === 'metrics.listener' ? 'samsa.metrics' : 'samsa.console', line: `${w.key.split('.')[0]} listener ${w.text} not started (${failure}); ${what}` });
    return null;
  }
  servers.push(server);
  const port = (server.address() as { port: number }).port;
  return `http://${w.address.host.includes(':') ? `[${w.address.host}]` : w.address.host}:${port}`;
}

function parseListener(key: string, value: string): Address {
  const m = /^http:\/\/(\[[0-9a-fA-F:.]+\]|[^:/\s\[\]]+):(\d{1,5})\/?$/.exec(value);
  const port = m === null ? NaN : Number(m[2]);
  if (m === null || port > 65535) {
    throw new ConfigError(`invalid value '${value}' for config '${key}': expected http://host:port (port 0 picks a free one), or empty for none`);
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
    server.closeAllConnections?.();
  });
}
