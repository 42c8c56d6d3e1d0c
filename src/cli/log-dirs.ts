/**
 * `samsa log-dirs --describe`: kafka-log-dirs.sh. Each broker's log
 * directories and the size of every partition in them, as Kafka's JSON.
 */
import type { Command } from 'commander';
import { CliError, EXIT_USAGE, runCommand, withBootstrap } from './common.ts';
import { type AdminFlags, withAdmin } from './admin-options.ts';
import { io } from './io.ts';

interface LogDirsFlags extends AdminFlags {
  describe?: boolean;
  brokerList?: string;
  topicList?: string;
}

function idList(text: string): number[] {
  const ids = text.split(',').map((s) => s.trim());
  if (ids.some((s) => !/^\d+$/.test(s))) throw new CliError(`invalid --broker-list '${text}': expected broker ids like 1,2,3`, EXIT_USAGE);
  return ids.map(Number);
}

export function register(program: Command): void {
  withBootstrap(program.command('log-dirs').description('each broker\'s log directories and partition sizes (kafka-log-dirs)'))
    .option('--describe', 'describe the log directories')
    .option('--broker-list <1,2>', 'only these brokers (default: all)')
    .option('--topic-list <t1,t2>', 'only these topics\' partitions (default: all)')
    .exitOverride()
    .action((flags: LogDirsFlags) => runCommand(async () => {
      if (flags.describe !== true) throw new CliError('log-dirs needs --describe', EXIT_USAGE);
      await withAdmin(flags, async (admin) => {
        const brokers = flags.brokerList === undefined ? (await admin.describeCluster()).brokers.map((b) => b.nodeId) : idList(flags.brokerList);
        const topics = flags.topicList === undefined ? null : flags.topicList.split(',').map((s) => s.trim()).filter((s) => s !== '');
        const described = await admin.describeLogDirs(brokers, topics);
        if (flags.json !== true) {
          io().out('Querying brokers for log directories information');
          io().out(`Received log directory information from brokers ${brokers.join(',')}`);
        }
        // Kafka's tool prints this JSON document.
        io().out(JSON.stringify({
          brokers: described.map((b) => ({
            broker: b.broker,
            logDirs: b.logDirs.map((d) => ({
              logDir: d.logDir, error: d.errorCode === 0 ? null : String(d.errorCode),
              partitions: d.partitions.map((p) => ({ partition: `${p.topic}-${p.partition}`, size: Number(p.size), offsetLag: Number(p.offsetLag), isFuture: p.isFuture })),
            })),
          })),
          version: 1,
        }));
      });
    }));
}
