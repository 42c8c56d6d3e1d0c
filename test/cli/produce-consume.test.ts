/**
 * `samsa produce` and `samsa consume` against an in-process broker, run
 * in-process: lines produced are read back identically by kcat and keyed
 * lines land where librdkafka's murmur2_random would put them; what kcat
 * produced is printed by `samsa consume`; the main error paths are one line
 * and exit 1/2. What is about the process — a consumer stopped by SIGINT, a
 * producer at a terminal — runs the command as a real process (always async
 * spawn, so the broker keeps answering).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { partitionForKey } from '../../src/client/index.ts';
import { startTestBroker, tempDir, type TestBroker } from '../helpers/broker.ts';
import { killAllChildren, run, startBrokerProcess } from '../helpers/processes.ts';
import { samsa as samsaInProcess, type CliResult } from '../helpers/samsa-cli.ts';
import { until } from '../helpers/until.ts';

const CLI = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');

interface KcatMessage {
  partition: number;
  offset: number;
  headers?: (string | null)[];
  key: string | null;
  payload: string | null;
}

let broker: TestBroker;
const tmp = tempDir('samsa-cli-');

before(async () => {
  broker = await startTestBroker({ 'num.partitions': '3', 'group.initial.rebalance.delay.ms': '0' });
});
after(async () => {
  killAllChildren();
  await broker?.stop();
  tmp.remove();
});

/** `samsa args` in-process against the test broker, `input` on its stdin. */
function samsa(args: string[], input?: string): Promise<CliResult> {
  return samsaInProcess([...args, '--bootstrap-server', broker.bootstrap], { stdin: input });
}

async function kcatAll(topic: string): Promise<KcatMessage[]> {
  const r = await run('kcat', ['-b', broker.bootstrap, '-C', '-t', topic, '-o', 'beginning', '-e', '-J', '-q', '-X', 'fetch.wait.max.ms=100'], { timeoutMs: 20_000 });
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as KcatMessage);
}

test('samsa produce: keyed lines with headers under zstd, read back identically by kcat, partitioned like librdkafka', async () => {
  const lines = Array.from({ length: 300 }, (_, i) => `key-${i % 23}:value ${i} ünïcode`);
  const r = await samsa(['produce', '--topic', 'cli-keyed', '--property', 'parse.key=true', '--property', 'key.separator=:',
    '--header', 'source=cli', '--header', 'n=1', '--compression-type', 'zstd', '--acks', 'all'], lines.join('\n') + '\n');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /produced 300 records, \d+ bytes in [\d.]+ s \(\d+ records\/s/);
  const got = await kcatAll('cli-keyed');
  assert.equal(got.length, 300);
  const byValue = new Map(got.map((m) => [m.payload, m]));
  for (const line of lines) {
    const [key, value] = [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1)];
    const m = byValue.get(value)!;
    assert.equal(m.key, key);
    assert.deepEqual(m.headers, ['source', 'cli', 'n', '1']);
    assert.equal(m.partition, partitionForKey(Buffer.from(key), 3), key);
  }
  // Order within a partition is the input order.
  for (let p = 0; p < 3; p++) {
    const seq = got.filter((m) => m.partition === p).sort((a, b) => a.offset - b.offset).map((m) => Number(m.payload!.split(' ')[1]));
    assert.deepEqual(seq, [...seq].sort((a, b) => a - b));
  }
});

test('samsa produce --file with acks=1 and plain values; --acks 0 too', async () => {
  const file = join(tmp.dir, 'lines.txt');
  writeFileSync(file, 'one\ntwo\n\nfour\n');
  const r = await samsa(['produce', '--topic', 'cli-file', '--file', file, '--acks', '1', '--partition', '2']);
  assert.equal(r.code, 0, r.stderr);
  const r0 = await samsa(['produce', '--topic', 'cli-file', '--acks', '0', '--partition', '2'], 'five\n');
  assert.equal(r0.code, 0, r0.stderr);
  const got = await kcatAll('cli-file');
  assert.deepEqual(got.map((m) => [m.partition, m.key, m.payload]), [[2, null, 'one'], [2, null, 'two'], [2, null, ''], [2, null, 'four'], [2, null, 'five']]);
});

test('samsa consume --from-beginning --max-messages prints what kcat produced, with print.* properties', async () => {
  const input = Array.from({ length: 12 }, (_, i) => `k${i}\tv${i}\n`).join('');
  const k = await run('kcat', ['-b', broker.bootstrap, '-P', '-t', 'cli-consume', '-K', '\t', '-H', 'h=1', '-z', 'lz4', '-X', 'partitioner=murmur2_random'], { input, timeoutMs: 20_000 });
  assert.equal(k.code, 0, k.stderr);
  const plain = await samsa(['consume', '--topic', 'cli-consume', '--from-beginning', '--max-messages', '12']);
  assert.equal(plain.code, 0, plain.stderr);
  assert.deepEqual(plain.stdout.trim().split('\n').sort(), Array.from({ length: 12 }, (_, i) => `v${i}`).sort());
  assert.match(plain.stderr, /Processed a total of 12 messages/);
  // read_committed (Fetch and ListOffsets at isolation level 1) reads the same non-transactional records.
  const committed = await samsa(['consume', '--topic', 'cli-consume', '--from-beginning', '--max-messages', '12', '--isolation-level', 'read_committed']);
  assert.equal(committed.code, 0, committed.stderr);
  assert.deepEqual(committed.stdout.trim().split('\n').sort(), plain.stdout.trim().split('\n').sort());
  const badLevel = await samsa(['consume', '--topic', 'cli-consume', '--isolation-level', 'read_dirty']);
  assert.equal(badLevel.code, 2);
  assert.equal(badLevel.stderr.trim(), 'samsa: invalid --isolation-level \'read_dirty\': expected read_uncommitted or read_committed');

  const kcat = await kcatAll('cli-consume');
  const r = await samsa(['consume', '--topic', 'cli-consume', '--from-beginning', '--max-messages', '12', '--property', 'print.key=true',
    '--property', 'print.offset=true', '--property', 'print.partition=true', '--property', 'print.headers=true', '--property', 'print.timestamp=true']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 12);
  for (const line of lines) {
    const m = /^CreateTime:(\d+)\tPartition:(\d+)\tOffset:(\d+)\th:1\t(k\d+)\t(v\d+)$/.exec(line);
    assert.ok(m !== null, line);
    const kc = kcat.find((x) => x.key === m[4])!;
    assert.deepEqual([Number(m[2]), Number(m[3]), m[5]], [kc.partition, kc.offset, kc.payload]);
  }
});

test('samsa consume --partition --offset, --timeout-ms on an idle topic, and error paths', async () => {
  const r = await samsa(['consume', '--topic', 'cli-consume', '--partition', '0', '--offset', '1', '--timeout-ms', '300', '--property', 'print.offset=true']);
  assert.equal(r.code, 0, r.stderr);
  const offsets = r.stdout.trim().split('\n').filter((l) => l !== '').map((l) => Number(/^Offset:(\d+)/.exec(l)![1]));
  assert.ok(offsets.length > 0 && offsets[0] === 1, r.stdout);
  const idle = await samsa(['consume', '--topic', 'cli-consume', '--timeout-ms', '300']);
  assert.equal(idle.code, 0);
  assert.match(idle.stderr, /Processed a total of 0 messages/);

  const missing = await samsa(['consume', '--topic', 'cli-nope', '--timeout-ms', '300']);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr.trim(), 'samsa: unknown topic \'cli-nope\'');
  const noTopic = await samsa(['produce'], '');
  assert.equal(noTopic.code, 2);
  assert.match(noTopic.stderr, /--topic/);
  const badCodec = await samsa(['produce', '--topic', 'x', '--compression-type', 'brotli'], '');
  assert.equal(badCodec.code, 2);
  assert.match(badCodec.stderr, /compression-type/);
  const unreachable = await samsaInProcess(['produce', '--topic', 'x', '--bootstrap-server', '127.0.0.1:1'], { stdin: 'a\n' });
  assert.equal(unreachable.code, 1);
  assert.match(unreachable.stderr, /^samsa: cannot connect to 127\.0\.0\.1:1/);
});

test('samsa consume --group commits what it printed: a second run continues where the first stopped', async () => {
  const topic = 'cli-group';
  const lines = Array.from({ length: 10 }, (_, i) => `g${i}`);
  const p = await samsa(['produce', '--topic', topic, '--partition', '0'], lines.join('\n') + '\n');
  assert.equal(p.code, 0, p.stderr);
  const first = await samsa(['consume', '--topic', topic, '--group', 'cli-g', '--from-beginning', '--max-messages', '4']);
  assert.equal(first.code, 0, first.stderr);
  assert.deepEqual(first.stdout.trim().split('\n'), lines.slice(0, 4));
  const second = await samsa(['consume', '--topic', topic, '--group', 'cli-g', '--from-beginning', '--max-messages', '6']);
  assert.equal(second.code, 0, second.stderr);
  assert.deepEqual(second.stdout.trim().split('\n'), lines.slice(4));
});

test('samsa consume warns and keeps reading when its broker restarts, as kafka-console-consumer does', { timeout: 90_000 }, async () => {
  const dir = tempDir('samsa-cli-restart-');
  let node = await startBrokerProcess(dir.dir);
  const port = node.port;
  const bootstrap = ['--bootstrap-server', node.bootstrap];
  try {
    const created = await samsaInProcess(['topics', '--create', '--topic', 'restarts', ...bootstrap]);
    assert.equal(created.code, 0, created.stderr);
    const consumer = spawn(process.execPath, [CLI, 'consume', '--topic', 'restarts', '--from-beginning', ...bootstrap], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    consumer.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    consumer.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
    const exited = new Promise<number | null>((resolve) => consumer.once('exit', (code) => resolve(code)));
    try {
      const produce = async (line: string): Promise<void> => {
        const r = await samsaInProcess(['produce', '--topic', 'restarts', ...bootstrap], { stdin: `${line}\n` });
        assert.equal(r.code, 0, r.stderr);
      };
      await produce('before');
      await until('the first record printed', () => out === 'before\n', { context: () => err });
      assert.equal(await node.stop(), 0);
      await until('a warning that the broker went away', () => /samsa: .*; retrying\n/.test(err), { context: () => err });
      assert.equal(consumer.exitCode, null, `the consumer must keep running: ${err}`);
      node = await startBrokerProcess(dir.dir, {}, port);
      await produce('after');
      await until('the record produced after the restart printed', () => out === 'before\nafter\n', { context: () => err });
    } finally {
      consumer.kill('SIGINT');
    }
    assert.equal(await exited, 0, err);
    assert.match(err, /Processed a total of 2 messages/);
  } finally {
    await node.stop();
    dir.remove();
  }
});

test('--property keys are checked: a typo is refused with a suggestion, print.value=false and --json are honoured', { timeout: 60_000 }, async () => {
  const typo = await samsa(['produce', '--topic', 'props', '--property', 'parse.keys=true'], 'k:v\n');
  assert.equal(typo.code, 2, typo.stderr);
  assert.match(typo.stderr, /unknown --property 'parse\.keys' \(did you mean 'parse\.key'\?\)/);
  const notYet = await samsa(['consume', '--topic', 'props', '--property', 'value.deserializer=org.example.Fancy']);
  assert.equal(notYet.code, 2);
  assert.match(notYet.stderr, /--property 'value\.deserializer' is not supported by samsa yet/);
  const badBool = await samsa(['consume', '--topic', 'props', '--property', 'print.key=yes']);
  assert.equal(badBool.code, 2);
  assert.match(badBool.stderr, /print\.key expects true or false, got 'yes'/);
  const formatter = await samsa(['consume', '--topic', 'props', '--formatter', 'com.example.Fancy']);
  assert.equal(formatter.code, 2);
  assert.match(formatter.stderr, /--formatter com\.example\.Fancy is not supported/);

  const produced = await samsa(['produce', '--topic', 'props', '--partition', '0', '--property', 'parse.key=true', '--property', 'key.separator=:'], 'k1:v1\n');
  assert.equal(produced.code, 0, produced.stderr);
  assert.match(produced.stderr, /produced 1 record, \d+ bytes/);
  const keysOnly = await samsa(['consume', '--topic', 'props', '--from-beginning', '--max-messages', '1', '--property', 'print.key=true', '--property', 'print.value=false']);
  assert.equal(keysOnly.stdout, 'k1\n');
  const json = await samsa(['consume', '--topic', 'props', '--from-beginning', '--max-messages', '1', '--json']);
  assert.deepEqual(JSON.parse(json.stdout), { topic: 'props', partition: 0, offset: '0', timestamp: JSON.parse(json.stdout).timestamp, key: 'k1', value: 'v1', headers: [] });
});

/** Runs `samsa produce` on a pseudo-terminal, types lines, then Ctrl-C; prints everything the terminal showed. */
const PTY_SCRIPT = `
import os, pty, sys, time, select
argv = sys.argv[1:]
pid, fd = pty.fork()
if pid == 0:
    os.execv(argv[0], argv)
out = b''
def read_until(needle, count, deadline_s):
    global out
    end = time.time() + deadline_s
    while out.count(needle) < count and time.time() < end:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                out += os.read(fd, 4096)
            except OSError:
                return
read_until(b'>', 1, 15)
os.write(fd, b'typed-1\\n')
read_until(b'>', 2, 10)
os.write(fd, b'typed-2\\n')
read_until(b'>', 3, 10)
os.write(fd, b'\\x03')
end = time.time() + 15
while time.time() < end:
    ready, _, _ = select.select([fd], [], [], 0.1)
    if ready:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode('utf8', 'replace'))
sys.stdout.write('\\nEXIT %d\\n' % os.waitstatus_to_exitcode(status))
`;

test('samsa produce at a terminal prompts with > per line, draws nothing over the typing, and Ctrl-C sends what was typed and prints the summary', { timeout: 60_000 }, async () => {
  const r = await run('/usr/bin/python3', ['-c', PTY_SCRIPT, process.execPath, join(import.meta.dirname, '..', '..', 'bin', 'samsa.js'), 'produce', '--topic', 'typed', '--partition', '0', '--bootstrap-server', broker.bootstrap], { timeoutMs: 50_000 });
  assert.equal(r.code, 0, r.stderr);
  const screen = r.stdout.replace(/\r/g, '');
  assert.match(screen, /^>typed-1\n>typed-2\n>/m, screen);
  assert.match(screen, /samsa: produced 2 records, 14 bytes/, screen);
  assert.match(screen, /EXIT 0$/m, screen);
  assert.doesNotMatch(screen, /records\/s[^\n]*typed/, 'no status line drawn into the typed text');
  const read = await samsa(['consume', '--topic', 'typed', '--from-beginning', '--max-messages', '2']);
  assert.equal(read.stdout, 'typed-1\ntyped-2\n');
});

test('verifiable-producer and verifiable-consumer print Kafka\'s JSON events: every send acked, every record consumed once and committed', { timeout: 60_000 }, async () => {
  const lines = (out: string): { name: string; [k: string]: unknown }[] => out.trim().split('\n').map((l) => JSON.parse(l));
  const produced = await samsa(['verifiable-producer', '--topic', 'verifiable', '--max-messages', '20', '--repeating-keys', '3', '--value-prefix', 'v']);
  assert.equal(produced.code, 0, produced.stderr);
  const pEvents = lines(produced.stdout);
  assert.equal(pEvents[0]!.name, 'startup_complete');
  const acks = pEvents.filter((e) => e.name === 'producer_send_success');
  assert.deepEqual(acks.map((e) => e.value).sort(), Array.from({ length: 20 }, (_, i) => `v.${i}`).sort());
  assert.ok(acks.every((e) => e.topic === 'verifiable' && typeof e.offset === 'number' && ['0', '1', '2'].includes(e.key as string)));
  assert.deepEqual(pEvents.at(-1), { ...pEvents.at(-1), name: 'tool_data', sent: 20, acked: 20 });

  const consumed = await samsa(['verifiable-consumer', '--topic', 'verifiable', '--group-id', 'verifiers', '--max-messages', '20']);
  assert.equal(consumed.code, 0, consumed.stderr);
  const cEvents = lines(consumed.stdout);
  assert.deepEqual([cEvents[0]!.name, cEvents.at(-1)!.name], ['startup_complete', 'shutdown_complete']);
  assert.ok(cEvents.some((e) => e.name === 'partitions_assigned'));
  const counted = cEvents.filter((e) => e.name === 'records_consumed').reduce((n, e) => n + (e.count as number), 0);
  assert.equal(counted, 20);
  const commits = cEvents.filter((e) => e.name === 'offsets_committed');
  assert.ok(commits.length > 0 && commits.every((e) => e.success === true));
});

test('samsa produce reads headers, keys and nulls from each line as LineMessageReader does (parse.headers, null.marker, ignore.error)', { timeout: 60_000 }, async () => {
  const input = 'h1:a,h2:NULL\tk1\tv1\nh1:b\tNULL\tv2\n\tk3\tNULL\n';
  const produced = await samsa(['produce', '--topic', 'lines', '--partition', '0', '--property', 'parse.headers=true', '--property', 'parse.key=true', '--property', 'null.marker=NULL'], input);
  assert.equal(produced.code, 0, produced.stderr);
  const read = await samsa(['consume', '--topic', 'lines', '--from-beginning', '--max-messages', '3', '--json']);
  const records = read.stdout.trim().split('\n').map((l) => JSON.parse(l) as { key: string | null; value: string | null; headers: { key: string; value: string | null }[] });
  assert.deepEqual(records.map((r) => [r.key, r.value, r.headers]), [
    ['k1', 'v1', [{ key: 'h1', value: 'a' }, { key: 'h2', value: null }]],
    [null, 'v2', [{ key: 'h1', value: 'b' }]],
    ['k3', null, []],
  ]);
  const strict = await samsa(['produce', '--topic', 'lines', '--property', 'parse.key=true'], 'no separator here\n');
  assert.equal(strict.code, 1);
  assert.match(strict.stderr, /no key separator/);
  const lenient = await samsa(['produce', '--topic', 'lines', '--property', 'parse.key=true', '--property', 'ignore.error=true'], 'no separator here\n');
  assert.equal(lenient.code, 0, lenient.stderr);
});
