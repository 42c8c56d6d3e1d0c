// The metrics endpoint and the web console: a node's view from outside the protocol.
export { DEFAULT_CONSOLE_LISTENER, DEFAULT_METRICS_LISTENER, startBroker, startNode, type RunningBroker } from './measured-node.ts';
export { NodeMetrics } from './metrics/node-metrics.ts';
