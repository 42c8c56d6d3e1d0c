/**
 * AlterClientQuotas as Kafka's ClientQuotaControlManager decides it, one
 * answer per entity:
 * - an entity named twice in a request: the second is refused ("Ignoring
 *   duplicate entity"); a key named twice for one entity refuses that entity;
 * - an entity must be non-empty, each type at most once, of user, client-id
 *   or ip; a name may be null (the default) but not empty;
 * - user, client-id and user+client-id entities take the user/client keys,
 *   an ip entity (alone) connection_creation_rate; any other combination is
 *   INVALID_REQUEST, as is an unknown key ("Invalid configuration key …");
 * - LONG keys (the byte rates) must be whole numbers.
 * Samsa also refuses values that are not greater than zero: a zero or
 * negative rate can never be met, so every request would be throttled
 * without end (Kafka's controller stores them).
 * A removal of a key the entity does not have writes nothing; a value equal
 * to the current one writes nothing. Records of accepted entities commit together.
 */
import { isIP } from 'node:net';
import { ErrorCode } from '../protocol/index.ts';
import {
  IP_QUOTA_KEYS, metadataRecord, QuotaEntityType, quotaEntityKey, quotaEntityText, records as recordCodecs, sortedEntity, USER_CLIENT_QUOTA_KEYS,
  type MetadataImage, type MetadataRecord, type QuotaEntityPart, type QuotaKeyDef,
} from '../metadata/index.ts';

export interface ClientQuotaAlteration {
  entity: QuotaEntityPart[];
  ops: { key: string; value: number; remove: boolean }[];
}

export interface ClientQuotaAlterationResult {
  errorCode: number;
  errorMessage: string | null;
  entity: QuotaEntityPart[];
}

type Refusal = { errorCode: number; errorMessage: string };

function invalid(errorMessage: string): Refusal {
  return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage };
}

const KNOWN_TYPES: ReadonlySet<string> = new Set(Object.values(QuotaEntityType));
/** The tolerance Kafka allows a LONG quota given as a double. */
const LONG_EPSILON = 1e-6;

function checkEntity(entity: readonly QuotaEntityPart[]): Refusal | readonly QuotaKeyDef[] {
  if (entity.length === 0) return invalid('Invalid empty client quota entity');
  const seen = new Set<string>();
  for (const part of entity) {
    if (seen.has(part.entityType)) return invalid(`Invalid empty client quota entity, duplicate entity entry ${part.entityType}`);
    seen.add(part.entityType);
    if (!KNOWN_TYPES.has(part.entityType)) return invalid(`Unhandled client quota entity type: ${part.entityType}`);
    if (part.entityName === '') return invalid(`Empty ${part.entityType} not supported`);
  }
  const ip = entity.find((p) => p.entityType === QuotaEntityType.Ip);
  if (ip === undefined) return USER_CLIENT_QUOTA_KEYS;
  if (entity.length > 1) return invalid('Invalid empty client quota entity');
  // Kafka also accepts a host name it can resolve; Samsa takes literal addresses only (no DNS lookup on the controller).
  if (ip.entityName !== null && isIP(ip.entityName) === 0) return invalid(`${ip.entityName} is not a valid IP or resolvable host.`);
  return IP_QUOTA_KEYS;
}

function checkValue(keys: readonly QuotaKeyDef[], key: string, value: number): Refusal | null {
  const def = keys.find((k) => k.name === key);
  if (def === undefined) return invalid(`Invalid configuration key ${key}`);
  if (!Number.isFinite(value)) return invalid(`Configuration ${key} must be a finite number`);
  if (value <= 0) return invalid(`Configuration ${key} must be greater than 0, but it is ${value}`);
  if (def.type !== 'double' && Math.abs(Math.trunc(value + LONG_EPSILON) - value) > LONG_EPSILON) {
    return invalid(`Configuration ${key} must be a ${def.type === 'int' ? 'Int' : 'Long'} value`);
  }
  return null;
}

/** The records of one entity's accepted changes, or why the entity is refused. */
function planEntity(image: MetadataImage, a: ClientQuotaAlteration): MetadataRecord[] | Refusal {
  const byKey = new Map<string, number | null>();
  for (const op of a.ops) {
    if (byKey.has(op.key)) return invalid(`Duplicate quota key ${op.key} not updating quota for this entity ${quotaEntityText(a.entity)}`);
    byKey.set(op.key, op.remove ? null : op.value);
  }
  const keys = checkEntity(a.entity);
  if ('errorCode' in keys) return keys;
  const current = image.clientQuotas.get(quotaEntityKey(a.entity))?.values ?? new Map<string, number>();
  const entity = sortedEntity(a.entity);
  const records: MetadataRecord[] = [];
  for (const [key, value] of byKey) {
    if (value === null) {
      if (current.has(key)) records.push(quotaRecord(entity, key, 0, true));
      continue;
    }
    const refusal = checkValue(keys, key, value);
    if (refusal !== null) return refusal;
    if (current.get(key) !== value) records.push(quotaRecord(entity, key, value, false));
  }
  return records;
}

function quotaRecord(entity: readonly QuotaEntityPart[], key: string, value: number, remove: boolean): MetadataRecord {
  return metadataRecord(recordCodecs.ClientQuotaRecord, {
    entity: entity.map((p) => ({ entityType: p.entityType, entityName: p.entityName })), key, value, remove,
  });
}

/** One answer per alteration, in request order; the records of accepted ones are appended to `out`. */
export function planClientQuotaAlterations(
  image: MetadataImage, alterations: readonly ClientQuotaAlteration[], out: MetadataRecord[],
): ClientQuotaAlterationResult[] {
  const seen = new Set<string>();
  return alterations.map((a) => {
    const key = quotaEntityKey(a.entity);
    const answer = (r: Refusal | null): ClientQuotaAlterationResult => ({
      errorCode: r?.errorCode ?? ErrorCode.NONE, errorMessage: r?.errorMessage ?? null, entity: a.entity,
    });
    if (seen.has(key)) return answer(invalid(`Ignoring duplicate entity ${quotaEntityText(a.entity)}`));
    seen.add(key);
    const planned = planEntity(image, a);
    if ('errorCode' in planned) return answer(planned);
    out.push(...planned);
    return answer(null);
  });
}
