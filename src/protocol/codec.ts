/**
 * What every generated codec shares: the one shape of a message codec, and
 * the small runtime helpers the generated readers and writers call.
 */
import { isDeepStrictEqual } from 'node:util';
import { ProtocolDecodeError, ProtocolEncodeError } from './decode-error.ts';
import { Reader, type TaggedField } from './reader.ts';
import { Writer } from './writer.ts';

export { ProtocolDecodeError, ProtocolEncodeError, Reader, Writer };
export type { TaggedField };

/** Kafka's UNSUPPORTED_VERSION, for a version outside what a codec knows. */
const UNSUPPORTED_VERSION = 35;

export const EMPTY_BYTES: Buffer = Buffer.alloc(0);

export interface MessageCodec<T> {
  readonly name: string;
  /** API key for requests and responses, record type for metadata records, -1 for headers and data. */
  readonly apiKey: number;
  readonly minVersion: number;
  readonly maxVersion: number;
  /** First flexible version, or -1 when no version is flexible. */
  readonly flexibleMinVersion: number;
  decode(r: Reader, version: number): T;
  encode(w: Writer, value: T, version: number): void;
  defaults(): T;
}

export interface KnownTaggedField {
  tag: number;
  write: (w: Writer) => void;
}

export function checkVersion(name: string, version: number, min: number, max: number): void {
  if (!(version >= min && version <= max)) {
    throw new ProtocolDecodeError(`${name} version ${version} is outside ${min}-${max}`, UNSUPPORTED_VERSION);
  }
}

export function checkNullable<T>(value: T | null, nullable: boolean): T | null {
  if (value === null && !nullable) throw new ProtocolEncodeError('null is not allowed in this version');
  return value;
}

/** Struct-typed tagged fields are written only when they differ from their defaults, as Kafka does. */
export function isDefaultValue(value: unknown, defaults: unknown): boolean {
  return isDeepStrictEqual(value, defaults);
}

/**
 * Writes a tagged-field section: known fields (already in tag order) merged
 * with unknown ones carried over from decoding, in ascending tag order.
 */
export function writeTaggedFields(
  w: Writer,
  unknown: TaggedField[] | undefined,
  known: KnownTaggedField[] | undefined,
): void {
  const unknownCount = unknown === undefined ? 0 : unknown.length;
  const knownCount = known === undefined ? 0 : known.length;
  w.uvarint(unknownCount + knownCount);
  if (unknownCount + knownCount === 0) return;
  let u = 0;
  let k = 0;
  while (u < unknownCount || k < knownCount) {
    const nextUnknown = u < unknownCount ? unknown![u]! : undefined;
    const nextKnown = k < knownCount ? known![k]! : undefined;
    if (nextKnown === undefined || (nextUnknown !== undefined && nextUnknown.tag < nextKnown.tag)) {
      w.uvarint(nextUnknown!.tag);
      w.uvarint(nextUnknown!.data.length);
      w.raw(nextUnknown!.data);
      u++;
    } else {
      w.taggedField(nextKnown.tag, nextKnown.write);
      k++;
    }
  }
}

/** Encodes a message to one Buffer; convenience for tests and tools, not the hot path. */
export function encodeToBuffer<T>(codec: MessageCodec<T>, value: T, version: number): Buffer {
  const w = new Writer();
  codec.encode(w, value, version);
  return w.toBuffer();
}

/** Decodes a whole Buffer, requiring that every byte is consumed. */
export function decodeFromBuffer<T>(codec: MessageCodec<T>, buf: Buffer, version: number): T {
  const r = new Reader(buf);
  const value = codec.decode(r, version);
  r.expectEnd(codec.name);
  return value;
}

/** Structural description of a message, generated beside the codecs for tests and tools. */
export interface FieldSchema {
  /** Property name in the decoded object. */
  readonly name: string;
  /** Kafka type: a primitive, a struct name, or `[]` and one of those. */
  readonly type: string;
  readonly versions: readonly [number, number];
  readonly nullableVersions: readonly [number, number] | null;
  readonly taggedVersions: readonly [number, number] | null;
  readonly tag: number | null;
  /** Overrides the message's flexible versions for this field, when set. */
  readonly flexibleVersions: readonly [number, number] | null;
  readonly fields: readonly FieldSchema[] | null;
}

export interface MessageSchema {
  readonly name: string;
  readonly validVersions: readonly [number, number];
  readonly flexibleVersions: readonly [number, number] | null;
  readonly fields: readonly FieldSchema[];
}
