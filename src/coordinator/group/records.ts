/**
 * The records of `__consumer_offsets`, byte for byte as Kafka writes them so
 * that Kafka's own tools can read a Samsa log (and the other way round).
 *
 * Each record's key and value start with an int16 version; the version of the
 * key says what the record is:
 *
 *   key v0, v1  OffsetCommitKey   (group, topic, partition)  → OffsetCommitValue v0–v4
 *   key v2      GroupMetadataKey  (group)                    → GroupMetadataValue v0–v4
 *   key v3–v8   KIP-848 consumer-group records (consumer-group-records.ts)
 *   key v9+     share-group records: not served yet, skipped
 *
 * A null value is a tombstone: the offset or the group is gone. Kafka writes
 * keys at v1/v2, offset values at v3 (v1 when the commit carries an explicit
 * expire timestamp, OffsetCommit v2–v4 with a retention time) and group values
 * at v3; so does Samsa.
 */
import { Reader, Writer, type MessageCodec } from '../../protocol/index.ts';
import {
  GroupMetadataKey, GroupMetadataValue, OffsetCommitKey, OffsetCommitValue,
  type GroupMetadataValue as GroupMetadataValueData, type OffsetCommitValue as OffsetCommitValueData,
} from '../records/index.ts';
import {
  CONSUMER_GROUP_KEY_VERSION_MAX, CONSUMER_GROUP_KEY_VERSION_MIN, decodeConsumerGroupRecord, type ConsumerGroupRecord,
} from './consumer-group-records.ts';

export const OFFSET_COMMIT_KEY_VERSION = 1;
export const GROUP_METADATA_KEY_VERSION = 2;
const OFFSET_COMMIT_KEY_VERSION_MAX = 1;
const OFFSET_VALUE_VERSION = 3;
const OFFSET_VALUE_WITH_EXPIRE_VERSION = 1;
const GROUP_VALUE_VERSION = 3;

export type GroupMetadataRecordValue = GroupMetadataValueData;
export type OffsetCommitRecordValue = OffsetCommitValueData;

export type CoordinatorRecord =
  | { readonly kind: 'offset'; readonly group: string; readonly topic: string; readonly partition: number; readonly value: OffsetCommitValueData | null }
  | { readonly kind: 'group'; readonly group: string; readonly value: GroupMetadataValueData | null }
  | ConsumerGroupRecord
  | { readonly kind: 'other'; readonly keyVersion: number };

export interface EncodedRecord {
  readonly key: Buffer;
  readonly value: Buffer | null;
}

export class CoordinatorRecordError extends Error {
  readonly code = 'SAMSA_ERR_COORDINATOR_RECORD';
}

function versioned<T>(codec: MessageCodec<T>, value: T, version: number): Buffer {
  const w = new Writer();
  w.int16(version);
  codec.encode(w, value, version);
  return w.toBuffer();
}

export function offsetCommitRecord(group: string, topic: string, partition: number, value: OffsetCommitValueData | null): EncodedRecord {
  const key = versioned(OffsetCommitKey, { group, topic, partition }, OFFSET_COMMIT_KEY_VERSION);
  if (value === null) return { key, value: null };
  const version = value.expireTimestamp >= 0n ? OFFSET_VALUE_WITH_EXPIRE_VERSION : OFFSET_VALUE_VERSION;
  return { key, value: versioned(OffsetCommitValue, value, version) };
}

export function groupMetadataRecord(group: string, value: GroupMetadataValueData | null): EncodedRecord {
  const key = versioned(GroupMetadataKey, { group }, GROUP_METADATA_KEY_VERSION);
  return { key, value: value === null ? null : versioned(GroupMetadataValue, value, GROUP_VALUE_VERSION) };
}

function readVersioned<T>(codec: MessageCodec<T>, buf: Buffer, what: string): T {
  const r = new Reader(buf);
  const version = r.int16();
  if (version < codec.minVersion || version > codec.maxVersion) {
    throw new CoordinatorRecordError(`${what} has unknown version ${version}`);
  }
  return codec.decode(r, version);
}

/** Decodes one record of `__consumer_offsets`; throws CoordinatorRecordError when it cannot be read. */
export function decodeCoordinatorRecord(key: Buffer | null, value: Buffer | null): CoordinatorRecord {
  if (key === null || key.length < 2) throw new CoordinatorRecordError('record without a versioned key');
  const keyVersion = key.readInt16BE(0);
  try {
    if (keyVersion >= 0 && keyVersion <= OFFSET_COMMIT_KEY_VERSION_MAX) {
      const k = OffsetCommitKey.decode(new Reader(key, 2), keyVersion);
      const v = value === null ? null : readVersioned(OffsetCommitValue, value, 'OffsetCommitValue');
      return { kind: 'offset', group: k.group, topic: k.topic, partition: k.partition, value: v };
    }
    if (keyVersion === GROUP_METADATA_KEY_VERSION) {
      const k = GroupMetadataKey.decode(new Reader(key, 2), keyVersion);
      const v = value === null ? null : readVersioned(GroupMetadataValue, value, 'GroupMetadataValue');
      return { kind: 'group', group: k.group, value: v };
    }
    if (keyVersion >= CONSUMER_GROUP_KEY_VERSION_MIN && keyVersion <= CONSUMER_GROUP_KEY_VERSION_MAX) {
      return decodeConsumerGroupRecord(keyVersion, key, value);
    }
  } catch (e) {
    if (e instanceof CoordinatorRecordError) throw e;
    throw new CoordinatorRecordError(`undecodable record with key version ${keyVersion}: ${(e as Error).message}`);
  }
  return { kind: 'other', keyVersion };
}
