/**
 * The storage behind both index files: fixed-size entries in a growable
 * in-memory Buffer, mirrored to a file that holds exactly the entries
 * written so far (no preallocation, so there is nothing to trim on close and
 * no zero tail to mistake for entries after a crash).
 *
 * The file lags memory: new entries reach it on `writeTail` (roll, flush,
 * close). That is safe because an index is only trusted after a restart
 * when its segment lies below the recovery point, and a segment only gets
 * there through a flush, which writes and fsyncs its indexes first; every
 * other segment's indexes are rebuilt from the log.
 *
 * Files opened from disk are loaded lazily, on the first lookup, so a broker
 * with many old segments does not read all their indexes at start.
 */
import fs from 'node:fs';
import { fileSizeOrMissing, readFully, writeFully } from './fs-util.ts';

/** The first allocation of a growing index; it doubles from there. */
const INITIAL_CAPACITY_ENTRIES = 64;

export class IndexStore {
  readonly path: string;
  readonly entryBytes: number;
  /** Entries in memory (or in the file, before it is loaded). */
  private count: number;
  /** Entries the file holds (rounded up when it ends in a partial entry). */
  private fileCount: number;
  /** Leading entries of the file known to equal memory; writeTail writes from here. */
  private syncedCount: number;
  /** Empty until loaded; `count * entryBytes` bytes of it are entries. */
  private buf: Buffer;
  private loaded: boolean;
  /** Open only while the index is being written (its segment is active). */
  private fd: number;
  /** Bytes were written or cut since the last fsync. */
  private unsynced: boolean;

  private constructor(path: string, entryBytes: number, count: number, loaded: boolean) {
    this.path = path;
    this.entryBytes = entryBytes;
    this.count = count;
    this.fileCount = count;
    this.syncedCount = count;
    this.buf = Buffer.alloc(0);
    this.loaded = loaded;
    this.fd = -1;
    this.unsynced = false;
  }

  /** A new, empty index: the file is created (or emptied) now, so the layout is visible at once. */
  static create(path: string, entryBytes: number): IndexStore {
    fs.closeSync(fs.openSync(path, 'w'));
    return new IndexStore(path, entryBytes, 0, true);
  }

  /** An index file as found on disk; -1 when it does not exist, -2 when its size is not whole entries. */
  static open(path: string, entryBytes: number): IndexStore | -1 | -2 {
    const size = fileSizeOrMissing(path);
    if (size < 0) return -1;
    if (size % entryBytes !== 0) return -2;
    return new IndexStore(path, entryBytes, size / entryBytes, false);
  }

  /** An empty index that replaces whatever is in the file on the next writeTail. */
  static rebuilt(path: string, entryBytes: number): IndexStore {
    const store = new IndexStore(path, entryBytes, 0, true);
    store.fileCount = Math.ceil(Math.max(0, fileSizeOrMissing(path)) / entryBytes);
    store.syncedCount = 0;
    return store;
  }

  get entries(): number {
    return this.count;
  }

  get isLoaded(): boolean {
    return this.loaded;
  }

  /** The entries' bytes; only valid once loaded. */
  get bytes(): Buffer {
    return this.buf;
  }

  /** Reads the file into memory once; the caller validates the entries. */
  load(): void {
    if (this.loaded) return;
    const buf = Buffer.allocUnsafe(this.count * this.entryBytes);
    const fd = fs.openSync(this.path, 'r');
    try {
      const got = readFully(fd, buf, 0, buf.length, 0);
      if (got !== buf.length) throw new Error(`index ${this.path} shrank while loading`);
    } finally {
      fs.closeSync(fd);
    }
    this.buf = buf;
    this.loaded = true;
  }

  /** Reads the last entry straight from the file into `into`, without loading the rest. */
  readLastEntryFromFile(into: Buffer): void {
    const fd = fs.openSync(this.path, 'r');
    try {
      readFully(fd, into, 0, this.entryBytes, (this.count - 1) * this.entryBytes);
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Byte position in `bytes` for one more entry; the caller fills it. */
  appendSlot(): number {
    const end = (this.count + 1) * this.entryBytes;
    if (end > this.buf.length) this.grow(end);
    const position = this.count * this.entryBytes;
    this.count++;
    return position;
  }

  private grow(bytesMin: number): void {
    const capacity = Math.max(bytesMin, this.buf.length * 2, INITIAL_CAPACITY_ENTRIES * this.entryBytes);
    const next = Buffer.allocUnsafe(capacity);
    this.buf.copy(next, 0, 0, this.count * this.entryBytes);
    this.buf = next;
  }

  /** Keeps the first `count` entries. */
  truncateEntries(count: number): void {
    if (count < this.count) this.count = count;
    if (count < this.syncedCount) this.syncedCount = count;
  }

  /** Makes the file equal memory: cuts entries dropped by a truncation, writes the ones it lacks. */
  writeTail(): void {
    if (!this.loaded || (this.syncedCount === this.count && this.fileCount === this.count)) return;
    const fd = this.openForWrite();
    if (this.fileCount > this.count) {
      fs.ftruncateSync(fd, this.count * this.entryBytes);
      this.fileCount = this.count;
    }
    const from = this.syncedCount * this.entryBytes;
    writeFully(fd, this.buf, from, this.count * this.entryBytes - from, from);
    this.fileCount = this.count;
    this.syncedCount = this.count;
    this.unsynced = true;
  }

  /** writeTail, then fsync. */
  sync(): void {
    this.writeTail();
    if (!this.unsynced) return;
    fs.fsyncSync(this.openForWrite());
    this.unsynced = false;
  }

  private openForWrite(): number {
    if (this.fd < 0) this.fd = fs.openSync(this.path, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o644);
    return this.fd;
  }

  /** Closes the write descriptor; the in-memory copy stays for lookups. */
  closeFile(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
  }
}
