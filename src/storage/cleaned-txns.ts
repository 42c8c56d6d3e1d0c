/**
 * What the cleaner knows of transactions while it walks a range of the log
 * batch by batch, in offset order (Kafka's CleanedTransactionMetadata). It
 * starts from the range's aborted transactions (the `.txnindex` entries
 * that overlap it) and answers, per batch:
 *
 * - a data batch: does it belong to an aborted transaction? A transactional
 *   batch whose producer has an aborted transaction begun at or before it,
 *   and not yet ended by its ABORT marker, does. Anything else (committed
 *   transactional data, non-transactional data) does not.
 * - a transaction marker: may it go? Only when none of its transaction's
 *   data was met since the walk began: data still in the log needs its
 *   marker (a COMMIT ends the transaction for the producer-state replay, an
 *   ABORT backs the index entry a read_committed reader filters by). The
 *   caller then removes it only after its delete horizon (cleaner-filter.ts).
 *   An ABORT marker that stays because data was met keeps its index entry;
 *   once the data is gone the entry goes at the next clean, as in Kafka.
 *
 * The walk must see every batch from the start of its range: "met" means
 * read in this walk, whether or not the batch is then kept, so a clean that
 * removes the last data of an aborted transaction still keeps its marker,
 * and the marker goes in a later clean that finds no data. A walk over
 * every group of one clean shares one instance, so a marker whose data lies
 * in an earlier group is kept too (Kafka starts afresh for each group).
 *
 * Pure: no file access; the caller collects the aborted transactions.
 */
import { ControlRecordType, type RecordBatch, readControlRecords } from '../records/index.ts';
import type { AbortedTxn } from './txn-index.ts';

/** A marker the cleaner met: whether it may go, and the index entry to keep with it (ABORT markers kept for their data). */
export interface MarkerVerdict {
  discardable: boolean;
  keptAbortedTxn: AbortedTxn | null;
}

interface OngoingAbort {
  txn: AbortedTxn;
  /** A batch of the transaction was met in this walk. */
  dataSeen: boolean;
}

const DISCARDABLE: MarkerVerdict = Object.freeze({ discardable: true, keptAbortedTxn: null });
const KEPT: MarkerVerdict = Object.freeze({ discardable: false, keptAbortedTxn: null });

export class CleanedTxns {
  /** The aborted transactions not yet begun in the walk, by first offset. */
  private readonly pending: readonly AbortedTxn[];
  private pendingIndex: number;
  /** Producers whose aborted transaction began and whose ABORT marker was not met yet. */
  private readonly ongoingAborted: Map<bigint, OngoingAbort>;
  /** Producers with transactional data met that is not aborted, until their marker. */
  private readonly ongoingCommitted: Set<bigint>;

  constructor(abortedTxns: readonly AbortedTxn[]) {
    this.pending = [...abortedTxns].sort((a, b) => a.firstOffset - b.firstOffset);
    this.pendingIndex = 0;
    this.ongoingAborted = new Map();
    this.ongoingCommitted = new Set();
  }

  /** A data (non-control) batch; true when it belongs to an aborted transaction. */
  onDataBatch(batch: RecordBatch): boolean {
    this.beginAbortedUpTo(Number(batch.lastOffset));
    if (!batch.isTransactional) return false;
    const aborted = this.ongoingAborted.get(batch.producerId);
    if (aborted !== undefined) {
      aborted.dataSeen = true;
      return true;
    }
    this.ongoingCommitted.add(batch.producerId);
    return false;
  }

  /** A control batch; ends its producer's transaction in the walk. */
  onControlBatch(batch: RecordBatch): MarkerVerdict {
    this.beginAbortedUpTo(Number(batch.lastOffset));
    // An empty control batch is the header a former clean left of a marker: nothing depends on it.
    if (batch.recordCount === 0) return DISCARDABLE;
    const type = readControlRecords(batch)[0]!.type;
    const producerId = batch.producerId;
    if (type === ControlRecordType.ABORT) {
      const aborted = this.ongoingAborted.get(producerId);
      this.ongoingAborted.delete(producerId);
      if (aborted === undefined || !aborted.dataSeen) return DISCARDABLE;
      return { discardable: false, keptAbortedTxn: aborted.txn };
    }
    if (type === ControlRecordType.COMMIT) return this.ongoingCommitted.delete(producerId) ? KEPT : DISCARDABLE;
    return KEPT;
  }

  /** Aborted transactions whose first offset is at or below `offset` have begun; one per producer at a time. */
  private beginAbortedUpTo(offset: number): void {
    const pending = this.pending;
    while (this.pendingIndex < pending.length && pending[this.pendingIndex]!.firstOffset <= offset) {
      const txn = pending[this.pendingIndex++]!;
      if (!this.ongoingAborted.has(txn.producerId)) this.ongoingAborted.set(txn.producerId, { txn, dataSeen: false });
    }
  }
}
