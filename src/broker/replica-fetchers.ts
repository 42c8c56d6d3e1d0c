/**
 * Followers pull: for every partition this broker holds a replica of but
 * does not lead, a fetch loop per leader broker asks for the records after
 * this replica's log end (Fetch with replicaId, current leader epoch and the
 * epoch of its last record) and acts on every answer through
 * `followerAction`: append, truncate where the logs diverge (KIP-320), start
 * over at the leader's log start, wait for metadata, or back off — and says
 * what it did. The set of loops follows the metadata image. Sockets are the
 * server's business: it hands this a transport.
 */
import type { MetadataImage } from '../metadata/index.ts';
import { isIoError } from '../storage/index.ts';
import { ErrorCode, messages } from '../protocol/index.ts';
import type { Partition } from './partition.ts';
import type { ReplicaManager } from './replica-manager.ts';
import { followerAction } from './replication/follower-fetch.ts';

/** How long a loop waits before asking again after an error (Kafka's replica.fetch.backoff.ms default). */
const BACKOFF_MS = 1000;

/** Sends a Fetch to another broker and gives its answer; rejects when the connection fails or times out. */
export interface ReplicaFetchTransport {
  fetch(leaderId: number, request: messages.FetchRequest): Promise<messages.FetchResponse>;
  /** Drops the connection to a leader (after an error, or when no longer followed). */
  close(leaderId: number): void;
}

export interface ReplicaFetchersDeps {
  nodeId: number;
  /** replica.fetch.wait.max.ms, replica.fetch.min.bytes, replica.fetch.max.bytes, replica.fetch.response.max.bytes */
  fetch: { waitMaxMs: number; minBytes: number; partitionMaxBytes: number; responseMaxBytes: number; backoffMs?: number };
  replicas: ReplicaManager;
  transport: ReplicaFetchTransport;
  image(): MetadataImage;
  brokerEpoch(): bigint;
  log(line: string, level?: 'warn' | 'error'): void;
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
      if (p.isLeader || p.leaderId < 0 || p.offline || !p.replicas.includes(this.deps.nodeId)) continue;
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
  private running = false;
  /** Last error logged per partition, so a partition stuck on one error logs it once, not every second. */
  private readonly lastError = new Map<Partition, number>();
  private lastFailure = '';

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
    this.deps.transport.close(this.leaderId);
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        const ok = await this.fetchOnce();
        this.lastFailure = '';
        if (!ok) await sleep(this.deps.fetch.backoffMs ?? BACKOFF_MS);
      } catch (e) {
        const message = (e as Error).message;
        if (this.running && message !== this.lastFailure) this.deps.log(`replica fetch from broker ${this.leaderId} failed: ${message}`, 'warn');
        this.lastFailure = message;
        this.deps.transport.close(this.leaderId);
        await sleep(this.deps.fetch.backoffMs ?? BACKOFF_MS);
      }
    }
  }

  /** One fetch for every partition followed from this leader; false when the loop should back off. */
  private async fetchOnce(): Promise<boolean> {
    const partitions = this.partitions.filter((p) => p.leaderId === this.leaderId && !p.offline);
    if (partitions.length === 0) return false;
    const byTopic = new Map<string, Partition[]>();
    for (const p of partitions) appendTo(byTopic, p.topicId, p);
    const asked = new Map<Partition, { fetchOffset: number; leaderEpoch: number; lastFetchedEpoch: number }>();
    const request: messages.FetchRequest = {
      ...messages.FetchRequest.defaults(),
      replicaId: this.deps.nodeId,
      replicaState: { ...messages.defaultFetchRequestReplicaState(), replicaId: this.deps.nodeId, replicaEpoch: this.deps.brokerEpoch() },
      maxWaitMs: this.deps.fetch.waitMaxMs, minBytes: this.deps.fetch.minBytes, maxBytes: this.deps.fetch.responseMaxBytes,
      topics: [...byTopic].map(([topicId, ps]) => ({
        ...messages.defaultFetchRequestFetchTopic(), topic: ps[0]!.topic, topicId,
        partitions: ps.map((p) => {
          asked.set(p, { fetchOffset: p.logEndOffset, leaderEpoch: p.leaderEpoch, lastFetchedEpoch: p.log.leaderEpochCache.latestEpoch });
          return {
            ...messages.defaultFetchRequestFetchPartition(), partition: p.index, currentLeaderEpoch: p.leaderEpoch,
            fetchOffset: BigInt(p.logEndOffset), lastFetchedEpoch: p.log.leaderEpochCache.latestEpoch,
            logStartOffset: BigInt(p.logStartOffset), partitionMaxBytes: this.deps.fetch.partitionMaxBytes,
          };
        }),
      })),
    };
    const response = await this.deps.transport.fetch(this.leaderId, request);
    if (response.errorCode !== ErrorCode.NONE) throw new Error(`the leader answered error ${response.errorCode}`);
    if (!this.running) return true;
    let progressed = true;
    for (const topic of response.responses) {
      const ofTopic = byTopic.get(topic.topicId) ?? [];
      for (const data of topic.partitions) {
        const partition = ofTopic.find((p) => p.index === data.partitionIndex);
        const sent = partition === undefined ? undefined : asked.get(partition);
        // The answer is for the state we asked from: a leadership change or a truncation since then makes it stale.
        if (partition === undefined || sent === undefined || partition.leaderId !== this.leaderId || partition.isLeader) continue;
        if (partition.leaderEpoch !== sent.leaderEpoch || partition.logEndOffset !== sent.fetchOffset) continue;
        if (partition.log.leaderEpochCache.latestEpoch !== sent.lastFetchedEpoch) continue;
        if (!this.apply(partition, sent.fetchOffset, data)) progressed = false;
      }
    }
    return progressed;
  }

  /** Applies one partition's answer; false when the loop should back off. */
  private apply(partition: Partition, fetchOffset: number, data: messages.FetchResponsePartitionData): boolean {
    const name = `${partition.topic}-${partition.index}`;
    const action = followerAction(partition.log, partition.highWatermark, fetchOffset, {
      errorCode: data.errorCode, highWatermark: Number(data.highWatermark), logStartOffset: Number(data.logStartOffset),
      divergingEpoch: { epoch: data.divergingEpoch.epoch, endOffset: Number(data.divergingEpoch.endOffset) }, records: data.records,
    });
    if (action.kind !== 'backoff' && action.kind !== 'awaitMetadata') this.lastError.delete(partition);
    try {
      switch (action.kind) {
        case 'append':
          if (action.records !== null && action.records.length > 0) {
            partition.appendAsFollower(action.records);
            this.deps.replicas.traffic.replicated(partition.topic, action.records.length);
          }
          {
            const hw = partition.highWatermark;
            partition.updateFollowerHighWatermark(action.highWatermark);
            // Consumers reading from this follower (KIP-392) long-poll on its high watermark.
            if (partition.highWatermark !== hw) this.deps.replicas.notifyAppend(partition);
          }
          return true;
        case 'truncate':
          this.deps.log(`${name}: truncating from ${partition.logEndOffset} to ${action.offset} as follower of broker ${this.leaderId}: ${action.reason}`);
          partition.truncateTo(action.offset);
          return true;
        case 'restartAt':
          this.deps.log(`${name}: starting over at ${action.offset} as follower of broker ${this.leaderId}: ${action.reason}`);
          partition.truncateFullyAndStartAt(action.offset);
          return true;
        case 'backoff': case 'awaitMetadata':
          if (this.lastError.get(partition) !== action.errorCode) {
            this.deps.log(`${name}: broker ${this.leaderId} answered error ${action.errorCode} to this follower; ${action.kind === 'backoff' ? 'retrying after a backoff' : 'waiting for new metadata'}`);
          }
          this.lastError.set(partition, action.errorCode);
          return false;
      }
    } catch (e) {
      // A disk error takes the log directory offline; anything else (a bad batch from the leader) backs off and retries.
      if (isIoError(e)) this.deps.replicas.handleStorageFailure(partition, e as Error);
      else this.deps.log(`${name}: could not apply the fetch from broker ${this.leaderId}: ${(e as Error).message}`, 'error');
      return false;
    }
  }
}


function appendTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
