/** `samsa configs`, `samsa offsets` and `samsa delete-records` in-process against a real broker. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
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

test('configs: describe and alter a topic, describe a broker', async () => {
  assert.equal((await samsa(['topics', '--create', '--topic', 'cfg', '--partitions', '1', ...B])).code, 0);
  let r = await samsa(['configs', '--alter', '--entity-type', 'topics', '--entity-name', 'cfg',
    '--add-config', 'retention.ms=1000,max.message.bytes=2000', ...B]);
  assert.equal(r.code, 0, r.stderr);
  r = await samsa(['configs', '--describe', '--entity-type', 'topics', '--entity-name', 'cfg', ...B]);
  assert.match(r.stdout, /retention\.ms\s+1000\s+DYNAMIC_TOPIC_CONFIG/);
  assert.match(r.stdout, /max\.message\.bytes\s+2000/);

  r = await samsa(['configs', '--alter', '--entity-type', 'topics', '--entity-name', 'cfg', '--delete-config', 'retention.ms', ...B]);
  assert.equal(r.code, 0, r.stderr);
  r = await samsa(['configs', '--describe', '--entity-type', 'topics', '--entity-name', 'cfg', '--all', '--json', ...B]);
  const entries = JSON.parse(r.stdout) as { name: string; source: string; synonyms: unknown[] }[];
  assert.equal(entries.find((e) => e.name === 'retention.ms')?.source !== 'DYNAMIC_TOPIC_CONFIG', true);
  assert.equal(entries.find((e) => e.name === 'max.message.bytes')?.source, 'DYNAMIC_TOPIC_CONFIG');

  r = await samsa(['configs', '--describe', '--entity-type', 'brokers', '--entity-name', '1', '--all', ...B]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /auto\.create\.topics\.enable\s+false/);

  r = await samsa(['configs', '--describe', '--entity-type', 'topics', '--entity-name', 'missing', ...B]);
  assert.ok(isOneLineError(r), r.stderr);
  assert.match(r.stderr, /topic 'missing' does not exist/);
});

test('configs: entity types — brokers\' cluster default, broker-loggers, and the types Samsa does not serve', async () => {
  let r = await samsa(['configs', '--describe', '--entity-type', 'brokers', '--entity-default', ...B]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Configs for the default of all brokers:/);
  // Dynamic broker configs: the cluster-wide default and one broker.
  r = await samsa(['configs', '--alter', '--entity-type', 'brokers', '--entity-default', '--add-config', 'log.retention.ms=7200000', ...B]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'Completed updating config for the default of all brokers.');
  r = await samsa(['configs', '--alter', '--broker', '1', '--add-config', 'log.cleaner.min.cleanable.ratio=0.25', ...B]);
  assert.equal(r.code, 0, r.stderr);
  r = await samsa(['configs', '--describe', '--entity-type', 'brokers', '--entity-default', ...B]);
  assert.match(r.stdout, /log\.retention\.ms\s+7200000\s+DYNAMIC_DEFAULT_BROKER_CONFIG/);
  r = await samsa(['configs', '--describe', '--broker', '1', ...B]);
  assert.match(r.stdout, /log\.cleaner\.min\.cleanable\.ratio\s+0\.25\s+DYNAMIC_BROKER_CONFIG/);
  assert.match(r.stdout, /log\.retention\.ms\s+7200000\s+DYNAMIC_DEFAULT_BROKER_CONFIG/);
  r = await samsa(['configs', '--alter', '--entity-type', 'brokers', '--entity-default', '--add-config', 'num.partitions=3', ...B]);
  assert.ok(isOneLineError(r), r.stderr);
  assert.match(r.stderr, /^samsa: the brokers' default failed: Cannot update these configs dynamically: num\.partitions/);
  for (const args of [['--entity-type', 'brokers', '--entity-default', '--delete-config', 'log.retention.ms'], ['--broker', '1', '--delete-config', 'log.cleaner.min.cleanable.ratio']]) {
    assert.equal((await samsa(['configs', '--alter', ...args, ...B])).code, 0);
  }
  r = await samsa(['configs', '--describe', '--entity-type', 'broker-loggers', '--entity-name', '1', '--json', ...B]);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(Array.isArray(JSON.parse(r.stdout)));

  const usage = await Promise.all([
    samsa(['configs', '--describe', '--entity-type', 'groups', '--entity-name', 'g', ...B]),
    samsa(['configs', '--describe', '--entity-type', 'client-metrics', '--entity-default', ...B]),
    samsa(['configs', '--describe', '--entity-type', 'widgets', '--entity-name', 'w', ...B]),
    samsa(['configs', '--describe', '--entity-type', 'topics', '--entity-default', ...B]),
    samsa(['configs', '--describe', '--entity-type', 'brokers', '--entity-default', '--entity-name', '1', ...B]),
  ]);
  for (const u of usage) {
    assert.ok(isOneLineError(u), u.stderr);
    assert.equal(u.code, 2, u.stderr);
  }
  assert.equal(usage[0]!.stderr.trim(), 'samsa: --entity-type \'groups\' is not supported by Samsa: expected topics, brokers, broker-loggers, client-metrics, users, clients or ips');
  assert.match(usage[1]!.stderr, /--entity-default applies to --entity-type brokers only, not client-metrics/);
  assert.match(usage[2]!.stderr, /unknown --entity-type 'widgets'/);
  assert.match(usage[3]!.stderr, /--entity-default applies to --entity-type brokers only/);
  assert.match(usage[4]!.stderr, /cannot be used together/);
});

test('offsets and delete-records', async () => {
  assert.equal((await samsa(['topics', '--create', '--topic', 'logs', '--partitions', '2', ...B])).code, 0);
  const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: 'logs', messages: Array.from({ length: 10 }, (_, i) => ({ partition: 0, value: `v${i}` })) });
  await producer.disconnect();

  let r = await samsa(['offsets', '--topic', 'logs', '--json', ...B]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), [{ topic: 'logs', partition: 0, offset: '10' }, { topic: 'logs', partition: 1, offset: '0' }]);

  r = await samsa(['delete-records', '--topic', 'logs', '--partition', '0', '--offset', '4', ...B]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /logs\s+0\s+4/);
  r = await samsa(['offsets', '--topic', 'logs', '--time', 'earliest', ...B]);
  assert.match(r.stdout, /logs\s+0\s+4\n/);
  r = await samsa(['offsets', '--topic', 'logs', '--time', '0', '--partitions', '0', '--json', ...B]);
  assert.deepEqual(JSON.parse(r.stdout), [{ topic: 'logs', partition: 0, offset: '4' }]);

  const errors = await Promise.all([
    samsa(['offsets', '--topic', 'nope', ...B]),
    samsa(['offsets', '--topic', 'logs', '--time', 'yesterday', ...B]),
    samsa(['delete-records', '--topic', 'logs', '--partition', '7', '--offset', '1', ...B]),
    samsa(['delete-records', '--topic', 'logs', '--partition', '0', '--offset', '99', ...B]),
  ]);
  for (const e of errors) assert.ok(isOneLineError(e), `${e.code} ${e.stderr}`);
  assert.match(errors[0]!.stderr, /nope/);
  assert.match(errors[2]!.stderr, /partition 7/);
  assert.match(errors[3]!.stderr, /OFFSET_OUT_OF_RANGE/);
});
