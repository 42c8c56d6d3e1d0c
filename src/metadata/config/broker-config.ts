/**
 * The typed broker config: what the broker reads, with camelCase names, built
 * from the raw map once every key and value in it has been validated.
 */
import { CLEANUP_POLICIES, COMPRESSION_TYPES, SECURITY_PROTOCOLS, TIMESTAMP_TYPES } from './broker-configs.ts';
import { brokerValue, parseProtocolMap, resolveNodeId, splitNames } from './broker-checks.ts';
import type { ConfigValue } from './config-def.ts';

export type CompressionType = (typeof COMPRESSION_TYPES)[number];
export type TimestampType = (typeof TIMESTAMP_TYPES)[number];
export type CleanupPolicy = (typeof CLEANUP_POLICIES)[number];
export type SecurityProtocol = (typeof SECURITY_PROTOCOLS)[number];

type Raw = Readonly<Record<string, string>>;

/** The broker's static config. Long values saturate at ±Number.MAX_SAFE_INTEGER (Kafka's Long.MAX_VALUE = never). */
export interface BrokerConfig {
  readonly processRoles: string[];
  readonly nodeId: number;
  readonly controllerQuorumVoters: string[];
  readonly controllerQuorumBootstrapServers: string[];
  readonly controllerListenerNames: string[];
  /** As configured, e.g. `PLAINTEXT://127.0.0.1:9092` (comma-separated when several). */
  readonly listeners: string;
  readonly advertisedListeners: string | null;
  /** Listener name (upper case) → security protocol. */
  readonly listenerSecurityProtocolMap: Readonly<Record<string, SecurityProtocol>>;
  readonly interBrokerListenerName: string | null;
  readonly brokerRack: string | null;
  /** replica.selector.class set: consumers with client.rack may be sent to, and served by, a follower in their rack. */
  readonly rackAwareReplicaSelector: boolean;
  /** log.level: the root level of the node's log (log4j's names). */
  readonly logLevel: string;
  /** log.dirs, else log.dir. */
  readonly logDirs: string[];
  readonly numPartitions: number;
  readonly defaultReplicationFactor: number;
  readonly autoCreateTopicsEnable: boolean;
  readonly deleteTopicEnable: boolean;
  readonly logSegmentBytes: number;
  /** log.roll.ms, else log.roll.hours. */
  readonly logRollMs: number;
  /** log.retention.ms, else .minutes, else .hours; any negative value is -1 (forever). */
  readonly logRetentionMs: number;
  readonly logRetentionBytes: number;
  readonly logRetentionCheckIntervalMs: number;
  readonly logCleanupPolicy: CleanupPolicy[];
  readonly logCleanerEnable: boolean;
  readonly logCleanerBackoffMs: number;
  readonly logCleanerDedupeBufferSize: number;
  readonly logFlushIntervalMessages: number;
  /** log.flush.interval.ms, else log.flush.scheduler.interval.ms. */
  readonly logFlushIntervalMs: number;
  readonly logFlushSchedulerIntervalMs: number;
  readonly logFlushOffsetCheckpointIntervalMs: number;
  readonly logFlushStartOffsetCheckpointIntervalMs: number;
  readonly logIndexIntervalBytes: number;
  readonly logIndexSizeMaxBytes: number;
  readonly logSegmentDeleteDelayMs: number;
  readonly logMessageTimestampType: TimestampType;
  readonly logMessageTimestampBeforeMaxMs: number;
  readonly logMessageTimestampAfterMaxMs: number;
  readonly messageMaxBytes: number;
  readonly socketRequestMaxBytes: number;
  readonly connectionsMaxIdleMs: number;
  readonly compressionType: CompressionType;
  readonly minInsyncReplicas: number;
  readonly uncleanLeaderElectionEnable: boolean;
  readonly replicaLagTimeMaxMs: number;
  readonly replicaFetchMaxBytes: number;
  readonly replicaFetchWaitMaxMs: number;
  readonly replicaFetchMinBytes: number;
  readonly replicaFetchResponseMaxBytes: number;
  readonly autoLeaderRebalanceEnable: boolean;
  readonly leaderImbalanceCheckIntervalSeconds: number;
  readonly fetchMaxBytes: number;
  readonly maxIncrementalFetchSessionCacheSlots: number;
  readonly brokerHeartbeatIntervalMs: number;
  readonly brokerSessionTimeoutMs: number;
  readonly controllerQuorumElectionTimeoutMs: number;
  readonly controllerQuorumFetchTimeoutMs: number;
  /** metadata.log.dir, else the first log directory. */
  readonly metadataLogDir: string;
  readonly metadataLogMaxRecordBytesBetweenSnapshots: number;
  readonly groupInitialRebalanceDelayMs: number;
  readonly groupMinSessionTimeoutMs: number;
  readonly groupMaxSessionTimeoutMs: number;
  readonly groupMaxSize: number;
  readonly groupConsumerSessionTimeoutMs: number;
  readonly groupConsumerHeartbeatIntervalMs: number;
  readonly groupConsumerMaxSize: number;
  readonly groupConsumerAssignors: string[];
  readonly groupCoordinatorRebalanceProtocols: string[];
  readonly offsetsTopicNumPartitions: number;
  readonly offsetsTopicReplicationFactor: number;
  readonly offsetsTopicSegmentBytes: number;
  readonly offsetsRetentionMinutes: number;
  readonly offsetsRetentionCheckIntervalMs: number;
  readonly offsetMetadataMaxBytes: number;
  readonly offsetsCommitTimeoutMs: number;
  readonly transactionStateLogNumPartitions: number;
  readonly transactionStateLogReplicationFactor: number;
  readonly transactionStateLogMinIsr: number;
  readonly transactionStateLogSegmentBytes: number;
  readonly transactionMaxTimeoutMs: number;
  readonly transactionalIdExpirationMs: number;
  readonly transactionAbortTimedOutTransactionCleanupIntervalMs: number;
  readonly transactionRemoveExpiredTransactionCleanupIntervalMs: number;
  readonly producerIdExpirationMs: number;
  /** KIP-890: a transaction's first write to a partition is checked with its coordinator. */
  readonly transactionPartitionVerificationEnable: boolean;
  /** Client quota samples (quota.window.num) and their length (quota.window.size.seconds). */
  readonly quotaWindowNum: number;
  readonly quotaWindowSizeSeconds: number;
  /** authorizer.class.name; empty when no authorizer is configured (every request allowed). */
  readonly authorizerClassName: string;
  /** super.users, split on semicolons. */
  readonly superUsers: string[];
  readonly allowEveryoneIfNoAclFound: boolean;
  /** Every key that was set, as given (pass-through keys included, passwords in clear). */
  readonly raw: Readonly<Record<string, string>>;
}

type CoordinatorField =
  | 'groupInitialRebalanceDelayMs' | 'groupMinSessionTimeoutMs' | 'groupMaxSessionTimeoutMs' | 'groupMaxSize'
  | 'groupConsumerSessionTimeoutMs' | 'groupConsumerHeartbeatIntervalMs' | 'groupConsumerMaxSize' | 'groupConsumerAssignors'
  | 'groupCoordinatorRebalanceProtocols'
  | 'offsetsTopicNumPartitions' | 'offsetsTopicReplicationFactor' | 'offsetsTopicSegmentBytes' | 'offsetsRetentionMinutes'
  | 'offsetsRetentionCheckIntervalMs' | 'offsetMetadataMaxBytes' | 'offsetsCommitTimeoutMs'
  | 'transactionStateLogNumPartitions' | 'transactionStateLogReplicationFactor' | 'transactionStateLogMinIsr'
  | 'transactionStateLogSegmentBytes' | 'transactionMaxTimeoutMs' | 'transactionalIdExpirationMs' | 'producerIdExpirationMs'
  | 'transactionAbortTimedOutTransactionCleanupIntervalMs' | 'transactionRemoveExpiredTransactionCleanupIntervalMs';

/** Typed reads of validated broker values. */
function reader(raw: Raw): { v(name: string): ConfigValue; num(name: string): number; list(name: string): string[]; str(name: string): string | null } {
  const v = (name: string): ConfigValue => brokerValue(raw, name);
  return { v, num: (name) => v(name) as number, list: (name) => v(name) as string[], str: (name) => v(name) as string | null };
}

/** The broker config from a validated raw map and the three values shared with the topic defaults. */
export function buildBrokerConfig(raw: Raw, derived: Pick<BrokerConfig, 'logRollMs' | 'logRetentionMs' | 'logFlushIntervalMs'>): BrokerConfig {
  const { v, num, list, str } = reader(raw);
  return {
    ...derived,
    processRoles: list('process.roles'),
    nodeId: resolveNodeId(raw),
    controllerQuorumVoters: list('controller.quorum.voters'),
    controllerQuorumBootstrapServers: list('controller.quorum.bootstrap.servers'),
    controllerListenerNames: splitNames(str('controller.listener.names')),
    listeners: str('listeners')!,
    advertisedListeners: str('advertised.listeners'),
    listenerSecurityProtocolMap: parseProtocolMap(str('listener.security.protocol.map')!) as Record<string, SecurityProtocol>,
    interBrokerListenerName: str('inter.broker.listener.name'),
    brokerRack: str('broker.rack'),
    rackAwareReplicaSelector: str('replica.selector.class') !== null,
    logLevel: str('log.level')!,
    logDirs: list(Object.hasOwn(raw, 'log.dirs') ? 'log.dirs' : 'log.dir'),
    numPartitions: num('num.partitions'),
    defaultReplicationFactor: num('default.replication.factor'),
    autoCreateTopicsEnable: v('auto.create.topics.enable') as boolean,
    deleteTopicEnable: v('delete.topic.enable') as boolean,
    logSegmentBytes: num('log.segment.bytes'),
    logRetentionBytes: num('log.retention.bytes'),
    logRetentionCheckIntervalMs: num('log.retention.check.interval.ms'),
    logCleanupPolicy: list('log.cleanup.policy') as CleanupPolicy[],
    logCleanerEnable: v('log.cleaner.enable') as boolean,
    transactionPartitionVerificationEnable: v('transaction.partition.verification.enable') as boolean,
    logCleanerBackoffMs: num('log.cleaner.backoff.ms'),
    logCleanerDedupeBufferSize: num('log.cleaner.dedupe.buffer.size'),
    logFlushIntervalMessages: num('log.flush.interval.messages'),
    logFlushSchedulerIntervalMs: num('log.flush.scheduler.interval.ms'),
    logFlushOffsetCheckpointIntervalMs: num('log.flush.offset.checkpoint.interval.ms'),
    logFlushStartOffsetCheckpointIntervalMs: num('log.flush.start.offset.checkpoint.interval.ms'),
    logIndexIntervalBytes: num('log.index.interval.bytes'),
    logIndexSizeMaxBytes: num('log.index.size.max.bytes'),
    logSegmentDeleteDelayMs: num('log.segment.delete.delay.ms'),
    logMessageTimestampType: str('log.message.timestamp.type') as TimestampType,
    logMessageTimestampBeforeMaxMs: num('log.message.timestamp.before.max.ms'),
    logMessageTimestampAfterMaxMs: num('log.message.timestamp.after.max.ms'),
    messageMaxBytes: num('message.max.bytes'),
    socketRequestMaxBytes: num('socket.request.max.bytes'),
    connectionsMaxIdleMs: num('connections.max.idle.ms'),
    compressionType: str('compression.type') as CompressionType,
    minInsyncReplicas: num('min.insync.replicas'),
    uncleanLeaderElectionEnable: v('unclean.leader.election.enable') as boolean,
    replicaLagTimeMaxMs: num('replica.lag.time.max.ms'),
    replicaFetchMaxBytes: num('replica.fetch.max.bytes'),
    replicaFetchWaitMaxMs: num('replica.fetch.wait.max.ms'),
    replicaFetchMinBytes: num('replica.fetch.min.bytes'),
    replicaFetchResponseMaxBytes: num('replica.fetch.response.max.bytes'),
    autoLeaderRebalanceEnable: v('auto.leader.rebalance.enable') as boolean,
    leaderImbalanceCheckIntervalSeconds: num('leader.imbalance.check.interval.seconds'),
    fetchMaxBytes: num('fetch.max.bytes'),
    maxIncrementalFetchSessionCacheSlots: num('max.incremental.fetch.session.cache.slots'),
    brokerHeartbeatIntervalMs: num('broker.heartbeat.interval.ms'),
    controllerQuorumElectionTimeoutMs: num('controller.quorum.election.timeout.ms'),
    controllerQuorumFetchTimeoutMs: num('controller.quorum.fetch.timeout.ms'),
    metadataLogDir: str('metadata.log.dir') ?? list(Object.hasOwn(raw, 'log.dirs') ? 'log.dirs' : 'log.dir')[0]!,
    metadataLogMaxRecordBytesBetweenSnapshots: num('metadata.log.max.record.bytes.between.snapshots'),
    brokerSessionTimeoutMs: num('broker.session.timeout.ms'),
    quotaWindowNum: num('quota.window.num'),
    quotaWindowSizeSeconds: num('quota.window.size.seconds'),
    ...coordinatorFields(raw),
    authorizerClassName: (str('authorizer.class.name') ?? '').trim(),
    superUsers: (str('super.users') ?? '').split(';').map((p) => p.trim()).filter((p) => p !== ''),
    allowEveryoneIfNoAclFound: v('allow.everyone.if.no.acl.found') as boolean,
    raw,
  };
}

function coordinatorFields(raw: Raw): Pick<BrokerConfig, CoordinatorField> {
  const { num, list } = reader(raw);
  return {
    groupConsumerSessionTimeoutMs: num('group.consumer.session.timeout.ms'),
    groupConsumerHeartbeatIntervalMs: num('group.consumer.heartbeat.interval.ms'),
    groupConsumerMaxSize: num('group.consumer.max.size'),
    groupConsumerAssignors: list('group.consumer.assignors'),
    groupCoordinatorRebalanceProtocols: list('group.coordinator.rebalance.protocols'),
    groupInitialRebalanceDelayMs: num('group.initial.rebalance.delay.ms'),
    groupMinSessionTimeoutMs: num('group.min.session.timeout.ms'),
    groupMaxSessionTimeoutMs: num('group.max.session.timeout.ms'),
    groupMaxSize: num('group.max.size'),
    offsetsTopicNumPartitions: num('offsets.topic.num.partitions'),
    offsetsTopicReplicationFactor: num('offsets.topic.replication.factor'),
    offsetsTopicSegmentBytes: num('offsets.topic.segment.bytes'),
    offsetsRetentionMinutes: num('offsets.retention.minutes'),
    offsetsRetentionCheckIntervalMs: num('offsets.retention.check.interval.ms'),
    offsetMetadataMaxBytes: num('offset.metadata.max.bytes'),
    offsetsCommitTimeoutMs: num('offsets.commit.timeout.ms'),
    transactionStateLogNumPartitions: num('transaction.state.log.num.partitions'),
    transactionStateLogReplicationFactor: num('transaction.state.log.replication.factor'),
    transactionStateLogMinIsr: num('transaction.state.log.min.isr'),
    transactionStateLogSegmentBytes: num('transaction.state.log.segment.bytes'),
    transactionMaxTimeoutMs: num('transaction.max.timeout.ms'),
    transactionalIdExpirationMs: num('transactional.id.expiration.ms'),
    transactionAbortTimedOutTransactionCleanupIntervalMs: num('transaction.abort.timed.out.transaction.cleanup.interval.ms'),
    transactionRemoveExpiredTransactionCleanupIntervalMs: num('transaction.remove.expired.transaction.cleanup.interval.ms'),
    producerIdExpirationMs: num('producer.id.expiration.ms'),
  };
}
