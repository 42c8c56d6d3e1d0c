/**
 * The consumer's fetcher: one Fetch per leader broker carrying every
 * partition it is given (no fetch sessions: each request is a full one,
 * session id 0 and epoch -1), and each partition's answer turned into
 * buffered records — decoded (decompressed), control batches skipped,
 * records before the position (the head of a compressed batch) dropped, and
 * under read_committed, aborted transactions filtered out (see
 * aborted-transactions.ts) and nothing read at or past the last stable
 * offset. An out-of-range offset is handed back to auto.offset.reset.
 */
import { ApiKey, ClientError, ErrorCode, errorName, isRetriable, messages } from '../protocol/index.ts';
import { readBatchRecords, scanBatches } from '../records/index.ts';
import type { Cluster } from './cluster.ts';
import { AbortedTransactions } from './aborted-transactions.ts';
import { groupByLeader } from './partition-leaders.ts';
import { type OffsetResetStrategy, type PartitionState, partitionKey } from './partition-state.ts';

/** Fetch's and ListOffsets' isolationLevel for read_committed (0 is read_uncommitted). */
export const READ_COMMITTED = 1;

export interface FetcherOptions {
  /** fetch.min.bytes */
  readonly fetchMinBytes: number;
  /** fetch.max.bytes */
  readonly fetchMaxBytes: number;
  /** max.partition.fetch.bytes */
  readonly partitionMaxBytes: number;
  /** 0 (read_uncommitted) or READ_COMMITTED */
  readonly isolationLevel: number;
  /** auto.offset.reset: what an out-of-range position becomes. */
  readonly autoOffsetReset: OffsetResetStrategy;
}

export class Fetcher {
  private readonly cluster: Cluster;
  /**
   * The consumer's assignment, looked up again when each answer arrives: a
   * partition unassigned (or reassigned) while its fetch was in flight is
   * left alone.
   */
  private readonly assigned: ReadonlyMap<string, PartitionState>;
  private readonly options: FetcherOptions;

  constructor(cluster: Cluster, assigned: ReadonlyMap<string, PartitionState>, options: FetcherOptions) {
    this.cluster = cluster;
    this.assigned = assigned;
    this.options = options;
  }

  /** Fetches these partitions from their leaders, waiting up to maxWaitMs for fetch.min.bytes. */
  async fetch(states: PartitionState[], maxWaitMs: number): Promise<void> {
    const byLeader = await groupByLeader(this.cluster, states);
    await Promise.all([...byLeader].map(([node, list]) => this.fetchFrom(node, list, maxWaitMs).catch((e: unknown) => {
      // A lost connection or timeout: drop cached metadata and let the next poll retry.
      if (e instanceof ClientError && e.code !== 'SAMSA_ERR_PROTOCOL') {
        for (const s of list) this.cluster.topics.delete(s.topic);
        return;
      }
      throw e;
    })));
  }

  private async fetchFrom(node: number, states: PartitionState[], maxWaitMs: number): Promise<void> {
    const req = messages.FetchRequest.defaults();
    req.maxWaitMs = maxWaitMs;
    req.minBytes = this.options.fetchMinBytes;
    req.maxBytes = this.options.fetchMaxBytes;
    req.isolationLevel = this.options.isolationLevel;
    req.sessionId = 0;
    req.sessionEpoch = -1;
    const topics = new Map<string, messages.FetchRequestFetchTopic>();
    const byId = new Map<string, string>();
    for (const s of states) {
      let t = topics.get(s.topic);
      if (t === undefined) {
        const topicId = this.cluster.topics.get(s.topic)?.topicId ?? messages.defaultFetchRequestFetchTopic().topicId;
        byId.set(topicId, s.topic);
        t = { ...messages.defaultFetchRequestFetchTopic(), topic: s.topic, topicId, partitions: [] };
        topics.set(s.topic, t);
        req.topics.push(t);
      }
      t.partitions.push({ ...messages.defaultFetchRequestFetchPartition(), partition: s.partition, fetchOffset: s.position!, partitionMaxBytes: this.options.partitionMaxBytes });
    }
    const res = await (await this.cluster.node(node)).request(ApiKey.Fetch, req);
    if (res.errorCode !== ErrorCode.NONE) throw new ClientError(`fetch failed: ${errorName(res.errorCode)}`, 'SAMSA_ERR_FETCH', res.errorCode);
    for (const t of res.responses) {
      const topic = t.topic !== '' ? t.topic : byId.get(t.topicId) ?? '';
      for (const p of t.partitions) this.onPartition(topic, p);
    }
  }

  private onPartition(topic: string, p: messages.FetchResponsePartitionData): void {
    const s = this.assigned.get(partitionKey(topic, p.partitionIndex));
    if (s === undefined || s.position === null) return;
    if (p.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) {
      if (this.options.autoOffsetReset === 'none') throw new ClientError(`offset ${s.position} out of range for ${topic}-${p.partitionIndex}`, 'SAMSA_ERR_OFFSET_OUT_OF_RANGE', p.errorCode);
      s.position = null;
      s.reset = this.options.autoOffsetReset;
      return;
    }
    if (p.errorCode !== ErrorCode.NONE) {
      if (isRetriable(p.errorCode)) {
        this.cluster.topics.delete(topic);
        return;
      }
      throw new ClientError(`fetch from ${topic}-${p.partitionIndex} failed: ${errorName(p.errorCode)}`, 'SAMSA_ERR_FETCH', p.errorCode);
    }
    s.highWatermark = p.highWatermark;
    s.lastStableOffset = p.lastStableOffset;
    if (p.records === null || p.records.length === 0) return;
    const fetchedFrom = s.position;
    const aborted = this.options.isolationLevel === READ_COMMITTED ? new AbortedTransactions(p.abortedTransactions) : null;
    // read_committed: nothing at or past the last stable offset, should a broker send it.
    const stableEnd = aborted !== null && p.lastStableOffset >= 0n ? p.lastStableOffset : null;
    for (const batch of scanBatches(p.records).batches) {
      if (stableEnd !== null && batch.baseOffset >= stableEnd) break;
      if (aborted?.skips(batch) === true) {
        if (batch.lastOffset >= s.position) s.position = batch.lastOffset + 1n;
        continue;
      }
      if (batch.lastOffset < fetchedFrom) continue;
      if (!batch.isControl) {
        for (const r of readBatchRecords(batch)) {
          if (r.offset < fetchedFrom) continue;
          s.buffered.push({ topic, partition: s.partition, offset: r.offset, timestamp: r.timestamp, key: r.key, value: r.value, headers: r.headers });
        }
      }
      s.position = batch.lastOffset + 1n;
    }
  }
}
