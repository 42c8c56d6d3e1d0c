/**
 * KRaft metadata records as they sit in `__cluster_metadata` record values:
 * frame version (uvarint, 1), record type (uvarint), record version
 * (uvarint), then the record body from its generated codec.
 */
import { ProtocolDecodeError, Reader, Writer, type MessageCodec } from '../protocol/index.ts';
import { allCodecs, type MetadataRecordBody } from './records/index.ts';

const FRAME_VERSION = 1;
const RECORD_TYPE_MAX = 127;

const codecsByType: (MessageCodec<any> | undefined)[] = new Array(RECORD_TYPE_MAX + 1).fill(undefined);
for (const codec of allCodecs) codecsByType[codec.apiKey] = codec;

/** A record's type (the spec's apiKey, e.g. 2 for TopicRecord), its version and its body: switching on `type` narrows `data`. */
export type MetadataRecord = MetadataRecordBody & { readonly version: number };

export function metadataRecord<T>(codec: MessageCodec<T>, data: T, version = codec.maxVersion): MetadataRecord {
  // The codec's apiKey is the record type its body belongs to.
  return { type: codec.apiKey, version, data } as MetadataRecord;
}

export function encodeMetadataRecord(record: MetadataRecord): Buffer {
  const codec = codecsByType[record.type];
  if (codec === undefined) throw new Error(`unknown metadata record type ${record.type}`);
  const w = new Writer(128);
  w.uvarint(FRAME_VERSION);
  w.uvarint(record.type);
  w.uvarint(record.version);
  codec.encode(w, record.data, record.version);
  return w.toBuffer();
}

export function decodeMetadataRecord(value: Buffer): MetadataRecord {
  const r = new Reader(value);
  const frame = r.uvarint();
  if (frame !== FRAME_VERSION) throw new ProtocolDecodeError(`metadata record frame version ${frame}`);
  const type = r.uvarint();
  const version = r.uvarint();
  const codec = type <= RECORD_TYPE_MAX ? codecsByType[type] : undefined;
  if (codec === undefined) throw new ProtocolDecodeError(`unknown metadata record type ${type}`);
  const data = codec.decode(r, version);
  r.expectEnd(codec.name);
  // The codec was found by this type, so the body is that type's.
  return { type, version, data } as MetadataRecord;
}
