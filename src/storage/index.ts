// Partition logs on disk in Kafka's layout: segments with offset and time
// indexes, recovery in passes, roll, truncation, retention, checkpoints.
// Compaction arrives later.
export { type Clock, type LogConfig, LOG_CONFIG_DEFAULTS, NEVER, validateLogConfig } from './config.ts';
export {
  CheckpointFormatError,
  CorruptIndexError,
  InconsistentTopicIdError,
  LogCorruptionError,
  OffsetOutOfRangeError,
  RecordListTooLargeError,
  StorageError,
  StorageErrorCode,
  UnexpectedAppendOffsetError,
} from './errors.ts';
export { type EpochEntry, LeaderEpochCache, UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET } from './leader-epoch-cache.ts';
export { LogManager } from './log-manager.ts';
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
