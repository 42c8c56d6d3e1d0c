/**
 * `samsa produce`: kafka-console-producer.sh. One record per input line from
 * stdin or --file; with parse.key=true the key is the text before the first
 * key.separator (default a tab). A summary (records, bytes, rate) goes to
 * stderr, with a progress line on a TTY.
 */
import { createReadStream } from 'node:fs';
import { createInterface, type Interface } from 'node:readline';
import type { Command } from 'commander';
import type { Acks, CompressionName, ProducerRecord } from '../client/index.ts';
import { CliError, EXIT_USAGE, clusterFrom, collect, isClientError, onStopSignal, runCommand, wholeNumber, withBootstrap } from './common.ts';
import { checkProperties, parseProperties, type PropertyKind } from './properties.ts';
import { io, type TextIn } from './io.ts';

/** Records sent and not yet acknowledged by this command, before it waits for the oldest. */
const OUTSTANDING_SENDS_MAX = 50_000;
const PROGRESS_INTERVAL_MS = 1000;

/** kafka-console-producer's LineMessageReader properties. */
const READER_PROPERTIES: Record<string, PropertyKind> = {
  'parse.key': 'boolean', 'key.separator': 'string', 'ignore.error': 'boolean', 'parse.headers': 'boolean',
  'headers.delimiter': 'string', 'headers.separator': 'string', 'headers.key.separator': 'string', 'null.marker': 'string',
};
/** Producer configs --producer-property may set (Kafka's names), each also an option of this command. */
const PRODUCER_PROPERTIES: Record<string, PropertyKind> = {
  acks: 'string', 'compression.type': 'string', 'linger.ms': 'string', 'batch.size': 'string',
  'enable.idempotence': 'unsupported', 'transactional.id': 'unsupported', 'max.request.size': 'unsupported',
};

interface ProduceFlags {
  bootstrapServer: string;
  commandConfig?: string;
  brokerList?: string;
  json?: boolean;
  topic?: string;
  property: string[];
  producerProperty: string[];
  header: string[];
  compressionType: string;
  compressionCodec?: string | true;
  acks: string;
  requestRequiredAcks?: string;
  file?: string;
  lingerMs: string;
  batchSize: string;
  partition?: string;
}

export function parseAcks(text: string): Acks {
  if (text === 'all' || text === '-1') return -1;
  if (text === '1') return 1;
  if (text === '0') return 0;
  throw new CliError(`invalid --acks '${text}': expected all, 1 or 0`, EXIT_USAGE);
}

function parseCompression(text: string): CompressionName {
  if (['none', 'gzip', 'snappy', 'lz4', 'zstd'].includes(text)) return text as CompressionName;
  throw new CliError(`invalid --compression-type '${text}': expected none, gzip, snappy, lz4 or zstd`, EXIT_USAGE);
}

/** How LineMessageReader splits a line (its --property settings, Kafka's defaults). */
export interface LineFormat {
  parseKey: boolean;
  keySeparator: string;
  parseHeaders: boolean;
  headersDelimiter: string;
  headersSeparator: string;
  headersKeySeparator: string;
  /** A key, value or header value equal to this is null. */
  nullMarker: string | null;
  /** A line without the key separator is all value instead of an error. */
  ignoreError: boolean;
}

export function lineFormatOf(props: ReadonlyMap<string, string>): LineFormat {
  return {
    parseKey: props.get('parse.key') === 'true', keySeparator: props.get('key.separator') ?? '\t',
    parseHeaders: props.get('parse.headers') === 'true', headersDelimiter: props.get('headers.delimiter') ?? '\t',
    headersSeparator: props.get('headers.separator') ?? ',', headersKeySeparator: props.get('headers.key.separator') ?? ':',
    nullMarker: props.get('null.marker') ?? null, ignoreError: props.get('ignore.error') === 'true',
  };
}

/** Turns one input line into a record, as kafka-console-producer's LineMessageReader does: [headers<delimiter>][key<separator>]value. */
export function lineToRecord(line: string, topic: string, format: LineFormat, extraHeaders: ProducerRecord['headers']): ProducerRecord {
  const orNull = (text: string): string | null => (format.nullMarker !== null && text === format.nullMarker ? null : text);
  let rest = line;
  let headers: { key: string; value: string | null }[] | undefined;
  if (format.parseHeaders) {
    const at = rest.indexOf(format.headersDelimiter);
    if (at < 0) throw new CliError(`no headers delimiter '${format.headersDelimiter}' in line: ${line.slice(0, 80)}`);
    const text = rest.slice(0, at);
    rest = rest.slice(at + format.headersDelimiter.length);
    headers = text === '' ? [] : text.split(format.headersSeparator).map((h) => {
      const kv = h.indexOf(format.headersKeySeparator);
      if (kv < 0) throw new CliError(`no header key separator '${format.headersKeySeparator}' in header '${h}'`);
      return { key: h.slice(0, kv), value: orNull(h.slice(kv + format.headersKeySeparator.length)) };
    });
  }
  const withExtra = headers === undefined ? extraHeaders : [...headers, ...Object.entries(extraHeaders ?? {}).map(([key, value]) => ({ key, value: value as string | null }))];
  if (!format.parseKey) return { topic, key: null, value: orNull(rest), headers: withExtra };
  const at = rest.indexOf(format.keySeparator);
  if (at < 0) {
    if (format.ignoreError) return { topic, key: null, value: orNull(rest), headers: withExtra };
    throw new CliError(`no key separator '${format.keySeparator}' in line: ${line.slice(0, 80)}`);
  }
  return { topic, key: orNull(rest.slice(0, at)), value: orNull(rest.slice(at + format.keySeparator.length)), headers: withExtra };
}

function summary(records: number, bytes: number, elapsedMs: number): string {
  const seconds = Math.max(elapsedMs, 1) / 1000;
  return `${records} ${records === 1 ? 'record' : 'records'}, ${bytes} ${bytes === 1 ? 'byte' : 'bytes'} in ${seconds.toFixed(2)} s (${Math.round(records / seconds)} records/s, ${(bytes / seconds / 1048576).toFixed(2)} MiB/s)`;
}

async function runProduce(flags: ProduceFlags): Promise<void> {
  if (flags.topic === undefined) throw new CliError('produce needs --topic', EXIT_USAGE);
  if (flags.brokerList !== undefined) {
    io().err('samsa: --broker-list is deprecated; use --bootstrap-server');
    flags.bootstrapServer = flags.brokerList;
  }
  const topic = flags.topic;
  const props = parseProperties(flags.property);
  checkProperties(props, READER_PROPERTIES);
  const producerProps = parseProperties(flags.producerProperty, '--producer-property');
  checkProperties(producerProps, PRODUCER_PROPERTIES, '--producer-property');
  // Kafka's spellings of the same settings: later, more specific ones win, as in kafka-console-producer.
  const acks = producerProps.get('acks') ?? flags.requestRequiredAcks ?? flags.acks;
  const compression = producerProps.get('compression.type')
    ?? (flags.compressionCodec === true ? 'gzip' : flags.compressionCodec) ?? flags.compressionType;
  const lingerMs = producerProps.get('linger.ms') ?? flags.lingerMs;
  const batchSize = producerProps.get('batch.size') ?? flags.batchSize;
  const format = lineFormatOf(props);
  const headerMap = parseProperties(flags.header, '--header');
  const headers = headerMap.size === 0 ? undefined : Object.fromEntries(headerMap);
  const partition = flags.partition === undefined ? undefined : wholeNumber(flags.partition, '--partition');
  const { Producer } = await import('../client/index.ts');
  const cluster = await clusterFrom(flags);
  const producer = new Producer(cluster, {
    acks: parseAcks(acks), compression: parseCompression(compression),
    lingerMs: wholeNumber(lingerMs, '--linger-ms'), batchSize: wholeNumber(batchSize, '--batch-size', 1),
  });
  const input: TextIn = flags.file === undefined ? io().stdin : createReadStream(flags.file);
  const opened = new Promise<void>((resolve, reject) => {
    if (flags.file === undefined) resolve();
    input.once('open', () => resolve());
    input.once('error', (e: NodeJS.ErrnoException) => reject(new CliError(`cannot read ${flags.file}: ${e.code ?? e.message}`)));
  });
  let records = 0;
  let bytes = 0;
  let firstError: Error | null = null;
  const started = performance.now();
  // Typing at a terminal: kafka-console-producer's '>' prompt, and no status line drawn over what is typed.
  const interactive = flags.file === undefined && io().stdin.isTTY === true;
  const tty = !interactive && io().stderr.isTTY === true;
  const progress = tty ? setInterval(() => io().stderr.write(`\r${summary(records, bytes, performance.now() - started)}`), PROGRESS_INTERVAL_MS) : null;
  // Made only when the loop starts reading: lines read before that would be lost.
  let lines: Interface | null = null;
  let interrupted = false;
  // Ctrl-C ends the input: what was typed is sent, and the summary printed, before the command exits.
  const release = onStopSignal(() => {
    interrupted = true;
    lines?.close();
  });
  const prompt = (): void => {
    if (interactive) io().stdout.write('>');
  };
  try {
    await opened;
    await cluster.topic(topic, true);
    const outstanding: Promise<unknown>[] = [];
    let head = 0;
    prompt();
    lines = createInterface({ input, crlfDelay: Infinity });
    if (interrupted) lines.close();
    for await (const line of lines) {
      if (firstError !== null) break;
      prompt();
      const record = lineToRecord(line, topic, format, headers);
      if (partition !== undefined) record.partition = partition;
      outstanding.push(producer.send(record).catch((e: Error) => { firstError ??= e; }));
      records++;
      bytes += Buffer.byteLength(line);
      if (outstanding.length - head >= OUTSTANDING_SENDS_MAX) await outstanding[head++];
      if (head >= OUTSTANDING_SENDS_MAX) {
        outstanding.splice(0, head);
        head = 0;
      }
    }
    await producer.close();
    await Promise.all(outstanding);
  } finally {
    release();
    if (progress !== null) clearInterval(progress);
    await cluster.close();
  }
  if (tty) io().stderr.write('\r');
  if (interactive) io().stdout.write('\n');
  if (firstError !== null) {
    const e = firstError as Error;
    throw isClientError(e) || e instanceof CliError ? e : new CliError(e.message);
  }
  io().err(`samsa: produced ${summary(records, bytes, performance.now() - started)}`);
}

export function register(program: Command): void {
  withBootstrap(program.command('produce').description('write lines from stdin or a file to a topic, one record per line'))
    .option('--topic <name>', 'the topic')
    .option('--property <key=value>', 'parse.key, key.separator, parse.headers, headers.delimiter, headers.separator, headers.key.separator, null.marker, ignore.error (repeatable)', collect, [])
    .option('--producer-property <key=value>', 'a producer config: acks, compression.type, linger.ms, batch.size (repeatable)', collect, [])
    .option('--header <key=value>', 'a header on every record (repeatable)', collect, [])
    .option('--compression-type <codec>', 'none, gzip, snappy, lz4 or zstd', 'none')
    .option('--compression-codec [codec]', 'kafka-console-producer\'s spelling of --compression-type (gzip when given alone)')
    .option('--acks <acks>', 'all, 1 or 0', 'all')
    .option('--request-required-acks <acks>', 'kafka-console-producer\'s spelling of --acks')
    .option('--broker-list <host:port>', 'deprecated spelling of --bootstrap-server')
    .option('--file <path>', 'read lines from this file instead of stdin')
    .option('--partition <n>', 'write every record to this partition')
    .option('--linger-ms <ms>', 'linger.ms', '5')
    .option('--batch-size <bytes>', 'batch.size', '65536')
    .exitOverride()
    .action((flags: ProduceFlags) => runCommand(() => runProduce(flags)));
}
