/**
 * One Samsa process with process.roles=broker,controller: opens the logs,
 * replays the metadata log into the image, listens, registers itself, and
 * serves until stopped. This is what `samsa start` and `startBroker()` run.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  FetchPurgatory, FetchSessionCache, ReplicaManager, logConfigOf, type BrokerContext,
} from '../broker/index.ts';
import { Controller } from '../controller/index.ts';
import { GroupCoordinator, OffsetsTopic, groupCoordinatorConfig, type OffsetsTopicDeps } from '../coordinator/index.ts';
import {
  describeTopicConfigs, resolveBrokerConfig, topicConfig, validateTopicConfigs, type BrokerConfig, type MetadataImage,
} from '../metadata/index.ts';
import { METADATA_TOPIC, SingleVoterQuorum } from '../raft/index.ts';
import { LogManager, type Clock } from '../storage/index.ts';
import { Connection } from './connection.ts';
import { Dispatcher } from './dispatcher.ts';
import { MetadataPublisher } from './metadata-publisher.ts';
import { parseListener } from './listeners.ts';
import { ensureMetaProperties, randomUuid } from './meta-properties.ts';

export interface StartOptions {
  /** Port to listen on; 0 picks a free one. Overrides the port of `listeners`. */
  port?: number;
  /** Host to bind; default from `listeners`, else 127.0.0.1. */
  host?: string;
  /** Data directory (log.dirs). Without one a temporary directory is used and removed on stop. */
  dataDir?: string;
  /** Kafka configs by name, e.g. { 'num.partitions': '3' }. */
  config?: Record<string, string>;
  /** Where the one-line log messages go (default: stderr). */
  log?: (line: string) => void;
}

export interface RunningBroker {
  readonly host: string;
  readonly port: number;
  /** `host:port`, for a client's bootstrap servers. */
  readonly bootstrap: string;
  readonly nodeId: number;
  readonly clusterId: string;
  readonly dataDir: string;
  stop(): Promise<void>;
}

const SECURITY_PROTOCOL_PLAINTEXT = 0;
const CONNECTION_LIMITS_INFLIGHT_MAX = 64;
const TIMER_MS_MAX = 0x7fffffff;
const systemClock: Clock = { nowMs: () => Date.now() };

export class ConfigError extends Error {
  readonly code = 'SAMSA_ERR_CONFIG';
}

function resolveConfig(options: StartOptions): { config: BrokerConfig; tempDir: string | null } {
  const props: Record<string, string> = { ...options.config };
  let tempDir: string | null = null;
  if (options.dataDir !== undefined) props['log.dirs'] = options.dataDir;
  else if (props['log.dirs'] === undefined && props['log.dir'] === undefined) {
    tempDir = mkdtempSync(join(tmpdir(), 'samsa-'));
    props['log.dirs'] = tempDir;
  }
  const listener = parseListener(props.listeners ?? 'PLAINTEXT://127.0.0.1:9092');
  if (typeof listener === 'string') throw new ConfigError(listener);
  const host = options.host ?? (listener.host === '' ? '127.0.0.1' : listener.host);
  const port = options.port ?? listener.port;
  props.listeners = `${listener.name}://${host}:${port}`;
  const resolved = resolveBrokerConfig(props);
  if (!resolved.ok) {
    if (tempDir !== null) rmSync(tempDir, { recursive: true, force: true });
    throw new ConfigError(resolved.error);
  }
  return { config: resolved.config, tempDir };
}

export async function startBroker(options: StartOptions = {}): Promise<RunningBroker> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const { config, tempDir } = resolveConfig(options);
  const clock = systemClock;
  const logDir = config.logDirs[0]!;
  for (const dir of config.logDirs) mkdirSync(dir, { recursive: true });
  const meta = ensureMetaProperties(logDir, config.nodeId, null);
  for (const dir of config.logDirs.slice(1)) ensureMetaProperties(dir, config.nodeId, meta.clusterId);

  const brokerDefaults = topicConfig(config, {});
  if (!brokerDefaults.ok) throw new ConfigError(brokerDefaults.error);
  const logs = LogManager.open(config.logDirs, clock, logConfigOf(brokerDefaults.config), log);
  const quorum = SingleVoterQuorum.open(join(logDir, `${METADATA_TOPIC}-0`), logConfigOf(brokerDefaults.config), clock);

  const metadata = new MetadataPublisher(quorum);
  metadata.replayLog();
  const image = (): MetadataImage => metadata.image;
  const replicas = new ReplicaManager({
    nodeId: config.nodeId,
    logs,
    topicConfig: (img, topic) => effectiveTopicConfig(config, img, topic),
  });
  metadata.onChange((img, changes) => replicas.applyMetadata(img, changes));
  const controller = new Controller({
    nodeId: config.nodeId,
    image,
    commit: (records) => metadata.commit(records),
    defaultPartitions: () => config.numPartitions,
    defaultReplicationFactor: () => config.defaultReplicationFactor,
    deleteTopicEnable: () => config.deleteTopicEnable,
    validateTopicConfigs: (configs) =>
      validateTopicConfigs(Object.fromEntries([...configs].filter(([, v]) => v !== null)) as Record<string, string>)?.errorMessage ?? null,
  });
  controller.bootstrap();
  replicas.applyMetadata(image(), null);

  const listener = parseListener(config.listeners) as { name: string; host: string; port: number };
  const server = createServer();
  await listen(server, listener.host, listener.port);
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : listener.port;
  const advertised = { host: listener.host, port };
  controller.registerBroker({
    incarnationId: randomUuid(),
    endpoints: [{ name: listener.name, host: advertised.host, port, securityProtocol: SECURITY_PROTOCOL_PLAINTEXT }],
    rack: null,
  });

  const purgatory = new FetchPurgatory(replicas);
  const groups = startGroupCoordinator({ nodeId: config.nodeId, config, image, replicas, controller, log }, clock);
  const clientHosts = new Map<number, string>();
  const broker: BrokerContext = {
    nodeId: config.nodeId,
    clusterId: meta.clusterId,
    config,
    clock,
    advertised,
    image,
    replicas,
    controller,
    purgatory,
    fetchSessions: new FetchSessionCache(),
    groups: groups.coordinator,
    clientHost: (connectionId) => clientHosts.get(connectionId) ?? '/unknown',
    log,
    describeTopicConfigs: (topic, _configs) => describeTopicConfigEntries(config, image(), topic),
  };
  const connections = serve(server, new Dispatcher(broker), config, clientHosts, log);
  const timers = startTimers(config, logs);

  let stopped: Promise<void> | null = null;
  return {
    host: advertised.host, port, bootstrap: `${advertised.host}:${port}`, nodeId: config.nodeId, clusterId: meta.clusterId, dataDir: logDir,
    stop: () => (stopped ??= (async () => {
      for (const t of timers) clearInterval(t);
      groups.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const c of connections) c.destroy();
      });
      purgatory.wakeAll();
      logs.close();
      quorum.close();
      if (tempDir !== null) rmSync(tempDir, { recursive: true, force: true });
    })()),
  };
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

function serve(
  server: Server, dispatcher: Dispatcher, config: BrokerConfig, clientHosts: Map<number, string>, log: (line: string) => void,
): Set<Socket> {
  const sockets = new Set<Socket>();
  let nextId = 1;
  const limits = { frameBytesMax: config.socketRequestMaxBytes, inflightRequestsMax: CONNECTION_LIMITS_INFLIGHT_MAX };
  server.on('connection', (socket) => {
    sockets.add(socket);
    const id = nextId++;
    // Kafka reports a member's host as InetAddress.toString(): "/" and the address.
    clientHosts.set(id, `/${socket.remoteAddress ?? 'unknown'}`);
    new Connection(id, socket, dispatcher, limits, () => {
      sockets.delete(socket);
      clientHosts.delete(id);
    }, log);
  });
  return sockets;
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

function startTimers(config: BrokerConfig, logs: LogManager): NodeJS.Timeout[] {
  const every = (ms: number, fn: () => void): NodeJS.Timeout => {
    // Kafka's "never" (Long.MAX) arrives as MAX_SAFE_INTEGER; timers take at most 2^31-1 ms.
    const t = setInterval(fn, Math.min(Math.max(ms, 10), TIMER_MS_MAX));
    t.unref();
    return t;
  };
  return [
    every(config.logRetentionCheckIntervalMs, () => logs.runRetention()),
    every(config.logFlushSchedulerIntervalMs, () => logs.flushDirty()),
    every(config.logFlushOffsetCheckpointIntervalMs, () => logs.checkpoint()),
  ];
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
