/** `samsa topics` (and the small admin commands) against a real broker, in-process; timing out and exiting as a process. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { startTestBroker, tempDir, type TestBroker } from '../helpers/broker.ts';
import { isOneLineError, samsa, samsaProcess } from '../helpers/samsa-cli.ts';

let broker: TestBroker;
let B: string[];

before(async () => {
  broker = await startTestBroker({ 'auto.create.topics.enable': 'false' });
  B = ['--bootstrap-server', broker.bootstrap];
});

after(async () => {
  await broker?.stop();
});

test('topics: create, list, describe, alter, delete', async () => {
  let r = await samsa(['topics', '--create', '--topic', 'events', '--partitions', '3', '--config', 'retention.ms=3600000', ...B]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Created topic events/);

  r = await samsa(['topics', '--create', '--topic', 'events', ...B]);
  assert.ok(isOneLineError(r), r.stderr);
  assert.match(r.stderr, /topic 'events' already exists \(TOPIC_ALREADY_EXISTS\)/);
  r = await samsa(['topics', '--create', '--topic', 'events', '--if-not-exists', ...B]);
  assert.equal(r.code, 0, r.stderr);

  r = await samsa(['topics', '--list', '--json', ...B]);
  assert.ok((JSON.parse(r.stdout) as string[]).includes('events'));

  r = await samsa(['topics', '--describe', '--topic', 'events', ...B]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /PartitionCount: 3/);
  assert.match(r.stdout, /Configs: retention\.ms=3600000/);
  assert.match(r.stdout, /TOPIC\s+PARTITION\s+LEADER\s+REPLICAS\s+ISR/);
  assert.match(r.stdout, /events\s+2\s+1\s+1\s+1/);

  r = await samsa(['topics', '--alter', '--topic', 'events', '--partitions', '5', '--config', 'cleanup.policy=compact', ...B]);
  assert.equal(r.code, 0, r.stderr);
  r = await samsa(['topics', '--describe', '--topic', 'events', '--json', ...B]);
  const [described] = JSON.parse(r.stdout) as { partitions: { leader: number; isr: number[] }[]; configs: Record<string, string> }[];
  assert.equal(described!.partitions.length, 5);
  assert.equal(described!.configs['cleanup.policy'], 'compact');
  // A healthy single node has no under-replicated or leaderless partitions: the filters leave nothing.
  for (const filter of ['--under-replicated-partitions', '--unavailable-partitions']) {
    r = await samsa(['topics', '--describe', '--topic', 'events', filter, '--json', ...B]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), []);
  }

  r = await samsa(['topics', '--delete', '--topic', 'events', ...B]);
  assert.equal(r.code, 0, r.stderr);
  r = await samsa(['topics', '--describe', '--topic', 'events', ...B]);
  assert.ok(isOneLineError(r), r.stderr);
  assert.match(r.stderr, /topic 'events' does not exist \(UNKNOWN_TOPIC_OR_PARTITION\)/);
});

test('topics: usage errors and an unreachable broker are one line with a non-zero exit', async () => {
  const cases = await Promise.all([
    samsa(['topics', '--list', '--bootstrap-server', '127.0.0.1:1']),
    samsa(['topics', '--bogus', ...B]),
    samsa(['topics', '--create', '--topic', 'x', '--partitions', 'many', ...B]),
    samsa(['topics', ...B]),
    samsa(['topics', '--create', ...B]),
    samsa(['configs', '--describe', '--entity-type', 'groups', '--entity-name', 'x', ...B]),
  ]);
  for (const r of cases) assert.ok(isOneLineError(r), `${r.code} ${r.stderr}`);
  assert.match(cases[0]!.stderr, /cannot connect to 127\.0\.0\.1:1/);
  assert.equal(cases[1]!.code, 2);
  assert.match(cases[1]!.stderr, /unknown option '--bogus'/);
  assert.match(cases[4]!.stderr, /requires --topic/);
});


test('against a port that accepts but does not speak Kafka, a command says which request timed out and exits', { timeout: 30_000 }, async () => {
  const silent = createServer((socket) => socket.on('error', () => {}));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const dir = tempDir('samsa-command-config-');
  try {
    const port = (silent.address() as AddressInfo).port;
    const config = join(dir.dir, 'client.properties');
    writeFileSync(config, 'request.timeout.ms=500\n');
    const started = Date.now();
    const r = await samsaProcess(['topics', '--list', '--bootstrap-server', `127.0.0.1:${port}`, '--command-config', config]);
    assert.ok(isOneLineError(r), `code ${r.code}: ${r.stderr}`);
    assert.match(r.stderr, /ApiVersions request to 127\.0\.0\.1:\d+ timed out after 500 ms/);
    assert.ok(Date.now() - started < 10_000, 'the command exits right after its error');

    writeFileSync(config, 'request.timeout.ms=500\nsecurity.protcol=SSL\n');
    const typo = await samsaProcess(['topics', '--list', '--bootstrap-server', `127.0.0.1:${port}`, '--command-config', config]);
    assert.equal(typo.code, 2);
    assert.match(typo.stderr, /'security\.protcol' is not supported/);
  } finally {
    silent.close();
    dir.remove();
  }
});

test('a bootstrap server without a port is a usage error; an unknown host is named as such', { timeout: 30_000 }, async () => {
  const noPort = await samsa(['topics', '--list', '--bootstrap-server', '127.0.0.1']);
  assert.ok(isOneLineError(noPort), noPort.stderr);
  assert.equal(noPort.code, 2);
  assert.match(noPort.stderr, /--bootstrap-server: invalid bootstrap server '127\.0\.0\.1': expected host:port/);
  const unknown = await samsa(['topics', '--list', '--bootstrap-server', 'no-such-host.invalid:9092']);
  assert.ok(isOneLineError(unknown), unknown.stderr);
  assert.match(unknown.stderr, /cannot connect to no-such-host\.invalid:9092: unknown host 'no-such-host\.invalid'/);
});

test('dump-log prints a segment, its time index and a producer snapshot in kafka-dump-log\'s lines; other files are refused', { timeout: 30_000 }, async () => {
  const dir = join(import.meta.dirname, '..', 'fixtures', 'cli', 'segment');
  const r = await samsa(['dump-log', '--files', [join(dir, '00000000000000000000.log'), join(dir, '00000000000000000000.timeindex'), join(dir, '00000000000000000002.snapshot')].join(','), '--print-data-log']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^baseOffset: 0 lastOffset: 1 count: 2 baseSequence: 0 lastSequence: 1 producerId: 0 producerEpoch: 0 .* compresscodec: none crcValid: true$/m);
  assert.match(r.stdout, /^\| offset: 0 CreateTime: \d+ keySize: 2 valueSize: 5 sequence: 0 headerKeys: \[\] key: k1 payload: hello$/m);
  assert.match(r.stdout, /^\| offset: 1 .* key: k2 payload: world$/m);
  assert.match(r.stdout, /^timestamp: \d+ offset: 1$/m);
  assert.match(r.stdout, /^producerId: 0 producerEpoch: 0 .* firstSequence: 0 lastSequence: 1 lastOffset: 1 /m);
  const plain = await samsa(['dump-log', '--files', join(dir, '00000000000000000000.log')]);
  assert.doesNotMatch(plain.stdout, /payload/, 'records are printed only when asked');
  const wrong = await samsa(['dump-log', '--files', join(dir, '..', 'client.properties')]);
  assert.ok(isOneLineError(wrong), wrong.stderr);
  assert.equal(wrong.code, 2);
});

test('log-dirs --describe prints kafka-log-dirs\' JSON: each broker\'s directories and the size of each partition', { timeout: 30_000 }, async () => {
  let r = await samsa(['topics', '--create', '--topic', 'sized', '--partitions', '2', ...B]);
  assert.equal(r.code, 0, r.stderr);
  const produced = await samsa(['produce', '--topic', 'sized', '--partition', '1', ...B], { stdin: 'a record\n' });
  assert.equal(produced.code, 0, produced.stderr);
  r = await samsa(['log-dirs', '--describe', '--topic-list', 'sized', ...B]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines[0], 'Querying brokers for log directories information');
  const doc = JSON.parse(lines[lines.length - 1]!) as { brokers: { broker: number; logDirs: { logDir: string; error: null; partitions: { partition: string; size: number }[] }[] }[]; version: number };
  assert.equal(doc.version, 1);
  const partitions = doc.brokers.flatMap((b) => b.logDirs.flatMap((d) => d.partitions));
  assert.deepEqual(partitions.map((p) => p.partition).sort(), ['sized-0', 'sized-1']);
  assert.equal(partitions.find((p) => p.partition === 'sized-0')!.size, 0);
  assert.ok(partitions.find((p) => p.partition === 'sized-1')!.size > 0);
  // Without --topic-list, every partition of the broker (kafka-log-dirs' default).
  r = await samsa(['log-dirs', '--describe', ...B]);
  assert.equal(r.code, 0, r.stderr);
  const all = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as typeof doc;
  const names = all.brokers.flatMap((b) => b.logDirs.flatMap((d) => d.partitions.map((p) => p.partition)));
  assert.ok(names.includes('sized-0') && names.includes('sized-1'), names.join(' '));
});
