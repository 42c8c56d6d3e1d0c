/** `samsa topics` as processes against a real broker. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { isOneLineError, samsa } from '../helpers/samsa-cli.ts';

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
    samsa(['configs', '--describe', '--entity-type', 'users', '--entity-name', 'x', ...B]),
  ]);
  for (const r of cases) assert.ok(isOneLineError(r), `${r.code} ${r.stderr}`);
  assert.match(cases[0]!.stderr, /cannot connect to 127\.0\.0\.1:1/);
  assert.equal(cases[1]!.code, 2);
  assert.match(cases[1]!.stderr, /unknown option '--bogus'/);
  assert.match(cases[4]!.stderr, /requires --topic/);
});

