/**
 * An in-memory ReplicaLog for the replication simulation: whole record
 * batches kept as bytes, offsets assigned and epochs tracked by the real
 * LeaderEpochCache, exactly as PartitionLog does on disk, plus what the
 * checker needs: the record id at every offset and a running hash of the
 * log's prefix so two replicas compare in O(1). Aborted transactions are
 * kept in one list, in marker order, as the segments' `.txnindex` files
 * hold them on disk (with the same skip of an entry already recorded).
 * A control record (a transaction marker) has the id CONTROL_ID.
 */
import { LeaderEpochCache, type AbortedTxn } from '../../src/storage/index.ts';
import { RecordBatch, readBatchRecords } from '../../src/records/index.ts';
import type { ReplicaLog } from '../../src/broker/index.ts';

interface StoredBatch {
  base: number;
  last: number;
  bytes: Buffer;
}

/** The id of a control record's offset: markers are no client's record. */
export const CONTROL_ID = '#control';
const HASH_MULTIPLIER = 1_000_003;
const HASH_MODULUS = 2_147_483_647;

export class MemoryLog implements ReplicaLog {
  /** Times records were cut (truncation): what was at an offset can differ only after one. */
  cuts = 0;
  private batches: StoredBatch[] = [];
  private start = 0;
  private end = 0;
  readonly leaderEpochCache = LeaderEpochCache.inMemory();
  /** Record id (the record's value as text) at offset - start. */
  private ids: string[] = [];
  /** Hash of every id from the log start through offset - start. */
  private prefixHashes: number[] = [];
  private abortedTxns: AbortedTxn[] = [];

  get logStartOffset(): number {
    return this.start;
  }

  get logEndOffset(): number {
    return this.end;
  }

  append(records: Buffer): { firstOffset: number; lastOffset: number } {
    const batch = new RecordBatch(records, 0);
    batch.setBaseOffset(BigInt(this.end));
    return this.store(records);
  }

  appendAsFollower(records: Buffer): { firstOffset: number; lastOffset: number } {
    let first = -1;
    let last = -1;
    for (let at = 0; at < records.length;) {
      const batch = new RecordBatch(records, at);
      const base = Number(batch.baseOffset);
      if (base !== this.end) throw new Error(`follower append at ${base}, log ends at ${this.end}`);
      const stored = this.store(records.subarray(at, at + batch.sizeInBytes));
      if (first < 0) first = stored.firstOffset;
      last = stored.lastOffset;
      at += batch.sizeInBytes;
    }
    return { firstOffset: first, lastOffset: last };
  }

  private store(bytes: Buffer): { firstOffset: number; lastOffset: number } {
    const batch = new RecordBatch(bytes, 0);
    const base = Number(batch.baseOffset);
    const last = base + batch.lastOffsetDelta;
    if (batch.partitionLeaderEpoch > this.leaderEpochCache.latestEpoch) this.leaderEpochCache.assign(batch.partitionLeaderEpoch, base);
    this.batches.push({ base, last, bytes: Buffer.from(bytes) });
    for (const r of readBatchRecords(batch)) {
      const id = batch.isControl ? CONTROL_ID : r.value === null ? '' : r.value.toString();
      const previous = this.prefixHashes.length === 0 ? 0 : this.prefixHashes[this.prefixHashes.length - 1]!;
      this.ids.push(id);
      this.prefixHashes.push((previous * HASH_MULTIPLIER + hashOf(id)) % HASH_MODULUS);
    }
    this.end = last + 1;
    return { firstOffset: base, lastOffset: last };
  }

  read(fetchOffset: number, maxBytes: number, maxOffset: number, minOneMessage: boolean): { records: Buffer | null } {
    if (fetchOffset < this.start || fetchOffset > this.end) throw new Error(`read at ${fetchOffset} outside [${this.start}, ${this.end}]`);
    const out: Buffer[] = [];
    let bytes = 0;
    for (const b of this.batches) {
      if (b.last < fetchOffset) continue;
      if (b.last >= maxOffset) break;
      if (bytes + b.bytes.length > maxBytes && !(minOneMessage && out.length === 0)) break;
      out.push(b.bytes);
      bytes += b.bytes.length;
    }
    return { records: out.length === 0 ? null : Buffer.concat(out) };
  }

  endOffsetForEpoch(epoch: number): { epoch: number; endOffset: number } {
    return this.leaderEpochCache.endOffsetFor(epoch, this.end);
  }

  truncateTo(offset: number): void {
    if (offset >= this.end) {
      this.leaderEpochCache.truncateFromEnd(offset);
      return;
    }
    this.cuts++;
    // A batch straddling `offset` goes whole, as on disk: the log then ends at the last batch kept.
    const keep = this.batches.filter((b) => b.last < offset);
    this.batches = keep;
    this.end = keep.length === 0 ? this.start : keep[keep.length - 1]!.last + 1;
    this.abortedTxns = this.abortedTxns.filter((t) => t.lastOffset < this.end);
    this.ids.length = this.end - this.start;
    this.prefixHashes.length = this.end - this.start;
    this.leaderEpochCache.truncateFromEnd(this.end);
  }

  truncateFullyAndStartAt(offset: number): void {
    this.cuts++;
    this.batches = [];
    this.start = offset;
    this.end = offset;
    this.ids = [];
    this.prefixHashes = [];
    this.abortedTxns = [];
    this.leaderEpochCache.clear();
  }

  appendAbortedTxn(entry: AbortedTxn): void {
    const last = this.abortedTxns[this.abortedTxns.length - 1];
    if (last !== undefined && last.lastOffset >= entry.lastOffset) return;
    this.abortedTxns.push({ ...entry });
  }

  collectAbortedTxns(fetchOffset: number, upperBoundOffset: number): AbortedTxn[] {
    return this.abortedTxns.filter((t) => t.lastOffset >= fetchOffset && t.firstOffset < upperBoundOffset).map((t) => ({ ...t }));
  }

  /** The id of the record at `offset`, or undefined when the log does not hold it. */
  idAt(offset: number): string | undefined {
    return offset < this.start ? undefined : this.ids[offset - this.start];
  }

  /** Hash of the log's records from its start up to (not including) `offset`; null when it does not reach there. */
  prefixHash(offset: number): number | null {
    if (offset > this.end || this.start !== 0) return null;
    return offset === 0 ? 0 : this.prefixHashes[offset - 1]!;
  }

  allIds(): readonly string[] {
    return this.ids;
  }
}

function hashOf(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) % HASH_MODULUS;
  return h + 1;
}
