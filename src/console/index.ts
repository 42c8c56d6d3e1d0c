// The metrics endpoint (and, later, the web console): a node's view from outside the protocol.
export { DEFAULT_METRICS_LISTENER, startBroker, startNode, type RunningBroker } from './measured-node.ts';
export { NodeMetrics } from './metrics/node-metrics.ts';
