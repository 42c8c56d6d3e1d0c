/**
 * What request handlers work with. The server builds one per process and
 * passes it to every handler; handlers keep no state of their own.
 */
import type { ClientMetricsManager } from './telemetry/client-metrics-manager.ts';
import type { AclEntry, BrokerConfig, DynamicBrokerLayers, MetadataImage } from '../metadata/index.ts';
import type { messages } from '../protocol/index.ts';
import type { Clock } from '../storage/index.ts';
import type { FetchSessionCache } from './fetch-sessions.ts';
import type { FetchPurgatory } from './fetch-purgatory.ts';
import type { ReplicaManager } from './replica-manager.ts';

/**
 * The active controller as a broker sees it: the local controller when this
 * node leads the metadata quorum, else the leader over its controller
 * listener. Results carry Kafka error codes; NOT_CONTROLLER or
 * REQUEST_TIMED_OUT when no controller answered in time.
 */
export interface ControllerApi {
  createTopics(
    specs: {
      name: string; numPartitions: number; replicationFactor: number;
      assignments: { partitionIndex: number; brokerIds: number[] }[]; configs: { name: string; value: string | null }[];
    }[],
    validateOnly: boolean,
  ): Promise<{ name: string; topicId: string; errorCode: number; errorMessage: string | null; numPartitions: number; replicationFactor: number }[]>;
  deleteTopics(topics: { name: string | null; topicId: string }[]): Promise<{ name: string; topicId: string; errorCode: number; errorMessage: string | null }[]>;
  createPartitions(
    requests: { name: string; count: number; assignments: number[][] | null }[], validateOnly: boolean,
  ): Promise<{ name: string; errorCode: number; errorMessage: string | null }[]>;
  /** Legacy AlterConfigs of topic resources: the configs given become the whole override set. */
  legacyAlterConfigs(
    resources: { resourceType: number; resourceName: string; configs: { name: string; value: string }[] }[], validateOnly: boolean,
  ): Promise<{ errorCode: number; errorMessage: string | null }[]>;
  /** IncrementalAlterConfigs of topic resources: SET, DELETE, APPEND, SUBTRACT by Kafka's operation id. */
  incrementalAlterConfigs(
    resources: { resourceType: number; resourceName: string; configs: { name: string; operation: number; value: string | null }[] }[],
    validateOnly: boolean,
  ): Promise<{ errorCode: number; errorMessage: string | null }[]>;
  /** A producer id from this broker's current block, fetching a new block from the controller when it runs out. */
  allocateProducerId(): Promise<{ errorCode: number; producerId: bigint }>;
  /** ElectLeaders, answered by the controller (Kafka's brokers forward it). */
  electLeaders(request: messages.ElectLeadersRequest): Promise<messages.ElectLeadersResponse>;
  /**
   * UpdateFeatures in the latest version's terms, answered by the controller
   * once this node's image has the new levels (Kafka's brokers forward it).
   */
  updateFeatures(request: messages.UpdateFeaturesRequest): Promise<messages.UpdateFeaturesResponse>;
  /** AlterUserScramCredentials, answered by the controller once this broker's image has the change (Kafka's brokers forward it). */
  alterUserScramCredentials(request: messages.AlterUserScramCredentialsRequest): Promise<messages.AlterUserScramCredentialsResponse>;
  /** AlterClientQuotas, answered by the controller once this broker's image has the change (Kafka's brokers forward it). */
  alterClientQuotas(request: messages.AlterClientQuotasRequest): Promise<messages.AlterClientQuotasResponse>;
  /** CreateAcls, answered by the controller once this broker's image has the new ACLs. */
  createAcls(request: messages.CreateAclsRequest): Promise<messages.CreateAclsResponse>;
  /** DeleteAcls, answered by the controller (with the ACLs each filter removed) once this broker's image has the change. */
  deleteAcls(request: messages.DeleteAclsRequest): Promise<messages.DeleteAclsResponse>;
  /** CreateDelegationToken for `requester`, answered by the controller once this broker's image has the token. */
  createDelegationToken(request: messages.CreateDelegationTokenRequest, requester: string): Promise<messages.CreateDelegationTokenResponse>;
  /** RenewDelegationToken asked by `principal`, answered by the controller once this broker's image has the new expiry. */
  renewDelegationToken(request: messages.RenewDelegationTokenRequest, principal: string): Promise<messages.RenewDelegationTokenResponse>;
  /** ExpireDelegationToken asked by `principal`, answered by the controller once this broker's image has the change. */
  expireDelegationToken(request: messages.ExpireDelegationTokenRequest, principal: string): Promise<messages.ExpireDelegationTokenResponse>;
}

/**
 * The ACL authorizer as handlers use it (src/security's StandardAuthorizer);
 * handlers call it only through authorization.ts.
 */
export interface Authorizer {
  isSuperUser(principal: string): boolean;
  authorize(acls: ReadonlyMap<string, AclEntry>, action: AuthorizeAction): boolean;
  authorizeAny(acls: ReadonlyMap<string, AclEntry>, action: Omit<AuthorizeAction, 'resourceName'>): boolean;
  authorizedOperations(acls: ReadonlyMap<string, AclEntry>, action: Omit<AuthorizeAction, 'operation'>): number;
}

export interface AuthorizeAction {
  principal: string;
  host: string;
  operation: number;
  resourceType: number;
  resourceName: string;
}

export interface RequestContext {
  readonly apiVersion: number;
  readonly correlationId: number;
  readonly clientId: string | null;
  readonly connectionId: number;
  /** Who sent it: `User:ANONYMOUS`, a TLS certificate's `User:<DN>`, or the SASL user as `User:<name>`. */
  readonly principal: string;
  /** The listener it arrived on (upper case): Metadata and FindCoordinator answer that listener's endpoints. */
  readonly listenerName: string;
  /** CreateTopics, CreatePartitions, DeleteTopics under a controller_mutation_rate quota (KIP-599); absent when none applies. */
  readonly mutationQuota?: MutationQuota;
  /** Whether the client logged in with a delegation token (SCRAM with tokenauth=true): such a connection may not manage tokens. */
  readonly tokenAuthenticated?: boolean;
  /** A consumer Fetch under a consumer_byte_rate quota; absent otherwise. */
  readonly fetchQuota?: FetchQuota;
}

/** A request's controller mutation quota, as the handlers use it (the server supplies Kafka's token bucket). */
export interface MutationQuota {
  /** Takes a topic's partitions; false when the topic must be refused with THROTTLING_QUOTA_EXCEEDED. */
  record(partitions: number): boolean;
  /** Gives back a topic's partitions when the controller refused it. */
  unrecord(partitions: number): void;
}

/**
 * consumer_byte_rate as Kafka's KafkaApis applies it to a fetch (KIP-219):
 * the response is metered once it is read; over the quota it goes out empty,
 * with the throttle time, and its bytes are not counted, since they were
 * not sent.
 */
export interface FetchQuota {
  /** Records the response's size; the throttle time in ms (0 within the quota). Above 0 the bytes are already un-recorded. */
  throttle(response: messages.FetchResponse): number;
}

export interface BrokerContext {
  readonly nodeId: number;
  readonly clusterId: string;
  /** The effective config: the static config under the dynamic broker configs of the current image. */
  readonly config: BrokerConfig;
  /** The static config alone (server.properties over the defaults): what STATIC_BROKER_CONFIG reports. */
  readonly staticConfig: BrokerConfig;
  /** The dynamic broker configs of the current image that apply to this broker. */
  dynamicConfigLayers(): DynamicBrokerLayers;
  /**
   * Why this broker's live listeners could not take `config` (a TLS key store that does not load, or whose
   * certificate changes its subject): an AlterConfigs of this broker is refused with it. Absent: nothing to check.
   */
  checkListenerReconfiguration?(config: BrokerConfig): string | null;
  readonly clock: Clock;
  readonly advertised: { host: string; port: number };
  image(): MetadataImage;
  readonly replicas: ReplicaManager;
  readonly controller: ControllerApi;
  /** The ACL authorizer (`authorizer.class.name`), or null: then every request is allowed. */
  readonly authorizer: Authorizer | null;
  /** The node id of the active controller as this node knows it, else -1 (Metadata's controllerId). */
  activeControllerId(): number;
  /** DescribeQuorum as the metadata quorum's leader answers it. */
  describeQuorum(): Promise<messages.DescribeQuorumResponse>;
  readonly purgatory: FetchPurgatory;
  readonly fetchSessions: FetchSessionCache;
  /** The classic group coordinator and committed offsets. */
  readonly groups: GroupCoordinatorApi;
  /** The transaction coordinator of the `__transaction_state` partitions this node leads. */
  readonly transactions: TransactionCoordinatorApi;
  /**
   * KIP-890: asks the transactional id's coordinator, wherever it runs,
   * whether these partitions are in the producer's ongoing transaction; one
   * error code per partition, NONE when they are.
   */
  verifyTransaction(request: {
    transactionalId: string; producerId: bigint; producerEpoch: number; topics: readonly TxnTopicPartitions[];
  }): Promise<TxnPartitionErrors[]>;
  /** The client address of a connection as Kafka reports it (`/127.0.0.1`), for group members' clientHost. */
  clientHost(connectionId: number): string;
  /** The effective configs of a topic as CreateTopics v5+ reports them. */
  describeTopicConfigs(topic: string, requested: readonly { name: string }[]): {
    name: string; value: string | null; readOnly: boolean; configSource: number; isSensitive: boolean;
  }[];
  /** One line to the server's log; INFO unless a level is given. */
  log(line: string, level?: 'trace' | 'debug' | 'info' | 'warn' | 'error'): void;
  /** The node's loggers and their levels (BROKER_LOGGER configs); absent where the node has none to offer. */
  readonly loggers?: LoggerLevels;
  /** KIP-714 client metrics (GetTelemetrySubscriptions, PushTelemetry); absent where the node keeps none. */
  readonly clientTelemetry?: ClientMetricsManager;
  /** The client's source port of a connection, for the client_source_port selector; absent where unknown. */
  clientPort?(connectionId: number): string;
}

export type Handler<Req, Res> = (broker: BrokerContext, request: Req, ctx: RequestContext) => Res | Promise<Res> | null;

/**
 * The group coordinator as the handlers see it; src/coordinator/group
 * implements it. Inputs and results are version-neutral: handlers map the
 * wire versions onto them. Errors are Kafka error codes, never throws.
 */
export interface GroupCoordinatorApi {
  /** The `__consumer_offsets` partition that holds a group, creating the topic on first use. */
  coordinatorPartition(groupId: string): Promise<{ partition: number; errorCode: number; errorMessage: string | null }>;
  /** Completes when the rebalance does (or at once with an error). */
  joinGroup(request: GroupJoinRequest): Promise<GroupJoinResult>;
  /** Completes when the leader's assignment is durable (or at once). */
  syncGroup(request: GroupSyncRequest): Promise<GroupSyncResult>;
  heartbeat(request: GroupMemberRef & { generationId: number }): number;
  leaveGroup(groupId: string, members: readonly (GroupMemberRef & { reason: string | null })[]): GroupLeaveResult;
  /** Completes once the commit is on every in-sync replica of its offsets partition (or at once with an error). */
  commitOffsets(request: GroupOffsetCommitRequest): GroupTopicErrors[] | Promise<GroupTopicErrors[]>;
  /** `member` (OffsetFetch v9+) is checked against a consumer group's member epochs; null for admin tools. */
  fetchOffsets(
    groupId: string, topics: readonly GroupTopicPartitions[] | null, requireStable: boolean,
    member?: { memberId: string | null; memberEpoch: number } | null,
  ): GroupOffsetFetchResult;
  deleteOffsets(groupId: string, topics: readonly GroupTopicPartitions[]): { errorCode: number; topics: GroupTopicErrors[] };
  describeGroups(groupIds: readonly string[]): GroupDescription[];
  listGroups(statesFilter: readonly string[], typesFilter: readonly string[]): { errorCode: number; groups: GroupListing[] };
  /** Completes once the tombstones are written (at once for classic groups). */
  deleteGroups(groupIds: readonly string[]): { groupId: string; errorCode: number }[] | Promise<{ groupId: string; errorCode: number }[]>;
  /**
   * TxnOffsetCommit: offsets written as a transactional batch of the
   * producer; they become visible when the transaction's COMMIT marker
   * reaches the group's offsets partition, and vanish on ABORT.
   */
  commitTransactionalOffsets(request: GroupTxnOffsetCommitRequest): GroupTopicErrors[] | Promise<GroupTopicErrors[]>;
  /** A transaction marker was written to `__consumer_offsets-<partition>`: the producer's pending offsets there commit or abort. */
  completeTransaction(offsetsPartition: number, producerId: bigint, committed: boolean): void;
  /** ConsumerGroupHeartbeat (KIP-848): completes once the step's records are durable (or at once with an error). */
  consumerGroupHeartbeat(request: ConsumerGroupHeartbeatInput): Promise<ConsumerGroupHeartbeatResult>;
  /** ConsumerGroupDescribe: each group's epochs, members, current and target assignments. */
  consumerGroupDescribe(groupIds: readonly string[]): ConsumerGroupDescription[];
}

export interface ConsumerGroupHeartbeatInput {
  groupId: string;
  memberId: string;
  memberEpoch: number;
  instanceId: string | null;
  rackId: string | null;
  rebalanceTimeoutMs: number;
  subscribedTopicNames: readonly string[] | null;
  subscribedTopicRegex: string | null;
  serverAssignor: string | null;
  topicPartitions: readonly { topicId: string; partitions: readonly number[] }[] | null;
  clientId: string;
  clientHost: string;
  apiVersion: number;
}

export interface ConsumerGroupHeartbeatResult {
  errorCode: number;
  errorMessage: string | null;
  memberId: string | null;
  memberEpoch: number;
  heartbeatIntervalMs: number;
  assignment: { topicId: string; partitions: number[] }[] | null;
}

export interface ConsumerGroupDescription {
  groupId: string;
  errorCode: number;
  errorMessage: string | null;
  groupState: string;
  groupEpoch: number;
  assignmentEpoch: number;
  assignorName: string;
  members: {
    memberId: string; instanceId: string | null; rackId: string | null; memberEpoch: number; clientId: string; clientHost: string;
    subscribedTopicNames: string[]; subscribedTopicRegex: string | null;
    /** topic id → partitions. */
    assignment: { topicId: string; partitions: number[] }[];
    targetAssignment: { topicId: string; partitions: number[] }[];
  }[];
}

export interface GroupTxnOffsetCommitRequest extends GroupMemberRef {
  transactionalId: string;
  producerId: bigint;
  producerEpoch: number;
  /** -1 from clients before TxnOffsetCommit v3 (no group metadata): the generation is not checked. */
  generationId: number;
  topics: readonly {
    name: string;
    partitions: readonly { partitionIndex: number; offset: bigint; leaderEpoch: number; metadata: string | null }[];
  }[];
}

export interface TxnTopicPartitions {
  topic: string;
  partitions: readonly number[];
}

export interface TxnPartitionErrors {
  topic: string;
  partitions: { partition: number; errorCode: number }[];
}

/**
 * The transaction coordinator as the handlers see it; src/coordinator/transaction
 * implements it. Results carry Kafka error codes, never throws.
 */
export interface TransactionCoordinatorApi {
  /** The `__transaction_state` partition of a transactional id, creating the topic on first use. */
  coordinatorPartition(transactionalId: string): Promise<{ partition: number; errorCode: number; errorMessage: string | null }>;
  /** InitProducerId with a transactional id: a new producer id, or the same one with its epoch bumped (fencing the previous instance). */
  initProducerId(request: {
    transactionalId: string; transactionTimeoutMs: number; producerId: bigint; producerEpoch: number;
  }): Promise<{ errorCode: number; producerId: bigint; producerEpoch: number }>;
  /** AddPartitionsToTxn for one transaction; `verifyOnly` (v4+ from brokers) checks without adding. */
  addPartitions(request: {
    transactionalId: string; producerId: bigint; producerEpoch: number; topics: readonly TxnTopicPartitions[]; verifyOnly: boolean;
  }): Promise<TxnPartitionErrors[]>;
  /** AddOffsetsToTxn: the group's `__consumer_offsets` partition joins the transaction. */
  addOffsets(request: { transactionalId: string; producerId: bigint; producerEpoch: number; groupId: string }): Promise<number>;
  /** EndTxn; `transactionVersion` 2 (EndTxn v5+) bumps the epoch and answers the new producer id and epoch. */
  endTxn(request: {
    transactionalId: string; producerId: bigint; producerEpoch: number; committed: boolean; transactionVersion: number;
  }): Promise<{ errorCode: number; producerId: bigint; producerEpoch: number }>;
  describeTransactions(transactionalIds: readonly string[]): TransactionDescription[];
  listTransactions(filter: { states: readonly string[]; producerIds: readonly bigint[]; durationFilterMs: number }): {
    errorCode: number; transactions: { transactionalId: string; producerId: bigint; transactionState: string }[];
  };
}

export interface TransactionDescription {
  transactionalId: string;
  errorCode: number;
  /** Kafka's state names: Empty, Ongoing, PrepareCommit, PrepareAbort, CompleteCommit, CompleteAbort, Dead, PrepareEpochFence. */
  transactionState: string;
  transactionTimeoutMs: number;
  transactionStartTimeMs: number;
  producerId: bigint;
  producerEpoch: number;
  topics: TxnTopicPartitions[];
}

export interface GroupMemberRef {
  groupId: string;
  memberId: string;
  groupInstanceId: string | null;
}

export interface GroupJoinRequest extends GroupMemberRef {
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: readonly { name: string; metadata: Buffer }[];
  /** JoinGroup v4+: a new dynamic member is first handed its id (KIP-394). */
  requireKnownMemberId: boolean;
  /** JoinGroup v9+: a static leader rejoining a stable group may skip the assignment. */
  supportSkipAssignment: boolean;
  reason: string | null;
}

export interface GroupJoinResult {
  errorCode: number;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leader: string;
  skipAssignment: boolean;
  memberId: string;
  /** Every member's metadata for the chosen protocol, for the leader only. */
  members: { memberId: string; groupInstanceId: string | null; metadata: Buffer }[];
}

export interface GroupSyncRequest extends GroupMemberRef {
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  assignments: readonly { memberId: string; assignment: Buffer }[];
}

export interface GroupSyncResult {
  errorCode: number;
  protocolType: string | null;
  protocolName: string | null;
  assignment: Buffer;
}

export interface GroupLeaveResult {
  errorCode: number;
  members: { memberId: string; groupInstanceId: string | null; errorCode: number }[];
}

export interface GroupOffsetCommitRequest extends GroupMemberRef {
  generationId: number;
  /** OffsetCommit v2–v4 retention; -1 for the broker's offsets.retention.minutes. */
  retentionTimeMs: number;
  /** OffsetCommit v9+ answers GROUP_ID_NOT_FOUND, older versions ILLEGAL_GENERATION, for a group that does not exist. */
  unknownGroupIsNotFound: boolean;
  /** The OffsetCommit version: members of a KIP-848 group must use v9+ (UNSUPPORTED_VERSION otherwise). Absent: the newest. */
  apiVersion?: number;
  topics: readonly {
    name: string;
    partitions: readonly { partitionIndex: number; offset: bigint; leaderEpoch: number; metadata: string | null }[];
  }[];
}

export interface GroupTopicPartitions {
  name: string;
  partitionIndexes: readonly number[];
}

export interface GroupTopicErrors {
  name: string;
  partitions: { partitionIndex: number; errorCode: number }[];
}

export interface GroupOffsetFetchResult {
  errorCode: number;
  topics: {
    name: string;
    partitions: { partitionIndex: number; offset: bigint; leaderEpoch: number; metadata: string; errorCode: number }[];
  }[];
}

export interface GroupDescription {
  groupId: string;
  errorCode: number;
  groupState: string;
  protocolType: string;
  protocolData: string;
  members: {
    memberId: string; groupInstanceId: string | null; clientId: string; clientHost: string;
    memberMetadata: Buffer; memberAssignment: Buffer;
  }[];
}

export interface GroupListing {
  groupId: string;
  protocolType: string;
  groupState: string;
  groupType: string;
}

/** Kafka's BROKER_LOGGER resource: the node's loggers with their levels (log4j names), changeable at runtime. */
export interface LoggerLevels {
  describe(): { name: string; level: string }[];
  exists(name: string): boolean;
  /** Sets (a log4j level name) or resets (null) a logger's level; an error message when the logger or level is unknown. */
  set(name: string, level: string | null): string | null;
}
