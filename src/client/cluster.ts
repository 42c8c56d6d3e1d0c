/**
 * The client's view of a cluster: one connection per broker, opened on first
 * use, and a metadata cache (brokers, topics, partition leaders) refreshed on
 * demand — callers refresh after NOT_LEADER_OR_FOLLOWER or
 * UNKNOWN_TOPIC_OR_PARTITION, as Kafka's clients do — and every
 * metadataMaxAgeMs (metadata.max.age.ms) for the topics it knows, so that new
 * partitions and moved leaders are seen without an error first. That refresh
 * runs on one unref'd timer, re-armed after each refresh of any kind.
 */
import { ApiKey, ErrorCode, messages } from '../protocol/index.ts';
import { BrokerConnection, ClientError, type ClientTlsOptions, type SaslClientOptions } from '../protocol/index.ts';


export interface ClientOptions {
  /** `host:port` entries (Kafka's bootstrap.servers). */
  bootstrapServers: string[];
  clientId?: string;
  requestTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** metadata.max.age.ms: the known topics' metadata is refreshed at least this often. Default 300000. */
  metadataMaxAgeMs?: number;
  /** TLS to every broker (security.protocol SSL or SASL_SSL): CA, client certificate and key in PEM, rejectUnauthorized, servername. */
  ssl?: ClientTlsOptions | null;
  /** SASL on every connection (SASL_PLAINTEXT or SASL_SSL): { mechanism: 'PLAIN', username, password }. */
  sasl?: SaslClientOptions | null;
}

export interface PartitionInfo {
  partition: number;
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
  errorCode: number;
}

export interface TopicInfo {
  name: string;
  topicId: string;
  isInternal: boolean;
  errorCode: number;
  partitions: PartitionInfo[];
}

export interface BrokerInfo {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

export function parseHostPort(text: string): { host: string; port: number } {
  const at = text.lastIndexOf(':');
  const port = Number(text.slice(at + 1));
  if (at <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new ClientError(`invalid bootstrap server '${text}': expected host:port`, 'SAMSA_ERR_CONFIG');
  }
  return { host: text.slice(0, at).replace(/^\[|\]$/g, ''), port };
}

export class Cluster {
  readonly clientId: string;
  private readonly options: Required<ClientOptions>;
  private readonly byNode = new Map<number, Promise<BrokerConnection>>();
  private bootstrap: Promise<BrokerConnection> | null = null;
  brokers = new Map<number, BrokerInfo>();
  topics = new Map<string, TopicInfo>();
  clusterId: string | null = null;
  controllerId = -1;
  private ageTimer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(options: ClientOptions) {
    if (options.bootstrapServers.length === 0) throw new ClientError('no bootstrap servers given', 'SAMSA_ERR_CONFIG');
    options.bootstrapServers.forEach(parseHostPort);
    this.options = {
      clientId: 'samsa', requestTimeoutMs: 30_000, connectTimeoutMs: 10_000, metadataMaxAgeMs: 300_000, ssl: null, sasl: null, ...options,
    };
    this.clientId = this.options.clientId;
    if (!Number.isInteger(this.options.metadataMaxAgeMs) || this.options.metadataMaxAgeMs <= 0) {
      throw new ClientError(`invalid metadataMaxAgeMs ${this.options.metadataMaxAgeMs}`, 'SAMSA_ERR_CONFIG');
    }
  }

  private open(host: string, port: number): Promise<BrokerConnection> {
    return BrokerConnection.open({
      host, port, clientId: this.options.clientId, requestTimeoutMs: this.options.requestTimeoutMs, connectTimeoutMs: this.options.connectTimeoutMs,
      ssl: this.options.ssl, sasl: this.options.sasl,
    });
  }

  /** Any live connection: the bootstrap one, trying each bootstrap server in turn. */
  async any(): Promise<BrokerConnection> {
    const current = this.bootstrap === null ? null : await this.bootstrap.catch(() => null);
    if (current !== null && !current.isClosed) return current;
    this.bootstrap = (async () => {
      let last: Error | null = null;
      for (const server of this.options.bootstrapServers) {
        const { host, port } = parseHostPort(server);
        try {
          return await this.open(host, port);
        } catch (e) {
          last = e as Error;
        }
      }
      throw last ?? new ClientError('no bootstrap server reachable', 'SAMSA_ERR_CONNECT');
    })();
    return this.bootstrap;
  }

  /** The connection to one broker by node id (from metadata). */
  async node(nodeId: number): Promise<BrokerConnection> {
    const existing = this.byNode.get(nodeId);
    if (existing !== undefined) {
      const c = await existing.catch(() => null);
      if (c !== null && !c.isClosed) return c;
    }
    let broker = this.brokers.get(nodeId);
    if (broker === undefined) {
      await this.refreshMetadata([]);
      broker = this.brokers.get(nodeId);
    }
    if (broker === undefined) throw new ClientError(`unknown broker ${nodeId}`, 'SAMSA_ERR_NO_BROKER');
    const opened = this.open(broker.host, broker.port);
    this.byNode.set(nodeId, opened);
    return opened;
  }

  /** Refreshes metadata for some topics (null: all topics; []: brokers only). */
  async refreshMetadata(topics: string[] | null, allowAutoTopicCreation = false): Promise<TopicInfo[]> {
    const req = messages.MetadataRequest.defaults();
    req.topics = topics === null ? null : topics.map((name) => ({ ...messages.defaultMetadataRequestMetadataRequestTopic(), name }));
    req.allowAutoTopicCreation = allowAutoTopicCreation;
    const res = await (await this.any()).request(ApiKey.Metadata, req);
    this.clusterId = res.clusterId;
    this.controllerId = res.controllerId;
    this.brokers = new Map(res.brokers.map((b) => [b.nodeId, { nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack }]));
    const out: TopicInfo[] = res.topics.map((t) => ({
      name: t.name ?? '', topicId: t.topicId, isInternal: t.isInternal, errorCode: t.errorCode,
      partitions: t.partitions.map((p) => ({
        partition: p.partitionIndex, leader: p.leaderId, leaderEpoch: p.leaderEpoch,
        replicas: p.replicaNodes, isr: p.isrNodes, errorCode: p.errorCode,
      })).sort((a, b) => a.partition - b.partition),
    }));
    if (topics === null) this.topics.clear();
    for (const t of out) {
      if (t.errorCode === ErrorCode.NONE) this.topics.set(t.name, t);
      else this.topics.delete(t.name);
    }
    if (topics === null || topics.length > 0) this.armAgeTimer();
    return out;
  }

  /** metadata.max.age.ms after the last topic refresh: refresh every cached topic. */
  private armAgeTimer(): void {
    if (this.closed) return;
    if (this.ageTimer !== null) {
      this.ageTimer.refresh();
      return;
    }
    this.ageTimer = setTimeout(() => {
      this.ageTimer = null;
      const known = [...this.topics.keys()];
      // A failed refresh keeps the old view; the next use that fails refreshes again.
      if (known.length > 0) this.refreshMetadata(known).catch(() => this.armAgeTimer());
    }, this.options.metadataMaxAgeMs);
    this.ageTimer.unref();
  }

  /** A topic's metadata, from the cache or fetched; throws a ClientError naming the topic when it is unknown. */
  async topic(name: string, allowAutoTopicCreation = false): Promise<TopicInfo> {
    const cached = this.topics.get(name);
    if (cached !== undefined) return cached;
    const [info] = await this.refreshMetadata([name], allowAutoTopicCreation);
    if (info === undefined || info.errorCode !== ErrorCode.NONE) {
      throw new ClientError(`unknown topic '${name}'`, 'SAMSA_ERR_UNKNOWN_TOPIC', info?.errorCode ?? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    }
    return info;
  }

  async leaderFor(topic: string, partition: number): Promise<BrokerConnection> {
    const info = await this.topic(topic);
    const p = info.partitions[partition];
    if (p === undefined) throw new ClientError(`topic '${topic}' has no partition ${partition}`, 'SAMSA_ERR_UNKNOWN_PARTITION', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    return this.node(p.leader);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.ageTimer !== null) clearTimeout(this.ageTimer);
    this.ageTimer = null;
    const all = [...this.byNode.values(), ...(this.bootstrap ? [this.bootstrap] : [])];
    this.byNode.clear();
    this.bootstrap = null;
    for (const c of all) (await c.catch(() => null))?.close();
  }
}
