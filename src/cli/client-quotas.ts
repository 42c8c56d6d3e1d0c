/**
 * `samsa configs --entity-type users|clients|ips`: client quotas, as
 * kafka-configs.sh handles them with --bootstrap-server:
 *
 *   --alter --entity-type users --entity-name alice --add-config producer_byte_rate=1048576,consumer_byte_rate=2097152
 *   --alter --entity-type clients --entity-default --add-config request_percentage=50
 *   --alter --entity-type users --entity-name alice --entity-type clients --entity-name app --delete-config producer_byte_rate
 *   --describe --entity-type users [--entity-name alice | --entity-default]
 *
 * Entity types and names pair up in the order given (`--entity-default` is a
 * name: the type's default). On --describe a type without a name matches any
 * entity of that type. Values are numbers; the broker checks the keys.
 * Output follows kafka-configs.sh: `Quota configs for user-principal 'alice'
 * are producer_byte_rate=1048576.0`.
 */
import type { ClientQuotaEntityPart, ClientQuotaEntry } from '../client/index.ts';
import { CliError, EXIT_USAGE, clusterFrom, type ConnectFlags } from './common.ts';

/** kafka-configs.sh entity type → Kafka's quota entity type. */
export const QUOTA_ENTITY_TYPES: Readonly<Record<string, string>> = { users: 'user', clients: 'client-id', ips: 'ip' };
const TYPE_LABELS: Readonly<Record<string, string>> = { user: 'user-principal', 'client-id': 'client-id', ip: 'ip' };

/** One (type, name) of the command line; name undefined: not given (describe: any). */
export interface QuotaEntityArg {
  entityType: string;
  entityName: string | null | undefined;
}

/** Pairs the entity types with the names given after them, in order. */
export function quotaEntityArgs(types: readonly string[], names: readonly (string | null)[]): QuotaEntityArg[] {
  if (names.length > types.length) throw new CliError('configs: more --entity-name/--entity-default than --entity-type', EXIT_USAGE);
  const out = types.map((t, i) => {
    const entityType = QUOTA_ENTITY_TYPES[t];
    if (entityType === undefined) throw new CliError(`--entity-type '${t}' cannot be combined with users or clients`, EXIT_USAGE);
    return { entityType, entityName: names[i] };
  });
  if (new Set(out.map((p) => p.entityType)).size !== out.length) throw new CliError('configs: an entity type was given twice', EXIT_USAGE);
  if (out.some((p) => p.entityType === 'ip') && out.length > 1) throw new CliError('configs: ips cannot be combined with users or clients', EXIT_USAGE);
  return out;
}

/** Kafka's words for an entity: `user-principal 'alice', client-id 'app'`, `the default client-id`. */
export function quotaEntityLabel(entity: readonly ClientQuotaEntityPart[]): string {
  const order = ['user', 'client-id', 'ip'];
  return [...entity].sort((a, b) => order.indexOf(a.entityType) - order.indexOf(b.entityType)).map((p) => {
    const type = TYPE_LABELS[p.entityType] ?? p.entityType;
    return p.entityName === null ? `the default ${type}` : `${type} '${p.entityName}'`;
  }).join(', ');
}

/** A double as Java prints it: `1048576.0`, `12.5`, `1.048576E7`. */
export function javaDouble(value: number): string {
  if (Number.isInteger(value) && Math.abs(value) < 1e7) return value.toFixed(1);
  if (Math.abs(value) >= 1e-3 && Math.abs(value) < 1e7) return String(value);
  const [mantissa, exponent] = value.toExponential().split('e');
  return `${mantissa!.includes('.') ? mantissa : `${mantissa}.0`}E${Number(exponent)}`;
}

function parseQuotaValue(key: string, text: string): number {
  const value = Number(text.trim());
  if (text.trim() === '' || !Number.isFinite(value)) throw new CliError(`Invalid value '${text}' for quota config ${key}: expected a number`, EXIT_USAGE);
  return value;
}

/** Sets and removes quota configs of one entity (every name given). */
export async function alterClientQuotas(
  flags: ConnectFlags, parts: readonly QuotaEntityArg[], set: Readonly<Record<string, string>>, remove: readonly string[],
): Promise<string> {
  if (parts.some((p) => p.entityName === undefined)) throw new CliError('configs --alter requires --entity-name or --entity-default for each --entity-type', EXIT_USAGE);
  const entity = parts.map((p) => ({ entityType: p.entityType, entityName: p.entityName as string | null }));
  const ops = [
    ...Object.entries(set).map(([key, text]) => ({ key, value: parseQuotaValue(key, text) as number | null })),
    ...remove.map((key) => ({ key, value: null })),
  ];
  const { QuotaAdmin } = await import('../client/index.ts');
  const cluster = await clusterFrom(flags);
  try {
    const [result] = await new QuotaAdmin(cluster).alterClientQuotas([{ entity, ops }]);
    if (result === undefined) throw new CliError('the broker answered no result for the entity');
    if (result.errorCode !== 0) throw new CliError(`${quotaEntityLabel(entity)} failed: ${result.errorMessage ?? result.error} (${result.error})`);
  } finally {
    await cluster.close();
  }
  return quotaEntityLabel(entity);
}

/** The quota entities matching the command line: exactly these types (kafka-configs.sh's strict match). */
export async function describeClientQuotas(flags: ConnectFlags, parts: readonly QuotaEntityArg[]): Promise<ClientQuotaEntry[]> {
  const { QuotaAdmin } = await import('../client/index.ts');
  const cluster = await clusterFrom(flags);
  try {
    return await new QuotaAdmin(cluster).describeClientQuotas(parts.map((p) => ({ entityType: p.entityType, match: p.entityName })), true);
  } finally {
    await cluster.close();
  }
}

export function quotaLine(entry: ClientQuotaEntry): string {
  const values = Object.entries(entry.values).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${javaDouble(v)}`).join(', ');
  return `Quota configs for ${quotaEntityLabel(entry.entity)} are ${values}`;
}
