/**
 * Broker configs Samsa knows, with Kafka's names, types, defaults, validators
 * and update modes (Kafka 4.0: ServerConfigs, ServerLogConfigs, KRaftConfigs,
 * QuorumConfig, SocketServerConfigs, ReplicationConfigs, CleanerConfig,
 * GroupCoordinatorConfig, TransactionLogConfig). A key outside this table is an
 * error unless it has a pass-through prefix (see resolve.ts).
 *
 * Where Kafka 4.0 changed a default or bound from 3.9 the 4.0 value is used and
 * the note says so. Where Samsa's default differs, `kafkaDefault` keeps Kafka's.
 */
import { INT_MAX, LONG_MAX_TEXT, indexDefs, type ConfigDef, type ConfigDefType, type ConfigValidator, type UpdateMode } from './config-def.ts';

type Extra = Partial<Pick<ConfigDef, 'validator' | 'kafkaDefault' | 'samsaNote' | 'internal'>>;

function def(
  name: string, type: ConfigDefType, dflt: string | null, updateMode: UpdateMode, documentation: string, extra: Extra = {},
): ConfigDef {
  return { name, type, default: dflt, sensitive: type === 'password', updateMode, documentation, ...extra };
}

export function atLeast(min: number): ConfigValidator {
  return { kind: 'range', min };
}
export function between(min: number, max: number, also?: readonly number[]): ConfigValidator {
  return also === undefined ? { kind: 'range', min, max } : { kind: 'range', min, max, also };
}
export function oneOf(...values: string[]): ConfigValidator {
  return { kind: 'oneOf', values };
}

const RO = 'read-only';
const PB = 'per-broker';
const CW = 'cluster-wide';

export const COMPRESSION_TYPES = ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'] as const;
export const TIMESTAMP_TYPES = ['CreateTime', 'LogAppendTime'] as const;
export const CLEANUP_POLICIES = ['compact', 'delete'] as const;
export const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;

/** `listeners` when not set. Kafka binds every interface (`PLAINTEXT://:9092`); Samsa binds loopback only. */
/** Kafka's rack-aware replica selector, the one `replica.selector.class` Samsa offers. */
export const RACK_AWARE_SELECTOR = 'org.apache.kafka.common.replica.RackAwareReplicaSelector';

export const SAMSA_DEFAULT_LISTENERS = 'PLAINTEXT://127.0.0.1:9092';

const IGNORED = 'Accepted for compatibility; Samsa runs on one event loop and ignores it.';

const KRAFT: readonly ConfigDef[] = [
  def('process.roles', 'list', 'broker,controller', RO, 'The roles this process plays: broker, controller, or both.', {
    validator: oneOf('broker', 'controller'), kafkaDefault: '',
    samsaNote: 'Defaults to both roles, so one process is a whole cluster. A broker-only node follows the metadata quorum as an observer.',
  }),
  def('node.id', 'int', '1', RO, 'The id of this node in the cluster, shared by its broker and controller roles.', {
    validator: atLeast(0), kafkaDefault: '-1', samsaNote: 'Kafka requires it in KRaft mode; a single Samsa node defaults to 1.',
  }),
  def('broker.id', 'int', '-1', RO, 'Older name for the node id; when set it must agree with node.id.', {
    samsaNote: 'When node.id is not set, a non-negative broker.id supplies it.',
  }),
  def('controller.quorum.voters', 'list', '', RO, 'The static controller quorum, as id@host:port entries.', {
    samsaNote: 'Empty means this process is the only voter and needs no controller listener.',
  }),
  def('controller.quorum.bootstrap.servers', 'list', '', RO, 'host:port entries used to discover a dynamic controller quorum.'),
  def('controller.listener.names', 'string', null, RO, 'Comma-separated names of the listeners the controller uses.', {
    samsaNote: 'Required with controller.quorum.voters; the first name is the listener the controller serves and connects to. A name missing from listener.security.protocol.map means PLAINTEXT.',
  }),
  def('controller.quorum.election.timeout.ms', 'int', '1000', RO, 'How long a voter waits without hearing a leader before it starts an election.'),
  def('controller.quorum.fetch.timeout.ms', 'int', '2000', RO, 'How long a voter waits without a successful fetch before it suspects the leader.'),
  def('broker.heartbeat.interval.ms', 'int', '2000', RO, 'Time between a broker\'s heartbeats to the controller.'),
  def('broker.session.timeout.ms', 'int', '9000', RO, 'How long a broker stays registered without heartbeats before it is fenced.'),
  def('metadata.log.dir', 'string', null, RO, 'Where the metadata log (__cluster_metadata) lives; by default the first log directory.'),
  def('metadata.log.max.record.bytes.between.snapshots', 'long', '20971520', RO, 'Bytes of records appended to the metadata log after which a node takes a new snapshot.', {
    validator: atLeast(1),
  }),
  def('broker.rack', 'string', null, RO, 'The rack of this broker, used for rack-aware replica placement.'),
  def('replica.selector.class', 'string', null, RO, 'How a leader picks the replica a consumer should read from (KIP-392); unset, consumers read from leaders only.', {
    validator: oneOf(RACK_AWARE_SELECTOR, 'rack-aware'),
    samsaNote: `Samsa has Kafka's rack-aware selector (${RACK_AWARE_SELECTOR}, or rack-aware): a consumer that sends client.rack reads from an in-sync replica in its rack, up to that replica's high watermark.`,
  }),
];

const NETWORK: readonly ConfigDef[] = [
  def('listeners', 'string', SAMSA_DEFAULT_LISTENERS, PB, 'Comma-separated NAME://host:port endpoints to listen on; an empty host means all interfaces.', {
    kafkaDefault: 'PLAINTEXT://:9092', samsaNote: 'Samsa listens on 127.0.0.1 by default, not on every interface.',
  }),
  def('advertised.listeners', 'string', null, PB, 'Endpoints given to clients in metadata, when they differ from listeners.'),
  def('listener.security.protocol.map', 'string', 'SASL_SSL:SASL_SSL,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT', PB,
    'Maps each listener name to its security protocol, as NAME:PROTOCOL pairs.'),
  def('inter.broker.listener.name', 'string', null, RO, 'The listener brokers use to talk to each other.', {
    samsaNote: 'When neither it nor a listener named after security.inter.broker.protocol exists, Kafka refuses to start; Samsa takes the first listener with that protocol, else the first broker listener.',
  }),
  def('security.inter.broker.protocol', 'string', 'PLAINTEXT', RO, 'Security protocol between brokers when no inter-broker listener name is set.', {
    validator: oneOf(...SECURITY_PROTOCOLS),
  }),
  def('socket.request.max.bytes', 'int', '104857600', RO, 'The largest request frame the broker accepts.', { validator: atLeast(1) }),
  def('socket.send.buffer.bytes', 'int', '102400', RO, 'SO_SNDBUF for server sockets; -1 keeps the OS default.', { samsaNote: IGNORED }),
  def('socket.receive.buffer.bytes', 'int', '102400', RO, 'SO_RCVBUF for server sockets; -1 keeps the OS default.', { samsaNote: IGNORED }),
  def('socket.listen.backlog.size', 'int', '50', RO, 'Queue length for connections not yet accepted.', { validator: atLeast(1) }),
  def('connections.max.idle.ms', 'long', '600000', RO, 'Idle connections are closed after this long.'),
  def('connections.max.reauth.ms', 'long', '0', RO, 'When positive, the longest a SASL session lasts before the client must re-authenticate on its connection (KIP-368); 0 turns re-authentication off.', {
    samsaNote: 'May be set per listener and mechanism as listener.name.<listener>.<mechanism>.connections.max.reauth.ms.',
  }),
  def('max.connections', 'int', String(INT_MAX), CW, 'The most connections the broker accepts at once.', { validator: atLeast(0) }),
  def('max.connections.per.ip', 'int', String(INT_MAX), CW, 'The most connections accepted from one IP address.', { validator: atLeast(0) }),
  def('num.network.threads', 'int', '3', CW, 'Threads that read requests and write responses.', { validator: atLeast(1), samsaNote: IGNORED }),
  def('num.io.threads', 'int', '8', CW, 'Threads that process requests.', { validator: atLeast(1), samsaNote: IGNORED }),
  def('num.recovery.threads.per.data.dir', 'int', '2', CW, 'Threads per log dir for recovery at start and flush at shutdown.', {
    validator: atLeast(1), samsaNote: `Kafka 3.9's default was 1. ${IGNORED}`,
  }),
];

const LOG: readonly ConfigDef[] = [
  def('log.dirs', 'list', null, RO, 'Comma-separated directories holding the partition logs; log.dir is used when unset.', {
    samsaNote: 'Typed LIST as in newer Kafka; Kafka 4.0 typed log.dirs and log.dir STRING (parsed the same way).',
  }),
  def('log.dir', 'list', '/tmp/kafka-logs', RO, 'The log directory used when log.dirs is not set.', {
    samsaNote: '`samsa start` defaults to ./data and startBroker() to a temporary directory when neither log.dirs nor log.dir is set.',
  }),
  def('num.partitions', 'int', '1', RO, 'Partitions of a new topic when the request does not say.', { validator: atLeast(1) }),
  def('log.segment.bytes', 'int', '1073741824', CW, 'Largest size of one log segment file.', {
    validator: atLeast(1048576), samsaNote: 'Kafka 4.0 raised the minimum from 14 bytes to 1 MiB.',
  }),
  def('log.roll.ms', 'long', null, CW, 'Longest time before the active segment rolls; log.roll.hours is used when unset.'),
  def('log.roll.hours', 'int', '168', RO, 'Longest time in hours before the active segment rolls, after log.roll.ms.', { validator: atLeast(1) }),
  def('log.roll.jitter.ms', 'long', null, CW, 'Most random time subtracted from the roll time; log.roll.jitter.hours is used when unset.'),
  def('log.roll.jitter.hours', 'int', '0', RO, 'Roll jitter in hours, after log.roll.jitter.ms.', { validator: atLeast(0) }),
  def('log.retention.ms', 'long', null, CW, 'How long to keep a segment before deleting it; -1 keeps it forever. First of ms, minutes, hours.'),
  def('log.retention.minutes', 'int', null, RO, 'Retention in minutes, used when log.retention.ms is not set.'),
  def('log.retention.hours', 'int', '168', RO, 'Retention in hours, used when neither log.retention.ms nor log.retention.minutes is set.'),
  def('log.retention.bytes', 'long', '-1', CW, 'Largest size of a partition log before old segments are deleted; -1 means no limit.'),
  def('log.retention.check.interval.ms', 'long', '300000', RO, 'How often logs are checked for segments to delete.', { validator: atLeast(1) }),
  def('log.cleanup.policy', 'list', 'delete', CW, 'Default cleanup policy for topics: delete, compact, or both.', { validator: oneOf(...CLEANUP_POLICIES) }),
  def('log.index.size.max.bytes', 'int', '10485760', CW, 'Largest size of a segment\'s offset index; a full index rolls the segment.', {
    validator: atLeast(12), samsaNote: 'Kafka accepts 4; Samsa needs room for one 12-byte time-index entry.',
  }),
  def('log.index.interval.bytes', 'int', '4096', CW, 'Log bytes between two entries of the sparse offset index.', { validator: atLeast(0) }),
  def('log.flush.interval.messages', 'long', LONG_MAX_TEXT, CW, 'Messages appended to a partition before it is fsynced.', { validator: atLeast(1) }),
  def('log.flush.interval.ms', 'long', null, CW, 'Longest time appended data waits for fsync; log.flush.scheduler.interval.ms is used when unset.'),
  def('log.flush.scheduler.interval.ms', 'long', LONG_MAX_TEXT, RO, 'How often the flusher looks for logs due for fsync.'),
  def('log.flush.offset.checkpoint.interval.ms', 'int', '60000', RO, 'How often the recovery-point checkpoint is written.', { validator: atLeast(0) }),
  def('log.flush.start.offset.checkpoint.interval.ms', 'int', '60000', RO, 'How often the log-start-offset checkpoint is written.', { validator: atLeast(0) }),
  def('log.segment.delete.delay.ms', 'long', '60000', CW, 'Delay before a deleted segment\'s files are removed from disk.', { validator: atLeast(0) }),
  def('log.preallocate', 'boolean', 'false', CW, 'Whether a new segment file is preallocated to its full size.'),
  def('log.message.timestamp.type', 'string', 'CreateTime', CW, 'Whether record timestamps are the producer\'s (CreateTime) or the broker\'s (LogAppendTime).', {
    validator: oneOf(...TIMESTAMP_TYPES),
  }),
  def('log.message.timestamp.before.max.ms', 'long', LONG_MAX_TEXT, CW, 'With CreateTime, how far a timestamp may lie in the past before the batch is rejected.', {
    validator: atLeast(0),
  }),
  def('log.message.timestamp.after.max.ms', 'long', '3600000', CW, 'With CreateTime, how far a timestamp may lie in the future before the batch is rejected.', {
    validator: atLeast(0), samsaNote: 'Kafka 3.9\'s default was Long.MAX_VALUE; 4.0 made it one hour.',
  }),
  def('log.cleaner.enable', 'boolean', 'true', RO, 'Whether the log cleaner runs, compacting topics with cleanup.policy=compact.'),
  def('log.cleaner.threads', 'int', '1', CW, 'Background threads compacting logs.', { validator: atLeast(0) }),
  def('log.cleaner.backoff.ms', 'long', '15000', CW, 'Pause of the cleaner when no log needs cleaning.', { validator: atLeast(0) }),
  def('log.cleaner.dedupe.buffer.size', 'long', '134217728', CW, 'Memory for the key map the cleaner builds, over all cleaner threads.'),
  def('log.cleaner.delete.retention.ms', 'long', '86400000', CW, 'How long tombstones stay in a compacted log.', { validator: atLeast(0) }),
  def('log.cleaner.min.compaction.lag.ms', 'long', '0', CW, 'Records younger than this are never compacted.', { validator: atLeast(0) }),
  def('log.cleaner.max.compaction.lag.ms', 'long', LONG_MAX_TEXT, CW, 'Records older than this are made eligible for compaction.', { validator: atLeast(1) }),
  def('log.cleaner.min.cleanable.ratio', 'double', '0.5', CW, 'Share of dirty bytes in a log at which it becomes due for cleaning.', { validator: between(0, 1) }),
];

const TOPICS: readonly ConfigDef[] = [
  def('auto.create.topics.enable', 'boolean', 'true', RO, 'Whether a Metadata request for an unknown topic creates it.'),
  def('delete.topic.enable', 'boolean', 'true', RO, 'Whether DeleteTopics is allowed.'),
  def('default.replication.factor', 'int', '1', RO, 'Replication factor of a new topic when the request does not say.'),
  def('min.insync.replicas', 'int', '1', CW, 'Fewest in-sync replicas for an acks=all write to succeed.', { validator: atLeast(1) }),
  def('unclean.leader.election.enable', 'boolean', 'false', CW, 'Whether a replica outside the ISR may become leader, at the risk of losing data.'),
  def('message.max.bytes', 'int', '1048588', CW, 'Largest record batch the broker accepts, after compression.', { validator: atLeast(0) }),
  def('compression.type', 'string', 'producer', CW, 'Final compression of stored batches; producer keeps what the producer used.', {
    validator: oneOf(...COMPRESSION_TYPES),
  }),
  def('compression.gzip.level', 'int', '-1', CW, 'gzip level when the broker compresses with gzip.', { validator: between(1, 9, [-1]) }),
  def('compression.lz4.level', 'int', '9', CW, 'lz4 level when the broker compresses with lz4.', { validator: between(1, 17) }),
  def('compression.zstd.level', 'int', '3', CW, 'zstd level when the broker compresses with zstd.', { validator: between(-131072, 22) }),
];

const REPLICATION: readonly ConfigDef[] = [
  def('replica.lag.time.max.ms', 'long', '30000', RO, 'A follower that has not caught up for this long leaves the ISR.'),
  def('auto.leader.rebalance.enable', 'boolean', 'true', RO, 'Move leadership back to each partition\'s preferred (first) replica when it is in sync.'),
  def('leader.imbalance.check.interval.seconds', 'long', '300', RO, 'How often the controller looks for partitions to hand back to their preferred leader.', {
    validator: atLeast(1),
  }),
  def('replica.fetch.max.bytes', 'int', '1048576', RO, 'Bytes a follower asks for per partition in one fetch.', { validator: atLeast(0) }),
  def('replica.fetch.wait.max.ms', 'int', '500', RO, 'Longest wait of a follower fetch on the leader.'),
  def('replica.fetch.min.bytes', 'int', '1', RO, 'Bytes a follower fetch waits for before it is answered.'),
  def('replica.fetch.response.max.bytes', 'int', '10485760', RO, 'Bytes a follower asks for in one whole fetch response.', { validator: atLeast(0) }),
  def('replica.fetch.backoff.ms', 'int', '1000', RO, 'Pause of a follower after a failed fetch.', { validator: atLeast(0) }),
  def('num.replica.fetchers', 'int', '1', CW, 'Fetcher threads per source broker.', { samsaNote: IGNORED }),
  def('replica.high.watermark.checkpoint.interval.ms', 'long', '5000', RO, 'How often high watermarks are written to disk.'),
  def('fetch.max.bytes', 'int', '57671680', RO, 'Most bytes returned for one fetch request.', { validator: atLeast(1024) }),
  def('max.incremental.fetch.session.cache.slots', 'int', '1000', RO, 'Most incremental fetch sessions kept.', { validator: atLeast(0) }),
];

const GROUPS: readonly ConfigDef[] = [
  def('group.initial.rebalance.delay.ms', 'int', '3000', RO, 'Wait for more members before the first rebalance of a new classic group.'),
  def('group.min.session.timeout.ms', 'int', '6000', RO, 'Smallest session timeout a classic group member may ask for.'),
  def('group.max.session.timeout.ms', 'int', '1800000', RO, 'Largest session timeout a classic group member may ask for.'),
  def('group.max.size', 'int', String(INT_MAX), RO, 'Most members in one classic group.', { validator: atLeast(1) }),
  def('group.consumer.session.timeout.ms', 'int', '45000', RO, 'Session timeout of members of consumer-protocol groups.', { validator: atLeast(1) }),
  def('group.consumer.min.session.timeout.ms', 'int', '45000', RO, 'Smallest session timeout for consumer-protocol groups.', { validator: atLeast(1) }),
  def('group.consumer.max.session.timeout.ms', 'int', '60000', RO, 'Largest session timeout for consumer-protocol groups.', { validator: atLeast(1) }),
  def('group.consumer.heartbeat.interval.ms', 'int', '5000', RO, 'Heartbeat interval of members of consumer-protocol groups.', { validator: atLeast(1) }),
  def('group.consumer.min.heartbeat.interval.ms', 'int', '5000', RO, 'Smallest heartbeat interval for consumer-protocol groups.', { validator: atLeast(1) }),
  def('group.consumer.max.heartbeat.interval.ms', 'int', '15000', RO, 'Largest heartbeat interval for consumer-protocol groups.', { validator: atLeast(1) }),
  def('group.consumer.max.size', 'int', String(INT_MAX), RO, 'Most members in one consumer-protocol (KIP-848) group.', { validator: atLeast(1) }),
  def('group.consumer.assignors', 'list', 'uniform,range', RO, 'Server-side assignors of consumer-protocol groups; the first is the default.', {
    validator: oneOf('uniform', 'range'),
    samsaNote: 'The built-in assignors by name; Kafka also accepts class names of custom assignors.',
  }),
  def('group.coordinator.rebalance.protocols', 'list', 'classic,consumer', RO, 'The group protocols the group coordinator serves.', {
    validator: oneOf('classic', 'consumer'),
    samsaNote: 'Share groups (share) are not served yet.',
  }),
  def('offsets.topic.num.partitions', 'int', '50', RO, 'Partitions of __consumer_offsets; fixed once the topic exists.', { validator: atLeast(1) }),
  def('offsets.topic.replication.factor', 'short', '3', RO, 'Replication factor of __consumer_offsets.', { validator: atLeast(1) }),
  def('offsets.topic.segment.bytes', 'int', '104857600', RO, 'Segment size of __consumer_offsets, kept small for fast loading.', { validator: atLeast(1) }),
  def('offsets.retention.minutes', 'int', '10080', RO, 'How long committed offsets of an empty group are kept.', { validator: atLeast(1) }),
  def('offsets.retention.check.interval.ms', 'long', '600000', RO, 'How often expired offsets are looked for.', { validator: atLeast(1) }),
  def('offset.metadata.max.bytes', 'int', '4096', RO, 'Largest metadata string stored with a committed offset.'),
  def('offsets.commit.timeout.ms', 'int', '5000', RO, 'How long an offset commit waits for its write to replicate.', { validator: atLeast(1) }),
];

const TRANSACTIONS: readonly ConfigDef[] = [
  def('transaction.state.log.num.partitions', 'int', '50', RO, 'Partitions of __transaction_state; fixed once the topic exists.', { validator: atLeast(1) }),
  def('transaction.state.log.replication.factor', 'short', '3', RO, 'Replication factor of __transaction_state.', { validator: atLeast(1) }),
  def('transaction.state.log.min.isr', 'int', '2', RO, 'min.insync.replicas of __transaction_state.', { validator: atLeast(1) }),
  def('transaction.state.log.segment.bytes', 'int', '104857600', RO, 'Segment size of __transaction_state.', { validator: atLeast(1) }),
  def('transaction.max.timeout.ms', 'int', '900000', RO, 'Largest transaction timeout a producer may ask for.', { validator: atLeast(1) }),
  def('transactional.id.expiration.ms', 'int', '604800000', RO, 'A transactional id idle for this long is forgotten.', { validator: atLeast(1) }),
  def('transaction.abort.timed.out.transaction.cleanup.interval.ms', 'int', '10000', RO,
    'How often the transaction coordinator aborts transactions open longer than their timeout.', { validator: atLeast(1) }),
  def('transaction.remove.expired.transaction.cleanup.interval.ms', 'int', '3600000', RO,
    'How often the transaction coordinator forgets transactional ids idle longer than transactional.id.expiration.ms.', { validator: atLeast(1) }),
  def('producer.id.expiration.ms', 'int', '86400000', CW, 'A producer id idle for this long loses its idempotence state.', { validator: atLeast(1) }),
  def('transaction.partition.verification.enable', 'boolean', 'true', CW, 'Whether a transactional write is checked against the partitions added to its transaction.'),
  def('share.coordinator.state.topic.replication.factor', 'short', '3', RO, 'Replication factor of the share-group state topic.', {
    validator: atLeast(1), samsaNote: 'Samsa has no share groups yet; accepted because Kafka\'s sample server.properties sets it.',
  }),
  def('share.coordinator.state.topic.min.isr', 'short', '2', RO, 'min.insync.replicas of the share-group state topic.', {
    validator: atLeast(1), samsaNote: 'Samsa has no share groups yet; accepted because Kafka\'s sample server.properties sets it.',
  }),
];

const QUOTAS: readonly ConfigDef[] = [
  def('quota.window.num', 'int', '11', RO, 'Samples kept in memory to measure a client\'s rate against its quotas.', { validator: atLeast(1) }),
  def('quota.window.size.seconds', 'int', '1', RO, 'Length of one quota sample, in seconds.', { validator: atLeast(1) }),
];

const OBSERVABILITY: readonly ConfigDef[] = [
  def('log.level', 'string', 'INFO', RO, 'The level of the node\'s own log (its root logger): TRACE, DEBUG, INFO, WARN, ERROR or OFF.', {
    validator: oneOf('TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL', 'OFF'),
    samsaNote: 'Samsa only (Kafka sets levels in log4j files). An embedded broker given no log function defaults to WARN, printed on stderr. '
      + 'Levels of the root and of each logger change at runtime with IncrementalAlterConfigs on BROKER_LOGGER (samsa configs --entity-type broker-loggers).',
  }),
  def('telemetry.max.bytes', 'int', '1048576', RO, 'Largest metrics payload a client may push with PushTelemetry (KIP-714), before decompression.', {
    validator: atLeast(1),
  }),
  def('metrics.listener', 'string', null, RO, 'Where this node serves Prometheus metrics (/metrics) and health checks (/healthz, /readyz), as http://host:port; empty turns it off.', {
    samsaNote: 'Samsa only (Kafka exposes JMX). `samsa start` serves http://127.0.0.1:9644 when it is not set, and runs without it (one warning) when that default port is taken; '
      + 'an embedded broker serves none unless given one. A port that is given and taken stops the start. Port 0 picks a free one.',
  }),
  def('console.listener', 'string', null, RO, 'Where this node serves the web console (cluster, topics, messages, consumer groups, throughput), as http://host:port; empty turns it off.', {
    samsaNote: 'Samsa only. `samsa start` serves http://127.0.0.1:8080 when it is not set, and runs without it (one warning) when that default port is taken; '
      + 'an embedded broker serves none unless given one. A port that is given and taken stops the start. Port 0 picks a free one. '
      + 'The same address as metrics.listener shares one server. The console has no authentication: keep it on loopback.',
  }),
];

const PEM_ONLY = 'Samsa reads PEM key and trust stores only (JKS and PKCS12 are refused at start).';
const PER_LISTENER = 'May be set per listener as listener.name.<listener>.';
const RELOADED = 'Setting it as a dynamic broker config, even to the same path, reloads the file on the live listeners.';

const OAUTH_NOTE = 'Read per listener and mechanism as Kafka does: listener.name.<listener>.oauthbearer.<name>, then listener.name.<listener>.<name>, then this key.';

const OAUTHBEARER: readonly ConfigDef[] = [
  def('sasl.server.callback.handler.class', 'class', null, RO, 'The SASL server callback handler; for OAUTHBEARER it picks how tokens are validated. Brokers read it per listener and mechanism (listener.name.<listener>.<mechanism>.sasl.server.callback.handler.class).', {
    samsaNote: 'Samsa runs no Java: for OAUTHBEARER it accepts org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler '
      + '(JWTs with signatures checked against sasl.oauthbearer.jwks.endpoint.url; also its older ...oauthbearer.secured. name) and the default unsecured validator; any other class stops the start.',
  }),
  def('sasl.login.callback.handler.class', 'class', null, RO, 'The SASL login callback handler that gets this node\'s own credential; for OAUTHBEARER, OAuthBearerLoginCallbackHandler fetches a token from sasl.oauthbearer.token.endpoint.url.', {
    samsaNote: 'Samsa accepts org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler (and its older ...oauthbearer.secured. name); unset, OAUTHBEARER logins use the unsecuredLogin JAAS options (unsecuredLoginStringClaim_sub=...).',
  }),
  def('sasl.oauthbearer.jwks.endpoint.url', 'string', null, RO, 'Where the identity provider\'s JSON Web Key Set is: an http(s) URL fetched by the broker, or a file: URL of a JWKS file. The keys verify JWT signatures.', {
    samsaNote: `A file is read again when it changes (Kafka reads it once at start); https uses the system's CAs. ${OAUTH_NOTE}`,
  }),
  def('sasl.oauthbearer.jwks.endpoint.refresh.ms', 'long', '3600000', RO, 'How long the broker keeps a JWKS before reading it again.', { samsaNote: OAUTH_NOTE }),
  def('sasl.oauthbearer.jwks.endpoint.retry.backoff.ms', 'long', '100', RO, 'The first wait between attempts to fetch the JWKS; it doubles after each failure.', { samsaNote: OAUTH_NOTE }),
  def('sasl.oauthbearer.jwks.endpoint.retry.backoff.max.ms', 'long', '10000', RO, 'The longest wait between attempts to fetch the JWKS.', { samsaNote: OAUTH_NOTE }),
  def('sasl.oauthbearer.clock.skew.seconds', 'int', '30', RO, 'Seconds of difference allowed between the identity provider\'s clock and the broker\'s when checking a JWT\'s exp, nbf and iat.', { samsaNote: OAUTH_NOTE }),
  def('sasl.oauthbearer.expected.audience', 'list', null, RO, 'Audiences a JWT must name one of in its aud claim; unset, a JWT that names an audience is refused.', { samsaNote: OAUTH_NOTE }),
  def('sasl.oauthbearer.expected.issuer', 'string', null, RO, 'The issuer a JWT\'s iss claim must equal; unset, any issuer.', { samsaNote: OAUTH_NOTE }),
  def('sasl.oauthbearer.scope.claim.name', 'string', 'scope', RO, 'The JWT claim that holds the token\'s scope.', { samsaNote: OAUTH_NOTE }),
  def('sasl.oauthbearer.sub.claim.name', 'string', 'sub', RO, 'The JWT claim that names the principal: a valid token authenticates User:<value>.', { samsaNote: OAUTH_NOTE }),
  def('sasl.oauthbearer.token.endpoint.url', 'string', null, RO, 'Where this node gets its own OAUTHBEARER token (with sasl.login.callback.handler.class set to OAuthBearerLoginCallbackHandler): the identity provider\'s token endpoint, asked with the client credentials grant and the JAAS options clientId, clientSecret and scope; or a file: URL of a file holding a JWT, read at each connection.'),
  def('sasl.oauthbearer.header.urlencode', 'boolean', 'false', RO, 'Whether the client id and secret are URL-encoded in the Authorization header sent to the token endpoint.'),
  def('sasl.login.connect.timeout.ms', 'int', null, RO, 'How long a login may wait to connect to the token endpoint.', {
    samsaNote: 'Samsa bounds the whole request by this plus sasl.login.read.timeout.ms (30 s when neither is set).',
  }),
  def('sasl.login.read.timeout.ms', 'int', null, RO, 'How long a login may wait for the token endpoint\'s answer.'),
  def('sasl.login.refresh.window.factor', 'double', '0.8', RO, 'The share of a login token\'s lifetime after which a new token is fetched.', { validator: between(0.5, 1.0) }),
];

const SECURITY: readonly ConfigDef[] = [
  def('authorizer.class.name', 'string', '', RO, 'The authorizer that checks every request against the ACLs; empty allows every request.', {
    samsaNote: 'Samsa has one authorizer, Kafka\'s StandardAuthorizer (ACLs in the metadata log): set org.apache.kafka.metadata.authorizer.StandardAuthorizer. '
      + 'The ZooKeeper-era kafka.security.authorizer.AclAuthorizer is taken as the same with a warning; any other class stops the start.',
  }),
  def('super.users', 'string', null, RO, 'Semicolon-separated principals (User:admin;User:broker) allowed every operation whatever the ACLs say.'),
  def('allow.everyone.if.no.acl.found', 'boolean', 'false', RO, 'Whether a resource without any ACL is open to everyone (true) or to super users only (false).'),
  def('sasl.enabled.mechanisms', 'list', 'GSSAPI', PB, 'SASL mechanisms the broker offers on its SASL listeners.', {
    samsaNote: `Samsa implements PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 and OAUTHBEARER; a client asking for an enabled mechanism Samsa lacks (GSSAPI) gets UNSUPPORTED_SASL_MECHANISM. ${PER_LISTENER}sasl.enabled.mechanisms.`,
  }),
  def('sasl.jaas.config', 'password', null, PB, 'JAAS login module and options for SASL; for PLAIN, the broker\'s own username/password and the user_<name>="<password>" entries it accepts.', {
    samsaNote: 'Kafka brokers read it per listener and mechanism, listener.name.<listener>.<mechanism>.sasl.jaas.config; Samsa also falls back to this unprefixed key.',
  }),
  def('sasl.mechanism.inter.broker.protocol', 'string', 'GSSAPI', PB, 'SASL mechanism a broker uses towards the other brokers on a SASL inter-broker listener.', {
    samsaNote: 'PLAIN, SCRAM-SHA-256/512 (the username and password of that listener\'s JAAS config for the mechanism) or OAUTHBEARER (a token from the unsecuredLogin JAAS options such as unsecuredLoginStringClaim_sub, or from sasl.oauthbearer.token.endpoint.url). SCRAM needs the broker\'s credential in the metadata log: samsa storage format --add-scram puts it there before the first start.',
  }),
  def('sasl.mechanism.controller.protocol', 'string', 'GSSAPI', RO, 'SASL mechanism used towards the controllers on a SASL controller listener.', {
    samsaNote: 'As for sasl.mechanism.inter.broker.protocol; PLAIN is the usual choice, since a node logs in to the controllers before it can read SCRAM credentials from the metadata log.',
  }),
  def('ssl.client.auth', 'string', 'none', PB, 'Whether TLS clients must (required), may (requested) or need not (none) present a certificate.', {
    validator: oneOf('required', 'requested', 'none'), samsaNote: PER_LISTENER,
  }),
  def('ssl.enabled.protocols', 'list', 'TLSv1.2,TLSv1.3', PB, 'TLS protocol versions accepted on TLS listeners and used on inter-broker TLS connections.', {
    validator: oneOf('TLSv1.2', 'TLSv1.3', 'TLSv1.1', 'TLSv1'),
    samsaNote: `Node takes a range of versions: from the lowest listed to the highest. ${PER_LISTENER}`,
  }),
  def('ssl.protocol', 'string', 'TLSv1.3', PB, 'The TLS protocol used to build the TLS context.', {
    samsaNote: 'Node negotiates the highest version in ssl.enabled.protocols; this value is accepted and otherwise ignored.',
  }),
  def('ssl.cipher.suites', 'list', '', PB, 'Cipher suites allowed on TLS connections; empty means all the TLS library offers.', {
    samsaNote: 'IANA names as Kafka takes them (TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, TLS_AES_256_GCM_SHA384) or OpenSSL\'s; only the listed suites are offered, '
      + 'so a list without TLS 1.3 suites leaves TLS 1.3 unusable. ' + PER_LISTENER,
  }),
  def('ssl.allow.dn.changes', 'boolean', 'false', RO, 'Whether a key store reloaded at runtime may change its certificate\'s subject DN.', { samsaNote: PER_LISTENER }),
  def('ssl.allow.san.changes', 'boolean', 'false', RO, 'Whether a key store reloaded at runtime may drop subject alternative names of its certificate.', { samsaNote: PER_LISTENER }),
  def('ssl.endpoint.identification.algorithm', 'string', 'https', PB, 'How a TLS client checks the server\'s certificate against its host name: https, or empty to skip.', {
    samsaNote: 'Applies to this broker\'s own connections to other brokers and controllers.',
  }),
  def('ssl.principal.mapping.rules', 'string', 'DEFAULT', RO, 'Rules that map a client certificate\'s subject DN to a user name: DEFAULT keeps the DN, RULE:pattern/replacement/[LU] rewrite it.'),
  def('ssl.keystore.type', 'string', 'JKS', PB, 'Format of the key store: PEM for Samsa.', { samsaNote: PEM_ONLY }),
  def('ssl.keystore.location', 'string', null, PB, 'Path of the key store: for PEM, one file holding the private key and its certificate chain.', { samsaNote: `${PER_LISTENER} ${RELOADED}` }),
  def('ssl.keystore.password', 'password', null, PB, 'Password of the key store file (not used with PEM).'),
  def('ssl.keystore.key', 'password', null, PB, 'The private key in PEM, given inline instead of ssl.keystore.location.'),
  def('ssl.keystore.certificate.chain', 'password', null, PB, 'The certificate chain in PEM, given inline with ssl.keystore.key.'),
  def('ssl.key.password', 'password', null, PB, 'Password of an encrypted private key.'),
  def('ssl.truststore.type', 'string', 'JKS', PB, 'Format of the trust store: PEM for Samsa.', { samsaNote: PEM_ONLY }),
  def('ssl.truststore.location', 'string', null, PB, 'Path of the trust store: for PEM, a file of trusted CA certificates.', { samsaNote: `${PER_LISTENER} ${RELOADED}` }),
  def('ssl.truststore.password', 'password', null, PB, 'Password of the trust store file (not used with PEM).'),
  def('ssl.truststore.certificates', 'password', null, PB, 'Trusted certificates in PEM, given inline instead of ssl.truststore.location.'),
];

const TOKEN_DISABLED_NOTE = 'Without it (or with it empty) delegation tokens are disabled: the token APIs answer DELEGATION_TOKEN_AUTH_DISABLED.';

const DELEGATION_TOKENS: readonly ConfigDef[] = [
  def('delegation.token.secret.key', 'password', null, RO, 'Secret key the delegation tokens\' HMACs are made with; the same on every node.', {
    samsaNote: TOKEN_DISABLED_NOTE,
  }),
  def('delegation.token.master.key', 'password', null, RO, 'Older name of delegation.token.secret.key, read when that is not set.'),
  def('delegation.token.max.lifetime.ms', 'long', '604800000', RO, 'Longest a delegation token may live, renewals included; a creation may ask for less.', {
    validator: atLeast(1),
  }),
  def('delegation.token.expiry.time.ms', 'long', '86400000', RO, 'How long a delegation token lives from its creation or last renewal unless renewed.', {
    validator: atLeast(1),
  }),
  def('delegation.token.expiry.check.interval.ms', 'long', '3600000', RO, 'How often the active controller removes expired delegation tokens.', {
    validator: atLeast(1),
  }),
];

/** Every broker config, grouped as above. */
export const BROKER_CONFIGS: readonly ConfigDef[] = [
  ...KRAFT, ...NETWORK, ...LOG, ...TOPICS, ...REPLICATION, ...GROUPS, ...TRANSACTIONS, ...QUOTAS, ...SECURITY, ...OAUTHBEARER, ...DELEGATION_TOKENS,
  ...OBSERVABILITY,
];

const BY_NAME = indexDefs(BROKER_CONFIGS);

export function brokerConfigDef(name: string): ConfigDef | undefined {
  return BY_NAME.get(name);
}

/**
 * Kafka's broker-side synonym groups: describing one of these lists the others
 * in this order (highest precedence first). Every other config is its own group.
 */
const BROKER_SYNONYM_GROUPS: readonly (readonly string[])[] = [
  ['log.roll.ms', 'log.roll.hours'],
  ['log.roll.jitter.ms', 'log.roll.jitter.hours'],
  ['log.retention.ms', 'log.retention.minutes', 'log.retention.hours'],
];

export function brokerSynonymNames(name: string): readonly string[] {
  if (name === 'log.flush.interval.ms') return ['log.flush.interval.ms', 'log.flush.scheduler.interval.ms'];
  return BROKER_SYNONYM_GROUPS.find((group) => group.includes(name)) ?? [name];
}
