import { RECORDS_BYTES_MAX_DEFAULT } from './batch-format.ts';
import { TORN, frameBatchAt } from './batch-framing.ts';
import { RecordBatch } from './record-batch.ts';

export interface ScanOptions {
  /** CRC every batch. Default true; a fetch serving bytes it already checked on append may skip it. */
  verifyCrc?: boolean;
  /** Largest batch accepted, in bytes including the 12-byte log overhead. */
  batchBytesMax?: number;
}

export interface BatchScan {
  /** Views over `buf`, in order; no bytes are copied. */
  batches: RecordBatch[];
  /** Bytes from the start of the buffer covered by the complete batches. */
  validBytes: number;
  /** True when bytes follow the last complete batch but do not make a whole one. */
  tornTail: boolean;
}

/**
 * Splits a buffer of consecutive batches (a produce partition's records, a
 * fetch response's records, a segment read) into views. An incomplete last
 * batch is reported, not thrown, because it is the expected shape of a log
 * after a crash and of a fetch cut at its size limit. Anything else wrong
 * throws a RecordsError whose `position` is the failing batch's start.
 */
export function scanBatches(buf: Buffer, options: ScanOptions = {}): BatchScan {
  const verifyCrc = options.verifyCrc ?? true;
  const batchBytesMax = options.batchBytesMax ?? RECORDS_BYTES_MAX_DEFAULT;
  const batches: RecordBatch[] = [];
  const end = buf.length;
  let position = 0;
  while (position < end) {
    const size = frameBatchAt(buf, position, end, batchBytesMax);
    if (size === TORN) break;
    const batch = new RecordBatch(buf, position);
    if (verifyCrc) batch.validateCrc();
    batches.push(batch);
    position += size;
  }
  return { batches, validBytes: position, tornTail: position < end };
}
