/**
 * The one way handlers check a request against the ACLs, as KafkaApis'
 * authHelper does: the request's principal, the client's address and the
 * operation on one resource, decided by the broker's authorizer over the
 * ACLs of its current metadata image. Without an authorizer
 * (`authorizer.class.name` unset) everything is allowed.
 */
import { AclOperation, AclResourceType, CLUSTER_RESOURCE_NAME, SUPPORTED_OPERATIONS } from '../protocol/index.ts';
import type { BrokerContext, RequestContext } from './broker-context.ts';

export { AclOperation as Op, AclResourceType as Resource } from '../protocol/index.ts';

/** The client's IP address as ACL hosts name it: `/127.0.0.1` and `::ffff:127.0.0.1` are `127.0.0.1`. */
function hostOf(broker: BrokerContext, ctx: RequestContext): string {
  const host = broker.clientHost(ctx.connectionId).replace(/^\//, '');
  return host.startsWith('::ffff:') ? host.slice('::ffff:'.length) : host;
}

export function authorize(broker: BrokerContext, ctx: RequestContext, operation: number, resourceType: number, resourceName: string): boolean {
  const authorizer = broker.authorizer;
  if (authorizer === null) return true;
  return authorizer.authorize(broker.image().acls, { principal: ctx.principal, host: hostOf(broker, ctx), operation, resourceType, resourceName });
}

export function authorizeCluster(broker: BrokerContext, ctx: RequestContext, operation: number): boolean {
  return authorize(broker, ctx, operation, AclResourceType.CLUSTER, CLUSTER_RESOURCE_NAME);
}

/** Whether the caller may perform `operation` on some resource of the type (idempotent producers: WRITE on any topic). */
export function authorizeAny(broker: BrokerContext, ctx: RequestContext, operation: number, resourceType: number): boolean {
  const authorizer = broker.authorizer;
  if (authorizer === null) return true;
  return authorizer.authorizeAny(broker.image().acls, { principal: ctx.principal, host: hostOf(broker, ctx), operation, resourceType });
}

/** The bit set of operations the caller may perform on a resource; every supported one without an authorizer. */
export function authorizedOperations(broker: BrokerContext, ctx: RequestContext, resourceType: number, resourceName: string): number {
  const authorizer = broker.authorizer;
  if (authorizer === null) {
    let bits = 0;
    for (const op of SUPPORTED_OPERATIONS.get(resourceType) ?? []) bits |= 1 << op;
    return bits;
  }
  return authorizer.authorizedOperations(broker.image().acls, { principal: ctx.principal, host: hostOf(broker, ctx), resourceType, resourceName });
}

/** Which names a request may act on; `has` is all a handler asks. */
export interface AuthorizedNames {
  has(name: string): boolean;
}

/** Without an authorizer every name is allowed, and nothing is allocated on the hot path. */
const EVERY_NAME: AuthorizedNames = Object.freeze({ has: () => true });

/** The names among `names` the caller may perform `operation` on, each checked once. */
export function filterAuthorized(
  broker: BrokerContext, ctx: RequestContext, operation: number, resourceType: number, names: Iterable<string>,
): AuthorizedNames {
  if (broker.authorizer === null) return EVERY_NAME;
  const out = new Set<string>();
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) continue;
    seen.add(name);
    if (authorize(broker, ctx, operation, resourceType, name)) out.add(name);
  }
  return out;
}

