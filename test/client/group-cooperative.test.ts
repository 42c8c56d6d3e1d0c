/**
 * cooperative-sticky and static membership: the assignor against the cases
 * that define it, then real members on a real broker — a second member
 * joining makes the first revoke only the partitions that move (in two
 * rounds), a librdkafka cooperative-sticky member mixes in the same way, and
 * a static member restarted inside session.timeout.ms gets its partitions
 * back without a rebalance.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import {
  Admin, Cluster, Consumer, Producer, cooperativeStickyAssignor, type ConsumerRecord, type MemberSubscription, type TopicPartitions,
} from '../../src/client/index.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { PYTHON } from '../helpers/processes.ts';
import { until as untilShared } from '../helpers/until.ts';

const WAIT_MS_MAX = 15_000;
const MEMBER_SCRIPT = join(import.meta.dirname, '..', 'interop', 'python', 'group_member.py');

let broker: TestBroker;
let cluster: Cluster;
const children = new Set<ChildProcess>();

before(async () => {
  broker = await startTestBroker({ 'num.partitions': '4', 'group.initial.rebalance.delay.ms': '0', 'group.min.session.timeout.ms': '1000' });
  cluster = new Cluster({ bootstrapServers: [broker.bootstrap] });
});
after(async () => {
  for (const child of children) child.kill('SIGKILL');
  await cluster?.close();
  await broker?.stop();
});

const flat = (list: readonly TopicPartitions[]): string[] => list.flatMap((t) => t.partitions.map((p) => `${t.topic}-${p}`)).sort();

test('cooperative-sticky keeps owned partitions, balances, and holds back the ones that change owner', () => {
  const counts = new Map([['t', 4]]);
  const member = (memberId: string, owned: number[], generationId = 1): MemberSubscription => ({
    memberId, groupInstanceId: null, topics: ['t'], ownedPartitions: owned.length > 0 ? [{ topic: 't', partitions: owned }] : [], generationId,
  });
  // A first member takes everything.
  assert.deepEqual(flat(cooperativeStickyAssignor.assign([member('a', [], -1)], counts).get('a')!), ['t-0', 't-1', 't-2', 't-3']);
  // A second joins: a keeps two, and the two that move go to nobody in this round.
  const first = cooperativeStickyAssignor.assign([member('a', [0, 1, 2, 3]), member('b', [], -1)], counts);
  assert.deepEqual(flat(first.get('a')!), ['t-0', 't-1']);
  assert.deepEqual(first.get('b'), []);
  // After a revoked them, the second round hands them to b.
  const second = cooperativeStickyAssignor.assign([member('a', [0, 1], 2), member('b', [], 2)], counts);
  assert.deepEqual(flat(second.get('a')!), ['t-0', 't-1']);
  assert.deepEqual(flat(second.get('b')!), ['t-2', 't-3']);
  // Sticky, not sorted: owners keep what they hold even when it is not the range an eager assignor would give.
  const sticky = cooperativeStickyAssignor.assign([member('a', [1, 3]), member('b', [0, 2])], counts);
  assert.deepEqual(flat(sticky.get('a')!), ['t-1', 't-3']);
  assert.deepEqual(flat(sticky.get('b')!), ['t-0', 't-2']);
  // A double claim goes to the newer generation; the stale claimant gets it neither now nor later by default.
  const claimed = cooperativeStickyAssignor.assign([member('a', [0, 1], 5), member('b', [0, 2, 3], 4)], counts);
  assert.deepEqual(flat(claimed.get('a')!), ['t-0', 't-1']);
  assert.deepEqual(flat(claimed.get('b')!), ['t-2', 't-3']);
  // Partitions of a topic a member left, or that no longer exist, are not kept.
  const gone = cooperativeStickyAssignor.assign([
    { memberId: 'a', groupInstanceId: null, topics: ['t'], ownedPartitions: [{ topic: 'u', partitions: [0] }, { topic: 't', partitions: [0, 9] }], generationId: 1 },
  ], counts);
  assert.deepEqual(flat(gone.get('a')!), ['t-0', 't-1', 't-2', 't-3']);
  // Three members on 4 + 2 partitions of two topics, one subscribed to one topic only: balanced 2/2/2.
  const mixed = cooperativeStickyAssignor.assign([
    { memberId: 'a', groupInstanceId: null, topics: ['t', 'u'] },
    { memberId: 'b', groupInstanceId: null, topics: ['t', 'u'] },
    { memberId: 'c', groupInstanceId: null, topics: ['u'] },
  ], new Map([['t', 4], ['u', 2]]));
  assert.deepEqual([...mixed.values()].map((l) => flat(l).length), [2, 2, 2]);
  assert.deepEqual(flat(mixed.get('c')!), ['u-0', 'u-1']);
});

async function produce(topic: string, n: number): Promise<void> {
  const admin = new Admin(cluster);
  await admin.createTopics([{ name: topic, partitions: 4 }]);
  const producer = new Producer(cluster);
  await Promise.all(Array.from({ length: n }, (_, i) => producer.send({ topic, key: `k${i}`, value: `v${i}` })));
  await producer.close();
}

/**
 * A Samsa member polling in the background, recording every rebalance
 * callback and record. Each has its own connections, as separate consumers
 * do: a broker answers one connection's requests in order, so a JoinGroup
 * waiting for the rebalance would hold back another member's heartbeat.
 */
class Member {
  readonly consumer: Consumer;
  private readonly cluster = new Cluster({ bootstrapServers: [broker.bootstrap] });
  readonly events: { event: 'revoke' | 'assign'; partitions: number[] }[] = [];
  readonly records: ConsumerRecord[] = [];
  private running = true;
  private readonly loop: Promise<void>;

  constructor(topic: string, options: ConstructorParameters<typeof Consumer>[1]) {
    this.consumer = new Consumer(this.cluster, { autoOffsetReset: 'earliest', heartbeatIntervalMs: 100, sessionTimeoutMs: 6000, ...options });
    const record = (event: 'revoke' | 'assign') => (list: TopicPartitions[]): void => {
      this.events.push({ event, partitions: list.flatMap((t) => t.partitions).sort() });
    };
    this.consumer.subscribe([topic], { onPartitionsRevoked: record('revoke'), onPartitionsAssigned: record('assign') });
    const consumer = this.consumer;
    this.loop = (async () => {
      while (this.running) this.records.push(...await consumer.poll(100));
    })();
  }

  owned(): number[] {
    return this.consumer.assignment().map((p) => p.partition).sort();
  }

  revoked(): number[] {
    return this.events.filter((e) => e.event === 'revoke').flatMap((e) => e.partitions).sort();
  }

  async close(): Promise<void> {
    this.running = false;
    await this.loop;
    await this.consumer.close();
    await this.cluster.close();
  }
}

function until(what: string, cond: () => boolean | Promise<boolean>): Promise<boolean> {
  return untilShared(what, cond, { timeoutMs: WAIT_MS_MAX, intervalMs: 20 });
}

test('a second cooperative-sticky member joining: the first revokes only the two partitions that move', async () => {
  const topic = 'coop-two';
  await produce(topic, 200);
  const options = { groupId: 'g-coop', assignors: ['cooperative-sticky' as const] };
  const a = new Member(topic, options);
  await until('a to own all 4 partitions', () => a.owned().length === 4);
  await until('a to read every record', () => a.records.length === 200);
  const b = new Member(topic, options);
  try {
    await until('a 2 / b 2', () => a.owned().length === 2 && b.owned().length === 2);
    const kept = a.owned();
    assert.deepEqual(a.revoked().length, 2, `a revoked ${a.revoked()}`);
    assert.deepEqual([...kept, ...a.revoked()].sort(), [0, 1, 2, 3], 'a revoked exactly what it lost');
    assert.deepEqual(b.owned(), a.revoked(), 'b got what a revoked');
    assert.deepEqual(b.revoked(), [], 'b had nothing to revoke');
    // a first heard all four assigned, then one revoke of two, never a revoke of what it kept.
    assert.deepEqual(a.events.filter((e) => e.partitions.length > 0), [{ event: 'assign', partitions: [0, 1, 2, 3] }, { event: 'revoke', partitions: a.revoked() }]);
    assert.equal(a.consumer.groupMetadata()!.generationId, b.consumer.groupMetadata()!.generationId);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
  // a committed before handing partitions over, so b read nothing again.
  assert.equal(b.records.length, 0, `b re-read ${b.records.length} records`);
});

test('a librdkafka cooperative-sticky member joins a Samsa one: only the moved partitions are revoked', async () => {
  const topic = 'coop-mixed';
  await produce(topic, 40);
  const a = new Member(topic, { groupId: 'g-coop-mixed', assignors: ['cooperative-sticky'] });
  await until('a to own all 4 partitions', () => a.owned().length === 4);
  const child = spawn(PYTHON, [MEMBER_SCRIPT], { stdio: 'pipe' });
  children.add(child);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const rdEvents: { event: string; partitions?: number[] }[] = [];
  let pending = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => {
    pending += s;
    for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
      if (pending.slice(0, nl).trim() !== '') rdEvents.push(JSON.parse(pending.slice(0, nl)) as { event: string });
      pending = pending.slice(nl + 1);
    }
  });
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  child.stdin.write(`${JSON.stringify({
    bootstrap: broker.bootstrap, topic, max_seconds: 30,
    config: { 'group.id': 'g-coop-mixed', 'partition.assignment.strategy': 'cooperative-sticky', 'auto.offset.reset': 'earliest', 'session.timeout.ms': 6000, 'heartbeat.interval.ms': 100 },
  })}\n`);
  const rdOwned = (): number[] => {
    const owned = new Set<number>();
    for (const e of rdEvents) {
      if (e.event === 'assign') for (const p of e.partitions!) owned.add(p);
      if (e.event === 'revoke' || e.event === 'lost') for (const p of e.partitions!) owned.delete(p);
    }
    return [...owned].sort();
  };
  try {
    await until(`a 2 / librdkafka 2 (${stderr})`, () => a.owned().length === 2 && rdOwned().length === 2);
    assert.deepEqual([...a.owned(), ...rdOwned()].sort(), [0, 1, 2, 3]);
    assert.deepEqual(a.revoked(), rdOwned(), 'the Samsa member revoked exactly what librdkafka got');
    assert.deepEqual(rdEvents.filter((e) => e.event === 'revoke' && e.partitions!.length > 0), [], 'librdkafka revoked nothing');
  } finally {
    child.stdin.write(`${JSON.stringify({ op: 'close' })}\n`);
    const code = await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (code === undefined) child.kill('SIGKILL');
    await a.close();
  }
});

test('static membership: close sends no LeaveGroup, and a restart within session.timeout.ms gets the same partitions without a rebalance', async () => {
  const topic = 'static-two';
  await produce(topic, 20);
  const options = (instance: string) => ({ groupId: 'g-static', groupInstanceId: instance, assignors: ['range' as const] });
  const a = new Member(topic, options('inst-a'));
  const b = new Member(topic, options('inst-b'));
  const admin = new Admin(cluster);
  let b2: Member | null = null;
  try {
    await until('a 2 / b 2 in one generation', () => a.owned().length === 2 && b.owned().length === 2
      && a.consumer.groupMetadata()!.generationId === b.consumer.groupMetadata()!.generationId);
    // Let a possible second round settle, then take the stable state.
    await new Promise((r) => setTimeout(r, 500));
    const generation = b.consumer.groupMetadata()!.generationId;
    const aPartitions = a.owned();
    const bEvents = b.events.length;
    await a.close();
    const [described] = await admin.describeGroups(['g-static']);
    assert.deepEqual(described!.members.map((m) => m.groupInstanceId).sort(), ['inst-a', 'inst-b'], 'the static member kept its slot');

    b2 = new Member(topic, options('inst-a'));
    await until('the restarted a to own partitions', () => b2!.owned().length > 0);
    assert.deepEqual(b2.owned(), aPartitions, 'the same partitions as before the restart');
    assert.equal(b2.consumer.groupMetadata()!.generationId, generation, 'no new generation');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(b.events.length, bEvents, 'b saw no rebalance');
    assert.equal(b.consumer.groupMetadata()!.generationId, generation);
    // It resumes after a's committed offsets: nothing is read twice.
    const readByA = new Set(a.records.map((r) => `${r.partition}:${r.offset}`));
    assert.equal(b2.records.filter((r) => readByA.has(`${r.partition}:${r.offset}`)).length, 0);
  } finally {
    await Promise.all([b.close(), b2?.close()]);
  }
});
