/**
 * read_committed filtering of fetched batches (the fetcher's part of
 * Kafka's transactional reads), kept apart from the consumer that uses it.
 */
import { readBatchRecords, type RecordBatch } from '../records/index.ts';

/** A control record's key: int16 version, int16 type; type 0 is an ABORT marker, 1 a COMMIT. */
const CONTROL_TYPE_ABORT = 0;

/**
 * read_committed filtering of one fetched partition, as Java's consumer does
 * it: the response lists the aborted transactions (producer id and first
 * offset) overlapping the fetched range; a transactional batch of a producer
 * whose aborted transaction has started by the batch's end is dropped, until
 * that producer's ABORT marker closes the transaction. Control batches are
 * never returned.
 */
export class AbortedTransactions {
  private readonly pending: { producerId: bigint; firstOffset: bigint }[];
  private pendingIndex = 0;
  private readonly aborted = new Set<bigint>();

  constructor(list: readonly { producerId: bigint; firstOffset: bigint }[] | null) {
    this.pending = [...(list ?? [])].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0));
  }

  /** True when the batch belongs to an aborted transaction (or is its ABORT marker) and must be skipped. */
  skips(batch: RecordBatch): boolean {
    if (!batch.hasProducerId) return false;
    const last = batch.lastOffset;
    while (this.pendingIndex < this.pending.length && this.pending[this.pendingIndex]!.firstOffset <= last) {
      this.aborted.add(this.pending[this.pendingIndex++]!.producerId);
    }
    const producerId = batch.producerId;
    if (batch.isControl) {
      const marker = readBatchRecords(batch)[0]?.key;
      if (marker !== undefined && marker !== null && marker.length >= 4 && marker.readInt16BE(2) === CONTROL_TYPE_ABORT) this.aborted.delete(producerId);
      return true;
    }
    return batch.isTransactional && this.aborted.has(producerId);
  }
}
