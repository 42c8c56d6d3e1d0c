/**
 * The ACL enums as the wire carries them (CreateAcls, DescribeAcls,
 * DeleteAcls, the ACL metadata records and authorized-operation bit sets):
 * Kafka's ResourceType, PatternType, AclOperation and AclPermissionType ids.
 * UNKNOWN (0) is never valid in a request; ANY and MATCH appear in filters only.
 */
export const AclResourceType = {
  UNKNOWN: 0, ANY: 1, TOPIC: 2, GROUP: 3, CLUSTER: 4, TRANSACTIONAL_ID: 5, DELEGATION_TOKEN: 6, USER: 7,
} as const;

export const AclPatternType = { UNKNOWN: 0, ANY: 1, MATCH: 2, LITERAL: 3, PREFIXED: 4 } as const;

export const AclOperation = {
  UNKNOWN: 0, ANY: 1, ALL: 2, READ: 3, WRITE: 4, CREATE: 5, DELETE: 6, ALTER: 7, DESCRIBE: 8, CLUSTER_ACTION: 9,
  DESCRIBE_CONFIGS: 10, ALTER_CONFIGS: 11, IDEMPOTENT_WRITE: 12, CREATE_TOKENS: 13, DESCRIBE_TOKENS: 14,
} as const;

export const AclPermissionType = { UNKNOWN: 0, ANY: 1, DENY: 2, ALLOW: 3 } as const;

export type AclResourceTypeId = (typeof AclResourceType)[keyof typeof AclResourceType];
export type AclOperationId = (typeof AclOperation)[keyof typeof AclOperation];

function namesOf(table: Record<string, number>): Map<number, string> {
  return new Map(Object.entries(table).map(([name, id]) => [id, name]));
}

const RESOURCE_TYPE_NAMES = namesOf(AclResourceType);
const PATTERN_TYPE_NAMES = namesOf(AclPatternType);
const OPERATION_NAMES = namesOf(AclOperation);
const PERMISSION_TYPE_NAMES = namesOf(AclPermissionType);

export const aclResourceTypeName = (id: number): string => RESOURCE_TYPE_NAMES.get(id) ?? 'UNKNOWN';
export const aclPatternTypeName = (id: number): string => PATTERN_TYPE_NAMES.get(id) ?? 'UNKNOWN';
export const aclOperationName = (id: number): string => OPERATION_NAMES.get(id) ?? 'UNKNOWN';
export const aclPermissionTypeName = (id: number): string => PERMISSION_TYPE_NAMES.get(id) ?? 'UNKNOWN';

/** The resource name of the one CLUSTER resource. */
export const CLUSTER_RESOURCE_NAME = 'kafka-cluster';
/** A LITERAL resource name, principal or host that matches every one. */
export const ACL_WILDCARD = '*';

/** The operations an ACL on each resource type can grant (Kafka's AclEntry.supportedOperations). */
export const SUPPORTED_OPERATIONS: ReadonlyMap<number, readonly number[]> = new Map<number, readonly number[]>([
  [AclResourceType.TOPIC, [
    AclOperation.READ, AclOperation.WRITE, AclOperation.CREATE, AclOperation.DESCRIBE, AclOperation.DELETE, AclOperation.ALTER,
    AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS,
  ]],
  [AclResourceType.GROUP, [AclOperation.READ, AclOperation.DESCRIBE, AclOperation.DELETE]],
  [AclResourceType.CLUSTER, [
    AclOperation.CREATE, AclOperation.CLUSTER_ACTION, AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS,
    AclOperation.IDEMPOTENT_WRITE, AclOperation.ALTER, AclOperation.DESCRIBE,
  ]],
  [AclResourceType.TRANSACTIONAL_ID, [AclOperation.DESCRIBE, AclOperation.WRITE]],
  [AclResourceType.DELEGATION_TOKEN, [AclOperation.DESCRIBE]],
  [AclResourceType.USER, [AclOperation.CREATE_TOKENS, AclOperation.DESCRIBE_TOKENS]],
]);

/** authorizedOperations when the client did not ask for them (Integer.MIN_VALUE). */
export const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;
