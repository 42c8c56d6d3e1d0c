/**
 * The quorum controller's state changes: it checks a request against the
 * current metadata image, turns it into metadata records, and commits them
 * through the metadata log before answering. Every answer is a Kafka error
 * code and message; nothing here throws for bad client input.
 */
import { randomBytes } from 'node:crypto';
import { ErrorCode } from '../protocol/index.ts';
import {
  applyConfigOperations, ConfigResourceType, FeatureName, METADATA_VERSION_LEVEL, RecordType, collisionKey, metadataRecord, records as recordCodecs, topicNameError,
  DELEGATION_TOKENS_DISABLED, type AclEntry, type AclFilter, type DelegationTokenSettings, type MetadataImage, type MetadataRecord,
} from '../metadata/index.ts';
import { planFeatureUpdates, type FeatureUpdate } from './feature-updates.ts';
import { ElectionType, electionFor } from './leader-election.ts';
import { planClientQuotaAlterations, type ClientQuotaAlteration, type ClientQuotaAlterationResult } from './client-quotas.ts';
import { planCreateAcls, planDeleteAcls, type AclDeletion, type AclOutcome } from './acls.ts';
import { CONFIG_OK, configRecord, planConfigs, resourceConfigs, type ConfigResourceResult } from './config-changes.ts';
import { partitionChangeRecord, partitionRecord } from './partition-records.ts';
import { checkAssignments, placementOrder, roundRobin } from './topic-placement.ts';
import { fenceRecords, unfenceRecords } from './broker-fencing.ts';
import type {
  AlterPartitionRequest, AlterPartitionResult, BrokerHeartbeat, BrokerHeartbeatResult, BrokerRegistration, IncrementalConfigResource, LegacyConfigResource,
} from './controller-requests.ts';
import { planScramAlterations, type ScramAlterationResult, type ScramDeletion, type ScramUpsertion } from './scram-credentials.ts';

const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';
const METADATA_TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAQ';
const PARTITION_COUNT_MAX = 100_000;
/** Producer ids are handed out from blocks the controller reserves in the metadata log, as Kafka does. */
const PRODUCER_ID_BLOCK_SIZE = 1000n;
const METADATA_VERSION_FEATURE = FeatureName.MetadataVersion;

export interface ControllerDeps {
  nodeId: number;
  image(): MetadataImage;
  /** Makes records durable on a quorum and applies them to the image; resolves once both are done, rejects when this node stops leading. */
  commit(records: MetadataRecord[]): Promise<void>;
  defaultPartitions(): number;
  defaultReplicationFactor(): number;
  deleteTopicEnable(): boolean;
  /** Checks topic config overrides; returns an error message, or null when they are valid. */
  validateTopicConfigs(configs: ReadonlyMap<string, string | null>): string | null;
  /** unclean.leader.election.enable for a topic (its override, else the broker default); false when absent. */
  uncleanLeaderElection?(topic: string): boolean;
  /** The delegation.token.* configs; tokens are disabled when absent. */
  delegationTokens?: DelegationTokenSettings;
  /**
   * What an empty metadata log starts with (`samsa storage format` wrote it to
   * bootstrap.checkpoint: metadata.version, SCRAM credentials); null for the
   * default, metadata.version alone.
   */
  bootstrapRecords?(): MetadataRecord[] | null;
}

export interface TopicResult {
  name: string;
  topicId: string;
  errorCode: number;
  errorMessage: string | null;
  numPartitions: number;
  replicationFactor: number;
}

export interface CreateTopicSpec {
  name: string;
  numPartitions: number;
  replicationFactor: number;
  /** Explicit replica lists by partition index; empty when the controller places them. */
  assignments: { partitionIndex: number; brokerIds: number[] }[];
  configs: { name: string; value: string | null }[];
}

function topicError(name: string, errorCode: number, errorMessage: string): TopicResult {
  return { name, topicId: ZERO_UUID, errorCode, errorMessage, numPartitions: -1, replicationFactor: -1 };
}

export function newTopicId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-') && id !== ZERO_UUID && id !== METADATA_TOPIC_ID) return id;
  }
}

export type { ConfigResourceResult };
export type {
  AlterPartitionRequest, AlterPartitionResult, BrokerHeartbeat, BrokerHeartbeatResult, BrokerRegistration, IncrementalConfigResource, LegacyConfigResource,
} from './controller-requests.ts';

export class Controller {
  private readonly deps: ControllerDeps;
  /**
   * Operations run one at a time: each validates against the image its
   * predecessors' committed records produced, so two creates of one name
   * cannot both pass.
   */
  private tail: Promise<unknown> = Promise.resolve();
  /** Last heartbeat time by broker id, in this controller's clock; lost on failover (each broker then gets a fresh session). */
  private readonly sessions = new Map<number, number>();

  constructor(deps: ControllerDeps) {
    this.deps = deps;
  }

  /** unclean.leader.election.enable of a topic: its override, else the cluster's default. */
  private readonly unclean = (topic: string): boolean => this.deps.uncleanLeaderElection?.(topic) ?? false;

  private serial<T>(op: () => T | Promise<T>): Promise<T> {
    const run = this.tail.then(op, op);
    this.tail = run.catch(() => undefined);
    return run;
  }

  private liveBrokers(): number[] {
    return placementOrder(this.deps.image());
  }

  createTopics(specs: CreateTopicSpec[], validateOnly: boolean): Promise<TopicResult[]> {
    return this.serial(() => this.createTopicsNow(specs, validateOnly));
  }

  private async createTopicsNow(specs: CreateTopicSpec[], validateOnly: boolean): Promise<TopicResult[]> {
    const counts = new Map<string, number>();
    for (const s of specs) counts.set(s.name, (counts.get(s.name) ?? 0) + 1);
    const results: TopicResult[] = [];
    const records: MetadataRecord[] = [];
    for (const spec of specs) {
      if (counts.get(spec.name)! > 1) {
        results.push(topicError(spec.name, ErrorCode.INVALID_REQUEST, 'Duplicate topic name.'));
        continue;
      }
      const planned = this.planTopic(spec, records);
      results.push(planned);
    }
    if (!validateOnly && records.length > 0) await this.deps.commit(records);
    if (validateOnly) for (const r of results) if (r.errorCode === ErrorCode.NONE) r.topicId = ZERO_UUID;
    return results;
  }

  /** Validates one topic and, when it is valid, appends its records to `out`. */
  private planTopic(spec: CreateTopicSpec, out: MetadataRecord[]): TopicResult {
    const image = this.deps.image();
    const nameError = topicNameError(spec.name);
    if (nameError !== null) return topicError(spec.name, ErrorCode.INVALID_TOPIC_EXCEPTION, nameError);
    if (image.topicsByName.has(spec.name)) {
      return topicError(spec.name, ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${spec.name}' already exists.`);
    }
    for (const existing of image.topicsByName.keys()) {
      if (collisionKey(existing) === collisionKey(spec.name)) {
        return topicError(spec.name, ErrorCode.INVALID_TOPIC_EXCEPTION, `Topic '${spec.name}' collides with existing topic: ${existing}`);
      }
    }
    const placement = this.placeReplicas(spec);
    if ('errorCode' in placement) return topicError(spec.name, placement.errorCode, placement.errorMessage);
    const configError = this.deps.validateTopicConfigs(new Map(spec.configs.map((c) => [c.name, c.value])));
    if (configError !== null) return topicError(spec.name, ErrorCode.INVALID_CONFIG, configError);

    const topicId = newTopicId();
    out.push(metadataRecord(recordCodecs.TopicRecord, { name: spec.name, topicId }));
    placement.forEach((replicas, partitionId) => out.push(partitionRecord(topicId, partitionId, replicas)));
    for (const c of spec.configs) {
      if (c.value !== null) out.push(configRecord(ConfigResourceType.Topic, spec.name, c.name, c.value));
    }
    return {
      name: spec.name, topicId, errorCode: ErrorCode.NONE, errorMessage: null,
      numPartitions: placement.length, replicationFactor: placement[0]?.length ?? 0,
    };
  }

  private placeReplicas(spec: CreateTopicSpec): number[][] | { errorCode: number; errorMessage: string } {
    const live = this.liveBrokers();
    if (spec.assignments.length > 0) {
      if (spec.numPartitions !== -1 || spec.replicationFactor !== -1) {
        return {
          errorCode: ErrorCode.INVALID_REQUEST,
          errorMessage: 'Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.',
        };
      }
      return checkAssignments(spec.assignments, 0, live);
    }
    const partitions = spec.numPartitions === -1 ? this.deps.defaultPartitions() : spec.numPartitions;
    const factor = spec.replicationFactor === -1 ? this.deps.defaultReplicationFactor() : spec.replicationFactor;
    if (partitions <= 0 || partitions > PARTITION_COUNT_MAX) {
      return { errorCode: ErrorCode.INVALID_PARTITIONS, errorMessage: 'Number of partitions must be larger than 0.' };
    }
    if (factor <= 0) {
      return { errorCode: ErrorCode.INVALID_REPLICATION_FACTOR, errorMessage: 'Replication factor must be larger than 0.' };
    }
    if (factor > live.length) {
      return {
        errorCode: ErrorCode.INVALID_REPLICATION_FACTOR,
        errorMessage: `Unable to replicate the partition ${factor} time(s): The target replication factor of ${factor} cannot be reached because only ${live.length} broker(s) are registered.`,
      };
    }
    return roundRobin(live, partitions, factor, 0);
  }

  deleteTopics(topics: { name: string | null; topicId: string }[]): Promise<TopicResult[]> {
    return this.serial(() => this.deleteTopicsNow(topics));
  }

  private async deleteTopicsNow(topics: { name: string | null; topicId: string }[]): Promise<TopicResult[]> {
    const image = this.deps.image();
    const records: MetadataRecord[] = [];
    const results = topics.map((t): TopicResult => {
      const topic = t.name !== null ? image.topicsByName.get(t.name) : image.topicsById.get(t.topicId);
      const label = t.name ?? t.topicId;
      if (!this.deps.deleteTopicEnable()) {
        return topicError(label, ErrorCode.TOPIC_DELETION_DISABLED, 'Topic deletion is disabled.');
      }
      if (topic === undefined) {
        return t.name !== null
          ? topicError(label, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'This server does not host this topic-partition.')
          : topicError(label, ErrorCode.UNKNOWN_TOPIC_ID, 'This server does not host this topic ID.');
      }
      records.push(metadataRecord(recordCodecs.RemoveTopicRecord, { topicId: topic.id }));
      return {
        name: topic.name, topicId: topic.id, errorCode: ErrorCode.NONE, errorMessage: null,
        numPartitions: topic.partitions.length, replicationFactor: topic.partitions[0]?.replicas.length ?? 0,
      };
    });
    if (records.length > 0) await this.deps.commit(records);
    return results;
  }

  createPartitions(
    requests: { name: string; count: number; assignments: number[][] | null }[], validateOnly: boolean,
  ): Promise<{ name: string; errorCode: number; errorMessage: string | null }[]> {
    return this.serial(() => this.createPartitionsNow(requests, validateOnly));
  }

  private async createPartitionsNow(
    requests: { name: string; count: number; assignments: number[][] | null }[], validateOnly: boolean,
  ): Promise<{ name: string; errorCode: number; errorMessage: string | null }[]> {
    const image = this.deps.image();
    const records: MetadataRecord[] = [];
    const results = requests.map((req) => {
      const topic = image.topicsByName.get(req.name);
      const fail = (errorCode: number, errorMessage: string) => ({ name: req.name, errorCode, errorMessage });
      if (topic === undefined) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'This server does not host this topic-partition.');
      const current = topic.partitions.length;
      if (req.count === current) return fail(ErrorCode.INVALID_PARTITIONS, `Topic already has ${current} partitions.`);
      if (req.count < current) {
        return fail(ErrorCode.INVALID_PARTITIONS, `Topic currently has ${current} partitions, which is higher than the requested ${req.count}.`);
      }
      if (req.count > PARTITION_COUNT_MAX) return fail(ErrorCode.INVALID_PARTITIONS, `Too many partitions: ${req.count}.`);
      const factor = topic.partitions[0]?.replicas.length ?? 1;
      const placed = req.assignments !== null
        ? checkAssignments(req.assignments.map((brokerIds, i) => ({ partitionIndex: current + i, brokerIds })), current, this.liveBrokers(), req.count - current)
        : roundRobin(this.liveBrokers(), req.count - current, factor, current);
      if ('errorCode' in placed) return fail(placed.errorCode, placed.errorMessage);
      if (!validateOnly) placed.forEach((replicas, i) => records.push(partitionRecord(topic.id, current + i, replicas)));
      return { name: req.name, errorCode: ErrorCode.NONE, errorMessage: null };
    });
    if (records.length > 0) await this.deps.commit(records);
    return results;
  }

  /**
   * On a fresh metadata log: the feature levels every later record is read
   * against, and whatever else the bootstrap file holds, in one commit.
   */
  bootstrap(): Promise<void> {
    return this.serial(async () => {
      if (this.deps.image().features.has(METADATA_VERSION_FEATURE)) return;
      const records = this.deps.bootstrapRecords?.() ?? [];
      const hasVersion = records.some((r) => r.type === RecordType.FeatureLevel && r.data.name === METADATA_VERSION_FEATURE);
      const version = metadataRecord(recordCodecs.FeatureLevelRecord, { name: METADATA_VERSION_FEATURE, featureLevel: METADATA_VERSION_LEVEL });
      await this.deps.commit(hasVersion ? records : [version, ...records]);
    });
  }

  /**
   * UpdateFeatures (kafka-features upgrade, downgrade, disable): checked as
   * Kafka's controller does (feature-updates.ts); the new levels are in the
   * metadata log before the answer. validateOnly checks and writes nothing.
   */
  updateFeatures(updates: readonly FeatureUpdate[], validateOnly: boolean): Promise<{ errorCode: number; errorMessage: string | null }> {
    return this.serial(async () => {
      const plan = planFeatureUpdates(this.deps.image(), this.deps.nodeId, updates);
      if (!('records' in plan)) return { errorCode: plan.errorCode, errorMessage: plan.errorMessage };
      if (!validateOnly && plan.records.length > 0) await this.deps.commit(plan.records);
      return { errorCode: ErrorCode.NONE, errorMessage: null };
    });
  }

  /**
   * BrokerRegistration: a broker (re)registers with the endpoints it listens
   * on now, fenced until its heartbeats show it has caught up with the
   * metadata log. A new incarnation gets a new broker epoch.
   */
  registerBroker(reg: BrokerRegistration, nowMs: number): Promise<{ errorCode: number; brokerEpoch: bigint }> {
    return this.serial(async () => {
      const image = this.deps.image();
      const existing = image.brokers.get(reg.brokerId);
      if (existing !== undefined && existing.incarnationId === reg.incarnationId) {
        this.sessions.set(reg.brokerId, nowMs);
        return { errorCode: ErrorCode.NONE, brokerEpoch: existing.epoch };
      }
      const brokerEpoch = BigInt(image.offset + 1);
      await this.deps.commit([metadataRecord(recordCodecs.RegisterBrokerRecord, {
        ...recordCodecs.defaultRegisterBrokerRecord(),
        brokerId: reg.brokerId,
        incarnationId: reg.incarnationId,
        brokerEpoch,
        endPoints: reg.endpoints.map((e) => ({ ...recordCodecs.defaultRegisterBrokerRecordBrokerEndpoint(), ...e })),
        rack: reg.rack,
        fenced: true,
        features: (reg.features ?? []).map((f) => ({ ...recordCodecs.defaultRegisterBrokerRecordBrokerFeature(), ...f })),
      })]);
      this.sessions.set(reg.brokerId, nowMs);
      return { errorCode: ErrorCode.NONE, brokerEpoch };
    });
  }

  /**
   * BrokerHeartbeat: renews the broker's session; unfences it once it has
   * applied the metadata log up to its registration, fences it when it asks
   * to (controlled shutdown). Its partitions follow: leaderless ones it
   * holds get it as leader, ones it leads go leaderless when it is fenced.
   */
  brokerHeartbeat(hb: BrokerHeartbeat, nowMs: number): Promise<BrokerHeartbeatResult> {
    return this.serial(async () => {
      const broker = this.deps.image().brokers.get(hb.brokerId);
      if (broker === undefined) return { errorCode: ErrorCode.BROKER_ID_NOT_REGISTERED, isCaughtUp: false, isFenced: true, shouldShutDown: false };
      if (broker.epoch !== hb.brokerEpoch) return { errorCode: ErrorCode.STALE_BROKER_EPOCH, isCaughtUp: false, isFenced: true, shouldShutDown: false };
      this.sessions.set(hb.brokerId, nowMs);
      const caughtUp = hb.currentMetadataOffset >= Number(broker.epoch);
      if (hb.wantShutDown) {
        if (!broker.fenced) await this.deps.commit(fenceRecords(this.deps.image(), hb.brokerId, this.unclean));
        this.sessions.delete(hb.brokerId);
        return { errorCode: ErrorCode.NONE, isCaughtUp: caughtUp, isFenced: true, shouldShutDown: true };
      }
      if (broker.fenced && caughtUp && !hb.wantFence) await this.deps.commit(unfenceRecords(this.deps.image(), hb.brokerId, this.unclean));
      else if (!broker.fenced && hb.wantFence) await this.deps.commit(fenceRecords(this.deps.image(), hb.brokerId, this.unclean));
      const now = this.deps.image().brokers.get(hb.brokerId);
      return { errorCode: ErrorCode.NONE, isCaughtUp: caughtUp, isFenced: now?.fenced ?? true, shouldShutDown: false };
    });
  }

  /** Fences every unfenced broker whose last heartbeat is older than the session timeout. */
  expireSessions(nowMs: number, sessionTimeoutMs: number): Promise<number[]> {
    return this.serial(async () => {
      const expired: number[] = [];
      for (const b of this.deps.image().brokers.values()) {
        if (b.fenced) continue;
        const last = this.sessions.get(b.id);
        // A broker this controller has not heard from yet gets a full session from now (a new leader's grace).
        if (last === undefined) this.sessions.set(b.id, nowMs);
        else if (nowMs - last > sessionTimeoutMs) expired.push(b.id);
      }
      const records = expired.flatMap((id) => fenceRecords(this.deps.image(), id, this.unclean));
      if (records.length > 0) await this.deps.commit(records);
      return expired;
    });
  }

  /** Forgets heartbeat times; a controller that starts leading calls it so every broker gets a fresh session. */
  resetSessions(): void {
    this.sessions.clear();
  }

  /**
   * Preferred leader election (auto.leader.rebalance.enable): a partition
   * whose first replica is live and in sync but not leading gets it back as
   * leader, so leadership spreads out again after failovers. Returns how many moved.
   */
  electPreferredLeaders(): Promise<number> {
    return this.serial(async () => {
      const image = this.deps.image();
      const live = new Set(this.liveBrokers());
      const records: MetadataRecord[] = [];
      for (const topic of image.topicsByName.values()) {
        for (const p of topic.partitions) {
          if (p === undefined) continue;
          const election = electionFor(ElectionType.Preferred, topic.name, p, live);
          if (election.kind === 'elect') records.push(partitionChangeRecord(topic.id, p.partitionId, election.leader, election.isr));
        }
      }
      if (records.length > 0) await this.deps.commit(records);
      return records.length;
    });
  }

  /**
   * Leaderless partitions of topics with unclean.leader.election.enable get a
   * live replica outside the ISR as leader (Kafka's controller does this
   * periodically, so turning the config on heals them). Returns what moved.
   */
  electUncleanLeaders(): Promise<{ topic: string; partition: number; leader: number }[]> {
    return this.serial(async () => {
      const image = this.deps.image();
      const live = new Set(this.liveBrokers());
      const records: MetadataRecord[] = [];
      const elected: { topic: string; partition: number; leader: number }[] = [];
      for (const topic of image.topicsByName.values()) {
        if (!topic.partitions.some((p) => p !== undefined && p.leader < 0) || !this.unclean(topic.name)) continue;
        for (const p of topic.partitions) {
          if (p === undefined || p.leader >= 0) continue;
          const election = electionFor(ElectionType.Unclean, topic.name, p, live);
          if (election.kind !== 'elect') continue;
          records.push(partitionChangeRecord(topic.id, p.partitionId, election.leader, election.isr));
          elected.push({ topic: topic.name, partition: p.partitionId, leader: election.leader });
        }
      }
      if (records.length > 0) await this.deps.commit(records);
      return elected;
    });
  }

  /** ElectLeaders (kafka-leader-election.sh), by `electionFor`'s rules; `partitions` null means every partition. */
  electLeaders(
    electionType: number, partitions: { topic: string; partitionIds: number[] }[] | null,
  ): Promise<{ topic: string; partitionId: number; errorCode: number; errorMessage: string | null }[]> {
    return this.serial(async () => {
      const image = this.deps.image();
      const live = new Set(this.liveBrokers());
      const wanted = partitions ?? [...image.topicsByName.values()].map((t) => ({ topic: t.name, partitionIds: t.partitions.filter((p) => p !== undefined).map((p) => p!.partitionId) }));
      const results: { topic: string; partitionId: number; errorCode: number; errorMessage: string | null }[] = [];
      const records: MetadataRecord[] = [];
      for (const { topic: name, partitionIds } of wanted) {
        const topic = image.topicsByName.get(name);
        for (const partitionId of partitionIds) {
          const p = topic?.partitions[partitionId];
          if (topic === undefined || p === undefined) {
            results.push({ topic: name, partitionId, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: 'This server does not host this topic-partition.' });
            continue;
          }
          const election = electionFor(electionType, name, p, live);
          if (election.kind === 'refuse') {
            results.push({ topic: name, partitionId, errorCode: election.errorCode, errorMessage: election.errorMessage });
            continue;
          }
          records.push(partitionChangeRecord(topic.id, partitionId, election.leader, election.isr));
          results.push({ topic: name, partitionId, errorCode: ErrorCode.NONE, errorMessage: null });
        }
      }
      if (records.length > 0) await this.deps.commit(records);
      return results;
    });
  }

  /**
   * AlterPartition from a partition leader: a new ISR, accepted only from the
   * current leader at the current leader and partition epochs, with every new
   * member an unfenced replica (Kafka's rules). The answer is the resulting state.
   */
  alterPartition(req: AlterPartitionRequest): Promise<AlterPartitionResult[]> {
    return this.serial(async () => {
      const image = this.deps.image();
      const broker = image.brokers.get(req.brokerId);
      const records: MetadataRecord[] = [];
      const results = req.partitions.map((change): AlterPartitionResult => {
        const topic = image.topicsById.get(change.topicId);
        const p = topic?.partitions[change.partitionIndex];
        const refuse = (errorCode: number): AlterPartitionResult => ({
          ...change, errorCode, leaderId: p?.leader ?? -1, leaderEpoch: p?.leaderEpoch ?? -1, isr: [...(p?.isr ?? [])], partitionEpoch: p?.partitionEpoch ?? -1,
        });
        if (broker === undefined || broker.epoch !== req.brokerEpoch) return refuse(ErrorCode.STALE_BROKER_EPOCH);
        if (topic === undefined || p === undefined) return refuse(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        if (p.leader !== req.brokerId) return refuse(ErrorCode.NOT_LEADER_OR_FOLLOWER);
        if (change.leaderEpoch !== p.leaderEpoch) return refuse(change.leaderEpoch < p.leaderEpoch ? ErrorCode.FENCED_LEADER_EPOCH : ErrorCode.UNKNOWN_LEADER_EPOCH);
        // A retry of a change already made (its answer was lost) gets the state it made, not a refusal.
        if (change.partitionEpoch < p.partitionEpoch && sameMembers(change.newIsr, p.isr)) return { ...refuse(ErrorCode.NONE) };
        if (change.partitionEpoch !== p.partitionEpoch) return refuse(ErrorCode.INVALID_UPDATE_VERSION);
        const live = new Set(this.liveBrokers());
        if (!change.newIsr.includes(p.leader) || change.newIsr.some((id) => !p.replicas.includes(id))) return refuse(ErrorCode.INVALID_REQUEST);
        if (change.newIsr.some((id) => !p.isr.includes(id) && !live.has(id))) return refuse(ErrorCode.INELIGIBLE_REPLICA);
        records.push(partitionChangeRecord(topic.id, p.partitionId, -2, [...change.newIsr]));
        return {
          ...change, errorCode: ErrorCode.NONE, leaderId: p.leader, leaderEpoch: p.leaderEpoch, isr: [...change.newIsr], partitionEpoch: p.partitionEpoch + 1,
        };
      });
      if (records.length > 0) await this.deps.commit(records);
      return results;
    });
  }

  allocateProducerIds(brokerId: number, brokerEpoch: bigint): Promise<{ errorCode: number; start: bigint; length: number }> {
    return this.serial(async () => {
      const broker = this.deps.image().brokers.get(brokerId);
      if (broker === undefined) return { errorCode: ErrorCode.BROKER_ID_NOT_REGISTERED, start: -1n, length: 0 };
      if (broker.epoch !== brokerEpoch) return { errorCode: ErrorCode.STALE_BROKER_EPOCH, start: -1n, length: 0 };
      const start = this.deps.image().nextProducerId;
      const end = start + PRODUCER_ID_BLOCK_SIZE;
      await this.deps.commit([metadataRecord(recordCodecs.ProducerIdsRecord, { brokerId, brokerEpoch, nextProducerId: end })]);
      return { errorCode: ErrorCode.NONE, start, length: Number(PRODUCER_ID_BLOCK_SIZE) };
    });
  }

  /**
   * Legacy AlterConfigs, as Kafka's controller runs it: each resource's configs
   * become its whole override set, so keys left out are removed. The records
   * of every resource that passes commit together; validateOnly commits none.
   */
  legacyAlterConfigs(resources: readonly LegacyConfigResource[], validateOnly: boolean): Promise<ConfigResourceResult[]> {
    return this.serial(() => this.legacyAlterConfigsNow(resources, validateOnly));
  }

  private async legacyAlterConfigsNow(resources: readonly LegacyConfigResource[], validateOnly: boolean): Promise<ConfigResourceResult[]> {
    const records: MetadataRecord[] = [];
    const results = resources.map((r) =>
      planConfigs(this.deps.image(), this.deps.validateTopicConfigs, r.resourceType, r.resourceName, new Map(r.configs.map((c) => [c.name, c.value])), records));
    if (!validateOnly && records.length > 0) await this.deps.commit(records);
    return results;
  }

  /**
   * IncrementalAlterConfigs: SET, DELETE, APPEND and SUBTRACT on the current
   * overrides; the result is checked as a whole, so one bad operation fails
   * its resource and changes nothing there.
   */
  incrementalAlterConfigs(resources: readonly IncrementalConfigResource[], validateOnly: boolean): Promise<ConfigResourceResult[]> {
    return this.serial(() => this.incrementalAlterConfigsNow(resources, validateOnly));
  }

  private async incrementalAlterConfigsNow(
    resources: readonly IncrementalConfigResource[], validateOnly: boolean,
  ): Promise<ConfigResourceResult[]> {
    const records: MetadataRecord[] = [];
    const results = resources.map((r) => {
      const image = this.deps.image();
      const target = applyConfigOperations(resourceConfigs(image, r.resourceType, r.resourceName), r.configs, r.resourceType);
      return target instanceof Map ? planConfigs(image, this.deps.validateTopicConfigs, r.resourceType, r.resourceName, target, records) : target;
    });
    if (!validateOnly && records.length > 0) await this.deps.commit(records);
    return results;
  }

  /** AlterUserScramCredentials: one answer per user, the accepted changes committed together (see scram-credentials.ts). */
  alterUserScramCredentials(deletions: readonly ScramDeletion[], upsertions: readonly ScramUpsertion[]): Promise<ScramAlterationResult[]> {
    return this.serial(async () => {
      const records: MetadataRecord[] = [];
      const results = planScramAlterations(this.deps.image(), deletions, upsertions, records);
      if (records.length > 0) await this.deps.commit(records);
      return results;
    });
  }

  /** AlterClientQuotas: one answer per entity, the accepted changes committed together (see client-quotas.ts); validateOnly commits none. */
  alterClientQuotas(alterations: readonly ClientQuotaAlteration[], validateOnly: boolean): Promise<ClientQuotaAlterationResult[]> {
    return this.serial(async () => {
      const records: MetadataRecord[] = [];
      const results = planClientQuotaAlterations(this.deps.image(), alterations, records);
      if (!validateOnly && records.length > 0) await this.deps.commit(records);
      return results;
    });
  }

  /** CreateAcls: one answer per creation; the new ACLs commit together (see acls.ts). */
  createAcls(creations: readonly AclEntry[]): Promise<AclOutcome[]> {
    return this.serial(async () => {
      const records: MetadataRecord[] = [];
      const results = planCreateAcls(this.deps.image(), creations, records, newTopicId);
      if (records.length > 0) await this.deps.commit(records);
      return results;
    });
  }

  /** DeleteAcls: per filter, the ACLs it removed; the removals commit together (see acls.ts). */
  deleteAcls(filters: readonly AclFilter[]): Promise<AclDeletion[]> {
    return this.serial(async () => {
      const records: MetadataRecord[] = [];
      const results = planDeleteAcls(this.deps.image(), filters, records);
      if (records.length > 0) await this.deps.commit(records);
      return results;
    });
  }

  /** The delegation.token.* configs this controller plans token changes with (see delegation-tokens.ts). */
  get delegationTokenSettings(): DelegationTokenSettings {
    return this.deps.delegationTokens ?? DELEGATION_TOKENS_DISABLED;
  }

  /**
   * A change planned by another module (delegation-tokens.ts): `plan` reads
   * the current image and appends records to `out`; they commit before the
   * answer, in turn with every other change.
   */
  planAndCommit<T>(plan: (image: MetadataImage, out: MetadataRecord[]) => T): Promise<T> {
    return this.serial(async () => {
      const records: MetadataRecord[] = [];
      const result = plan(this.deps.image(), records);
      if (records.length > 0) await this.deps.commit(records);
      return result;
    });
  }

  /** Sets (value) or removes (null) config overrides of one resource; validation is the caller's. */
  alterConfigs(resourceType: number, resourceName: string, changes: { name: string; value: string | null }[]): Promise<void> {
    return this.serial(async () => {
      if (changes.length > 0) await this.deps.commit(changes.map((c) => configRecord(resourceType, resourceName, c.name, c.value)));
    });
  }
}

function sameMembers(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((id) => b.includes(id));
}
