/**
 * The node's log as operators use it: timestamped lines with level and
 * logger name (or JSON with --log-format json through the real `samsa
 * start`), levels per logger, an embedded broker quiet below WARN unless
 * asked, and levels changed at runtime with `samsa configs --entity-type
 * broker-loggers` (Kafka's BROKER_LOGGER), taking effect at once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker } from '../../src/index.ts';
import { NodeLogging } from '../../src/server/logging.ts';
import { tempDir } from '../helpers/broker.ts';
import { startBrokerProcess } from '../helpers/processes.ts';
import { samsa } from '../helpers/samsa-cli.ts';
import { until } from '../helpers/until.ts';

const HUMAN_LINE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (TRACE|DEBUG|INFO |WARN |ERROR) \[samsa(\.[a-z]+)+\] \S/;

test('named loggers follow their nearest configured parent, then the root; unknown loggers are refused', () => {
  const lines: string[] = [];
  const logging = new NodeLogging({ out: (text) => lines.push(text), level: 'warn' });
  const group = logging.logger('samsa.coordinator.group');
  group('hidden at WARN');
  group('shown', 'warn');
  assert.equal(logging.setLevel('samsa.coordinator', 'debug'), null);
  group('now shown');
  assert.equal(logging.effectiveLevel('samsa.coordinator.transaction'), 'debug');
  assert.equal(logging.effectiveLevel('samsa.raft'), 'warn');
  assert.equal(logging.setLevel('samsa.nope', 'info'), 'Logger samsa.nope does not exist!');
  assert.equal(logging.setLevel('samsa.coordinator', null), null);
  group('hidden again');
  // 'now shown' is an INFO line, let through once its parent logger is at DEBUG.
  assert.deepEqual(lines.map((l) => l.replace(/^\S+ /, '')), ['WARN  [samsa.coordinator.group] shown', 'INFO  [samsa.coordinator.group] now shown']);
  assert.ok(lines.every((l) => HUMAN_LINE.test(l)), lines.join('\n'));
  assert.deepEqual(logging.describe()[0], { name: 'root', level: 'WARN' });
});

test('an embedded broker prints warnings and errors only unless asked; log.level INFO shows its work', async () => {
  const quiet: string[] = [];
  const a = await startBroker({ port: 0, logOutput: (l) => quiet.push(l) });
  await a.stop();
  assert.deepEqual(quiet.filter((l) => !/ (WARN |ERROR) /.test(l)), [], 'nothing below WARN');
  const chatty: string[] = [];
  const b = await startBroker({ port: 0, logOutput: (l) => chatty.push(l), config: { 'log.level': 'INFO' } });
  await b.stop();
  assert.ok(chatty.some((l) => / INFO  \[samsa\.controller\] node 1 is the active controller/.test(l)), chatty.join('\n'));
  assert.ok(chatty.every((l) => HUMAN_LINE.test(l)), chatty.join('\n'));
});

test('levels change at runtime through BROKER_LOGGER: describe, set, reset, and refusals', async () => {
  const lines: string[] = [];
  const broker = await startBroker({ port: 0, logOutput: (l) => lines.push(l), config: { 'log.level': 'INFO' } });
  const kafka = new Kafka({ clientId: 'logging-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  // Deleting a topic logs one INFO line on samsa.storage when its directory goes.
  const createAndDelete = async (topic: string): Promise<void> => {
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
    await admin.deleteTopics({ topics: [topic] });
  };
  const admin = kafka.admin();
  await admin.connect();
  try {
    const cli = (args: string[]) => samsa(['configs', '--bootstrap-server', broker.bootstrap, '--entity-type', 'broker-loggers', '--entity-name', '1', ...args]);
    const described = await cli(['--describe']);
    assert.equal(described.code, 0, described.stderr);
    for (const name of ['root', 'samsa.coordinator.group', 'samsa.raft', 'samsa.storage']) {
      assert.match(described.stdout, new RegExp(`^${name.replaceAll('.', '\\.')}\\s+INFO\\s+DYNAMIC_BROKER_LOGGER_CONFIG`, 'm'));
    }

    const silenced = await cli(['--alter', '--add-config', 'samsa.storage=WARN']);
    assert.equal(silenced.code, 0, silenced.stderr);
    assert.match((await cli(['--describe'])).stdout, /^samsa\.storage\s+WARN\s/m);
    await createAndDelete('loud-topic-first');
    // Its directory gone: the deletion happened (unlogged) before the level goes back.
    await until('the first topic deleted', () => !readdirSync(broker.dataDir).some((d) => d.startsWith('loud-topic-first-0')));
    const reset = await cli(['--alter', '--delete-config', 'samsa.storage']);
    assert.equal(reset.code, 0, reset.stderr);
    assert.match((await cli(['--describe'])).stdout, /^samsa\.storage\s+INFO\s/m, 'back to the root level');
    await createAndDelete('loud-topic');
    await until('the deletion logged', () => lines.some((l) => / INFO  \[samsa\.storage\] deleting loud-topic-0 /.test(l)), { context: () => lines.join('\n') });
    assert.ok(!lines.some((l) => l.includes('deleting loud-topic-first-0')), 'nothing from samsa.storage while it was at WARN');

    const unknown = await cli(['--alter', '--add-config', 'samsa.nope=DEBUG']);
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /Logger samsa\.nope does not exist!/);
    const badLevel = await cli(['--alter', '--add-config', 'samsa.raft=LOUD']);
    assert.notEqual(badLevel.code, 0);
    assert.match(badLevel.stderr, /Cannot set the log level of samsa\.raft to LOUD/);
    const root = await cli(['--alter', '--delete-config', 'root']);
    assert.notEqual(root.code, 0);
    assert.match(root.stderr, /Removing the log level of the root logger is not allowed/);
  } finally {
    await admin.disconnect();
    await broker.stop();
  }
});

test('samsa start --log-format json writes one JSON object per line', async () => {
  const data = tempDir('samsa-logging-');
  try {
    const node = await startBrokerProcess(data.dir, {}, 0, { startArgs: ['--log-format', 'json'] });
    await node.stop();
    const lines = node.stderr().trim().split('\n').filter((l) => l !== '' && l !== 'samsa: stopped');
    assert.ok(lines.length > 0);
    for (const line of lines) {
      const event = JSON.parse(line) as Record<string, unknown>;
      assert.deepEqual(Object.keys(event).sort(), ['level', 'logger', 'message', 'node', 'time']);
      assert.ok(!Number.isNaN(Date.parse(event.time as string)));
    }
    assert.ok(lines.some((l) => (JSON.parse(l) as { message: string }).message.includes('is the active controller')));
  } finally {
    data.remove();
  }
});
