// The broker: hosted partitions, fetch purgatory and sessions, and the API handlers.
export type { Authorizer, BrokerContext, ControllerApi, FetchQuota, Handler, LoggerLevels, RequestContext } from './broker-context.ts';
export type {
  GroupCoordinatorApi, GroupDescription, GroupJoinRequest, GroupJoinResult, GroupLeaveResult, GroupListing, GroupMemberRef,
  GroupOffsetCommitRequest, GroupOffsetFetchResult, GroupSyncRequest, GroupSyncResult, GroupTopicErrors, GroupTopicPartitions,
  GroupTxnOffsetCommitRequest, ConsumerGroupDescription, ConsumerGroupHeartbeatInput, ConsumerGroupHeartbeatResult, TransactionCoordinatorApi, TransactionDescription, TxnPartitionErrors, TxnTopicPartitions,
} from './broker-context.ts';
export { authorize, authorizeCluster, authorizedOperations } from './authorization.ts';
export { FetchPurgatory } from './fetch-purgatory.ts';
export { FetchSessionCache } from './fetch-sessions.ts';
export { advertisedApis, apiVersionsResponse, handlers, makeApiVersionsHandler, type HandlerEntry } from './handlers/index.ts';
export { Partition, type AcksOutcome, type LeaderAppend, type PartitionState, type ProducerStateLoader } from './partition.ts';
export {
  ReplicaManager, logConfigOf, type AppendEntry, type AppendOptions, type AppendOrigin, type AppendResult, type ReplicaManagerDeps,
} from './replica-manager.ts';
export { ProducerStateManager, decodeProducerSnapshot, type AbortedTxnSink, type ProducerSnapshotEntry } from './producer-state.ts';
export type { CompletedTxn } from './txn-tracker.ts';
export { writeTxnMarkers } from './handlers/write-txn-markers.ts';
export { ACKS_ALL, coordinatorAcks, requiredOffsetOf } from './replication/acks.ts';
export { validateFollowerFetch, type FetchValidation, type FollowerFetch } from './replication/fetch-validation.ts';
export { followerAction, truncationOffset, type FollowerAction, type LeaderAnswer } from './replication/follower-fetch.ts';
export type { ReplicaLog } from './replication/replica-log.ts';
export { ReplicaFetchers, type ReplicaFetchTransport, type ReplicaFetchersDeps } from './replica-fetchers.ts';
export { TrafficStats, type TopicTraffic } from './traffic-stats.ts';
export { IsrManager, type AlterPartitionChannel, type IsrManagerDeps } from './isr-manager.ts';
export { leadershipErrorOf } from './handlers/leadership.ts';
export { ClientMetricsManager, TELEMETRY_MAX_BYTES_DEFAULT, type ClientSeries, type ClientIdentity } from './telemetry/client-metrics-manager.ts';
export type { MetricPoint } from './telemetry/otlp-metrics.ts';
