/**
 * Raft entries as Kafka record batches, the one format they have on disk and
 * on the wire: an entry is one batch whose partitionLeaderEpoch is the entry's
 * epoch; a control entry is a control batch holding the LeaderChangeMessage.
 */
import {
  ControlRecordType, buildRecordBatch, encodeControlRecordKey, readBatchRecords, scanBatches,
} from '../records/index.ts';
import type { Entry } from './core/index.ts';

const LEADER_CHANGE_KEY = encodeControlRecordKey(ControlRecordType.LEADER_CHANGE);

export function encodeEntry(entry: Entry, nowMs: number): Buffer {
  const timestamp = BigInt(nowMs);
  return buildRecordBatch(
    entry.records.map((value) => ({ key: entry.control ? LEADER_CHANGE_KEY : null, value, timestamp })),
    { baseOffset: BigInt(entry.baseOffset), partitionLeaderEpoch: entry.epoch, isControl: entry.control },
  );
}

export function encodeEntries(entries: readonly Entry[], nowMs: number): Buffer {
  return Buffer.concat(entries.map((e) => encodeEntry(e, nowMs)));
}

/** Whole batches only; a torn tail (a partial batch) is left out. Throws RecordsError on a corrupt batch. */
export function decodeEntries(bytes: Buffer): Entry[] {
  const scan = scanBatches(bytes);
  return scan.batches.map((batch) => ({
    baseOffset: Number(batch.baseOffset),
    epoch: batch.partitionLeaderEpoch,
    control: batch.isControl,
    records: readBatchRecords(batch).map((r) => r.value ?? Buffer.alloc(0)),
  }));
}
