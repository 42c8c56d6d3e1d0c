/**
 * One node's Prometheus registry: the request and connection instruments
 * the server feeds, the gauges read from the node at scrape time, and the
 * process's own (heap, RSS, CPU, event-loop delay and utilisation, from
 * prom-client's defaults). Registries are per node, so several embedded
 * brokers in one process each report their own. Metrics that clients push
 * (KIP-714) follow, rendered from the broker's ClientMetricsManager.
 */
import { performance } from 'node:perf_hooks';
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { NodeView } from '../../server/index.ts';
import { renderClientMetrics } from './client-metrics.ts';
import { NodeGauges } from './node-gauges.ts';
import { RequestInstruments } from './request-instruments.ts';

export class NodeMetrics {
  readonly registry = new Registry();
  readonly instruments: RequestInstruments;
  private gauges: NodeGauges | null = null;
  private view: NodeView | null = null;

  constructor() {
    this.instruments = new RequestInstruments(this.registry);
    collectDefaultMetrics({ register: this.registry });
    let last = performance.eventLoopUtilization();
    new Gauge({
      name: 'nodejs_eventloop_utilization', help: 'Share of time the event loop was busy since the previous scrape (0 to 1).',
      registers: [this.registry],
      collect() {
        const now = performance.eventLoopUtilization();
        this.set(performance.eventLoopUtilization(now, last).utilization);
        last = now;
      },
    });
  }

  /** The node is up: its state is read from now on. */
  attach(view: NodeView): void {
    this.gauges = new NodeGauges(this.registry, view);
    this.view = view;
  }

  /** The Prometheus text exposition of everything above. */
  async render(): Promise<string> {
    this.gauges?.refresh();
    const broker = this.view?.broker ?? null;
    const pushed = broker?.clientTelemetry === undefined ? '' : renderClientMetrics(broker.clientTelemetry.series(broker.clock.nowMs()));
    return (await this.registry.metrics()) + pushed;
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
