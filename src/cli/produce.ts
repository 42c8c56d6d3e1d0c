/**
 * `samsa produce`: kafka-console-producer.sh. One record per input line from
 * stdin or --file; with parse.key=true the key is the text before the first
 * key.separator (default a tab). A summary (records, bytes, rate) goes to
 * stderr, with a progress line on a TTY.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import type { Acks, CompressionName, ProducerRecord } from '../client/index.ts';
import { CliError, EXIT_USAGE, clusterFrom, isClientError, runCommand, withBootstrap } from './common.ts';

/** Records sent and not yet acknowledged by this command, before it waits for the oldest. */
const OUTSTANDING_SENDS_MAX = 50_000;
const PROGRESS_INTERVAL_MS = 1000;

interface ProduceFlags {
  bootstrapServer: string;
  json?: boolean;
  topic?: string;
  property: string[];
  header: string[];
  compressionType: string;
  acks: string;
  file?: string;
  lingerMs: string;
  batchSize: string;
  partition?: string;
}

function collect(value: string, previous: string[]): string[] {
  return previous.concat([value]);
}

/** k=v pairs (Kafka's --property); later ones win. */
export function parseProperties(items: readonly string[], what = '--property'): Map<string, string> {
  const out = new Map<string, string>();
  for (const item of items) {
    const at = item.indexOf('=');
    if (at <= 0) throw new CliError(`invalid ${what} '${item}': expected key=value`, EXIT_USAGE);
    out.set(item.slice(0, at), item.slice(at + 1));
  }
  return out;
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

function parseCount(text: string, what: string, min = 0): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min) throw new CliError(`invalid ${what} '${text}'`, EXIT_USAGE);
  return n;
}

/** Turns one input line into a record, as kafka-console-producer's LineMessageReader does. */
export function lineToRecord(line: string, topic: string, parseKey: boolean, separator: string, headers: ProducerRecord['headers']): ProducerRecord {
  if (!parseKey) return { topic, key: null, value: line, headers };
  const at = line.indexOf(separator);
  if (at < 0) throw new CliError(`no key separator '${separator}' in line: ${line.slice(0, 80)}`);
  return { topic, key: line.slice(0, at), value: line.slice(at + separator.length), headers };
}

function summary(records: number, bytes: number, elapsedMs: number): string {
  const seconds = Math.max(elapsedMs, 1) / 1000;
  return `${records} ${records === 1 ? 'record' : 'records'}, ${bytes} ${bytes === 1 ? 'byte' : 'bytes'} in ${seconds.toFixed(2)} s (${Math.round(records / seconds)} records/s, ${(bytes / seconds / 1048576).toFixed(2)} MiB/s)`;
}

async function runProduce(flags: ProduceFlags): Promise<void> {
  if (flags.topic === undefined) throw new CliError('produce needs --topic', EXIT_USAGE);
  const topic = flags.topic;
  const props = parseProperties(flags.property);
  const parseKey = props.get('parse.key') === 'true';
  const separator = props.get('key.separator') ?? '\t';
  const headerMap = parseProperties(flags.header, '--header');
  const headers = headerMap.size === 0 ? undefined : Object.fromEntries(headerMap);
  const partition = flags.partition === undefined ? undefined : parseCount(flags.partition, '--partition');
  const { Producer } = await import('../client/index.ts');
  const cluster = await clusterFrom(flags);
  const producer = new Producer(cluster, {
    acks: parseAcks(flags.acks), compression: parseCompression(flags.compressionType),
    lingerMs: parseCount(flags.lingerMs, '--linger-ms'), batchSize: parseCount(flags.batchSize, '--batch-size', 1),
  });
  const input = flags.file === undefined ? process.stdin : createReadStream(flags.file);
  const opened = new Promise<void>((resolve, reject) => {
    if (flags.file === undefined) resolve();
    input.once('open', () => resolve());
    input.once('error', (e: NodeJS.ErrnoException) => reject(new CliError(`cannot read ${flags.file}: ${e.code ?? e.message}`)));
  });
  let records = 0;
  let bytes = 0;
  let firstError: Error | null = null;
  const started = performance.now();
  const tty = process.stderr.isTTY === true;
  const progress = tty ? setInterval(() => process.stderr.write(`\r${summary(records, bytes, performance.now() - started)}`), PROGRESS_INTERVAL_MS) : null;
  try {
    await opened;
    await cluster.topic(topic, true);
    const outstanding: Promise<unknown>[] = [];
    let head = 0;
    for await (const line of createInterface({ input, crlfDelay: Infinity })) {
      if (firstError !== null) break;
      const record = lineToRecord(line, topic, parseKey, separator, headers);
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
    if (progress !== null) clearInterval(progress);
    await cluster.close();
  }
  if (tty) process.stderr.write('\r');
  if (firstError !== null) {
    const e = firstError as Error;
    throw isClientError(e) || e instanceof CliError ? e : new CliError(e.message);
  }
  console.error(`samsa: produced ${summary(records, bytes, performance.now() - started)}`);
}

export function register(program: Command): void {
  withBootstrap(program.command('produce').description('write lines from stdin or a file to a topic, one record per line'))
    .option('--topic <name>', 'the topic')
    .option('--property <key=value>', 'parse.key=true, key.separator=<sep> (repeatable)', collect, [])
    .option('--header <key=value>', 'a header on every record (repeatable)', collect, [])
    .option('--compression-type <codec>', 'none, gzip, snappy, lz4 or zstd', 'none')
    .option('--acks <acks>', 'all, 1 or 0', 'all')
    .option('--file <path>', 'read lines from this file instead of stdin')
    .option('--partition <n>', 'write every record to this partition')
    .option('--linger-ms <ms>', 'linger.ms', '5')
    .option('--batch-size <bytes>', 'batch.size', '65536')
    .exitOverride()
    .action((flags: ProduceFlags) => runCommand(() => runProduce(flags)));
}
