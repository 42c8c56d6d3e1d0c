/**
 * `samsa storage random-uuid | format`: kafka-storage.sh. `samsa start`
 * formats an empty data directory by itself; `format` does it ahead of
 * time, with a chosen cluster id, for every directory of a node's config
 * (log.dirs and metadata.log.dir), as Kafka's tool does, and writes the
 * metadata directory's bootstrap.checkpoint: the records the first active
 * controller starts the metadata log with, SCRAM credentials from
 * `--add-scram` among them (so brokers can log in to each other with SCRAM
 * from the first start).
 */
import { mkdirSync } from 'node:fs';
import type { Command } from 'commander';
import { CliError, EXIT_USAGE, collect, runCommand } from './common.ts';
import { io } from './io.ts';

interface FormatFlags {
  config?: string;
  override: string[];
  clusterId?: string;
  ignoreFormatted?: boolean;
  addScram: string[];
}

async function format(flags: FormatFlags): Promise<void> {
  if (flags.clusterId === undefined) throw new CliError('storage format needs --cluster-id (samsa storage random-uuid makes one)', EXIT_USAGE);
  if (flags.config === undefined && flags.override.length === 0) throw new CliError('storage format needs --config (or --override log.dirs=...)', EXIT_USAGE);
  // Loaded here, as start itself is: `samsa --help` must not load the broker.
  const { startProps, UsageError } = await import('./start.ts');
  let props: Record<string, string>;
  try {
    props = startProps({ config: flags.config, override: flags.override }).props;
  } catch (e) {
    if (e instanceof UsageError) throw new CliError(e.message, EXIT_USAGE);
    throw e;
  }
  const { resolveBrokerConfig } = await import('../metadata/index.ts');
  const { bootstrapRecords, ensureMetaProperties, isFormatted, writeBootstrapMetadata } = await import('../server/index.ts');
  const { parseAddScram } = await import('./add-scram.ts');
  const resolved = resolveBrokerConfig(props);
  if (!resolved.ok) throw new CliError(resolved.error, EXIT_USAGE);
  // Every argument is checked before any directory is touched.
  const scram = flags.addScram.map(parseAddScram);
  const { logDirs, metadataLogDir, nodeId } = resolved.config;
  const dirs = [...new Set([...logDirs, metadataLogDir])];
  for (const dir of dirs) {
    if (isFormatted(dir)) {
      if (flags.ignoreFormatted === true) {
        io().out(`Log directory ${dir} is already formatted; skipping it.`);
        continue;
      }
      throw new CliError(`Log directory ${dir} is already formatted. Use --ignore-formatted to ignore this directory and format the others.`);
    }
    mkdirSync(dir, { recursive: true });
    ensureMetaProperties(dir, nodeId, flags.clusterId);
    if (dir === metadataLogDir) writeBootstrapMetadata(dir, bootstrapRecords(scram), Date.now());
    io().out(`Formatting ${dir} with cluster id ${flags.clusterId} for node ${nodeId}.`);
  }
}

export function register(program: Command): void {
  const storage = program.command('storage').description('format data directories, make cluster ids (kafka-storage)');
  storage.command('random-uuid')
    .description('print a new random id, for --cluster-id')
    .action(async () => {
      const { randomUuid } = await import('../server/index.ts');
      io().out(randomUuid());
    });
  storage.command('format')
    .description('write meta.properties into every directory of a node\'s config')
    .option('-c, --config <file>', 'the node\'s server.properties')
    .option('-o, --override <key=value>', 'a config, overriding the file (repeatable)', collect, [])
    .option('-t, --cluster-id <id>', 'the cluster id (samsa storage random-uuid)')
    .option('-g, --ignore-formatted', 'skip directories that are already formatted instead of failing')
    .option('-S, --add-scram <credential>', 'a SCRAM credential for the bootstrap metadata, e.g. \'SCRAM-SHA-512=[name=broker,password=broker-secret]\' (repeatable)', collect, [])
    .exitOverride()
    .action((flags: FormatFlags) => runCommand(() => format(flags)));
}
