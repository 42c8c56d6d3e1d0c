// Samsa's own Kafka client: connections with version negotiation, a metadata cache,
// and the admin, producer and consumer built on them.
export { BrokerConnection, ClientError, type ClientTlsOptions, type ConnectionOptions, type SaslClientOptions } from '../protocol/index.ts';
export { Cluster, parseHostPort, type BrokerInfo, type ClientOptions, type PartitionInfo, type TopicInfo } from './cluster.ts';
export {
  Admin, type BrokerLogDirs, CONFIG_SOURCES, decodeAssignment, kafkaError, type ClusterDescription, type ConfigEntry, type ConfigResourceType, type ConfigSourceName,
  type CreatedTopic, type FeatureLevelUpdate, type FeatureMetadata, type GroupDescription, type GroupListing, type GroupMember, type NewTopic, type GroupOffset, type PartitionOffset,
} from './admin.ts';
export { DefaultPartitioner, StickyPartitioner, murmur2, partitionForKey, toPositive } from './partitioner.ts';
export {
  COMPRESSION_CODECS, Producer, type Acks, type GroupMetadata, type OffsetToCommit, type TransactionState, type Bytes, type CompressionName, type ProducerOptions, type ProducerRecord, type RecordMetadata,
} from './producer.ts';
export {
  AbortedTransactions, Consumer, type ConsumerOptions, type ConsumerRecord, type OffsetSpec, type PartitionAssignment, type PartitionRef, type RebalanceListener,
} from './consumer.ts';
export { ASSIGNORS, cooperativeStickyAssignor, rangeAssignor, roundRobinAssignor, type Assignor, type GroupAssignment, type MemberSubscription, type TopicPartitions } from './assignors.ts';
export { TransactionsAdmin, type AbortSpec, type ProducerState, type TransactionDescription, type TransactionListing } from './transactions-admin.ts';
export {
  ScramAdmin, type ScramMechanismName, type UserScramAlterationResult, type UserScramCredentialAlteration, type UserScramCredentialsDescription,
} from './scram-admin.ts';
export {
  QuotaAdmin, type ClientQuotaAlterationEntry, type ClientQuotaAlterationResult, type ClientQuotaEntityPart, type ClientQuotaEntry,
  type ClientQuotaFilterComponent,
} from './quota-admin.ts';
export type { ConsumerGroupDescription, ConsumerGroupMemberDescription } from './consumer-group-admin.ts';
export { AclAdmin, type AclBinding, type AclBindingFilter, type AclDeleteResult, type AclResult } from './acl-admin.ts';
export { DelegationTokenAdmin, type CreateDelegationTokenOptions, type DelegationToken } from './delegation-token-admin.ts';
