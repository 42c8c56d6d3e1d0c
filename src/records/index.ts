// The public surface of src/records: RecordBatch v2 views, scanning and
// produce validation, record encode/decode, control records, compression.

export {
  LOG_OVERHEAD,
  MAGIC_V2,
  NO_PARTITION_LEADER_EPOCH,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  NO_SEQUENCE,
  RECORD_BATCH_OVERHEAD,
  RECORDS_BYTES_MAX_DEFAULT,
  TimestampType,
} from './batch-format.ts';
export { RecordsError, RecordsErrorCode } from './errors.ts';
export { crc32c } from './crc32c.ts';
export { RecordBatch } from './record-batch.ts';
export { type BatchScan, type ScanOptions, scanBatches } from './batch-scanner.ts';
export { type ProduceBatchesSummary, type ProduceValidationOptions, validateProduceBatches } from './produce-validator.ts';
export {
  type DecodedRecord,
  type RecordContext,
  type RecordHeader,
  type RecordInput,
  decodeRecords,
} from './record-codec.ts';
export { type BatchOptions, buildRecordBatch } from './batch-builder.ts';
export { NO_DELETE_HORIZON, buildRetainedBatch } from './retained-batch.ts';
export { type ReadRecordsOptions, readBatchRecords } from './batch-records.ts';
export {
  type ControlRecord,
  ControlRecordType,
  type EndTxnMarker,
  buildControlBatch,
  buildEndTxnMarkerBatch,
  decodeControlRecordKey,
  decodeEndTxnMarkerValue,
  encodeControlRecordKey,
  encodeEndTxnMarkerValue,
  readControlRecords,
  readEndTxnMarker,
} from './control-records.ts';
export { CompressionCodec, compress, decompress, isCompressionCodec } from './compression.ts';
