/**
 * `samsa delete-records`: kafka-delete-records.sh, the records of partitions
 * before an offset — one partition by flags, or several from Kafka's
 * --offset-json-file.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CliError, EXIT_USAGE, print, runCommand, table, withBootstrap } from './common.ts';
import { type AdminFlags, bigintArg, intArg, required, withAdmin } from './admin-options.ts';

interface DeleteRecordsFlags extends AdminFlags {
  topic?: string;
  partition?: number;
  offset?: bigint;
  offsetJsonFile?: string;
}

interface Deletion {
  topic: string;
  partition: number;
  offset: bigint;
}

/** Kafka's offset JSON file: {"partitions": [{"topic": "t", "partition": 0, "offset": 3}], "version": 1}. */
export function parseOffsetJson(text: string, file: string): Deletion[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new CliError(`--offset-json-file ${file}: ${(e as Error).message}`, EXIT_USAGE);
  }
  const partitions = (doc as { partitions?: unknown }).partitions;
  if (!Array.isArray(partitions) || partitions.length === 0) {
    throw new CliError(`--offset-json-file ${file}: expected {"partitions": [{"topic": …, "partition": …, "offset": …}], "version": 1}`, EXIT_USAGE);
  }
  return partitions.map((p: { topic?: unknown; partition?: unknown; offset?: unknown }, i) => {
    if (typeof p.topic !== 'string' || !Number.isInteger(p.partition) || !(Number.isInteger(p.offset) || typeof p.offset === 'string')) {
      throw new CliError(`--offset-json-file ${file}: entry ${i} needs a topic (string), a partition and an offset (integers)`, EXIT_USAGE);
    }
    return { topic: p.topic, partition: p.partition as number, offset: BigInt(p.offset as number | string) };
  });
}

export function register(program: Command): void {
  withBootstrap(program.command('delete-records').description('delete the records of partitions before an offset'))
    .option('--topic <name>', 'the topic')
    .option('--partition <n>', 'the partition', intArg)
    .option('--offset <n>', 'first offset to keep (-1: the high watermark, deleting everything)', bigintArg)
    .option('--offset-json-file <file>', 'kafka-delete-records.sh\'s JSON: {"partitions": [{"topic", "partition", "offset"}], "version": 1}')
    .action((flags: DeleteRecordsFlags) => runCommand(async () => {
      let deletions: Deletion[];
      if (flags.offsetJsonFile !== undefined) {
        if (flags.topic !== undefined || flags.partition !== undefined || flags.offset !== undefined) {
          throw new CliError('--offset-json-file cannot be used with --topic, --partition or --offset', EXIT_USAGE);
        }
        let text: string;
        try {
          text = readFileSync(flags.offsetJsonFile, 'utf8');
        } catch (e) {
          throw new CliError(`--offset-json-file ${flags.offsetJsonFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, EXIT_USAGE);
        }
        deletions = parseOffsetJson(text, flags.offsetJsonFile);
      } else {
        deletions = [{
          topic: required(flags.topic, '--topic', 'delete-records'),
          partition: required(flags.partition, '--partition', 'delete-records'),
          offset: required(flags.offset, '--offset', 'delete-records'),
        }];
      }
      await withAdmin(flags, async (admin) => {
        const results: { topic: string; partition: number; lowWatermark: bigint }[] = [];
        for (const d of deletions) results.push({ topic: d.topic, partition: d.partition, lowWatermark: await admin.deleteRecords(d.topic, d.partition, d.offset) });
        print(flags.json === true, results.length === 1 && flags.offsetJsonFile === undefined ? results[0] : results,
          () => table(['TOPIC', 'PARTITION', 'LOW-WATERMARK'], results.map((r) => [r.topic, r.partition, r.lowWatermark])));
      });
    }));
}
