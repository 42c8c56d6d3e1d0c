/**
 * One Samsa process with process.roles=broker,controller: opens the logs,
 * replays the metadata log into the image, listens, registers itself, and
 * serves until stopped. This is what `samsa start` and `startBroker()` run.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  FetchPurgatory, FetchSessionCache, IsrManager, ReplicaFetchers, ReplicaManager, logConfigOf, type BrokerContext,
} from '../broker/index.ts';
import { Controller, ControllerApiKey, ControllerService } from '../controller/index.ts';
import {
  GroupCoordinator, OFFSETS_TOPIC, OffsetsTopic, groupCoordinatorConfig, type OffsetsTopicDeps,
} from '../coordinator/index.ts';
import {
  SAMSA_DEFAULT_LISTENERS, describeTopicConfigs, encodeMetadataRecord, parseEndpoints, parseHostPort, resolveBrokerConfig, splitNames,
  topicConfig, validateTopicConfigs, type BrokerConfig, type Endpoint, type MetadataImage,
} from '../metadata/index.ts';
import { Writer, messages } from '../protocol/index.ts';
import { METADATA_TOPIC, MetadataLogStore } from '../raft/metadata-log-store.ts';
import { QuorumDriver } from '../raft/quorum-driver.ts';
import { CLEANER_CONFIG_DEFAULTS, LogManager, type Clock } from '../storage/index.ts';
import { BrokerLifecycle } from './broker-lifecycle.ts';
import { Connection } from './connection.ts';
import { ControllerChannel } from './controller-channel.ts';
import { controllerListenerApis } from './controller-listener.ts';
import { Dispatcher } from './dispatcher.ts';
import { MetadataPublisher } from './metadata-publisher.ts';
import { ensureMetaProperties, randomUuid } from './meta-properties.ts';
import { PeerConnections, type PeerEndpoint } from './peer-connections.ts';
import { describeQuorum } from './quorum-description.ts';
import { RaftTransport } from './raft-transport.ts';
import { replicaFetchTransport } from './replica-fetch-transport.ts';
import { lockDirs, type DirLock } from './dir-lock.ts';

export interface StartOptions {
  /** Port of the client listener; 0 picks a free one. Overrides the port of the first non-controller listener. */
  port?: number;
  /** Host to bind the client listener; default from `listeners`, else 127.0.0.1. */
  host?: string;
  /** Data directory (log.dirs). Without one a temporary directory is used and removed on stop. */
  dataDir?: string;
  /** Kafka configs by name, e.g. { 'num.partitions': '3' }. */
  config?: Record<string, string>;
  /** The cluster id a fresh data directory is formatted with (like `kafka-storage format --cluster-id`). */
  clusterId?: string;
  /** Where the one-line log messages go (default: stderr). */
  log?: (line: string) => void;
}

export interface RunningBroker {
  readonly host: string;
  /** The client listener's port (-1 on a controller-only node). */
  readonly port: number;
  /** `host:port`, for a client's bootstrap servers. */
  readonly bootstrap: string;
  readonly nodeId: number;
  readonly clusterId: string;
  readonly dataDir: string;
  /** The controller listener's port, when this node serves one. */
  readonly controllerPort: number | null;
  /** Resolves once the broker is registered and unfenced (at once on a controller-only node). */
  readonly ready: Promise<void>;
  stop(): Promise<void>;
}

const SECURITY_PROTOCOL_PLAINTEXT = 0;
const CONNECTION_LIMITS_INFLIGHT_MAX = 64;
const TIMER_MS_MAX = 0x7fffffff;
const SESSION_CHECK_MS = 250;
/** How often a leader looks for followers to add to or drop from its ISR. */
const ISR_CHECK_MS = 250;
/** How long a resigning leader keeps its connections open for EndQuorumEpoch to go out. */
const RESIGN_GRACE_MS = 50;
/** Controller requests (and the waits behind them) give up after this long. */
const CONTROLLER_REQUEST_TIMEOUT_MS = 30_000;
const systemClock: Clock = { nowMs: () => Date.now() };

export class ConfigError extends Error {
  readonly code = 'SAMSA_ERR_CONFIG';
}

interface Listeners {
  client: Endpoint | null;
  controller: Endpoint | null;
  controllerName: string;
}

function resolveConfig(options: StartOptions): { config: BrokerConfig; tempDir: string | null } {
  const props: Record<string, string> = { ...options.config };
  let tempDir: string | null = null;
  if (options.dataDir !== undefined) props['log.dirs'] = options.dataDir;
  else if (props['log.dirs'] === undefined && props['log.dir'] === undefined) {
    tempDir = mkdtempSync(join(tmpdir(), 'samsa-'));
    props['log.dirs'] = tempDir;
  }
  const endpoints = parseEndpoints(props.listeners ?? SAMSA_DEFAULT_LISTENERS);
  if (typeof endpoints === 'string') throw new ConfigError(`invalid value '${props.listeners}' for config 'listeners': ${endpoints}`);
  const controllerNames = splitNames(props['controller.listener.names'] ?? null);
  const client = endpoints.find((e) => !controllerNames.includes(e.name));
  if (client !== undefined && (options.host !== undefined || options.port !== undefined)) {
    const host = options.host ?? client.host;
    const port = options.port ?? client.port;
    props.listeners = endpoints.map((e) => e === client ? `${e.name}://${formatHost(host)}:${port}` : `${e.name}://${formatHost(e.host)}:${e.port}`).join(',');
  }
  const resolved = resolveBrokerConfig(props);
  if (!resolved.ok) {
    if (tempDir !== null) rmSync(tempDir, { recursive: true, force: true });
    throw new ConfigError(resolved.error);
  }
  return { config: resolved.config, tempDir };
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function listenersOf(config: BrokerConfig): Listeners {
  const endpoints = parseEndpoints(config.listeners) as Endpoint[];
  const controllerName = config.controllerListenerNames[0] ?? 'CONTROLLER';
  const isBroker = config.processRoles.includes('broker');
  const client = isBroker ? endpoints.find((e) => !config.controllerListenerNames.includes(e.name)) ?? null : null;
  if (isBroker && client === null) throw new ConfigError(`invalid value '${config.listeners}' for config 'listeners': a broker needs a listener that is not a controller listener`);
  if (client !== null && client.name !== 'PLAINTEXT' && config.listenerSecurityProtocolMap[client.name] !== 'PLAINTEXT') {
    throw new ConfigError(`invalid value '${config.listeners}' for config 'listeners': only PLAINTEXT listeners are supported so far`);
  }
  const wantsController = config.processRoles.includes('controller') && config.controllerQuorumVoters.length > 0;
  const controller = wantsController ? endpoints.find((e) => e.name === controllerName) ?? null : null;
  return { client, controller, controllerName };
}

/** controller.quorum.voters as id → endpoint; empty means this node alone. */
function votersOf(config: BrokerConfig): Map<number, PeerEndpoint> {
  const voters = new Map<number, PeerEndpoint>();
  for (const v of config.controllerQuorumVoters) {
    const at = v.indexOf('@');
    const hostPort = parseHostPort(v.slice(at + 1))!;
    voters.set(Number(v.slice(0, at)), { host: hostPort.host === '' ? '127.0.0.1' : hostPort.host, port: hostPort.port });
  }
  return voters;
}

/**
 * A cluster's nodes must share a cluster id. Kafka has operators format each
 * directory with the same id; Samsa derives it from the voter set when none
 * is given, so nodes started with the same controller.quorum.voters agree.
 */
function defaultClusterId(config: BrokerConfig): string | null {
  if (config.controllerQuorumVoters.length === 0) return null;
  return createHash('sha256').update(`samsa-cluster:${[...config.controllerQuorumVoters].sort().join(',')}`).digest().subarray(0, 16).toString('base64url');
}

export async function startBroker(options: StartOptions = {}): Promise<RunningBroker> {
  const held: { lock: DirLock | null } = { lock: null };
  try {
    return await startHoldingLock(options, held);
  } catch (e) {
    // A start that failed half way (a port in use, a bad config) leaves its directories free for the next try.
    held.lock?.release();
    throw e;
  }
}

async function startHoldingLock(options: StartOptions, held: { lock: DirLock | null }): Promise<RunningBroker> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const { config, tempDir } = resolveConfig(options);
  const clock = systemClock;
  const nodeId = config.nodeId;
  const isBroker = config.processRoles.includes('broker');
  const isController = config.processRoles.includes('controller');
  const listeners = listenersOf(config);
  const voterEndpoints = votersOf(config);
  const voters = voterEndpoints.size === 0 ? [nodeId] : [...voterEndpoints.keys()];

  const logDir = config.logDirs[0]!;
  for (const dir of config.logDirs) mkdirSync(dir, { recursive: true });
  mkdirSync(config.metadataLogDir, { recursive: true });
  const dirLock = lockDirs([...config.logDirs, config.metadataLogDir]);
  held.lock = dirLock;
  const meta = ensureMetaProperties(logDir, nodeId, options.clusterId ?? null, defaultClusterId(config));
  for (const dir of config.logDirs.slice(1)) ensureMetaProperties(dir, nodeId, meta.clusterId, null);

  const brokerDefaults = topicConfig(config, {});
  if (!brokerDefaults.ok) throw new ConfigError(brokerDefaults.error);
  const store = MetadataLogStore.open(join(config.metadataLogDir, `${METADATA_TOPIC}-0`), logConfigOf(brokerDefaults.config), clock);
  const metadata = new MetadataPublisher();
  const image = (): MetadataImage => metadata.image;
  const tickMs = Math.min(50, Math.max(5, Math.round(config.controllerQuorumElectionTimeoutMs / 20)));
  const driver = new QuorumDriver({
    nodeId, voters, store, stateMachine: metadata, tickMs,
    electionTimeoutMs: config.controllerQuorumElectionTimeoutMs,
    fetchTimeoutMs: config.controllerQuorumFetchTimeoutMs,
    snapshotEveryBytes: config.metadataLogMaxRecordBytesBetweenSnapshots,
    leaderChangeRecord: (epoch, leaderId) => leaderChangeRecord(leaderId, voters),
    log,
  });
  // Raft and controller requests travel on separate connections: a peer answers a connection's requests in
  // order, and a heartbeat waiting for its records to commit must not hold back the fetches that commit them.
  const raftPeers = new PeerConnections(voterEndpoints, `samsa-raft-${nodeId}`, CONTROLLER_REQUEST_TIMEOUT_MS);
  const peers = new PeerConnections(voterEndpoints, `samsa-node-${nodeId}`, CONTROLLER_REQUEST_TIMEOUT_MS);

  let controller: Controller | null = null;
  let service: ControllerService | null = null;
  if (isController) {
    controller = new Controller({
      nodeId,
      image,
      commit: async (records) => {
        await driver.propose(records.map(encodeMetadataRecord));
      },
      defaultPartitions: () => config.numPartitions,
      defaultReplicationFactor: () => config.defaultReplicationFactor,
      deleteTopicEnable: () => config.deleteTopicEnable,
      validateTopicConfigs: (configs) =>
        validateTopicConfigs(Object.fromEntries([...configs].filter(([, v]) => v !== null)) as Record<string, string>)?.errorMessage ?? null,
    });
    service = new ControllerService({ controller, isActive: () => driver.isLeader(), nowMs: () => clock.nowMs() });
    const active = controller;
    driver.onLeaderChange((status) => {
      if (status.role !== 'leader') return;
      log(`node ${nodeId} is the active controller (epoch ${status.epoch})`);
      active.resetSessions();
      active.bootstrap().catch((e: Error) => log(`controller bootstrap failed: ${e.message}`));
    });
  }

  const imageWaiters: (() => void)[] = [];
  metadata.onChange(() => {
    for (const w of imageWaiters.splice(0)) w();
  });
  let lifecycle: BrokerLifecycle | null = null;
  const channel = new ControllerChannel({
    nodeId, driver, local: service, peers, image,
    imageChanged: () => new Promise((resolve) => imageWaiters.push(resolve)),
    brokerEpoch: () => lifecycle?.brokerEpoch ?? -1n,
    requestTimeoutMs: CONTROLLER_REQUEST_TIMEOUT_MS,
  });

  const servers: Server[] = [];
  const sockets = new Set<Socket>();
  const stoppers: (() => void)[] = [];
  let controllerPort: number | null = null;
  if (listeners.controller !== null && service !== null) {
    const apis = controllerListenerApis(nodeId, driver, service,
      () => describeQuorum(driver, tickMs, clock.nowMs(), voterEndpoints, listeners.controllerName));
    const controllerContext = { nodeId, image } as unknown as BrokerContext;
    const server = createServer();
    await listen(server, listeners.controller.host, listeners.controller.port);
    controllerPort = portOf(server, listeners.controller.port);
    serve(server, new Dispatcher(controllerContext, apis.handlers, apis.apis), config, new Map(), sockets, log);
    servers.push(server);
  }

  let clientPort = -1;
  let advertised = { host: '127.0.0.1', port: -1 };
  let logs: LogManager | null = null;
  let groups: { coordinator: GroupCoordinator; stop(): void } | null = null;
  let purgatory: FetchPurgatory | null = null;
  if (isBroker && listeners.client !== null) {
    const brokerLogs = LogManager.open(config.logDirs, clock, logConfigOf(brokerDefaults.config), log);
    logs = brokerLogs;
    const replicas = new ReplicaManager({ nodeId, logs: brokerLogs, clock, log, topicConfig: (img, topic) => effectiveTopicConfig(config, img, topic) });
    metadata.onChange((img, changes) => replicas.applyMetadata(img, changes));
    const server = createServer();
    await listen(server, listeners.client.host, listeners.client.port);
    clientPort = portOf(server, listeners.client.port);
    advertised = advertisedEndpoint(config, listeners.client, clientPort);
    purgatory = new FetchPurgatory(replicas);
    const started = startGroupCoordinator({ nodeId, config, image, replicas, controller: channel, log }, clock);
    groups = started;
    // The coordinator follows leadership of the offsets topic's partitions as metadata arrives.
    metadata.onChange((_img, changes) => {
      if (changes === null || changes.changedTopics.includes(OFFSETS_TOPIC) || changes.deletedTopics.some((t) => t.name === OFFSETS_TOPIC)) {
        started.coordinator.load(clock.nowMs());
      }
    });
    const clientHosts = new Map<number, string>();
    const broker: BrokerContext = {
      nodeId,
      clusterId: meta.clusterId,
      config,
      clock,
      advertised,
      image,
      replicas,
      controller: channel,
      activeControllerId: () => activeControllerId(driver, image(), nodeId),
      describeQuorum: () => forwardDescribeQuorum(driver, peers, () => describeQuorum(driver, tickMs, clock.nowMs(), voterEndpoints, listeners.controllerName)),
      purgatory,
      fetchSessions: new FetchSessionCache(),
      groups: started.coordinator,
      clientHost: (connectionId) => clientHosts.get(connectionId) ?? '/unknown',
      log,
      describeTopicConfigs: (topic, _configs) => describeTopicConfigEntries(config, image(), topic),
    };
    serve(server, new Dispatcher(broker), config, clientHosts, sockets, log);
    servers.push(server);
    for (const t of startTimers(config, brokerLogs, replicas, clock, log)) stoppers.push(() => clearInterval(t));
    stoppers.push(() => replicas.checkpointProducerState(clock.nowMs(), config.producerIdExpirationMs));
    const fetchers = new ReplicaFetchers({
      nodeId, replicas, image, brokerEpoch: () => lifecycle?.brokerEpoch ?? -1n, log,
      transport: replicaFetchTransport(nodeId, image, config.replicaFetchWaitMaxMs),
      fetch: {
        waitMaxMs: config.replicaFetchWaitMaxMs, minBytes: config.replicaFetchMinBytes,
        partitionMaxBytes: config.replicaFetchMaxBytes, responseMaxBytes: config.replicaFetchResponseMaxBytes,
      },
    });
    metadata.onChange(() => fetchers.sync());
    fetchers.sync();
    stoppers.push(() => fetchers.stop());
    const isr = new IsrManager({
      nodeId, replicas, brokerEpoch: () => lifecycle?.brokerEpoch ?? -1n,
      channel: { alterPartition: (request) => channel.send<messages.AlterPartitionResponse>(ControllerApiKey.AlterPartition, request) },
      lagMaxMs: config.replicaLagTimeMaxMs, nowMs: () => clock.nowMs(), log,
    });
    const isrTimer = setInterval(() => {
      try {
        isr.check();
      } catch (e) {
        log(`ISR check failed: ${(e as Error).message}`);
      }
    }, ISR_CHECK_MS);
    isrTimer.unref();
    stoppers.push(() => clearInterval(isrTimer));
    lifecycle = new BrokerLifecycle({
      nodeId, clusterId: meta.clusterId, incarnationId: randomUuid(), rack: config.brokerRack,
      endpoints: [{ name: listeners.client.name, host: advertised.host, port: advertised.port, securityProtocol: SECURITY_PROTOCOL_PLAINTEXT }],
      heartbeatIntervalMs: config.brokerHeartbeatIntervalMs,
      channel,
      appliedOffset: () => metadata.lastAppliedOffset,
      wantFence: () => replicas.offlineLogDirs.length > 0,
      log,
    });
    replicas.onLogDirFailure(() => lifecycle?.beatNow());
  }

  driver.start(new RaftTransport(raftPeers, driver, meta.clusterId));
  if (controller !== null) {
    const active = controller;
    const timer = setInterval(() => {
      if (!driver.isLeader()) return;
      active.expireSessions(clock.nowMs(), config.brokerSessionTimeoutMs).then((fenced) => {
        for (const id of fenced) log(`broker ${id} missed its heartbeats for ${config.brokerSessionTimeoutMs} ms and is fenced`);
      }, (e: Error) => log(`broker session check failed: ${e.message}`));
    }, SESSION_CHECK_MS);
    timer.unref();
    stoppers.push(() => clearInterval(timer));
    if (config.autoLeaderRebalanceEnable) {
      const rebalance = setInterval(() => {
        if (!driver.isLeader()) return;
        active.electPreferredLeaders().then((moved) => {
          if (moved > 0) log(`moved ${moved} partition leaderships back to their preferred replicas`);
        }, (e: Error) => log(`preferred leader election failed: ${e.message}`));
      }, Math.min(config.leaderImbalanceCheckIntervalSeconds * 1000, TIMER_MS_MAX));
      rebalance.unref();
      stoppers.push(() => clearInterval(rebalance));
    }
  }
  lifecycle?.start();
  const ready = lifecycle?.unfenced() ?? Promise.resolve();
  // A node that is the whole quorum is ready in milliseconds: wait for it, so the caller can use it at once.
  if (voterEndpoints.size === 0) await ready;

  let stopped: Promise<void> | null = null;
  const host = advertised.host;
  return {
    host, port: clientPort, bootstrap: `${host}:${clientPort}`, nodeId, clusterId: meta.clusterId, dataDir: logDir, controllerPort, ready,
    stop: () => (stopped ??= (async () => {
      await lifecycle?.shutdown();
      if (driver.isLeader() && voters.length > 1) {
        // Hand over before going: EndQuorumEpoch lets the others elect a successor without waiting out a timeout.
        driver.resign();
        await new Promise((resolve) => setTimeout(resolve, RESIGN_GRACE_MS));
      }
      for (const stop of stoppers) stop();
      groups?.stop();
      await Promise.all(servers.map((server) => new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const c of sockets) c.destroy();
      })));
      driver.stop();
      peers.close();
      purgatory?.wakeAll();
      logs?.close();
      store.close();
      dirLock.release();
      if (tempDir !== null) rmSync(tempDir, { recursive: true, force: true });
    })()),
  };
}

function portOf(server: Server, fallback: number): number {
  const address = server.address();
  return typeof address === 'object' && address !== null ? address.port : fallback;
}

/** advertised.listeners' entry for the client listener, else the bound address (loopback for a wildcard bind). */
function advertisedEndpoint(config: BrokerConfig, client: Endpoint, port: number): { host: string; port: number } {
  const advertised = config.advertisedListeners === null ? [] : parseEndpoints(config.advertisedListeners) as Endpoint[];
  const entry = advertised.find((e) => e.name === client.name);
  if (entry !== undefined) return { host: entry.host, port: entry.port === 0 ? port : entry.port };
  const host = client.host === '' || client.host === '0.0.0.0' || client.host === '::' ? '127.0.0.1' : client.host;
  return { host, port };
}

/** Metadata's controllerId: clients send admin requests there, so it must be a broker; any broker forwards them. */
function activeControllerId(driver: QuorumDriver, image: MetadataImage, self: number): number {
  const leader = driver.leaderId();
  if (leader !== null && image.brokers.get(leader)?.fenced === false) return leader;
  return self;
}

async function forwardDescribeQuorum(
  driver: QuorumDriver, peers: PeerConnections, local: () => messages.DescribeQuorumResponse,
): Promise<messages.DescribeQuorumResponse> {
  const leader = driver.leaderId();
  if (driver.isLeader() || leader === null || !peers.has(leader)) return local();
  try {
    return await peers.request<messages.DescribeQuorumResponse>(leader, DESCRIBE_QUORUM_KEY, {
      ...messages.DescribeQuorumRequest.defaults(),
      topics: [{ ...messages.defaultDescribeQuorumRequestTopicData(), topicName: METADATA_TOPIC, partitions: [{ ...messages.defaultDescribeQuorumRequestPartitionData(), partitionIndex: 0 }] }],
    });
  } catch {
    return local();
  }
}

const DESCRIBE_QUORUM_KEY = 55;

/** The LeaderChangeMessage a new quorum leader writes first. */
function leaderChangeRecord(leaderId: number, voters: readonly number[]): Buffer {
  const w = new Writer(64);
  const voterList = voters.map((voterId) => ({ ...messages.defaultLeaderChangeMessageVoter(), voterId }));
  messages.LeaderChangeMessage.encode(w, {
    ...messages.LeaderChangeMessage.defaults(), version: 0, leaderId, voters: voterList, grantingVoters: voterList,
  }, 0);
  return w.toBuffer();
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

let nextConnectionId = 1;

function serve(
  server: Server, dispatcher: Dispatcher, config: BrokerConfig, clientHosts: Map<number, string>, sockets: Set<Socket>,
  log: (line: string) => void,
): void {
  const limits = { frameBytesMax: config.socketRequestMaxBytes, inflightRequestsMax: CONNECTION_LIMITS_INFLIGHT_MAX };
  server.on('connection', (socket) => {
    sockets.add(socket);
    const id = nextConnectionId++;
    // Kafka reports a member's host as InetAddress.toString(): "/" and the address.
    clientHosts.set(id, `/${socket.remoteAddress ?? 'unknown'}`);
    new Connection(id, socket, dispatcher, limits, () => {
      sockets.delete(socket);
      clientHosts.delete(id);
    }, log);
  });
}

/** The group coordinator, loaded from the `__consumer_offsets` partitions this node leads, with its timer running. */
function startGroupCoordinator(deps: OffsetsTopicDeps, clock: Clock): { coordinator: GroupCoordinator; stop(): void } {
  const coordinator = new GroupCoordinator({
    config: groupCoordinatorConfig(deps.config),
    log: new OffsetsTopic(deps),
    clock,
    newUuid: randomUUID,
    logLine: deps.log,
  });
  coordinator.load(clock.nowMs());
  const timer = driveGroupTimers(coordinator, clock, deps.log);
  return {
    coordinator,
    stop: () => {
      timer.stop();
      coordinator.shutdown();
    },
  };
}

/**
 * The group coordinator's one timer: armed for its earliest deadline,
 * re-armed whenever its deadlines change, unref'd so it never keeps the
 * process alive.
 */
function driveGroupTimers(groups: GroupCoordinator, clock: Clock, log: (line: string) => void): { stop(): void } {
  let timer: NodeJS.Timeout | null = null;
  let armedForMs: number | null = null;
  let stopped = false;
  const arm = (): void => {
    if (stopped) return;
    const next = groups.nextDeadlineMs();
    if (timer !== null && next === armedForMs) return;
    if (timer !== null) clearTimeout(timer);
    timer = null;
    armedForMs = next;
    if (next === null) return;
    timer = setTimeout(() => {
      timer = null;
      armedForMs = null;
      try {
        groups.tick(clock.nowMs());
      } catch (e) {
        log(`group coordinator timer failed: ${(e as Error).stack ?? (e as Error).message}`);
      }
      arm();
    }, Math.min(Math.max(next - clock.nowMs(), 0), TIMER_MS_MAX));
    timer.unref();
  };
  groups.onDeadlinesChanged(arm);
  arm();
  return {
    stop: () => {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
    },
  };
}

function startTimers(config: BrokerConfig, logs: LogManager, replicas: ReplicaManager, clock: Clock, log: (line: string) => void): NodeJS.Timeout[] {
  let lastFailure = '';
  const every = (ms: number, fn: () => void): NodeJS.Timeout => {
    // A disk error in a timer must never escape it (it would end the process): it takes its log directory
    // offline, and anything else is logged once per distinct message.
    const guarded = (): void => {
      try {
        fn();
      } catch (e) {
        const path = (e as NodeJS.ErrnoException).path;
        const dir = typeof path === 'string' ? config.logDirs.find((d) => path.startsWith(d)) : undefined;
        if (dir !== undefined) replicas.failLogDir(dir, (e as Error).message);
        else if ((e as Error).message !== lastFailure) log(`background log task failed: ${(e as Error).message}`);
        lastFailure = (e as Error).message;
      }
    };
    // Kafka's "never" (Long.MAX) arrives as MAX_SAFE_INTEGER; timers take at most 2^31-1 ms.
    const t = setInterval(guarded, Math.min(Math.max(ms, 10), TIMER_MS_MAX));
    t.unref();
    return t;
  };
  return [
    every(config.logRetentionCheckIntervalMs, () => logs.runRetention()),
    every(config.logFlushSchedulerIntervalMs, () => logs.flushDirty()),
    every(config.logFlushOffsetCheckpointIntervalMs, () => {
      logs.checkpoint();
      replicas.checkpointProducerState(clock.nowMs(), config.producerIdExpirationMs);
    }),
    ...(config.logCleanerEnable ? [startCleaner(config, logs, replicas, every)] : []),
  ];
}

/** Compaction (log.cleaner.enable): every log.cleaner.backoff.ms, the dirtiest due logs, never above their high watermark. */
function startCleaner(
  config: BrokerConfig, logs: LogManager, replicas: ReplicaManager, every: (ms: number, fn: () => void) => NodeJS.Timeout,
): NodeJS.Timeout {
  logs.configureCleaner({ dedupeBufferBytes: config.logCleanerDedupeBufferSize, loadFactor: CLEANER_CONFIG_DEFAULTS.loadFactor });
  return every(config.logCleanerBackoffMs, () => logs.runCleaner({
    cleanableEndOf: (log) => replicas.get(log.topicPartition.topic, log.topicPartition.partition)?.highWatermark ?? 0,
  }));
}

function effectiveTopicConfig(config: BrokerConfig, image: MetadataImage, topic: string) {
  const resolved = topicConfig(config, Object.fromEntries(image.topicConfigs(topic)));
  if (resolved.ok) return resolved.config;
  // Overrides were validated when set; a bad one in an old log falls back to the broker defaults.
  const defaults = topicConfig(config, {});
  if (!defaults.ok) throw new ConfigError(defaults.error);
  return defaults.config;
}

function describeTopicConfigEntries(config: BrokerConfig, image: MetadataImage, topic: string) {
  const overrides = Object.fromEntries(image.topicConfigs(topic));
  return describeTopicConfigs(config, overrides).map((e) => ({
    name: e.name, value: e.value, readOnly: e.readOnly, configSource: e.source, isSensitive: e.isSensitive,
  }));
}
