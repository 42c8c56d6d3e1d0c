/**
 * Positions found with ListOffsets (Kafka's OffsetFetcher): a partition
 * without one is reset to its earliest or latest offset (auto.offset.reset,
 * or what seek() asked for), and offsetsForTimes looks up the first offset at
 * or after a timestamp. Both ask each partition's leader at the consumer's
 * isolation level; a partition whose leader moved is asked again (by
 * offsetsForTimes at once, by a reset at the next poll).
 */
import { ApiKey, ClientError, ErrorCode, errorName, isRetriable, messages } from '../protocol/index.ts';
import type { Cluster } from './cluster.ts';
import { groupByLeader } from './partition-leaders.ts';
import { type PartitionState, partitionKey } from './partition-state.ts';

const EARLIEST_TIMESTAMP = -2n;
const LATEST_TIMESTAMP = -1n;
/** How long offsetsForTimes retries partitions whose leader moved. */
const LIST_OFFSETS_RETRY_MS_MAX = 10_000;

export class OffsetFetcher {
  private readonly cluster: Cluster;
  /** The consumer's assignment: a position is set only on the partition state still assigned when the answer arrives. */
  private readonly assigned: ReadonlyMap<string, PartitionState>;
  /** 0 (read_uncommitted) or 1 (read_committed). */
  private readonly isolationLevel: number;

  constructor(cluster: Cluster, assigned: ReadonlyMap<string, PartitionState>, isolationLevel: number) {
    this.cluster = cluster;
    this.assigned = assigned;
    this.isolationLevel = isolationLevel;
  }

  /** ListOffsets for every assigned partition without a position, at its reset strategy. */
  async resetPositions(): Promise<void> {
    const unresolved = [...this.assigned.values()].filter((s) => s.position === null);
    if (unresolved.length === 0) return;
    for (const s of unresolved) {
      if (s.reset === 'none') throw new ClientError(`no offset for ${s.topic}-${s.partition} and auto.offset.reset is none`, 'SAMSA_ERR_NO_OFFSET');
    }
    const found = await this.listOffsets(unresolved.map((s) => ({ topic: s.topic, partition: s.partition, timestamp: s.reset === 'earliest' ? EARLIEST_TIMESTAMP : LATEST_TIMESTAMP })));
    for (const s of unresolved) {
      const got = found.get(partitionKey(s.topic, s.partition));
      if (got !== undefined && s.position === null && this.assigned.get(partitionKey(s.topic, s.partition)) === s) s.position = got.offset;
    }
  }

  /**
   * Java's offsetsForTimes: per partition, the first offset whose timestamp
   * is at or after the given one (ms since the epoch), with that record's
   * timestamp; null where no record is that late. Under read_committed the
   * broker answers within the last stable offset. Works on any partition,
   * assigned or not.
   */
  async offsetsForTimes(query: readonly { topic: string; partition: number; timestamp: number | bigint }[]): Promise<({ topic: string; partition: number; offset: bigint; timestamp: bigint } | null)[]> {
    for (const q of query) {
      if (BigInt(q.timestamp) < 0n) throw new ClientError(`invalid timestamp ${q.timestamp} for ${q.topic}-${q.partition}: it must be >= 0`, 'SAMSA_ERR_CONFIG');
    }
    // A request names a partition once: the n-th query of each partition goes in round n.
    const seen = new Map<string, number>();
    const rounds: { index: number; topic: string; partition: number; timestamp: bigint }[][] = [];
    query.forEach((q, index) => {
      const round = seen.get(partitionKey(q.topic, q.partition)) ?? 0;
      seen.set(partitionKey(q.topic, q.partition), round + 1);
      (rounds[round] ??= []).push({ index, topic: q.topic, partition: q.partition, timestamp: BigInt(q.timestamp) });
    });
    const out: ({ topic: string; partition: number; offset: bigint; timestamp: bigint } | null)[] = new Array(query.length).fill(null);
    const deadline = performance.now() + LIST_OFFSETS_RETRY_MS_MAX;
    for (let pending of rounds) {
      while (pending.length > 0) {
        const found = await this.listOffsets(pending);
        for (const q of pending) {
          const got = found.get(partitionKey(q.topic, q.partition));
          if (got !== undefined && got.offset >= 0n) out[q.index] = { topic: q.topic, partition: q.partition, offset: got.offset, timestamp: got.timestamp };
        }
        pending = pending.filter((q) => !found.has(partitionKey(q.topic, q.partition)));
        if (pending.length > 0 && performance.now() > deadline) {
          throw new ClientError(`offsetsForTimes: no leader answered for ${pending.map((q) => `${q.topic}-${q.partition}`).join(', ')}`, 'SAMSA_ERR_TIMEOUT');
        }
        if (pending.length > 0) await new Promise((r) => setTimeout(r, 100));
      }
    }
    return out;
  }

  /**
   * One ListOffsets per leader, at this consumer's isolation level. Answers
   * by partition key; a partition with a retriable error (a moved leader) is
   * left out after dropping its cached metadata, for the caller to retry.
   */
  private async listOffsets(entries: readonly { topic: string; partition: number; timestamp: bigint }[]): Promise<Map<string, { offset: bigint; timestamp: bigint }>> {
    const out = new Map<string, { offset: bigint; timestamp: bigint }>();
    const byLeader = await groupByLeader(this.cluster, entries);
    await Promise.all([...byLeader].map(async ([node, list]) => {
      const req = messages.ListOffsetsRequest.defaults();
      req.isolationLevel = this.isolationLevel;
      const topics = new Map<string, messages.ListOffsetsRequestListOffsetsTopic>();
      for (const e of list) {
        let t = topics.get(e.topic);
        if (t === undefined) {
          t = { ...messages.defaultListOffsetsRequestListOffsetsTopic(), name: e.topic, partitions: [] };
          topics.set(e.topic, t);
          req.topics.push(t);
        }
        t.partitions.push({ ...messages.defaultListOffsetsRequestListOffsetsPartition(), partitionIndex: e.partition, timestamp: e.timestamp });
      }
      const res = await (await this.cluster.node(node)).request(ApiKey.ListOffsets, req);
      for (const t of res.topics) {
        for (const p of t.partitions) {
          if (p.errorCode === ErrorCode.NONE) out.set(partitionKey(t.name, p.partitionIndex), { offset: p.offset, timestamp: p.timestamp });
          else if (isRetriable(p.errorCode)) this.cluster.topics.delete(t.name);
          else throw new ClientError(`cannot list offsets of ${t.name}-${p.partitionIndex}: ${errorName(p.errorCode)}`, 'SAMSA_ERR_LIST_OFFSETS', p.errorCode);
        }
      }
    }));
    return out;
  }}
