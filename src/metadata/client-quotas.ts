/**
 * Client quotas in the metadata image, as Kafka keeps them (ClientQuotaRecord):
 * an entity is one to two (type, name) parts, `user` and/or `client-id`, or
 * `ip` alone; a null name is that type's default (`<default>` in
 * kafka-configs.sh). Each entity has quota values by key (producer_byte_rate,
 * consumer_byte_rate, request_percentage, controller_mutation_rate,
 * connection_creation_rate for ips).
 *
 * `describeClientQuotas` answers DescribeClientQuotas from the image with
 * Kafka's filter semantics: EXACT (a name), DEFAULT (the default entity) and
 * SPECIFIED (any name, the default included) components, all of which an
 * entity must match; `strict` keeps only entities with no other parts.
 */
import { ErrorCode } from '../protocol/index.ts';

export const QuotaEntityType = { User: 'user', ClientId: 'client-id', Ip: 'ip' } as const;

/** DescribeClientQuotas match types (wire protocol). */
export const QuotaMatchType = { Exact: 0, Default: 1, Specified: 2 } as const;

export interface QuotaEntityPart {
  readonly entityType: string;
  /** null: the default entity of this type. */
  readonly entityName: string | null;
}

export interface ClientQuotaImage {
  /** Sorted by entity type. */
  readonly entity: readonly QuotaEntityPart[];
  readonly values: ReadonlyMap<string, number>;
}

export type ClientQuotaMap = ReadonlyMap<string, ClientQuotaImage>;

/** How a quota key's value must look: Kafka types the byte rates LONG (a whole number), the rest DOUBLE. */
export interface QuotaKeyDef {
  readonly name: string;
  readonly type: 'long' | 'double' | 'int';
}

/** Keys a user, client-id or user+client-id entity may carry. */
export const USER_CLIENT_QUOTA_KEYS: readonly QuotaKeyDef[] = [
  { name: 'producer_byte_rate', type: 'long' },
  { name: 'consumer_byte_rate', type: 'long' },
  { name: 'request_percentage', type: 'double' },
  { name: 'controller_mutation_rate', type: 'double' },
];

/** Keys an ip entity may carry. */
export const IP_QUOTA_KEYS: readonly QuotaKeyDef[] = [{ name: 'connection_creation_rate', type: 'int' }];

/** The image key of an entity: its parts sorted by type, so one entity has one key whatever order it came in. */
export function quotaEntityKey(entity: readonly QuotaEntityPart[]): string {
  return JSON.stringify(sortedEntity(entity).map((p) => [p.entityType, p.entityName]));
}

export function sortedEntity(entity: readonly QuotaEntityPart[]): QuotaEntityPart[] {
  return [...entity].sort((a, b) => (a.entityType < b.entityType ? -1 : a.entityType > b.entityType ? 1 : 0));
}

/** Kafka's text for an entity in messages: `ClientQuotaEntity(entries={user=alice, client-id=null})`. */
export function quotaEntityText(entity: readonly QuotaEntityPart[]): string {
  return `ClientQuotaEntity(entries={${entity.map((p) => `${p.entityType}=${p.entityName}`).join(', ')}})`;
}

export interface DescribeComponent {
  readonly entityType: string;
  readonly matchType: number;
  readonly match: string | null;
}

export type DescribeClientQuotasResult =
  | { readonly errorCode: 0; readonly errorMessage: null; readonly entries: ClientQuotaImage[] }
  | { readonly errorCode: number; readonly errorMessage: string; readonly entries: null };

function refuse(errorCode: number, errorMessage: string): DescribeClientQuotasResult {
  return { errorCode, errorMessage, entries: null };
}

const KNOWN_TYPES: ReadonlySet<string> = new Set(Object.values(QuotaEntityType));

/** DescribeClientQuotas over the image's quotas, refusing bad filters as Kafka does. */
export function describeClientQuotas(quotas: ClientQuotaMap, components: readonly DescribeComponent[], strict: boolean): DescribeClientQuotasResult {
  // entity type → the name it must have (null: the default); `specified`: types that must be present.
  const exact = new Map<string, string | null>();
  const specified = new Set<string>();
  for (const c of components) {
    if (c.entityType === '') return refuse(ErrorCode.INVALID_REQUEST, 'Invalid empty entity type.');
    if (exact.has(c.entityType) || specified.has(c.entityType)) {
      return refuse(ErrorCode.INVALID_REQUEST, `Entity type ${c.entityType} cannot appear more than once in the filter.`);
    }
    if (!KNOWN_TYPES.has(c.entityType)) return refuse(ErrorCode.UNSUPPORTED_VERSION, `Unsupported entity type ${c.entityType}`);
    switch (c.matchType) {
      case QuotaMatchType.Exact:
        if (c.match === null) return refuse(ErrorCode.INVALID_REQUEST, 'Request specified MATCH_TYPE_EXACT, but set match string to null.');
        exact.set(c.entityType, c.match);
        break;
      case QuotaMatchType.Default:
        if (c.match !== null) return refuse(ErrorCode.INVALID_REQUEST, 'Request specified MATCH_TYPE_DEFAULT, but also specified a match string.');
        exact.set(c.entityType, null);
        break;
      case QuotaMatchType.Specified:
        if (c.match !== null) return refuse(ErrorCode.INVALID_REQUEST, 'Request specified MATCH_TYPE_SPECIFIED, but also specified a match string.');
        specified.add(c.entityType);
        break;
      default:
        return refuse(ErrorCode.INVALID_REQUEST, `Unknown match type ${c.matchType}`);
    }
  }
  const has = (t: string): boolean => exact.has(t) || specified.has(t);
  if (has(QuotaEntityType.Ip) && (has(QuotaEntityType.User) || has(QuotaEntityType.ClientId))) {
    return refuse(ErrorCode.INVALID_REQUEST,
      'Invalid entity filter component combination. IP filter component should not be used with user or clientId filter component.');
  }
  const filtered = exact.size + specified.size > 0;
  const entries = [...quotas.values()].filter((q) => {
    if (!filtered) return !strict;
    for (const [type, name] of exact) if (!q.entity.some((p) => p.entityType === type && p.entityName === name)) return false;
    for (const type of specified) if (!q.entity.some((p) => p.entityType === type)) return false;
    return !strict || q.entity.length === exact.size + specified.size;
  });
  return { errorCode: ErrorCode.NONE, errorMessage: null, entries };
}
