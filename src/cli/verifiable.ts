/**
 * `samsa verifiable-producer` and `samsa verifiable-consumer`: Kafka's
 * kafka-verifiable-producer.sh and kafka-verifiable-consumer.sh, the tools
 * Kafka's own system tests drive. Each prints one JSON object per event on
 * stdout (same names and fields), so a harness written for Kafka's tools
 * reads Samsa's.
 */
import type { Command } from 'commander';
import type { ConsumerRecord } from '../client/index.ts';
import { CliError, EXIT_USAGE, clusterFrom, isClientError, runCommand, withBootstrap } from './common.ts';
import { parseAcks } from './produce.ts';

function event(name: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ timestamp: Date.now(), name, ...fields })}\n`);
}

function whole(text: string | undefined, what: string, min: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new CliError(`invalid ${what} '${text}'`, EXIT_USAGE);
  return n;
}

/** Stops the loop on SIGINT/SIGTERM, as Kafka's tools stop on their shutdown hook. */
function stopSignal(): { readonly stopped: boolean; release(): void } {
  const state = { stopped: false };
  const stop = (): void => {
    state.stopped = true;
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return {
    get stopped() {
      return state.stopped;
    },
    release() {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    },
  };
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
  const max = Number(flags.maxMessages);
  if (!Number.isInteger(max) || max < -1 || max === 0) throw new CliError(`invalid --max-messages '${flags.maxMessages}': a count, or -1 for no limit`, EXIT_USAGE);
  const throughput = Number(flags.throughput);
  if (!Number.isFinite(throughput) || throughput === 0) throw new CliError(`invalid --throughput '${flags.throughput}': records/s, or -1 for no limit`, EXIT_USAGE);
  const repeatingKeys = whole(flags.repeatingKeys, '--repeating-keys', 1);
  const { Producer } = await import('../client/index.ts');
  const cluster = await clusterFrom(flags);
  const producer = new Producer(cluster, { acks: parseAcks(flags.acks) });
  const signal = stopSignal();
  let sent = 0;
  let acked = 0;
  const started = performance.now();
  event('startup_complete');
  try {
    const pending: Promise<void>[] = [];
    for (let i = 0; (max < 0 || i < max) && !signal.stopped; i++) {
      if (throughput > 0) {
        const wait = started + (i / throughput) * 1000 - performance.now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      }
      const value = flags.valuePrefix === undefined ? String(i) : `${flags.valuePrefix}.${i}`;
      const key = repeatingKeys === undefined ? null : String(i % repeatingKeys);
      sent++;
      pending.push(producer.send({ topic, key, value }).then((m) => {
        acked++;
        event('producer_send_success', { key, value, topic, partition: m.partition, offset: Number(m.offset) });
      }, (e: Error) => {
        event('producer_send_error', { exception: e.name, message: e.message, topic, key, value });
      }));
      if (pending.length >= 10_000) await Promise.all(pending.splice(0, 5_000));
    }
    await Promise.all(pending);
    await producer.close();
  } finally {
    signal.release();
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
  const max = Number(flags.maxMessages);
  if (!Number.isInteger(max) || max < -1 || max === 0) throw new CliError(`invalid --max-messages '${flags.maxMessages}': a count, or -1 for no limit`, EXIT_USAGE);
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
  const signal = stopSignal();
  let consumed = 0;
  event('startup_complete');
  try {
    consumer.subscribe([topic], {
      onPartitionsRevoked: (parts) => event('partitions_revoked', { partitions: listed(parts) }),
      onPartitionsAssigned: (parts) => event('partitions_assigned', { partitions: listed(parts) }),
    });
    while (!signal.stopped && (max < 0 || consumed < max)) {
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
    signal.release();
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
