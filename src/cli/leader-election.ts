/**
 * `samsa leader-election`: kafka-leader-election.sh. Preferred election moves
 * leadership back to each partition's first replica; unclean election gives
 * a leaderless partition a replica outside the ISR (it may lack
 * acknowledged records: an operator's last resort).
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CliError, EXIT_USAGE, runCommand, withBootstrap } from './common.ts';
import { type AdminFlags, intArg, withAdmin } from './admin-options.ts';
import { io } from './io.ts';

interface ElectionFlags extends AdminFlags {
  electionType?: string;
  allTopicPartitions?: boolean;
  topic?: string;
  partition?: number;
  pathToJsonFile?: string;
}

const ELECTION_NOT_NEEDED = 84;

function partitionsOf(flags: ElectionFlags): { topic: string; partition: number }[] | null {
  const given = [flags.allTopicPartitions === true, flags.topic !== undefined, flags.pathToJsonFile !== undefined].filter(Boolean).length;
  if (given !== 1) throw new CliError('leader-election needs one of --all-topic-partitions, --topic (with --partition) or --path-to-json-file', EXIT_USAGE);
  if (flags.allTopicPartitions === true) return null;
  if (flags.topic !== undefined) {
    if (flags.partition === undefined) throw new CliError('--topic needs --partition', EXIT_USAGE);
    return [{ topic: flags.topic, partition: flags.partition }];
  }
  let doc: { partitions?: { topic?: unknown; partition?: unknown }[] };
  try {
    doc = JSON.parse(readFileSync(flags.pathToJsonFile!, 'utf8'));
  } catch (e) {
    throw new CliError(`--path-to-json-file ${flags.pathToJsonFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, EXIT_USAGE);
  }
  if (!Array.isArray(doc.partitions) || doc.partitions.some((p) => typeof p.topic !== 'string' || !Number.isInteger(p.partition))) {
    throw new CliError(`--path-to-json-file ${flags.pathToJsonFile}: expected {"partitions": [{"topic": "t", "partition": 0}]}`, EXIT_USAGE);
  }
  return doc.partitions.map((p) => ({ topic: p.topic as string, partition: p.partition as number }));
}

export function register(program: Command): void {
  withBootstrap(program.command('leader-election').description('preferred or unclean leader election (kafka-leader-election)'))
    .option('--election-type <type>', 'PREFERRED or UNCLEAN')
    .option('--all-topic-partitions', 'every partition')
    .option('--topic <name>', 'one topic\'s partition (with --partition)')
    .option('--partition <n>', 'the partition of --topic', intArg)
    .option('--path-to-json-file <file>', '{"partitions": [{"topic": "t", "partition": 0}]}')
    .exitOverride()
    .action((flags: ElectionFlags) => runCommand(async () => {
      const type = flags.electionType?.toUpperCase();
      if (type !== 'PREFERRED' && type !== 'UNCLEAN') throw new CliError('leader-election needs --election-type PREFERRED or UNCLEAN', EXIT_USAGE);
      const partitions = partitionsOf(flags);
      await withAdmin(flags, async (admin) => {
        const results = await admin.electLeaders(type === 'PREFERRED' ? 0 : 1, partitions);
        const name = (r: { topic: string; partition: number }): string => `${r.topic}-${r.partition}`;
        const done = results.filter((r) => r.errorCode === 0).map(name);
        const notNeeded = results.filter((r) => r.errorCode === ELECTION_NOT_NEEDED).map(name);
        const failed = results.filter((r) => r.errorCode !== 0 && r.errorCode !== ELECTION_NOT_NEEDED);
        if (flags.json === true) {
          io().out(JSON.stringify(results));
        } else {
          if (done.length > 0) io().out(`Successfully completed leader election (${type}) for partitions ${done.join(', ')}`);
          if (notNeeded.length > 0) io().out(`Valid replica already elected for partitions ${notNeeded.join(', ')}`);
          if (results.length === 0) io().out('No partitions to elect leaders for.');
        }
        if (failed.length > 0) {
          throw new CliError(`leader election (${type}) failed for ${failed.map((r) => `${name(r)}: ${r.errorMessage ?? r.errorCode}`).join('; ')}`);
        }
      });
    }));
}
