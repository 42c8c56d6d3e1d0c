import { ProtocolEncodeError } from './decode-error.ts';

const INITIAL_SIZE_BYTES = 512;
/**
 * Byte fields at least this large are not copied into the message buffer:
 * they are kept by reference as their own chunk and reach the socket through
 * writev. That keeps Fetch responses free of a copy of the records.
 */
const ZERO_COPY_MIN_BYTES = 4096;

/**
 * Append-only encoder into one growing Buffer. Large byte fields become
 * separate chunks by reference; everything else is written in place.
 * Positions can be reserved and back-patched (frame sizes, tagged-field
 * lengths) while they are still inside the current buffer.
 */
export class Writer {
  private buf: Buffer;
  private pos: number;
  /** Finished chunks, in order, before `buf[chunkStart..pos]`. */
  private chunks: Buffer[];
  private chunkStart: number;
  private flushedBytes: number;

  constructor(initialSizeBytes = INITIAL_SIZE_BYTES) {
    this.buf = Buffer.allocUnsafe(initialSizeBytes);
    this.pos = 0;
    this.chunks = [];
    this.chunkStart = 0;
    this.flushedBytes = 0;
  }

  /** Total bytes written so far, across chunks. */
  get length(): number {
    return this.flushedBytes + (this.pos - this.chunkStart);
  }

  private ensure(size: number): void {
    if (this.pos + size <= this.buf.length) return;
    let next = this.buf.length * 2;
    while (next < this.pos + size) next *= 2;
    const grown = Buffer.allocUnsafe(next);
    // Only the unflushed tail is copied: earlier chunks are views of the old buffer and stay valid.
    this.buf.copy(grown, this.chunkStart, this.chunkStart, this.pos);
    this.buf = grown;
  }

  int8(v: number): void {
    this.ensure(1);
    this.buf.writeInt8(v, this.pos);
    this.pos += 1;
  }

  uint8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  bool(v: boolean): void {
    this.ensure(1);
    this.buf[this.pos++] = v ? 1 : 0;
  }

  int16(v: number): void {
    this.ensure(2);
    this.pos = this.buf.writeInt16BE(v, this.pos);
  }

  uint16(v: number): void {
    this.ensure(2);
    this.pos = this.buf.writeUInt16BE(v, this.pos);
  }

  int32(v: number): void {
    this.ensure(4);
    this.pos = this.buf.writeInt32BE(v, this.pos);
  }

  uint32(v: number): void {
    this.ensure(4);
    this.pos = this.buf.writeUInt32BE(v, this.pos);
  }

  int64(v: bigint): void {
    this.ensure(8);
    this.pos = this.buf.writeBigInt64BE(v, this.pos);
  }

  float64(v: number): void {
    this.ensure(8);
    this.pos = this.buf.writeDoubleBE(v, this.pos);
  }

  uvarint(v: number): void {
    this.ensure(5);
    const buf = this.buf;
    let n = v >>> 0;
    while (n >= 0x80) {
      buf[this.pos++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    buf[this.pos++] = n;
  }

  varint(v: number): void {
    this.uvarint((v << 1) ^ (v >> 31));
  }

  varlong(v: bigint): void {
    this.ensure(10);
    let n = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
    const buf = this.buf;
    while (n >= 0x80n) {
      buf[this.pos++] = Number(n & 0x7fn) | 0x80;
      n >>= 7n;
    }
    buf[this.pos++] = Number(n);
  }

  uuid(v: string): void {
    this.ensure(16);
    const written = this.buf.write(v, this.pos, 16, 'base64url');
    if (written !== 16 || v.length !== 22) throw new ProtocolEncodeError(`invalid uuid ${JSON.stringify(v)}`);
    this.pos += 16;
  }

  private writeLength(n: number, compact: boolean, wide: boolean): void {
    if (compact) this.uvarint(n + 1);
    else if (wide) this.int32(n);
    else this.int16(n);
  }

  nullableString(v: string | null, compact: boolean): void {
    if (v === null) {
      this.writeLength(-1, compact, false);
      return;
    }
    const size = Buffer.byteLength(v, 'utf8');
    if (!compact && size > 0x7fff) throw new ProtocolEncodeError(`string of ${size} bytes is too long`);
    this.writeLength(size, compact, false);
    this.ensure(size);
    this.pos += this.buf.write(v, this.pos, size, 'utf8');
  }

  string(v: string, compact: boolean): void {
    if (v === null || v === undefined) throw new ProtocolEncodeError('null for a non-nullable string');
    this.nullableString(v, compact);
  }

  nullableBytes(v: Buffer | null, compact: boolean): void {
    if (v === null) {
      this.writeLength(-1, compact, true);
      return;
    }
    this.writeLength(v.length, compact, true);
    this.raw(v);
  }

  bytes(v: Buffer, compact: boolean): void {
    if (v === null || v === undefined) throw new ProtocolEncodeError('null for non-nullable bytes');
    this.nullableBytes(v, compact);
  }

  arrayLength(n: number, compact: boolean): void {
    if (compact) this.uvarint(n + 1);
    else this.int32(n);
  }

  /** Appends bytes; large ones are kept by reference as their own chunk. */
  raw(v: Buffer): void {
    if (v.length >= ZERO_COPY_MIN_BYTES) {
      this.cut();
      this.chunks.push(v);
      this.flushedBytes += v.length;
      return;
    }
    this.ensure(v.length);
    v.copy(this.buf, this.pos);
    this.pos += v.length;
  }

  private cut(): void {
    if (this.pos > this.chunkStart) {
      this.chunks.push(this.buf.subarray(this.chunkStart, this.pos));
      this.flushedBytes += this.pos - this.chunkStart;
      this.chunkStart = this.pos;
    }
  }

  /** Reserves `size` bytes to be filled later by `patchInt32`; returns their absolute position. */
  reserve(size: number): number {
    this.ensure(size);
    const at = this.length;
    this.pos += size;
    return at;
  }

  /** Patches an int32 at an absolute position returned by `reserve`. */
  patchInt32(at: number, v: number): void {
    if (at >= this.flushedBytes) {
      this.buf.writeInt32BE(v, this.chunkStart + (at - this.flushedBytes));
      return;
    }
    // A reserved slot never straddles chunks: chunks are cut only between writes.
    let chunkFirst = 0;
    for (const chunk of this.chunks) {
      if (at < chunkFirst + chunk.length) {
        chunk.writeInt32BE(v, at - chunkFirst);
        return;
      }
      chunkFirst += chunk.length;
    }
    throw new ProtocolEncodeError(`patch position ${at} is past the end`);
  }

  /** Writes one tagged field: tag, size, then the bytes `write` produces. */
  taggedField(tag: number, write: (w: Writer) => void): void {
    const inner = new Writer(64);
    write(inner);
    const body = inner.toBuffer();
    this.uvarint(tag);
    this.uvarint(body.length);
    this.raw(body);
  }

  /** The message as a list of chunks, for socket writev. */
  toChunks(): Buffer[] {
    this.cut();
    return this.chunks;
  }

  /** The message as one Buffer (copies only when there is more than one chunk). */
  toBuffer(): Buffer {
    const chunks = this.toChunks();
    if (chunks.length === 1) return chunks[0]!;
    return Buffer.concat(chunks, this.flushedBytes);
  }
}
