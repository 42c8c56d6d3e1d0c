/**
 * The broker role of a process: its logs and replicas, the client listener
 * and handlers, the group coordinator, follower fetchers, the ISR manager,
 * its standing with the controller, and the periodic log work (retention,
 * flushes, checkpoints, compaction), all timed by the process's scheduler.
 * `shutdown()` is the controlled shutdown; `stop()` releases everything.
 */
import { randomUUID } from 'node:crypto';
import type { Server, Socket } from 'node:net';
import type { Server as TlsServer } from 'node:tls';
import {
  FetchPurgatory, FetchSessionCache, IsrManager, ReplicaFetchers, ReplicaManager, logConfigOf, writeTxnMarkers, type Authorizer,
  type BrokerContext, type LoggerLevels,
  ClientMetricsManager, TELEMETRY_MAX_BYTES_DEFAULT,
} from '../broker/index.ts';
import { ControllerApiKey } from '../controller/index.ts';
import {
  GroupCoordinator, InternalTopic, OFFSETS_TOPIC, TRANSACTION_STATE_TOPIC, TransactionCoordinator, group, offsetsTopic,
  groupCoordinatorConfig, txnCoordinatorConfig, type OffsetsTopicDeps,
} from '../coordinator/index.ts';
import {
  ConfigResourceType, delegationTokenSettings, describeTopicConfigs, DynamicBrokerConfig, topicConfig, type BrokerConfig, type DynamicBrokerLayers, type MetadataImage, type TopicConfig,
} from '../metadata/index.ts';
import {
  ClientQuotas, DelegationTokenCredentials, SECURITY_PROTOCOL_IDS, withScramCredentials, withTokenCredentials,
} from '../security/index.ts';
import type { messages } from '../protocol/index.ts';
import { CLEANER_CONFIG_DEFAULTS, LogManager } from '../storage/index.ts';
import { BrokerLifecycle } from './broker-lifecycle.ts';
import type { ControllerChannel } from './controller-channel.ts';
import { driveDeadlines } from './deadline-timer.ts';
import { Dispatcher } from './dispatcher.ts';
import { BrokerConnections, type InterBrokerListener } from './broker-connections.ts';
import { advertisedEndpoint, type ListenerInfo, type PlannedListener } from './listener-plan.ts';
import { TxnMarkerChannel } from './txn-marker-channel.ts';
import { transactionVerifier } from './txn-verifier.ts';
import type { MetadataPublisher } from './metadata-publisher.ts';
import { randomUuid } from './meta-properties.ts';
import { replicaFetchTransport } from './replica-fetch-transport.ts';
import type { NodeInstruments } from './node-instruments.ts';
import { parseLogLevel, type LogFn, type NodeLogging } from './logging.ts';
import type { Scheduler } from './scheduler.ts';
import { createListenerServer, listen, portOf, serve } from './serve.ts';
import { TlsListeners } from './tls-listeners.ts';

/** How long a marker write (and a `__transaction_state` write) waits for its in-sync replicas; Kafka's request.timeout.ms default. */
const MARKER_REQUEST_TIMEOUT_MS = 30_000;
const { partitionForGroup } = group;
/** A transactional write waits at most this long for its coordinator's verification. */
const VERIFY_REQUEST_TIMEOUT_MS = 10_000;
const VERIFY_CONNECT_TIMEOUT_MS = 5000;
/** How often a leader looks for followers to add to or drop from its ISR. */
const ISR_CHECK_MS = 250;

export interface BrokerRoleDeps {
  nodeId: number;
  clusterId: string;
  config: BrokerConfig;
  /** Every broker listener, in `listeners` order; the first is the one `port` and `advertised` report. */
  listeners: readonly PlannedListener[];
  /** Where the other brokers are reached (replica fetches, transaction markers and verification). */
  interBroker: InterBrokerListener;
  scheduler: Scheduler;
  metadata: MetadataPublisher;
  image(): MetadataImage;
  channel: ControllerChannel;
  brokerDefaults: TopicConfig;
  /** Every accepted socket, so the process can close them all on stop. */
  sockets: Set<Socket>;
  activeControllerId(): number;
  describeQuorum(): Promise<messages.DescribeQuorumResponse>;
  /** The ACL authorizer (`authorizer.class.name`), or null: every request allowed. */
  authorizer: Authorizer | null;
  /** Told of every request and connection when the node is measured. */
  instruments: NodeInstruments | null;
  /** The node's named loggers: the broker's parts log through their own, and BROKER_LOGGER configs set their levels. */
  logging: NodeLogging;
  log: LogFn;
}

export interface BrokerRole {
  readonly servers: readonly Server[];
  readonly port: number;
  readonly advertised: { host: string; port: number };
  /** Every broker listener as bound and advertised. */
  readonly listeners: readonly ListenerInfo[];
  /** Resolves once the controller has unfenced this broker. */
  readonly ready: Promise<void>;
  /** This incarnation's broker epoch, -1 until registered. */
  brokerEpoch(): bigint;
  /** What the handlers work with: for read-only views (metrics, health). */
  readonly context: BrokerContext;
  /** Registered and unfenced by the controller (false again while a log directory failure fences it). */
  isUnfenced(): boolean;
  /** Registers with the controller and starts heartbeating. */
  start(): void;
  /** Controlled shutdown: the controller moves this broker's leaderships now. */
  shutdown(): Promise<void>;
  /** Stops the fetchers and the coordinator, checkpoints, wakes waiting fetches and closes the logs. */
  stop(): void;
}

export async function startBrokerRole(deps: BrokerRoleDeps): Promise<BrokerRole> {
  const { nodeId, config, scheduler, metadata, image, channel, log } = deps;
  const clock = scheduler.clock;
  const logs = LogManager.open(config.logDirs, clock, logConfigOf(deps.brokerDefaults), deps.logging.logger('samsa.storage'));
  // Dynamic broker configs (BROKER ConfigRecords for '' and this node) over the static config, per image.
  const dynamic = new DynamicBrokerConfig(config, log);
  const configAt = (img: MetadataImage): BrokerConfig => dynamic.current(img.brokerConfigs(nodeId), img.brokerConfigs(''));
  const layersAt = (img: MetadataImage): DynamicBrokerLayers => dynamic.layers(img.brokerConfigs(nodeId), img.brokerConfigs(''));
  const replicas = new ReplicaManager({ nodeId, logs, clock, log, topicConfig: (img, topic) => effectiveTopicConfig(configAt(img), img, topic) });
  metadata.onChange((img, changes) => replicas.applyMetadata(img, changes));
  const servers: Server[] = [];
  const bound: ListenerInfo[] = [];
  try {
    for (const planned of deps.listeners) {
      const server = createListenerServer(planned.security);
      await listen(server, planned.endpoint.host, planned.endpoint.port);
      servers.push(server);
      const at = advertisedEndpoint(config, planned.endpoint, portOf(server, planned.endpoint.port));
      bound.push({ name: planned.endpoint.name, securityProtocol: planned.security.protocol, host: at.host, port: at.port });
    }
  } catch (e) {
    for (const server of servers) server.close();
    logs.close();
    throw e;
  }
  const port = portOf(servers[0]!, deps.listeners[0]!.endpoint.port);
  const advertised = { host: bound[0]!.host, port: bound[0]!.port };
  const purgatory = new FetchPurgatory(replicas);
  let lifecycle: BrokerLifecycle | null = null;
  const brokerEpoch = (): bigint => lifecycle?.brokerEpoch ?? -1n;

  const groups = startGroupCoordinator({ nodeId, config, image, replicas, controller: channel, log: deps.logging.logger('samsa.coordinator.group') }, scheduler);
  // The coordinator follows leadership of the offsets topic's partitions as metadata arrives.
  metadata.onChange((_img, changes) => {
    if (changes === null || changes.changedTopics.includes(OFFSETS_TOPIC) || changes.deletedTopics.some((t) => t.name === OFFSETS_TOPIC)) {
      groups.coordinator.load(clock.nowMs());
    }
    // KIP-848 groups: new topics, more partitions or deleted topics may change what their members subscribe to.
    if (changes === null || changes.changedTopics.length > 0 || changes.deletedTopics.length > 0) void groups.coordinator.topicsChanged();
  });
  const clientHosts = new Map<number, string>();
  const clientPorts = new Map<number, string>();
  const telemetryMaxBytes = Number(config.raw['telemetry.max.bytes'] ?? TELEMETRY_MAX_BYTES_DEFAULT);
  const clientTelemetry = new ClientMetricsManager(image, () => telemetryMaxBytes, (line) => log(line, 'warn'));
  const broker: BrokerContext = {
    nodeId,
    clusterId: deps.clusterId,
    get config() {
      return configAt(image());
    },
    staticConfig: config,
    dynamicConfigLayers: () => layersAt(image()),
    checkListenerReconfiguration: (next) => tlsListeners.check(next),
    clock,
    advertised,
    image,
    replicas,
    controller: channel,
    authorizer: deps.authorizer,
    activeControllerId: deps.activeControllerId,
    describeQuorum: deps.describeQuorum,
    purgatory,
    fetchSessions: new FetchSessionCache(),
    groups: groups.coordinator,
    get transactions() {
      return transactions.coordinator;
    },
    verifyTransaction: (request) => verify(request),
    clientHost: (connectionId) => clientHosts.get(connectionId) ?? '/unknown',
    clientPort: (connectionId) => clientPorts.get(connectionId) ?? '',
    clientTelemetry,
    log,
    loggers: loggerLevels(deps.logging),
    describeTopicConfigs: (topic) => describeTopicConfigEntries(config, image(), topic, layersAt(image())),
  };
  const transactions = startTransactionCoordinator(broker, scheduler, deps.interBroker, deps.logging.logger('samsa.coordinator.transaction'));
  const verifierConnections = new BrokerConnections(
    image, `samsa-txn-verifier-${nodeId}`, VERIFY_REQUEST_TIMEOUT_MS, VERIFY_CONNECT_TIMEOUT_MS, deps.interBroker,
  );
  const verify = transactionVerifier(nodeId, image, () => transactions.coordinator, verifierConnections);
  metadata.onChange((_img, changes) => {
    if (changes === null || changes.changedTopics.includes(TRANSACTION_STATE_TOPIC)
      || changes.deletedTopics.some((t) => t.name === TRANSACTION_STATE_TOPIC)) {
      transactions.coordinator.load(clock.nowMs());
    }
  });
  // Clients are read once this broker caught up with the metadata, never served from a stale image.
  const caughtUp = metadata.whenCaughtUp();
  const gate = {
    get open() {
      return metadata.isCaughtUp;
    },
    opened: caughtUp,
  };
  const quotas = new ClientQuotas({ samples: config.quotaWindowNum, windowMs: config.quotaWindowSizeSeconds * 1000 }, () => clock.nowMs());
  metadata.onChange((img, changes) => {
    if (changes === null || changes.changedClientQuotas) quotas.update(img.clientQuotas.values());
  });
  const dispatcher = new Dispatcher(broker, undefined, undefined, quotas, deps.instruments);
  // SCRAM logins check the credentials the metadata image has at that moment.
  const scram = (user: string, mechanism: string) => image().scramCredential(user, mechanism);
  // Delegation-token logins (SCRAM with tokenauth=true) check the tokens the image has at that moment.
  const tokens = new DelegationTokenCredentials(image, delegationTokenSettings(config.raw), () => clock.nowMs());
  const tokenLogin = (tokenId: string, mechanism: string) => tokens.lookup(tokenId, mechanism);
  deps.listeners.forEach((planned, i) => serve(
    servers[i]!, dispatcher, config, clientHosts, deps.sockets, deps.logging.logger('samsa.network'), gate, withTokenCredentials(withScramCredentials(planned.security, scram), tokenLogin),
    clientPorts,
  ));
  // TLS listeners take new key and trust stores when this node's dynamic configs change (and at start, from the image's).
  const tlsListeners = new TlsListeners(deps.listeners.flatMap((planned, i) => planned.security.tls === null ? []
    : [{ name: planned.endpoint.name, server: servers[i] as TlsServer, settings: planned.security.tls }]), log);
  const thisBroker = `${ConfigResourceType.Broker}:${nodeId}`;
  metadata.onChange((img, changes) => {
    if (changes === null || changes.changedConfigs.includes(thisBroker)) tlsListeners.apply(configAt(img));
  });
  scheduleLogTasks(config, () => broker.config, logs, replicas, scheduler);

  const fetchers = new ReplicaFetchers({
    nodeId, replicas, image, brokerEpoch, log,
    transport: replicaFetchTransport(nodeId, image, config.replicaFetchWaitMaxMs, deps.interBroker),
    fetch: {
      waitMaxMs: config.replicaFetchWaitMaxMs, minBytes: config.replicaFetchMinBytes,
      partitionMaxBytes: config.replicaFetchMaxBytes, responseMaxBytes: config.replicaFetchResponseMaxBytes,
    },
  });
  metadata.onChange(() => fetchers.sync());
  fetchers.sync();
  const isr = new IsrManager({
    nodeId, replicas, brokerEpoch,
    channel: { alterPartition: (request) => channel.send<messages.AlterPartitionResponse>(ControllerApiKey.AlterPartition, request) },
    lagMaxMs: config.replicaLagTimeMaxMs, nowMs: () => clock.nowMs(), log,
  });
  scheduler.every('ISR check', ISR_CHECK_MS, () => isr.check());
  lifecycle = new BrokerLifecycle({
    nodeId, clusterId: deps.clusterId, incarnationId: randomUuid(), rack: config.brokerRack,
    endpoints: bound.map((l) => ({
      name: l.name, host: l.host, port: l.port, securityProtocol: SECURITY_PROTOCOL_IDS[l.securityProtocol],
    })),
    heartbeatIntervalMs: config.brokerHeartbeatIntervalMs,
    channel,
    appliedOffset: () => metadata.lastAppliedOffset,
    wantFence: () => replicas.offlineLogDirs.length > 0,
    log,
  });
  const standing = lifecycle;
  replicas.onLogDirFailure(() => standing.beatNow());

  return {
    servers,
    port,
    advertised,
    listeners: bound,
    ready: standing.unfenced(),
    brokerEpoch,
    context: broker,
    isUnfenced: () => image().brokers.get(nodeId)?.fenced === false,
    start: () => standing.start(),
    shutdown: () => standing.shutdown(),
    stop: () => {
      fetchers.stop();
      replicas.checkpointProducerState(clock.nowMs(), broker.config.producerIdExpirationMs);
      groups.stop();
      transactions.stop();
      verifierConnections.closeAll();
      purgatory.wakeAll();
      logs.close();
    },
  };
}

/** The cluster's topics as KIP-848 groups subscribe to them (name → id, partition count), rebuilt once per metadata image. */
function topicsViewOf(image: () => MetadataImage): () => ReadonlyMap<string, { topicId: string; numPartitions: number }> {
  let seen: MetadataImage | null = null;
  let view = new Map<string, { topicId: string; numPartitions: number }>();
  return () => {
    const img = image();
    if (img !== seen) {
      seen = img;
      view = new Map([...img.topicsByName].map(([name, t]) => [name, { topicId: t.id, numPartitions: t.partitions.length }]));
    }
    return view;
  };
}

/** The group coordinator, loaded from the `__consumer_offsets` partitions this node leads, with its timer running. */
function startGroupCoordinator(deps: OffsetsTopicDeps, scheduler: Scheduler): { coordinator: GroupCoordinator; stop(): void } {
  const clock = scheduler.clock;
  const coordinator = new GroupCoordinator({
    config: groupCoordinatorConfig(deps.config),
    log: offsetsTopic(deps),
    clock,
    newUuid: randomUUID,
    logLine: deps.log,
    topics: topicsViewOf(deps.image),
  });
  coordinator.load(clock.nowMs());
  const stopTimer = driveDeadlines('group coordinator timer', coordinator, scheduler);
  return {
    coordinator,
    stop: () => {
      stopTimer();
      coordinator.shutdown();
    },
  };
}

/**
 * The transaction coordinator over `__transaction_state` (written through the
 * replica manager like every coordinator log), writing its markers through
 * the WriteTxnMarkers handler here and over broker connections elsewhere.
 */
function startTransactionCoordinator(
  broker: BrokerContext, scheduler: Scheduler, interBroker: InterBrokerListener, log: LogFn,
): { coordinator: TransactionCoordinator; stop(): void } {
  const { config, image, clock } = broker;
  const topic = new InternalTopic(
    { nodeId: broker.nodeId, image, replicas: broker.replicas, controller: broker.controller, log: broker.log },
    {
      name: TRANSACTION_STATE_TOPIC,
      numPartitions: config.transactionStateLogNumPartitions,
      replicationFactor: config.transactionStateLogReplicationFactor,
      segmentBytes: config.transactionStateLogSegmentBytes,
      minInsyncReplicas: config.transactionStateLogMinIsr,
      writeTimeoutMs: MARKER_REQUEST_TIMEOUT_MS,
    },
  );
  const markers = new TxnMarkerChannel(broker, (request) => writeTxnMarkers(broker, request), MARKER_REQUEST_TIMEOUT_MS, interBroker);
  const coordinator = new TransactionCoordinator({
    config: txnCoordinatorConfig(config),
    log: {
      partitionCount: () => topic.partitionCount(),
      ensureTopic: () => topic.ensureTopic(),
      ledPartitions: () => topic.ledPartitions(),
      write: (partition, records, nowMs) => topic.commit(partition, records, nowMs),
      replay: (partition, visit) => topic.replay(partition, { record: (key, value) => visit(key, value) }),
    },
    markers,
    allocateProducerId: () => broker.controller.allocateProducerId(),
    // Kafka's partitionFor: the offsets topic's partition count, or the one it will be created with.
    offsetsPartitionFor: (groupId) => partitionForGroup(groupId, image().topicsByName.get(OFFSETS_TOPIC)?.partitions.length ?? config.offsetsTopicNumPartitions),
    topicExists: (name) => image().topicsByName.has(name),
    clock,
    logLine: log,
  });
  coordinator.load(clock.nowMs());
  const stopTimer = driveDeadlines('transaction coordinator timer', coordinator, scheduler);
  return {
    coordinator,
    stop: () => {
      stopTimer();
      coordinator.shutdown();
      markers.close();
    },
  };
}

/**
 * Retention, flushes, checkpoints and compaction (log.cleaner.enable: the
 * dirtiest due logs, never above their high watermark). A disk error in any
 * of them takes its log directory offline rather than ending the process.
 */
function scheduleLogTasks(
  config: BrokerConfig, current: () => BrokerConfig, logs: LogManager, replicas: ReplicaManager, scheduler: Scheduler,
): void {
  const onDiskError = (e: Error): void => {
    const dir = replicas.logDirOfPath((e as NodeJS.ErrnoException).path);
    if (dir === undefined) throw e;
    replicas.failLogDir(dir, e.message);
  };
  scheduler.every('log retention', config.logRetentionCheckIntervalMs, () => logs.runRetention(), onDiskError);
  scheduler.every('log flush', config.logFlushSchedulerIntervalMs, () => logs.flushDirty(), onDiskError);
  scheduler.every('log checkpoint', config.logFlushOffsetCheckpointIntervalMs, () => {
    logs.checkpoint();
    replicas.checkpointProducerState(scheduler.clock.nowMs(), current().producerIdExpirationMs);
  }, onDiskError);
  if (!config.logCleanerEnable) return;
  let dedupeBufferBytes = config.logCleanerDedupeBufferSize;
  logs.configureCleaner({ dedupeBufferBytes, loadFactor: CLEANER_CONFIG_DEFAULTS.loadFactor });
  // Kafka's first unstable offset: the cleaner takes every transactional batch not listed as aborted for committed,
  // so it stops at the last stable offset (itself at most the high watermark), before any open transaction.
  scheduler.every('log cleaner', config.logCleanerBackoffMs, () => {
    // log.cleaner.dedupe.buffer.size is a dynamic broker config: a new value takes effect at the next run.
    if (current().logCleanerDedupeBufferSize !== dedupeBufferBytes) {
      dedupeBufferBytes = current().logCleanerDedupeBufferSize;
      logs.configureCleaner({ dedupeBufferBytes, loadFactor: CLEANER_CONFIG_DEFAULTS.loadFactor });
    }
    logs.runCleaner({
      cleanableEndOf: (log) => replicas.get(log.topicPartition.topic, log.topicPartition.partition)?.lastStableOffset ?? 0,
    });
  }, onDiskError);
}

function effectiveTopicConfig(config: BrokerConfig, image: MetadataImage, topic: string): TopicConfig {
  const resolved = topicConfig(config, Object.fromEntries(image.topicConfigs(topic)));
  if (resolved.ok) return resolved.config;
  // Overrides were validated when set; a bad one in an old log falls back to the broker defaults.
  const defaults = topicConfig(config, {});
  if (!defaults.ok) throw new Error(defaults.error);
  return defaults.config;
}

function describeTopicConfigEntries(config: BrokerConfig, image: MetadataImage, topic: string, layers: DynamicBrokerLayers) {
  const overrides = Object.fromEntries(image.topicConfigs(topic));
  return describeTopicConfigs(config, overrides, null, layers).map((e) => ({
    name: e.name, value: e.value, readOnly: e.readOnly, configSource: e.source, isSensitive: e.isSensitive,
  }));
}

/** The node's logging as the BROKER_LOGGER handlers see it: log4j level names in and out. */
function loggerLevels(logging: NodeLogging): LoggerLevels {
  return {
    describe: () => logging.describe(),
    exists: (name) => logging.describe().some((l) => l.name === name),
    set: (name, levelText) => {
      const level = levelText === null ? null : parseLogLevel(levelText);
      if (level === null && levelText !== null) return `Invalid log level: ${levelText}. Valid levels are TRACE, DEBUG, INFO, WARN, ERROR, FATAL and OFF`;
      return logging.setLevel(name, level);
    },
  };
}
