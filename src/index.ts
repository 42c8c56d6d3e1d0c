// Samsa's public package surface for embedding and tools.
export { startCluster, type RunningCluster, type StartClusterOptions, type StartOptions } from './server/index.ts';
export { startBroker, type RunningBroker } from './console/index.ts';
export {
  Admin, ClientError, Cluster, Consumer, Producer, type ClientOptions, type ClientTlsOptions, type ConsumerOptions, type ProducerOptions,
  type SaslClientOptions,
} from './client/index.ts';
export * as protocol from './protocol/index.ts';
export * as records from './records/index.ts';
export { SAMSA_VERSION } from './version.ts';
