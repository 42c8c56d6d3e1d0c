/** The `samsa` command. */
import { Command, CommanderError } from 'commander';
import { SAMSA_VERSION } from '../version.ts';
import { EXIT_USAGE, collect } from './common.ts';
import { register as registerCluster } from './cluster.ts';
import { register as registerConfigs } from './configs.ts';
import { register as registerConsume } from './consume.ts';
import { register as registerDeleteRecords } from './delete-records.ts';
import { register as registerDumpLog } from './dump-log.ts';
import { register as registerFeatures } from './features.ts';
import { register as registerGroups } from './groups.ts';
import { register as registerLeaderElection } from './leader-election.ts';
import { register as registerLogDirs } from './log-dirs.ts';
import { register as registerMetadataQuorum } from './metadata-quorum.ts';
import { register as registerOffsets } from './offsets.ts';
import { register as registerPerf } from './perf.ts';
import { register as registerProduce } from './produce.ts';
import { register as registerStorage } from './storage.ts';
import { register as registerTopics } from './topics.ts';
import { register as registerTransactions } from './transactions.ts';
import { register as registerVerifiable } from './verifiable.ts';

export function program(): Command {
  const cmd = new Command('samsa')
    .description('An event streaming platform that speaks the Kafka protocol')
    .version(SAMSA_VERSION, '-V, --version')
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(`samsa: ${text.replace(/^error: /, '')}`) });
  cmd.command('start')
    .description('run a node: broker and controller by default (see process.roles)')
    .option('-c, --config <file>', 'server.properties file')
    .option('-o, --override <key=value>', 'set a config, overriding the file (repeatable)', collect, [])
    .option('-p, --port <port>', 'port to listen on (0 picks a free one)')
    .option('-d, --data-dir <dir>', 'data directory (log.dirs); default ./data')
    .option('--cluster-id <id>', 'cluster id to format a fresh data directory with (nodes of one cluster share it)')
    .exitOverride()
    .action(async (flags) => {
      // Loaded only here, so the client commands start without the broker's modules.
      const { runStart } = await import('./start.ts');
      process.exitCode = await runStart(flags);
    });
  registerTopics(cmd);
  registerConfigs(cmd);
  registerOffsets(cmd);
  registerDeleteRecords(cmd);
  registerGroups(cmd);
  registerProduce(cmd);
  registerConsume(cmd);
  registerMetadataQuorum(cmd);
  registerCluster(cmd);
  registerPerf(cmd);
  registerDumpLog(cmd);
  registerStorage(cmd);
  registerLogDirs(cmd);
  registerFeatures(cmd);
  registerLeaderElection(cmd);
  registerVerifiable(cmd);
  registerTransactions(cmd);
  cmd.command('version')
    .description('print the version')
    .action(() => {
      console.log(SAMSA_VERSION);
    });
  return cmd;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : EXIT_USAGE;
    throw e;
  }
}

if (import.meta.main) process.exitCode = await main(process.argv.slice(2));
