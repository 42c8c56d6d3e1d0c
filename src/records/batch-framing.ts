import { BATCH_LENGTH_MIN, BATCH_LENGTH_OFFSET, LOG_OVERHEAD, MAGIC_OFFSET, MAGIC_V2 } from './batch-format.ts';
import { RecordsError, RecordsErrorCode, corrupt } from './errors.ts';

/** frameBatchAt's answer when the bytes end inside the batch at `position`. */
export const TORN = -1;

/**
 * Size in bytes of the batch that starts at `position`, or TORN when the
 * buffer ends before it does. Reads at most 17 bytes and never the records,
 * so it is the one place that decides what a batch boundary is for the
 * scanner, the produce validator and log recovery.
 *
 * Magic is checked before the length because an old-format message (magic
 * 0/1) is legitimately shorter than a v2 header, and it deserves Kafka's
 * INVALID_RECORD rather than a confusing "too short". A length that is
 * impossible is an error, not a torn tail: a tear can cut bytes off, it
 * cannot invent a length.
 */
export function frameBatchAt(buf: Buffer, position: number, end: number, batchBytesMax: number): number {
  const remaining = end - position;
  if (remaining < LOG_OVERHEAD) return TORN;
  const batchLength = buf.readInt32BE(position + BATCH_LENGTH_OFFSET);
  if (remaining > MAGIC_OFFSET) checkMagic(buf[position + MAGIC_OFFSET]!, position);
  if (batchLength < BATCH_LENGTH_MIN) {
    throw corrupt(`record batch at ${position} has length ${batchLength}, below the minimum ${BATCH_LENGTH_MIN}`, position);
  }
  if (batchLength > batchBytesMax - LOG_OVERHEAD) {
    throw new RecordsError(
      `record batch at ${position} is ${batchLength + LOG_OVERHEAD} bytes, above the maximum ${batchBytesMax}`,
      RecordsErrorCode.MESSAGE_TOO_LARGE,
      position,
    );
  }
  if (remaining - LOG_OVERHEAD < batchLength) return TORN;
  return LOG_OVERHEAD + batchLength;
}

function checkMagic(magicByte: number, position: number): void {
  if (magicByte === MAGIC_V2) return;
  if (magicByte === 0 || magicByte === 1) {
    // Kafka answers a produce of old-format messages with INVALID_RECORD (ProduceRequest.validateRecords).
    throw new RecordsError(
      `message format v${magicByte} at ${position} is not supported: only record batches with magic 2 are`,
      RecordsErrorCode.INVALID_RECORD,
      position,
    );
  }
  throw corrupt(`invalid magic ${(magicByte << 24) >> 24} in record batch at ${position}`, position);
}
