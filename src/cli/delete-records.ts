/** `samsa delete-records`: kafka-delete-records.sh for one partition, records before an offset. */
import type { Command } from 'commander';
import { print, runCommand, table, withBootstrap } from './common.ts';
import { type AdminFlags, bigintArg, intArg, required, withAdmin } from './admin-options.ts';

interface DeleteRecordsFlags extends AdminFlags {
  topic?: string;
  partition?: number;
  offset?: bigint;
}

export function register(program: Command): void {
  withBootstrap(program.command('delete-records').description('delete the records of a partition before an offset'))
    .option('--topic <name>', 'the topic')
    .option('--partition <n>', 'the partition', intArg)
    .option('--offset <n>', 'first offset to keep (-1: the high watermark, deleting everything)', bigintArg)
    .action((flags: DeleteRecordsFlags) => runCommand(async () => {
      const topic = required(flags.topic, '--topic', 'delete-records');
      const partition = required(flags.partition, '--partition', 'delete-records');
      const offset = required(flags.offset, '--offset', 'delete-records');
      await withAdmin(flags, async (admin) => {
        const lowWatermark = await admin.deleteRecords(topic, partition, offset);
        print(flags.json === true, { topic, partition, lowWatermark },
          () => table(['TOPIC', 'PARTITION', 'LOW-WATERMARK'], [[topic, partition, lowWatermark]]));
      });
    }));
}
