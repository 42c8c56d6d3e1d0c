import { MAGIC_V2, RECORDS_BYTES_MAX_DEFAULT, TimestampType } from './batch-format.ts';
import { decompress } from './compression.ts';
import { corrupt } from './errors.ts';
import type { RecordBatch } from './record-batch.ts';
import { type DecodedRecord, decodeRecords } from './record-codec.ts';

export interface ReadRecordsOptions {
  /** Bound on the decompressed records section; MESSAGE_TOO_LARGE beyond it. */
  decompressedBytesMax?: number;
}

/**
 * Decompresses (if needed) and decodes every record of a batch. This is the
 * slow path, for consumers, compaction and tests; the broker's produce and
 * fetch paths never call it. Uncompressed keys and values are views into
 * the batch's own buffer.
 */
export function readBatchRecords(batch: RecordBatch, options: ReadRecordsOptions = {}): DecodedRecord[] {
  if (batch.magic !== MAGIC_V2) throw corrupt(`record batch at ${batch.offset} has magic ${batch.magic}`, batch.offset);
  const bytes = decompress(batch.compression, batch.recordsBytes(), options.decompressedBytesMax ?? RECORDS_BYTES_MAX_DEFAULT);
  const logAppendTime = batch.timestampType === TimestampType.LOG_APPEND_TIME ? batch.maxTimestamp : null;
  return decodeRecords(bytes, batch.recordCount, {
    baseOffset: batch.baseOffset,
    baseTimestamp: batch.baseTimestamp,
    logAppendTime,
  });
}
