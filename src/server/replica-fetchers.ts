/**
 * Followers pull: for every partition this broker holds a replica of but
 * does not lead, a fetch loop per leader broker asks for the records after
 * this replica's log end (Fetch with replicaId, current leader epoch and the
 * epoch of its last record), appends them as they are, truncates first when
 * the leader answers with a diverging epoch (KIP-320), and keeps the
 * leader's high watermark. The set of loops follows the metadata image.
 */
import { BrokerConnection } from '../client/connection.ts';
import type { Partition, ReplicaManager } from '../broker/index.ts';
import { ProducerStateManager } from '../broker/producer-state.ts';
import type { MetadataImage } from '../metadata/index.ts';
import { ErrorCode, messages } from '../protocol/index.ts';

const FETCH_KEY = 1;
/** replica.fetch.backoff.ms */
const BACKOFF_MS = 1000;
const REQUEST_TIMEOUT_MS = 30_000;

export interface ReplicaFetchersDeps {
  nodeId: number;
  /** replica.fetch.wait.max.ms, replica.fetch.min.bytes, replica.fetch.max.bytes, replica.fetch.response.max.bytes */
  fetch: { waitMaxMs: number; minBytes: number; partitionMaxBytes: number; responseMaxBytes: number };
  replicas: ReplicaManager;
  image(): MetadataImage;
  brokerEpoch(): bigint;
  log(line: string): void;
}

export class ReplicaFetchers {
  private readonly deps: ReplicaFetchersDeps;
  private readonly loops = new Map<number, LeaderFetchLoop>();
  private stopped = false;

  constructor(deps: ReplicaFetchersDeps) {
    this.deps = deps;
  }

  /** Brings the loops in line with the image: one per leader this broker follows for some partition. */
  sync(): void {
    if (this.stopped) return;
    const byLeader = new Map<number, Partition[]>();
    for (const p of this.deps.replicas.all()) {
      if (p.leaderId === this.deps.nodeId || p.leaderId < 0 || !p.replicas.includes(this.deps.nodeId)) continue;
      appendTo(byLeader, p.leaderId, p);
    }
    for (const [leader, loop] of this.loops) {
      if (!byLeader.has(leader)) {
        loop.stop();
        this.loops.delete(leader);
      }
    }
    for (const [leader, partitions] of byLeader) {
      let loop = this.loops.get(leader);
      if (loop === undefined) {
        loop = new LeaderFetchLoop(leader, this.deps);
        this.loops.set(leader, loop);
        loop.start();
      }
      loop.partitions = partitions;
    }
  }

  stop(): void {
    this.stopped = true;
    for (const loop of this.loops.values()) loop.stop();
    this.loops.clear();
  }
}

class LeaderFetchLoop {
  partitions: Partition[] = [];
  private readonly leaderId: number;
  private readonly deps: ReplicaFetchersDeps;
  private connection: BrokerConnection | null = null;
  private running = false;

  constructor(leaderId: number, deps: ReplicaFetchersDeps) {
    this.leaderId = leaderId;
    this.deps = deps;
  }

  start(): void {
    this.running = true;
    void this.run();
  }

  stop(): void {
    this.running = false;
    this.connection?.close();
    this.connection = null;
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        const ok = await this.fetchOnce();
        if (!ok) await sleep(BACKOFF_MS);
      } catch (e) {
        if (this.running) this.deps.log(`replica fetch from broker ${this.leaderId} failed: ${(e as Error).message}`);
        this.connection?.close();
        this.connection = null;
        await sleep(BACKOFF_MS);
      }
    }
  }

  private async connect(): Promise<BrokerConnection | null> {
    if (this.connection !== null && !this.connection.isClosed) return this.connection;
    const endpoint = this.deps.image().brokers.get(this.leaderId)?.endpoints[0];
    if (endpoint === undefined) return null;
    this.connection = await BrokerConnection.open({
      host: endpoint.host, port: endpoint.port, clientId: `samsa-replica-fetcher-${this.deps.nodeId}`,
      requestTimeoutMs: REQUEST_TIMEOUT_MS + this.deps.fetch.waitMaxMs, connectTimeoutMs: 5000,
    });
    return this.connection;
  }

  /** One fetch for every partition followed from this leader; false when nothing could be asked. */
  private async fetchOnce(): Promise<boolean> {
    const partitions = this.partitions.filter((p) => p.leaderId === this.leaderId);
    if (partitions.length === 0) return false;
    const connection = await this.connect();
    if (connection === null || !this.running) return false;
    const byTopic = new Map<string, Partition[]>();
    for (const p of partitions) appendTo(byTopic, p.topicId, p);
    const request: messages.FetchRequest = {
      ...messages.FetchRequest.defaults(),
      replicaId: this.deps.nodeId,
      replicaState: { ...messages.defaultFetchRequestReplicaState(), replicaId: this.deps.nodeId, replicaEpoch: this.deps.brokerEpoch() },
      maxWaitMs: this.deps.fetch.waitMaxMs, minBytes: this.deps.fetch.minBytes, maxBytes: this.deps.fetch.responseMaxBytes,
      topics: [...byTopic].map(([topicId, ps]) => ({
        ...messages.defaultFetchRequestFetchTopic(), topic: ps[0]!.topic, topicId,
        partitions: ps.map((p) => ({
          ...messages.defaultFetchRequestFetchPartition(), partition: p.index, currentLeaderEpoch: p.leaderEpoch,
          fetchOffset: BigInt(p.logEndOffset), lastFetchedEpoch: p.log.leaderEpochCache.latestEpoch,
          logStartOffset: BigInt(p.logStartOffset), partitionMaxBytes: this.deps.fetch.partitionMaxBytes,
        })),
      })),
    };
    const response = await connection.request<messages.FetchResponse>(FETCH_KEY, request);
    if (response.errorCode !== ErrorCode.NONE) return false;
    let progressed = true;
    for (const topic of response.responses) {
      const asked = byTopic.get(topic.topicId) ?? [];
      for (const data of topic.partitions) {
        const partition = asked.find((p) => p.index === data.partitionIndex);
        if (partition === undefined || partition.leaderId !== this.leaderId) continue;
        if (!this.apply(partition, data)) progressed = false;
      }
    }
    return progressed;
  }

  /** Applies one partition's answer; false on an error (the loop backs off). */
  private apply(partition: Partition, data: messages.FetchResponsePartitionData): boolean {
    if (data.errorCode !== ErrorCode.NONE) return false;
    if (data.divergingEpoch.epoch !== -1 || data.divergingEpoch.endOffset !== -1n) {
      const to = truncationOffset(partition, data.divergingEpoch.epoch, Number(data.divergingEpoch.endOffset));
      this.deps.log(`${partition.topic}-${partition.index}: truncating to ${to}, where epoch ${data.divergingEpoch.epoch} ends on broker ${this.leaderId}`);
      partition.log.truncateTo(to);
      // The producer state may name batches that are gone: rebuild it from what is left.
      partition.producers = ProducerStateManager.load(partition.log);
      return true;
    }
    if (data.records !== null && data.records.length > 0) {
      partition.log.appendAsFollower(data.records);
      // Kept current so this replica can take over as leader and still recognise retries.
      partition.producers.observe(data.records);
    }
    partition.setFollowerHighWatermark(Number(data.highWatermark));
    return true;
  }
}

/**
 * Where a follower cuts its log when the leader says its last epoch diverges
 * (Kafka's follower truncation, KIP-279): the leader does not know the epoch
 * at all → the high watermark; the follower has that epoch too → the smaller
 * of the two ends; it does not → the end of the follower's own largest epoch
 * below it, and the next fetch (with that epoch) narrows it further.
 */
function truncationOffset(partition: Partition, leaderEpoch: number, leaderEndOffset: number): number {
  const end = partition.logEndOffset;
  if (leaderEndOffset < 0) return Math.min(partition.highWatermark, end);
  if (leaderEpoch < 0) return Math.min(leaderEndOffset, end);
  const local = partition.log.endOffsetForEpoch(leaderEpoch);
  if (local.endOffset < 0) return Math.min(leaderEndOffset, end);
  if (local.epoch !== leaderEpoch) return Math.min(local.endOffset, end);
  return Math.min(leaderEndOffset, local.endOffset, end);
}

function appendTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
