/**
 * Client quotas, as Java's Admin has them (alterClientQuotas,
 * describeClientQuotas): what `samsa configs --entity-type users|clients`
 * is built on for quota configs. An entity is a list of (type, name) parts,
 * `user` and/or `client-id` (or `ip`); a null name is the type's default.
 * Results are per entity, as Kafka answers them; nothing throws for an entity's error.
 */
import { ApiKey, ClientError, ErrorCode, errorName, messages } from '../protocol/index.ts';
import type { Cluster } from './cluster.ts';

export interface ClientQuotaEntityPart {
  entityType: string;
  /** null: the default entity of this type. */
  entityName: string | null;
}

export interface ClientQuotaAlterationEntry {
  entity: ClientQuotaEntityPart[];
  /** Values to set, and keys to remove (value null). */
  ops: { key: string; value: number | null }[];
}

export interface ClientQuotaAlterationResult {
  entity: ClientQuotaEntityPart[];
  errorCode: number;
  error: string;
  errorMessage: string | null;
}

export interface ClientQuotaEntry {
  entity: ClientQuotaEntityPart[];
  values: Record<string, number>;
}

/** DescribeClientQuotas filter: a name (EXACT), the default (DEFAULT: name null), or any entity with this type (SPECIFIED: name undefined). */
export interface ClientQuotaFilterComponent {
  entityType: string;
  match?: string | null;
}

const MATCH_EXACT = 0;
const MATCH_DEFAULT = 1;
const MATCH_SPECIFIED = 2;

export class QuotaAdmin {
  private readonly cluster: Cluster;

  constructor(cluster: Cluster) {
    this.cluster = cluster;
  }

  async alterClientQuotas(entries: readonly ClientQuotaAlterationEntry[], validateOnly = false): Promise<ClientQuotaAlterationResult[]> {
    const request: messages.AlterClientQuotasRequest = {
      ...messages.AlterClientQuotasRequest.defaults(), validateOnly,
      entries: entries.map((e) => ({
        ...messages.defaultAlterClientQuotasRequestEntryData(),
        entity: e.entity.map((p) => ({ ...messages.defaultAlterClientQuotasRequestEntityData(), ...p })),
        ops: e.ops.map((o) => ({ ...messages.defaultAlterClientQuotasRequestOpData(), key: o.key, value: o.value ?? 0, remove: o.value === null })),
      })),
    };
    const res = await (await this.cluster.any()).request(ApiKey.AlterClientQuotas, request);
    return res.entries.map((r) => ({
      entity: r.entity.map((p) => ({ entityType: p.entityType, entityName: p.entityName })),
      errorCode: r.errorCode, error: errorName(r.errorCode), errorMessage: r.errorMessage,
    }));
  }

  /** The entities matching every component; `strict`: only entities with no other parts. */
  async describeClientQuotas(components: readonly ClientQuotaFilterComponent[], strict: boolean): Promise<ClientQuotaEntry[]> {
    const res = await (await this.cluster.any()).request(ApiKey.DescribeClientQuotas, {
      ...messages.DescribeClientQuotasRequest.defaults(), strict,
      components: components.map((c) => ({
        ...messages.defaultDescribeClientQuotasRequestComponentData(),
        entityType: c.entityType,
        matchType: c.match === undefined ? MATCH_SPECIFIED : c.match === null ? MATCH_DEFAULT : MATCH_EXACT,
        match: c.match ?? null,
      })),
    });
    if (res.errorCode !== ErrorCode.NONE) {
      throw new ClientError(`describing client quotas failed: ${res.errorMessage ?? errorName(res.errorCode)} (${errorName(res.errorCode)})`, errorName(res.errorCode), res.errorCode);
    }
    return (res.entries ?? []).map((e) => ({
      entity: e.entity.map((p) => ({ entityType: p.entityType, entityName: p.entityName })),
      values: Object.fromEntries(e.values.map((v) => [v.key, v.value])),
    }));
  }
}
