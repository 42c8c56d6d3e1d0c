/**
 * Kafka's producer snapshot file, version 1 (`<offset>.snapshot`, the
 * producer state of a partition as of that log offset):
 *
 *   version int16 (1) | crc uint32 (CRC32C of everything after it) | count int32
 *   then per producer, 46 bytes:
 *   producerId int64 | epoch int16 | lastSequence int32 | lastOffset int64 |
 *   offsetDelta int32 | timestamp int64 | coordinatorEpoch int32 |
 *   currentTxnFirstOffset int64
 *
 * Only each producer's last batch is kept. A producer with no batch (its
 * only write here was a transaction marker) has lastSequence and lastOffset
 * -1 and offsetDelta 0; one outside a transaction has currentTxnFirstOffset -1.
 */
import { crc32c } from '../records/index.ts';

const SNAPSHOT_VERSION = 1;
const SNAPSHOT_HEADER_BYTES = 10;
const SNAPSHOT_ENTRY_BYTES = 8 + 2 + 4 + 8 + 4 + 8 + 4 + 8;
const INT32_MAX = 0x7fffffff;

/** One producer's entry of a snapshot file. */
export interface ProducerSnapshotEntry {
  producerId: bigint;
  epoch: number;
  /** -1 when the producer has no batch. */
  firstSeq: number;
  lastSeq: number;
  lastOffset: number;
  offsetDelta: number;
  timestamp: number;
  /** -1 when no marker of the producer was written. */
  coordinatorEpoch: number;
  /** First offset of the producer's ongoing transaction, -1 when none. */
  currentTxnFirstOffset: number;
}

/** The first sequence of a batch from its last one, across the wrap. */
function firstSequenceOf(lastSeq: number, offsetDelta: number): number {
  if (lastSeq < 0) return -1;
  const first = lastSeq - offsetDelta;
  return first >= 0 ? first : INT32_MAX + 1 + first;
}

export function encodeProducerSnapshot(entries: readonly ProducerSnapshotEntry[]): Buffer {
  const buf = Buffer.alloc(SNAPSHOT_HEADER_BYTES + entries.length * SNAPSHOT_ENTRY_BYTES);
  buf.writeInt16BE(SNAPSHOT_VERSION, 0);
  buf.writeInt32BE(entries.length, 6);
  let at = SNAPSHOT_HEADER_BYTES;
  for (const e of entries) {
    buf.writeBigInt64BE(e.producerId, at);
    buf.writeInt16BE(e.epoch, at + 8);
    buf.writeInt32BE(e.lastSeq, at + 10);
    buf.writeBigInt64BE(BigInt(e.lastOffset), at + 14);
    buf.writeInt32BE(e.offsetDelta, at + 22);
    buf.writeBigInt64BE(BigInt(e.timestamp), at + 26);
    buf.writeInt32BE(e.coordinatorEpoch, at + 34);
    buf.writeBigInt64BE(BigInt(e.currentTxnFirstOffset), at + 38);
    at += SNAPSHOT_ENTRY_BYTES;
  }
  buf.writeUInt32BE(crc32c(buf.subarray(SNAPSHOT_HEADER_BYTES - 4)), 2);
  return buf;
}

/** Kafka's producer snapshot v1, checked by its CRC; null when it is not one. */
export function decodeProducerSnapshot(buf: Buffer): ProducerSnapshotEntry[] | null {
  if (buf.length < SNAPSHOT_HEADER_BYTES || buf.readInt16BE(0) !== SNAPSHOT_VERSION) return null;
  if (buf.readUInt32BE(2) !== crc32c(buf.subarray(SNAPSHOT_HEADER_BYTES - 4))) return null;
  const count = buf.readInt32BE(6);
  if (count < 0 || buf.length !== SNAPSHOT_HEADER_BYTES + count * SNAPSHOT_ENTRY_BYTES) return null;
  const entries: ProducerSnapshotEntry[] = [];
  for (let i = 0, at = SNAPSHOT_HEADER_BYTES; i < count; i++, at += SNAPSHOT_ENTRY_BYTES) {
    const lastSeq = buf.readInt32BE(at + 10);
    const offsetDelta = buf.readInt32BE(at + 22);
    entries.push({
      producerId: buf.readBigInt64BE(at), epoch: buf.readInt16BE(at + 8), firstSeq: firstSequenceOf(lastSeq, offsetDelta), lastSeq,
      lastOffset: Number(buf.readBigInt64BE(at + 14)), offsetDelta, timestamp: Number(buf.readBigInt64BE(at + 26)),
      coordinatorEpoch: buf.readInt32BE(at + 34), currentTxnFirstOffset: Number(buf.readBigInt64BE(at + 38)),
    });
  }
  return entries;
}
