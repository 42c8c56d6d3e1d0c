/**
 * What the cleaner keeps of one batch (Kafka's Cleaner.shouldRetainRecord,
 * checkBatchRetention and MemoryRecords.filterTo), given the key → latest
 * offset map of the dirty section and the transactions met so far
 * (cleaned-txns.ts):
 *
 * - a batch of an aborted transaction loses every record
 * - a transaction marker stays whole while its transaction may still have
 *   data in the log; after that the first clean stamps a delete horizon
 *   `now + delete.retention.ms` in it (KIP-534, as for tombstones) and a
 *   clean after the horizon removes it
 * - a record past the map's latest offset is kept (it was not mapped)
 * - a record without a key is dropped (Kafka counts it invalid)
 * - a record whose key maps to a later offset is dropped (superseded);
 *   committed transactional records are mapped like any other
 * - a tombstone (null value) is kept until the batch's delete horizon: the
 *   first clean that keeps it stamps the horizon into the rewritten batch,
 *   a clean after the horizon drops it
 * - a batch left with no records goes, unless it is the last batch of its
 *   producer in the log: then its empty header stays, so the producer's
 *   last sequence (or, for a marker, its last epoch) survives (Kafka's
 *   RETAIN_EMPTY)
 *
 * A batch that keeps every record and needs no horizon is copied as it is;
 * otherwise it is re-encoded with its original codec (records' buildRetainedBatch).
 */
import { type DecodedRecord, NO_DELETE_HORIZON, type RecordBatch, buildRetainedBatch, readBatchRecords } from '../records/index.ts';
import type { CleanedTxns } from './cleaned-txns.ts';
import type { OffsetMap } from './offset-map.ts';
import type { AbortedTxn } from './txn-index.ts';

export interface FilterContext {
  map: OffsetMap;
  /** The walk over every batch the clean recopies, in offset order. */
  txns: CleanedTxns;
  nowMs: number;
  /** delete.retention.ms of the log. */
  deleteRetentionMs: number;
  /** Last offset of the last batch of every producer in the log. */
  producerLastOffsets: ReadonlyMap<number, number>;
  /** Index entries of the ABORT markers kept since the caller last drained it, in marker order. */
  keptAbortedTxns: AbortedTxn[];
  /** Totals, updated by filterBatch. */
  stats: FilterStats;
}

export interface FilterStats {
  recordsRead: number;
  recordsRemoved: number;
  /** The latest delete horizon stamped on a kept tombstone or marker, -1 when none; past it, the log is due again. */
  latestDeleteHorizonMs: number;
}

/** The bytes to write for `batch` (the batch itself or a rebuilt one), or null to drop it. */
export function filterBatch(batch: RecordBatch, ctx: FilterContext): Buffer | null {
  if (batch.isControl) return filterMarker(batch, ctx);
  const aborted = ctx.txns.onDataBatch(batch);
  const records = readBatchRecords(batch);
  const horizonMs = horizonOf(batch);
  const kept: DecodedRecord[] = [];
  let keptTombstones = false;
  for (const record of records) {
    if (aborted || !shouldRetain(record, horizonMs, ctx)) continue;
    kept.push(record);
    if (record.value === null) keptTombstones = true;
  }
  ctx.stats.recordsRead += records.length;
  ctx.stats.recordsRemoved += records.length - kept.length;
  if (kept.length === 0) return isLastOfProducer(batch, ctx) ? buildRetainedBatch(batch, kept, NO_DELETE_HORIZON) : null;
  const needHorizon = keptTombstones && horizonMs === NO_DELETE_HORIZON;
  const newHorizonMs = needHorizon ? ctx.nowMs + ctx.deleteRetentionMs : horizonMs;
  if (keptTombstones) noteHorizon(ctx, newHorizonMs);
  if (kept.length === records.length && !needHorizon) return batch.bytes();
  return buildRetainedBatch(batch, kept, newHorizonMs);
}

/** A control batch: kept while its transaction needs it, then until its delete horizon. */
function filterMarker(batch: RecordBatch, ctx: FilterContext): Buffer | null {
  const verdict = ctx.txns.onControlBatch(batch);
  if (verdict.keptAbortedTxn !== null) ctx.keptAbortedTxns.push(verdict.keptAbortedTxn);
  const count = batch.recordCount;
  ctx.stats.recordsRead += count;
  if (count === 0) return isLastOfProducer(batch, ctx) ? batch.bytes() : null;
  if (!verdict.discardable) return batch.bytes();
  const horizonMs = horizonOf(batch);
  if (horizonMs !== NO_DELETE_HORIZON && horizonMs <= ctx.nowMs) {
    ctx.stats.recordsRemoved += count;
    return isLastOfProducer(batch, ctx) ? buildRetainedBatch(batch, [], NO_DELETE_HORIZON) : null;
  }
  if (horizonMs !== NO_DELETE_HORIZON) {
    noteHorizon(ctx, horizonMs);
    return batch.bytes();
  }
  const stampedMs = ctx.nowMs + ctx.deleteRetentionMs;
  noteHorizon(ctx, stampedMs);
  return buildRetainedBatch(batch, readBatchRecords(batch), stampedMs);
}

function horizonOf(batch: RecordBatch): number {
  return batch.hasDeleteHorizon ? Number(batch.baseTimestamp) : NO_DELETE_HORIZON;
}

function noteHorizon(ctx: FilterContext, horizonMs: number): void {
  ctx.stats.latestDeleteHorizonMs = Math.max(ctx.stats.latestDeleteHorizonMs, horizonMs);
}

function isLastOfProducer(batch: RecordBatch, ctx: FilterContext): boolean {
  if (!batch.hasProducerId) return false;
  return ctx.producerLastOffsets.get(Number(batch.producerId)) === Number(batch.lastOffset);
}

function shouldRetain(record: DecodedRecord, horizonMs: number, ctx: FilterContext): boolean {
  const offset = Number(record.offset);
  if (offset > ctx.map.latestOffset) return true;
  if (record.key === null) return false;
  if (offset < ctx.map.get(record.key)) return false;
  return record.value !== null || horizonMs === NO_DELETE_HORIZON || ctx.nowMs < horizonMs;
}
