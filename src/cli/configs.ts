/**
 * `samsa configs`: kafka-configs.sh's describe and alter, for topics, brokers
 * (one by id, or the cluster-wide default with --entity-default; dynamic
 * broker configs), broker-loggers, client-metrics (KIP-714 subscriptions, as
 * `samsa client-metrics` manages them), users' SCRAM credentials (user-scram.ts)
 * and client quotas of users, clients and ips (client-quotas.ts).
 * kafka-configs.sh's groups entity type is refused as a usage error: the
 * broker does not serve it.
 */
import type { Command } from 'commander';
import type { Admin, ConfigResourceType } from '../client/index.ts';
import { CliError, EXIT_USAGE, print, runCommand, table, withBootstrap } from './common.ts';
import { type AdminFlags, collect, oneAction, parseConfigs, required, withAdmin } from './admin-options.ts';
import { isScramMechanism, userScramConfigs } from './user-scram.ts';
import {
  alterClientQuotas, describeClientQuotas, QUOTA_ENTITY_TYPES, quotaEntityArgs, quotaLine, type QuotaEntityArg,
} from './client-quotas.ts';

const ENTITY_TYPES: Record<string, ConfigResourceType> = {
  topics: 'topic', brokers: 'broker', 'broker-loggers': 'broker_logger', 'client-metrics': 'client_metrics',
};
/** kafka-configs.sh entity types Samsa does not serve. */
const UNSUPPORTED_ENTITY_TYPES: ReadonlySet<string> = new Set(['groups']);
const SUPPORTED_TYPES_TEXT = 'expected topics, brokers, broker-loggers, client-metrics, users, clients or ips';

/** --entity-type, --entity-name and --entity-default in the order given (commander keeps only the last of each). */
interface EntityOrder {
  types: string[];
  /** null for --entity-default. */
  names: (string | null)[];
}

export interface ConfigsFlags extends AdminFlags {
  describe?: boolean;
  alter?: boolean;
  entityType?: string;
  entityName?: string;
  entityDefault?: boolean;
  topic?: string;
  broker?: string;
  brokerDefaults?: boolean;
  addConfig: string[];
  deleteConfig: string[];
  all?: boolean;
}

export function register(program: Command): void {
  const order: EntityOrder = { types: [], names: [] };
  const command = withBootstrap(program.command('configs').description('describe and alter topic, broker, user and client configs'));
  command.on('option:entity-type', (value: string) => order.types.push(value));
  command.on('option:entity-name', (value: string) => order.names.push(value));
  command.on('option:entity-default', () => order.names.push(null));
  command
    .option('--describe', 'show configs (dynamic ones; --all for every config)')
    .option('--alter', 'set (--add-config) or remove (--delete-config) dynamic configs')
    .option('--entity-type <type>', 'topics, brokers, broker-loggers, client-metrics, users, clients or ips (users and clients may be combined)')
    .option('--entity-name <name>', 'topic name, broker id, subscription name, user name, client id or ip')
    .option('--entity-default', 'brokers: the cluster-wide default; users, clients, ips: the default entity')
    .option('--topic <name>', 'shortcut for --entity-type topics --entity-name <name>')
    .option('--broker <id>', 'shortcut for --entity-type brokers --entity-name <id>')
    .option('--broker-defaults', 'shortcut for --entity-type brokers --entity-default')
    .option('--add-config <k=v,k2=v2>', 'configs to set (repeatable; k=[a,b] for a list value; users: SCRAM-SHA-256=[iterations=8192,password=secret]; '
      + 'users, clients: producer_byte_rate=1048576, …)', collect, [])
    .option('--delete-config <k,k2>', 'configs to remove (repeatable)', collect, [])
    .option('--all', 'describe: every config, with its source')
    .action((flags: ConfigsFlags) => {
      const given: EntityOrder = { types: order.types.splice(0), names: order.names.splice(0) };
      return runCommand(() => given.types.some((t) => Object.hasOwn(QUOTA_ENTITY_TYPES, t))
        ? quotaEntityConfigs(flags, given)
        : withAdmin(flags, (admin) => configs(admin, flags)));
    });
}

/**
 * users, clients and ips: quota configs (and for a user alone, SCRAM
 * credentials too, as kafka-configs.sh mixes them): SCRAM keys go to
 * AlterUserScramCredentials, every other key to AlterClientQuotas.
 */
async function quotaEntityConfigs(flags: ConfigsFlags, given: EntityOrder): Promise<void> {
  const action = oneAction(flags as unknown as Record<string, unknown>, ['describe', 'alter'] as const, 'configs');
  const parts = quotaEntityArgs(given.types, given.names);
  const userOnly = parts.length === 1 && parts[0]!.entityType === 'user';
  if (action === 'describe') return describeQuotaEntities(flags, parts, userOnly);
  const set = parseConfigs(flags.addConfig, true);
  const remove = flags.deleteConfig.flatMap((d) => d.split(',')).map((k) => k.trim()).filter((k) => k !== '');
  if (Object.keys(set).length === 0 && remove.length === 0) throw new CliError('configs --alter needs --add-config or --delete-config', EXIT_USAGE);
  const scramSet = Object.keys(set).filter(isScramMechanism);
  const scramRemove = remove.filter(isScramMechanism);
  if (!userOnly && scramSet.length + scramRemove.length > 0) {
    throw new CliError(`SCRAM credentials are configs of users alone: ${[...scramSet, ...scramRemove].join(', ')}`, EXIT_USAGE);
  }
  const quotaSet = Object.fromEntries(Object.entries(set).filter(([k]) => !isScramMechanism(k)));
  const quotaRemove = remove.filter((k) => !isScramMechanism(k));
  if (scramSet.length + scramRemove.length > 0) {
    await userScramConfigs({
      ...flags, entityName: parts[0]!.entityName ?? undefined, entityDefault: parts[0]!.entityName === null,
      addConfig: scramSet.map((k) => `${k}=[${set[k]}]`), deleteConfig: scramRemove,
    }, Object.keys(quotaSet).length + quotaRemove.length > 0);
  }
  if (Object.keys(quotaSet).length + quotaRemove.length === 0) return;
  const label = await alterClientQuotas(flags, parts, quotaSet, quotaRemove);
  print(flags.json === true, { altered: { entity: parts, set: quotaSet, deleted: quotaRemove } }, () => `Completed updating config for ${label}.`);
}

async function describeQuotaEntities(flags: ConfigsFlags, parts: readonly QuotaEntityArg[], userOnly: boolean): Promise<void> {
  const quotas = await describeClientQuotas(flags, parts);
  if (!userOnly || parts[0]!.entityName === null) {
    print(flags.json === true, quotas, () => quotas.map(quotaLine).join('\n'));
    return;
  }
  // A user's SCRAM credentials are its configs too: kafka-configs.sh lists both.
  await userScramConfigs({ ...flags, entityName: parts[0]!.entityName ?? undefined }, false, quotas);
}

function entity(flags: ConfigsFlags): { type: ConfigResourceType; typeName: string; name: string } {
  // Kafka's shortcuts: --topic T is --entity-type topics --entity-name T, --broker N the same for a broker.
  const shortcuts = [flags.topic !== undefined, flags.broker !== undefined, flags.brokerDefaults === true].filter(Boolean).length;
  if (shortcuts > 1 || (shortcuts === 1 && (flags.entityType !== undefined || flags.entityName !== undefined || flags.entityDefault === true))) {
    throw new CliError('give one of --topic, --broker, --broker-defaults or --entity-type/--entity-name', EXIT_USAGE);
  }
  if (flags.topic !== undefined) return { type: 'topic', typeName: 'topics', name: flags.topic };
  if (flags.broker !== undefined) return { type: 'broker', typeName: 'brokers', name: flags.broker };
  if (flags.brokerDefaults === true) return { type: 'broker', typeName: 'brokers', name: '' };
  const typeName = required(flags.entityType, '--entity-type', 'configs');
  const type = ENTITY_TYPES[typeName];
  if (UNSUPPORTED_ENTITY_TYPES.has(typeName)) throw new CliError(`--entity-type '${typeName}' is not supported by Samsa: ${SUPPORTED_TYPES_TEXT}`, EXIT_USAGE);
  if (type === undefined) throw new CliError(`unknown --entity-type '${typeName}': ${SUPPORTED_TYPES_TEXT}`, EXIT_USAGE);
  if (flags.entityDefault === true) {
    if (type !== 'broker') throw new CliError(`--entity-default applies to --entity-type brokers only, not ${typeName}`, EXIT_USAGE);
    if (flags.entityName !== undefined) throw new CliError('--entity-name and --entity-default cannot be used together', EXIT_USAGE);
    return { type, typeName, name: '' };
  }
  return { type, typeName, name: required(flags.entityName, '--entity-name', 'configs') };
}

async function configs(admin: Admin, flags: ConfigsFlags): Promise<void> {
  const action = oneAction(flags as unknown as Record<string, unknown>, ['describe', 'alter'] as const, 'configs');
  const { type, typeName, name } = entity(flags);
  const label = name === '' ? 'the default of all brokers' : `${typeName.replace(/s$/, '')} '${name}'`;
  if (type === 'topic') await admin.describeTopics([name]);
  if (action === 'alter') {
    const set = parseConfigs(flags.addConfig, true);
    const remove = flags.deleteConfig.flatMap((d) => d.split(',')).map((k) => k.trim()).filter((k) => k !== '');
    if (Object.keys(set).length === 0 && remove.length === 0) throw new CliError('configs --alter needs --add-config or --delete-config', EXIT_USAGE);
    await admin.incrementalAlterConfigs(type, name, { set, delete: remove });
    print(flags.json === true, { altered: { type, name, set, deleted: remove } }, () => `Completed updating config for ${label}.`);
    return;
  }
  const entries = (await admin.describeConfigs(type, name)).filter((c) => flags.all || c.source.startsWith('DYNAMIC') || c.source === 'CLIENT_METRICS_CONFIG');
  print(flags.json === true, entries, () => {
    const rows = entries.map((c) => [c.name, c.sensitive ? '(sensitive)' : c.value, c.source, c.readOnly ? 'yes' : 'no']);
    return `Configs for ${label}:\n${table(['NAME', 'VALUE', 'SOURCE', 'READ-ONLY'], rows)}`;
  });
}
