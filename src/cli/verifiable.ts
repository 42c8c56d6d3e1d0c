/**
 * `samsa verifiable-producer` and `samsa verifiable-consumer`: Kafka's
 * kafka-verifiable-producer.sh and kafka-verifiable-consumer.sh, the tools
 * Kafka's own system tests drive. Each prints one JSON object per event on
 * stdout (same names and fields), so a harness written for Kafka's tools
 * reads Samsa's.
 */
import type { Command } from 'commander';
import type { ConsumerRecord } from '../client/index.ts';
import { CliError, EXIT_USAGE, clusterFrom, isClientError, onStopSignal, runCommand, wholeNumber, withBootstrap } from './common.ts';
import { parseThroughput, sendPaced } from './paced-sends.ts';
import { parseAcks } from './produce.ts';
import { io } from './io.ts';

function event(name: string, fields: Record<string, unknown> = {}): void {
  io().stdout.write(`${JSON.stringify({ timestamp: Date.now(), name, ...fields })}\n`);
}

function whole(text: string | undefined, what: string, min: number): number | undefined {
  return text === undefined ? undefined : wholeNumber(text, what, min);
}

/** --max-messages: a count, or -1 for no limit. */
function maxMessages(text: string): number {
  return text === '-1' ? -1 : wholeNumber(text, '--max-messages', 1);
}

interface ProducerFlags {
  bootstrapServer: string;
  commandConfig?: string;
  topic?: string;
  maxMessages: string;
  throughput: string;
  acks: string;
  valuePrefix?: string;
  repeatingKeys?: string;
}

async function verifiableProducer(flags: ProducerFlags): Promise<void> {
  if (flags.topic === undefined) throw new CliError('verifiable-producer needs --topic', EXIT_USAGE);
  const topic = flags.topic;
  const max = maxMessages(flags.maxMessages);
  const throughput = parseThroughput(flags.throughput);
  const repeatingKeys = whole(flags.repeatingKeys, '--repeating-keys', 1);
  const { Producer } = await import('../client/index.ts');
  const cluster = await clusterFrom(flags);
  const producer = new Producer(cluster, { acks: parseAcks(flags.acks) });
  let stopped = false;
  const release = onStopSignal(() => {
    stopped = true;
  });
  let sent = 0;
  let acked = 0;
  const started = performance.now();
  event('startup_complete');
  try {
    await sendPaced(throughput, (i) => (max < 0 || i < max) && !stopped, async (i) => {
      const value = flags.valuePrefix === undefined ? String(i) : `${flags.valuePrefix}.${i}`;
      const key = repeatingKeys === undefined ? null : String(i % repeatingKeys);
      sent++;
      try {
        const m = await producer.send({ topic, key, value });
        acked++;
        event('producer_send_success', { key, value, topic, partition: m.partition, offset: Number(m.offset) });
      } catch (e) {
        event('producer_send_error', { exception: (e as Error).name, message: (e as Error).message, topic, key, value });
      }
    }, 10_000);
    await producer.close();
  } finally {
    release();
    await cluster.close();
  }
  const seconds = (performance.now() - started) / 1000;
  event('shutdown_complete');
  event('tool_data', { sent, acked, target_throughput: throughput, avg_throughput: sent / Math.max(seconds, 0.001) });
}

interface ConsumerFlags {
  bootstrapServer: string;
  commandConfig?: string;
  topic?: string;
  groupId?: string;
  groupInstanceId?: string;
  maxMessages: string;
  sessionTimeout: string;
  enableAutocommit?: boolean;
  resetPolicy: string;
  assignmentStrategy?: string;
}

/** Kafka's assignor class names (and Samsa's short names) to Samsa's assignors. */
const ASSIGNORS: Record<string, 'range' | 'roundrobin' | 'cooperative-sticky'> = {
  'org.apache.kafka.clients.consumer.RangeAssignor': 'range', range: 'range',
  'org.apache.kafka.clients.consumer.RoundRobinAssignor': 'roundrobin', roundrobin: 'roundrobin',
  'org.apache.kafka.clients.consumer.CooperativeStickyAssignor': 'cooperative-sticky', 'cooperative-sticky': 'cooperative-sticky',
};

async function verifiableConsumer(flags: ConsumerFlags): Promise<void> {
  if (flags.topic === undefined || flags.groupId === undefined) throw new CliError('verifiable-consumer needs --topic and --group-id', EXIT_USAGE);
  const topic = flags.topic;
  const max = maxMessages(flags.maxMessages);
  if (flags.resetPolicy !== 'earliest' && flags.resetPolicy !== 'latest' && flags.resetPolicy !== 'none') {
    throw new CliError(`invalid --reset-policy '${flags.resetPolicy}': expected earliest, latest or none`, EXIT_USAGE);
  }
  const assignor = flags.assignmentStrategy === undefined ? undefined : ASSIGNORS[flags.assignmentStrategy];
  if (flags.assignmentStrategy !== undefined && assignor === undefined) throw new CliError(`unknown --assignment-strategy '${flags.assignmentStrategy}'`, EXIT_USAGE);
  const autoCommit = flags.enableAutocommit === true;
  const { Consumer } = await import('../client/index.ts');
  const cluster = await clusterFrom(flags);
  const consumer = new Consumer(cluster, {
    groupId: flags.groupId, groupInstanceId: flags.groupInstanceId, sessionTimeoutMs: whole(flags.sessionTimeout, '--session-timeout', 1),
    autoOffsetReset: flags.resetPolicy as 'earliest' | 'latest' | 'none', enableAutoCommit: autoCommit,
    assignors: assignor === undefined ? undefined : [assignor],
  });
  const listed = (parts: { topic: string; partitions: number[] }[]): { topic: string; partition: number }[] =>
    parts.flatMap((p) => p.partitions.map((partition) => ({ topic: p.topic, partition })));
  let stopped = false;
  const release = onStopSignal(() => {
    stopped = true;
  });
  let consumed = 0;
  event('startup_complete');
  try {
    consumer.subscribe([topic], {
      onPartitionsRevoked: (parts) => event('partitions_revoked', { partitions: listed(parts) }),
      onPartitionsAssigned: (parts) => event('partitions_assigned', { partitions: listed(parts) }),
    });
    while (!stopped && (max < 0 || consumed < max)) {
      let records: ConsumerRecord[] = await consumer.poll(1000);
      if (records.length === 0) continue;
      if (max >= 0 && consumed + records.length > max) records = records.slice(0, max - consumed);
      consumed += records.length;
      const byPartition = new Map<string, { topic: string; partition: number; count: number; minOffset: number; maxOffset: number }>();
      for (const r of records) {
        const k = `${r.topic}\0${r.partition}`;
        const s = byPartition.get(k) ?? { topic: r.topic, partition: r.partition, count: 0, minOffset: Number(r.offset), maxOffset: Number(r.offset) };
        s.count++;
        s.minOffset = Math.min(s.minOffset, Number(r.offset));
        s.maxOffset = Math.max(s.maxOffset, Number(r.offset));
        byPartition.set(k, s);
      }
      event('records_consumed', { count: records.length, partitions: [...byPartition.values()] });
      if (!autoCommit) {
        const offsets = [...byPartition.values()].map((s) => ({ topic: s.topic, partition: s.partition, offset: s.maxOffset + 1 }));
        try {
          await consumer.commit(offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: BigInt(o.offset) })));
          event('offsets_committed', { offsets, success: true });
        } catch (e) {
          if (!isClientError(e)) throw e;
          event('offsets_committed', { offsets, success: false, error: e.message });
        }
      }
    }
  } finally {
    release();
    await consumer.close();
    await cluster.close();
  }
  event('shutdown_complete');
}

export function register(program: Command): void {
  withBootstrap(program.command('verifiable-producer').description('produce numbered records and report each ack as JSON (kafka-verifiable-producer)'))
    .option('--topic <name>', 'the topic')
    .option('--max-messages <n>', 'records to send; -1 for no limit', '-1')
    .option('--throughput <n>', 'records/s at most; -1 for no limit', '-1')
    .option('--acks <acks>', 'all/-1, 1 or 0', '-1')
    .option('--value-prefix <prefix>', 'values are <prefix>.<n> instead of <n>')
    .option('--repeating-keys <n>', 'keys cycle through 0..n-1 (default: no keys)')
    .exitOverride()
    .action((flags: ProducerFlags) => runCommand(() => verifiableProducer(flags)));
  withBootstrap(program.command('verifiable-consumer').description('consume in a group and report each step as JSON (kafka-verifiable-consumer)'))
    .option('--topic <name>', 'the topic')
    .option('--group-id <id>', 'the consumer group')
    .option('--group-instance-id <id>', 'static membership')
    .option('--max-messages <n>', 'records to consume; -1 for no limit', '-1')
    .option('--session-timeout <ms>', 'session.timeout.ms', '30000')
    .option('--enable-autocommit', 'commit on a timer instead of after each batch')
    .option('--reset-policy <policy>', 'earliest, latest or none', 'earliest')
    .option('--assignment-strategy <class>', 'RangeAssignor, RoundRobinAssignor or CooperativeStickyAssignor (Kafka\'s class names)')
    .exitOverride()
    .action((flags: ConsumerFlags) => runCommand(() => verifiableConsumer(flags)));
}
