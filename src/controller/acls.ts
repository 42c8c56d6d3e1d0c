/**
 * CreateAcls and DeleteAcls as Kafka's AclControlManager decides them.
 *
 * A new ACL must name a concrete resource type (not ANY or UNKNOWN), a
 * LITERAL or PREFIXED pattern, an operation other than ANY, ALLOW or DENY, a
 * non-empty resource name (`kafka-cluster` for CLUSTER; a PREFIXED `*` would
 * be the LITERAL wildcard under another name and is refused) and a principal
 * of the form `Type:name`; anything else is INVALID_REQUEST. An ACL that
 * exists already (or twice in one request) is accepted without a new record.
 *
 * A delete filter with an UNKNOWN field is INVALID_REQUEST; each valid filter
 * removes the ACLs it matches (ANY and MATCH as in DescribeAcls) that an
 * earlier filter of the request did not already remove, and returns them.
 */
import {
  ACL_WILDCARD, AclOperation, AclPatternType, AclPermissionType, AclResourceType, CLUSTER_RESOURCE_NAME, ErrorCode,
} from '../protocol/index.ts';
import {
  aclFilterError, aclFilterMatches, aclKey, metadataRecord, records as recordCodecs, type AclEntry, type AclFilter, type MetadataImage,
  type MetadataRecord,
} from '../metadata/index.ts';

export interface AclOutcome { errorCode: number; errorMessage: string | null }
export interface AclDeletion extends AclOutcome { matching: AclEntry[] }

function invalid(errorMessage: string): AclOutcome {
  return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage };
}

/** Why an ACL cannot be created, or null. */
export function newAclError(acl: AclEntry): AclOutcome | null {
  if (acl.resourceType < AclResourceType.TOPIC || acl.resourceType > AclResourceType.USER) return invalid(`Invalid resourceType ${acl.resourceType}`);
  if (acl.patternType !== AclPatternType.LITERAL && acl.patternType !== AclPatternType.PREFIXED) return invalid(`Invalid patternType ${acl.patternType}`);
  if (acl.operation < AclOperation.ALL || acl.operation > AclOperation.DESCRIBE_TOKENS) return invalid(`Invalid operation ${acl.operation}`);
  if (acl.permissionType !== AclPermissionType.ALLOW && acl.permissionType !== AclPermissionType.DENY) {
    return invalid(`Invalid permissionType ${acl.permissionType}`);
  }
  if (acl.resourceName === '') return invalid('Resource name should not be empty');
  if (acl.resourceType === AclResourceType.CLUSTER && acl.resourceName !== CLUSTER_RESOURCE_NAME) {
    return invalid(`The only valid name for the CLUSTER resource is ${CLUSTER_RESOURCE_NAME}`);
  }
  if (acl.patternType === AclPatternType.PREFIXED && acl.resourceName === ACL_WILDCARD) {
    return invalid('A PREFIXED pattern cannot be the wildcard \'*\': use a LITERAL \'*\' to match every resource');
  }
  const colon = acl.principal.indexOf(':');
  if (colon <= 0) return invalid(`Could not parse principal from \`${acl.principal}\` (no colon is present separating the principal type from the principal name)`);
  if (acl.host === '') return invalid('Host should not be empty');
  return null;
}

/** The answer for each creation and, appended to `out`, a record for each ACL that is new. */
export function planCreateAcls(image: MetadataImage, creations: readonly AclEntry[], out: MetadataRecord[], newId: () => string): AclOutcome[] {
  const existing = new Set<string>();
  for (const acl of image.acls.values()) existing.add(aclKey(acl));
  return creations.map((acl) => {
    const refusal = newAclError(acl);
    if (refusal !== null) return refusal;
    const key = aclKey(acl);
    if (!existing.has(key)) {
      existing.add(key);
      out.push(metadataRecord(recordCodecs.AccessControlEntryRecord, { id: newId(), ...acl }));
    }
    return { errorCode: ErrorCode.NONE, errorMessage: null };
  });
}

/** The answer for each filter (with the ACLs it removes) and, appended to `out`, a removal record for each. */
export function planDeleteAcls(image: MetadataImage, filters: readonly AclFilter[], out: MetadataRecord[]): AclDeletion[] {
  const removed = new Set<string>();
  return filters.map((filter) => {
    const error = aclFilterError(filter);
    if (error !== null) return { ...invalid(error), matching: [] };
    const matching: AclEntry[] = [];
    for (const [id, acl] of image.acls) {
      if (removed.has(id) || !aclFilterMatches(filter, acl)) continue;
      removed.add(id);
      matching.push(acl);
      out.push(metadataRecord(recordCodecs.RemoveAccessControlEntryRecord, { id }));
    }
    return { errorCode: ErrorCode.NONE, errorMessage: null, matching };
  });
}
