/**
 * Kafka protocol error codes.
 *
 * Names and numbers follow Apache Kafka's `org.apache.kafka.common.protocol.Errors`
 * table; they are wire protocol and must never change. `retriable` is true exactly
 * when Kafka's exception class for the code is a `RetriableException` (this includes
 * the `InvalidMetadataException` family, which asks the client to refresh metadata
 * before retrying). `NONE` and `UNKNOWN_SERVER_ERROR` are not retriable.
 *
 * Codes unknown to this table are treated as non-retriable, as Kafka's Java client
 * does when it maps an unrecognised code to UNKNOWN_SERVER_ERROR.
 */

export interface KafkaErrorInfo {
  readonly name: string;
  readonly code: number;
  readonly retriable: boolean;
}

/** Error name → numeric code. */
export const ErrorCode = {
  UNKNOWN_SERVER_ERROR: -1, // unexpected failure inside the server
  NONE: 0, // success
  OFFSET_OUT_OF_RANGE: 1, // offset outside the log's retained range
  CORRUPT_MESSAGE: 2, // bad CRC, bad size, null key on a compacted topic, ...
  UNKNOWN_TOPIC_OR_PARTITION: 3, // this broker does not host the partition
  INVALID_FETCH_SIZE: 4,
  LEADER_NOT_AVAILABLE: 5, // leader election in progress
  NOT_LEADER_OR_FOLLOWER: 6, // wrong broker for this partition
  REQUEST_TIMED_OUT: 7,
  BROKER_NOT_AVAILABLE: 8,
  REPLICA_NOT_AVAILABLE: 9,
  MESSAGE_TOO_LARGE: 10, // a record exceeds the size limit
  STALE_CONTROLLER_EPOCH: 11,
  OFFSET_METADATA_TOO_LARGE: 12, // committed offset metadata string too long
  NETWORK_EXCEPTION: 13, // connection dropped before the response
  COORDINATOR_LOAD_IN_PROGRESS: 14,
  COORDINATOR_NOT_AVAILABLE: 15,
  NOT_COORDINATOR: 16,
  INVALID_TOPIC_EXCEPTION: 17, // illegal topic name or operation on an internal topic
  RECORD_LIST_TOO_LARGE: 18, // batch larger than the segment size
  NOT_ENOUGH_REPLICAS: 19, // ISR below min.insync.replicas, nothing written
  NOT_ENOUGH_REPLICAS_AFTER_APPEND: 20, // written, but ISR shrank below the minimum
  INVALID_REQUIRED_ACKS: 21,
  ILLEGAL_GENERATION: 22,
  INCONSISTENT_GROUP_PROTOCOL: 23,
  INVALID_GROUP_ID: 24,
  UNKNOWN_MEMBER_ID: 25,
  INVALID_SESSION_TIMEOUT: 26,
  REBALANCE_IN_PROGRESS: 27,
  INVALID_COMMIT_OFFSET_SIZE: 28,
  TOPIC_AUTHORIZATION_FAILED: 29,
  GROUP_AUTHORIZATION_FAILED: 30,
  CLUSTER_AUTHORIZATION_FAILED: 31,
  INVALID_TIMESTAMP: 32,
  UNSUPPORTED_SASL_MECHANISM: 33,
  ILLEGAL_SASL_STATE: 34,
  UNSUPPORTED_VERSION: 35, // API key or version not supported
  TOPIC_ALREADY_EXISTS: 36,
  INVALID_PARTITIONS: 37,
  INVALID_REPLICATION_FACTOR: 38,
  INVALID_REPLICA_ASSIGNMENT: 39,
  INVALID_CONFIG: 40,
  NOT_CONTROLLER: 41,
  INVALID_REQUEST: 42, // malformed request
  UNSUPPORTED_FOR_MESSAGE_FORMAT: 43,
  POLICY_VIOLATION: 44,
  OUT_OF_ORDER_SEQUENCE_NUMBER: 45,
  DUPLICATE_SEQUENCE_NUMBER: 46,
  INVALID_PRODUCER_EPOCH: 47,
  INVALID_TXN_STATE: 48,
  INVALID_PRODUCER_ID_MAPPING: 49,
  INVALID_TRANSACTION_TIMEOUT: 50,
  CONCURRENT_TRANSACTIONS: 51,
  TRANSACTION_COORDINATOR_FENCED: 52,
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: 53,
  SECURITY_DISABLED: 54,
  OPERATION_NOT_ATTEMPTED: 55, // skipped because another item of the batch failed
  KAFKA_STORAGE_ERROR: 56, // disk / log directory failure
  LOG_DIR_NOT_FOUND: 57,
  SASL_AUTHENTICATION_FAILED: 58,
  UNKNOWN_PRODUCER_ID: 59,
  REASSIGNMENT_IN_PROGRESS: 60,
  DELEGATION_TOKEN_AUTH_DISABLED: 61,
  DELEGATION_TOKEN_NOT_FOUND: 62,
  DELEGATION_TOKEN_OWNER_MISMATCH: 63,
  DELEGATION_TOKEN_REQUEST_NOT_ALLOWED: 64,
  DELEGATION_TOKEN_AUTHORIZATION_FAILED: 65,
  DELEGATION_TOKEN_EXPIRED: 66,
  INVALID_PRINCIPAL_TYPE: 67,
  NON_EMPTY_GROUP: 68,
  GROUP_ID_NOT_FOUND: 69,
  FETCH_SESSION_ID_NOT_FOUND: 70,
  INVALID_FETCH_SESSION_EPOCH: 71,
  LISTENER_NOT_FOUND: 72,
  TOPIC_DELETION_DISABLED: 73,
  FENCED_LEADER_EPOCH: 74, // request's leader epoch is older than the broker's
  UNKNOWN_LEADER_EPOCH: 75, // request's leader epoch is newer than the broker's
  UNSUPPORTED_COMPRESSION_TYPE: 76,
  STALE_BROKER_EPOCH: 77,
  OFFSET_NOT_AVAILABLE: 78,
  MEMBER_ID_REQUIRED: 79,
  PREFERRED_LEADER_NOT_AVAILABLE: 80,
  GROUP_MAX_SIZE_REACHED: 81,
  FENCED_INSTANCE_ID: 82,
  ELIGIBLE_LEADERS_NOT_AVAILABLE: 83,
  ELECTION_NOT_NEEDED: 84,
  NO_REASSIGNMENT_IN_PROGRESS: 85,
  GROUP_SUBSCRIBED_TO_TOPIC: 86,
  INVALID_RECORD: 87,
  UNSTABLE_OFFSET_COMMIT: 88,
  THROTTLING_QUOTA_EXCEEDED: 89,
  PRODUCER_FENCED: 90,
  RESOURCE_NOT_FOUND: 91,
  DUPLICATE_RESOURCE: 92,
  UNACCEPTABLE_CREDENTIAL: 93,
  INCONSISTENT_VOTER_SET: 94,
  INVALID_UPDATE_VERSION: 95,
  FEATURE_UPDATE_FAILED: 96,
  PRINCIPAL_DESERIALIZATION_FAILURE: 97,
  SNAPSHOT_NOT_FOUND: 98,
  POSITION_OUT_OF_RANGE: 99,
  UNKNOWN_TOPIC_ID: 100,
  DUPLICATE_BROKER_REGISTRATION: 101,
  BROKER_ID_NOT_REGISTERED: 102,
  INCONSISTENT_TOPIC_ID: 103,
  INCONSISTENT_CLUSTER_ID: 104,
  TRANSACTIONAL_ID_NOT_FOUND: 105,
  FETCH_SESSION_TOPIC_ID_ERROR: 106,
  INELIGIBLE_REPLICA: 107,
  NEW_LEADER_ELECTED: 108,
  OFFSET_MOVED_TO_TIERED_STORAGE: 109,
  FENCED_MEMBER_EPOCH: 110, // KIP-848 member must drop its partitions and rejoin
  UNRELEASED_INSTANCE_ID: 111,
  UNSUPPORTED_ASSIGNOR: 112,
  STALE_MEMBER_EPOCH: 113,
  MISMATCHED_ENDPOINT_TYPE: 114,
  UNSUPPORTED_ENDPOINT_TYPE: 115,
  UNKNOWN_CONTROLLER_ID: 116,
  UNKNOWN_SUBSCRIPTION_ID: 117, // client telemetry
  TELEMETRY_TOO_LARGE: 118, // client telemetry
  INVALID_REGISTRATION: 119,
  TRANSACTION_ABORTABLE: 120,
  INVALID_RECORD_STATE: 121, // share groups
  SHARE_SESSION_NOT_FOUND: 122, // share groups
  INVALID_SHARE_SESSION_EPOCH: 123, // share groups
  FENCED_STATE_EPOCH: 124, // share groups
  INVALID_VOTER_KEY: 125, // KRaft voters
  DUPLICATE_VOTER: 126, // KRaft voters
  VOTER_NOT_FOUND: 127, // KRaft voters
  INVALID_REGULAR_EXPRESSION: 128,
  REBOOTSTRAP_REQUIRED: 129, // client should rebuild metadata from bootstrap servers
  STREAMS_INVALID_TOPOLOGY: 130, // streams groups
  STREAMS_INVALID_TOPOLOGY_EPOCH: 131, // streams groups
  STREAMS_TOPOLOGY_FENCED: 132, // streams groups
  SHARE_SESSION_LIMIT_REACHED: 133, // share groups
  // 134–136 were added for Kafka 4.4 (on Kafka trunk when this table was written).
  GROUP_DELETION_FAILED: 134,
  STREAMS_TOPOLOGY_DESCRIPTION_UPDATE_FAILED: 135,
  CONTROLLER_ID_NOT_REGISTERED: 136,
} as const;

export type ErrorCodeName = keyof typeof ErrorCode;
export type ErrorCodeValue = (typeof ErrorCode)[ErrorCodeName];

/** Codes whose Kafka exception class extends RetriableException. */
const RETRIABLE: ReadonlySet<ErrorCodeName> = new Set<ErrorCodeName>([
  'CORRUPT_MESSAGE',
  'UNKNOWN_TOPIC_OR_PARTITION',
  'LEADER_NOT_AVAILABLE',
  'NOT_LEADER_OR_FOLLOWER',
  'REQUEST_TIMED_OUT',
  'REPLICA_NOT_AVAILABLE',
  'NETWORK_EXCEPTION',
  'COORDINATOR_LOAD_IN_PROGRESS',
  'COORDINATOR_NOT_AVAILABLE',
  'NOT_COORDINATOR',
  'NOT_ENOUGH_REPLICAS',
  'NOT_ENOUGH_REPLICAS_AFTER_APPEND',
  'NOT_CONTROLLER',
  'CONCURRENT_TRANSACTIONS',
  'KAFKA_STORAGE_ERROR',
  'FETCH_SESSION_ID_NOT_FOUND',
  'INVALID_FETCH_SESSION_EPOCH',
  'LISTENER_NOT_FOUND',
  'FENCED_LEADER_EPOCH',
  'UNKNOWN_LEADER_EPOCH',
  'OFFSET_NOT_AVAILABLE',
  'PREFERRED_LEADER_NOT_AVAILABLE',
  'ELIGIBLE_LEADERS_NOT_AVAILABLE',
  'ELECTION_NOT_NEEDED',
  'UNSTABLE_OFFSET_COMMIT',
  'THROTTLING_QUOTA_EXCEEDED',
  'UNKNOWN_TOPIC_ID',
  'INCONSISTENT_TOPIC_ID',
  'FETCH_SESSION_TOPIC_ID_ERROR',
  'SHARE_SESSION_NOT_FOUND',
  'INVALID_SHARE_SESSION_EPOCH',
  'SHARE_SESSION_LIMIT_REACHED',
]);

/** Every known error, sorted by code, frozen. Built once at module load. */
export const KAFKA_ERRORS: readonly KafkaErrorInfo[] = Object.freeze(
  (Object.keys(ErrorCode) as ErrorCodeName[])
    .map((name): KafkaErrorInfo => Object.freeze({ name, code: ErrorCode[name], retriable: RETRIABLE.has(name) }))
    .sort((a, b) => a.code - b.code),
);

/** Lowest and highest code in the table. */
export const MIN_ERROR_CODE: number = KAFKA_ERRORS[0].code;
export const MAX_ERROR_CODE: number = KAFKA_ERRORS[KAFKA_ERRORS.length - 1].code;

// Dense lookup table indexed by `code - MIN_ERROR_CODE`; codes are contiguous from -1.
const BY_CODE: readonly (KafkaErrorInfo | undefined)[] = (() => {
  const table = new Array<KafkaErrorInfo | undefined>(MAX_ERROR_CODE - MIN_ERROR_CODE + 1).fill(undefined);
  for (const info of KAFKA_ERRORS) table[info.code - MIN_ERROR_CODE] = info;
  return Object.freeze(table);
})();

function lookup(code: number): KafkaErrorInfo | undefined {
  return Number.isInteger(code) && code >= MIN_ERROR_CODE && code <= MAX_ERROR_CODE
    ? BY_CODE[code - MIN_ERROR_CODE]
    : undefined;
}

/**
 * Describe an error code. Known codes return a shared frozen entry (no allocation);
 * unknown codes get `{ name: 'UNKNOWN_ERROR_<code>', code, retriable: false }`.
 */
export function errorInfo(code: number): KafkaErrorInfo {
  return lookup(code) ?? Object.freeze({ name: `UNKNOWN_ERROR_${code}`, code, retriable: false });
}

/** True when Kafka clients treat the code as transient; false for NONE and unknown codes. */
export function isRetriable(code: number): boolean {
  return lookup(code)?.retriable ?? false;
}

/** Kafka name of a code, or `UNKNOWN_ERROR_<code>`. */
export function errorName(code: number): string {
  return lookup(code)?.name ?? `UNKNOWN_ERROR_${code}`;
}
