/**
 * What a read_committed consumer of a replica would get, checked against
 * the log itself: it reads every batch below the last stable offset and
 * drops the records of each aborted transaction the broker lists (Kafka's
 * consumer: from the listed first offset up to the producer's ABORT
 * marker). The truth comes from the markers in the log: a transactional
 * record is aborted exactly when the next marker of its producer is an
 * ABORT. So every aborted record must be listed, and no committed one;
 * and a record below the last stable offset must have its marker below
 * `committedEnd` (an offset some leader's high watermark has passed), or a
 * failover could still lose the marker after the record was read as
 * settled. (A new leader's own high watermark may lag what was committed
 * before it; Kafka's last stable offset does not wait for it to catch up.)
 * Reads batch headers and the marker records only.
 */
import { ControlRecordType, readEndTxnMarker, scanBatches } from '../../src/records/index.ts';
import type { MemoryLog } from './memory-log.ts';

const READ_BYTES_MAX = 1 << 30;

/** null when a read_committed read up to `lastStableOffset` is right, else what is wrong. */
export function readCommittedProblem(log: MemoryLog, lastStableOffset: number, committedEnd: number): string | null {
  if (lastStableOffset <= log.logStartOffset) return null;
  // The whole log: a transaction with data below the last stable offset may have its marker above it.
  const { records } = log.read(log.logStartOffset, READ_BYTES_MAX, log.logEndOffset, true);
  if (records === null) return null;
  const aborted = log.collectAbortedTxns(log.logStartOffset, lastStableOffset);
  const listed = (producerId: bigint, offset: number): boolean =>
    aborted.some((t) => t.producerId === producerId && t.firstOffset <= offset && offset <= t.lastOffset);
  /** Transactional data offsets per producer since its last marker. */
  const pending = new Map<bigint, number[]>();
  for (const batch of scanBatches(records).batches) {
    if (!batch.isTransactional) continue;
    const producerId = batch.producerId;
    if (!batch.isControl) {
      if (Number(batch.baseOffset) >= lastStableOffset) continue;
      const offsets = pending.get(producerId) ?? [];
      offsets.push(Number(batch.baseOffset), Number(batch.lastOffset));
      pending.set(producerId, offsets);
      continue;
    }
    const isAbort = readEndTxnMarker(batch).type === ControlRecordType.ABORT;
    const markerOffset = Number(batch.baseOffset);
    for (const offset of pending.get(producerId) ?? []) {
      if (markerOffset >= committedEnd) {
        return `offset ${offset} of producer ${producerId} is below the last stable offset ${lastStableOffset} but its marker at ${markerOffset} was never committed (below ${committedEnd})`;
      }
      if (listed(producerId, offset) !== isAbort) {
        return `offset ${offset} of producer ${producerId} is ${isAbort ? 'aborted but not' : 'committed but'} listed as aborted `
          + `(read_committed up to ${lastStableOffset}, aborted list ${JSON.stringify(aborted, (_, v) => (typeof v === 'bigint' ? String(v) : v))})`;
      }
    }
    pending.delete(producerId);
  }
  // Data below the last stable offset with no marker anywhere after it: an open transaction read too early.
  for (const [producerId, offsets] of pending) {
    if (offsets.length > 0) return `producer ${producerId} has transactional data at ${offsets[0]} below the last stable offset ${lastStableOffset} with no marker`;
  }
  return null;
}
