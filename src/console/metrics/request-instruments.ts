/**
 * The per-request and per-connection metrics (Kafka's RequestMetrics and
 * SocketServer MBeans), filled as the node serves: one counter increment and
 * two histogram observations per request, a walk of the response's error
 * codes, and nothing per record.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { apiName, errorName } from '../../protocol/index.ts';
import type { NodeInstruments } from '../../server/index.ts';

/** Seconds: from half a millisecond (an in-memory answer) to 30 s (a long acks=all wait). */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Responses nest topics → partitions → …; error codes deeper than this are not counted. */
const ERROR_WALK_DEPTH = 5;

interface PerApi {
  requests: Counter.Internal;
  total: Histogram.Internal<'request'>;
  local: Histogram.Internal<'request'>;
  remote: Histogram.Internal<'request'>;
  name: string;
}

export class RequestInstruments implements NodeInstruments {
  private readonly requests: Counter<'request'>;
  private readonly errors: Counter<'request' | 'error'>;
  private readonly total: Histogram<'request'>;
  private readonly local: Histogram<'request'>;
  private readonly remote: Histogram<'request'>;
  private readonly connections: Gauge<'listener'>;
  private readonly connectionsCreated: Counter<'listener'>;
  /** Children by API key, so a request costs no label lookups. */
  private readonly byApi: (PerApi | undefined)[] = [];

  constructor(registry: Registry) {
    const registers = [registry];
    this.requests = new Counter({
      name: 'kafka_network_requestmetrics_requests_total', help: 'Requests answered, by API (Kafka RequestMetrics RequestsPerSec).',
      labelNames: ['request'], registers,
    });
    this.errors = new Counter({
      name: 'kafka_network_requestmetrics_errors_total', help: 'Error codes in responses other than NONE, by API and error (Kafka RequestMetrics ErrorsPerSec).',
      labelNames: ['request', 'error'], registers,
    });
    this.total = new Histogram({
      name: 'kafka_network_requestmetrics_total_time_seconds', help: 'Time from a request decoded to its response ready (Kafka RequestMetrics TotalTimeMs, without queue and send time).',
      labelNames: ['request'], buckets: LATENCY_BUCKETS, registers,
    });
    this.local = new Histogram({
      name: 'kafka_network_requestmetrics_local_time_seconds', help: 'Time in the request handler itself (Kafka RequestMetrics LocalTimeMs).',
      labelNames: ['request'], buckets: LATENCY_BUCKETS, registers,
    });
    this.remote = new Histogram({
      name: 'kafka_network_requestmetrics_remote_time_seconds', help: 'Time waiting after the handler: replication for acks=all, a fetch long poll (Kafka RequestMetrics RemoteTimeMs).',
      labelNames: ['request'], buckets: LATENCY_BUCKETS, registers,
    });
    this.connections = new Gauge({
      name: 'kafka_server_socket_server_metrics_connection_count', help: 'Open client connections, by listener (Kafka socket-server-metrics connection-count).',
      labelNames: ['listener'], registers,
    });
    this.connectionsCreated = new Counter({
      name: 'kafka_server_socket_server_metrics_connection_creation_total', help: 'Connections accepted, by listener (Kafka socket-server-metrics connection-creation-total).',
      labelNames: ['listener'], registers,
    });
  }

  requestDone(apiKey: number, _listener: string, localSeconds: number, totalSeconds: number, response: unknown): void {
    const api = this.byApi[apiKey] ?? this.perApi(apiKey);
    api.requests.inc();
    api.total.observe(totalSeconds);
    api.local.observe(localSeconds);
    api.remote.observe(Math.max(0, totalSeconds - localSeconds));
    if (response !== null && typeof response === 'object') this.countErrors(api.name, response, 0);
  }

  connectionOpened(listener: string): void {
    this.connections.inc({ listener });
    this.connectionsCreated.inc({ listener });
  }

  connectionClosed(listener: string): void {
    this.connections.dec({ listener });
  }

  private perApi(apiKey: number): PerApi {
    const request = apiName(apiKey);
    const api: PerApi = {
      name: request,
      requests: this.requests.labels({ request }),
      total: this.total.labels({ request }),
      local: this.local.labels({ request }),
      remote: this.remote.labels({ request }),
    };
    this.byApi[apiKey] = api;
    return api;
  }

  /** Every `errorCode` field of the response body, at any depth up to ERROR_WALK_DEPTH; record bytes are skipped. */
  private countErrors(request: string, node: object, depth: number): void {
    if (Array.isArray(node)) {
      if (depth < ERROR_WALK_DEPTH) for (const item of node) if (item !== null && typeof item === 'object') this.countErrors(request, item, depth + 1);
      return;
    }
    if (ArrayBuffer.isView(node)) return;
    for (const [key, value] of Object.entries(node)) {
      if (key === 'errorCode') {
        if (typeof value === 'number' && value !== 0) this.errors.inc({ request, error: errorName(value) });
      } else if (value !== null && typeof value === 'object' && depth < ERROR_WALK_DEPTH) {
        this.countErrors(request, value, depth + 1);
      }
    }
  }
}
