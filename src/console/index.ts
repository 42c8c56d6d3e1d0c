// The metrics endpoint and the web console: a node's view from outside the protocol.
export { DEFAULT_CONSOLE_LISTENER, DEFAULT_METRICS_LISTENER, startBroker, startNode, type RunningBroker } from './measured-node.ts';
// A type only: the metrics modules (prom-client) are loaded when a metrics listener is served.
export type { NodeMetrics } from './metrics/node-metrics.ts';
