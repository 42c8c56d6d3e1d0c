import { Reader } from '../protocol/reader.ts';
import { corrupt } from './errors.ts';
import { varintSize, varlongSize, writeVarint, writeVarlong } from './varint.ts';

/**
 * One record inside a batch's records section:
 *
 *   length          varint   bytes after this field
 *   attributes      int8     unused, 0
 *   timestampDelta  varlong  from the batch's baseTimestamp
 *   offsetDelta     varint   from the batch's baseOffset
 *   keyLength       varint   -1 for a null key
 *   key             bytes
 *   valueLength     varint   -1 for a null value
 *   value           bytes
 *   headerCount     varint
 *   headers         headerKeyLength varint, headerKey utf-8,
 *                   headerValueLength varint (-1 null), headerValue bytes
 */

export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

/** What a producer hands to the batch builder. */
export interface RecordInput {
  key?: Buffer | null;
  value: Buffer | null;
  headers?: readonly RecordHeader[];
  /** Milliseconds since the epoch (CreateTime). */
  timestamp: bigint;
}

/** A record read back from a batch. key, value and header values are views into the records bytes. */
export interface DecodedRecord {
  offset: bigint;
  timestamp: bigint;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
  attributes: number;
}

/** How the batch frames its records; offsets and timestamps of records are deltas from these. */
export interface RecordContext {
  baseOffset: bigint;
  baseTimestamp: bigint;
  /** Set for LogAppendTime batches: every record reports this instead of its own timestamp. */
  logAppendTime: bigint | null;
}

const NULL_LENGTH = -1;

function nullableBytesSize(bytes: Buffer | null | undefined): number {
  if (bytes === null || bytes === undefined) return varintSize(NULL_LENGTH);
  return varintSize(bytes.length) + bytes.length;
}

/** Size of the part counted by the record's length field. */
export function recordBodySize(record: RecordInput, offsetDelta: number, timestampDelta: bigint): number {
  let size = 1 + varlongSize(timestampDelta) + varintSize(offsetDelta);
  size += nullableBytesSize(record.key) + nullableBytesSize(record.value);
  const headers = record.headers ?? [];
  size += varintSize(headers.length);
  for (const header of headers) {
    const keyBytes = Buffer.byteLength(header.key, 'utf8');
    size += varintSize(keyBytes) + keyBytes + nullableBytesSize(header.value);
  }
  return size;
}

/** Size of the whole record including its length prefix. */
export function recordSize(bodySize: number): number {
  return varintSize(bodySize) + bodySize;
}

function writeNullableBytes(buf: Buffer, position: number, bytes: Buffer | null | undefined): number {
  if (bytes === null || bytes === undefined) return writeVarint(buf, position, NULL_LENGTH);
  const at = writeVarint(buf, position, bytes.length);
  bytes.copy(buf, at);
  return at + bytes.length;
}

/** Writes one record at `position` (the caller sized the buffer) and returns the position after it. */
export function writeRecord(
  buf: Buffer,
  position: number,
  record: RecordInput,
  bodySize: number,
  offsetDelta: number,
  timestampDelta: bigint,
): number {
  let at = writeVarint(buf, position, bodySize);
  buf[at++] = 0;
  at = writeVarlong(buf, at, timestampDelta);
  at = writeVarint(buf, at, offsetDelta);
  at = writeNullableBytes(buf, at, record.key);
  at = writeNullableBytes(buf, at, record.value);
  const headers = record.headers ?? [];
  at = writeVarint(buf, at, headers.length);
  for (const header of headers) {
    at = writeVarint(buf, at, Buffer.byteLength(header.key, 'utf8'));
    at += buf.write(header.key, at, 'utf8');
    at = writeNullableBytes(buf, at, header.value);
  }
  return at;
}

function readNullableBytes(reader: Reader, what: string): Buffer | null {
  const length = reader.varint();
  if (length === NULL_LENGTH) return null;
  if (length < 0 || length > reader.remaining()) {
    throw corrupt(`record ${what} length ${length} with ${reader.remaining()} bytes left`);
  }
  return reader.raw(length);
}

function readHeaders(reader: Reader): RecordHeader[] {
  const count = reader.varint();
  // Each header takes at least two bytes, so a larger count cannot be honest.
  if (count < 0 || count > reader.remaining() / 2) {
    throw corrupt(`record header count ${count} with ${reader.remaining()} bytes left`);
  }
  const headers: RecordHeader[] = [];
  for (let i = 0; i < count; i++) {
    const keyLength = reader.varint();
    if (keyLength < 0 || keyLength > reader.remaining()) throw corrupt(`record header key length ${keyLength}`);
    const key = reader.raw(keyLength).toString('utf8');
    headers.push({ key, value: readNullableBytes(reader, 'header value') });
  }
  return headers;
}

/** Reads the record at the reader's position; the record must use exactly the bytes its length says. */
export function readRecord(reader: Reader, context: RecordContext): DecodedRecord {
  const length = reader.varint();
  if (length < 0 || length > reader.remaining()) {
    throw corrupt(`record length ${length} with ${reader.remaining()} bytes left`);
  }
  const body = reader.sub(length);
  const attributes = body.int8();
  const timestampDelta = body.varlong();
  const offsetDelta = body.varint();
  const key = readNullableBytes(body, 'key');
  const value = readNullableBytes(body, 'value');
  const headers = readHeaders(body);
  body.expectEnd('record');
  const timestamp = context.logAppendTime ?? BigInt.asIntN(64, context.baseTimestamp + timestampDelta);
  const offset = BigInt.asIntN(64, context.baseOffset + BigInt(offsetDelta));
  return { offset, timestamp, key, value, headers, attributes };
}

/**
 * Decodes `count` records filling `bytes` exactly. The count comes from the
 * batch header and is not trusted: every record consumes at least one byte,
 * so the loop ends at the first record that does not fit.
 */
export function decodeRecords(bytes: Buffer, count: number, context: RecordContext): DecodedRecord[] {
  if (count < 0) throw corrupt(`negative record count ${count}`);
  if (count > bytes.length) throw corrupt(`record count ${count} exceeds the ${bytes.length} bytes of records`);
  const reader = new Reader(bytes);
  const records: DecodedRecord[] = [];
  for (let i = 0; i < count; i++) records.push(readRecord(reader, context));
  if (reader.remaining() !== 0) throw corrupt(`${reader.remaining()} bytes left after ${count} records`);
  return records;
}
