/**
 * The transactions open on one partition replica and the ones completed but
 * not yet replicated (Kafka's ongoingTxns and unreplicatedTxns of
 * ProducerStateManager). Together they give the first unstable offset: a
 * read_committed consumer may read below it and no further, because at or
 * above it lies data whose fate (commit or abort) is not settled, or whose
 * marker may still be lost to a leader change.
 *
 * Pure: offsets in, offsets out. Few transactions are open at once on a
 * partition, so plain scans are cheaper than an ordered map.
 */

export interface CompletedTxn {
  producerId: bigint;
  firstOffset: number;
  /** Offset of the marker that completed it. */
  lastOffset: number;
  isAborted: boolean;
}

export class TxnTracker {
  /** producerId → first offset of its open transaction. */
  private readonly ongoing = new Map<bigint, number>();
  /** Completed transactions whose marker is at or above the high watermark, in marker order. */
  private unreplicated: CompletedTxn[] = [];
  private highWatermark = 0;

  get ongoingCount(): number {
    return this.ongoing.size;
  }

  begin(producerId: bigint, firstOffset: number): void {
    this.ongoing.set(producerId, firstOffset);
  }

  /**
   * Kafka's lastStableOffset(completedTxn), recorded in the transaction
   * index: the first offset of the earliest transaction still open by
   * another producer, else the offset after the marker.
   */
  lastStableOffsetAfter(completed: CompletedTxn): number {
    let first = Number.MAX_SAFE_INTEGER;
    for (const [producerId, offset] of this.ongoing) if (producerId !== completed.producerId && offset < first) first = offset;
    return first === Number.MAX_SAFE_INTEGER ? completed.lastOffset + 1 : first;
  }

  /** The transaction is settled; it stays unstable until the high watermark passes its marker. */
  complete(completed: CompletedTxn): void {
    this.ongoing.delete(completed.producerId);
    if (completed.lastOffset >= this.highWatermark) this.unreplicated.push(completed);
  }

  onHighWatermarkUpdated(highWatermark: number): void {
    this.highWatermark = highWatermark;
    if (this.unreplicated.length === 0) return;
    this.unreplicated = this.unreplicated.filter((t) => t.lastOffset >= highWatermark);
  }

  /** The smallest first offset of an open or unreplicated transaction, or null when there is none. */
  firstUnstableOffset(): number | null {
    let first: number | null = null;
    for (const offset of this.ongoing.values()) if (first === null || offset < first) first = offset;
    for (const t of this.unreplicated) if (first === null || t.firstOffset < first) first = t.firstOffset;
    return first;
  }
}
