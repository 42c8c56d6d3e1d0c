/** `samsa configs`: kafka-configs.sh's describe and alter, for topics and brokers. */
import type { Command } from 'commander';
import type { Admin, ConfigResourceType } from '../client/index.ts';
import { CliError, EXIT_USAGE, print, runCommand, table, withBootstrap } from './common.ts';
import { type AdminFlags, collect, oneAction, parseConfigs, required, withAdmin } from './admin-options.ts';

const ENTITY_TYPES: Record<string, ConfigResourceType> = { topics: 'topic', brokers: 'broker' };

interface ConfigsFlags extends AdminFlags {
  describe?: boolean;
  alter?: boolean;
  entityType?: string;
  entityName?: string;
  entityDefault?: boolean;
  addConfig: string[];
  deleteConfig: string[];
  all?: boolean;
}

export function register(program: Command): void {
  withBootstrap(program.command('configs').description('describe and alter topic and broker configs'))
    .option('--describe', 'show configs (dynamic ones; --all for every config)')
    .option('--alter', 'set (--add-config) or remove (--delete-config) dynamic configs')
    .option('--entity-type <type>', 'topics or brokers')
    .option('--entity-name <name>', 'topic name or broker id')
    .option('--entity-default', 'brokers: the cluster-wide default instead of one broker')
    .option('--add-config <k=v,k2=v2>', 'configs to set (repeatable; k=[a,b] for a list value)', collect, [])
    .option('--delete-config <k,k2>', 'configs to remove (repeatable)', collect, [])
    .option('--all', 'describe: every config, with its source')
    .action((flags: ConfigsFlags) => runCommand(() => withAdmin(flags, (admin) => configs(admin, flags))));
}

function entity(flags: ConfigsFlags): { type: ConfigResourceType; name: string } {
  const typeName = required(flags.entityType, '--entity-type', 'configs');
  const type = ENTITY_TYPES[typeName];
  if (type === undefined) throw new CliError(`unknown --entity-type '${typeName}': expected topics or brokers`, EXIT_USAGE);
  if (type === 'broker' && flags.entityDefault) return { type, name: '' };
  return { type, name: required(flags.entityName, '--entity-name', 'configs') };
}

async function configs(admin: Admin, flags: ConfigsFlags): Promise<void> {
  const action = oneAction(flags as unknown as Record<string, unknown>, ['describe', 'alter'] as const, 'configs');
  const { type, name } = entity(flags);
  if (type === 'topic') await admin.describeTopics([name]);
  if (action === 'alter') {
    const set = parseConfigs(flags.addConfig, true);
    const remove = flags.deleteConfig.flatMap((d) => d.split(',')).map((k) => k.trim()).filter((k) => k !== '');
    if (Object.keys(set).length === 0 && remove.length === 0) throw new CliError('configs --alter needs --add-config or --delete-config', EXIT_USAGE);
    await admin.incrementalAlterConfigs(type, name, { set, delete: remove });
    print(flags.json === true, { altered: { type, name, set, deleted: remove } }, () => `Completed updating config for ${type} ${name}.`);
    return;
  }
  const entries = (await admin.describeConfigs(type, name)).filter((c) => flags.all || c.source.startsWith('DYNAMIC'));
  print(flags.json === true, entries, () => {
    const rows = entries.map((c) => [c.name, c.sensitive ? '(sensitive)' : c.value, c.source, c.readOnly ? 'yes' : 'no']);
    return `Configs for ${type} '${name}':\n${table(['NAME', 'VALUE', 'SOURCE', 'READ-ONLY'], rows)}`;
  });
}
