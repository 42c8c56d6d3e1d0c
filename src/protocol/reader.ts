import { ProtocolDecodeError } from './decode-error.ts';

/** An unknown tagged field kept as raw bytes so a message can be re-encoded unchanged. */
export interface TaggedField {
  tag: number;
  data: Buffer;
}

const UUID_BYTES = 16;

/**
 * Bounds-checked cursor over a Buffer. Every read checks that its bytes exist
 * before it touches them, and every length or count is checked against the
 * bytes that remain before anything is allocated, so a hostile count of 2^31
 * fails at once instead of allocating. Byte fields are returned as views
 * (subarray), never copies.
 */
export class Reader {
  readonly buf: Buffer;
  offset: number;
  readonly end: number;

  constructor(buf: Buffer, offset = 0, end = buf.length) {
    this.buf = buf;
    this.offset = offset;
    this.end = end;
  }

  remaining(): number {
    return this.end - this.offset;
  }

  private need(size: number, what: string): number {
    const at = this.offset;
    if (size > this.end - at) {
      throw new ProtocolDecodeError(`truncated ${what}: need ${size} bytes at ${at}, have ${this.end - at}`);
    }
    this.offset = at + size;
    return at;
  }

  int8(): number {
    return this.buf.readInt8(this.need(1, 'int8'));
  }

  uint8(): number {
    return this.buf[this.need(1, 'uint8')]!;
  }

  bool(): boolean {
    return this.buf[this.need(1, 'bool')] !== 0;
  }

  int16(): number {
    return this.buf.readInt16BE(this.need(2, 'int16'));
  }

  uint16(): number {
    return this.buf.readUInt16BE(this.need(2, 'uint16'));
  }

  int32(): number {
    return this.buf.readInt32BE(this.need(4, 'int32'));
  }

  uint32(): number {
    return this.buf.readUInt32BE(this.need(4, 'uint32'));
  }

  int64(): bigint {
    return this.buf.readBigInt64BE(this.need(8, 'int64'));
  }

  float64(): number {
    return this.buf.readDoubleBE(this.need(8, 'float64'));
  }

  /** Unsigned LEB128 varint that must fit in 32 bits. */
  uvarint(): number {
    const buf = this.buf;
    let value = 0;
    let shift = 0;
    let at = this.offset;
    for (let i = 0; i < 5; i++) {
      if (at >= this.end) throw new ProtocolDecodeError(`truncated varint at ${this.offset}`);
      const b = buf[at++]!;
      if (i === 4 && b > 0x0f) throw new ProtocolDecodeError(`varint overflows 32 bits at ${this.offset}`);
      value |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) {
        this.offset = at;
        return value >>> 0;
      }
      shift += 7;
    }
    throw new ProtocolDecodeError(`varint too long at ${this.offset}`);
  }

  /** Zig-zag signed 32-bit varint. */
  varint(): number {
    const n = this.uvarint();
    return (n >>> 1) ^ -(n & 1);
  }

  /** Zig-zag signed 64-bit varint. */
  varlong(): bigint {
    const buf = this.buf;
    let value = 0n;
    let shift = 0n;
    let at = this.offset;
    for (let i = 0; i < 10; i++) {
      if (at >= this.end) throw new ProtocolDecodeError(`truncated varlong at ${this.offset}`);
      const b = buf[at++]!;
      value |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) {
        this.offset = at;
        const unsigned = BigInt.asUintN(64, value);
        return BigInt.asIntN(64, (unsigned >> 1n) ^ -(unsigned & 1n));
      }
      shift += 7n;
    }
    throw new ProtocolDecodeError(`varlong too long at ${this.offset}`);
  }

  uuid(): string {
    const at = this.need(UUID_BYTES, 'uuid');
    return this.buf.toString('base64url', at, at + UUID_BYTES);
  }

  /** A length field: int16/int32, or compact (uvarint of length+1). Returns -1 for null. */
  private length(compact: boolean, wide: boolean): number {
    if (compact) return this.uvarint() - 1;
    return wide ? this.int32() : this.int16();
  }

  private checkedLength(n: number, what: string): number {
    if (n < -1) throw new ProtocolDecodeError(`negative ${what} length ${n} at ${this.offset}`);
    if (n > this.end - this.offset) {
      throw new ProtocolDecodeError(`${what} length ${n} exceeds the ${this.end - this.offset} bytes left`);
    }
    return n;
  }

  nullableString(compact: boolean): string | null {
    const n = this.checkedLength(this.length(compact, false), 'string');
    if (n < 0) return null;
    const at = this.offset;
    this.offset = at + n;
    return this.buf.toString('utf8', at, at + n);
  }

  string(compact: boolean): string {
    const s = this.nullableString(compact);
    if (s === null) throw new ProtocolDecodeError(`null for a non-nullable string at ${this.offset}`);
    return s;
  }

  nullableBytes(compact: boolean): Buffer | null {
    const n = this.checkedLength(this.length(compact, true), 'bytes');
    if (n < 0) return null;
    const at = this.offset;
    this.offset = at + n;
    return this.buf.subarray(at, at + n);
  }

  bytes(compact: boolean): Buffer {
    const b = this.nullableBytes(compact);
    if (b === null) throw new ProtocolDecodeError(`null for non-nullable bytes at ${this.offset}`);
    return b;
  }

  /**
   * An array element count, -1 for null. Each element takes at least one byte
   * except in degenerate empty structs, so a count above the bytes left is
   * refused before any allocation.
   */
  arrayLength(compact: boolean): number {
    const n = compact ? this.uvarint() - 1 : this.int32();
    if (n < -1) throw new ProtocolDecodeError(`negative array length ${n} at ${this.offset}`);
    if (n > this.end - this.offset) {
      throw new ProtocolDecodeError(`array length ${n} exceeds the ${this.end - this.offset} bytes left`);
    }
    return n;
  }

  /** Raw bytes of a given size, as a view. */
  raw(size: number): Buffer {
    const at = this.need(size, 'raw bytes');
    return this.buf.subarray(at, at + size);
  }

  /** Reads the header of a tagged-field section: its count, bounded by the bytes left. */
  taggedFieldCount(): number {
    const n = this.uvarint();
    if (n > this.end - this.offset) {
      throw new ProtocolDecodeError(`tagged field count ${n} exceeds the ${this.end - this.offset} bytes left`);
    }
    return n;
  }

  /** Returns a Reader limited to the next `size` bytes and skips them here. */
  sub(size: number): Reader {
    const at = this.need(size, 'tagged field');
    return new Reader(this.buf, at, at + size);
  }

  /** Tagged-field tags must strictly increase; this reads and checks one. */
  tag(previous: number): number {
    const tag = this.uvarint();
    if (tag <= previous && previous >= 0) {
      throw new ProtocolDecodeError(`tagged fields out of order: ${tag} after ${previous}`);
    }
    return tag;
  }

  /** Fails if a nested reader did not consume exactly its bytes. */
  expectEnd(what: string): void {
    if (this.offset !== this.end) {
      throw new ProtocolDecodeError(`${what}: ${this.end - this.offset} bytes left unread`);
    }
  }
}
