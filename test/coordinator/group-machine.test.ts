/**
 * The classic rebalance protocol as scripted scenarios on the pure state
 * machine: time is a number the script advances, timers fire only through
 * tick(), replies are captured.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../src/protocol/index.ts';
import { RANGE, ROUNDROBIN, harness, stableGroupOfThree } from './helpers.ts';

test('KIP-394: a new dynamic member of a v4+ client first gets its id with MEMBER_ID_REQUIRED', () => {
  const h = harness();
  const first = h.join({ clientId: 'c1', requireKnownMemberId: true }, 0);
  assert.equal(first.result.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
  assert.equal(first.result.memberId, 'c1-u1');
  assert.equal(h.group.state, 'Empty');
  assert.ok(h.group.isPendingMember('c1-u1'));
  const second = h.join({ clientId: 'c1', memberId: 'c1-u1', requireKnownMemberId: true }, 10);
  assert.equal(h.group.state, 'PreparingRebalance');
  h.machine.tick(10);
  assert.equal(second.result.errorCode, ErrorCode.NONE);
  assert.equal(second.result.memberId, 'c1-u1');
  assert.equal(second.result.leader, 'c1-u1');
  assert.equal(second.result.generationId, 1);
});

test('a pending member that never comes back expires after its session timeout', () => {
  const h = harness();
  h.join({ clientId: 'c1', requireKnownMemberId: true, sessionTimeoutMs: 5000 }, 0);
  assert.equal(h.machine.nextDeadlineMs(), 5000);
  h.machine.tick(5000);
  assert.equal(h.group.pendingMembers.size, 0);
  assert.equal(h.machine.nextDeadlineMs(), null);
});

test('three members join and sync: the leader gets every member, followers wait for the leader\'s assignment', () => {
  const h = harness({ initialDelayMs: 100 });
  const a = h.join({ clientId: 'a' }, 0);
  const b = h.join({ clientId: 'b' }, 50);
  // The initial delay saw a new member, so it waits one more delay before completing.
  h.machine.tick(100);
  assert.equal(a.done, false);
  const c = h.join({ clientId: 'c' }, 150);
  assert.equal(h.machine.nextDeadlineMs(), 200);
  // c arrived during the extension, so there is one more; then nobody new arrives and the join completes.
  h.machine.tick(200);
  assert.equal(h.group.state, 'PreparingRebalance');
  assert.equal(h.machine.nextDeadlineMs(), 300);
  h.machine.tick(300);
  assert.equal(h.group.state, 'CompletingRebalance');
  for (const j of [a, b, c]) {
    assert.equal(j.result.errorCode, ErrorCode.NONE);
    assert.equal(j.result.generationId, 1);
    assert.equal(j.result.protocolName, 'range');
    assert.equal(j.result.leader, a.result.memberId);
  }
  assert.deepEqual(a.result.members.map((m) => m.memberId), [a.result.memberId, b.result.memberId, c.result.memberId]);
  assert.deepEqual(b.result.members, []);
  const [ida, idb, idc] = [a.result.memberId, b.result.memberId, c.result.memberId];
  const sb = h.sync(idb, 1, 210);
  const sc = h.sync(idc, 1, 210);
  assert.equal(sb.done, false);
  assert.equal(h.stored.length, 0);
  const sa = h.sync(ida, 1, 220, { [ida]: 'pa', [idb]: 'pb' });
  assert.equal(h.group.state, 'Stable');
  assert.equal(sa.result.assignment.toString(), 'pa');
  assert.equal(sb.result.assignment.toString(), 'pb');
  // A member the leader left out gets an empty assignment.
  assert.equal(sc.result.assignment.length, 0);
  assert.equal(sb.result.protocolName, 'range');
  assert.equal(h.stored.length, 1);
  assert.deepEqual([...h.stored[0]!.assignments], [[ida, 'pa'], [idb, 'pb'], [idc, '']]);
  // SyncGroup again in Stable answers the current assignment.
  assert.equal(h.sync(idb, 1, 230).result.assignment.toString(), 'pb');
});

test('the assignment is made durable before anyone hears it; a failed write sends members back to rejoin', () => {
  const h = harness();
  const joins = ['a', 'b'].map((clientId) => h.join({ clientId }, 0));
  h.machine.tick(0);
  const [ida, idb] = joins.map((j) => j.result.memberId);
  const sb = h.sync(idb!, 1, 1);
  h.storeError = ErrorCode.NOT_COORDINATOR;
  const sa = h.sync(ida!, 1, 2, { [ida!]: 'x', [idb!]: 'y' });
  assert.equal(sa.result.errorCode, ErrorCode.NOT_COORDINATOR);
  assert.equal(sb.result.errorCode, ErrorCode.NOT_COORDINATOR);
  assert.equal(h.group.state, 'PreparingRebalance');
});

test('heartbeats: NONE when stable, REBALANCE_IN_PROGRESS while rebalancing, and member/generation checks', () => {
  const h = harness();
  const [ida, idb] = stableGroupOfThree(h);
  assert.equal(h.heartbeat(idb!, 1, 10), ErrorCode.NONE);
  assert.equal(h.heartbeat(idb!, 0, 10), ErrorCode.ILLEGAL_GENERATION);
  assert.equal(h.heartbeat('nobody', 1, 10), ErrorCode.UNKNOWN_MEMBER_ID);
  // The leader rejoining forces a rebalance; the others learn it from their heartbeat.
  const again = h.join({ memberId: ida!, clientId: 'a' }, 20);
  assert.equal(again.done, false);
  assert.equal(h.group.state, 'PreparingRebalance');
  assert.equal(h.heartbeat(idb!, 1, 30), ErrorCode.REBALANCE_IN_PROGRESS);
});

test('a follower rejoining a stable group with unchanged metadata gets the current generation without a rebalance', () => {
  const h = harness();
  const [ida, idb] = stableGroupOfThree(h);
  const j = h.join({ memberId: idb!, clientId: 'b' }, 10);
  assert.equal(j.result.errorCode, ErrorCode.NONE);
  assert.equal(j.result.generationId, 1);
  assert.equal(j.result.leader, ida);
  assert.equal(h.group.state, 'Stable');
});

test('rejoin: when every member has rejoined the next generation starts at once', () => {
  const h = harness();
  const [ida, idb, idc] = stableGroupOfThree(h);
  const ja = h.join({ memberId: ida!, clientId: 'a' }, 10);
  const jb = h.join({ memberId: idb!, clientId: 'b' }, 11);
  assert.equal(ja.done, false);
  const jc = h.join({ memberId: idc!, clientId: 'c', protocols: [RANGE] }, 12);
  for (const j of [ja, jb, jc]) assert.equal(j.result.generationId, 2);
  assert.equal(h.group.state, 'CompletingRebalance');
});

test('session timeout: a member that stops heartbeating is removed and the others rebalance without it', () => {
  const h = harness();
  const [ida, idb, idc] = stableGroupOfThree(h, 0);
  for (let t = 3000; t <= 9000; t += 3000) {
    assert.equal(h.heartbeat(ida!, 1, t), ErrorCode.NONE);
    assert.equal(h.heartbeat(idb!, 1, t), ErrorCode.NONE);
  }
  h.machine.tick(10_000);
  assert.equal(h.group.has(idc!), false);
  assert.equal(h.group.state, 'PreparingRebalance');
  const ja = h.join({ memberId: ida!, clientId: 'a' }, 10_001);
  const jb = h.join({ memberId: idb!, clientId: 'b' }, 10_002);
  assert.equal(ja.result.generationId, 2);
  assert.deepEqual(ja.result.members.map((m) => m.memberId), [ida, idb]);
  assert.equal(jb.result.errorCode, ErrorCode.NONE);
});

test('rebalance timeout: a member that does not rejoin in time is dropped when the rebalance completes', () => {
  const h = harness();
  const [ida, idb, idc] = stableGroupOfThree(h, 0);
  const ja = h.join({ memberId: ida!, clientId: 'a', rebalanceTimeoutMs: 20_000 }, 1000);
  const jb = h.join({ memberId: idb!, clientId: 'b' }, 1000);
  // The rebalance waits the largest rebalance timeout (30 s, from b and c); c keeps heartbeating but never rejoins.
  for (let t = 4000; t < 31_000; t += 3000) assert.equal(h.heartbeat(idc!, 1, t), ErrorCode.REBALANCE_IN_PROGRESS);
  assert.equal(ja.done, false);
  h.machine.tick(31_000);
  assert.equal(ja.result.generationId, 2);
  assert.equal(jb.result.generationId, 2);
  assert.equal(h.group.has(idc!), false);
  assert.equal(h.heartbeat(idc!, 1, 31_001), ErrorCode.UNKNOWN_MEMBER_ID);
});

test('a member that never sends SyncGroup is removed after the rebalance timeout', () => {
  const h = harness();
  const joins = ['a', 'b'].map((clientId) => h.join({ clientId, rebalanceTimeoutMs: 5000, sessionTimeoutMs: 60_000 }, 0));
  h.machine.tick(0);
  const [ida, idb] = joins.map((j) => j.result.memberId);
  const sa = h.sync(ida!, 1, 10, { [ida!]: 'x', [idb!]: 'y' });
  assert.equal(sa.result.errorCode, ErrorCode.NONE);
  assert.equal(h.group.state, 'Stable');
  h.machine.tick(5000);
  assert.equal(h.group.has(idb!), false);
  assert.equal(h.group.state, 'PreparingRebalance');
});

test('protocol selection: the type must match, and the protocol every member supports wins by preference', () => {
  const h = harness();
  const a = h.join({ clientId: 'a', protocols: [RANGE, ROUNDROBIN] }, 0);
  const b = h.join({ clientId: 'b', protocols: [ROUNDROBIN, RANGE] }, 0);
  const c = h.join({ clientId: 'c', protocols: [ROUNDROBIN] }, 0);
  const wrongType = h.join({ clientId: 'd', protocolType: 'connect', protocols: [ROUNDROBIN] }, 0);
  const noCommon = h.join({ clientId: 'e', protocols: [{ name: 'sticky', metadata: Buffer.alloc(0) }] }, 0);
  assert.equal(wrongType.result.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  assert.equal(noCommon.result.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  h.machine.tick(0);
  // range is not supported by c, so only roundrobin is a candidate.
  assert.equal(a.result.protocolName, 'roundrobin');
  assert.equal(a.result.members[0]!.metadata.toString(), 'rr');
  assert.equal(b.result.protocolName, 'roundrobin');
  assert.equal(c.result.protocolName, 'roundrobin');

  const h2 = harness();
  const x = h2.join({ clientId: 'x', protocols: [RANGE, ROUNDROBIN] }, 0);
  h2.join({ clientId: 'y', protocols: [RANGE, ROUNDROBIN] }, 0);
  h2.join({ clientId: 'z', protocols: [ROUNDROBIN, RANGE] }, 0);
  h2.machine.tick(0);
  assert.equal(x.result.protocolName, 'range');
});

test('static membership: a restarted instance takes its slot and assignment back without a rebalance', () => {
  const h = harness();
  const a = h.join({ clientId: 'a', groupInstanceId: 'ia' }, 0);
  const b = h.join({ clientId: 'b', groupInstanceId: 'ib' }, 0);
  h.machine.tick(0);
  const [ida, idb] = [a.result.memberId, b.result.memberId];
  assert.equal(ida, 'ia-u1');
  h.sync(idb, 1, 1, {}, { groupInstanceId: 'ib' });
  h.sync(ida, 1, 2, { [ida]: 'A', [idb]: 'B' }, { groupInstanceId: 'ia' });
  assert.equal(h.group.state, 'Stable');
  const storedBefore = h.stored.length;
  // Instance ib restarts: no member id, same instance id.
  const rejoin = h.join({ clientId: 'b', groupInstanceId: 'ib' }, 100);
  assert.equal(rejoin.result.errorCode, ErrorCode.NONE);
  const newIdb = rejoin.result.memberId;
  assert.notEqual(newIdb, idb);
  assert.equal(rejoin.result.generationId, 1);
  // Pre-v9 clients are told the old leader so the restarted member does not run an assignment.
  assert.equal(rejoin.result.leader, ida);
  assert.equal(h.group.state, 'Stable');
  assert.equal(h.stored.length, storedBefore + 1);
  assert.equal(h.stored.at(-1)!.assignments.get(newIdb), 'B');
  assert.equal(h.sync(newIdb, 1, 101, {}, { groupInstanceId: 'ib' }).result.assignment.toString(), 'B');
  assert.equal(h.heartbeat(ida, 1, 102, 'ia'), ErrorCode.NONE);
  // The stale instance is fenced everywhere.
  assert.equal(h.heartbeat(idb, 1, 103, 'ib'), ErrorCode.FENCED_INSTANCE_ID);
  assert.equal(h.join({ memberId: idb, clientId: 'b', groupInstanceId: 'ib' }, 104).result.errorCode, ErrorCode.FENCED_INSTANCE_ID);
  assert.equal(h.sync(idb, 1, 105, {}, { groupInstanceId: 'ib' }).result.errorCode, ErrorCode.FENCED_INSTANCE_ID);
});

test('static membership: a static leader restarting with JoinGroup v9 learns it leads but may skip the assignment', () => {
  const h = harness();
  const a = h.join({ clientId: 'a', groupInstanceId: 'ia' }, 0);
  const b = h.join({ clientId: 'b', groupInstanceId: 'ib' }, 0);
  h.machine.tick(0);
  h.sync(a.result.memberId, 1, 1, { [a.result.memberId]: 'A', [b.result.memberId]: 'B' });
  const rejoin = h.join({ clientId: 'a', groupInstanceId: 'ia', supportSkipAssignment: true }, 10);
  assert.equal(rejoin.result.leader, rejoin.result.memberId);
  assert.equal(rejoin.result.skipAssignment, true);
  assert.equal(rejoin.result.members.length, 2);
  assert.equal(h.group.state, 'Stable');
});

test('static membership: a member waiting in a rebalance is fenced when its instance id rejoins elsewhere', () => {
  const h = harness();
  const a = h.join({ clientId: 'a', groupInstanceId: 'ia' }, 0);
  h.join({ clientId: 'b' }, 0);
  assert.equal(a.done, false);
  const replacement = h.join({ clientId: 'a2', groupInstanceId: 'ia' }, 0);
  assert.equal(a.result.errorCode, ErrorCode.FENCED_INSTANCE_ID);
  h.machine.tick(0);
  assert.equal(replacement.result.errorCode, ErrorCode.NONE);
  assert.equal(replacement.result.generationId, 1);
});

test('LeaveGroup v3+: a batch by member id and by group.instance.id, unknown members reported', () => {
  const h = harness();
  const a = h.join({ clientId: 'a' }, 0);
  h.join({ clientId: 'b', groupInstanceId: 'ib' }, 0);
  const c = h.join({ clientId: 'c' }, 0);
  h.machine.tick(0);
  h.sync(a.result.memberId, 1, 1, {});
  const result = h.machine.leave([
    { memberId: a.result.memberId, groupInstanceId: null, reason: 'bye' },
    { memberId: '', groupInstanceId: 'ib', reason: null },
    { memberId: 'ghost', groupInstanceId: null, reason: null },
  ], 10);
  assert.equal(result.errorCode, ErrorCode.NONE);
  assert.deepEqual(result.members.map((m) => m.errorCode), [ErrorCode.NONE, ErrorCode.NONE, ErrorCode.UNKNOWN_MEMBER_ID]);
  assert.deepEqual([...h.group.members.keys()], [c.result.memberId]);
  assert.equal(h.group.leaderId, c.result.memberId);
  assert.equal(h.group.state, 'PreparingRebalance');
  const jc = h.join({ memberId: c.result.memberId, clientId: 'c' }, 11);
  assert.equal(jc.result.generationId, 2);
  assert.equal(jc.result.leader, c.result.memberId);
});

test('the last member leaving makes the group Empty at a new generation, and that is written', () => {
  const h = harness();
  const a = h.join({ clientId: 'a' }, 0);
  h.machine.tick(0);
  h.sync(a.result.memberId, 1, 1, { [a.result.memberId]: 'A' });
  h.machine.leave([{ memberId: a.result.memberId, groupInstanceId: null, reason: null }], 5);
  assert.equal(h.group.state, 'Empty');
  assert.equal(h.group.generationId, 2);
  assert.deepEqual(h.stored.at(-1), { generation: 2, state: 'Empty', leader: null, protocol: null, assignments: new Map() });
  assert.equal(h.machine.nextDeadlineMs(), null);
});

test('SyncGroup errors: unknown member, wrong generation, rebalance in progress, inconsistent protocol', () => {
  const h = harness();
  const [ida, idb] = stableGroupOfThree(h);
  assert.equal(h.sync('ghost', 1, 5).result.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal(h.sync(idb!, 7, 5).result.errorCode, ErrorCode.ILLEGAL_GENERATION);
  assert.equal(h.sync(idb!, 1, 5, {}, { protocolName: 'roundrobin' }).result.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  h.join({ memberId: ida!, clientId: 'a' }, 6);
  assert.equal(h.sync(idb!, 1, 7).result.errorCode, ErrorCode.REBALANCE_IN_PROGRESS);
});

test('group.max.size: a member beyond the limit is refused', () => {
  const h = harness({ sizeMax: 2 });
  h.join({ clientId: 'a' }, 0);
  h.join({ clientId: 'b' }, 0);
  const c = h.join({ clientId: 'c' }, 0);
  assert.equal(c.result.errorCode, ErrorCode.GROUP_MAX_SIZE_REACHED);
  assert.equal(h.group.size, 2);
});

test('offset commits: generation -1 only for empty groups; members need their generation; not while completing', () => {
  const h = harness();
  const commit = (memberId: string, generationId: number) => h.machine.validateOffsetCommit({ memberId, groupInstanceId: null, generationId }, 0);
  assert.equal(commit('', -1), ErrorCode.NONE);
  const a = h.join({ clientId: 'a' }, 0);
  h.machine.tick(0);
  const ida = a.result.memberId;
  assert.equal(commit(ida, 1), ErrorCode.REBALANCE_IN_PROGRESS);
  h.sync(ida, 1, 1, { [ida]: 'A' });
  assert.equal(commit(ida, 1), ErrorCode.NONE);
  assert.equal(commit(ida, 0), ErrorCode.ILLEGAL_GENERATION);
  assert.equal(commit('', -1), ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal(commit('ghost', 1), ErrorCode.UNKNOWN_MEMBER_ID);
});

test('a newer JoinGroup from the same member answers the one it supersedes', () => {
  const h = harness({ initialDelayMs: 1000 });
  const first = h.join({ clientId: 'a', memberId: '' }, 0);
  const id = h.group.members.keys().next().value!;
  const second = h.join({ clientId: 'a', memberId: id }, 10);
  assert.equal(first.result.errorCode, ErrorCode.REBALANCE_IN_PROGRESS);
  h.machine.tick(1000);
  assert.equal(second.result.errorCode, ErrorCode.NONE);
});
