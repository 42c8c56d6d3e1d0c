/**
 * `samsa configs`: kafka-configs.sh's describe and alter, for topics, brokers
 * (one by id, or the cluster-wide default with --entity-default),
 * broker-loggers, and users' SCRAM credentials (see user-scram.ts).
 * kafka-configs.sh's other entity types (clients, ips: quotas;
 * client-metrics; groups) and users' quotas are refused as usage errors:
 * the broker does not serve them.
 */
import type { Command } from 'commander';
import type { Admin, ConfigResourceType } from '../client/index.ts';
import { CliError, EXIT_USAGE, print, runCommand, table, withBootstrap } from './common.ts';
import { type AdminFlags, collect, oneAction, parseConfigs, required, withAdmin } from './admin-options.ts';
import { userScramConfigs } from './user-scram.ts';

const ENTITY_TYPES: Record<string, ConfigResourceType> = { topics: 'topic', brokers: 'broker', 'broker-loggers': 'broker_logger' };
/** kafka-configs.sh entity types Samsa does not serve. */
const UNSUPPORTED_ENTITY_TYPES: ReadonlySet<string> = new Set(['clients', 'ips', 'client-metrics', 'groups']);
const SUPPORTED_TYPES_TEXT = 'expected topics, brokers, broker-loggers or users';

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
  withBootstrap(program.command('configs').description('describe and alter topic and broker configs'))
    .option('--describe', 'show configs (dynamic ones; --all for every config)')
    .option('--alter', 'set (--add-config) or remove (--delete-config) dynamic configs')
    .option('--entity-type <type>', 'topics, brokers, broker-loggers or users')
    .option('--entity-name <name>', 'topic name, broker id or user name')
    .option('--entity-default', 'brokers: the cluster-wide default instead of one broker')
    .option('--topic <name>', 'shortcut for --entity-type topics --entity-name <name>')
    .option('--broker <id>', 'shortcut for --entity-type brokers --entity-name <id>')
    .option('--broker-defaults', 'shortcut for --entity-type brokers --entity-default')
    .option('--add-config <k=v,k2=v2>', 'configs to set (repeatable; k=[a,b] for a list value; users: SCRAM-SHA-256=[iterations=8192,password=secret])', collect, [])
    .option('--delete-config <k,k2>', 'configs to remove (repeatable)', collect, [])
    .option('--all', 'describe: every config, with its source')
    .action((flags: ConfigsFlags) => runCommand(() => flags.entityType === 'users'
      ? userScramConfigs(flags)
      : withAdmin(flags, (admin) => configs(admin, flags))));
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
  const entries = (await admin.describeConfigs(type, name)).filter((c) => flags.all || c.source.startsWith('DYNAMIC'));
  print(flags.json === true, entries, () => {
    const rows = entries.map((c) => [c.name, c.sensitive ? '(sensitive)' : c.value, c.source, c.readOnly ? 'yes' : 'no']);
    return `Configs for ${label}:\n${table(['NAME', 'VALUE', 'SOURCE', 'READ-ONLY'], rows)}`;
  });
}
