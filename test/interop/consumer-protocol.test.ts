/**
 * The KIP-848 consumer protocol (`group.protocol=consumer`) with
 * @platformatic/kafka's `groupProtocol: 'consumer'` against one real
 * broker: three members split a 12-partition topic and read every record
 * exactly once; a fourth member takes partitions only from the others'
 * surplus while they keep consuming the rest; a member that leaves hands
 * its partitions over; committed offsets survive the group and a broker
 * restart; Samsa's own consumer joins the same kind of group next to
 * @platformatic/kafka. Debian's librdkafka 2.0.2 has no group.protocol=consumer (it came
 * in 2.4), so it is not part of this file.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Admin, Consumer, Producer, stringDeserializers, type MessagesStream } from '@platformatic/kafka';
import { Cluster, Consumer as SamsaConsumer } from '../../src/client/index.ts';
import { ApiKey, ErrorCode, messages } from '../../src/protocol/index.ts';
import { startTestBroker, tempDir, type TestBroker } from '../helpers/broker.ts';
import { request } from '../helpers/raw-fetch.ts';
import { samsa } from '../helpers/samsa-cli.ts';
import { until } from '../helpers/until.ts';

const TOPIC = 'kip848-orders';
const PARTITIONS = 12;
const CONFIG = {
  'auto.create.topics.enable': 'false',
  'offsets.topic.replication.factor': '1',
  'offsets.topic.num.partitions': '3',
  // Members learn about released partitions on their next heartbeat: keep it short so the test is fast.
  'group.consumer.heartbeat.interval.ms': '200',
  'group.consumer.min.heartbeat.interval.ms': '100',
  'group.consumer.session.timeout.ms': '6000',
  'group.consumer.min.session.timeout.ms': '1000',
};

let data: { dir: string; remove(): void };
let broker: TestBroker;
let admin: Admin;
const consumers: Consumer<string, string, string, string>[] = [];
const streams: MessagesStream<string, string, string, string>[] = [];

before(async () => {
  data = tempDir('samsa-kip848-');
  broker = await startTestBroker(CONFIG, data.dir);
  admin = new Admin({ clientId: 'kip848-admin', bootstrapBrokers: [broker.bootstrap], retries: 2, timeout: 5000 });
  await admin.createTopics({ topics: [TOPIC], partitions: PARTITIONS, replicas: 1 });
});

after(async () => {
  for (const s of streams) await s.close().catch(() => undefined);
  for (const c of consumers) await c.close(true).catch(() => undefined);
  await admin?.close().catch(() => undefined);
  await broker?.stop();
  data?.remove();
});

async function produce(from: number, count: number): Promise<void> {
  const p = new Producer({ clientId: 'kip848-producer', bootstrapBrokers: [broker.bootstrap], retries: 2, timeout: 5000 });
  try {
    const msgs = Array.from({ length: count }, (_, i) => ({ topic: TOPIC, partition: (from + i) % PARTITIONS, value: Buffer.from(`m${from + i}`) }));
    await p.send({ messages: msgs });
  } finally {
    await p.close();
  }
}

interface Member {
  name: string;
  consumer: Consumer<string, string, string, string>;
  seen: string[];
  /** Every distinct assignment the member had, in order ("p,p,p"). */
  history: string[];
}

function partitionsOf(c: Consumer<string, string, string, string>): number[] | null {
  const a = c.assignments;
  if (a === null) return null;
  return a.filter((t) => t.topic === TOPIC).flatMap((t) => t.partitions).sort((x, y) => x - y);
}

async function join(name: string, groupId: string): Promise<Member> {
  const consumer = new Consumer({
    clientId: name, groupId, groupProtocol: 'consumer', bootstrapBrokers: [broker.bootstrap], retries: 5, timeout: 5000,
    deserializers: stringDeserializers, maxWaitTime: 100, rebalanceTimeout: 60_000,
  });
  consumers.push(consumer);
  const m: Member = { name, consumer, seen: [], history: [] };
  const stream = await consumer.consume({ topics: [TOPIC], mode: 'committed', fallbackMode: 'earliest', autocommit: 100 });
  streams.push(stream);
  stream.on('data', (msg) => m.seen.push(msg.value));
  stream.on('error', () => undefined);
  return m;
}

/** Samples every member's assignment each few ms, so a partition a member keeps is seen never to leave it. */
function watch(members: Member[]): () => void {
  const timer = setInterval(() => {
    for (const m of members) {
      const p = partitionsOf(m.consumer);
      if (p === null) continue;
      const key = p.join(',');
      if (m.history.at(-1) !== key) m.history.push(key);
    }
  }, 5);
  return () => clearInterval(timer);
}

async function describe(groupId: string): Promise<messages.ConsumerGroupDescribeResponseDescribedGroup> {
  const r = await request<messages.ConsumerGroupDescribeResponse>(broker.bootstrap, ApiKey.ConsumerGroupDescribe, 0, {
    ...messages.ConsumerGroupDescribeRequest.defaults(), groupIds: [groupId],
  });
  return r.groups[0]!;
}

async function stableWith(groupId: string, members: number): Promise<messages.ConsumerGroupDescribeResponseDescribedGroup> {
  return until(`group ${groupId} Stable with ${members} members`, async () => {
    const g = await describe(groupId);
    return g.groupState === 'Stable' && g.members.length === members ? g : null;
  }, { timeoutMs: 15_000 });
}

test('three members split 12 partitions, a fourth takes only the surplus, a leaver hands over, offsets survive a restart', async () => {
  const groupId = 'kip848-g1';
  await produce(0, 120);
  const members = [await join('c1', groupId), await join('c2', groupId), await join('c3', groupId)];
  const stopWatching = watch(members);

  // Exactly once between them: 120 distinct records, none twice.
  await until('120 records consumed', () => members.reduce((n, m) => n + m.seen.length, 0) >= 120, { timeoutMs: 15_000 });
  const all = members.flatMap((m) => m.seen);
  assert.equal(all.length, 120);
  assert.equal(new Set(all).size, 120);
  const g3 = await stableWith(groupId, 3);
  assert.equal(g3.assignorName, 'uniform');
  const before = new Map(members.map((m) => [m.name, partitionsOf(m.consumer)!]));
  assert.deepEqual([...before.values()].map((p) => p.length).sort(), [4, 4, 4]);
  assert.deepEqual([...before.values()].flat().sort((a, b) => a - b), Array.from({ length: PARTITIONS }, (_, i) => i));
  for (const m of g3.members) assert.equal(m.memberEpoch, g3.groupEpoch, 'every member at the group epoch');

  // A fourth member: each of the three gives up exactly one partition, and that is all that moves.
  const fourth = await join('c4', groupId);
  members.push(fourth);
  const g4 = await stableWith(groupId, 4);
  await until('the fourth member has 3 partitions', () => partitionsOf(fourth.consumer)?.length === 3);
  const moved: number[] = [];
  for (const m of members.slice(0, 3)) {
    const now = partitionsOf(m.consumer)!;
    const was = before.get(m.name)!;
    assert.equal(now.length, 3, `${m.name} keeps 3`);
    assert.ok(now.every((p) => was.includes(p)), `${m.name} only lost partitions: ${was} → ${now}`);
    moved.push(...was.filter((p) => !now.includes(p)));
    // It never stopped consuming what it keeps: every assignment it had since contained all it holds now.
    for (const h of m.history.slice(m.history.indexOf(was.join(',')))) {
      const held = h.split(',').map(Number);
      assert.ok(now.every((p) => held.includes(p)), `${m.name} dropped a kept partition on the way: ${m.history.join(' | ')}`);
    }
  }
  assert.deepEqual(moved.sort((a, b) => a - b), partitionsOf(fourth.consumer));
  assert.ok(g4.groupEpoch > g3.groupEpoch);
  const described = new Map(g4.members.map((m) => [m.clientId, m]));
  for (const m of members) {
    const d = described.get(m.name)!;
    assert.deepEqual(d.assignment.topicPartitions[0]!.partitions.slice().sort((a, b) => a - b), partitionsOf(m.consumer));
    assert.equal(d.assignment.topicPartitions[0]!.topicName, TOPIC);
  }

  // samsa groups --describe shows the protocol, epochs and current vs target assignment.
  const B = ['--bootstrap-server', broker.bootstrap];
  const state = JSON.parse((await samsa(['groups', '--describe', '--group', groupId, '--state', '--json', ...B])).stdout);
  assert.deepEqual(state, [{
    group: groupId, type: 'consumer', state: 'Stable', protocolType: 'consumer', protocol: 'uniform',
    groupEpoch: g4.groupEpoch, targetAssignmentEpoch: g4.assignmentEpoch, members: 4,
  }]);
  const rows = JSON.parse((await samsa(['groups', '--describe', '--group', groupId, '--members', '--json', ...B])).stdout) as {
    clientId: string; memberEpoch: number; targetEpoch: number; assignment: { topic: string; partitions: number[] }[]; targetAssignment: { topic: string; partitions: number[] }[];
  }[];
  assert.equal(rows.length, 4);
  for (const r of rows) {
    assert.equal(r.memberEpoch, g4.groupEpoch);
    assert.equal(r.targetEpoch, g4.assignmentEpoch);
    assert.deepEqual(r.assignment, r.targetAssignment);
    assert.deepEqual(r.assignment[0]!.partitions, partitionsOf(members.find((m) => m.name === r.clientId)!.consumer));
  }
  const table = (await samsa(['groups', '--describe', '--group', groupId, '--members', ...B])).stdout;
  assert.match(table, /CURRENT-EPOCH\s+CURRENT-ASSIGNMENT\s+TARGET-EPOCH\s+TARGET-ASSIGNMENT/);
  assert.match((await samsa(['groups', '--list', ...B])).stdout, new RegExp(`${groupId}\\s+Stable\\s+consumer\\s+consumer`));

  // New records keep flowing exactly once to the four.
  const seenBefore = members.reduce((n, m) => n + m.seen.length, 0);
  await produce(120, 40);
  await until('40 more records', () => members.reduce((n, m) => n + m.seen.length, 0) >= seenBefore + 40, { timeoutMs: 15_000 });
  const all2 = members.flatMap((m) => m.seen);
  assert.equal(new Set(all2).size, all2.length, 'no record twice');

  // A member leaves: the other three share its partitions.
  const leaver = members.splice(1, 1)[0]!;
  const left = partitionsOf(leaver.consumer)!;
  await streams[1]!.close();
  await leaver.consumer.close(true);
  await stableWith(groupId, 3);
  await until('the three hold all 12 partitions', () => {
    const held = members.flatMap((m) => partitionsOf(m.consumer) ?? []).sort((a, b) => a - b);
    return held.length === PARTITIONS && held.every((p, i) => p === i);
  });
  const takers = members.filter((m) => partitionsOf(m.consumer)!.some((p) => left.includes(p)));
  assert.ok(takers.length >= 1);
  stopWatching();

  // Committed offsets: after everyone leaves, a new member resumes where the group stopped.
  await until('offsets committed', async () => {
    const r = await request<messages.OffsetFetchResponse>(broker.bootstrap, ApiKey.OffsetFetch, 8, {
      ...messages.OffsetFetchRequest.defaults(), groups: [{ ...messages.defaultOffsetFetchRequestOffsetFetchRequestGroup(), groupId, topics: null }],
    });
    const total = r.groups[0]!.topics.flatMap((t) => t.partitions).reduce((n, p) => n + Number(p.committedOffset), 0);
    return total === 160;
  });
  for (const s of streams.splice(0)) await s.close();
  for (const m of members) await m.consumer.close(true);
  await until('group empty', async () => (await describe(groupId)).groupState === 'Empty');

  await broker.stop();
  broker = await startTestBroker(CONFIG, data.dir);
  await admin.close();
  admin = new Admin({ clientId: 'kip848-admin', bootstrapBrokers: [broker.bootstrap], retries: 2, timeout: 5000 });
  const reloaded = await until('group reloaded', async () => {
    const g = await describe(groupId);
    return g.errorCode === ErrorCode.NONE ? g : null;
  });
  assert.equal(reloaded.groupState, 'Empty');
  assert.ok(reloaded.groupEpoch >= g4.groupEpoch);
  await produce(160, 12);
  const again = await join('c5', groupId);
  await until('only the 12 new records', () => again.seen.length >= 12, { timeoutMs: 15_000 });
  assert.deepEqual(again.seen.slice().sort(), Array.from({ length: 12 }, (_, i) => `m${160 + i}`).sort());
});

test("Samsa's consumer with groupProtocol 'consumer' shares a group with @platformatic/kafka: everything once, offsets committed with the member epoch", async () => {
  const groupId = 'kip848-mixed';
  const topic = 'kip848-mixed';
  await admin.createTopics({ topics: [topic], partitions: 6, replicas: 1 });
  const p = new Producer({ clientId: 'kip848-producer', bootstrapBrokers: [broker.bootstrap], retries: 2, timeout: 5000 });
  await p.send({ messages: Array.from({ length: 60 }, (_, i) => ({ topic, partition: i % 6, value: Buffer.from(`x${i}`) })) });
  await p.close();

  const cluster = new Cluster({ bootstrapServers: [broker.bootstrap], clientId: 'samsa-kip848' });
  const ours = [0, 1].map(() => new SamsaConsumer(cluster, { groupId, groupProtocol: 'consumer', autoOffsetReset: 'earliest', autoCommitIntervalMs: 100 }));
  try {
    for (const c of ours) c.subscribe([topic]);
    const theirs = new Consumer({
      clientId: 'pk-mixed', groupId, groupProtocol: 'consumer', bootstrapBrokers: [broker.bootstrap], retries: 5, timeout: 5000,
      deserializers: stringDeserializers, maxWaitTime: 100, rebalanceTimeout: 60_000,
    });
    consumers.push(theirs);
    const seen: string[] = [];
    const stream = await theirs.consume({ topics: [topic], mode: 'committed', fallbackMode: 'earliest', autocommit: 100 });
    streams.push(stream);
    stream.on('data', (m) => seen.push(m.value));
    stream.on('error', () => undefined);
    await until('60 records between the three, each once, and a stable group of 3', async () => {
      const polled = await Promise.all(ours.map((c) => c.poll(100)));
      for (const records of polled) for (const r of records) seen.push(r.value!.toString());
      if (seen.length < 60) return null;
      const g = await describe(groupId);
      return g.groupState === 'Stable' && g.members.length === 3 && ours.every((c) => c.assignment().length === 2);
    }, { timeoutMs: 20_000, intervalMs: 10 });
    assert.equal(seen.length, 60);
    assert.equal(new Set(seen).size, 60);
    const g = await describe(groupId);
    const epochs = new Map(g.members.map((m) => [m.memberId, m.memberEpoch]));
    for (const c of ours) {
      const meta = c.groupMetadata()!;
      assert.equal(meta.generationId, epochs.get(meta.memberId), 'the client knows its member epoch');
      await c.commit();
    }
    const committed = await ours[0]!.committed(ours[0]!.assignment().map((a) => ({ topic, partition: a.partition })));
    assert.ok(committed.every((c) => c.offset === 10n), `each partition committed at its end: ${JSON.stringify(committed, (_k, v) => typeof v === 'bigint' ? String(v) : v)}`);
  } finally {
    for (const c of ours) await c.close();
    await cluster.close();
  }
  await until('the two left', async () => (await describe(groupId)).members.length === 1);
});
