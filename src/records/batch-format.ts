/**
 * RecordBatch v2 ("magic 2") layout, all integers big-endian:
 *
 *   offset size field
 *        0    8 baseOffset            int64
 *        8    4 batchLength           int32, bytes after this field
 *       12    4 partitionLeaderEpoch  int32
 *       16    1 magic                 int8, always 2
 *       17    4 crc                   uint32, CRC-32C of bytes [21, end)
 *       21    2 attributes            int16, see ATTRIBUTE_* below
 *       23    4 lastOffsetDelta       int32
 *       27    8 baseTimestamp         int64 (the delete horizon when that bit is set)
 *       35    8 maxTimestamp          int64
 *       43    8 producerId            int64, -1 when none
 *       51    2 producerEpoch         int16
 *       53    4 baseSequence          int32
 *       57    4 recordCount           int32
 *       61    … records, compressed as a whole when the codec is not 0
 *
 * The CRC starts at attributes, so baseOffset, batchLength,
 * partitionLeaderEpoch and magic can be rewritten by the broker without
 * recomputing it; that is what makes offset assignment a 12-byte patch.
 */
export const BASE_OFFSET_OFFSET = 0;
export const BATCH_LENGTH_OFFSET = 8;
export const PARTITION_LEADER_EPOCH_OFFSET = 12;
export const MAGIC_OFFSET = 16;
export const CRC_OFFSET = 17;
export const ATTRIBUTES_OFFSET = 21;
export const LAST_OFFSET_DELTA_OFFSET = 23;
export const BASE_TIMESTAMP_OFFSET = 27;
export const MAX_TIMESTAMP_OFFSET = 35;
export const PRODUCER_ID_OFFSET = 43;
export const PRODUCER_EPOCH_OFFSET = 51;
export const BASE_SEQUENCE_OFFSET = 53;
export const RECORD_COUNT_OFFSET = 57;
export const RECORDS_OFFSET = 61;

/** baseOffset + batchLength: the bytes in front of what batchLength counts. */
export const LOG_OVERHEAD = 12;
/** The whole fixed header; a batch can never be shorter than this. */
export const RECORD_BATCH_OVERHEAD = RECORDS_OFFSET;
/** The smallest legal batchLength value (a batch with an empty records section). */
export const BATCH_LENGTH_MIN = RECORD_BATCH_OVERHEAD - LOG_OVERHEAD;

export const MAGIC_V2 = 2;

export const ATTRIBUTE_COMPRESSION_MASK = 0x07;
export const ATTRIBUTE_TIMESTAMP_TYPE_MASK = 0x08;
export const ATTRIBUTE_TRANSACTIONAL_MASK = 0x10;
export const ATTRIBUTE_CONTROL_MASK = 0x20;
export const ATTRIBUTE_DELETE_HORIZON_MASK = 0x40;

export const TimestampType = {
  CREATE_TIME: 0,
  LOG_APPEND_TIME: 1,
} as const;
export type TimestampType = (typeof TimestampType)[keyof typeof TimestampType];

export const NO_PRODUCER_ID = -1n;
export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;
export const NO_PARTITION_LEADER_EPOCH = -1;

/**
 * Default for the largest batch a scan accepts and for the decompressed
 * size of one batch's records. Callers pass the topic's message size; this
 * only bounds memory when they do not (matches socket.request.max.bytes).
 */
export const RECORDS_BYTES_MAX_DEFAULT = 100 * 1024 * 1024;
