/**
 * The cluster metadata as an immutable value. Records from the metadata log
 * are replayed into a MetadataDelta, which yields the next image; the old
 * image stays valid for whoever still holds it (a request in flight sees one
 * consistent view). Maps that a delta does not touch are shared.
 */
import { sasl } from '../protocol/index.ts';
import type { AclEntry } from './acls.ts';
import type { DelegationTokenImage } from './delegation-tokens.ts';
import type { MetadataRecord } from './record-frame.ts';
import type {
  ClientQuotaRecord, DelegationTokenRecord, PartitionChangeRecord, PartitionRecord, RegisterBrokerRecord, UserScramCredentialRecord,
} from './records/index.ts';
import { quotaEntityKey, sortedEntity, type ClientQuotaImage, type ClientQuotaMap } from './client-quotas.ts';

export const RecordType = {
  RegisterBroker: 0,
  UnregisterBroker: 1,
  Topic: 2,
  Partition: 3,
  Config: 4,
  PartitionChange: 5,
  FenceBroker: 7,
  UnfenceBroker: 8,
  RemoveTopic: 9,
  DelegationToken: 10,
  UserScramCredential: 11,
  FeatureLevel: 12,
  ClientQuota: 14,
  ProducerIds: 15,
  AccessControlEntry: 18,
  RemoveAccessControlEntry: 19,
  NoOp: 20,
  RemoveUserScramCredential: 22,
  RemoveDelegationToken: 26,
} as const;

/** ConfigRecord resource types, as in DescribeConfigs. */
export const ConfigResourceType = { Topic: 2, Broker: 4, ClientMetrics: 16 } as const;

export interface PartitionImage {
  readonly partitionId: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly partitionEpoch: number;
}

export interface TopicImage {
  readonly name: string;
  readonly id: string;
  /** Indexed by partition id. */
  readonly partitions: readonly PartitionImage[];
}

export interface BrokerEndpoint {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly securityProtocol: number;
}

export interface BrokerImage {
  readonly id: number;
  readonly epoch: bigint;
  readonly incarnationId: string;
  readonly endpoints: readonly BrokerEndpoint[];
  readonly rack: string | null;
  readonly fenced: boolean;
  /** The feature levels the broker registered as supported, by feature name. */
  readonly features: ReadonlyMap<string, { readonly min: number; readonly max: number }>;
}

type ConfigMap = ReadonlyMap<string, string>;

/** A user's SCRAM credential for one mechanism, as UserScramCredentialRecord carries it: never the password. */
export interface ScramCredentialImage {
  readonly salt: Buffer;
  readonly storedKey: Buffer;
  readonly serverKey: Buffer;
  readonly iterations: number;
}

/** SCRAM credentials by user name, then by mechanism name ('SCRAM-SHA-256', 'SCRAM-SHA-512'). */
type ScramMap = ReadonlyMap<string, ReadonlyMap<string, ScramCredentialImage>>;

export class MetadataImage {
  readonly offset: number;
  readonly topicsByName: ReadonlyMap<string, TopicImage>;
  readonly topicsById: ReadonlyMap<string, TopicImage>;
  readonly brokers: ReadonlyMap<number, BrokerImage>;
  /** Keyed by `${resourceType}:${resourceName}`. */
  readonly configs: ReadonlyMap<string, ConfigMap>;
  readonly features: ReadonlyMap<string, number>;
  readonly nextProducerId: bigint;
  readonly scramCredentials: ScramMap;
  /** Client quotas by entity key (quotaEntityKey). */
  readonly clientQuotas: ClientQuotaMap;
  /** ACLs by the id of the AccessControlEntryRecord that created them. */
  readonly acls: ReadonlyMap<string, AclEntry>;
  /** Delegation tokens by token id (never their HMACs: see delegation-tokens.ts). */
  readonly delegationTokens: ReadonlyMap<string, DelegationTokenImage>;

  constructor(fields: {
    offset: number; topicsByName: ReadonlyMap<string, TopicImage>; topicsById: ReadonlyMap<string, TopicImage>;
    brokers: ReadonlyMap<number, BrokerImage>; configs: ReadonlyMap<string, ConfigMap>;
    features: ReadonlyMap<string, number>; nextProducerId: bigint; scramCredentials: ScramMap; clientQuotas: ClientQuotaMap;
    acls: ReadonlyMap<string, AclEntry>; delegationTokens?: ReadonlyMap<string, DelegationTokenImage>;
  }) {
    this.offset = fields.offset;
    this.topicsByName = fields.topicsByName;
    this.topicsById = fields.topicsById;
    this.brokers = fields.brokers;
    this.configs = fields.configs;
    this.features = fields.features;
    this.nextProducerId = fields.nextProducerId;
    this.scramCredentials = fields.scramCredentials;
    this.clientQuotas = fields.clientQuotas;
    this.acls = fields.acls;
    this.delegationTokens = fields.delegationTokens ?? NO_TOKENS;
  }

  static empty(): MetadataImage {
    return new MetadataImage({
      offset: -1, topicsByName: new Map(), topicsById: new Map(), brokers: new Map(), configs: new Map(),
      features: new Map(), nextProducerId: 0n, scramCredentials: new Map(), clientQuotas: new Map(), acls: new Map(),
    });
  }

  topicConfigs(topic: string): ConfigMap {
    return this.configs.get(`${ConfigResourceType.Topic}:${topic}`) ?? EMPTY_CONFIG;
  }

  brokerConfigs(brokerId: number | ''): ConfigMap {
    return this.configs.get(`${ConfigResourceType.Broker}:${brokerId}`) ?? EMPTY_CONFIG;
  }

  scramCredential(user: string, mechanism: string): ScramCredentialImage | null {
    return this.scramCredentials.get(user)?.get(mechanism) ?? null;
  }
}

const EMPTY_CONFIG: ConfigMap = new Map();
const NO_TOKENS: ReadonlyMap<string, DelegationTokenImage> = new Map();

/** What a delta changed, so the broker can create or drop partition replicas. */
export interface MetadataChanges {
  readonly createdTopics: readonly TopicImage[];
  readonly deletedTopics: readonly TopicImage[];
  /** Topics whose partitions were added or changed (including created ones). */
  readonly changedTopics: readonly string[];
  readonly changedConfigs: readonly string[];
  /** Whether any client quota was set or removed. */
  readonly changedClientQuotas: boolean;
}

export class MetadataDelta {
  private readonly base: MetadataImage;
  private topicsById: Map<string, TopicImage> | null = null;
  private brokers: Map<number, BrokerImage> | null = null;
  private configs: Map<string, ConfigMap> | null = null;
  private features: Map<string, number> | null = null;
  private nextProducerId: bigint;
  private scramCredentials: Map<string, ReadonlyMap<string, ScramCredentialImage>> | null = null;
  private clientQuotas: Map<string, ClientQuotaImage> | null = null;
  private acls: Map<string, AclEntry> | null = null;
  private delegationTokens: Map<string, DelegationTokenImage> | null = null;
  private readonly created = new Map<string, TopicImage>();
  private readonly deleted = new Map<string, TopicImage>();
  private readonly changedTopicIds = new Set<string>();
  private readonly changedConfigKeys = new Set<string>();

  constructor(base: MetadataImage) {
    this.base = base;
    this.nextProducerId = base.nextProducerId;
  }

  private topics(): Map<string, TopicImage> {
    return (this.topicsById ??= new Map(this.base.topicsById));
  }

  replay(record: MetadataRecord): void {
    switch (record.type) {
      case RecordType.Topic: {
        const topic: TopicImage = { name: record.data.name, id: record.data.topicId, partitions: [] };
        this.topics().set(topic.id, topic);
        this.created.set(topic.id, topic);
        this.changedTopicIds.add(topic.id);
        break;
      }
      case RecordType.Partition: this.putPartition(record.data.topicId, partitionFromRecord(record.data)); break;
      case RecordType.PartitionChange: this.changePartition(record.data); break;
      case RecordType.RemoveTopic: {
        const topic = this.topics().get(record.data.topicId);
        if (topic === undefined) break;
        this.topics().delete(record.data.topicId);
        this.created.delete(record.data.topicId);
        this.deleted.set(record.data.topicId, topic);
        this.changedTopicIds.delete(record.data.topicId);
        this.setConfigs(`${ConfigResourceType.Topic}:${topic.name}`, null);
        break;
      }
      case RecordType.Config: this.putConfig(record.data.resourceType, record.data.resourceName, record.data.name, record.data.value); break;
      case RecordType.RegisterBroker: this.putBroker(record.data); break;
      case RecordType.UnregisterBroker: (this.brokers ??= new Map(this.base.brokers)).delete(record.data.brokerId); break;
      case RecordType.FenceBroker: case RecordType.UnfenceBroker: this.setFenced(record.data.id, record.type === RecordType.FenceBroker); break;
      case RecordType.FeatureLevel: this.setFeature(record.data.name, record.data.featureLevel); break;
      case RecordType.ProducerIds: this.nextProducerId = record.data.nextProducerId; break;
      case RecordType.UserScramCredential: this.putScram(record.data.name, record.data.mechanism, record.data); break;
      case RecordType.RemoveUserScramCredential: this.putScram(record.data.name, record.data.mechanism, null); break;
      case RecordType.ClientQuota: this.putClientQuota(record.data); break;
      case RecordType.AccessControlEntry: {
        const d = record.data;
        (this.acls ??= new Map(this.base.acls)).set(d.id, {
          resourceType: d.resourceType, resourceName: d.resourceName, patternType: d.patternType,
          principal: d.principal, host: d.host, operation: d.operation, permissionType: d.permissionType,
        });
        break;
      }
      case RecordType.RemoveAccessControlEntry: (this.acls ??= new Map(this.base.acls)).delete(record.data.id); break;
      case RecordType.DelegationToken: this.tokens().set(record.data.tokenId, tokenFromRecord(record.data)); break;
      case RecordType.RemoveDelegationToken: this.tokens().delete(record.data.tokenId); break;
      default: break; // Records this version does not act on stay in the log for later versions.
    }
  }

  private putPartition(topicId: string, partition: PartitionImage): void {
    const topic = this.topics().get(topicId);
    if (topic === undefined) return;
    const partitions = topic.partitions.slice();
    partitions[partition.partitionId] = partition;
    const next = { ...topic, partitions };
    this.topics().set(topicId, next);
    if (this.created.has(topicId)) this.created.set(topicId, next);
    this.changedTopicIds.add(topicId);
  }

  private changePartition(d: PartitionChangeRecord): void {
    const current = this.topics().get(d.topicId)?.partitions[d.partitionId];
    if (current === undefined) return;
    const leaderChanged = d.leader !== -2 && d.leader !== current.leader;
    this.putPartition(d.topicId, {
      partitionId: current.partitionId,
      replicas: d.replicas ?? current.replicas,
      isr: d.isr ?? current.isr,
      leader: d.leader === -2 ? current.leader : d.leader,
      leaderEpoch: leaderChanged || d.replicas !== null ? current.leaderEpoch + 1 : current.leaderEpoch,
      partitionEpoch: current.partitionEpoch + 1,
    });
  }

  private putConfig(resourceType: number, resourceName: string, name: string, value: string | null): void {
    const key = `${resourceType}:${resourceName}`;
    const next = new Map(this.configs?.get(key) ?? this.base.configs.get(key) ?? []);
    if (value === null) next.delete(name);
    else next.set(name, value);
    this.setConfigs(key, next);
  }

  private setConfigs(key: string, value: ConfigMap | null): void {
    const configs = (this.configs ??= new Map(this.base.configs));
    if (value === null || value.size === 0) configs.delete(key);
    else configs.set(key, value);
    this.changedConfigKeys.add(key);
  }

  private putBroker(d: RegisterBrokerRecord): void {
    (this.brokers ??= new Map(this.base.brokers)).set(d.brokerId, {
      id: d.brokerId,
      epoch: d.brokerEpoch,
      incarnationId: d.incarnationId,
      endpoints: d.endPoints.map((e) => ({ name: e.name, host: e.host, port: e.port, securityProtocol: e.securityProtocol })),
      rack: d.rack,
      fenced: d.fenced,
      features: new Map(d.features.map((f) => [f.name, { min: f.minSupportedVersion, max: f.maxSupportedVersion }])),
    });
  }

  /** As Kafka replays a FeatureLevelRecord: level 0 turns a feature off (metadata.version is never off). */
  private setFeature(name: string, level: number): void {
    const features = (this.features ??= new Map(this.base.features));
    if (level === 0 && name !== 'metadata.version') features.delete(name);
    else features.set(name, level);
  }

  /** Sets (credential) or removes (null) one user's credential for one mechanism; unknown mechanism ids are left alone. */
  private putScram(user: string, mechanismType: number, record: UserScramCredentialRecord | null): void {
    const mechanism = sasl.scram.scramMechanismByType(mechanismType);
    if (mechanism === null) return;
    const all = (this.scramCredentials ??= new Map(this.base.scramCredentials));
    const mine = new Map(all.get(user) ?? []);
    if (record === null) mine.delete(mechanism.name);
    else mine.set(mechanism.name, { salt: record.salt, storedKey: record.storedKey, serverKey: record.serverKey, iterations: record.iterations });
    if (mine.size === 0) all.delete(user);
    else all.set(user, mine);
  }

  /** Sets or removes one quota value of one entity; an entity whose last value goes is gone. */
  private putClientQuota(d: ClientQuotaRecord): void {
    const all = (this.clientQuotas ??= new Map(this.base.clientQuotas));
    const key = quotaEntityKey(d.entity);
    const current = all.get(key);
    const values = new Map(current?.values ?? []);
    if (d.remove) values.delete(d.key);
    else values.set(d.key, d.value);
    if (values.size === 0) all.delete(key);
    else all.set(key, { entity: current?.entity ?? sortedEntity(d.entity.map((e) => ({ entityType: e.entityType, entityName: e.entityName }))), values });
  }

  private tokens(): Map<string, DelegationTokenImage> {
    return (this.delegationTokens ??= new Map(this.base.delegationTokens));
  }

  private setFenced(id: number, fenced: boolean): void {
    const brokers = (this.brokers ??= new Map(this.base.brokers));
    const broker = brokers.get(id);
    if (broker !== undefined) brokers.set(id, { ...broker, fenced });
  }

  /** The image after everything replayed so far, at metadata log offset `offset`. */
  apply(offset: number): { image: MetadataImage; changes: MetadataChanges } {
    const topicsById = this.topicsById ?? this.base.topicsById;
    let topicsByName = this.base.topicsByName;
    if (this.topicsById !== null) {
      const byName = new Map<string, TopicImage>();
      for (const t of topicsById.values()) byName.set(t.name, t);
      topicsByName = byName;
    }
    const image = new MetadataImage({
      offset,
      topicsByName,
      topicsById,
      brokers: this.brokers ?? this.base.brokers,
      configs: this.configs ?? this.base.configs,
      features: this.features ?? this.base.features,
      nextProducerId: this.nextProducerId,
      scramCredentials: this.scramCredentials ?? this.base.scramCredentials,
      clientQuotas: this.clientQuotas ?? this.base.clientQuotas,
      acls: this.acls ?? this.base.acls,
      delegationTokens: this.delegationTokens ?? this.base.delegationTokens,
    });
    const changes: MetadataChanges = {
      createdTopics: [...this.created.values()],
      deletedTopics: [...this.deleted.values()],
      changedTopics: [...this.changedTopicIds].map((id) => topicsById.get(id)?.name).filter((n): n is string => n !== undefined),
      changedConfigs: [...this.changedConfigKeys],
      changedClientQuotas: this.clientQuotas !== null,
    };
    return { image, changes };
  }
}

function partitionFromRecord(d: PartitionRecord): PartitionImage {
  return {
    partitionId: d.partitionId,
    replicas: d.replicas,
    isr: d.isr,
    leader: d.leader,
    leaderEpoch: d.leaderEpoch,
    partitionEpoch: d.partitionEpoch,
  };
}

function tokenFromRecord(d: DelegationTokenRecord): DelegationTokenImage {
  return {
    tokenId: d.tokenId, owner: d.owner, requester: d.requester, renewers: [...d.renewers],
    issueTimestampMs: Number(d.issueTimestamp), maxTimestampMs: Number(d.maxTimestamp), expiryTimestampMs: Number(d.expirationTimestamp),
  };
}
