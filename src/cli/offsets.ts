/** `samsa offsets`: kafka-get-offsets.sh, the earliest, latest or by-time offset of each partition. */
import type { Command } from 'commander';
import { CliError, EXIT_USAGE, print, runCommand, table, withBootstrap } from './common.ts';
import { type AdminFlags, required, withAdmin } from './admin-options.ts';

interface OffsetsFlags extends AdminFlags {
  topic?: string;
  time: string;
  partitions?: string;
}

/** Kafka's --time: earliest/-2, latest/-1, or a timestamp in ms. */
export function parseTime(text: string): 'earliest' | 'latest' | number {
  if (text === 'earliest' || text === '-2') return 'earliest';
  if (text === 'latest' || text === '-1') return 'latest';
  if (/^\d+$/.test(text)) return Number(text);
  throw new CliError(`invalid --time '${text}': expected earliest, latest or a timestamp in ms`, EXIT_USAGE);
}

export function parsePartitionList(text: string): number[] {
  const parts = text.split(',').map((p) => p.trim());
  if (!parts.every((p) => /^\d+$/.test(p))) throw new CliError(`invalid partition list '${text}'`, EXIT_USAGE);
  return parts.map(Number);
}

export function register(program: Command): void {
  withBootstrap(program.command('offsets').description('offsets of a topic\'s partitions: earliest, latest, or at a time'))
    .option('--topic <name>', 'the topic')
    .option('--time <earliest|latest|ms>', 'which offset', 'latest')
    .option('--partitions <p1,p2>', 'only these partitions')
    .action((flags: OffsetsFlags) => runCommand(async () => {
      const topic = required(flags.topic, '--topic', 'offsets');
      const spec = parseTime(flags.time);
      const partitions = flags.partitions === undefined ? undefined : parsePartitionList(flags.partitions);
      await withAdmin(flags, async (admin) => {
        const offsets = await admin.listOffsets(topic, spec, partitions);
        print(flags.json === true, offsets.map((o) => ({ topic, partition: o.partition, offset: o.offset })),
          () => table(['TOPIC', 'PARTITION', 'OFFSET'], offsets.map((o) => [topic, o.partition, o.offset])));
      });
    }));
}
