/**
 * Per-partition log settings with Kafka's topic-config names in the comments
 * and Kafka's defaults. Values are validated once, when a log is opened or
 * reconfigured, so the hot paths can trust them.
 */

/** Wall time comes in through this; nothing under src/storage reads the system clock. */
export interface Clock {
  nowMs(): number;
}

export interface LogConfig {
  /** segment.bytes: the active segment rolls before an append would take it past this. */
  segmentBytes: number;
  /** segment.ms: the active segment rolls once its first append is older than this. */
  segmentMs: number;
  /** segment.index.bytes: the most bytes either index file of one segment may hold; a full index rolls. */
  segmentIndexBytes: number;
  /** index.interval.bytes: log bytes between two sparse offset-index entries. */
  indexIntervalBytes: number;
  /** retention.ms: segments whose newest timestamp is older than this are deleted; -1 keeps them forever. */
  retentionMs: number;
  /** retention.bytes: oldest segments are deleted while the log is larger than this; negative (-1) means no limit. */
  retentionBytes: number;
  /** flush.messages: fsync once this many offsets are unflushed. Number.MAX_SAFE_INTEGER stands for Kafka's Long.MAX. */
  flushIntervalMessages: number;
  /** flush.ms: LogManager.flushDirty fsyncs a log this long after its last flush. */
  flushIntervalMs: number;
  /** file.delete.delay.ms: accepted for Kafka compatibility; Samsa unlinks right after the rename to `.deleted`. */
  fileDeleteDelayMs: number;
  /** cleanup.policy contains `compact`: the log cleaner keeps the latest record per key (log-cleaner.ts). */
  compact: boolean;
  /** min.cleanable.dirty.ratio: a compacted log is due once dirty bytes / cleanable bytes exceed this. */
  minCleanableDirtyRatio: number;
  /** delete.retention.ms: how long a tombstone survives after the clean that first kept it. */
  deleteRetentionMs: number;
  /** min.compaction.lag.ms: segments holding a record younger than this are not cleaned. */
  minCompactionLagMs: number;
  /** max.compaction.lag.ms: a log whose oldest dirty batch is older than this is cleaned regardless of the ratio. */
  maxCompactionLagMs: number;
}

/** Kafka's int32 limits: positions and relative offsets in the index files are 32-bit. */
export const INT32_MAX = 0x7fffffff;
/** Kafka's own floor for segment.bytes (a legacy v0 record overhead). */
export const SEGMENT_BYTES_MIN = 14;
/** Kafka's floor for segment.index.bytes; below 12 the time index holds nothing and every append rolls, as in Kafka. */
export const SEGMENT_INDEX_BYTES_MIN = 4;
/** Stands for Kafka's Long.MAX_VALUE in the flush settings. */
export const NEVER = Number.MAX_SAFE_INTEGER;

export const LOG_CONFIG_DEFAULTS: Readonly<LogConfig> = Object.freeze({
  segmentBytes: 1024 * 1024 * 1024,
  segmentMs: 7 * 24 * 60 * 60 * 1000,
  segmentIndexBytes: 10 * 1024 * 1024,
  indexIntervalBytes: 4096,
  retentionMs: 7 * 24 * 60 * 60 * 1000,
  retentionBytes: -1,
  flushIntervalMessages: NEVER,
  flushIntervalMs: NEVER,
  fileDeleteDelayMs: 60_000,
  compact: false,
  minCleanableDirtyRatio: 0.5,
  deleteRetentionMs: 24 * 60 * 60 * 1000,
  minCompactionLagMs: 0,
  maxCompactionLagMs: NEVER,
});

function checkRange(name: string, value: number, min: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new RangeError(`log config ${name}=${value} must be an integer in [${min}, ${max}]`);
  }
}

/** Throws a RangeError naming the first bad setting. */
export function validateLogConfig(config: LogConfig): void {
  checkRange('segmentBytes', config.segmentBytes, SEGMENT_BYTES_MIN, INT32_MAX);
  checkRange('segmentMs', config.segmentMs, 1, NEVER);
  checkRange('segmentIndexBytes', config.segmentIndexBytes, SEGMENT_INDEX_BYTES_MIN, INT32_MAX);
  checkRange('indexIntervalBytes', config.indexIntervalBytes, 0, INT32_MAX);
  checkRange('retentionMs', config.retentionMs, -1, NEVER);
  checkRange('retentionBytes', config.retentionBytes, -NEVER, NEVER);
  checkRange('flushIntervalMessages', config.flushIntervalMessages, 1, NEVER);
  checkRange('flushIntervalMs', config.flushIntervalMs, 0, NEVER);
  checkRange('fileDeleteDelayMs', config.fileDeleteDelayMs, 0, NEVER);
  if (typeof config.compact !== 'boolean') throw new RangeError(`log config compact=${String(config.compact)} must be a boolean`);
  const ratio = config.minCleanableDirtyRatio;
  if (!(typeof ratio === 'number' && ratio >= 0 && ratio <= 1)) throw new RangeError(`log config minCleanableDirtyRatio=${ratio} must be a number in [0, 1]`);
  checkRange('deleteRetentionMs', config.deleteRetentionMs, 0, NEVER);
  checkRange('minCompactionLagMs', config.minCompactionLagMs, 0, NEVER);
  checkRange('maxCompactionLagMs', config.maxCompactionLagMs, 1, NEVER);
}
