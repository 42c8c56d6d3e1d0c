/**
 * What must hold after faults, as pure functions of what the clients were
 * told and what was read back (and, for replicas, what each node has on
 * disk):
 *
 * - every acknowledged record is in the log exactly once, at the offset it
 *   was acknowledged with; nothing at all is in the log twice;
 * - one producer's records of one partition sit in the log in the order it
 *   sent them, and their acknowledged offsets grow in that order;
 * - a group's committed offset is never behind the last commit the
 *   coordinator acknowledged;
 * - once healed and quiet, the replicas of a partition hold the same batches,
 *   byte for byte.
 *
 * Records are identified by their value, `<tag>-p<partition>-<seq>` (see
 * workload.py): the tag names one producer run, seq its send order within
 * the partition.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface RecordId {
  tag: string;
  partition: number;
  seq: number;
}

const VALUE_PATTERN = /^([a-z0-9]+)-p(\d+)-(\d+)$/;

export function parseValue(value: string): RecordId | null {
  const m = VALUE_PATTERN.exec(value);
  return m === null ? null : { tag: m[1]!, partition: Number(m[2]), seq: Number(m[3]) };
}

export interface Ack {
  value: string;
  partition: number;
  /**
   * Null when the client was told "persisted" without an offset: librdkafka's
   * idempotent producer concludes that from the broker's answers to a retry
   * (e.g. OUT_OF_ORDER_SEQUENCE_NUMBER past its own acknowledged sequence).
   */
  offset: number | null;
  atMs: number;
}

export interface ReadRecord {
  partition: number;
  offset: number;
  value: string;
}

export interface LogCheck {
  acked: number;
  read: number;
  /** Acknowledged, never read back. */
  lost: string[];
  /** In the log more than once (acknowledged or not). */
  duplicated: string[];
  /** Acknowledged at one offset, found at another (or that offset holds something else). */
  misplaced: string[];
  /** Read before a record its producer sent earlier to the same partition. */
  reordered: string[];
  /** Acknowledged with an offset not above that of a record its producer sent earlier. */
  ackedOutOfOrder: string[];
  /** Not a workload value, or in a partition other than its own. */
  foreign: string[];
  /** Acknowledged without an offset: checked for presence only (not a violation by itself). */
  ackedWithoutOffset: string[];
}

/** Values found more than once, in log order. */
function duplicatesOf(read: readonly ReadRecord[]): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const r of read) {
    if (seen.has(r.value)) twice.add(r.value);
    seen.add(r.value);
  }
  return [...twice];
}

/** Records grouped by partition and producer tag, in log order. */
function streams(read: readonly ReadRecord[]): Map<string, ReadRecord[]> {
  const byStream = new Map<string, ReadRecord[]>();
  const sorted = [...read].sort((a, b) => a.partition - b.partition || a.offset - b.offset);
  for (const r of sorted) {
    const id = parseValue(r.value);
    if (id === null) continue;
    const key = `${id.tag}/${r.partition}`;
    const list = byStream.get(key) ?? [];
    list.push(r);
    byStream.set(key, list);
  }
  return byStream;
}

function reorderedIn(read: readonly ReadRecord[]): string[] {
  const out: string[] = [];
  for (const records of streams(read).values()) {
    let seqMax = -1;
    for (const r of records) {
      const seq = parseValue(r.value)!.seq;
      if (seq <= seqMax) out.push(`${r.value} at ${r.partition}@${r.offset}, after seq ${seqMax}`);
      seqMax = Math.max(seqMax, seq);
    }
  }
  return out;
}

function ackedOutOfOrderIn(acks: readonly Ack[]): string[] {
  const out: string[] = [];
  const byStream = new Map<string, Ack[]>();
  for (const a of acks) {
    const id = parseValue(a.value);
    if (id === null || a.offset === null) continue;
    const key = `${id.tag}/${a.partition}`;
    const list = byStream.get(key);
    if (list === undefined) byStream.set(key, [a]);
    else list.push(a);
  }
  for (const list of byStream.values()) {
    list.sort((x, y) => parseValue(x.value)!.seq - parseValue(y.value)!.seq);
    for (let i = 1; i < list.length; i++) {
      if (list[i]!.offset! <= list[i - 1]!.offset!) out.push(`${list[i]!.value} acked at ${list[i]!.offset}, ${list[i - 1]!.value} at ${list[i - 1]!.offset}`);
    }
  }
  return out;
}

export function checkLog(acks: readonly Ack[], read: readonly ReadRecord[]): LogCheck {
  const count = new Map<string, number>();
  const at = new Map<string, string>();
  for (const r of read) {
    count.set(r.value, (count.get(r.value) ?? 0) + 1);
    at.set(`${r.partition}@${r.offset}`, r.value);
  }
  const lost: string[] = [];
  const misplaced: string[] = [];
  for (const a of acks) {
    if (!count.has(a.value)) {
      lost.push(`${a.value} (acked at ${a.partition}@${a.offset})`);
      continue;
    }
    if (a.offset === null) continue;
    const there = at.get(`${a.partition}@${a.offset}`);
    if (there !== a.value) misplaced.push(`${a.value} acked at ${a.partition}@${a.offset}, which holds ${there ?? 'nothing'}`);
  }
  const foreign = read.filter((r) => parseValue(r.value)?.partition !== r.partition).map((r) => `${r.value} at ${r.partition}@${r.offset}`);
  return {
    acked: acks.length, read: read.length, lost, duplicated: duplicatesOf(read), misplaced,
    reordered: reorderedIn(read), ackedOutOfOrder: ackedOutOfOrderIn(acks), foreign,
    ackedWithoutOffset: acks.filter((a) => a.offset === null).map((a) => a.value),
  };
}

const SHOWN_MAX = 10;

/** One line per kind of violation (with the first few examples); empty when the log is right. */
export function problemsOf(check: LogCheck): string[] {
  const kinds: [string, string[]][] = [
    ['lost', check.lost], ['duplicated', check.duplicated], ['misplaced', check.misplaced],
    ['reordered', check.reordered], ['acked out of order', check.ackedOutOfOrder], ['foreign', check.foreign],
  ];
  return kinds.filter(([, list]) => list.length > 0)
    .map(([kind, list]) => `${list.length} ${kind} of ${check.acked} acked: ${list.slice(0, SHOWN_MAX).join('; ')}${list.length > SHOWN_MAX ? '; …' : ''}`);
}

// ---------------------------------------------------------------- offset commits

export interface CommitAck {
  partition: number;
  offset: number;
  atMs: number;
}

/** Per partition, the committed offset read back must be at least the last one the coordinator acknowledged. */
export function checkCommits(acks: readonly CommitAck[], committed: ReadonlyMap<number, number>): string[] {
  const last = new Map<number, CommitAck>();
  for (const a of acks) last.set(a.partition, a);
  const out: string[] = [];
  for (const [partition, a] of last) {
    const now = committed.get(partition);
    if (now === undefined || now < a.offset) {
      out.push(`partition ${partition}: committed offset ${now ?? 'none'} is behind ${a.offset}, acknowledged at ${new Date(a.atMs).toISOString()}`);
    }
  }
  return out;
}

// ---------------------------------------------------------------- availability

/** The longest stretch inside [fromMs, toMs] with no acknowledgement at all. */
export function longestGap(ackTimesMs: readonly number[], fromMs: number, toMs: number): { ms: number; fromMs: number; toMs: number } {
  const times = ackTimesMs.filter((t) => t >= fromMs && t <= toMs).sort((a, b) => a - b);
  let best = { ms: 0, fromMs, toMs: fromMs };
  let previous = fromMs;
  for (const t of [...times, toMs]) {
    if (t - previous > best.ms) best = { ms: t - previous, fromMs: previous, toMs: t };
    previous = t;
  }
  return best;
}

// ---------------------------------------------------------------- replicas on disk

/**
 * One batch of a replica's log, from the RecordBatch v2 header (baseOffset
 * i64 @0, batchLength i32 @8, partitionLeaderEpoch i32 @12, magic i8 @16,
 * crc u32 @17, lastOffsetDelta i32 @23, recordCount i32 @57), with a digest
 * of all its bytes: followers store the leader's batches as they are.
 */
export interface BatchDigest {
  baseOffset: number;
  lastOffset: number;
  leaderEpoch: number;
  crc: number;
  sizeBytes: number;
  sha1: string;
}

export interface ReplicaLog {
  batches: BatchDigest[];
  /** Bytes at the end of the last segment that are not a whole batch (an append in progress, or a torn write). */
  tornBytes: number;
}

const BATCH_HEADER_BYTES = 61;
const LOG_OVERHEAD_BYTES = 12;
const SEGMENT_FILE = /^\d{20}\.log$/;

function batchesOf(bytes: Buffer, into: BatchDigest[]): number {
  let at = 0;
  while (at + BATCH_HEADER_BYTES <= bytes.length) {
    const length = bytes.readInt32BE(at + 8);
    if (length <= 0) break;
    const sizeBytes = LOG_OVERHEAD_BYTES + length;
    if (at + sizeBytes > bytes.length) break;
    const baseOffset = Number(bytes.readBigInt64BE(at));
    into.push({
      baseOffset,
      lastOffset: baseOffset + bytes.readInt32BE(at + 23),
      leaderEpoch: bytes.readInt32BE(at + 12),
      crc: bytes.readUInt32BE(at + 17),
      sizeBytes,
      sha1: createHash('sha1').update(bytes.subarray(at, at + sizeBytes)).digest('hex'),
    });
    at += sizeBytes;
  }
  return bytes.length - at;
}

/** Every batch of every segment of one partition directory, in offset order. */
export function readReplicaLog(dir: string): ReplicaLog {
  const batches: BatchDigest[] = [];
  let tornBytes = 0;
  for (const name of readdirSync(dir).filter((f) => SEGMENT_FILE.test(f)).sort()) {
    tornBytes = batchesOf(readFileSync(join(dir, name)), batches);
  }
  return { batches, tornBytes };
}

function describeBatch(b: BatchDigest | undefined): string {
  return b === undefined ? 'nothing' : `[${b.baseOffset}..${b.lastOffset}] epoch ${b.leaderEpoch} crc ${b.crc.toString(16)}`;
}

/**
 * Differences between the replicas of one partition; empty when all are
 * identical. A node in `prefixOnly` may hold less (it cannot write any
 * more), but what it holds must be the same.
 */
export function compareReplicas(logs: ReadonlyMap<number, ReplicaLog>, prefixOnly: readonly number[] = []): string[] {
  const full = [...logs].filter(([id]) => !prefixOnly.includes(id));
  const reference = [...(full.length > 0 ? full : [...logs])].sort((a, b) => b[1].batches.length - a[1].batches.length)[0];
  if (reference === undefined) return [];
  const [refId, ref] = reference;
  const out: string[] = [];
  for (const [id, log] of logs) {
    // A node that could not write any more may have a short write at its end, which recovery cuts on restart.
    if (log.tornBytes > 0 && !prefixOnly.includes(id)) out.push(`node ${id}: ${log.tornBytes} bytes after its last whole batch`);
    if (id === refId) continue;
    const count = prefixOnly.includes(id) ? Math.min(log.batches.length, ref.batches.length) : Math.max(log.batches.length, ref.batches.length);
    for (let i = 0; i < count; i++) {
      if (log.batches[i]?.sha1 !== ref.batches[i]?.sha1) {
        out.push(`node ${id} differs from node ${refId} at batch #${i}: ${describeBatch(log.batches[i])} vs ${describeBatch(ref.batches[i])}`);
        break;
      }
    }
    if (prefixOnly.includes(id) && log.batches.length > ref.batches.length) {
      out.push(`node ${id} holds ${log.batches.length - ref.batches.length} batches more than node ${refId}, from ${describeBatch(log.batches[ref.batches.length])}`);
    }
  }
  return out;
}

/** One transaction as its producer reported it (workload.py txn_produce). */
export interface TxnOutcome {
  k: number;
  /** What the coordinator confirmed: committed, aborted, or unknown (the client could not tell). */
  outcome: 'committed' | 'aborted' | 'unknown';
  values: string[];
}

export interface TxnCheck {
  transactions: number;
  committed: number;
  aborted: number;
  unknown: number;
  /** Of a transaction confirmed committed, not read by read_committed. */
  lost: string[];
  /** Of a transaction confirmed aborted, or of none at all, read by read_committed. */
  abortedRead: string[];
  /** Transactions of which read_committed saw some records but not all. */
  torn: number[];
  /** Read more than once. */
  duplicated: string[];
  /** Read by read_committed but missing from read_uncommitted, which must see everything. */
  unseenUncommitted: string[];
}

/**
 * Transactions are atomic and their outcome is what the coordinator said:
 * read_committed sees every record of each committed transaction, none of an
 * aborted one, all or none of one whose outcome the client never learned,
 * and each record once.
 */
export function checkTransactions(txns: readonly TxnOutcome[], committedRead: readonly ReadRecord[], uncommittedRead: readonly ReadRecord[]): TxnCheck {
  const seen = new Map<string, number>();
  for (const r of committedRead) seen.set(r.value, (seen.get(r.value) ?? 0) + 1);
  const everything = new Set(uncommittedRead.map((r) => r.value));
  const owner = new Map<string, TxnOutcome>();
  for (const t of txns) for (const v of t.values) owner.set(v, t);
  const check: TxnCheck = {
    transactions: txns.length, committed: 0, aborted: 0, unknown: 0,
    lost: [], abortedRead: [], torn: [], duplicated: [], unseenUncommitted: [],
  };
  for (const t of txns) {
    check[t.outcome]++;
    const present = t.values.filter((v) => seen.has(v));
    if (t.outcome === 'committed') check.lost.push(...t.values.filter((v) => !seen.has(v)));
    if (t.outcome === 'aborted') check.abortedRead.push(...present);
    if (present.length > 0 && present.length < t.values.length) check.torn.push(t.k);
  }
  for (const [v, n] of seen) {
    if (n > 1) check.duplicated.push(v);
    if (!owner.has(v)) check.abortedRead.push(v);
    if (!everything.has(v)) check.unseenUncommitted.push(v);
  }
  return check;
}

export function txnProblemsOf(c: TxnCheck): string[] {
  const problems: string[] = [];
  const list = (what: string, items: readonly unknown[]): void => {
    if (items.length > 0) problems.push(`${items.length} ${what}: ${items.slice(0, 10).join(', ')}`);
  };
  list('records of committed transactions lost', c.lost);
  list('records of aborted transactions read as committed', c.abortedRead);
  list('torn transactions', c.torn);
  list('records read twice', c.duplicated);
  list('records read committed but not uncommitted', c.unseenUncommitted);
  return problems;
}
