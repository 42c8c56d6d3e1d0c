/**
 * What the cleaner keeps of one batch (Kafka's Cleaner.shouldRetainRecord
 * and MemoryRecords.filterTo), given the key → latest offset map of the
 * dirty section:
 *
 * - a control batch (transaction marker) is kept whole; Samsa keeps markers
 *   forever and never drops aborted transactional data
 * - a record past the map's latest offset is kept (it was not mapped)
 * - a record without a key is dropped (Kafka counts it invalid)
 * - a record whose key maps to a later offset is dropped (superseded)
 * - a tombstone (null value) is kept until the batch's delete horizon
 *   (KIP-534): the first clean that keeps it stamps the horizon
 *   `now + delete.retention.ms` into the rewritten batch, a clean after
 *   the horizon drops it
 * - a batch left with no records goes, unless it is the last batch of its
 *   producer in the log: then its empty header stays, so the producer's
 *   last sequence survives (Kafka's RETAIN_EMPTY)
 *
 * A batch that keeps every record and needs no horizon is copied as it is;
 * otherwise it is re-encoded with its original codec (records' buildRetainedBatch).
 */
import { type DecodedRecord, NO_DELETE_HORIZON, type RecordBatch, buildRetainedBatch, readBatchRecords } from '../records/index.ts';
import type { OffsetMap } from './offset-map.ts';

export interface FilterContext {
  map: OffsetMap;
  nowMs: number;
  /** delete.retention.ms of the log. */
  deleteRetentionMs: number;
  /** Last offset of the last batch of every producer in the log. */
  producerLastOffsets: ReadonlyMap<number, number>;
  /** Totals, updated by filterBatch. */
  stats: FilterStats;
}

export interface FilterStats {
  recordsRead: number;
  recordsRemoved: number;
  /** The latest delete horizon stamped on a kept tombstone, -1 when none; past it, the log is due again. */
  latestDeleteHorizonMs: number;
}

/** The bytes to write for `batch` (the batch itself or a rebuilt one), or null to drop it. */
export function filterBatch(batch: RecordBatch, ctx: FilterContext): Buffer | null {
  if (batch.isControl) return batch.bytes();
  const records = readBatchRecords(batch);
  const horizonMs = batch.hasDeleteHorizon ? Number(batch.baseTimestamp) : NO_DELETE_HORIZON;
  const kept: DecodedRecord[] = [];
  let keptTombstones = false;
  for (const record of records) {
    if (!shouldRetain(record, horizonMs, ctx)) continue;
    kept.push(record);
    if (record.value === null) keptTombstones = true;
  }
  ctx.stats.recordsRead += records.length;
  ctx.stats.recordsRemoved += records.length - kept.length;
  if (kept.length === 0) {
    const producerLast = batch.hasProducerId ? ctx.producerLastOffsets.get(Number(batch.producerId)) : undefined;
    return producerLast === Number(batch.lastOffset) ? buildRetainedBatch(batch, kept, NO_DELETE_HORIZON) : null;
  }
  const needHorizon = keptTombstones && horizonMs === NO_DELETE_HORIZON;
  const newHorizonMs = needHorizon ? ctx.nowMs + ctx.deleteRetentionMs : horizonMs;
  if (keptTombstones) ctx.stats.latestDeleteHorizonMs = Math.max(ctx.stats.latestDeleteHorizonMs, newHorizonMs);
  if (kept.length === records.length && !needHorizon) return batch.bytes();
  return buildRetainedBatch(batch, kept, newHorizonMs);
}

function shouldRetain(record: DecodedRecord, horizonMs: number, ctx: FilterContext): boolean {
  const offset = Number(record.offset);
  if (offset > ctx.map.latestOffset) return true;
  if (record.key === null) return false;
  if (offset < ctx.map.get(record.key)) return false;
  return record.value !== null || horizonMs === NO_DELETE_HORIZON || ctx.nowMs < horizonMs;
}
