// Samsa's public package surface for embedding and tools.
export { startBroker, startCluster, type RunningBroker, type RunningCluster, type StartClusterOptions, type StartOptions } from './server/index.ts';
export {
  Admin, ClientError, Cluster, Consumer, Producer, type ClientOptions, type ClientTlsOptions, type ConsumerOptions, type ProducerOptions,
  type SaslClientOptions,
} from './client/index.ts';
export * as protocol from './protocol/index.ts';
export * as records from './records/index.ts';
export { SAMSA_VERSION } from './version.ts';
