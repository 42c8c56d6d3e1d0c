/**
 * `samsa consume`: kafka-console-consumer.sh. Assigns every partition of the
 * topic (or one with --partition), from the end by default, from the start
 * with --from-beginning, or from --offset; with --group it joins the group
 * instead, starts at the group's committed offsets and commits as it goes. Prints one line per
 * record in Kafka's DefaultMessageFormatter layout:
 * [CreateTime:ts\t][Partition:p\t][Offset:o\t][h1:v1,h2:v2\t][key\t]value.
 * Stops after --max-messages, after --timeout-ms without a record, or on SIGINT,
 * and reports "Processed a total of N messages" on stderr.
 */
import type { Command } from 'commander';
import type { ConsumerRecord, OffsetSpec } from '../client/index.ts';
import { CliError, EXIT_USAGE, clusterFrom, collect, onStopSignal, runCommand, wholeNumber, withBootstrap } from './common.ts';
import { checkProperties, parseProperties, type PropertyKind } from './properties.ts';
import { io } from './io.ts';

const POLL_TIMEOUT_MS = 500;

/** kafka-console-consumer's DefaultMessageFormatter properties. */
const FORMATTER_PROPERTIES: Record<string, PropertyKind> = {
  'print.timestamp': 'boolean', 'print.key': 'boolean', 'print.offset': 'boolean', 'print.partition': 'boolean',
  'print.headers': 'boolean', 'print.value': 'boolean', 'key.separator': 'string', 'line.separator': 'string',
  'headers.separator': 'string', 'null.literal': 'string',
  'key.deserializer': 'unsupported', 'value.deserializer': 'unsupported', 'headers.deserializer': 'unsupported',
};
/** The formatter kafka-console-consumer uses unless told otherwise, by its old and new class names. */
const DEFAULT_FORMATTERS = new Set(['kafka.tools.DefaultMessageFormatter', 'org.apache.kafka.tools.consumer.DefaultMessageFormatter']);
/** Consumer configs --consumer-property may set (Kafka's names). */
const CONSUMER_PROPERTIES: Record<string, PropertyKind> = {
  'group.id': 'string', 'auto.offset.reset': 'string', 'isolation.level': 'string', 'client.id': 'string',
  'enable.auto.commit': 'unsupported', 'group.instance.id': 'unsupported', 'group.protocol': 'unsupported',
};

interface ConsumeFlags {
  bootstrapServer: string;
  commandConfig?: string;
  json?: boolean;
  formatter?: string;
  consumerProperty: string[];
  topic?: string;
  fromBeginning?: boolean;
  partition?: string;
  offset?: string;
  maxMessages?: string;
  timeoutMs?: string;
  property: string[];
  isolationLevel: string;
  group?: string;
}

export interface PrintOptions {
  value: boolean;
  key: boolean;
  offset: boolean;
  partition: boolean;
  timestamp: boolean;
  headers: boolean;
  keySeparator: string;
  lineSeparator: string;
  headersSeparator: string;
  nullLiteral: string;
}

export function printOptions(props: Map<string, string>): PrintOptions {
  const on = (k: string): boolean => props.get(k) === 'true';
  return {
    value: props.get('print.value') !== 'false',
    key: on('print.key'), offset: on('print.offset'), partition: on('print.partition'), timestamp: on('print.timestamp'),
    headers: on('print.headers'), keySeparator: props.get('key.separator') ?? '\t', lineSeparator: props.get('line.separator') ?? '\n',
    headersSeparator: props.get('headers.separator') ?? ',', nullLiteral: props.get('null.literal') ?? 'null',
  };
}

function text(b: Buffer | null, o: PrintOptions): string {
  return b === null ? o.nullLiteral : b.toString('utf8');
}

/** One record as DefaultMessageFormatter prints it. */
export function formatRecord(r: ConsumerRecord, o: PrintOptions): string {
  const fields: string[] = [];
  if (o.timestamp) fields.push(`CreateTime:${r.timestamp}`);
  if (o.partition) fields.push(`Partition:${r.partition}`);
  if (o.offset) fields.push(`Offset:${r.offset}`);
  if (o.headers) fields.push(r.headers.length === 0 ? 'NO_HEADERS' : r.headers.map((h) => `${h.key}:${text(h.value, o)}`).join(o.headersSeparator));
  if (o.key) fields.push(text(r.key, o));
  if (o.value) fields.push(text(r.value, o));
  // The metadata fields are tab-separated; key.separator goes between the key and the value.
  let line = '';
  const metadata = fields.length - (o.key ? 1 : 0) - (o.value ? 1 : 0);
  for (let i = 0; i < fields.length; i++) {
    line += fields[i];
    if (i === fields.length - 1) break;
    line += o.key && i === metadata ? o.keySeparator : '\t';
  }
  return line + o.lineSeparator;
}

/** One record as a JSON line (--json), bytes as UTF-8 text. */
export function formatJson(r: ConsumerRecord): string {
  return `${JSON.stringify({
    topic: r.topic, partition: r.partition, offset: r.offset.toString(), timestamp: r.timestamp.toString(),
    key: r.key === null ? null : r.key.toString('utf8'), value: r.value === null ? null : r.value.toString('utf8'),
    headers: r.headers.map((h) => ({ key: h.key, value: h.value === null ? null : h.value.toString('utf8') })),
  })}\n`;
}

function parseOffset(textValue: string): OffsetSpec {
  if (textValue === 'earliest' || textValue === 'latest') return textValue;
  if (!/^\d+$/.test(textValue)) throw new CliError(`invalid --offset '${textValue}': expected a number, earliest or latest`, EXIT_USAGE);
  return BigInt(textValue);
}

function parseCount(textValue: string | undefined, what: string): number | null {
  return textValue === undefined ? null : wholeNumber(textValue, what, 1);
}

function writeOut(chunk: string): Promise<void> {
  return new Promise((resolve) => {
    if (io().stdout.write(chunk)) resolve();
    else io().stdout.once('drain', resolve);
  });
}

async function runConsume(flags: ConsumeFlags): Promise<void> {
  if (flags.topic === undefined) throw new CliError('consume needs --topic', EXIT_USAGE);
  if (flags.formatter !== undefined && !DEFAULT_FORMATTERS.has(flags.formatter)) {
    throw new CliError(`--formatter ${flags.formatter} is not supported: samsa prints as DefaultMessageFormatter does (or JSON with --json)`, EXIT_USAGE);
  }
  const consumerProps = parseProperties(flags.consumerProperty, '--consumer-property');
  checkProperties(consumerProps, CONSUMER_PROPERTIES, '--consumer-property');
  // The consumer configs, where given, stand for the options of the same meaning, as in kafka-console-consumer.
  flags.group = consumerProps.get('group.id') ?? flags.group;
  flags.isolationLevel = consumerProps.get('isolation.level') ?? flags.isolationLevel;
  const reset = consumerProps.get('auto.offset.reset');
  if (reset !== undefined && reset !== 'earliest' && reset !== 'latest') {
    throw new CliError(`invalid --consumer-property auto.offset.reset '${reset}': expected earliest or latest`, EXIT_USAGE);
  }
  if (reset === 'earliest') flags.fromBeginning = true;
  if (flags.offset !== undefined && flags.partition === undefined) throw new CliError('--offset needs --partition', EXIT_USAGE);
  if (flags.offset !== undefined && flags.fromBeginning === true) throw new CliError('--offset and --from-beginning cannot be used together', EXIT_USAGE);
  if (flags.isolationLevel !== 'read_uncommitted' && flags.isolationLevel !== 'read_committed') {
    throw new CliError(`invalid --isolation-level '${flags.isolationLevel}': expected read_uncommitted or read_committed`, EXIT_USAGE);
  }
  const topic = flags.topic;
  const props = parseProperties(flags.property);
  checkProperties(props, FORMATTER_PROPERTIES);
  const print = printOptions(props);
  const format = flags.json === true ? formatJson : (r: ConsumerRecord): string => formatRecord(r, print);
  const maxMessages = parseCount(flags.maxMessages, '--max-messages');
  const timeoutMs = parseCount(flags.timeoutMs, '--timeout-ms');
  const start: OffsetSpec = flags.offset !== undefined ? parseOffset(flags.offset) : flags.fromBeginning === true ? 'earliest' : 'latest';
  if (flags.partition !== undefined && !/^\d+$/.test(flags.partition)) throw new CliError(`invalid --partition '${flags.partition}'`, EXIT_USAGE);
  const onlyPartition = flags.partition === undefined ? null : Number(flags.partition);
  if (flags.group !== undefined && (flags.partition !== undefined || flags.offset !== undefined)) {
    throw new CliError('--group cannot be used with --partition or --offset', EXIT_USAGE);
  }
  const { Consumer } = await import('../client/index.ts');
  const cluster = await clusterFrom(flags, consumerProps.get('client.id'));
  const consumer = new Consumer(cluster, {
    autoOffsetReset: flags.fromBeginning === true ? 'earliest' : 'latest', isolationLevel: flags.isolationLevel as 'read_uncommitted' | 'read_committed',
    groupId: flags.group, autoCommitIntervalMs: 1000,
    onTransientError: transientWarnings(),
  });
  let stopped = false;
  const release = onStopSignal(() => {
    stopped = true;
  });
  let count = 0;
  try {
    const info = await cluster.topic(topic);
    if (onlyPartition !== null && info.partitions[onlyPartition] === undefined) throw new CliError(`topic '${topic}' has no partition ${onlyPartition}`);
    const partitions = onlyPartition === null ? info.partitions.map((p) => p.partition) : [onlyPartition];
    if (flags.group === undefined) consumer.assign(partitions.map((partition) => ({ topic, partition, offset: start })));
    else consumer.subscribe([topic]);
    let lastRecordMs = performance.now();
    while (!stopped && (maxMessages === null || count < maxMessages)) {
      const records = await consumer.poll(timeoutMs === null ? POLL_TIMEOUT_MS : Math.min(POLL_TIMEOUT_MS, timeoutMs));
      if (records.length === 0) {
        if (timeoutMs !== null && performance.now() - lastRecordMs >= timeoutMs) break;
        continue;
      }
      lastRecordMs = performance.now();
      const take = maxMessages === null ? records.length : Math.min(records.length, maxMessages - count);
      let out = '';
      for (let i = 0; i < take; i++) out += format(records[i]!);
      count += take;
      // Records polled but not printed are not consumed: rewind so a group commits only what was printed.
      for (let i = records.length - 1; i >= take; i--) consumer.seek(records[i]!.topic, records[i]!.partition, records[i]!.offset);
      await writeOut(out);
    }
  } finally {
    release();
    await consumer.close();
    await cluster.close();
  }
  io().err(`Processed a total of ${count} messages`);
}

/** How often the same kind of recovered error is reported while it lasts. */
const WARNING_INTERVAL_MS = 5000;

/**
 * A warning on stderr when the consumer loses its broker (as
 * kafka-console-consumer warns and carries on), not one per retry.
 */
function transientWarnings(): (error: Error) => void {
  let lastMessage = '';
  let lastAtMs = -Infinity;
  return (error) => {
    const now = performance.now();
    if (error.message === lastMessage && now - lastAtMs < WARNING_INTERVAL_MS) return;
    lastMessage = error.message;
    lastAtMs = now;
    io().err(`samsa: ${error.message}; retrying`);
  };
}

export function register(program: Command): void {
  withBootstrap(program.command('consume').description('print a topic\'s records, one per line'))
    .option('--topic <name>', 'the topic')
    .option('--from-beginning', 'start at the earliest offset instead of the end')
    .option('--partition <n>', 'read only this partition')
    .option('--offset <n|earliest|latest>', 'start offset (needs --partition)')
    .option('--max-messages <n>', 'exit after this many records')
    .option('--timeout-ms <ms>', 'exit after this long without a record')
    .option('--property <key=value>', 'print.key, print.offset, print.partition, print.timestamp, print.headers=true; key.separator (repeatable)', collect, [])
    .option('--group <id>', 'consume as a member of this consumer group, committing offsets')
    .option('--consumer-property <key=value>', 'a consumer config: group.id, auto.offset.reset, isolation.level, client.id (repeatable)', collect, [])
    .option('--formatter <class>', 'DefaultMessageFormatter (the only one; --json prints JSON lines)')
    .option('--isolation-level <level>', 'read_uncommitted or read_committed', 'read_uncommitted')
    .exitOverride()
    .action((flags: ConsumeFlags) => runCommand(() => runConsume(flags)));
}
