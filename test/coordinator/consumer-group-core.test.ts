/**
 * The pure pieces of KIP-848 groups: the assignors, the topic regex subset,
 * the records' bytes, and the session and revocation timers of
 * ConsumerGroups over a log that decides at once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ConsumerGroups, assignmentOf, compileTopicRegex, decodeCoordinatorRecord, encodeConsumerGroupRecord, rangeAssign, topicRegexError,
  uniformAssign, type Assignment, type EncodedRecord,
} from '../../src/coordinator/group/index.ts';
import { resolveBrokerConfig } from '../../src/metadata/config/index.ts';
import { ErrorCode } from '../../src/protocol/index.ts';

const T1 = 'AAAAAAAAAAAAAAAAAAAAAQ';
const T2 = 'AAAAAAAAAAAAAAAAAAAAAg';
const topics = new Map([[T1, { topicId: T1, name: 'one', numPartitions: 6 }], [T2, { topicId: T2, name: 'two', numPartitions: 3 }]]);
const both = new Set([T1, T2]);
const list = (a: Assignment | undefined): string => [...(a ?? new Map())].map(([t, ps]) => `${t === T1 ? 'one' : 'two'}:${ps.join(',')}`).join(' ');

test('uniform: balanced, and sticky when a member joins or leaves', () => {
  const three = uniformAssign({ members: ['a', 'b', 'c'].map((memberId) => ({ memberId, topicIds: both })), topics, previous: new Map() });
  const sizes = [...three.values()].map((a) => [...a.values()].reduce((n, p) => n + p.length, 0));
  assert.deepEqual(sizes, [3, 3, 3]);
  const four = uniformAssign({ members: ['a', 'b', 'c', 'd'].map((memberId) => ({ memberId, topicIds: both })), topics, previous: three });
  let moved = 0;
  for (const id of ['a', 'b', 'c']) {
    const before = [...three.get(id)!].flatMap(([t, ps]) => ps.map((p) => `${t}:${p}`));
    const after = [...four.get(id)!].flatMap(([t, ps]) => ps.map((p) => `${t}:${p}`));
    assert.ok(after.every((x) => before.includes(x)), `${id} only loses: ${list(three.get(id))} → ${list(four.get(id))}`);
    moved += before.length - after.length;
  }
  const dSize = [...four.get('d')!.values()].reduce((n, p) => n + p.length, 0);
  assert.equal(moved, dSize, 'only what the new member gets moves');
  assert.ok(dSize === 2 || dSize === 3);
  // Heterogeneous: a member of only 'two' gets only 'two'.
  const mixed = uniformAssign({ members: [{ memberId: 'a', topicIds: both }, { memberId: 'b', topicIds: new Set([T2]) }], topics, previous: new Map() });
  assert.equal(mixed.get('b')!.has(T1), false);
  assert.equal([...mixed.values()].reduce((n, a) => n + [...a.values()].reduce((m, p) => m + p.length, 0), 0), 9);
});

test('range: contiguous ranges per topic in member order', () => {
  const r = rangeAssign({ members: ['b', 'a'].map((memberId) => ({ memberId, topicIds: both })), topics, previous: new Map() });
  assert.equal(list(r.get('a')), 'one:0,1,2 two:0,1');
  assert.equal(list(r.get('b')), 'one:3,4,5 two:2');
});

test('topic regex: an RE2 subset matched in linear time, the rest refused with a reason', () => {
  const re = compileTopicRegex('orders-(eu|us)-\\d+');
  assert.ok(re.matches('orders-eu-12'));
  assert.ok(!re.matches('orders-eu-'));
  assert.ok(!re.matches('xorders-eu-1'), 'the whole name must match');
  assert.ok(compileTopicRegex('^[a-z._-]{2,5}$').matches('a.b-c'));
  assert.ok(compileTopicRegex('[^0-9]*').matches('abc'));
  assert.ok(!compileTopicRegex('[^0-9]*').matches('ab1'));
  for (const bad of ['(a', 'a)', '*a', 'a**', '\\1', '(?=a)', '(?P<n>a)', '[[:alpha:]]', 'a$b', '\\p{L}', 'a{3,1}']) {
    assert.notEqual(topicRegexError(bad), null, bad);
  }
  // What backtracks exponentially in JavaScript is linear here.
  const evil = compileTopicRegex('(a+)+b');
  const started = performance.now();
  assert.equal(evil.matches('a'.repeat(240)), false);
  assert.ok(performance.now() - started < 200, 'no catastrophic backtracking');
});

test("consumer-group records use Kafka's key versions 3–8 and value version 0, and decode back", () => {
  const cases = [
    { kind: 'cg-epoch', group: 'g', epoch: 7 },
    { kind: 'cg-topics', group: 'g', topics: [{ topicId: T1, topicName: 'one', numPartitions: 6 }] },
    {
      kind: 'cg-member', group: 'g', memberId: 'm',
      value: { memberId: 'm', instanceId: 'i', rackId: null, clientId: 'c', clientHost: '/h', subscribedTopicNames: ['one'], subscribedTopicRegex: null, rebalanceTimeoutMs: 5, serverAssignor: 'range' },
    },
    { kind: 'cg-target-epoch', group: 'g', epoch: 7 },
    { kind: 'cg-target', group: 'g', memberId: 'm', assignment: assignmentOf([[T1, [2, 0]]]) },
    {
      kind: 'cg-current', group: 'g', memberId: 'm',
      value: { memberEpoch: 7, previousMemberEpoch: 6, state: 1, assigned: assignmentOf([[T1, [0]]]), pendingRevocation: assignmentOf([[T2, [1]]]) },
    },
  ] as const;
  cases.forEach((r, i) => {
    const e: EncodedRecord = encodeConsumerGroupRecord(r);
    assert.equal(e.key.readInt16BE(0), 3 + i, r.kind);
    assert.equal(e.value!.readInt16BE(0), 0);
    assert.deepEqual(decodeCoordinatorRecord(e.key, e.value), r);
    const tomb = decodeCoordinatorRecord(e.key, null);
    assert.equal(tomb.kind, r.kind);
  });
  // The group epoch record: key = version 3, group "g"; value = version 0, epoch 7, no tagged fields.
  const e = encodeConsumerGroupRecord({ kind: 'cg-epoch', group: 'g', epoch: 7 });
  assert.equal(e.key.toString('hex'), '0003' + '000167');
  assert.equal(e.value!.toString('hex'), '0000' + '00000007' + '00');
});

test('a silent member is fenced after its session; one that does not revoke, after its rebalance timeout', async () => {
  let now = 0;
  const written: EncodedRecord[] = [];
  const groups = new ConsumerGroups({
    config: { heartbeatIntervalMs: 100, sessionTimeoutMs: 1000, maxSize: 10, assignors: ['uniform'] },
    nowMs: () => now,
    topics: () => new Map([['one', { topicId: T1, numPartitions: 2 }]]),
    write: (_g, records) => { written.push(...records); return ErrorCode.NONE; },
    append: (_g, records) => { written.push(...records); return ErrorCode.NONE; },
    newMemberId: () => 'x', logLine: () => undefined, changed: () => undefined,
  });
  const join = (memberId: string) => groups.heartbeat({
    groupId: 'g', memberId, memberEpoch: 0, instanceId: null, rackId: null, rebalanceTimeoutMs: 500, subscribedTopicNames: ['one'],
    subscribedTopicRegex: null, serverAssignor: null, topicPartitions: [], clientId: memberId, clientHost: '/h', apiVersion: 1,
  });
  const a = await join('a');
  assert.deepEqual(a.assignment, [{ topicId: T1, partitions: [0, 1] }]);
  now = 100;
  await join('b');
  // a is asked to revoke one partition (on its next heartbeat) but never acknowledges.
  const a2 = await groups.heartbeat({
    groupId: 'g', memberId: 'a', memberEpoch: 1, instanceId: null, rackId: null, rebalanceTimeoutMs: -1, subscribedTopicNames: null,
    subscribedTopicRegex: null, serverAssignor: null, topicPartitions: [{ topicId: T1, partitions: [0, 1] }], clientId: 'a', clientHost: '/h', apiVersion: 1,
  });
  assert.equal(a2.assignment!.length, 1);
  assert.equal(groups.nextDeadlineMs(), 100 + 500, 'the revocation deadline comes first');
  now = 600;
  await groups.tick(now);
  assert.equal(groups.groups.get('g')!.members.has('a'), false, 'fenced for not revoking');
  // b never heartbeats again: its session ends.
  now = 100 + 1000;
  await groups.tick(now);
  assert.equal(groups.groups.get('g')!.members.size, 0);
  assert.equal(groups.groups.get('g')!.state, 'Empty');
  assert.ok(written.length > 0);
});

test("group.consumer.* configs are checked as Kafka's GroupCoordinatorConfig requires", () => {
  const error = (props: Record<string, string>): string => {
    const r = resolveBrokerConfig(props);
    assert.equal(r.ok, false, JSON.stringify(props));
    return (r as { error: string }).error;
  };
  const ok = resolveBrokerConfig({});
  assert.ok(ok.ok);
  assert.deepEqual([ok.config.groupConsumerAssignors, ok.config.groupCoordinatorRebalanceProtocols, ok.config.groupConsumerMaxSize], [['uniform', 'range'], ['classic', 'consumer'], 2147483647]);
  assert.match(error({ 'group.consumer.heartbeat.interval.ms': '200' }), /group.consumer.heartbeat.interval.ms.*between group.consumer.min.heartbeat.interval.ms \(5000\)/);
  assert.match(error({ 'group.consumer.session.timeout.ms': '90000' }), /group.consumer.session.timeout.ms/);
  assert.match(error({ 'group.consumer.heartbeat.interval.ms': '45000', 'group.consumer.max.heartbeat.interval.ms': '60000' }), /less than group.consumer.session.timeout.ms/);
  assert.match(error({ 'group.coordinator.rebalance.protocols': 'consumer' }), /classic/);
  assert.match(error({ 'group.consumer.assignors': 'sticky' }), /group.consumer.assignors/);
  assert.match(error({ 'group.consumer.assignors': '' }), /at least one assignor/);
});
