/**
 * The console's JSON API: what each page shows, asked of the cluster with
 * Samsa's own client over the node's client listener (Kafka's protocol, as
 * any admin tool would), plus what only this node knows (its metadata image
 * for fenced brokers, its traffic counters for throughput). Changes go
 * through the same Admin calls as the `samsa` commands, so Kafka's checks
 * and error messages apply unchanged.
 */
import { Admin, ClientError, Cluster, type GroupListing, type GroupOffset, type TopicInfo } from '../../client/index.ts';
import { ApiKey, ErrorCode, errorInfo, messages } from '../../protocol/index.ts';
import type { RunningBroker as NodeHandle } from '../../server/index.ts';
import { ApiError, type Query } from './api-error.ts';
import { browseMessages } from './message-browser.ts';
import { existingTopic } from './topic-lookup.ts';


const METADATA_TOPIC = '__cluster_metadata';
const CLIENT_ID = 'samsa-console';
/** The console answers a person: a broker that does not answer within this is reported, not waited for. */
const REQUEST_TIMEOUT_MS = 10_000;

export class ConsoleApi {
  private readonly node: NodeHandle;
  private client: { cluster: Cluster; admin: Admin } | null = null;

  constructor(node: NodeHandle) {
    this.node = node;
  }

  async close(): Promise<void> {
    await this.client?.cluster.close();
    this.client = null;
  }

  /** GET /api/<parts>. */
  async read(parts: string[], query: Query): Promise<unknown> {
    const [what, name, sub] = parts;
    if (what === 'overview' && parts.length === 1) return this.overview();
    if (what === 'throughput' && parts.length === 1) return this.throughput();
    if (what === 'topics' && parts.length === 1) return this.topics();
    if (what === 'topics' && name !== undefined && parts.length === 2) return this.topic(name);
    if (what === 'topics' && name !== undefined && sub === 'messages' && parts.length === 3) {
      return browseMessages(this.connect().cluster, this.connect().admin, name, query);
    }
    if (what === 'groups' && parts.length === 1) return this.groups();
    if (what === 'groups' && name !== undefined && parts.length === 2) return this.group(name);
    throw new ApiError(404, `no such API: GET /api/${parts.join('/')}`);
  }

  /** POST /api/<parts> with a JSON object. */
  async change(parts: string[], body: Record<string, unknown>): Promise<unknown> {
    const [what, name, sub] = parts;
    if (what === 'topics' && parts.length === 1) return this.createTopic(body);
    if (what === 'topics' && name !== undefined && sub === 'configs' && parts.length === 3) return this.alterConfigs(name, body);
    if (what === 'topics' && name !== undefined && sub === 'delete' && parts.length === 3) {
      await existingTopic(this.connect().cluster, name);
      await this.connect().admin.deleteTopics([name]);
      return { deleted: name };
    }
    if (what === 'groups' && name !== undefined && sub === 'reset-offsets' && parts.length === 3) return this.resetOffsets(name, body);
    throw new ApiError(404, `no such API: POST /api/${parts.join('/')}`);
  }

  /** Samsa's client on this node's first PLAINTEXT listener (the console has no credentials of its own). */
  private connect(): { cluster: Cluster; admin: Admin } {
    if (this.client !== null) return this.client;
    const listener = this.node.listeners.find((l) => l.securityProtocol === 'PLAINTEXT');
    if (listener === undefined) {
      const have = this.node.listeners.map((l) => `${l.name} (${l.securityProtocol})`).join(', ') || 'none (a controller-only node)';
      throw new ApiError(503, `the console reaches the cluster over a PLAINTEXT client listener, and this node has none: its listeners are ${have}`);
    }
    const host = listener.host.includes(':') ? `[${listener.host}]` : listener.host;
    const cluster = new Cluster({ bootstrapServers: [`${host}:${listener.port}`], clientId: CLIENT_ID, requestTimeoutMs: REQUEST_TIMEOUT_MS });
    this.client = { cluster, admin: new Admin(cluster) };
    return this.client;
  }

  private async overview(): Promise<unknown> {
    const { admin } = this.connect();
    const described = await admin.describeCluster();
    // Fenced brokers are missing from DescribeCluster: this node's metadata image has every registered one.
    const image = this.node.view.image();
    const brokers = [...image.brokers.values()].sort((a, b) => a.id - b.id).map((b) => {
      const live = described.brokers.find((d) => d.nodeId === b.id);
      const endpoint = b.endpoints[0];
      return {
        nodeId: b.id, rack: b.rack, fenced: b.fenced, controller: b.id === described.controllerId,
        host: live?.host ?? endpoint?.host ?? null, port: live?.port ?? endpoint?.port ?? null,
      };
    });
    let partitions = 0;
    let offline = 0;
    let underReplicated = 0;
    for (const t of image.topicsByName.values()) {
      for (const p of t.partitions) {
        partitions++;
        if (p.leader < 0) offline++;
        else if (p.isr.length < p.replicas.length) underReplicated++;
      }
    }
    return {
      clusterId: described.clusterId, controllerId: described.controllerId, servedBy: this.node.nodeId,
      // During an election DescribeQuorum is refused: the page says why and still shows the brokers.
      brokers, quorum: await this.quorum().catch((e: unknown) => {
        if (e instanceof ApiError || e instanceof ClientError) return { error: e.message };
        throw e;
      }), topics: image.topicsByName.size, partitions, offline, underReplicated,
    };
  }

  /** Kafka's DescribeQuorum, as `samsa metadata-quorum --describe` reads it. */
  private async quorum(): Promise<unknown> {
    const req = messages.DescribeQuorumRequest.defaults();
    req.topics = [{
      ...messages.defaultDescribeQuorumRequestTopicData(), topicName: METADATA_TOPIC,
      partitions: [{ ...messages.defaultDescribeQuorumRequestPartitionData(), partitionIndex: 0 }],
    }];
    const res = await (await this.connect().cluster.any()).request(ApiKey.DescribeQuorum, req);
    const p = res.topics[0]?.partitions[0];
    const errorCode = res.errorCode !== ErrorCode.NONE ? res.errorCode : p?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR;
    if (p === undefined || errorCode !== ErrorCode.NONE) {
      throw new ApiError(400, `the quorum could not be described: ${res.errorMessage || p?.errorMessage || errorInfo(errorCode).name}`, errorInfo(errorCode).name);
    }
    const hw = Number(p.highWatermark);
    const replica = (r: messages.DescribeQuorumResponseReplicaState, role: string) => ({
      nodeId: r.replicaId, role, logEndOffset: Number(r.logEndOffset), lag: Math.max(0, hw - Number(r.logEndOffset)),
      lastFetchTimestamp: Number(r.lastFetchTimestamp), lastCaughtUpTimestamp: Number(r.lastCaughtUpTimestamp),
    });
    return {
      leaderId: p.leaderId, leaderEpoch: p.leaderEpoch, highWatermark: hw,
      voters: p.currentVoters.map((r) => replica(r, r.replicaId === p.leaderId ? 'Leader' : 'Follower')),
      observers: p.observers.map((r) => replica(r, 'Observer')),
    };
  }

  /** This node's per-topic counters (the ones /metrics exports); the page turns two readings into rates. */
  private throughput(): unknown {
    const broker = this.node.view.broker;
    const topics = broker === null ? [] : [...broker.replicas.traffic.entries()].map(([topic, t]) => ({
      topic, messagesIn: t.messagesIn, bytesIn: t.bytesIn, bytesOut: t.bytesOut,
    }));
    return { nodeId: this.node.nodeId, atMs: Date.now(), topics: topics.sort((a, b) => a.topic.localeCompare(b.topic)) };
  }

  /**
   * Bytes per partition (the leader's replica) from every broker's DescribeLogDirs — the figure
   * kafka_log_log_size exports — for these topics; without a figure when a broker cannot say.
   */
  private async sizes(topics: string[]): Promise<Map<string, number>> {
    const { admin, cluster } = this.connect();
    const sizes = new Map<string, number>();
    const leaders = new Map<string, number>();
    for (const t of cluster.topics.values()) for (const p of t.partitions) leaders.set(`${t.name}/${p.partition}`, p.leader);
    const answers = await Promise.all([...cluster.brokers.keys()].map((id) => tolerate(() => admin.describeLogDirs([id], topics))));
    for (const b of answers.flatMap((a) => a ?? [])) {
      for (const dir of b.logDirs) {
        for (const p of dir.partitions) {
          const key = `${p.topic}/${p.partition}`;
          if (leaders.get(key) === b.broker || !sizes.has(key)) sizes.set(key, Number(p.size));
        }
      }
    }
    return sizes;
  }

  /** ListOffsets of each leader separately, so a leader that is down (or none) blanks only its own partitions. */
  private async offsets(info: TopicInfo, spec: 'earliest' | 'latest'): Promise<Map<number, bigint>> {
    const byLeader = new Map<number, number[]>();
    for (const p of info.partitions) if (p.leader >= 0) byLeader.set(p.leader, [...(byLeader.get(p.leader) ?? []), p.partition]);
    const out = new Map<number, bigint>();
    const answers = await Promise.all([...byLeader.values()].map((partitions) => tolerate(() => this.connect().admin.listOffsets(info.name, spec, partitions))));
    for (const o of answers.flatMap((a) => a ?? [])) out.set(o.partition, o.offset);
    return out;
  }

  private async topics(): Promise<unknown> {
    const { admin } = this.connect();
    const listed = await admin.listTopics();
    const sizes = await this.sizes(listed.map((t) => t.name));
    return listed.map((t) => ({
      name: t.name, topicId: t.topicId, internal: t.isInternal, partitions: t.partitions.length,
      replicationFactor: t.partitions[0]?.replicas.length ?? 0,
      underReplicated: t.partitions.filter((p) => p.isr.length < p.replicas.length).length,
      offline: t.partitions.filter((p) => p.leader < 0).length,
      sizeBytes: t.partitions.reduce((n, p) => n + (sizes.get(`${t.name}/${p.partition}`) ?? 0), 0),
    }));
  }

  private async topic(name: string): Promise<unknown> {
    const { admin, cluster } = this.connect();
    const info = await existingTopic(cluster, name);
    const [earliest, latest, configs, sizes] = await Promise.all([
      this.offsets(info, 'earliest'), this.offsets(info, 'latest'), admin.describeConfigs('topic', name), this.sizes([name]),
    ]);
    return {
      name, topicId: info.topicId, internal: info.isInternal,
      partitions: info.partitions.map((p) => ({
        partition: p.partition, leader: p.leader, leaderEpoch: p.leaderEpoch, replicas: p.replicas, isr: p.isr,
        startOffset: earliest.get(p.partition) ?? null,
        endOffset: latest.get(p.partition) ?? null,
        sizeBytes: sizes.get(`${name}/${p.partition}`) ?? null,
      })),
      configs: configs.map((c) => ({ name: c.name, value: c.sensitive ? null : c.value, source: c.source, isDefault: c.isDefault, readOnly: c.readOnly, sensitive: c.sensitive })),
    };
  }

  private async createTopic(body: Record<string, unknown>): Promise<unknown> {
    const name = stringField(body, 'name');
    const partitions = optionalInt(body, 'partitions') ?? -1;
    const replicationFactor = optionalInt(body, 'replicationFactor') ?? -1;
    const configs = stringMap(body, 'configs');
    const [created] = await this.connect().admin.createTopics([{ name, partitions, replicationFactor, configs }]);
    return created;
  }

  private async alterConfigs(name: string, body: Record<string, unknown>): Promise<unknown> {
    const set = stringMap(body, 'set');
    const remove = body.delete === undefined ? [] : body.delete;
    if (!Array.isArray(remove) || remove.some((k) => typeof k !== 'string')) throw new ApiError(400, "'delete' must be a list of config names");
    if (Object.keys(set).length === 0 && remove.length === 0) throw new ApiError(400, "nothing to change: give 'set' and/or 'delete'");
    await this.connect().admin.incrementalAlterConfigs('topic', name, { set, delete: remove as string[] });
    return { altered: name };
  }

  /** Every broker's ListGroups, each asked on its own: a broker that is down is named, and the others' groups still listed. */
  private async groups(): Promise<unknown> {
    const { cluster } = this.connect();
    await cluster.refreshMetadata([]);
    const unreachable: number[] = [];
    const listed = new Map<string, GroupListing>();
    await Promise.all([...cluster.brokers.keys()].map(async (id) => {
      const res = await tolerate(async () => (await cluster.node(id)).request(ApiKey.ListGroups, messages.ListGroupsRequest.defaults()));
      if (res === null || res.errorCode !== ErrorCode.NONE) unreachable.push(id);
      for (const g of res?.groups ?? []) listed.set(g.groupId, { groupId: g.groupId, protocolType: g.protocolType, state: g.groupState, type: g.groupType });
    }));
    const groups = [];
    for (const g of [...listed.values()].sort((a, b) => a.groupId.localeCompare(b.groupId))) {
      const lag = await tolerate(() => this.lagOf(g.groupId));
      groups.push({ ...g, lag: lag === null ? null : lag.reduce((n, p) => n + (p.lag ?? 0), 0), partitions: lag?.length ?? null });
    }
    return { groups, unreachable: unreachable.sort((a, b) => a - b) };
  }

  private async group(groupId: string): Promise<unknown> {
    const { admin } = this.connect();
    const [described] = await admin.describeGroups([groupId]);
    if (described === undefined || (described.state === 'Dead' && described.members.length === 0 && (await admin.fetchCommittedOffsets(groupId)).length === 0)) {
      throw new ApiError(404, `group '${groupId}' does not exist (GROUP_ID_NOT_FOUND)`, 'GROUP_ID_NOT_FOUND');
    }
    return { ...described, offsets: await this.lagOf(groupId), atMs: Date.now() };
  }

  /** Committed offset, log end offset and their difference for each partition the group committed. */
  private async lagOf(groupId: string): Promise<{ topic: string; partition: number; committed: bigint; endOffset: bigint | null; lag: number | null }[]> {
    const { admin, cluster } = this.connect();
    const committed = await admin.fetchCommittedOffsets(groupId);
    const ends = new Map<string, bigint>();
    const topics = [...new Set(committed.map((o) => o.topic))];
    const infos = topics.length === 0 ? [] : await cluster.refreshMetadata(topics);
    for (const info of infos.filter((t) => t.errorCode === ErrorCode.NONE)) {
      for (const [partition, offset] of await this.offsets(info, 'latest')) ends.set(`${info.name}/${partition}`, offset);
    }
    return committed.map((o) => {
      const end = ends.get(`${o.topic}/${o.partition}`) ?? null;
      return { topic: o.topic, partition: o.partition, committed: o.offset, endOffset: end, lag: end === null ? null : Math.max(0, Number(end - o.offset)) };
    });
  }

  /** kafka-consumer-groups --reset-offsets --to-earliest|--to-latest --execute, for an inactive group. */
  private async resetOffsets(groupId: string, body: Record<string, unknown>): Promise<unknown> {
    const to = body.to;
    if (to !== 'earliest' && to !== 'latest') throw new ApiError(400, "'to' must be \"earliest\" or \"latest\"");
    const onlyTopic = body.topic === undefined ? null : stringField(body, 'topic');
    const { admin, cluster } = this.connect();
    if (onlyTopic !== null) await existingTopic(cluster, onlyTopic);
    const [described] = await admin.describeGroups([groupId]);
    if (described !== undefined && described.state !== 'Empty' && described.state !== 'Dead') {
      throw new ApiError(400, `Assignments can only be reset if the group '${groupId}' is inactive, but the current state is ${described.state}.`, 'NON_EMPTY_GROUP');
    }
    const topics = onlyTopic !== null ? [onlyTopic] : [...new Set((await admin.fetchCommittedOffsets(groupId)).map((o) => o.topic))];
    if (topics.length === 0) throw new ApiError(400, `group '${groupId}' has no committed offsets to reset; name a topic`);
    const offsets: GroupOffset[] = [];
    for (const topic of topics) {
      for (const o of await admin.listOffsets(topic, to)) offsets.push({ topic, partition: o.partition, offset: o.offset });
    }
    await admin.commitGroupOffsets(groupId, offsets);
    return { groupId, offsets };
  }
}

function stringField(body: Record<string, unknown>, key: string): string {
  const v = body[key];
  if (typeof v !== 'string' || v === '') throw new ApiError(400, `'${key}' must be a non-empty string`);
  return v;
}

function optionalInt(body: Record<string, unknown>, key: string): number | undefined {
  const v = body[key];
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw new ApiError(400, `'${key}' must be an integer`);
  return n;
}

function stringMap(body: Record<string, unknown>, key: string): Record<string, string> {
  const v = body[key];
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v) || Object.values(v).some((x) => typeof x !== 'string')) {
    throw new ApiError(400, `'${key}' must be an object of config names to string values`);
  }
  return v as Record<string, string>;
}

/** The answer, or null when the cluster could not give it (a broker down, a Kafka refusal): the page shows what it has. */
async function tolerate<T>(ask: () => Promise<T>): Promise<T | null> {
  try {
    return await ask();
  } catch (e) {
    if (e instanceof ClientError) return null;
    throw e;
  }
}
