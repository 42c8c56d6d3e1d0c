import { type BatchOptions, buildRecordBatch } from './batch-builder.ts';
import { readBatchRecords } from './batch-records.ts';
import { RecordsError, RecordsErrorCode } from './errors.ts';
import type { RecordBatch } from './record-batch.ts';

/**
 * Control records live in batches with the control attribute bit set. Their
 * key is always
 *
 *   version int16 (0) | type int16
 *
 * and the value depends on the type. For transaction markers (ABORT,
 * COMMIT) the value is
 *
 *   version int16 (0) | coordinatorEpoch int32
 *
 * The other types are KRaft's, whose values are metadata-schema messages
 * encoded by the layers that own them.
 */
export const ControlRecordType = {
  ABORT: 0,
  COMMIT: 1,
  LEADER_CHANGE: 2,
  SNAPSHOT_HEADER: 3,
  SNAPSHOT_FOOTER: 4,
  KRAFT_VERSION: 5,
  KRAFT_VOTERS: 6,
} as const;
export type ControlRecordType = (typeof ControlRecordType)[keyof typeof ControlRecordType];

const CONTROL_KEY_VERSION = 0;
const CONTROL_KEY_BYTES = 4;
const END_TXN_MARKER_VERSION = 0;
const END_TXN_MARKER_BYTES = 6;

export interface ControlRecord {
  keyVersion: number;
  /** A ControlRecordType, or an unknown number from a newer peer, kept as is. */
  type: number;
  value: Buffer | null;
  timestamp: bigint;
  offset: bigint;
}

export interface EndTxnMarker {
  type: typeof ControlRecordType.ABORT | typeof ControlRecordType.COMMIT;
  coordinatorEpoch: number;
}

export function encodeControlRecordKey(type: number): Buffer {
  const key = Buffer.allocUnsafe(CONTROL_KEY_BYTES);
  key.writeInt16BE(CONTROL_KEY_VERSION, 0);
  key.writeInt16BE(type, 2);
  return key;
}

export function encodeEndTxnMarkerValue(coordinatorEpoch: number): Buffer {
  const value = Buffer.allocUnsafe(END_TXN_MARKER_BYTES);
  value.writeInt16BE(END_TXN_MARKER_VERSION, 0);
  value.writeInt32BE(coordinatorEpoch, 2);
  return value;
}

function invalid(message: string): RecordsError {
  return new RecordsError(message, RecordsErrorCode.INVALID_RECORD);
}

/** Newer key versions are read as version 0, as Kafka does, so a newer peer's markers still apply. */
export function decodeControlRecordKey(key: Buffer | null): { version: number; type: number } {
  if (key === null || key.length < CONTROL_KEY_BYTES) throw invalid(`control record key needs ${CONTROL_KEY_BYTES} bytes`);
  const version = key.readInt16BE(0);
  if (version < 0) throw invalid(`invalid control record key version ${version}`);
  return { version, type: key.readInt16BE(2) };
}

export function decodeEndTxnMarkerValue(value: Buffer | null): { version: number; coordinatorEpoch: number } {
  if (value === null || value.length < END_TXN_MARKER_BYTES) throw invalid(`end transaction marker needs ${END_TXN_MARKER_BYTES} bytes`);
  const version = value.readInt16BE(0);
  if (version < 0) throw invalid(`invalid end transaction marker version ${version}`);
  return { version, coordinatorEpoch: value.readInt32BE(2) };
}

/** A batch of one control record. Never compressed: Kafka writes control batches plain. */
export function buildControlBatch(type: number, value: Buffer | null, timestamp: bigint, options: BatchOptions = {}): Buffer {
  const record = { key: encodeControlRecordKey(type), value, timestamp };
  return buildRecordBatch([record], { ...options, compression: 0, isControl: true });
}

/** The COMMIT or ABORT marker a transaction coordinator writes to each partition of a transaction. */
export function buildEndTxnMarkerBatch(
  marker: EndTxnMarker,
  timestamp: bigint,
  options: BatchOptions & { producerId: bigint; producerEpoch: number },
): Buffer {
  return buildControlBatch(marker.type, encodeEndTxnMarkerValue(marker.coordinatorEpoch), timestamp, {
    ...options,
    isTransactional: true,
  });
}

export function readControlRecords(batch: RecordBatch): ControlRecord[] {
  if (!batch.isControl) throw invalid(`record batch at ${batch.offset} is not a control batch`);
  return readBatchRecords(batch).map((record) => {
    const key = decodeControlRecordKey(record.key);
    return { keyVersion: key.version, type: key.type, value: record.value, timestamp: record.timestamp, offset: record.offset };
  });
}

/** Reads the single ABORT/COMMIT marker of a transaction marker batch. */
export function readEndTxnMarker(batch: RecordBatch): EndTxnMarker {
  const records = readControlRecords(batch);
  if (records.length !== 1) throw invalid(`transaction marker batch holds ${records.length} records`);
  const record = records[0]!;
  if (record.type !== ControlRecordType.ABORT && record.type !== ControlRecordType.COMMIT) {
    throw invalid(`control record type ${record.type} is not a transaction marker`);
  }
  return { type: record.type, coordinatorEpoch: decodeEndTxnMarkerValue(record.value).coordinatorEpoch };
}
