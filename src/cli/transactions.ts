/**
 * `samsa transactions`: kafka-transactions.sh's jobs — list, describe,
 * describe-producers, abort and find-hanging — with Kafka's column names,
 * or --json.
 */
import type { Command } from 'commander';
import type { Cluster, ProducerState, TransactionsAdmin } from '../client/index.ts';
import { CliError, EXIT_USAGE, clusterFrom, print, runCommand, table, withBootstrap, type ConnectFlags } from './common.ts';
import { bigintArg, intArg } from './admin-options.ts';
import { io } from './io.ts';

/** kafka-transactions.sh's default for find-hanging: Kafka's default transaction.max.timeout.ms, in minutes. */
const MAX_TRANSACTION_TIMEOUT_MINUTES_DEFAULT = 15;
const MS_PER_MINUTE = 60_000;

interface GlobalFlags extends ConnectFlags {
  json?: boolean;
}

export function register(program: Command): void {
  const cmd = withBootstrap(program.command('transactions').description('list, describe and abort transactions (kafka-transactions.sh)'));
  cmd.command('list')
    .description('every transactional id the cluster\'s coordinators know')
    .option('--state <state>', 'only these states (repeatable)', (v: string, p: string[]) => [...p, v], [])
    .option('--producer-id <id>', 'only this producer id', bigintArg)
    .option('--duration-filter <ms>', 'only transactions open longer than this', intArg)
    .action((flags, sub: Command) => run(sub, async (admin, json) => {
      const listed = await admin.listTransactions({
        states: flags.state, producerIds: flags.producerId === undefined ? [] : [flags.producerId], durationMs: flags.durationFilter,
      });
      print(json, listed, () => table(['TransactionalId', 'Coordinator', 'ProducerId', 'TransactionState'],
        listed.map((t) => [t.transactionalId, t.coordinatorId, t.producerId, t.state])));
    }));
  cmd.command('describe')
    .description('one transactional id as its coordinator sees it')
    .requiredOption('--transactional-id <id>', 'the transactional id')
    .action((flags, sub: Command) => run(sub, async (admin, json) => {
      const [d] = await admin.describeTransactions([flags.transactionalId]);
      const now = Date.now();
      print(json, d, () => table(
        ['CoordinatorId', 'TransactionalId', 'ProducerId', 'ProducerEpoch', 'TransactionState', 'TransactionTimeoutMs',
          'CurrentTransactionStartTimeMs', 'TransactionDurationMs', 'TopicPartitions'],
        [[d!.coordinatorId, d!.transactionalId, d!.producerId, d!.producerEpoch, d!.state, d!.transactionTimeoutMs,
          d!.transactionStartTimeMs < 0 ? 'None' : d!.transactionStartTimeMs,
          d!.transactionStartTimeMs < 0 ? 'None' : now - d!.transactionStartTimeMs,
          d!.partitions.map((p) => `${p.topic}-${p.partition}`).join(',')]],
      ));
    }));
  cmd.command('describe-producers')
    .description('the producers a partition knows, with their open transactions')
    .requiredOption('--topic <topic>', 'the topic')
    .requiredOption('--partition <n>', 'the partition', intArg)
    .option('--broker-id <id>', 'ask this replica instead of the leader', intArg)
    .action((flags, sub: Command) => run(sub, async (admin, json) => {
      const producers = await admin.describeProducers(flags.topic, flags.partition, flags.brokerId);
      print(json, producers, () => producersTable(producers));
    }));
  cmd.command('abort')
    .description('write an ABORT marker for a hanging transaction on one partition')
    .requiredOption('--topic <topic>', 'the topic')
    .requiredOption('--partition <n>', 'the partition', intArg)
    .option('--start-offset <n>', 'the open transaction starting at this offset (found with describe-producers)', bigintArg)
    .option('--producer-id <id>', 'the producer id (with --producer-epoch and --coordinator-epoch)', bigintArg)
    .option('--producer-epoch <n>', 'the producer epoch', intArg)
    .option('--coordinator-epoch <n>', 'the coordinator epoch', intArg)
    .action((flags, sub: Command) => run(sub, async (admin) => {
      const { topic, partition } = flags;
      let target: { producerId: bigint; producerEpoch: number; coordinatorEpoch: number };
      if (flags.startOffset !== undefined) {
        const open = (await admin.describeProducers(topic, partition)).find((p) => p.currentTransactionStartOffset === flags.startOffset);
        if (open === undefined) throw new CliError(`no open transaction starts at offset ${flags.startOffset} of ${topic}-${partition}`);
        target = open;
      } else if (flags.producerId !== undefined && flags.producerEpoch !== undefined && flags.coordinatorEpoch !== undefined) {
        target = { producerId: flags.producerId, producerEpoch: flags.producerEpoch, coordinatorEpoch: flags.coordinatorEpoch };
      } else {
        throw new CliError('abort needs --start-offset, or --producer-id, --producer-epoch and --coordinator-epoch', EXIT_USAGE);
      }
      await admin.abortTransaction({ topic, partition, ...target });
      io().out(`aborted producer ${target.producerId}'s transaction on ${topic}-${partition}`);
    }));
  cmd.command('find-hanging')
    .description('open transactions on partitions that their coordinator does not know, older than the timeout')
    .option('--broker-id <id>', 'every partition this broker leads', intArg)
    .option('--topic <topic>', 'the partitions of this topic')
    .option('--partition <n>', 'with --topic: only this partition', intArg)
    .option('--max-transaction-timeout <minutes>', 'transactions open longer than this are suspects', intArg, MAX_TRANSACTION_TIMEOUT_MINUTES_DEFAULT)
    .action((flags, sub: Command) => run(sub, async (admin, json, cluster) => {
      if ((flags.brokerId === undefined) === (flags.topic === undefined)) throw new CliError('find-hanging needs one of --broker-id or --topic', EXIT_USAGE);
      const hanging = await findHanging(admin, cluster, flags);
      const now = Date.now();
      print(json, hanging, () => table(
        ['Topic', 'Partition', 'ProducerId', 'ProducerEpoch', 'CoordinatorEpoch', 'StartOffset', 'LastTimestamp', 'Duration(min)'],
        hanging.map((h) => [h.topic, h.partition, h.producerId, h.producerEpoch, h.coordinatorEpoch, h.currentTransactionStartOffset,
          h.lastTimestamp, Math.floor((now - Number(h.lastTimestamp)) / MS_PER_MINUTE)]),
      ));
    }));
}

function producersTable(producers: ProducerState[]): string {
  return table(['ProducerId', 'ProducerEpoch', 'LatestCoordinatorEpoch', 'LastSequence', 'LastTimestamp', 'CurrentTransactionStartOffset'],
    producers.map((p) => [p.producerId, p.producerEpoch, p.coordinatorEpoch, p.lastSequence, p.lastTimestamp,
      p.currentTransactionStartOffset < 0n ? 'None' : p.currentTransactionStartOffset]));
}

function run(sub: Command, body: (admin: TransactionsAdmin, json: boolean, cluster: Cluster) => Promise<void>): Promise<void> {
  const flags = sub.optsWithGlobals<GlobalFlags>();
  return runCommand(async () => {
    const { TransactionsAdmin } = await import('../client/index.ts');
    const cluster = await clusterFrom(flags);
    try {
      await body(new TransactionsAdmin(cluster), flags.json === true, cluster);
    } finally {
      await cluster.close();
    }
  });
}

type Hanging = ProducerState & { topic: string; partition: number };

/**
 * Kafka's find-hanging: open transactions older than the timeout whose
 * transactional id's coordinator does not have that partition in an
 * ongoing transaction of the same producer — nothing will ever end them.
 */
async function findHanging(
  admin: TransactionsAdmin, cluster: Cluster, flags: { brokerId?: number; topic?: string; partition?: number; maxTransactionTimeout: number },
): Promise<Hanging[]> {
  const partitions: { topic: string; partition: number }[] = [];
  const topics = await cluster.refreshMetadata(flags.topic === undefined ? null : [flags.topic]);
  for (const t of topics) {
    for (const p of t.partitions) {
      if (flags.topic !== undefined && flags.partition !== undefined && p.partition !== flags.partition) continue;
      if (flags.brokerId !== undefined && p.leader !== flags.brokerId) continue;
      partitions.push({ topic: t.name, partition: p.partition });
    }
  }
  const cutoff = BigInt(Date.now() - flags.maxTransactionTimeout * MS_PER_MINUTE);
  const suspects: Hanging[] = [];
  for (const { topic, partition } of partitions) {
    for (const p of await admin.describeProducers(topic, partition)) {
      if (p.currentTransactionStartOffset >= 0n && p.lastTimestamp < cutoff) suspects.push({ ...p, topic, partition });
    }
  }
  if (suspects.length === 0) return [];
  const listed = await admin.listTransactions({ producerIds: [...new Set(suspects.map((s) => s.producerId))] });
  const described = await admin.describeTransactions(listed.map((l) => l.transactionalId));
  return suspects.filter((s) => !described.some((d) => d.producerId === s.producerId && d.state === 'Ongoing'
    && d.partitions.some((p) => p.topic === s.topic && p.partition === s.partition)));
}
