/**
 * Walks the batch headers of a segment file without reading the records:
 * a forward-only cursor over `[start, end)` that reads the file through a
 * 16 KiB window, so finding the batch that holds an offset costs one pread
 * in the common case (index entries are ~4 KiB apart). Only the fields
 * needed to navigate are decoded, through records' RecordBatch view.
 */
import { MAGIC_V2, RECORD_BATCH_OVERHEAD, RecordBatch } from '../records/index.ts';
import { readFully } from './fs-util.ts';

const WINDOW_BYTES = 16 * 1024;

/**
 * One window for every cursor: every read is synchronous, so only one cursor
 * uses it at a time; `windowOwner` makes a cursor re-read if another took it.
 */
const window = Buffer.allocUnsafeSlow(WINDOW_BYTES);
let windowOwner: BatchCursor | null = null;

/** load() results. */
export const CURSOR_END = 0;
export const CURSOR_BATCH = 1;
/** The bytes at the position do not frame a batch (torn or corrupt). */
export const CURSOR_BAD = -1;

export class BatchCursor {
  private readonly fd: number;
  private readonly end: number;
  private windowStart: number;
  private windowLength: number;
  /** Byte position of the current batch in the file. */
  position: number;
  /** Fields of the batch at `position`, valid after load() returned CURSOR_BATCH. */
  baseOffset: number;
  lastOffset: number;
  sizeBytes: number;
  maxTimestamp: number;

  constructor(fd: number, start: number, end: number) {
    this.fd = fd;
    this.end = end;
    this.windowStart = 0;
    this.windowLength = 0;
    this.position = start;
    this.baseOffset = -1;
    this.lastOffset = -1;
    this.sizeBytes = 0;
    this.maxTimestamp = -1;
  }

  /** Decodes the header at `position`: CURSOR_BATCH, CURSOR_END at `end`, or CURSOR_BAD. */
  load(): number {
    if (this.position === this.end) return CURSOR_END;
    if (this.end - this.position < RECORD_BATCH_OVERHEAD) return CURSOR_BAD;
    const windowEnd = this.windowStart + this.windowLength;
    if (windowOwner !== this || this.position < this.windowStart || this.position + RECORD_BATCH_OVERHEAD > windowEnd) {
      if (!this.refill()) return CURSOR_BAD;
    }
    const batch = new RecordBatch(window, this.position - this.windowStart);
    const size = batch.sizeInBytes;
    if (batch.magic !== MAGIC_V2 || size < RECORD_BATCH_OVERHEAD || this.position + size > this.end) return CURSOR_BAD;
    this.sizeBytes = size;
    this.baseOffset = Number(batch.baseOffset);
    this.lastOffset = this.baseOffset + batch.lastOffsetDelta;
    this.maxTimestamp = Number(batch.maxTimestamp);
    return CURSOR_BATCH;
  }

  /** Producer id of the loaded batch, -1 when it has none. Valid right after load() returned CURSOR_BATCH. */
  producerId(): number {
    const batch = new RecordBatch(window, this.position - this.windowStart);
    return batch.hasProducerId ? Number(batch.producerId) : -1;
  }

  /** Moves to the next batch; load() again to read it. */
  advance(): void {
    this.position += this.sizeBytes;
  }

  private refill(): boolean {
    const length = Math.min(WINDOW_BYTES, this.end - this.position);
    windowOwner = this;
    this.windowStart = this.position;
    this.windowLength = readFully(this.fd, window, 0, length, this.position);
    return this.windowLength >= RECORD_BATCH_OVERHEAD;
  }
}

/**
 * Bytes of `buf` (read from a batch boundary) covered by whole batches: the
 * cut a fetch answer ends at. Reads only the 12-byte length prefixes.
 */
export function wholeBatchesLength(buf: Buffer): number {
  let position = 0;
  // Each step moves at least RECORD_BATCH_OVERHEAD bytes, so it ends within buf.length / 61 steps.
  while (position + 12 <= buf.length) {
    const size = 12 + buf.readInt32BE(position + 8);
    if (size < RECORD_BATCH_OVERHEAD || position + size > buf.length) break;
    position += size;
  }
  return position;
}
