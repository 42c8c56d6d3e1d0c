/**
 * Kafka's StandardAuthorizer decision, pure: given the ACLs of a metadata
 * image, may `principal` connecting from `host` perform `operation` on a
 * resource? The rules, in order:
 *
 * 1. a super user (`super.users`) may do anything;
 * 2. the ACLs that apply are those on the resource type whose pattern covers
 *    the name (LITERAL equal, LITERAL `*`, PREFIXED a prefix of the name),
 *    whose principal is the caller or `User:*`, and whose host is the
 *    caller's address or `*`;
 * 3. a DENY that names the operation (or ALL) wins over every ALLOW;
 * 4. an ALLOW grants its operation, ALL grants everything, and READ, WRITE,
 *    DELETE and ALTER also grant DESCRIBE, ALTER_CONFIGS also DESCRIBE_CONFIGS;
 * 5. with no ACL at all on the resource, `allow.everyone.if.no.acl.found`
 *    decides (false by default); otherwise it is denied.
 *
 * The ACLs are indexed once per image (the index is kept while the image's
 * ACL map is the same object).
 */
import {
  ACL_WILDCARD, AclOperation, AclPatternType, AclPermissionType, SUPPORTED_OPERATIONS,
} from '../../protocol/index.ts';
import type { AclEntry } from '../../metadata/index.ts';

export interface AuthorizerOptions {
  /** Principals allowed everything, e.g. `User:admin`. */
  readonly superUsers: ReadonlySet<string>;
  readonly allowEveryoneIfNoAclFound: boolean;
}

export interface AuthorizableAction {
  /** `User:alice`. */
  readonly principal: string;
  /** The client's IP address, e.g. `127.0.0.1`. */
  readonly host: string;
  readonly operation: number;
  readonly resourceType: number;
  readonly resourceName: string;
}

type Acls = ReadonlyMap<string, AclEntry>;

interface ResourceTypeAcls {
  readonly literal: Map<string, AclEntry[]>;
  readonly prefixed: AclEntry[];
}

/** Operations an ALLOW on `granted` also allows. */
function allowCovers(granted: number, wanted: number): boolean {
  if (granted === wanted || granted === AclOperation.ALL) return true;
  if (wanted === AclOperation.DESCRIBE) {
    return granted === AclOperation.READ || granted === AclOperation.WRITE || granted === AclOperation.DELETE || granted === AclOperation.ALTER;
  }
  return wanted === AclOperation.DESCRIBE_CONFIGS && granted === AclOperation.ALTER_CONFIGS;
}

function denyCovers(denied: number, wanted: number): boolean {
  return denied === wanted || denied === AclOperation.ALL;
}

/** `User:*` for `User:alice`: the wildcard of the principal's type. */
function wildcardPrincipal(principal: string): string {
  const colon = principal.indexOf(':');
  return `${colon === -1 ? 'User' : principal.slice(0, colon)}:${ACL_WILDCARD}`;
}

export class StandardAuthorizer {
  private readonly options: AuthorizerOptions;
  private indexedAcls: Acls | null = null;
  private index = new Map<number, ResourceTypeAcls>();

  constructor(options: AuthorizerOptions) {
    this.options = options;
  }

  isSuperUser(principal: string): boolean {
    return this.options.superUsers.has(principal);
  }

  authorize(acls: Acls, action: AuthorizableAction): boolean {
    if (this.isSuperUser(action.principal)) return true;
    const applicable = this.applicable(acls, action);
    if (applicable === null) return this.options.allowEveryoneIfNoAclFound;
    let allowed = false;
    for (const acl of applicable) {
      if (acl.permissionType === AclPermissionType.DENY && denyCovers(acl.operation, action.operation)) return false;
      if (acl.permissionType === AclPermissionType.ALLOW && allowCovers(acl.operation, action.operation)) allowed = true;
    }
    return allowed;
  }

  /** The operations the caller may perform on a resource, as the bit set (1 << operation) that Metadata and Describe* answer. */
  authorizedOperations(acls: Acls, action: Omit<AuthorizableAction, 'operation'>): number {
    let bits = 0;
    for (const operation of SUPPORTED_OPERATIONS.get(action.resourceType) ?? []) {
      if (this.authorize(acls, { ...action, operation })) bits |= 1 << operation;
    }
    return bits;
  }

  /**
   * Whether the caller may perform `operation` on at least one resource of
   * the type (Kafka's authorizeByResourceType, used for idempotent producers
   * without a transactional id: WRITE on any topic is enough). An ALLOW
   * counts unless a DENY covers every name it could grant.
   */
  authorizeAny(acls: Acls, action: Omit<AuthorizableAction, 'resourceName'>): boolean {
    if (this.isSuperUser(action.principal)) return true;
    const byType = this.indexFor(acls).get(action.resourceType);
    if (byType === undefined) return this.options.allowEveryoneIfNoAclFound;
    const mine = [...byType.literal.values()].flat().concat(byType.prefixed)
      .filter((acl) => this.appliesTo(acl, action.principal, action.host));
    const denies = mine.filter((acl) => acl.permissionType === AclPermissionType.DENY && denyCovers(acl.operation, action.operation));
    const deniedName = (acl: AclEntry): boolean => denies.some((d) =>
      (d.patternType === AclPatternType.LITERAL && (d.resourceName === ACL_WILDCARD || (acl.patternType === AclPatternType.LITERAL && d.resourceName === acl.resourceName)))
      || (d.patternType === AclPatternType.PREFIXED && acl.resourceName.startsWith(d.resourceName)));
    return mine.some((acl) => acl.permissionType === AclPermissionType.ALLOW && allowCovers(acl.operation, action.operation) && !deniedName(acl));
  }

  private appliesTo(acl: AclEntry, principal: string, host: string): boolean {
    if (acl.principal !== principal && acl.principal !== wildcardPrincipal(principal)) return false;
    return acl.host === ACL_WILDCARD || acl.host === host;
  }

  /** The caller's ACLs on the resource, or null when the resource has no ACL at all (for anyone). */
  private applicable(acls: Acls, action: AuthorizableAction): AclEntry[] | null {
    const byType = this.indexFor(acls).get(action.resourceType);
    if (byType === undefined) return null;
    let found = false;
    const out: AclEntry[] = [];
    const consider = (list: readonly AclEntry[] | undefined): void => {
      if (list === undefined || list.length === 0) return;
      found = true;
      for (const acl of list) if (this.appliesTo(acl, action.principal, action.host)) out.push(acl);
    };
    consider(byType.literal.get(action.resourceName));
    if (action.resourceName !== ACL_WILDCARD) consider(byType.literal.get(ACL_WILDCARD));
    consider(byType.prefixed.filter((acl) => action.resourceName.startsWith(acl.resourceName)));
    return found ? out : null;
  }

  private indexFor(acls: Acls): Map<number, ResourceTypeAcls> {
    if (this.indexedAcls === acls) return this.index;
    const index = new Map<number, ResourceTypeAcls>();
    for (const acl of acls.values()) {
      let byType = index.get(acl.resourceType);
      if (byType === undefined) index.set(acl.resourceType, byType = { literal: new Map(), prefixed: [] });
      if (acl.patternType === AclPatternType.PREFIXED) byType.prefixed.push(acl);
      else if (acl.patternType === AclPatternType.LITERAL) {
        const list = byType.literal.get(acl.resourceName);
        if (list === undefined) byType.literal.set(acl.resourceName, [acl]);
        else list.push(acl);
      }
    }
    this.index = index;
    this.indexedAcls = acls;
    return index;
  }
}
