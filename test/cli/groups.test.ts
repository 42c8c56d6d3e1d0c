/** `samsa groups`, in-process: the lag a KafkaJS group left, listing, members, reset-offsets moving its next read, delete. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { Admin, Cluster } from '../../src/client/index.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { isOneLineError, samsa } from '../helpers/samsa-cli.ts';
import { until as untilShared } from '../helpers/until.ts';

const TOPIC = 'orders';
const GROUP = 'billing';
const WAIT_MS_MAX = 10_000;

let broker: TestBroker;
let kafka: Kafka;
let B: string[];

before(async () => {
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  broker = await startTestBroker({
    'auto.create.topics.enable': 'false', 'offsets.topic.num.partitions': '1', 'group.initial.rebalance.delay.ms': '0',
  });
  B = ['--bootstrap-server', broker.bootstrap];
  kafka = new Kafka({ clientId: 'cli-groups', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 2 }] });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: TOPIC, messages: Array.from({ length: 10 }, (_, i) => ({ partition: i % 2, value: `v${i}` })) });
  await producer.disconnect();
});

after(async () => {
  await broker?.stop();
});

function until(what: string, cond: () => boolean | Promise<boolean>): Promise<boolean> {
  return untilShared(what, cond, { timeoutMs: WAIT_MS_MAX, intervalMs: 20 });
}

/** Runs a KafkaJS member that commits after each record and stops after `count` records; returns it still connected. */
async function consume(count: number, seen: string[]) {
  const consumer = kafka.consumer({ groupId: GROUP, sessionTimeout: 6000, heartbeatInterval: 500 });
  await consumer.connect();
  await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ partition, message }) => {
      if (seen.length >= count) return;
      seen.push(`${partition}:${message.offset}`);
      await consumer.commitOffsets([{ topic: TOPIC, partition, offset: String(Number(message.offset) + 1) }]);
    },
  });
  await until(`${count} records`, () => seen.length >= count);
  return consumer;
}

test('groups: describe shows a KafkaJS group\'s lag; reset-offsets moves its next read; delete', async () => {
  const seen: string[] = [];
  const consumer = await consume(3, seen);
  // Live group: members are shown, a reset is refused.
  let r = await samsa(['groups', '--describe', '--group', GROUP, '--members', '--json', ...B]);
  assert.equal(r.code, 0, r.stderr);
  const members = JSON.parse(r.stdout) as { clientId: string; assignment: { topic: string; partitions: number[] }[] }[];
  assert.equal(members.length, 1);
  assert.equal(members[0]!.clientId, 'cli-groups');
  assert.deepEqual(members[0]!.assignment, [{ topic: TOPIC, partitions: [0, 1] }]);
  r = await samsa(['groups', '--reset-offsets', '--group', GROUP, '--topic', TOPIC, '--to-earliest', '--execute', ...B]);
  assert.ok(isOneLineError(r), r.stderr);
  assert.match(r.stderr, /no active members/);
  await consumer.disconnect();

  const committed = new Map<number, number>();
  for (const s of seen) {
    const [p, o] = s.split(':').map(Number);
    committed.set(p!, Math.max(committed.get(p!) ?? 0, o! + 1));
  }
  r = await samsa(['groups', '--describe', '--group', GROUP, ...B]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /TOPIC\s+PARTITION\s+CURRENT-OFFSET\s+LOG-END-OFFSET\s+LAG\s+CONSUMER-ID\s+HOST\s+CLIENT-ID/);
  r = await samsa(['groups', '--describe', '--group', GROUP, '--json', ...B]);
  const rows = JSON.parse(r.stdout) as { partition: number; currentOffset: string; logEndOffset: string; lag: string }[];
  // Only partitions with a committed offset remain once the member has left; 5 records each.
  assert.deepEqual(rows.map((row) => row.partition), [...committed.keys()].sort());
  for (const row of rows) {
    assert.equal(row.logEndOffset, '5');
    assert.equal(Number(row.currentOffset), committed.get(row.partition));
    assert.equal(Number(row.lag), 5 - committed.get(row.partition)!);
  }

  r = await samsa(['groups', '--list', ...B]);
  assert.match(r.stdout, new RegExp(`${GROUP}\\s+Empty\\s+consumer`));
  r = await samsa(['groups', '--describe', '--group', GROUP, '--state', ...B]);
  assert.match(r.stdout, new RegExp(`${GROUP}\\s+Empty`));

  r = await samsa(['groups', '--reset-offsets', '--group', GROUP, '--topic', `${TOPIC}:0`, '--to-offset', '2', '--dry-run', '--json', ...B]);
  assert.deepEqual(JSON.parse(r.stdout), [{ group: GROUP, topic: TOPIC, partition: 0, newOffset: '2' }]);
  r = await samsa(['groups', '--reset-offsets', '--group', GROUP, '--topic', TOPIC, '--to-earliest', '--execute', ...B]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`${GROUP}\\s+${TOPIC}\\s+1\\s+0`));

  // The group's next read starts from the beginning again.
  const again: string[] = [];
  const second = await consume(10, again);
  await second.disconnect();
  assert.deepEqual(again.filter((s) => s.endsWith(':0')).sort(), ['0:0', '1:0']);

  r = await samsa(['groups', '--delete', '--group', GROUP, ...B]);
  assert.equal(r.code, 0, r.stderr);
  r = await samsa(['groups', '--describe', '--group', GROUP, ...B]);
  assert.ok(isOneLineError(r), r.stderr);
  assert.match(r.stderr, /group 'billing' does not exist/);
});

test('groups: usage errors', async () => {
  const cases = await Promise.all([
    samsa(['groups', '--describe', ...B]),
    samsa(['groups', '--reset-offsets', '--group', 'g', '--topic', TOPIC, ...B]),
    samsa(['groups', '--reset-offsets', '--group', 'g', '--topic', TOPIC, '--by-duration', 'soon', '--dry-run', ...B]),
    samsa(['groups', '--delete', '--group', 'nobody', ...B]),
    samsa(['groups', '--list', '--bootstrap-server', '127.0.0.1:1']),
  ]);
  for (const r of cases) assert.ok(isOneLineError(r), `${r.code} ${r.stderr}`);
  assert.match(cases[0]!.stderr, /requires --group/);
  assert.match(cases[2]!.stderr, /invalid --by-duration/);
  assert.match(cases[3]!.stderr, /group 'nobody'/);
});

test('groups: several groups at once — repeated --group and --all-groups for describe and delete', async () => {
  const cluster = new Cluster({ bootstrapServers: [broker.bootstrap] });
  try {
    const admin = new Admin(cluster);
    await admin.commitGroupOffsets('multi-a', [{ topic: TOPIC, partition: 0, offset: 1n }]);
    await admin.commitGroupOffsets('multi-b', [{ topic: TOPIC, partition: 1, offset: 4n }]);
  } finally {
    await cluster.close();
  }
  let r = await samsa(['groups', '--describe', '--group', 'multi-a', '--group', 'multi-b', '--json', ...B]);
  assert.equal(r.code, 0, r.stderr);
  const rows = JSON.parse(r.stdout) as { group: string; partition: number; currentOffset: string; lag: string }[];
  assert.deepEqual(rows.map((x) => [x.group, x.partition, x.currentOffset, x.lag]), [['multi-a', 0, '1', '4'], ['multi-b', 1, '4', '1']]);
  r = await samsa(['groups', '--describe', '--group', 'multi-a', '--group', 'multi-b', ...B]);
  assert.match(r.stdout, /^GROUP\s+TOPIC\s+PARTITION\s+CURRENT-OFFSET/);
  assert.match(r.stdout, /multi-a\s+orders\s+0\s+1\s+5\s+4/);
  assert.match(r.stdout, /multi-b\s+orders\s+1\s+4\s+5\s+1/);

  r = await samsa(['groups', '--describe', '--all-groups', '--state', '--json', ...B]);
  assert.equal(r.code, 0, r.stderr);
  const states = JSON.parse(r.stdout) as { group: string; state: string }[];
  assert.ok(states.some((g) => g.group === 'multi-a' && g.state === 'Empty'), r.stdout);
  assert.ok(states.some((g) => g.group === 'multi-b'), r.stdout);

  // One missing group: the others are still deleted, the failure is one line naming it, exit 1.
  r = await samsa(['groups', '--delete', '--group', 'multi-a', '--group', 'multi-none', ...B]);
  assert.ok(isOneLineError(r), r.stderr);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /^Deleted group multi-a\.$/m);
  assert.match(r.stderr, /group 'multi-none'/);
  r = await samsa(['groups', '--delete', '--all-groups', '--json', ...B]);
  assert.equal(r.code, 0, r.stderr);
  assert.ok((JSON.parse(r.stdout) as { deleted: string[] }).deleted.includes('multi-b'), r.stdout);
  r = await samsa(['groups', '--list', '--json', ...B]);
  assert.deepEqual(JSON.parse(r.stdout), []);

  const usage = await Promise.all([
    samsa(['groups', '--reset-offsets', '--all-groups', '--topic', TOPIC, '--to-earliest', '--dry-run', ...B]),
    samsa(['groups', '--reset-offsets', '--group', 'x', '--group', 'y', '--topic', TOPIC, '--to-earliest', '--dry-run', ...B]),
    samsa(['groups', '--describe', '--group', 'x', '--all-groups', ...B]),
  ]);
  for (const u of usage) {
    assert.ok(isOneLineError(u), u.stderr);
    assert.equal(u.code, 2, u.stderr);
  }
  assert.match(usage[0]!.stderr, /takes one --group, not --all-groups/);
  assert.match(usage[1]!.stderr, /takes one --group/);
  assert.match(usage[2]!.stderr, /cannot be used together/);
});

test('groups --delete-offsets removes a stopped group\'s committed offsets of one partition and leaves the others', { timeout: 60_000 }, async () => {
  const cli = (args: string[]) => samsa([...args, ...B]);
  let r = await cli(['topics', '--create', '--topic', 'offsets-gone', '--partitions', '2']);
  assert.equal(r.code, 0, r.stderr);
  r = await cli(['groups', '--reset-offsets', '--group', 'offsets-gone-g', '--topic', 'offsets-gone', '--to-earliest', '--execute']);
  assert.equal(r.code, 0, r.stderr);
  r = await cli(['groups', '--delete-offsets', '--group', 'offsets-gone-g', '--topic', 'offsets-gone:1']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Request succeed for deleting offsets with topic offsets-gone group offsets-gone-g\nTOPIC\s+PARTITION\s+STATUS\noffsets-gone\s+1\s+Successful$/m);
  r = await cli(['groups', '--describe', '--group', 'offsets-gone-g', '--json']);
  const rows = JSON.parse(r.stdout) as { topic: string; partition: number }[];
  assert.deepEqual(rows.map((x) => x.partition), [0]);
  r = await cli(['groups', '--delete-offsets', '--group', 'offsets-gone-g']);
  assert.equal(r.code, 2);
});
