/**
 * Admin: topics, partitions, configs, offsets, records and consumer groups,
 * what Kafka's Admin client and command-line tools do. Every request is
 * filled in its full generated shape and goes out at the version the broker
 * and Samsa's codecs agree on (see BrokerConnection). A Kafka error becomes a
 * ClientError whose code is Kafka's error name and whose message names the
 * topic or group, e.g. "topic 'x' already exists (TOPIC_ALREADY_EXISTS)".
 * Group requests go to the group's coordinator (FindCoordinator); retriable
 * errors (coordinator loading, leader moving) are retried a bounded number of
 * times with a growing backoff, refreshing metadata in between.
 */
import { ApiKey, ErrorCode, Reader, errorInfo, isRetriable, messages } from '../protocol/index.ts';
import { ClientError, type BrokerConnection } from '../protocol/index.ts';
import { describeConsumerGroup, type ConsumerGroupDescription } from './consumer-group-admin.ts';
import type { Cluster, TopicInfo } from './cluster.ts';
import { retryingOnQuotaViolation } from './quota-retry.ts';

const RETRIES_MAX = 10;
const RETRY_BACKOFF_MS = 100;
const ADMIN_TIMEOUT_MS = 15_000;
const EARLIEST_TIMESTAMP = -2n;
const LATEST_TIMESTAMP = -1n;
const GROUP_KEY_TYPE = 0;
const CONFIG_OP_SET = 0;
const CONFIG_OP_DELETE = 1;

export type ConfigResourceType = 'topic' | 'broker' | 'broker_logger' | 'client_metrics';
const RESOURCE_TYPE: Record<ConfigResourceType, number> = { topic: 2, broker: 4, broker_logger: 8, client_metrics: 16 };

/** How errors name a config resource; a broker with no name is the cluster-wide default. */
function resourceLabel(type: ConfigResourceType, name: string): string {
  return type === 'broker' && name === '' ? 'the brokers\' default' : `${type.replace('_', ' ')} '${name}'`;
}

/** Kafka's DescribeConfigsResponse ConfigSource ids, by name. */
export const CONFIG_SOURCES = [
  'UNKNOWN', 'DYNAMIC_TOPIC_CONFIG', 'DYNAMIC_BROKER_CONFIG', 'DYNAMIC_DEFAULT_BROKER_CONFIG',
  'STATIC_BROKER_CONFIG', 'DEFAULT_CONFIG', 'DYNAMIC_BROKER_LOGGER_CONFIG', 'CLIENT_METRICS_CONFIG', 'GROUP_CONFIG',
] as const;
export type ConfigSourceName = (typeof CONFIG_SOURCES)[number];

/** How an error reads after its subject ("topic 'x' ..."); the rest use the broker's message. */
const ERROR_PHRASES: Record<string, string> = {
  TOPIC_ALREADY_EXISTS: 'already exists',
  UNKNOWN_TOPIC_OR_PARTITION: 'does not exist',
  UNKNOWN_TOPIC_ID: 'does not exist',
  GROUP_ID_NOT_FOUND: 'does not exist',
  NON_EMPTY_GROUP: 'is not empty (stop its consumers first)',
  UNKNOWN_MEMBER_ID: 'has active members (stop its consumers first)',
  ILLEGAL_GENERATION: 'has active members (stop its consumers first)',
  REBALANCE_IN_PROGRESS: 'is rebalancing (stop its consumers first)',
  OFFSET_OUT_OF_RANGE: 'offset is out of range',
};

export function kafkaError(subject: string, errorCode: number, errorMessage?: string | null): ClientError {
  const { name } = errorInfo(errorCode);
  const phrase = ERROR_PHRASES[name] ?? (errorMessage ? `failed: ${errorMessage}` : 'failed');
  return new ClientError(`${subject} ${phrase} (${name})`, name, errorCode);
}

function check(subject: string, errorCode: number, errorMessage?: string | null): void {
  if (errorCode !== ErrorCode.NONE) throw kafkaError(subject, errorCode, errorMessage);
}

export interface NewTopic {
  name: string;
  /** -1 (the default): the broker's num.partitions. */
  partitions?: number;
  /** -1 (the default): the broker's default.replication.factor. */
  replicationFactor?: number;
  configs?: Record<string, string>;
  /** Replica broker ids by partition, partition 0 first (then partitions and replicationFactor stay unset). */
  replicaAssignment?: number[][];
}

export interface BrokerLogDirs {
  broker: number;
  logDirs: {
    logDir: string;
    errorCode: number;
    totalBytes: bigint;
    usableBytes: bigint;
    partitions: { topic: string; partition: number; size: bigint; offsetLag: bigint; isFuture: boolean }[];
  }[];
}

export interface CreatedTopic {
  name: string;
  topicId: string;
  partitions: number;
  replicationFactor: number;
}

export interface ConfigEntry {
  name: string;
  value: string | null;
  source: ConfigSourceName;
  isDefault: boolean;
  readOnly: boolean;
  sensitive: boolean;
  synonyms: { name: string; value: string | null; source: ConfigSourceName }[];
}

export interface PartitionOffset {
  partition: number;
  offset: bigint;
  timestamp: bigint;
}

export interface GroupListing {
  groupId: string;
  protocolType: string;
  state: string;
  type: string;
}

export interface GroupMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  host: string;
  assignment: { topic: string; partitions: number[] }[];
}

export interface GroupDescription {
  groupId: string;
  state: string;
  protocolType: string;
  protocol: string;
  members: GroupMember[];
}

export interface GroupOffset {
  topic: string;
  partition: number;
  offset: bigint;
  metadata?: string | null;
}

/** Kafka's FeatureMetadata: what a broker's ApiVersions says about features. */
export interface FeatureMetadata {
  supported: { name: string; minVersion: number; maxVersion: number }[];
  finalized: Map<string, number>;
  /** The metadata offset the finalized levels are as of; -1 when the broker has none yet. */
  finalizedEpoch: bigint;
}

/** One feature's new level; upgradeType is Kafka's: 1 upgrade, 2 safe downgrade, 3 unsafe downgrade. */
export interface FeatureLevelUpdate {
  feature: string;
  level: number;
  upgradeType: number;
}

export interface ClusterDescription {
  clusterId: string;
  controllerId: number;
  brokers: { nodeId: number; host: string; port: number; rack: string | null }[];
}

function sourceName(id: number): ConfigSourceName {
  return CONFIG_SOURCES[id] ?? 'UNKNOWN';
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Decodes a member's assignment bytes (ConsumerProtocolAssignment, version in the first int16). */
export function decodeAssignment(bytes: Buffer): { topic: string; partitions: number[] }[] {
  if (bytes.length < 2) return [];
  const codec = messages.ConsumerProtocolAssignment;
  const version = Math.min(bytes.readInt16BE(0), codec.maxVersion);
  if (version < codec.minVersion) return [];
  const decoded = codec.decode(new Reader(bytes.subarray(2)), version);
  return decoded.assignedPartitions.map((a) => ({ topic: a.topic, partitions: [...a.partitions].sort((x, y) => x - y) }));
}

export class Admin {
  private readonly cluster: Cluster;

  constructor(cluster: Cluster) {
    this.cluster = cluster;
  }

  /** Runs `body`, retrying retriable Kafka errors with backoff and a metadata refresh. */
  private async retrying<T>(body: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await body();
      } catch (e) {
        if (!(e instanceof ClientError) || !isRetriable(e.kafkaErrorCode) || attempt >= RETRIES_MAX) throw e;
        await sleep(RETRY_BACKOFF_MS * attempt);
        this.cluster.topics.clear();
      }
    }
  }

  async createTopics(specs: NewTopic[], options: { validateOnly?: boolean; retryOnQuotaViolation?: boolean } = {}): Promise<CreatedTopic[]> {
    const byName = new Map(specs.map((s) => [s.name, s]));
    const results = await retryingOnQuotaViolation(specs.map((s) => s.name), options.retryOnQuotaViolation ?? true, async (names) => {
      const res = await this.createTopicsOnce(names.map((n) => byName.get(n)!), options.validateOnly ?? false);
      return { results: new Map(res.topics.map((t) => [t.name, t])), throttleTimeMs: res.throttleTimeMs };
    });
    const topics = specs.map((s) => results.get(s.name)).filter((t) => t !== undefined);
    for (const t of topics) check(`topic '${t.name}'`, t.errorCode, t.errorMessage);
    return topics.map((t) => ({ name: t.name, topicId: t.topicId, partitions: t.numPartitions, replicationFactor: t.replicationFactor }));
  }

  private async createTopicsOnce(specs: readonly NewTopic[], validateOnly: boolean): Promise<messages.CreateTopicsResponse> {
    const req = messages.CreateTopicsRequest.defaults();
    req.timeoutMs = ADMIN_TIMEOUT_MS;
    req.validateOnly = validateOnly;
    req.topics = specs.map((s) => ({
      ...messages.defaultCreateTopicsRequestCreatableTopic(),
      name: s.name,
      numPartitions: s.partitions ?? -1,
      replicationFactor: s.replicationFactor ?? -1,
      assignments: (s.replicaAssignment ?? []).map((brokerIds, partitionIndex) => ({
        ...messages.defaultCreateTopicsRequestCreatableReplicaAssignment(), partitionIndex, brokerIds,
      })),
      configs: Object.entries(s.configs ?? {}).map(([name, value]) => ({ ...messages.defaultCreateTopicsRequestCreatableTopicConfig(), name, value })),
    }));
    return (await this.cluster.any()).request(ApiKey.CreateTopics, req);
  }

  async deleteTopics(names: string[], options: { retryOnQuotaViolation?: boolean } = {}): Promise<void> {
    const results = await retryingOnQuotaViolation(names, options.retryOnQuotaViolation ?? true, async (pending) => {
      const req = messages.DeleteTopicsRequest.defaults();
      req.timeoutMs = ADMIN_TIMEOUT_MS;
      req.topicNames = [...pending];
      req.topics = pending.map((name) => ({ ...messages.defaultDeleteTopicsRequestDeleteTopicState(), name }));
      const res = await (await this.cluster.any()).request(ApiKey.DeleteTopics, req);
      return { results: new Map(res.responses.map((t, i) => [t.name ?? pending[i]!, t])), throttleTimeMs: res.throttleTimeMs };
    });
    for (const name of names) this.cluster.topics.delete(name);
    for (const [name, t] of results) check(`topic '${name}'`, t.errorCode, t.errorMessage);
  }

  /** Every topic the cluster has, internal ones included, sorted by name. */
  async listTopics(): Promise<TopicInfo[]> {
    const topics = await this.cluster.refreshMetadata(null);
    return topics.filter((t) => t.errorCode === ErrorCode.NONE).sort((a, b) => a.name.localeCompare(b.name));
  }

  async describeTopics(names: string[]): Promise<TopicInfo[]> {
    return this.retrying(async () => {
      const topics = await this.cluster.refreshMetadata(names);
      for (const t of topics) check(`topic '${t.name}'`, t.errorCode);
      return topics;
    });
  }

  /** Grows a topic to `count` partitions in total. */
  async createPartitions(topic: string, count: number, options: { retryOnQuotaViolation?: boolean } = {}): Promise<void> {
    const results = await retryingOnQuotaViolation([topic], options.retryOnQuotaViolation ?? true, async () => {
      const req = messages.CreatePartitionsRequest.defaults();
      req.timeoutMs = ADMIN_TIMEOUT_MS;
      req.topics = [{ ...messages.defaultCreatePartitionsRequestCreatePartitionsTopic(), name: topic, count, assignments: null }];
      const res = await (await this.cluster.any()).request(ApiKey.CreatePartitions, req);
      return { results: new Map(res.results.map((r) => [r.name, r])), throttleTimeMs: res.throttleTimeMs };
    });
    this.cluster.topics.delete(topic);
    for (const r of results.values()) check(`topic '${r.name}'`, r.errorCode, r.errorMessage);
  }

  /** A named broker's configs are that broker's to answer (as Java's Admin routes them); anything else goes to any broker. */
  private configConnection(type: ConfigResourceType, name: string): Promise<BrokerConnection> {
    if (type !== 'topic' && /^\d+$/.test(name)) return this.cluster.node(Number(name));
    return this.cluster.any();
  }

  /** A topic's or broker's configs (broker name: its node id), sorted by name. */
  async describeConfigs(type: ConfigResourceType, name: string, keys: string[] | null = null): Promise<ConfigEntry[]> {
    const req = messages.DescribeConfigsRequest.defaults();
    req.includeSynonyms = true;
    req.resources = [{
      ...messages.defaultDescribeConfigsRequestDescribeConfigsResource(), resourceType: RESOURCE_TYPE[type], resourceName: name, configurationKeys: keys,
    }];
    const res = await (await this.configConnection(type, name)).request(ApiKey.DescribeConfigs, req);
    const result = res.results[0];
    if (result === undefined) throw new ClientError(`${resourceLabel(type, name)}: empty DescribeConfigs response`, 'SAMSA_ERR_PROTOCOL');
    check(resourceLabel(type, name), result.errorCode, result.errorMessage);
    return result.configs.map((c) => ({
      name: c.name, value: c.value, source: sourceName(c.configSource), isDefault: c.isDefault, readOnly: c.readOnly, sensitive: c.isSensitive,
      synonyms: c.synonyms.map((s) => ({ name: s.name, value: s.value, source: sourceName(s.source) })),
    })).sort((a, b) => a.name.localeCompare(b.name));
  }

  async incrementalAlterConfigs(type: ConfigResourceType, name: string, change: { set?: Record<string, string>; delete?: string[] }): Promise<void> {
    const req = messages.IncrementalAlterConfigsRequest.defaults();
    const config = (key: string, configOperation: number, value: string | null): messages.IncrementalAlterConfigsRequestAlterableConfig => (
      { ...messages.defaultIncrementalAlterConfigsRequestAlterableConfig(), name: key, configOperation, value });
    req.resources = [{
      ...messages.defaultIncrementalAlterConfigsRequestAlterConfigsResource(),
      resourceType: RESOURCE_TYPE[type],
      resourceName: name,
      configs: [
        ...Object.entries(change.set ?? {}).map(([k, v]) => config(k, CONFIG_OP_SET, v)),
        ...(change.delete ?? []).map((k) => config(k, CONFIG_OP_DELETE, null)),
      ],
    }];
    const res = await (await this.configConnection(type, name)).request(ApiKey.IncrementalAlterConfigs, req);
    for (const r of res.responses) check(resourceLabel(type, name), r.errorCode, r.errorMessage);
  }

  /** The KIP-714 client-metrics subscriptions (CLIENT_METRICS config resources), by name. */
  async listClientMetricsResources(): Promise<string[]> {
    const res = await (await this.cluster.any()).request(ApiKey.ListClientMetricsResources, messages.ListClientMetricsResourcesRequest.defaults());
    check('client metrics', res.errorCode, null);
    return res.clientMetricsResources.map((r) => r.name).sort();
  }

  /** Per partition (all of the topic's when `partitions` is omitted): the earliest, latest, or first offset at or after a timestamp. */
  async listOffsets(topic: string, spec: 'earliest' | 'latest' | number, partitions?: number[]): Promise<PartitionOffset[]> {
    const timestamp = spec === 'earliest' ? EARLIEST_TIMESTAMP : spec === 'latest' ? LATEST_TIMESTAMP : BigInt(spec);
    return this.retrying(async () => {
      const info = await this.cluster.topic(topic);
      const wanted = partitions ?? info.partitions.map((p) => p.partition);
      const byLeader = new Map<number, number[]>();
      for (const p of wanted) {
        const leader = info.partitions[p]?.leader;
        if (leader === undefined) throw kafkaError(`topic '${topic}' partition ${p}`, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        byLeader.set(leader, [...(byLeader.get(leader) ?? []), p]);
      }
      const out: PartitionOffset[] = [];
      for (const [leader, ps] of byLeader) out.push(...await this.listOffsetsAt(await this.cluster.node(leader), topic, ps, timestamp));
      return out.sort((a, b) => a.partition - b.partition);
    });
  }

  private async listOffsetsAt(conn: BrokerConnection, topic: string, partitions: number[], timestamp: bigint): Promise<PartitionOffset[]> {
    const req = messages.ListOffsetsRequest.defaults();
    req.replicaId = -1;
    req.timeoutMs = ADMIN_TIMEOUT_MS;
    req.topics = [{
      ...messages.defaultListOffsetsRequestListOffsetsTopic(),
      name: topic,
      partitions: partitions.map((partitionIndex) => ({
        ...messages.defaultListOffsetsRequestListOffsetsPartition(), partitionIndex, currentLeaderEpoch: -1, timestamp, maxNumOffsets: 1,
      })),
    }];
    const res = await conn.request(ApiKey.ListOffsets, req);
    return res.topics.flatMap((t) => t.partitions.map((p) => {
      check(`topic '${topic}' partition ${p.partitionIndex}`, p.errorCode);
      return { partition: p.partitionIndex, offset: p.offset, timestamp: p.timestamp };
    }));
  }

  /** Deletes records before `offset` (-1: the high watermark); returns the new low watermark. */
  async deleteRecords(topic: string, partition: number, offset: bigint): Promise<bigint> {
    return this.retrying(async () => {
      const conn = await this.cluster.leaderFor(topic, partition).catch((e: unknown) => {
        throw e instanceof ClientError && e.code === 'SAMSA_ERR_UNKNOWN_PARTITION'
          ? kafkaError(`topic '${topic}' partition ${partition}`, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) : e;
      });
      const req = messages.DeleteRecordsRequest.defaults();
      req.timeoutMs = ADMIN_TIMEOUT_MS;
      req.topics = [{
        ...messages.defaultDeleteRecordsRequestDeleteRecordsTopic(),
        name: topic,
        partitions: [{ ...messages.defaultDeleteRecordsRequestDeleteRecordsPartition(), partitionIndex: partition, offset }],
      }];
      const res = await conn.request(ApiKey.DeleteRecords, req);
      const p = res.topics[0]?.partitions[0];
      if (p === undefined) throw new ClientError(`topic '${topic}': empty DeleteRecords response`, 'SAMSA_ERR_PROTOCOL');
      check(`topic '${topic}' partition ${partition}`, p.errorCode);
      return p.lowWatermark;
    });
  }

  async describeCluster(): Promise<ClusterDescription> {
    const req = messages.DescribeClusterRequest.defaults();
    const res = await (await this.cluster.any()).request(ApiKey.DescribeCluster, req);
    check('cluster', res.errorCode, res.errorMessage);
    return {
      clusterId: res.clusterId,
      controllerId: res.controllerId,
      brokers: res.brokers.map((b) => ({ nodeId: b.brokerId, host: b.host, port: b.port, rack: b.rack })).sort((a, b) => a.nodeId - b.nodeId),
    };
  }

  /**
   * Each broker's log directories and the partitions in them (Kafka's
   * describeLogDirs): all partitions, or only those of `topics`.
   */
  async describeLogDirs(brokerIds: number[], topics: string[] | null = null): Promise<BrokerLogDirs[]> {
    const req = messages.DescribeLogDirsRequest.defaults();
    // A null topic list asks for every partition; the codec's default (an empty list) asks for none.
    req.topics = null;
    if (topics !== null) {
      const described = await this.describeTopics(topics);
      req.topics = described.map((t) => ({ ...messages.defaultDescribeLogDirsRequestDescribableLogDirTopic(), topic: t.name, partitions: t.partitions.map((p) => p.partition) }));
    }
    const out: BrokerLogDirs[] = [];
    for (const broker of brokerIds) {
      const res = await (await this.cluster.node(broker)).request(ApiKey.DescribeLogDirs, req);
      check(`log dirs of broker ${broker}`, res.errorCode, null);
      out.push({
        broker,
        logDirs: res.results.map((d) => ({
          logDir: d.logDir, errorCode: d.errorCode, totalBytes: d.totalBytes, usableBytes: d.usableBytes,
          partitions: d.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, size: p.partitionSize, offsetLag: p.offsetLag, isFuture: p.isFutureKey }))),
        })),
      });
    }
    return out;
  }

  /** Kafka's Admin.describeFeatures: the supported and finalized features a broker's ApiVersions reports. */
  async describeFeatures(): Promise<FeatureMetadata> {
    const res = await (await this.cluster.any()).request(ApiKey.ApiVersions, {
      ...messages.ApiVersionsRequest.defaults(), clientSoftwareName: 'samsa', clientSoftwareVersion: '0',
    });
    check('describing features', res.errorCode, null);
    return {
      supported: res.supportedFeatures.map((f) => ({ name: f.name, minVersion: f.minVersion, maxVersion: f.maxVersion })),
      finalized: new Map(res.finalizedFeatures.map((f) => [f.name, f.maxVersionLevel])),
      finalizedEpoch: res.finalizedFeaturesEpoch,
    };
  }

  /**
   * Kafka's Admin.updateFeatures: new finalized levels, all or none. The
   * result per feature is null when it was (or, validateOnly, would be)
   * applied, else the error; a top-level error fails every feature.
   */
  async updateFeatures(
    updates: readonly FeatureLevelUpdate[], validateOnly: boolean,
  ): Promise<Map<string, { errorCode: number; errorMessage: string } | null>> {
    const res = await (await this.cluster.any()).request(ApiKey.UpdateFeatures, {
      ...messages.UpdateFeaturesRequest.defaults(), timeoutMs: ADMIN_TIMEOUT_MS, validateOnly,
      featureUpdates: updates.map((u) => ({
        ...messages.defaultUpdateFeaturesRequestFeatureUpdateKey(), feature: u.feature, maxVersionLevel: u.level,
        allowDowngrade: u.upgradeType !== 1, upgradeType: u.upgradeType,
      })),
    });
    const failure = (errorCode: number, errorMessage: string | null) => ({ errorCode, errorMessage: errorMessage ?? errorInfo(errorCode).name });
    const out = new Map<string, { errorCode: number; errorMessage: string } | null>();
    for (const u of updates) {
      const result = res.results.find((r) => r.feature === u.feature);
      if (res.errorCode !== ErrorCode.NONE) out.set(u.feature, failure(res.errorCode, res.errorMessage));
      else if (result !== undefined && result.errorCode !== ErrorCode.NONE) out.set(u.feature, failure(result.errorCode, result.errorMessage));
      else out.set(u.feature, null);
    }
    return out;
  }

  /**
   * ElectLeaders: preferred (0) or unclean (1) leader election, for the
   * partitions given or (null) all; one result per partition.
   */
  async electLeaders(
    electionType: 0 | 1, partitions: { topic: string; partition: number }[] | null,
  ): Promise<{ topic: string; partition: number; errorCode: number; errorMessage: string | null }[]> {
    const byTopic = new Map<string, number[]>();
    for (const p of partitions ?? []) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p.partition]);
    const res = await (await this.cluster.any()).request(ApiKey.ElectLeaders, {
      ...messages.ElectLeadersRequest.defaults(), electionType, timeoutMs: ADMIN_TIMEOUT_MS,
      topicPartitions: partitions === null ? null : [...byTopic].map(([topic, ids]) => ({ ...messages.defaultElectLeadersRequestTopicPartitions(), topic, partitions: ids })),
    });
    check('leader election', res.errorCode, null);
    for (const t of res.replicaElectionResults) this.cluster.topics.delete(t.topic);
    return res.replicaElectionResults.flatMap((t) => t.partitionResult.map((p) => ({
      topic: t.topic, partition: p.partitionId, errorCode: p.errorCode, errorMessage: p.errorMessage,
    })));
  }

  /** The groups every broker coordinates, sorted by id. */
  async listGroups(): Promise<GroupListing[]> {
    await this.cluster.refreshMetadata([]);
    const out = new Map<string, GroupListing>();
    for (const nodeId of this.cluster.brokers.keys()) {
      const res = await this.retrying(async () => {
        const r = await (await this.cluster.node(nodeId)).request(ApiKey.ListGroups, messages.ListGroupsRequest.defaults());
        check(`listing groups on broker ${nodeId}`, r.errorCode);
        return r;
      });
      for (const g of res.groups) out.set(g.groupId, { groupId: g.groupId, protocolType: g.protocolType, state: g.groupState, type: g.groupType });
    }
    return [...out.values()].sort((a, b) => a.groupId.localeCompare(b.groupId));
  }

  /** The connection to a group's coordinator. */
  private async coordinator(groupId: string): Promise<BrokerConnection> {
    const req = messages.FindCoordinatorRequest.defaults();
    req.key = groupId;
    req.keyType = GROUP_KEY_TYPE;
    req.coordinatorKeys = [groupId];
    const res = await (await this.cluster.any()).request(ApiKey.FindCoordinator, req);
    const c = res.coordinators[0];
    const found = c !== undefined
      ? { errorCode: c.errorCode, errorMessage: c.errorMessage, nodeId: c.nodeId }
      : { errorCode: res.errorCode, errorMessage: res.errorMessage, nodeId: res.nodeId };
    check(`group '${groupId}': finding its coordinator`, found.errorCode, found.errorMessage);
    return this.cluster.node(found.nodeId);
  }

  async describeGroups(groupIds: string[]): Promise<GroupDescription[]> {
    const out: GroupDescription[] = [];
    for (const groupId of groupIds) {
      out.push(await this.retrying(async () => {
        const req = messages.DescribeGroupsRequest.defaults();
        req.groups = [groupId];
        const res = await (await this.coordinator(groupId)).request(ApiKey.DescribeGroups, req);
        const g = res.groups[0];
        if (g === undefined) throw new ClientError(`group '${groupId}': empty DescribeGroups response`, 'SAMSA_ERR_PROTOCOL');
        check(`group '${groupId}'`, g.errorCode);
        return {
          groupId: g.groupId, state: g.groupState, protocolType: g.protocolType, protocol: g.protocolData,
          members: g.members.map((m) => ({
            memberId: m.memberId, groupInstanceId: m.groupInstanceId, clientId: m.clientId, host: m.clientHost,
            assignment: g.protocolType === 'consumer' ? decodeAssignment(m.memberAssignment) : [],
          })),
        };
      }));
    }
    return out;
  }

  /** KIP-848 groups (ConsumerGroupDescribe): epochs, assignor, members' current and target assignments; null for a group that is not one. */
  async describeConsumerGroup(groupId: string): Promise<ConsumerGroupDescription | null> {
    return this.retrying(async () => describeConsumerGroup(groupId, await this.coordinator(groupId)));
  }

  /** A group's committed offsets, every topic, sorted by topic and partition. */
  async fetchCommittedOffsets(groupId: string): Promise<GroupOffset[]> {
    return this.retrying(async () => {
      const req = messages.OffsetFetchRequest.defaults();
      req.groupId = groupId;
      req.topics = null;
      req.groups = [{ ...messages.defaultOffsetFetchRequestOffsetFetchRequestGroup(), groupId, memberId: null, memberEpoch: -1, topics: null }];
      const res = await (await this.coordinator(groupId)).request(ApiKey.OffsetFetch, req);
      const group = res.groups[0];
      check(`group '${groupId}'`, group?.errorCode ?? res.errorCode);
      const topics = group?.topics ?? res.topics;
      const out: GroupOffset[] = [];
      for (const t of topics) {
        for (const p of t.partitions) {
          check(`group '${groupId}' topic '${t.name}' partition ${p.partitionIndex}`, p.errorCode);
          if (p.committedOffset >= 0n) out.push({ topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, metadata: p.metadata });
        }
      }
      return out.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
    });
  }

  /** Commits offsets for a group with no active members (generation -1, no member id), as Kafka's tools do. */
  async commitGroupOffsets(groupId: string, offsets: GroupOffset[]): Promise<void> {
    const byTopic = new Map<string, GroupOffset[]>();
    for (const o of offsets) byTopic.set(o.topic, [...(byTopic.get(o.topic) ?? []), o]);
    const req = messages.OffsetCommitRequest.defaults();
    req.groupId = groupId;
    req.generationIdOrMemberEpoch = -1;
    req.memberId = '';
    req.groupInstanceId = null;
    req.retentionTimeMs = -1n;
    req.topics = [...byTopic].map(([name, ps]) => ({
      ...messages.defaultOffsetCommitRequestOffsetCommitRequestTopic(),
      name,
      partitions: ps.map((p) => ({
        ...messages.defaultOffsetCommitRequestOffsetCommitRequestPartition(),
        partitionIndex: p.partition, committedOffset: p.offset, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: p.metadata ?? '',
      })),
    }));
    await this.retrying(async () => {
      const res = await (await this.coordinator(groupId)).request(ApiKey.OffsetCommit, req);
      for (const t of res.topics) for (const p of t.partitions) check(`group '${groupId}' topic '${t.name}' partition ${p.partitionIndex}`, p.errorCode);
    });
  }

  /**
   * OffsetDelete (kafka-consumer-groups --delete-offsets): removes a group's
   * committed offsets for some partitions; one error code per partition
   * (GROUP_SUBSCRIBED_TO_TOPIC while a member still reads the topic).
   */
  async deleteGroupOffsets(groupId: string, partitions: { topic: string; partition: number }[]): Promise<{ topic: string; partition: number; errorCode: number }[]> {
    const byTopic = new Map<string, number[]>();
    for (const p of partitions) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p.partition]);
    return this.retrying(async () => {
      const res = await (await this.coordinator(groupId)).request(ApiKey.OffsetDelete, {
        ...messages.OffsetDeleteRequest.defaults(), groupId,
        topics: [...byTopic].map(([name, ids]) => ({
          ...messages.defaultOffsetDeleteRequestOffsetDeleteRequestTopic(), name,
          partitions: ids.map((partitionIndex) => ({ ...messages.defaultOffsetDeleteRequestOffsetDeleteRequestPartition(), partitionIndex })),
        })),
      });
      check(`group '${groupId}'`, res.errorCode);
      return res.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, errorCode: p.errorCode })));
    });
  }

  async deleteGroups(groupIds: string[]): Promise<void> {
    for (const groupId of groupIds) {
      await this.retrying(async () => {
        const req = messages.DeleteGroupsRequest.defaults();
        req.groupsNames = [groupId];
        const res = await (await this.coordinator(groupId)).request(ApiKey.DeleteGroups, req);
        for (const r of res.results) check(`group '${r.groupId}'`, r.errorCode);
      });
    }
  }
}
