/**
 * Expected failures of the storage layer, one class each, with a stable
 * `code` and the Kafka error code the broker answers with. Programmer
 * errors (offsets going backwards in an index, appends of unframed bytes)
 * are assertions and throw plain Errors instead.
 */

/** Kafka error codes used here (same numbers as src/protocol/error-codes.ts). */
export const StorageErrorCode = {
  UNKNOWN_SERVER_ERROR: -1,
  OFFSET_OUT_OF_RANGE: 1,
  CORRUPT_MESSAGE: 2,
  RECORD_LIST_TOO_LARGE: 18,
  KAFKA_STORAGE_ERROR: 56,
  INCONSISTENT_TOPIC_ID: 103,
} as const;

/** An operating-system I/O error (ENOSPC, EIO, ...), as Node's fs raises it, rather than a bug or bad data. */
export function isIoError(e: unknown): e is NodeJS.ErrnoException {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' && (e as NodeJS.ErrnoException).syscall !== undefined;
}

export class StorageError extends Error {
  readonly code: string;
  readonly kafkaErrorCode: number;

  constructor(message: string, code: string, kafkaErrorCode: number) {
    super(message);
    this.name = 'StorageError';
    this.code = code;
    this.kafkaErrorCode = kafkaErrorCode;
  }
}

/** A fetch, ListOffsets or DeleteRecords offset outside [logStartOffset, logEndOffset]. */
export class OffsetOutOfRangeError extends StorageError {
  readonly offset: number;
  readonly logStartOffset: number;
  readonly logEndOffset: number;

  constructor(offset: number, logStartOffset: number, logEndOffset: number, what = 'offset') {
    super(
      `${what} ${offset} is out of range: the log holds [${logStartOffset}, ${logEndOffset})`,
      'SAMSA_ERR_OFFSET_OUT_OF_RANGE',
      StorageErrorCode.OFFSET_OUT_OF_RANGE,
    );
    this.name = 'OffsetOutOfRangeError';
    this.offset = offset;
    this.logStartOffset = logStartOffset;
    this.logEndOffset = logEndOffset;
  }
}

/** An append larger than a whole segment (Kafka's RecordBatchTooLargeException). */
export class RecordListTooLargeError extends StorageError {
  constructor(sizeBytes: number, segmentBytes: number) {
    super(
      `an append of ${sizeBytes} bytes cannot fit in a segment of ${segmentBytes} bytes`,
      'SAMSA_ERR_RECORD_LIST_TOO_LARGE',
      StorageErrorCode.RECORD_LIST_TOO_LARGE,
    );
    this.name = 'RecordListTooLargeError';
  }
}

/** A follower append whose offsets do not come after the log end (Kafka's UnexpectedAppendOffsetException). */
export class UnexpectedAppendOffsetError extends StorageError {
  readonly firstOffset: number;
  readonly logEndOffset: number;

  constructor(firstOffset: number, logEndOffset: number, detail: string) {
    super(
      `follower append at ${firstOffset} refused (log end offset ${logEndOffset}): ${detail}`,
      'SAMSA_ERR_UNEXPECTED_APPEND_OFFSET',
      StorageErrorCode.UNKNOWN_SERVER_ERROR,
    );
    this.name = 'UnexpectedAppendOffsetError';
    this.firstOffset = firstOffset;
    this.logEndOffset = logEndOffset;
  }
}

/** partition.metadata names another topic id than the one asked for. */
export class InconsistentTopicIdError extends StorageError {
  constructor(dir: string, storedTopicId: string, requestedTopicId: string) {
    super(
      `${dir} belongs to topic id ${storedTopicId}, not ${requestedTopicId}`,
      'SAMSA_ERR_INCONSISTENT_TOPIC_ID',
      StorageErrorCode.INCONSISTENT_TOPIC_ID,
    );
    this.name = 'InconsistentTopicIdError';
  }
}

/** An index file that fails its sanity check; it is rebuilt from the log, never served. */
export class CorruptIndexError extends StorageError {
  constructor(path: string, detail: string) {
    super(`corrupt index ${path}: ${detail}`, 'SAMSA_ERR_CORRUPT_INDEX', StorageErrorCode.KAFKA_STORAGE_ERROR);
    this.name = 'CorruptIndexError';
  }
}

/** Bytes in a segment that recovery already accepted no longer frame as batches: the disk changed under us. */
export class LogCorruptionError extends StorageError {
  constructor(path: string, position: number, detail: string) {
    super(`corrupt log ${path} at byte ${position}: ${detail}`, 'SAMSA_ERR_LOG_CORRUPTION', StorageErrorCode.KAFKA_STORAGE_ERROR);
    this.name = 'LogCorruptionError';
  }
}

/** A checkpoint or metadata file that does not parse. */
export class CheckpointFormatError extends StorageError {
  constructor(path: string, detail: string) {
    super(`malformed file ${path}: ${detail}`, 'SAMSA_ERR_CHECKPOINT_FORMAT', StorageErrorCode.KAFKA_STORAGE_ERROR);
    this.name = 'CheckpointFormatError';
  }
}
