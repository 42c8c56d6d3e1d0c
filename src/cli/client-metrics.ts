/**
 * `samsa client-metrics`: kafka-client-metrics.sh. KIP-714 subscriptions are
 * CLIENT_METRICS config resources: --list names them
 * (ListClientMetricsResources), --describe shows their configs, --alter sets
 * metrics, interval.ms and match (IncrementalAlterConfigs), --delete removes
 * all three, which removes the subscription. Flags and lines are Kafka's.
 */
import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { type AdminFlags, collect, oneAction, required, withAdmin } from './admin-options.ts';
import { CliError, EXIT_USAGE, print, runCommand, withBootstrap } from './common.ts';

interface ClientMetricsFlags extends AdminFlags {
  list?: boolean;
  describe?: boolean;
  alter?: boolean;
  delete?: boolean;
  name?: string;
  generateName?: boolean;
  metrics: string[];
  interval?: string;
  match: string[];
}

export function register(program: Command): void {
  withBootstrap(program.command('client-metrics').description('KIP-714 client metrics subscriptions (kafka-client-metrics)'))
    .option('--list', 'list the subscriptions')
    .option('--describe', 'show subscriptions and their configs (--name for one)')
    .option('--alter', 'create or change a subscription (--name or --generate-name)')
    .option('--delete', 'delete a subscription (--name)')
    .option('--name <name>', 'the subscription')
    .option('--generate-name', 'alter: a new subscription with a generated name')
    .option('--metrics <prefixes>', 'metric-name prefixes the clients push, comma-separated (repeatable); * for all; empty removes it', collect, [])
    .option('--interval <ms>', 'push interval in milliseconds (100 to 3600000)')
    .option('--match <selector=regex,...>', 'client selectors: client_id, client_instance_id, client_software_name, '
      + 'client_software_version, client_source_address, client_source_port (repeatable); empty removes it', collect, [])
    .exitOverride()
    .action((flags: ClientMetricsFlags) => runCommand(() => clientMetrics(flags)));
}

/** A subscription name as Kafka's --generate-name makes one: a random Uuid's text. */
function generatedName(): string {
  return randomBytes(16).toString('base64url');
}

async function clientMetrics(flags: ClientMetricsFlags): Promise<void> {
  const action = oneAction(flags as unknown as Record<string, unknown>, ['list', 'describe', 'alter', 'delete'] as const, 'client-metrics');
  if (action === 'alter' && flags.name !== undefined && flags.generateName === true) {
    throw new CliError('client-metrics: --name and --generate-name cannot be given together', EXIT_USAGE);
  }
  if (flags.interval !== undefined && !/^\d+$/.test(flags.interval.trim())) {
    throw new CliError(`client-metrics: --interval must be a number of milliseconds: ${flags.interval}`, EXIT_USAGE);
  }
  await withAdmin(flags, async (admin) => {
    switch (action) {
      case 'list': {
        const names = await admin.listClientMetricsResources();
        print(flags.json === true, names, () => names.join('\n'));
        return;
      }
      case 'describe': {
        const names = flags.name !== undefined ? [flags.name] : await admin.listClientMetricsResources();
        const described: { name: string; configs: { name: string; value: string | null }[] }[] = [];
        for (const name of names) {
          const configs = await admin.describeConfigs('client_metrics', name);
          described.push({ name, configs: configs.map((c) => ({ name: c.name, value: c.value })) });
        }
        print(flags.json === true, described, () => described.map((d) =>
          [`Client metrics configs for ${d.name} are:`, ...d.configs.map((c) => `  ${c.name}=${c.value ?? ''}`)].join('\n')).join('\n'));
        return;
      }
      case 'alter': {
        const name = flags.generateName === true ? generatedName() : required(flags.name, '--name or --generate-name', 'client-metrics --alter');
        const given: Record<string, string> = {};
        if (flags.interval !== undefined) given['interval.ms'] = flags.interval.trim();
        if (flags.metrics.length > 0) given.metrics = flags.metrics.join(',');
        if (flags.match.length > 0) given.match = flags.match.join(',');
        // As kafka-client-metrics.sh: an empty value removes that config.
        const set = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== ''));
        const remove = Object.keys(given).filter((k) => given[k] === '');
        await admin.incrementalAlterConfigs('client_metrics', name, { set, delete: remove });
        print(flags.json === true, { name, altered: true }, () => `Altered client metrics config for ${name}.`);
        return;
      }
      case 'delete': {
        const name = required(flags.name, '--name', 'client-metrics --delete');
        await admin.incrementalAlterConfigs('client_metrics', name, { delete: ['metrics', 'interval.ms', 'match'] });
        print(flags.json === true, { name, deleted: true }, () => `Deleted client metrics config for ${name}.`);
        return;
      }
    }
  });
}
