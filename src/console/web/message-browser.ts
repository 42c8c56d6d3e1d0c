/**
 * One page of a partition's records for the console's message browser: from
 * an offset, from the first offset at or after a timestamp, or (by default)
 * the newest page. Read with Samsa's consumer, assigned (no group, nothing
 * committed), and stopped at the page size, the log end or a short deadline.
 * Keys, values and header values go out as base64: the page decides how to
 * show them (UTF-8, JSON or hex).
 */
import type { Admin, Cluster } from '../../client/index.ts';
import { ClientError, Consumer } from '../../client/index.ts';
import { ApiError, type Query } from './api-error.ts';
import { existingTopic } from './topic-lookup.ts';

const PAGE_RECORDS_DEFAULT = 50;
const PAGE_RECORDS_MAX = 500;
/** A page is what arrives within this; a slow partition answers with fewer records rather than a hung page. */
const PAGE_WAIT_MS_MAX = 3000;

export interface BrowsedRecord {
  offset: string;
  timestamp: number;
  key: string | null;
  value: string | null;
  headers: { key: string; value: string | null }[];
}

export async function browseMessages(cluster: Cluster, admin: Admin, topic: string, query: Query): Promise<unknown> {
  const partition = intParam(query, 'partition') ?? 0;
  const limit = Math.min(intParam(query, 'limit') ?? PAGE_RECORDS_DEFAULT, PAGE_RECORDS_MAX);
  if (limit <= 0) throw new ApiError(400, "'limit' must be positive");
  const info = await existingTopic(cluster, topic, partition);
  try {
    return await page(cluster, admin, topic, partition, limit, query);
  } catch (e) {
    if (!(e instanceof ClientError) || e.kafkaErrorCode !== -1) throw e;
    const leader = info.partitions.find((p) => p.partition === partition)!.leader;
    throw new ApiError(503, `partition ${partition} of '${topic}' cannot be read: ${leader < 0 ? 'it has no leader' : `its leader, broker ${leader}, did not answer (${e.message})`}`, e.code);
  }
}

async function page(cluster: Cluster, admin: Admin, topic: string, partition: number, limit: number, query: Query): Promise<unknown> {
  const [start] = await admin.listOffsets(topic, 'earliest', [partition]);
  const [end] = await admin.listOffsets(topic, 'latest', [partition]);
  const startOffset = start!.offset;
  const endOffset = end!.offset;
  let from: bigint;
  const offset = intParam(query, 'offset');
  const timestamp = intParam(query, 'timestamp');
  if (offset !== undefined) {
    from = BigInt(offset);
  } else if (timestamp !== undefined) {
    const [found] = await admin.listOffsets(topic, timestamp, [partition]);
    from = found === undefined || found.offset < 0n ? endOffset : found.offset;
  } else {
    from = endOffset - BigInt(limit);
  }
  if (from < startOffset) from = startOffset;
  const records = from >= endOffset ? [] : await read(cluster, topic, partition, from, endOffset, limit);
  return {
    topic, partition, from: from.toString(), startOffset: startOffset.toString(), endOffset: endOffset.toString(),
    next: records.length === 0 ? from.toString() : (BigInt(records.at(-1)!.offset) + 1n).toString(), records,
  };
}

async function read(cluster: Cluster, topic: string, partition: number, from: bigint, endOffset: bigint, limit: number): Promise<BrowsedRecord[]> {
  const consumer = new Consumer(cluster, { maxPollRecords: limit, fetchMaxWaitMs: 200, autoOffsetReset: 'earliest', enableAutoCommit: false });
  const out: BrowsedRecord[] = [];
  const deadline = Date.now() + PAGE_WAIT_MS_MAX;
  try {
    consumer.assign([{ topic, partition, offset: from }]);
    while (out.length < limit && Date.now() < deadline) {
      const batch = await consumer.poll(Math.max(1, deadline - Date.now()));
      for (const r of batch) {
        if (out.length >= limit || r.offset >= endOffset) break;
        out.push({
          offset: r.offset.toString(), timestamp: Number(r.timestamp),
          key: r.key?.toString('base64') ?? null, value: r.value?.toString('base64') ?? null,
          headers: r.headers.map((h) => ({ key: h.key, value: h.value?.toString('base64') ?? null })),
        });
      }
      const last = out.at(-1);
      // Transaction markers and compacted gaps mean the last record may sit below endOffset - 1: stop at the position.
      const position = consumer.position(topic, partition);
      if ((last !== undefined && BigInt(last.offset) + 1n >= endOffset) || (position !== null && position >= endOffset)) break;
    }
  } finally {
    await consumer.close();
  }
  return out;
}

function intParam(query: Query, key: string): number | undefined {
  const v = query[key];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new ApiError(400, `'${key}' must be an integer, got '${v}'`);
  return n;
}
