/** The `samsa` command. */
import module from 'node:module';
import { inspect } from 'node:util';
import { Readable } from 'node:stream';
import { Command, CommanderError } from 'commander';
import { SAMSA_VERSION } from '../version.ts';
import { EXIT_USAGE, collect } from './common.ts';
import { register as registerAcls } from './acls.ts';
import { register as registerDelegationTokens } from './delegation-tokens.ts';
import { register as registerCluster } from './cluster.ts';
import { register as registerClientMetrics } from './client-metrics.ts';
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
import { CapturedIo, io, withIo } from './io.ts';

export function program(): Command {
  const cmd = new Command('samsa')
    .description('An event streaming platform that speaks the Kafka protocol')
    .version(SAMSA_VERSION, '-V, --version')
    .exitOverride()
    .configureOutput({
      // Commander's own defaults, but through io(): help, --version and usage errors go where the run's output goes.
      writeOut: (text) => io().stdout.write(text),
      writeErr: (text) => io().stderr.write(text),
      // Commander's typings say number; undefined (not a terminal) is what its own default returns, and means 80 columns.
      getOutHelpWidth: () => (io().stdout.isTTY === true ? io().stdout.columns : undefined) as number,
      getErrHelpWidth: () => (io().stderr.isTTY === true ? io().stderr.columns : undefined) as number,
      outputError: (text, write) => write(`samsa: ${text.replace(/^error: /, '')}`),
    });
  cmd.command('start')
    .description('run a node: broker and controller by default (see process.roles)')
    .option('-c, --config <file>', 'server.properties file')
    .option('-o, --override <key=value>', 'set a config, overriding the file (repeatable)', collect, [])
    .option('-p, --port <port>', 'port to listen on (0 picks a free one)')
    .option('-d, --data-dir <dir>', 'data directory (log.dirs); default ./data')
    .option('--cluster-id <id>', 'cluster id to format a fresh data directory with (nodes of one cluster share it)')
    .option('--log-format <format>', 'human (default) or json: one JSON object per log line')
    .exitOverride()
    .action(async (flags) => {
      // Loaded only here, so the client commands start without the broker's modules.
      const { runStart } = await import('./start.ts');
      io().exitCode = await runStart(flags);
    });
  registerTopics(cmd);
  registerConfigs(cmd);
  registerClientMetrics(cmd);
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
  registerAcls(cmd);
  registerDelegationTokens(cmd);
  cmd.command('version')
    .description('print the version')
    .action(() => {
      io().out(SAMSA_VERSION);
    });
  return cmd;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv, { from: 'user' });
    return io().exitCode ?? 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : EXIT_USAGE;
    throw e;
  }
}

export interface CliRunOptions {
  /** What the command reads on stdin; empty (as from /dev/null) when not given. */
  stdin?: string | Buffer;
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `samsa argv` in this process, its I/O its own (see io.ts): the exit
 * code, stdout and stderr the process would have had. An error no command
 * handles is on stderr with exit code 1, as Node reports an uncaught one.
 */
export async function runCli(argv: string[], options: CliRunOptions = {}): Promise<CliRun> {
  const stdin = Readable.from(options.stdin === undefined ? [] : [Buffer.from(options.stdin)]);
  const captured = new CapturedIo(stdin);
  let code: number;
  try {
    code = await withIo(captured, () => main(argv));
  } catch (e) {
    captured.stderr.write(`${inspect(e)}\n`);
    code = 1;
  }
  return { code, stdout: captured.stdout.text, stderr: captured.stderr.text };
}

if (import.meta.main) {
  // Run directly (`node src/cli/main.ts`, as `npm start` and the tests' child processes do) rather than through
  // bin/samsa.js, which enables it first: what loads from here on (the broker for `start`, the client for the
  // other commands) is cached compiled between runs, in Node's default place (the OS temp dir). A directory that
  // cannot be written only disables the cache (enableCompileCache reports it and does not throw).
  module.enableCompileCache?.();
  process.exitCode = await main(process.argv.slice(2));
}
