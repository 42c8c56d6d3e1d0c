// Samsa's own Kafka client: connections with version negotiation and a metadata cache.
// Admin, producer and consumer build on these.
export { BrokerConnection, ClientError, type ConnectionOptions } from './connection.ts';
export { Cluster, parseHostPort, type BrokerInfo, type ClientOptions, type PartitionInfo, type TopicInfo } from './cluster.ts';
