// Partition logs on disk in Kafka's layout: segments with offset and time
// indexes, recovery in passes, roll, truncation, retention, compaction
// (the log cleaner), checkpoints.
export { type Clock, type LogConfig, LOG_CONFIG_DEFAULTS, NEVER, validateLogConfig } from './config.ts';
export {
  CheckpointFormatError,
  CorruptIndexError,
  InconsistentTopicIdError,
  LogCorruptionError,
  OffsetOutOfRangeError,
  RecordListTooLargeError,
  StorageError,
  isIoError,
  StorageErrorCode,
  UnexpectedAppendOffsetError,
} from './errors.ts';
export { type EpochEntry, LeaderEpochCache, UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET } from './leader-epoch-cache.ts';
export { CLEANER_BYTES_PER_RUN_DEFAULT, type CleanedLog, type CleanerRunOptions, LogManager, type LogWorkStats } from './log-manager.ts';
export { CLEANER_CONFIG_DEFAULTS, type CleanResult, type CleanerConfig } from './log-cleaner.ts';
export type { TimestampAndOffset } from './log-segment.ts';
export {
  type AppendResult,
  EARLIEST_LOCAL_TIMESTAMP,
  EARLIEST_TIMESTAMP,
  LATEST_TIMESTAMP,
  MAX_TIMESTAMP,
  PartitionLog,
  type PartitionLogOptions,
  type ReadResult,
  type TopicPartition,
} from './partition-log.ts';
export { readFileIfExists, unlinkIfExists, writeFileDurably } from './fs-util.ts';
export { type AbortedTxn, TXN_INDEX_ENTRY_BYTES, decodeTxnIndex } from './txn-index.ts';
