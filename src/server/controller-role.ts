/**
 * The controller role of a process: the controller state machine over the
 * metadata quorum, the service that answers controller requests while this
 * node leads the quorum, and its periodic work — fencing brokers whose
 * sessions expired, preferred-leader elections and removing expired
 * delegation tokens — on the process's scheduler.
 */
import { Controller, ControllerService, planExpiredTokenRemovals } from '../controller/index.ts';
import { delegationTokenSettings, encodeMetadataRecord, validateTopicConfigs, type BrokerConfig, type MetadataImage, type MetadataRecord } from '../metadata/index.ts';
import type { QuorumDriver } from '../raft/quorum-driver.ts';
import { readBootstrapMetadata } from './bootstrap-metadata.ts';
import { ConfigError } from './config-error.ts';
import type { Scheduler } from './scheduler.ts';

/** How often the active controller looks for expired broker sessions. */
const SESSION_CHECK_MS = 250;
const TIMER_MS_MAX = 2_147_483_647;

export interface ControllerRole {
  readonly controller: Controller;
  readonly service: ControllerService;
}

export function startControllerRole(deps: {
  nodeId: number;
  config: BrokerConfig;
  image(): MetadataImage;
  driver: QuorumDriver;
  scheduler: Scheduler;
  log(line: string, level?: 'warn' | 'error'): void;
}): ControllerRole {
  const { nodeId, config, image, driver, scheduler, log } = deps;
  const clock = scheduler.clock;
  const tokens = delegationTokenSettings(config.raw);
  // Read at start, so a damaged file stops the node now rather than when it first leads an empty log.
  let bootstrapRecords: MetadataRecord[] | null;
  try {
    bootstrapRecords = readBootstrapMetadata(config.metadataLogDir);
  } catch (e) {
    throw new ConfigError(`cannot read the bootstrap metadata: ${(e as Error).message}`);
  }
  const controller = new Controller({
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
    delegationTokens: tokens,
    bootstrapRecords: () => bootstrapRecords,
    uncleanLeaderElection: (topic) => {
      const override = image().topicConfigs(topic).get('unclean.leader.election.enable');
      const value = override ?? image().brokerConfigs('').get('unclean.leader.election.enable');
      return value !== undefined ? value.trim().toLowerCase() === 'true' : config.uncleanLeaderElectionEnable;
    },
  });
  const service = new ControllerService({ controller, isActive: () => driver.isLeader(), nowMs: () => clock.nowMs() });
  driver.onLeaderChange((status) => {
    if (status.role !== 'leader') return;
    log(`node ${nodeId} is the active controller (epoch ${status.epoch})`);
    // Every broker gets a full session from a new controller: the quorum's own outage must not fence them.
    controller.resetSessions();
    controller.bootstrap().catch((e: Error) => log(`controller bootstrap failed: ${e.message}`, 'error'));
  });
  scheduler.every('broker session check', SESSION_CHECK_MS, async () => {
    if (!driver.isLeader()) return;
    const fenced = await controller.expireSessions(clock.nowMs(), config.brokerSessionTimeoutMs);
    for (const id of fenced) log(`broker ${id} missed its heartbeats for ${config.brokerSessionTimeoutMs} ms and is fenced`, 'warn');
    // A topic whose unclean.leader.election.enable was turned on while partitions waited leaderless.
    for (const e of await controller.electUncleanLeaders()) {
      log(`unclean leader election: ${e.topic}-${e.partition} is led by ${e.leader}, outside the ISR; records it lacked are lost`, 'warn');
    }
  });
  if (config.autoLeaderRebalanceEnable) {
    scheduler.every('preferred leader election', config.leaderImbalanceCheckIntervalSeconds * 1000, async () => {
      if (!driver.isLeader()) return;
      const moved = await controller.electPreferredLeaders();
      if (moved > 0) log(`moved ${moved} partition leaderships back to their preferred replicas`);
    });
  }
  if (tokens.secretKey !== null) {
    // A timer longer than 2^31-1 ms would fire at once: longer checks wait that long.
    scheduler.every('delegation token expiry check', Math.min(tokens.expiryCheckIntervalMs, TIMER_MS_MAX), async () => {
      if (!driver.isLeader()) return;
      const removed = await controller.planAndCommit((img, out) => planExpiredTokenRemovals(img, clock.nowMs(), out));
      for (const id of removed) log(`delegation token ${id} expired and was removed`);
    });
  }
  return { controller, service };
}
