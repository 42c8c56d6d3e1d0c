/**
 * KafkaJS consumer groups, unchanged, against a real Samsa broker: three
 * members share six partitions, one leaves and the others take over, every
 * record is processed exactly once with a commit after it, and after a
 * broker restart on the same data directory the group resumes from its
 * committed offsets. Lag is computed the way operators do it: latest offset
 * (ListOffsets) minus committed offset (OffsetFetch).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel, type Admin, type Consumer, type Producer } from 'kafkajs';
import { ErrorCode, Writer, messages } from '../../src/protocol/index.ts';
import { startTestBroker, tempDir, type TestBroker } from '../helpers/broker.ts';
import { request } from '../helpers/raw-fetch.ts';
import { until as untilShared } from '../helpers/until.ts';

const TOPIC = 'orders';
const GROUP = 'billing';
const PARTITIONS = 6;
const WAIT_MS_MAX = 10_000;
const BROKER_CONFIG = {
  'auto.create.topics.enable': 'false',
  'offsets.topic.num.partitions': '10',
  'group.initial.rebalance.delay.ms': '100',
  'group.min.session.timeout.ms': '1000',
};

let broker: TestBroker;
let data: { dir: string; remove(): void };
let kafka: Kafka;
let admin: Admin;
let producer: Producer;

/** Every processed record as "partition:offset" → the consumers that processed it. */
const processed = new Map<string, string[]>();

async function connectClients(): Promise<void> {
  kafka = new Kafka({ clientId: 'samsa-groups', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 5 } });
  admin = kafka.admin();
  await admin.connect();
  producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
}

async function disconnectClients(): Promise<void> {
  await producer?.disconnect();
  await admin?.disconnect();
}

before(async () => {
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  data = tempDir();
  broker = await startTestBroker(BROKER_CONFIG, data.dir);
  await connectClients();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }] });
});

after(async () => {
  await disconnectClients();
  await broker?.stop();
  data?.remove();
});

function until(what: string, cond: () => boolean | Promise<boolean>): Promise<boolean> {
  return untilShared(what, cond, { timeoutMs: WAIT_MS_MAX, intervalMs: 20 });
}

/** `count` records, spread evenly over the partitions. */
async function produce(count: number, tag: string): Promise<void> {
  await producer.send({
    topic: TOPIC,
    messages: Array.from({ length: count }, (_, i) => ({ partition: i % PARTITIONS, value: `${tag}-${i}` })),
  });
}

interface Member {
  name: string;
  consumer: Consumer;
  /** Partitions of the latest assignment. */
  assigned: number[];
}

/** A consumer that processes each record once, then commits the offset after it. */
async function startMember(name: string): Promise<Member> {
  const consumer = kafka.consumer({
    groupId: GROUP, sessionTimeout: 6000, rebalanceTimeout: 10_000, heartbeatInterval: 300, maxWaitTimeInMs: 100,
    allowAutoTopicCreation: false, retry: { retries: 10 },
  });
  const member: Member = { name, consumer, assigned: [] };
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    member.assigned = [...(e.payload.memberAssignment[TOPIC] ?? [])].sort((a, b) => a - b);
  });
  await consumer.connect();
  await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ topic, partition, message }) => {
      const key = `${partition}:${message.offset}`;
      processed.set(key, [...(processed.get(key) ?? []), name]);
      await consumer.commitOffsets([{ topic, partition, offset: String(Number(message.offset) + 1) }]);
    },
  });
  return member;
}

function assertExactlyOnce(expectedTotal: number): void {
  const twice = [...processed].filter(([, by]) => by.length > 1);
  assert.deepEqual(twice, [], 'records processed more than once');
  assert.equal(processed.size, expectedTotal);
}

function balanced(members: Member[], each: number): boolean {
  const all = members.flatMap((m) => m.assigned).sort((a, b) => a - b);
  return members.every((m) => m.assigned.length === each) && all.join() === [...Array(PARTITIONS).keys()].join();
}

/** Per partition: [latest offset, committed offset]. */
async function lag(): Promise<Map<number, [number, number]>> {
  const latest = await admin.fetchTopicOffsets(TOPIC);
  const [committed] = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
  const out = new Map<number, [number, number]>();
  for (const l of latest) {
    const c = committed!.partitions.find((p) => p.partition === l.partition)!;
    out.set(l.partition, [Number(l.high), Number(c.offset)]);
  }
  return out;
}

let committedBeforeRestart: Map<number, [number, number]>;

test('three members share six partitions; one leaves and the others take over; each record once', async () => {
  await produce(60, 'a');
  const members = [await startMember('m1'), await startMember('m2'), await startMember('m3')];
  await until('two partitions per member', () => balanced(members, 2));
  await until('the first 60 records', () => processed.size >= 60);

  const [group] = (await admin.describeGroups([GROUP])).groups;
  assert.equal(group!.state, 'Stable');
  assert.equal(group!.protocolType, 'consumer');
  assert.equal(group!.members.length, 3);
  assert.ok(group!.members.every((m) => m.clientHost === '/127.0.0.1'));

  const leaving = members.pop()!;
  await leaving.consumer.disconnect();
  await until('three partitions each for the two left', () => balanced(members, 3));
  const before = processed.size;
  await produce(60, 'b');
  await until('the next 60 records', () => processed.size >= 120);
  assertExactlyOnce(120);
  const lateKeys = [...processed.keys()].slice(before);
  assert.ok(lateKeys.every((k) => !processed.get(k)!.includes('m3')), 'a departed member processed records');

  for (const m of members) await m.consumer.disconnect();
  // Everything processed was committed: no lag.
  for (const [partition, [latest, committed]] of await lag()) assert.equal(committed, latest, `partition ${partition}`);
  const listed = await admin.listGroups();
  assert.deepEqual(listed.groups.filter((g) => g.groupId === GROUP), [{ groupId: GROUP, protocolType: 'consumer' }]);
  assert.equal((await admin.describeGroups([GROUP])).groups[0]!.state, 'Empty');

  await produce(30, 'c');
  committedBeforeRestart = await lag();
  for (const [partition, [latest, committed]] of committedBeforeRestart) assert.equal(latest - committed, 5, `lag of partition ${partition}`);
});

test('after a broker restart the group resumes from its committed offsets, re-reading nothing', async () => {
  assert.ok(committedBeforeRestart !== undefined, 'the first test must run first');
  await disconnectClients();
  await broker.stop();
  broker = await startTestBroker(BROKER_CONFIG, data.dir);
  await connectClients();

  // The offsets and the lag survived the restart.
  assert.deepEqual(await lag(), committedBeforeRestart);
  assert.equal((await admin.describeGroups([GROUP])).groups[0]!.state, 'Empty');

  const seenBefore = processed.size;
  const members = [await startMember('r1'), await startMember('r2')];
  await until('the 30 records produced before the restart', () => processed.size >= seenBefore + 30);
  await until('three partitions each', () => balanced(members, 3));
  const resumed = [...processed.keys()].slice(seenBefore);
  for (const key of resumed) {
    const [partition, offset] = key.split(':').map(Number) as [number, number];
    assert.ok(offset >= committedBeforeRestart.get(partition)![1], `re-read ${key} below the committed offset`);
  }
  for (const m of members) await m.consumer.disconnect();
  assertExactlyOnce(150);
  for (const [, [latest, committed]] of await lag()) assert.equal(committed, latest);
});

test('admin on the wire: FindCoordinator batches, simple commits, multi-group fetch, OffsetDelete, filters, DeleteGroups', async () => {
  const found = await request<messages.FindCoordinatorResponse>(broker.bootstrap, 10, 4, {
    ...messages.FindCoordinatorRequest.defaults(), keyType: 0, coordinatorKeys: [GROUP, 'another'],
  });
  assert.deepEqual(found.coordinators.map((c) => [c.key, c.errorCode, c.nodeId, c.port]), [
    [GROUP, 0, broker.nodeId, broker.port], ['another', 0, broker.nodeId, broker.port],
  ]);
  const txn = await request<messages.FindCoordinatorResponse>(broker.bootstrap, 10, 3, {
    ...messages.FindCoordinatorRequest.defaults(), key: 'tx', keyType: 1,
  });
  // Transactional ids have a coordinator too: the leader of their __transaction_state partition (created on demand).
  assert.deepEqual([txn.errorCode, txn.nodeId, txn.port], [ErrorCode.NONE, broker.nodeId, broker.port]);

  // A simple consumer (or an admin tool) commits to the empty group with generation -1.
  const committed = await request<messages.OffsetCommitResponse>(broker.bootstrap, 8, 8, {
    ...messages.OffsetCommitRequest.defaults(), groupId: GROUP, generationIdOrMemberEpoch: -1, memberId: '',
    topics: [
      { ...messages.defaultOffsetCommitRequestOffsetCommitRequestTopic(), name: TOPIC, partitions: [
        { ...messages.defaultOffsetCommitRequestOffsetCommitRequestPartition(), partitionIndex: 0, committedOffset: 3n, committedMetadata: 'reset' },
      ] },
      { ...messages.defaultOffsetCommitRequestOffsetCommitRequestTopic(), name: 'missing', partitions: [
        { ...messages.defaultOffsetCommitRequestOffsetCommitRequestPartition(), partitionIndex: 0, committedOffset: 1n },
      ] },
    ],
  });
  assert.deepEqual(committed.topics.map((t) => t.partitions[0]!.errorCode), [ErrorCode.NONE, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);

  const fetched = await request<messages.OffsetFetchResponse>(broker.bootstrap, 9, 8, {
    ...messages.OffsetFetchRequest.defaults(), requireStable: true, groups: [
      { ...messages.defaultOffsetFetchRequestOffsetFetchRequestGroup(), groupId: GROUP, topics: null },
      { ...messages.defaultOffsetFetchRequestOffsetFetchRequestGroup(), groupId: 'nobody', topics: [
        { ...messages.defaultOffsetFetchRequestOffsetFetchRequestTopics(), name: TOPIC, partitionIndexes: [0] },
      ] },
    ],
  });
  const p0 = fetched.groups[0]!.topics.find((t) => t.name === TOPIC)!.partitions.find((p) => p.partitionIndex === 0)!;
  assert.deepEqual([p0.committedOffset, p0.metadata], [3n, 'reset']);
  assert.equal(fetched.groups[0]!.topics[0]!.partitions.length, PARTITIONS);
  assert.equal(fetched.groups[1]!.topics[0]!.partitions[0]!.committedOffset, -1n);

  const deleted = await request<messages.OffsetDeleteResponse>(broker.bootstrap, 47, 0, {
    ...messages.OffsetDeleteRequest.defaults(), groupId: GROUP, topics: [
      { ...messages.defaultOffsetDeleteRequestOffsetDeleteRequestTopic(), name: TOPIC, partitions: [{ ...messages.defaultOffsetDeleteRequestOffsetDeleteRequestPartition(), partitionIndex: 0 }] },
    ],
  });
  assert.deepEqual([deleted.errorCode, deleted.topics[0]!.partitions[0]!.errorCode], [ErrorCode.NONE, ErrorCode.NONE]);
  const [afterDelete] = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
  assert.equal(afterDelete!.partitions.find((p) => p.partition === 0)!.offset, '-1');

  const described = await request<messages.DescribeGroupsResponse>(broker.bootstrap, 15, 5, {
    ...messages.DescribeGroupsRequest.defaults(), groups: [GROUP], includeAuthorizedOperations: true,
  });
  assert.deepEqual([described.groups[0]!.groupState, described.groups[0]!.authorizedOperations], ['Empty', (1 << 3) | (1 << 6) | (1 << 8)]);
  const list = async (states: string[]) => (await request<messages.ListGroupsResponse>(broker.bootstrap, 16, 5, {
    ...messages.ListGroupsRequest.defaults(), statesFilter: states, typesFilter: ['classic'],
  })).groups.map((g) => [g.groupId, g.groupState, g.groupType]);
  assert.deepEqual(await list(['Empty']), [[GROUP, 'Empty', 'classic']]);
  assert.deepEqual(await list(['Stable']), []);

  await admin.deleteGroups([GROUP]);
  assert.deepEqual((await admin.listGroups()).groups.filter((g) => g.groupId === GROUP), []);
  const [gone] = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
  assert.ok(gone!.partitions.every((p) => p.offset === '-1'));
});

test('a member that stops heartbeating is expelled after its session timeout and its partitions move', async () => {
  const group = 'expel';
  const kafkaMember = kafka.consumer({ groupId: group, sessionTimeout: 6000, heartbeatInterval: 200, maxWaitTimeInMs: 100, allowAutoTopicCreation: false });
  let assigned: number[] = [];
  kafkaMember.on(kafkaMember.events.GROUP_JOIN, (e) => { assigned = [...(e.payload.memberAssignment[TOPIC] ?? [])]; });
  await kafkaMember.connect();
  await kafkaMember.subscribe({ topic: TOPIC });
  await kafkaMember.run({ eachMessage: async () => {} });
  await until('the KafkaJS member owns every partition', () => assigned.length === PARTITIONS);

  // A wire-level member with a one-second session joins with the same assignor and subscription.
  const w = new Writer();
  w.int16(0);
  messages.ConsumerProtocolSubscription.encode(w, { ...messages.ConsumerProtocolSubscription.defaults(), topics: [TOPIC], userData: Buffer.alloc(0) }, 0);
  const joined = await request<messages.JoinGroupResponse>(broker.bootstrap, 11, 3, {
    ...messages.JoinGroupRequest.defaults(), groupId: group, sessionTimeoutMs: 1000, rebalanceTimeoutMs: 5000, memberId: '',
    protocolType: 'consumer', protocols: [{ ...messages.defaultJoinGroupRequestJoinGroupRequestProtocol(), name: 'RoundRobinAssigner', metadata: w.toBuffer() }],
  });
  assert.equal(joined.errorCode, ErrorCode.NONE);
  const synced = await request<messages.SyncGroupResponse>(broker.bootstrap, 14, 3, {
    ...messages.SyncGroupRequest.defaults(), groupId: group, generationId: joined.generationId, memberId: joined.memberId,
  });
  assert.equal(synced.errorCode, ErrorCode.NONE);
  await until('the partitions to be shared', () => assigned.length === PARTITIONS / 2);

  // It never heartbeats: after one second it is expelled and KafkaJS gets everything back.
  const expelledAt = Date.now();
  await until('the silent member\'s partitions to move', () => assigned.length === PARTITIONS);
  assert.ok(Date.now() - expelledAt >= 500, 'expelled before its session timeout');
  const [described] = (await admin.describeGroups([group])).groups;
  assert.equal(described!.members.length, 1);
  await kafkaMember.disconnect();
});
