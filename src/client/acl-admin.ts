/**
 * ACLs, as Java's Admin has them (createAcls, describeAcls, deleteAcls):
 * what `samsa acls` is built on. Bindings and filters carry Kafka's enum ids
 * (src/protocol/acl-codes.ts). Results are per binding or per filter, as
 * Kafka answers them; describeAcls throws a ClientError for its one error.
 */
import { ApiKey, ClientError, ErrorCode, errorName, messages } from '../protocol/index.ts';
import type { Cluster } from './cluster.ts';

export interface AclBinding {
  resourceType: number;
  resourceName: string;
  patternType: number;
  principal: string;
  host: string;
  operation: number;
  permissionType: number;
}

/** null name, principal or host: any; ANY (1) types, operation and permission: any; pattern MATCH (2): every ACL that applies to the name. */
export interface AclBindingFilter {
  resourceType: number;
  resourceName: string | null;
  patternType: number;
  principal: string | null;
  host: string | null;
  operation: number;
  permissionType: number;
}

export interface AclResult {
  errorCode: number;
  /** Kafka's error name, 'NONE' on success. */
  error: string;
  errorMessage: string | null;
}

export interface AclDeleteResult extends AclResult {
  deleted: AclBinding[];
}

export class AclAdmin {
  private readonly cluster: Cluster;

  constructor(cluster: Cluster) {
    this.cluster = cluster;
  }

  async createAcls(bindings: readonly AclBinding[]): Promise<AclResult[]> {
    const res = await (await this.cluster.any()).request(ApiKey.CreateAcls, {
      ...messages.CreateAclsRequest.defaults(),
      creations: bindings.map((b) => ({
        ...messages.defaultCreateAclsRequestAclCreation(),
        resourceType: b.resourceType, resourceName: b.resourceName, resourcePatternType: b.patternType,
        principal: b.principal, host: b.host, operation: b.operation, permissionType: b.permissionType,
      })),
    });
    return bindings.map((_, i) => {
      const r = res.results[i];
      return r === undefined ? result(ErrorCode.UNKNOWN_SERVER_ERROR, 'The broker response did not contain a result') : result(r.errorCode, r.errorMessage);
    });
  }

  async describeAcls(filter: AclBindingFilter): Promise<AclBinding[]> {
    const res = await (await this.cluster.any()).request(ApiKey.DescribeAcls, {
      ...messages.DescribeAclsRequest.defaults(),
      resourceTypeFilter: filter.resourceType, resourceNameFilter: filter.resourceName, patternTypeFilter: filter.patternType,
      principalFilter: filter.principal, hostFilter: filter.host, operation: filter.operation, permissionType: filter.permissionType,
    });
    if (res.errorCode !== ErrorCode.NONE) {
      throw new ClientError(`describing ACLs failed: ${res.errorMessage ?? errorName(res.errorCode)} (${errorName(res.errorCode)})`, errorName(res.errorCode), res.errorCode);
    }
    return res.resources.flatMap((r) => r.acls.map((a) => ({
      resourceType: r.resourceType, resourceName: r.resourceName, patternType: r.patternType,
      principal: a.principal, host: a.host, operation: a.operation, permissionType: a.permissionType,
    })));
  }

  async deleteAcls(filters: readonly AclBindingFilter[]): Promise<AclDeleteResult[]> {
    const res = await (await this.cluster.any()).request(ApiKey.DeleteAcls, {
      ...messages.DeleteAclsRequest.defaults(),
      filters: filters.map((f) => ({
        ...messages.defaultDeleteAclsRequestDeleteAclsFilter(),
        resourceTypeFilter: f.resourceType, resourceNameFilter: f.resourceName, patternTypeFilter: f.patternType,
        principalFilter: f.principal, hostFilter: f.host, operation: f.operation, permissionType: f.permissionType,
      })),
    });
    return filters.map((_, i) => {
      const r = res.filterResults[i];
      if (r === undefined) return { ...result(ErrorCode.UNKNOWN_SERVER_ERROR, 'The broker response did not contain a result'), deleted: [] };
      return {
        ...result(r.errorCode, r.errorMessage),
        deleted: r.matchingAcls.map((a) => ({
          resourceType: a.resourceType, resourceName: a.resourceName, patternType: a.patternType,
          principal: a.principal, host: a.host, operation: a.operation, permissionType: a.permissionType,
        })),
      };
    });
  }
}

function result(errorCode: number, errorMessage: string | null): AclResult {
  return { errorCode, error: errorName(errorCode), errorMessage };
}
