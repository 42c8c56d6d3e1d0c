/**
 * ACLs as the metadata image holds them (one AccessControlEntryRecord each,
 * keyed by its id) and the filters DescribeAcls and DeleteAcls select them
 * with, in Kafka's terms: a resource pattern filter (type ANY, pattern type
 * ANY or MATCH, name null for any) and an entry filter (principal and host
 * null for any, operation and permission ANY).
 */
import { ACL_WILDCARD, AclOperation, AclPatternType, AclPermissionType, AclResourceType } from '../protocol/index.ts';

export interface AclEntry {
  readonly resourceType: number;
  readonly resourceName: string;
  readonly patternType: number;
  readonly principal: string;
  readonly host: string;
  readonly operation: number;
  readonly permissionType: number;
}

export interface AclFilter {
  readonly resourceType: number;
  readonly resourceName: string | null;
  readonly patternType: number;
  readonly principal: string | null;
  readonly host: string | null;
  readonly operation: number;
  readonly permissionType: number;
}

/** A string that identifies an ACL by its fields: creating one that exists already changes nothing. */
export function aclKey(a: AclEntry): string {
  return JSON.stringify([a.resourceType, a.resourceName, a.patternType, a.principal, a.host, a.operation, a.permissionType]);
}

function resourcePatternMatches(f: AclFilter, a: AclEntry): boolean {
  if (f.resourceType !== AclResourceType.ANY && f.resourceType !== a.resourceType) return false;
  const anyPattern = f.patternType === AclPatternType.ANY;
  const match = f.patternType === AclPatternType.MATCH;
  if (!anyPattern && !match && f.patternType !== a.patternType) return false;
  if (f.resourceName === null) return true;
  if (!match) return f.resourceName === a.resourceName;
  // MATCH: every ACL that would apply to a resource of that name.
  if (a.patternType === AclPatternType.LITERAL) return a.resourceName === f.resourceName || a.resourceName === ACL_WILDCARD;
  if (a.patternType === AclPatternType.PREFIXED) return f.resourceName.startsWith(a.resourceName);
  return false;
}

export function aclFilterMatches(f: AclFilter, a: AclEntry): boolean {
  if (!resourcePatternMatches(f, a)) return false;
  if (f.principal !== null && f.principal !== a.principal) return false;
  if (f.host !== null && f.host !== a.host) return false;
  if (f.operation !== AclOperation.ANY && f.operation !== a.operation) return false;
  return f.permissionType === AclPermissionType.ANY || f.permissionType === a.permissionType;
}

/** Why a filter cannot select anything (an UNKNOWN or out-of-range field), else null: INVALID_REQUEST. */
export function aclFilterError(f: AclFilter): string | null {
  if (!inRange(f.resourceType, AclResourceType.ANY, AclResourceType.USER)) return 'Unknown resource type in the filter.';
  if (!inRange(f.patternType, AclPatternType.ANY, AclPatternType.PREFIXED)) return 'Unknown pattern type in the filter.';
  if (!inRange(f.operation, AclOperation.ANY, AclOperation.DESCRIBE_TOKENS)) return 'Unknown operation in the filter.';
  if (!inRange(f.permissionType, AclPermissionType.ANY, AclPermissionType.ALLOW)) return 'Unknown permission type in the filter.';
  return null;
}

function inRange(value: number, min: number, max: number): boolean {
  return value >= min && value <= max;
}
