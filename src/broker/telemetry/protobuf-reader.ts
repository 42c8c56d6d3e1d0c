/**
 * Just enough of the protobuf wire format to read OTLP metrics: fields as
 * (number, wire type, value) with varint, 64-bit, length-delimited and 32-bit
 * values. Every length is checked against what is left of the buffer, so a
 * bad or hostile payload ends in a ProtobufError, never an over-read.
 */

export class ProtobufError extends Error {}

export const WireType = { VARINT: 0, I64: 1, LEN: 2, I32: 5 } as const;

export type FieldValue =
  | { readonly wire: 0; readonly varint: bigint }
  | { readonly wire: 1; readonly bytes: Buffer }
  | { readonly wire: 2; readonly bytes: Buffer }
  | { readonly wire: 5; readonly bytes: Buffer };

export interface Field {
  readonly number: number;
  readonly value: FieldValue;
}

/** Nested messages deeper than this are refused (OTLP needs about eight levels). */
const DEPTH_MAX = 32;

function readVarint(buf: Buffer, at: number): { value: bigint; next: number } {
  let result = 0n;
  let shift = 0n;
  for (let i = 0; i < 10; i++) {
    if (at + i >= buf.length) throw new ProtobufError('truncated varint');
    const b = buf[at + i]!;
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return { value: BigInt.asUintN(64, result), next: at + i + 1 };
    shift += 7n;
  }
  throw new ProtobufError('varint longer than 10 bytes');
}

/** The fields of one message, in order; unknown fields are returned too, for the caller to skip. */
export function* fields(buf: Buffer): Generator<Field> {
  let at = 0;
  while (at < buf.length) {
    const key = readVarint(buf, at);
    at = key.next;
    const number = Number(key.value >> 3n);
    const wire = Number(key.value & 7n);
    if (number === 0) throw new ProtobufError('field number 0');
    switch (wire) {
      case WireType.VARINT: {
        const v = readVarint(buf, at);
        at = v.next;
        yield { number, value: { wire: 0, varint: v.value } };
        break;
      }
      case WireType.I64:
        if (at + 8 > buf.length) throw new ProtobufError('truncated 64-bit field');
        yield { number, value: { wire: 1, bytes: buf.subarray(at, at + 8) } };
        at += 8;
        break;
      case WireType.LEN: {
        const len = readVarint(buf, at);
        at = len.next;
        if (len.value > BigInt(buf.length - at)) throw new ProtobufError(`length ${len.value} past the end of the message`);
        const end = at + Number(len.value);
        yield { number, value: { wire: 2, bytes: buf.subarray(at, end) } };
        at = end;
        break;
      }
      case WireType.I32:
        if (at + 4 > buf.length) throw new ProtobufError('truncated 32-bit field');
        yield { number, value: { wire: 5, bytes: buf.subarray(at, at + 4) } };
        at += 4;
        break;
      default:
        throw new ProtobufError(`unsupported wire type ${wire}`);
    }
  }
}

export function lenOf(f: Field): Buffer | null {
  return f.value.wire === 2 ? f.value.bytes : null;
}

export function stringOf(f: Field): string | null {
  return f.value.wire === 2 ? f.value.bytes.toString('utf8') : null;
}

export function doubleOf(f: Field): number | null {
  return f.value.wire === 1 ? f.value.bytes.readDoubleLE(0) : null;
}

/** A fixed64 or sfixed64 as a number (precision beyond 2^53 is not needed for metric values). */
export function fixed64Of(f: Field, signed: boolean): number | null {
  if (f.value.wire !== 1) return null;
  return Number(signed ? f.value.bytes.readBigInt64LE(0) : f.value.bytes.readBigUInt64LE(0));
}

export function varintOf(f: Field): bigint | null {
  return f.value.wire === 0 ? f.value.varint : null;
}

export function checkDepth(depth: number): void {
  if (depth > DEPTH_MAX) throw new ProtobufError('messages nested too deeply');
}
