// The broker: hosted partitions, fetch purgatory and sessions, and the API handlers.
export type { BrokerContext, ControllerApi, Handler, RequestContext } from './broker-context.ts';
export type {
  GroupCoordinatorApi, GroupDescription, GroupJoinRequest, GroupJoinResult, GroupLeaveResult, GroupListing, GroupMemberRef,
  GroupOffsetCommitRequest, GroupOffsetFetchResult, GroupSyncRequest, GroupSyncResult, GroupTopicErrors, GroupTopicPartitions,
} from './broker-context.ts';
export { FetchPurgatory } from './fetch-purgatory.ts';
export { FetchSessionCache } from './fetch-sessions.ts';
export { advertisedApis, apiVersionsResponse, handlers, makeApiVersionsHandler, type HandlerEntry } from './handlers/index.ts';
export { Partition } from './partition.ts';
export { ReplicaManager, logConfigOf, type ReplicaManagerDeps } from './replica-manager.ts';
