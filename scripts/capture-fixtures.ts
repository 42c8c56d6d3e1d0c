/**
 * Captures request frames from real Kafka clients and keeps them as test
 * fixtures: `node scripts/capture-fixtures.ts`.
 *
 * A throwaway fake broker (scripts/capture-broker.ts) listens on 127.0.0.1,
 * port 0; KafkaJS, @platformatic/kafka (in this process), kcat and Python
 * confluent-kafka (child processes) produce a few small records to it. Every
 * distinct request frame is written, without its 4-byte size prefix, to
 * test/fixtures/captured/<client>-<api>-v<version>[-<codec>].bin, and
 * index.json records what each client was told to send, so that
 * test/protocol/captured-requests.test.ts can check our codecs against it.
 *
 * Re-running rewrites the fixtures; correlation ids, client-stamped
 * timestamps and compressed bytes may differ from run to run. Set
 * CAPTURE_DEBUG=1 to list every frame received.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Producer as PlatformaticProducer, stringSerializers } from '@platformatic/kafka';
import { CompressionTypes, Kafka, logLevel } from 'kafkajs';
import { Reader, SERVABLE_APIS, messages, readRequestHeader, requestCodec } from '../src/protocol/index.ts';
import { CaptureBroker, type ReceivedFrame } from './capture-broker.ts';
import type { CapturedFixture, CapturedIndex, CapturedProduce, CapturedRecord } from './capture-index.ts';

const root = resolve(import.meta.dirname, '..');
const outDir = join(root, 'test', 'fixtures', 'captured');
const RUN_TIMEOUT_MS = 20_000;
const PYTHON = '/usr/bin/python3';
const CODEC_IDS: Record<string, number> = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 };
const BASE_TIMESTAMP = 1_700_000_000_000;

/** One client run: which client, what it was configured to send, and how to run it. */
interface Run {
  label: string;
  client: string;
  clientVersion: string;
  clientId: string;
  clientSoftware?: { name: string; version: string };
  /** Each Produce this run is expected to make, one per codec. */
  sends: CapturedProduce[];
  execute: (port: number) => Promise<void>;
}

/** A compressible value: librdkafka sends a batch uncompressed when compression would not shrink it. */
function value(client: string, codec: string, i: number): string {
  return `${client} ${codec} record ${i} ` + 'the quick brown fox '.repeat(4);
}

function records(client: string, codec: string, stamped: boolean): CapturedRecord[] {
  const ts = (i: number): string | null => (stamped ? String(BASE_TIMESTAMP + CODEC_IDS[codec]! * 1000 + i) : null);
  return [
    { key: `key-${codec}-1`, value: value(client, codec, 1), headers: [['h1', 'one']], timestamp: ts(1) },
    { key: null, value: value(client, codec, 2), headers: [], timestamp: ts(2) },
    {
      key: `key-${codec}-3`,
      value: value(client, codec, 3),
      headers: [['h1', 'three'], ['h2', 'tres']],
      timestamp: ts(3),
    },
  ];
}

function produce(
  topic: string,
  codec: string,
  acks: number,
  idempotent: boolean,
  recs: CapturedRecord[],
): CapturedProduce {
  return { topic, partition: 0, acks, codec, idempotent, wallClock: { from: '0', to: '0' }, records: recs };
}

/** Rejects after `ms`, running `onTimeout` first (kill a child, stop a client). */
async function bounded<T>(what: string, ms: number, work: Promise<T>, onTimeout: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new Error(`${what} did not finish within ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs a child process with stdin text; kills it (by its own pid) if it outlives the bound. */
async function runChild(what: string, command: string, args: string[], stdin: string): Promise<void> {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolveExit, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => resolveExit(code));
  });
  child.stdin.end(stdin);
  const code = await bounded(what, RUN_TIMEOUT_MS, exited, () => child.kill('SIGKILL'));
  if (code !== 0) throw new Error(`${what} exited with ${code}:\n${output}`);
}

function packageVersion(name: string): string {
  const pkg = JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

async function commandOutput(command: string, args: string[]): Promise<string> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  await bounded(`${command} ${args.join(' ')}`, 10_000, new Promise((r) => child.once('exit', r)), () =>
    child.kill('SIGKILL'),
  );
  return out;
}

// ---------------------------------------------------------------------------
// The clients

function kafkajsRun(): Run {
  const topic = 'captured-kafkajs';
  const clientId = 'samsa-capture-kafkajs';
  const sends = [
    produce(topic, 'none', -1, false, records('kafkajs', 'none', true)),
    produce(topic, 'gzip', -1, false, records('kafkajs', 'gzip', true)),
  ];
  return {
    label: 'kafkajs',
    client: 'kafkajs',
    clientVersion: packageVersion('kafkajs'),
    clientId,
    sends,
    async execute(port) {
      const kafka = new Kafka({
        clientId,
        brokers: [`127.0.0.1:${port}`],
        logLevel: logLevel.NOTHING,
        retry: { retries: 2 },
      });
      const producer = kafka.producer({ allowAutoTopicCreation: true });
      const work = (async () => {
        await producer.connect();
        for (const send of sends) {
          await producer.send({
            topic,
            acks: send.acks,
            compression: send.codec === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None,
            messages: send.records.map((r) => ({
              key: r.key,
              value: r.value,
              timestamp: r.timestamp ?? undefined,
              headers: Object.fromEntries(r.headers.map(([k, v]) => [k, v ?? undefined])),
            })),
          });
        }
      })();
      try {
        await bounded('kafkajs', RUN_TIMEOUT_MS, work, () => {});
      } finally {
        await bounded('kafkajs disconnect', 5_000, producer.disconnect(), () => {}).catch(() => {});
      }
    },
  };
}

function platformaticRun(): Run {
  const topic = 'captured-platformatic';
  const clientId = 'samsa-capture-platformatic';
  const version = packageVersion('@platformatic/kafka');
  // The lz4 batch's records carry no timestamp: the client stamps them. Not mixed with explicit
  // old timestamps in one batch: @platformatic/dynamic-buffer zigzags varlongs with `>> 31n`
  // instead of `>> 63n`, so a timestamp delta of 2^31 ms (~25 days) or more is written wrong.
  const sends = [
    produce(topic, 'snappy', -1, true, records('platformatic', 'snappy', true)),
    produce(topic, 'lz4', -1, true, records('platformatic', 'lz4', false)),
  ];
  return {
    label: 'platformatic',
    client: 'platformatic',
    clientVersion: version,
    clientId,
    clientSoftware: { name: 'platformatic-kafka', version },
    sends,
    async execute(port) {
      const producer = new PlatformaticProducer({
        clientId,
        bootstrapBrokers: [`127.0.0.1:${port}`],
        serializers: stringSerializers,
        idempotent: true,
        retries: 1,
      });
      const work = (async () => {
        for (const send of sends) {
          await producer.send({
            compression: send.codec as 'snappy' | 'lz4',
            acks: send.acks,
            messages: send.records.map((r) => ({
              topic,
              partition: send.partition,
              key: r.key ?? undefined,
              value: r.value ?? undefined,
              headers: new Map(r.headers.map(([k, v]) => [k, v ?? ''])),
              timestamp: r.timestamp === null ? undefined : BigInt(r.timestamp),
            })),
          });
        }
      })();
      try {
        await bounded('platformatic', RUN_TIMEOUT_MS, work, () => {});
      } finally {
        await bounded('platformatic close', 5_000, producer.close(true), () => {}).catch(() => {});
      }
    },
  };
}

function kcatRun(codec: string, versions: { kcat: string; librdkafka: string }): Run {
  const topic = 'captured-kcat';
  const clientId = 'samsa-capture-kcat';
  // kcat sets one set of headers (-H) on every record, and stamps records itself.
  const headers: [string, string][] = [['h1', 'kcat'], ['h2', codec]];
  const recs = records('kcat', codec, false).map((r) => ({ ...r, headers }));
  const send = produce(topic, codec, -1, false, recs);
  const lines = recs.map((r) => (r.key === null ? r.value! : `${r.key}:${r.value}`)).join('\n') + '\n';
  return {
    label: `kcat-${codec}`,
    client: 'kcat',
    clientVersion: `${versions.kcat} (librdkafka ${versions.librdkafka})`,
    clientId,
    clientSoftware: { name: 'librdkafka', version: versions.librdkafka },
    // librdkafka 2.0 uses gzip, snappy and lz4 only with a broker that serves Produce v2 (librdkafka #4956).
    sends: [send],
    async execute(port) {
      const args = ['-b', `127.0.0.1:${port}`, '-P', '-t', topic, '-z', codec, '-K:'];
      for (const [k, v] of headers) args.push('-H', `${k}=${v}`);
      args.push('-X', `client.id=${clientId}`, '-X', 'linger.ms=100', '-X', 'acks=all');
      await runChild(`kcat -z ${codec}`, 'kcat', args, lines);
    },
  };
}

const PYTHON_PRODUCER = `
import json, sys
from confluent_kafka import Producer
spec = json.loads(sys.stdin.read())
p = Producer(spec['config'])
failures = []
def done(err, msg):
    if err is not None:
        failures.append(str(err))
for r in spec['records']:
    p.produce(spec['topic'], value=r['value'], key=r['key'],
              headers=[(k, v) for k, v in r['headers']], timestamp=int(r['timestamp']), on_delivery=done)
left = p.flush(15)
if left or failures:
    sys.exit('undelivered: %d, failures: %s' % (left, failures))
`;

function pythonRun(versions: { python: string; librdkafka: string }): Run {
  const topic = 'captured-python';
  const clientId = 'samsa-capture-python';
  const codec = 'zstd';
  const send = produce(topic, codec, -1, true, records('python', codec, true));
  return {
    label: 'python',
    client: 'python',
    clientVersion: `confluent-kafka ${versions.python} (librdkafka ${versions.librdkafka})`,
    clientId,
    clientSoftware: { name: 'confluent-kafka-python', version: `${versions.python}-rdkafka-${versions.librdkafka}` },
    sends: [send],
    async execute(port) {
      const spec = {
        topic,
        records: send.records,
        config: {
          'bootstrap.servers': `127.0.0.1:${port}`,
          'client.id': clientId,
          'compression.type': codec,
          'enable.idempotence': true,
          'linger.ms': 100,
        },
      };
      await runChild('python confluent-kafka', PYTHON, ['-c', PYTHON_PRODUCER], JSON.stringify(spec));
    },
  };
}

// ---------------------------------------------------------------------------
// Choosing and writing the fixtures

function apiName(apiKey: number): string {
  const known = SERVABLE_APIS.find((a) => a.apiKey === apiKey);
  return known?.name ?? requestCodec(apiKey)?.name.replace(/Request$/, '') ?? `api${apiKey}`;
}

/** The compression codec of every batch in a Produce frame (decoded with our codecs only to name the file). */
function produceCodecs(frame: Buffer, apiVersion: number): string[] {
  const r = new Reader(frame);
  readRequestHeader(r);
  const req = messages.ProduceRequest.decode(r, apiVersion);
  const names = Object.keys(CODEC_IDS);
  const codecs: string[] = [];
  for (const t of req.topicData) {
    for (const p of t.partitionData) {
      if (p.records === null || p.records.length < 23) continue;
      codecs.push(names[p.records.readInt16BE(21) & 0x07] ?? 'unknown');
    }
  }
  return codecs;
}

function selectFixtures(run: Run, frames: ReceivedFrame[]): { fixture: CapturedFixture; frame: Buffer }[] {
  const chosen = new Map<string, { fixture: CapturedFixture; frame: Buffer }>();
  const topic = run.sends[0]!.topic;
  const sendsLeft = new Map(run.sends.map((s) => [s.codec, s]));
  for (const f of frames) {
    const api = apiName(f.apiKey);
    const fixture: CapturedFixture = {
      file: '',
      client: run.client,
      clientVersion: run.clientVersion,
      clientId: run.clientId,
      apiKey: f.apiKey,
      api,
      apiVersion: f.apiVersion,
    };
    let name = `${run.client}-${api.toLowerCase()}-v${f.apiVersion}`;
    if (f.apiKey === 0) {
      const codecs = produceCodecs(f.frame, f.apiVersion);
      if (codecs.length !== 1) throw new Error(`${run.label}: a Produce request with ${codecs.length} batches`);
      const send = sendsLeft.get(codecs[0]!);
      if (send === undefined) {
        throw new Error(`${run.label}: unexpected Produce with codec ${codecs[0]} (expected ${[...sendsLeft.keys()]})`);
      }
      sendsLeft.delete(send.codec);
      fixture.codec = send.codec;
      fixture.produce = send;
      name += `-${send.codec}`;
    } else if (f.apiKey === 3) {
      // Prefer the Metadata request that asks for the produced topic (clients also ask for none or all).
      if (!f.frame.includes(Buffer.from(topic))) continue;
      fixture.metadataTopics = [topic];
    } else if (f.apiKey === 18 && run.clientSoftware !== undefined && f.apiVersion >= 3) {
      fixture.clientSoftware = run.clientSoftware;
    }
    fixture.file = `${name}.bin`;
    if (!chosen.has(name)) chosen.set(name, { fixture, frame: f.frame });
  }
  if (sendsLeft.size > 0) throw new Error(`${run.label}: no Produce captured for ${[...sendsLeft.keys()]}`);
  return [...chosen.values()];
}

async function main(): Promise<void> {
  // KafkaJS 2.2.4 arms a timer with a negative delay whenever it is not throttled; Node 24 warns.
  process.removeAllListeners('warning');
  process.on('warning', (w) => {
    if (w.name !== 'TimeoutNegativeWarning') console.error(`${w.name}: ${w.message}`);
  });
  const kcatBanner = await commandOutput('kcat', ['-V']);
  const kcatMatch = /Version (\S+) .*librdkafka (\S+?)[ )]/.exec(kcatBanner);
  if (kcatMatch === null) throw new Error(`cannot read kcat's version from:\n${kcatBanner}`);
  const pyVersions = (
    await commandOutput(PYTHON, ['-c', 'import confluent_kafka as c; print(c.version()[0], c.libversion()[0])'])
  )
    .trim()
    .split(/\s+/);
  const runs: Run[] = [
    kafkajsRun(),
    platformaticRun(),
    ...['none', 'gzip', 'snappy', 'lz4', 'zstd'].map((codec) =>
      kcatRun(codec, { kcat: kcatMatch[1]!, librdkafka: kcatMatch[2]! }),
    ),
    pythonRun({ python: pyVersions[0]!, librdkafka: pyVersions[1]! }),
  ];

  const broker = new CaptureBroker();
  const port = await broker.start();
  const selected: { fixture: CapturedFixture; frame: Buffer }[] = [];
  try {
    for (const run of runs) {
      broker.label = run.label;
      const from = Date.now();
      await run.execute(port);
      // Let late requests and hang-ups arrive before the next run takes over the label.
      for (let i = 0; i < 20 && broker.openConnections() > 0; i++) await sleep(100);
      const to = Date.now();
      for (const send of run.sends) send.wallClock = { from: String(from), to: String(to) };
      const frames = broker.frames.filter((f) => f.label === run.label);
      if (process.env.CAPTURE_DEBUG) {
        for (const f of frames) {
          const extra = f.apiKey === 0 ? ` codecs=${produceCodecs(f.frame, f.apiVersion)}` : '';
          console.error(`${run.label} conn=${f.connection} ${apiName(f.apiKey)} v${f.apiVersion} ${f.frame.length}B${extra}`);
        }
      }
      selected.push(...selectFixtures(run, frames));
    }
  } finally {
    await broker.close();
  }

  mkdirSync(outDir, { recursive: true });
  for (const file of readdirSync(outDir)) {
    if (file.endsWith('.bin') || file === 'index.json') rmSync(join(outDir, file));
  }
  const seen = new Set<string>();
  const fixtures: CapturedFixture[] = [];
  for (const { fixture, frame } of selected) {
    // kcat runs once per codec: its ApiVersions and Metadata are kept from the first run only.
    if (seen.has(fixture.file)) continue;
    seen.add(fixture.file);
    writeFileSync(join(outDir, fixture.file), frame);
    fixtures.push(fixture);
  }
  const index: CapturedIndex = {
    generatedBy: 'scripts/capture-fixtures.ts',
    capturedAt: new Date().toISOString(),
    fixtures,
  };
  writeFileSync(join(outDir, 'index.json'), JSON.stringify(index, null, 2) + '\n');

  const unhandled = [...broker.unhandled].map(([k, n]) => `${apiName(k)}×${n}`).join(', ');
  const apis = [...new Set(fixtures.map((f) => `${f.api} v${f.apiVersion}`))].sort().join(', ');
  console.log(
    `captured ${broker.frames.length} frames from ${runs.length} client runs; wrote ${fixtures.length} fixtures ` +
      `(${apis}) to ${outDir}` +
      (unhandled === '' ? '' : `; answered with defaults: ${unhandled}`),
  );
}

await main();
