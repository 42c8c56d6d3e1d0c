/**
 * `samsa perf produce` and `samsa perf consume`: kafka-producer-perf-test.sh
 * and kafka-consumer-perf-test.sh with their flags and their output lines,
 * driven by Samsa's own client (so they measure client and broker together,
 * as Kafka's do).
 */
import type { Command } from 'commander';
import type { ProducerOptions } from '../client/index.ts';
import { CliError, EXIT_USAGE, clusterFrom, collect, runCommand, wholeNumber, withBootstrap } from './common.ts';
import { parseThroughput, sendPaced } from './paced-sends.ts';
import { checkProperties, parseProperties, type PropertyKind } from './properties.ts';
import { io } from './io.ts';

/** How often a progress line is printed, as Kafka's tools do (5 s). */
const REPORT_INTERVAL_MS = 5000;
const PRODUCER_PROPS: Record<string, PropertyKind> = {
  acks: 'string', 'linger.ms': 'string', 'batch.size': 'string', 'compression.type': 'string', 'enable.idempotence': 'boolean',
  'max.in.flight.requests.per.connection': 'string', 'buffer.memory': 'string', 'client.id': 'string', 'bootstrap.servers': 'string',
};

interface PerfProduceFlags {
  bootstrapServer: string;
  commandConfig?: string;
  topic?: string;
  numRecords?: string;
  recordSize?: string;
  throughput: string;
  producerProps: string[];
}

function count(text: string | undefined, what: string): number {
  if (text === undefined) throw new CliError(`perf needs ${what}`, EXIT_USAGE);
  return wholeNumber(text, what, 1);
}

/** Latency percentiles as Kafka's tool reports them, from every record's send-to-ack time. */
function percentile(sorted: Float64Array, p: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

function producerOptionsOf(props: Map<string, string>): ProducerOptions & { clientId?: string } {
  const number = (k: string): number | undefined => (props.has(k) ? Number(props.get(k)) : undefined);
  const acks = props.get('acks');
  return {
    acks: acks === undefined ? -1 : acks === 'all' ? -1 : (Number(acks) as 0 | 1 | -1),
    lingerMs: number('linger.ms'), batchSize: number('batch.size'),
    compression: props.get('compression.type') as ProducerOptions['compression'],
    enableIdempotence: props.has('enable.idempotence') ? props.get('enable.idempotence') === 'true' : undefined,
    maxInFlight: number('max.in.flight.requests.per.connection'), bufferMemory: number('buffer.memory'),
  };
}

async function perfProduce(flags: PerfProduceFlags): Promise<void> {
  if (flags.topic === undefined) throw new CliError('perf produce needs --topic', EXIT_USAGE);
  const total = count(flags.numRecords, '--num-records');
  const size = count(flags.recordSize, '--record-size');
  const throughput = parseThroughput(flags.throughput);
  const props = parseProperties(flags.producerProps, '--producer-props');
  checkProperties(props, PRODUCER_PROPS, '--producer-props');
  if (props.has('bootstrap.servers')) flags.bootstrapServer = props.get('bootstrap.servers')!;
  const { Producer } = await import('../client/index.ts');
  const cluster = await clusterFrom(flags, props.get('client.id'));
  const producer = new Producer(cluster, producerOptionsOf(props));
  const value = Buffer.alloc(size, 0x61);
  const latencies = new Float64Array(total);
  let acked = 0;
  let failed: Error | null = null;
  const started = performance.now();
  let window = { at: started, records: 0, latencySum: 0, latencyMax: 0 };
  const report = (): void => {
    const now = performance.now();
    const seconds = (now - window.at) / 1000;
    io().out(`${window.records} records sent, ${(window.records / seconds).toFixed(1)} records/sec (${(window.records * size / seconds / 1048576).toFixed(2)} MB/sec), `
      + `${(window.latencySum / Math.max(1, window.records)).toFixed(1)} ms avg latency, ${window.latencyMax.toFixed(1)} ms max latency.`);
    window = { at: now, records: 0, latencySum: 0, latencyMax: 0 };
  };
  const timer = setInterval(report, REPORT_INTERVAL_MS);
  try {
    await cluster.topic(flags.topic);
    // Kafka's tool bounds what is outstanding with buffer.memory; this bounds it by count.
    await sendPaced(throughput, (i) => i < total && failed === null, async () => {
      const sentAt = performance.now();
      try {
        await producer.send({ topic: flags.topic!, value });
      } catch (e) {
        failed ??= e as Error;
        return;
      }
      const latency = performance.now() - sentAt;
      latencies[acked++] = latency;
      window.records++;
      window.latencySum += latency;
      if (latency > window.latencyMax) window.latencyMax = latency;
    }, 100_000);
    await producer.close();
  } finally {
    clearInterval(timer);
    await cluster.close();
  }
  if (failed !== null) throw failed;
  const seconds = (performance.now() - started) / 1000;
  const sorted = latencies.subarray(0, acked).sort();
  const sum = sorted.reduce((a, b) => a + b, 0);
  io().out(`${acked} records sent, ${(acked / seconds).toFixed(6)} records/sec (${(acked * size / seconds / 1048576).toFixed(2)} MB/sec), `
    + `${(sum / Math.max(1, acked)).toFixed(2)} ms avg latency, ${(sorted[acked - 1] ?? 0).toFixed(2)} ms max latency, `
    + `${Math.round(percentile(sorted, 0.5))} ms 50th, ${Math.round(percentile(sorted, 0.95))} ms 95th, ${Math.round(percentile(sorted, 0.99))} ms 99th, ${Math.round(percentile(sorted, 0.999))} ms 99.9th.`);
}

interface PerfConsumeFlags {
  bootstrapServer: string;
  commandConfig?: string;
  topic?: string;
  messages?: string;
  group?: string;
  timeout: string;
  fromLatest?: boolean;
  hideHeader?: boolean;
}

function stamp(ms: number): string {
  // Kafka's tool prints yyyy-MM-dd HH:mm:ss:SSS.
  const d = new Date(ms);
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}:${pad(d.getMilliseconds(), 3)}`;
}

async function perfConsume(flags: PerfConsumeFlags): Promise<void> {
  if (flags.topic === undefined) throw new CliError('perf consume needs --topic', EXIT_USAGE);
  const total = count(flags.messages, '--messages');
  const timeoutMs = count(flags.timeout, '--timeout');
  const { Consumer } = await import('../client/index.ts');
  const cluster = await clusterFrom(flags);
  const consumer = new Consumer(cluster, {
    groupId: flags.group ?? `perf-consumer-${Math.floor(Math.random() * 100_000)}`,
    autoOffsetReset: flags.fromLatest === true ? 'latest' : 'earliest', enableAutoCommit: false,
  });
  let records = 0;
  let bytes = 0;
  const startMs = Date.now();
  const t0 = performance.now();
  let firstAt: number | null = null;
  let lastAt = t0;
  try {
    consumer.subscribe([flags.topic]);
    while (records < total) {
      const polled = await consumer.poll(Math.min(1000, timeoutMs));
      const now = performance.now();
      if (polled.length === 0) {
        if (now - lastAt >= timeoutMs) break;
        continue;
      }
      firstAt ??= now;
      lastAt = now;
      for (const r of polled) {
        records++;
        bytes += (r.value?.length ?? 0) + (r.key?.length ?? 0);
      }
    }
  } finally {
    await consumer.close();
    await cluster.close();
  }
  const endMs = Date.now();
  const seconds = (endMs - startMs) / 1000;
  const fetchSeconds = firstAt === null ? 0 : (lastAt - firstAt) / 1000;
  // Until the first record: joining the group and the first assignment, as Kafka's rebalance.time.ms.
  const rebalanceMs = Math.round((firstAt ?? performance.now()) - t0);
  const mb = bytes / 1048576;
  if (flags.hideHeader !== true) io().out('start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec');
  io().out([stamp(startMs), stamp(endMs), mb.toFixed(4), (mb / seconds).toFixed(4), records, (records / seconds).toFixed(4),
    rebalanceMs, Math.round(fetchSeconds * 1000), fetchSeconds > 0 ? (mb / fetchSeconds).toFixed(4) : '0.0000',
    fetchSeconds > 0 ? (records / fetchSeconds).toFixed(4) : '0.0000'].join(', '));
  if (records < total) throw new CliError(`consumed ${records} of ${total} messages before --timeout ${timeoutMs} ms without new ones`);
}

export function register(program: Command): void {
  const perf = program.command('perf').description('kafka-producer-perf-test and kafka-consumer-perf-test');
  withBootstrap(perf.command('produce').description('send records as fast as allowed and report throughput and latency'))
    .option('--topic <name>', 'the topic')
    .option('--num-records <n>', 'how many records')
    .option('--record-size <bytes>', 'bytes per record')
    .option('--throughput <n>', 'records/s at most; -1 for no limit', '-1')
    .option('--producer-props <key=value...>', 'producer configs: acks, linger.ms, batch.size, compression.type, ...', collect, [])
    .exitOverride()
    .action((flags: PerfProduceFlags) => runCommand(() => perfProduce(flags)));
  withBootstrap(perf.command('consume').description('read records as fast as possible and report throughput'))
    .option('--topic <name>', 'the topic')
    .option('--messages <n>', 'how many records to read')
    .option('--group <id>', 'consumer group (default: a fresh one)')
    .option('--timeout <ms>', 'give up after this long without a record', '10000')
    .option('--from-latest', 'start at the end instead of the beginning')
    .option('--hide-header', 'no header line')
    .exitOverride()
    .action((flags: PerfConsumeFlags) => runCommand(() => perfConsume(flags)));
}
