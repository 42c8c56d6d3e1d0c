/**
 * One Samsa process: resolves its config, locks its directories, opens the
 * metadata quorum, and assembles the roles it has (process.roles: the
 * controller role, the broker role, or both) on one scheduler; it serves
 * until stopped. This is what `samsa start` and `startBroker()` run.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import type { Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logConfigOf, type BrokerContext } from '../broker/index.ts';
import {
  SAMSA_DEFAULT_LISTENERS, parseEndpoints, parseHostPort, resolveBrokerConfig, splitNames,
  topicConfig, type BrokerConfig, type Endpoint, type MetadataImage,
} from '../metadata/index.ts';
import { ApiKey, Writer, messages } from '../protocol/index.ts';
import { METADATA_TOPIC, MetadataLogStore } from '../raft/metadata-log-store.ts';
import { QuorumDriver } from '../raft/quorum-driver.ts';
import type { Clock } from '../storage/index.ts';
import { startBrokerRole, type BrokerRole } from './broker-role.ts';
import { ConfigError } from './config-error.ts';
import { ControllerChannel } from './controller-channel.ts';
import { controllerListenerApis } from './controller-listener.ts';
import { startControllerRole } from './controller-role.ts';
import { lockDirs, type DirLock } from './dir-lock.ts';
import { Dispatcher } from './dispatcher.ts';
import { MetadataPublisher } from './metadata-publisher.ts';
import { ensureMetaProperties } from './meta-properties.ts';
import { PeerConnections, PeerLoginLog, type PeerEndpoint } from './peer-connections.ts';
import { describeQuorum } from './quorum-description.ts';
import { RaftTransport } from './raft-transport.ts';
import type { NodeInstruments } from './node-instruments.ts';
import type { NodeView } from './node-view.ts';
import { createScheduler } from './scheduler.ts';
import { NodeLogging, parseLogLevel, type LogFormat, type LogRecord } from './logging.ts';
import {
  controllerClientSecurity, interBrokerListener, interBrokerListenerName, planListener, type ListenerInfo, type PlannedListener,
} from './listener-plan.ts';
import { createListenerServer, listen, portOf, serve } from './serve.ts';
import { SUPPORTED_SASL_MECHANISMS, SecurityConfigError, authorizerFromConfig, hasUsableMechanism, type ClientSecurity } from '../security/index.ts';

export interface StartOptions {
  /**
   * Port of the client listener; 0 picks a free one. Overrides the port of the first non-controller listener.
   * More listeners (SSL, SASL_SSL, …) come from the `listeners` config with their `ssl.*` and `sasl.*` configs.
   */
  port?: number;
  /** Host to bind the client listener; default from `listeners`, else 127.0.0.1. */
  host?: string;
  /** Data directory (log.dirs). Without one a temporary directory is used and removed on stop. */
  dataDir?: string;
  /** Kafka configs by name, e.g. { 'num.partitions': '3' }. */
  config?: Record<string, string>;
  /** The cluster id a fresh data directory is formatted with (like `kafka-storage format --cluster-id`). */
  clusterId?: string;
  /**
   * Where the log goes: each event's message, and its record (time, level, logger). Default: stderr, one
   * formatted line per event (`logFormat`); an embedded broker then prints warnings and errors only (`log.level`).
   */
  log?: (message: string, record: LogRecord) => void;
  /** How events are written when `log` is not given: human-readable lines (default) or JSON. */
  logFormat?: LogFormat;
  /** Where the formatted lines go when `log` is not given (default: stderr). */
  logOutput?: (line: string) => void;
  /** Told of every request and connection (the metrics endpoint's hooks); none by default. */
  instruments?: NodeInstruments;
}

export interface RunningBroker {
  readonly host: string;
  /** The client listener's port (-1 on a controller-only node). */
  readonly port: number;
  /** `host:port`, for a client's bootstrap servers. */
  readonly bootstrap: string;
  /** Every broker listener (name, security protocol, advertised host and port), in `listeners` order; empty on a controller-only node. */
  readonly listeners: readonly ListenerInfo[];
  readonly nodeId: number;
  readonly clusterId: string;
  readonly dataDir: string;
  /** The controller listener's port, when this node serves one. */
  readonly controllerPort: number | null;
  /** Resolves once the broker is registered and unfenced (at once on a controller-only node). */
  readonly ready: Promise<void>;
  /** A read-only look inside, for metrics and health checks. */
  readonly view: NodeView;
  /** The node's loggers and their levels (changeable at runtime). */
  readonly logging: NodeLogging;
  stop(): Promise<void>;
}

/** How long a resigning leader keeps its connections open for EndQuorumEpoch to go out. */
const RESIGN_GRACE_MS = 50;
/** Controller requests (and the waits behind them) give up after this long. */
const CONTROLLER_REQUEST_TIMEOUT_MS = 30_000;
const systemClock: Clock = { nowMs: () => Date.now() };

export { ConfigError };

interface Listeners {
  /** The broker listeners, in `listeners` order (none on a controller-only node). */
  client: PlannedListener[];
  controller: PlannedListener | null;
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

function listenersOf(config: BrokerConfig, log: (line: string, level?: 'warn') => void): Listeners {
  const endpoints = parseEndpoints(config.listeners) as Endpoint[];
  const controllerName = config.controllerListenerNames[0] ?? 'CONTROLLER';
  const isBroker = config.processRoles.includes('broker');
  const client = isBroker ? endpoints.filter((e) => !config.controllerListenerNames.includes(e.name)).map((e) => planListener(config, e, log)) : [];
  if (isBroker && client.length === 0) throw new ConfigError(`invalid value '${config.listeners}' for config 'listeners': a broker needs a listener that is not a controller listener`);
  const wantsController = config.processRoles.includes('controller') && config.controllerQuorumVoters.length > 0;
  const controllerEndpoint = wantsController ? endpoints.find((e) => e.name === controllerName) ?? null : null;
  const controller = controllerEndpoint === null ? null : planListener(config, controllerEndpoint, log);
  for (const l of [...client, ...(controller === null ? [] : [controller])]) {
    if (l.security.sasl !== null && !hasUsableMechanism(l.security.sasl)) {
      log(`listener ${l.endpoint.name}: none of sasl.enabled.mechanisms (${l.security.sasl.enabledMechanisms.join(', ')}) is implemented by Samsa (${SUPPORTED_SASL_MECHANISMS.join(', ')} are); every SASL client will be refused`, 'warn');
    }
  }
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

function authorizerOf(config: BrokerConfig, log: (line: string) => void): ReturnType<typeof authorizerFromConfig> {
  try {
    return authorizerFromConfig(config, log);
  } catch (e) {
    if (e instanceof SecurityConfigError) throw new ConfigError(e.message);
    throw e;
  }
}

/**
 * Configs an embedded broker (one started in a test or an app) defaults to,
 * where Kafka's own development config does the same: a consumer group does
 * not wait 3 s for more members before its first assignment.
 */
const EMBEDDED_DEFAULTS: Readonly<Record<string, string>> = { 'group.initial.rebalance.delay.ms': '0' };

/** An embedded broker: Kafka's configs with the development defaults above, and silent unless given a log. */
export function startBroker(options: StartOptions = {}): Promise<RunningBroker> {
  // Quiet unless asked: warnings and errors only, unless given a log function or a level.
  const quiet: Record<string, string> = options.log === undefined ? { 'log.level': 'WARN' } : {};
  return startNode({ ...options, config: { ...EMBEDDED_DEFAULTS, ...quiet, ...options.config } });
}

/** A node as `samsa start` runs it: Kafka's defaults, logging to stderr unless given a log. */
export async function startNode(options: StartOptions = {}): Promise<RunningBroker> {
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
  const { config, tempDir } = resolveConfig(options);
  const clock = systemClock;
  const nodeId = config.nodeId;
  const sink = options.log;
  const logging = new NodeLogging({
    out: sink !== undefined ? (_text, record) => sink(record.message, record) : options.logOutput ?? ((text) => process.stderr.write(`${text}\n`)),
    format: options.logFormat, level: parseLogLevel(config.logLevel) ?? 'info', fields: { node: nodeId },
  });
  const log = logging.logger('samsa.server');
  const isBroker = config.processRoles.includes('broker');
  const isController = config.processRoles.includes('controller');
  const listeners = listenersOf(config, log);
  const authorizer = authorizerOf(config, logging.logger('samsa.security'));
  const voterEndpoints = votersOf(config);
  // A node with peers must be able to log in to them now; a lone node finds out only if it ever connects.
  const hasPeers = voterEndpoints.size > 1 || !isController;
  const interBroker = isBroker
    ? interBrokerListener(config, interBrokerListenerName(config, listeners.client.map((l) => l.endpoint.name)), hasPeers)
    : null;
  const toControllers: ClientSecurity = voterEndpoints.size > 0 && hasPeers
    ? controllerClientSecurity(config, listeners.controllerName)
    : { tls: null, sasl: null };
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
  // The controller works on every applied entry; the broker side sees the image only once it caught up.
  const image = (): MetadataImage => metadata.image;
  const brokerImage = (): MetadataImage => metadata.publishedImage;
  const tickMs = Math.min(50, Math.max(5, Math.round(config.controllerQuorumElectionTimeoutMs / 20)));
  const driver = new QuorumDriver({
    nodeId, voters, store, stateMachine: metadata, tickMs,
    electionTimeoutMs: config.controllerQuorumElectionTimeoutMs,
    fetchTimeoutMs: config.controllerQuorumFetchTimeoutMs,
    snapshotEveryBytes: config.metadataLogMaxRecordBytesBetweenSnapshots,
    leaderChangeRecord: (epoch, leaderId) => leaderChangeRecord(leaderId, voters),
    log: logging.logger('samsa.raft'),
  });
  // Raft and controller requests travel on separate connections: a peer answers a connection's requests in
  // order, and a heartbeat waiting for its records to commit must not hold back the fetches that commit them.
  const logins = new PeerLoginLog(log);
  const raftPeers = new PeerConnections(voterEndpoints, `samsa-raft-${nodeId}`, CONTROLLER_REQUEST_TIMEOUT_MS, toControllers, logins);
  const peers = new PeerConnections(voterEndpoints, `samsa-node-${nodeId}`, CONTROLLER_REQUEST_TIMEOUT_MS, toControllers, logins);

  const scheduler = createScheduler(clock, log);
  const controllerRole = isController ? startControllerRole({ nodeId, config, image, driver, scheduler, log: logging.logger('samsa.controller') }) : null;
  const service = controllerRole?.service ?? null;

  const imageWaiters: (() => void)[] = [];
  metadata.onChange(() => {
    for (const w of imageWaiters.splice(0)) w();
  });
  let brokerRole: BrokerRole | null = null;
  let brokerEpoch: () => bigint = () => -1n;
  const channel = new ControllerChannel({
    nodeId, driver, local: service, peers, image: brokerImage,
    imageChanged: () => new Promise((resolve) => imageWaiters.push(resolve)),
    brokerEpoch: () => brokerEpoch(),
    requestTimeoutMs: CONTROLLER_REQUEST_TIMEOUT_MS,
  });

  const servers: Server[] = [];
  const sockets = new Set<Socket>();
  const closeServers = (): Promise<void[]> => Promise.all(servers.map((server) => new Promise<void>((resolve) => {
    server.close(() => resolve());
    for (const c of sockets) c.destroy();
  })));
  let controllerPort: number | null = null;
  try {
    if (listeners.controller !== null && service !== null) {
      const apis = controllerListenerApis(nodeId, driver, service,
        () => describeQuorum(driver, tickMs, clock.nowMs(), voterEndpoints, listeners.controllerName), log);
      const controllerHosts = new Map<number, string>();
      // What the controller listener's handlers use of a broker context: the authorizer over the controller's image.
      const controllerContext = {
        nodeId, image, authorizer, clientHost: (id: number) => controllerHosts.get(id) ?? '/unknown',
      } as unknown as BrokerContext;
      const controllerListener = listeners.controller;
      const server = createListenerServer(controllerListener.security);
      await listen(server, controllerListener.endpoint.host, controllerListener.endpoint.port);
      controllerPort = portOf(server, controllerListener.endpoint.port);
      serve(server, new Dispatcher(controllerContext, apis.handlers, apis.apis, null, options.instruments ?? null), config, controllerHosts, sockets, logging.logger('samsa.network'), null, controllerListener.security);
      servers.push(server);
    }
    if (isBroker && interBroker !== null) {
      brokerRole = await startBrokerRole({
        nodeId, clusterId: meta.clusterId, config, listeners: listeners.client, interBroker, scheduler, metadata, image: brokerImage, channel,
        brokerDefaults: brokerDefaults.config, sockets, log: logging.logger('samsa.broker'), logging, authorizer, instruments: options.instruments ?? null,
        activeControllerId: () => activeControllerId(driver, brokerImage(), nodeId),
        describeQuorum: () => forwardDescribeQuorum(driver, peers, () => describeQuorum(driver, tickMs, clock.nowMs(), voterEndpoints, listeners.controllerName)),
      });
      servers.push(...brokerRole.servers);
      const started = brokerRole;
      brokerEpoch = () => started.brokerEpoch();
    }
  } catch (e) {
    // Half started (a port in use): release what was opened, so the same process may try again.
    scheduler.stop();
    await closeServers();
    peers.close();
    raftPeers.close();
    store.close();
    throw e;
  }
  const role = brokerRole;

  driver.start(new RaftTransport(raftPeers, driver, meta.clusterId, log));
  role?.start();
  const ready = role?.ready ?? Promise.resolve();
  // A node that is the whole quorum is ready in milliseconds: wait for it, so the caller can use it at once.
  if (voterEndpoints.size === 0) await ready;

  let stopped: Promise<void> | null = null;
  const view: NodeView = {
    nodeId, isController, broker: role?.context ?? null,
    quorum: () => driver.status(),
    image,
    notReadyReason: () => {
      if (stopped !== null) return 'stopping';
      if (!metadata.isCaughtUp) return 'catching up with the metadata log';
      if (role !== null && !role.isUnfenced()) return role.brokerEpoch() < 0n ? 'not registered with the controller yet' : 'fenced by the controller';
      if (role === null && driver.leaderId() === null) return 'no metadata quorum leader';
      return null;
    },
  };
  const host = role?.advertised.host ?? '127.0.0.1';
  const clientPort = role?.port ?? -1;
  return {
    host, port: clientPort, bootstrap: `${host}:${clientPort}`, listeners: role?.listeners ?? [], nodeId, clusterId: meta.clusterId, dataDir: logDir, controllerPort, ready, view, logging,
    stop: () => (stopped ??= (async () => {
      await role?.shutdown();
      if (driver.isLeader() && voters.length > 1) {
        // Hand over before going: EndQuorumEpoch lets the others elect a successor without waiting out a timeout.
        driver.resign();
        await new Promise((resolve) => setTimeout(resolve, RESIGN_GRACE_MS));
      }
      scheduler.stop();
      await closeServers();
      driver.stop();
      peers.close();
      raftPeers.close();
      role?.stop();
      store.close();
      dirLock.release();
      if (tempDir !== null) rmSync(tempDir, { recursive: true, force: true });
    })()),
  };
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
    return await peers.request(leader, ApiKey.DescribeQuorum, {
      ...messages.DescribeQuorumRequest.defaults(),
      topics: [{ ...messages.defaultDescribeQuorumRequestTopicData(), topicName: METADATA_TOPIC, partitions: [{ ...messages.defaultDescribeQuorumRequestPartitionData(), partitionIndex: 0 }] }],
    });
  } catch {
    return local();
  }
}


/** The LeaderChangeMessage a new quorum leader writes first. */
function leaderChangeRecord(leaderId: number, voters: readonly number[]): Buffer {
  const w = new Writer(64);
  const voterList = voters.map((voterId) => ({ ...messages.defaultLeaderChangeMessageVoter(), voterId }));
  messages.LeaderChangeMessage.encode(w, {
    ...messages.LeaderChangeMessage.defaults(), version: 0, leaderId, voters: voterList, grantingVoters: voterList,
  }, 0);
  return w.toBuffer();
}
