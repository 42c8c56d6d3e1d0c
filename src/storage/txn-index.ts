/**
 * The aborted transactions of one segment (Kafka's TransactionIndex), in
 * `<baseOffset>.txnindex` beside the segment's `.log`. The file is a plain
 * array of 34-byte entries, no header:
 *
 *   version int16 (0) | producerId int64 | firstOffset int64 |
 *   lastOffset int64 | lastStableOffset int64
 *
 * An entry lives in the segment that holds the transaction's ABORT marker:
 * firstOffset is the transaction's first offset (possibly in an older
 * segment), lastOffset the marker's offset, lastStableOffset the partition's
 * last stable offset right after the abort completed. Entries are appended
 * in marker order, so lastOffset increases through a file.
 *
 * As in Kafka the file exists only once a segment has an entry. An entry is
 * written to the file when it is appended (an aborted transaction is rare,
 * and a read_committed fetch must find it whatever happens next) and fsynced
 * with the segment. Storage cannot rebuild the index from the log alone (the
 * first offset and the last stable offset come from producer state), so
 * recovery keeps the entries and only drops those past the recovered log
 * end; the broker's producer-state replay adds the missing ones, which
 * appendIfNew makes idempotent.
 */
import fs from 'node:fs';
import { fileSizeOrMissing, readFully, writeFully } from './fs-util.ts';

export const TXN_INDEX_ENTRY_BYTES = 34;
const TXN_INDEX_VERSION = 0;

export interface AbortedTxn {
  producerId: bigint;
  firstOffset: number;
  lastOffset: number;
  lastStableOffset: number;
}

export class TxnIndex {
  readonly path: string;
  /** Null until first needed: a broker with many old segments reads none of their indexes at start. */
  private entries: AbortedTxn[] | null;
  private fd: number;
  private unsynced: boolean;

  private constructor(path: string, entries: AbortedTxn[] | null) {
    this.path = path;
    this.entries = entries;
    this.fd = -1;
    this.unsynced = false;
  }

  /** An index with no entries; no file until the first append. An existing file of that name is emptied. */
  static empty(path: string): TxnIndex {
    if (fileSizeOrMissing(path) >= 0) fs.truncateSync(path, 0);
    return new TxnIndex(path, []);
  }

  /** The index of a segment found on disk, read on first use. */
  static open(path: string): TxnIndex {
    return new TxnIndex(path, null);
  }

  get count(): number {
    return this.load().length;
  }

  /** The entries, oldest first (read-only use). */
  all(): readonly AbortedTxn[] {
    return this.load();
  }

  private load(): AbortedTxn[] {
    if (this.entries !== null) return this.entries;
    const size = fileSizeOrMissing(this.path);
    const entries: AbortedTxn[] = [];
    if (size > 0) {
      // A torn last entry (a crash mid-write) is dropped; the replay of producer state writes it again.
      const whole = size - (size % TXN_INDEX_ENTRY_BYTES);
      const buf = Buffer.allocUnsafe(whole);
      const fd = fs.openSync(this.path, 'r');
      try {
        readFully(fd, buf, 0, whole, 0);
      } finally {
        fs.closeSync(fd);
      }
      for (let at = 0; at < whole; at += TXN_INDEX_ENTRY_BYTES) {
        const entry = decodeEntry(buf, at);
        if (entry === null) break;
        entries.push(entry);
      }
      if (entries.length * TXN_INDEX_ENTRY_BYTES !== size) fs.truncateSync(this.path, entries.length * TXN_INDEX_ENTRY_BYTES);
    }
    this.entries = entries;
    return entries;
  }

  /**
   * Appends an entry unless one for the same marker (or a later one) is
   * there already: a replay after a restart meets markers whose entries
   * reached the file before. Returns whether it was written.
   */
  appendIfNew(entry: AbortedTxn): boolean {
    const entries = this.load();
    const last = entries[entries.length - 1];
    if (last !== undefined && last.lastOffset >= entry.lastOffset) return false;
    const buf = Buffer.allocUnsafe(TXN_INDEX_ENTRY_BYTES);
    encodeEntry(entry, buf, 0);
    writeFully(this.openForWrite(), buf, 0, buf.length, entries.length * TXN_INDEX_ENTRY_BYTES);
    entries.push({ ...entry });
    this.unsynced = true;
    return true;
  }

  /**
   * Kafka's collectAbortedTxns: the entries with lastOffset >= fetchOffset
   * and firstOffset < upperBoundOffset go into `out`. Returns true when an
   * entry's lastStableOffset reaches upperBoundOffset: no later segment can
   * hold a transaction that overlaps [fetchOffset, upperBoundOffset).
   */
  collect(fetchOffset: number, upperBoundOffset: number, out: AbortedTxn[]): boolean {
    for (const entry of this.load()) {
      if (entry.lastOffset >= fetchOffset && entry.firstOffset < upperBoundOffset) out.push({ ...entry });
      if (entry.lastStableOffset >= upperBoundOffset) return true;
    }
    return false;
  }

  /** Drops the entries whose marker is at or above `offset` (Kafka's TransactionIndex.truncateTo). */
  truncateTo(offset: number): void {
    const entries = this.load();
    let keep = entries.length;
    while (keep > 0 && entries[keep - 1]!.lastOffset >= offset) keep--;
    if (keep === entries.length) return;
    entries.length = keep;
    fs.ftruncateSync(this.openForWrite(), keep * TXN_INDEX_ENTRY_BYTES);
    this.unsynced = true;
  }

  /**
   * Creates the file while it has no entry (fsynced with the rest): the
   * cleaner's way of saying a cleaned segment's index is empty, not absent
   * (segment-swap.ts).
   */
  createFile(): void {
    this.openForWrite();
    this.unsynced = true;
  }

  /** fsyncs what was written since the last sync. */
  sync(): void {
    if (!this.unsynced) return;
    fs.fsyncSync(this.openForWrite());
    this.unsynced = false;
  }

  private openForWrite(): number {
    if (this.fd < 0) this.fd = fs.openSync(this.path, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o644);
    return this.fd;
  }

  closeFile(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
  }
}

function encodeEntry(entry: AbortedTxn, buf: Buffer, at: number): void {
  buf.writeInt16BE(TXN_INDEX_VERSION, at);
  buf.writeBigInt64BE(entry.producerId, at + 2);
  buf.writeBigInt64BE(BigInt(entry.firstOffset), at + 10);
  buf.writeBigInt64BE(BigInt(entry.lastOffset), at + 18);
  buf.writeBigInt64BE(BigInt(entry.lastStableOffset), at + 26);
}

/** null for an entry of an unknown version or with offsets out of order: the file ends there. */
function decodeEntry(buf: Buffer, at: number): AbortedTxn | null {
  if (buf.readInt16BE(at) !== TXN_INDEX_VERSION) return null;
  const entry = {
    producerId: buf.readBigInt64BE(at + 2),
    firstOffset: Number(buf.readBigInt64BE(at + 10)),
    lastOffset: Number(buf.readBigInt64BE(at + 18)),
    lastStableOffset: Number(buf.readBigInt64BE(at + 26)),
  };
  return entry.firstOffset >= 0 && entry.firstOffset <= entry.lastOffset ? entry : null;
}

/** The bytes of entries as the file holds them (for tools and tests). */
export function decodeTxnIndex(bytes: Buffer): AbortedTxn[] | null {
  if (bytes.length % TXN_INDEX_ENTRY_BYTES !== 0) return null;
  const out: AbortedTxn[] = [];
  for (let at = 0; at < bytes.length; at += TXN_INDEX_ENTRY_BYTES) {
    const entry = decodeEntry(bytes, at);
    if (entry === null) return null;
    out.push(entry);
  }
  return out;
}
