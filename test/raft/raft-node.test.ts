/**
 * Scenario tests of the RaftNode core on a tiny lossless network with
 * per-node isolation. Each test drives a specific rule of KIP-595/996/630.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  RaftNode, type Entry, type HardState, type Message, type PersistedState, type RaftConfig, type Ready, type Snapshot,
} from '../../src/raft/core/index.ts';
import { mulberry32 } from './simulator.ts';

const TIMEOUTS = { electionTimeoutTicks: 10, fetchTimeoutTicks: 15, fetchMaxWaitTicks: 3, fetchMaxRecords: 100, snapshotChunkBytes: 4 };
const EMPTY: PersistedState = { hardState: { epoch: 0, votedFor: null, leaderId: null }, snapshot: null, entries: [] };

function configFor(nodeId: number, voters: number[], overrides: Partial<RaftConfig> = {}): RaftConfig {
  return {
    nodeId, voters, ...TIMEOUTS, random: mulberry32(nodeId * 7919),
    leaderChangeRecord: (epoch, leaderId) => Buffer.from(`leader ${epoch} ${leaderId}`), ...overrides,
  };
}

function entry(baseOffset: number, epoch: number, value = `e${baseOffset}`): Entry {
  return { baseOffset, epoch, records: [Buffer.from(value)], control: false };
}

interface TestNode {
  raft: RaftNode;
  hardState: HardState;
  snapshot: Snapshot | null;
  entries: Entry[];
  readies: Ready[];
  applied: Entry[];
}

/** A lossless, in-order network; isolated nodes neither send nor receive. */
class Cluster {
  readonly nodes = new Map<number, TestNode>();
  readonly isolated = new Set<number>();
  readonly sent: Message[] = [];
  private queue: Message[] = [];

  constructor(voters: number[], observers: number[] = [], persisted: Record<number, PersistedState> = {}, overrides: Partial<RaftConfig> = {}) {
    for (const id of [...voters, ...observers]) this.start(id, voters, persisted[id] ?? EMPTY, overrides);
  }

  start(id: number, voters: number[], state: PersistedState, overrides: Partial<RaftConfig> = {}): TestNode {
    const node: TestNode = {
      raft: new RaftNode(configFor(id, voters, overrides), state),
      hardState: state.hardState, snapshot: state.snapshot, entries: [...state.entries], readies: [], applied: [],
    };
    this.nodes.set(id, node);
    return node;
  }

  node(id: number): TestNode {
    const node = this.nodes.get(id);
    assert.ok(node !== undefined, `no node ${id}`);
    return node;
  }

  persisted(id: number): PersistedState {
    const node = this.node(id);
    return { hardState: node.hardState, snapshot: node.snapshot, entries: [...node.entries] };
  }

  /** Applies every pending Ready and delivers messages until the network is quiet. */
  settle(roundsMax = 10_000): void {
    for (let round = 0; round < roundsMax; round++) {
      for (const [id, node] of this.nodes) this.drainReady(id, node);
      if (this.queue.length === 0) return;
      const message = this.queue.shift()!;
      const target = this.nodes.get(message.to);
      if (target !== undefined && !this.isolated.has(message.to) && !this.isolated.has(message.from)) target.raft.step(message);
    }
    throw new Error('network did not settle');
  }

  private drainReady(id: number, node: TestNode): void {
    if (!node.raft.hasReady()) return;
    const ready = node.raft.ready();
    node.readies.push(ready);
    if (ready.hardState !== null) node.hardState = ready.hardState;
    if (ready.snapshot !== null) {
      node.snapshot = ready.snapshot;
      node.entries = [];
    }
    if (ready.truncateTo !== null) node.entries = node.entries.filter((held) => held.baseOffset < ready.truncateTo!);
    node.entries.push(...ready.entries);
    for (const message of ready.messages) {
      this.sent.push(message);
      if (!this.isolated.has(id)) this.queue.push(message);
    }
    node.applied.push(...ready.committed);
  }

  tick(times = 1, only?: number[]): void {
    for (let count = 0; count < times; count++) {
      for (const [id, node] of this.nodes) if (only === undefined || only.includes(id)) node.raft.tick();
      this.settle();
    }
  }

  leaders(): number[] {
    return [...this.nodes].filter(([, node]) => node.raft.status().role === 'leader').map(([id]) => id);
  }

  /** Ticks until exactly one leader exists; returns it. */
  electLeader(ticksMax = 200): number {
    for (let tick = 0; tick < ticksMax; tick++) {
      const leaders = this.leaders();
      if (leaders.length === 1) return leaders[0];
      this.tick();
    }
    throw new Error('no leader elected');
  }
}

function values(entries: readonly Entry[]): string[] {
  return entries.filter((held) => !held.control).map((held) => held.records[0].toString());
}

test('a sole voter becomes leader at once on campaign and commits its proposals', () => {
  const cluster = new Cluster([1]);
  const node = cluster.node(1);
  node.raft.campaign();
  assert.equal(node.raft.status().role, 'leader');
  assert.equal(node.raft.status().epoch, 1);
  cluster.settle();
  assert.deepEqual(node.hardState, { epoch: 1, votedFor: 1, leaderId: 1 });
  assert.equal(node.applied.length, 1, 'the control entry commits');
  assert.equal(node.applied[0].control, true);
  const result = node.raft.propose([Buffer.from('a'), Buffer.from('b')]);
  assert.deepEqual(result, { ok: true, baseOffset: 1, epoch: 1 });
  cluster.settle();
  assert.deepEqual(values(node.applied).length, 1);
  assert.equal(node.raft.status().highWatermark, 3);
  assert.deepEqual(node.applied[1].records.map(String), ['a', 'b']);
});

test('three voters elect one leader through pre-vote and replicate a proposal to all', () => {
  const cluster = new Cluster([1, 2, 3]);
  const leader = cluster.electLeader();
  const epoch = cluster.node(leader).raft.status().epoch;
  assert.equal(epoch, 1, 'pre-vote rounds do not bump the epoch; only the real election does');
  for (const id of [1, 2, 3]) {
    const status = cluster.node(id).raft.status();
    assert.equal(status.epoch, 1);
    assert.equal(status.leaderId, leader);
    if (id !== leader) assert.equal(status.role, 'follower');
  }
  const proposal = cluster.node(leader).raft.propose([Buffer.from('x')]);
  assert.equal(proposal.ok, true);
  cluster.tick(5);
  for (const id of [1, 2, 3]) assert.deepEqual(values(cluster.node(id).applied), ['x'], `node ${id} applied`);
  const follower = [1, 2, 3].find((id) => id !== leader)!;
  assert.deepEqual(cluster.node(follower).raft.propose([Buffer.from('y')]), { ok: false, leaderId: leader });
});

test('a partitioned voter returns without bumping the epoch and the leader keeps leading', () => {
  const cluster = new Cluster([1, 2, 3]);
  const leader = cluster.electLeader();
  const epoch = cluster.node(leader).raft.status().epoch;
  const loner = [1, 2, 3].find((id) => id !== leader)!;
  cluster.isolated.add(loner);
  cluster.tick(100);
  const lonerStatus = cluster.node(loner).raft.status();
  assert.equal(lonerStatus.role, 'prospective', 'its fetch timeout expired, so it pre-votes');
  assert.equal(lonerStatus.epoch, epoch, 'pre-votes leave its epoch alone');
  cluster.isolated.delete(loner);
  cluster.tick(40);
  assert.deepEqual(cluster.leaders(), [leader]);
  assert.equal(cluster.node(leader).raft.status().epoch, epoch);
  assert.equal(cluster.node(loner).raft.status().role, 'follower');
  assert.equal(cluster.node(loner).raft.status().leaderId, leader);
});

test('a follower with a divergent tail truncates to the leader and then matches it', () => {
  const common = [entry(0, 1), entry(1, 1)];
  // The leader also has epoch 1 at offset 2, so its end of epoch 1 (3) is past the stale node's (2).
  const leaderLog = [...common, entry(2, 1, 'old'), entry(3, 3, 'leader')];
  const staleLog = [...common, entry(2, 2, 'stale-a'), entry(3, 2, 'stale-b'), entry(4, 2, 'stale-c')];
  const hardState = { epoch: 3, votedFor: null, leaderId: null };
  const cluster = new Cluster([1, 2, 3], [], {
    1: { hardState, snapshot: null, entries: leaderLog },
    2: { hardState, snapshot: null, entries: staleLog },
    3: { hardState, snapshot: null, entries: leaderLog },
  });
  cluster.node(1).raft.campaign();
  cluster.settle();
  assert.equal(cluster.node(1).raft.status().role, 'leader');
  cluster.tick(3);
  const truncations = cluster.node(2).readies.map((ready) => ready.truncateTo).filter((offset) => offset !== null);
  assert.deepEqual(truncations, [2], 'truncated exactly to the end of the common epoch');
  const leaderEntries = cluster.node(1).entries.map((held) => `${held.baseOffset}@${held.epoch}`);
  assert.deepEqual(cluster.node(2).entries.map((held) => `${held.baseOffset}@${held.epoch}`), leaderEntries);
  assert.ok(!values(cluster.node(2).applied).some((value) => value.startsWith('stale')));
});

test('a follower behind the leader\'s snapshot installs it in chunks and continues from it', () => {
  const cluster = new Cluster([1, 2, 3]);
  cluster.node(1).raft.campaign();
  cluster.settle();
  cluster.isolated.add(3);
  for (let index = 0; index < 5; index++) cluster.node(1).raft.propose([Buffer.from(`v${index}`)]);
  cluster.tick(3);
  const leaderStatus = cluster.node(1).raft.status();
  assert.equal(leaderStatus.highWatermark, 6);
  const data = Buffer.from('state-machine-at-6');
  cluster.node(1).raft.snapshot({ offset: 6, epoch: 1 }, data);
  assert.equal(cluster.node(1).raft.status().logStartOffset, 6);
  cluster.node(1).raft.propose([Buffer.from('after')]);
  cluster.isolated.delete(3);
  cluster.tick(10);
  const installs = cluster.node(3).readies.filter((ready) => ready.snapshot !== null);
  assert.equal(installs.length, 1);
  assert.deepEqual(installs[0].snapshot!.id, { offset: 6, epoch: 1 });
  assert.ok(installs[0].snapshot!.data.equals(data));
  const chunkRequests = cluster.sent.filter((message) => message.type === 'fetchSnapshot' && message.from === 3);
  assert.ok(chunkRequests.length >= Math.ceil(data.length / TIMEOUTS.snapshotChunkBytes), 'fetched in chunks');
  assert.deepEqual(values(cluster.node(3).applied), ['after'], 'commits continue after the snapshot, not before');
  assert.equal(cluster.node(3).raft.status().logStartOffset, 6);
  assert.equal(cluster.node(3).raft.status().logEndOffset, 7);
});

test('a leader cut off from the majority resigns (check quorum) and tells the others', () => {
  const cluster = new Cluster([1, 2, 3]);
  cluster.node(1).raft.campaign();
  cluster.settle();
  cluster.tick(2);
  cluster.isolated.add(2);
  cluster.isolated.add(3);
  cluster.tick(TIMEOUTS.fetchTimeoutTicks + 1, [1]);
  assert.equal(cluster.node(1).raft.status().role, 'resigned');
  assert.ok(cluster.sent.some((message) => message.type === 'endEpoch' && message.from === 1));
  assert.deepEqual(cluster.node(1).raft.propose([Buffer.from('no')]), { ok: false, leaderId: null });
  const sole = new Cluster([1]);
  sole.node(1).raft.campaign();
  sole.tick(TIMEOUTS.fetchTimeoutTicks * 3);
  assert.equal(sole.node(1).raft.status().role, 'leader', 'a sole voter never resigns for lack of quorum');
});

test('EndQuorumEpoch makes the preferred successor campaign at once', () => {
  const cluster = new Cluster([1, 2, 3]);
  cluster.node(1).raft.campaign();
  cluster.settle();
  cluster.tick(2);
  cluster.node(1).raft.resign();
  const end = cluster.node(1).readies.length;
  cluster.settle();
  const endEpoch = cluster.node(1).readies.slice(end).flatMap((ready) => ready.messages).find((message) => message.type === 'endEpoch');
  assert.ok(endEpoch !== undefined && endEpoch.type === 'endEpoch');
  const successor = endEpoch.preferredSuccessors[0];
  cluster.tick(2);
  assert.deepEqual(cluster.leaders(), [successor], 'elected well before an election timeout');
  assert.equal(cluster.node(successor).raft.status().epoch, 2);
});

test('observers fetch and apply but never vote or campaign', () => {
  const cluster = new Cluster([1, 2, 3], [9]);
  const observer = cluster.node(9);
  cluster.tick(60, [9]);
  assert.equal(observer.raft.status().role, 'observer');
  assert.ok(!cluster.sent.some((message) => message.type === 'vote' && message.from === 9), 'never campaigns');
  observer.raft.campaign();
  assert.equal(observer.raft.status().role, 'observer');
  observer.raft.step({ type: 'vote', from: 1, to: 9, epoch: 5, lastEpoch: 9, lastOffset: 99, preVote: false });
  cluster.settle();
  const answer = cluster.sent.find((message) => message.type === 'voteResponse' && message.from === 9);
  assert.ok(answer !== undefined && answer.type === 'voteResponse' && !answer.granted);
  assert.equal(observer.hardState.votedFor, null);
  const leader = cluster.electLeader();
  cluster.node(leader).raft.propose([Buffer.from('seen')]);
  cluster.tick(30);
  assert.deepEqual(values(observer.applied), ['seen']);
  assert.ok(cluster.node(leader).raft.status().observers.some((replica) => replica.id === 9));
});

test('a restarted node recovers its epoch and vote, is never leader, and re-applies once the high watermark is known', () => {
  const cluster = new Cluster([1, 2, 3]);
  cluster.node(1).raft.campaign();
  cluster.settle();
  cluster.node(1).raft.propose([Buffer.from('a')]);
  cluster.tick(3);
  const persistedLeader = cluster.persisted(1);
  const restarted = new RaftNode(configFor(1, [1, 2, 3]), persistedLeader);
  assert.equal(restarted.status().role, 'unattached', 'a leader restarts unattached, not leader');
  assert.equal(restarted.status().epoch, 1);
  assert.equal(restarted.status().votedFor, 1);
  assert.equal(restarted.status().highWatermark, 0, 'nothing is known committed after a restart');

  const followerState = cluster.persisted(2);
  cluster.nodes.delete(2);
  const follower = cluster.start(2, [1, 2, 3], followerState);
  assert.equal(follower.raft.status().role, 'follower');
  assert.equal(follower.raft.status().leaderId, 1);
  assert.equal(follower.raft.status().caughtUp, false, 'what its own log says may be stale: not caught up before the leader answers');
  cluster.tick(5);
  assert.deepEqual(values(follower.applied), ['a'], 'its own persisted entries commit again once the HW covers them');
  assert.equal(follower.applied[0].control, true);
  assert.equal(follower.raft.status().caughtUp, true);
});

test('a new leader answers fetches with an unknown high watermark until its epoch\'s first entry commits', () => {
  const cluster = new Cluster([1, 2, 3]);
  cluster.node(1).raft.campaign();
  cluster.settle();
  cluster.node(1).raft.propose([Buffer.from('a')]);
  cluster.tick(3);
  assert.equal(cluster.node(1).raft.status().caughtUp, true, 'a leader is caught up once its epoch commits');
  // Node 1 is cut off; node 2 takes over with node 3's vote, and node 3 fetches from it at once.
  cluster.isolated.add(1);
  cluster.node(2).raft.campaign();
  cluster.settle();
  cluster.tick(2);
  assert.equal(cluster.node(2).raft.status().role, 'leader');
  const answers = cluster.sent
    .filter((m) => m.type === 'fetchResponse' && m.from === 2 && m.error === 'none')
    .map((m) => (m as { highWatermark: number }).highWatermark);
  assert.ok(answers.length >= 2, `node 3 fetched from the new leader (${answers.length} answers)`);
  assert.equal(answers[0], -1, 'the first answer, before the epoch commits, carries no high watermark');
  assert.ok(answers[answers.length - 1]! > 0, 'once node 3 holds the epoch\'s first entry it commits, and the answers carry it');
  assert.equal(cluster.node(2).raft.status().caughtUp, true);
});

test('vote rules: one vote per epoch, log must be up to date, a higher epoch resets the vote', () => {
  const log = [entry(0, 1), entry(1, 2)];
  const voter = new RaftNode(configFor(1, [1, 2, 3]), { hardState: { epoch: 2, votedFor: null, leaderId: null }, snapshot: null, entries: log });
  voter.step({ type: 'vote', from: 2, to: 1, epoch: 3, lastEpoch: 1, lastOffset: 5, preVote: false });
  let ready = voter.ready();
  assert.equal(ready.messages[0].type === 'voteResponse' && ready.messages[0].granted, false, 'older last epoch loses');
  assert.deepEqual(ready.hardState, { epoch: 3, votedFor: null, leaderId: null }, 'the higher epoch is adopted');
  voter.step({ type: 'vote', from: 2, to: 1, epoch: 3, lastEpoch: 2, lastOffset: 1, preVote: false });
  ready = voter.ready();
  assert.equal(ready.messages[0].type === 'voteResponse' && ready.messages[0].granted, false, 'shorter log in the same epoch loses');
  voter.step({ type: 'vote', from: 2, to: 1, epoch: 3, lastEpoch: 2, lastOffset: 2, preVote: false });
  ready = voter.ready();
  assert.deepEqual(ready.hardState, { epoch: 3, votedFor: 2, leaderId: null }, 'the vote is persisted with the answer');
  assert.equal(ready.messages[0].type === 'voteResponse' && ready.messages[0].granted, true);
  voter.step({ type: 'vote', from: 3, to: 1, epoch: 3, lastEpoch: 5, lastOffset: 9, preVote: false });
  ready = voter.ready();
  assert.equal(ready.messages[0].type === 'voteResponse' && ready.messages[0].granted, false, 'one vote per epoch');
  voter.step({ type: 'vote', from: 2, to: 1, epoch: 3, lastEpoch: 2, lastOffset: 2, preVote: false });
  ready = voter.ready();
  assert.equal(ready.messages[0].type === 'voteResponse' && ready.messages[0].granted, true, 'repeating the vote is fine');
  voter.step({ type: 'vote', from: 3, to: 1, epoch: 4, lastEpoch: 2, lastOffset: 2, preVote: true });
  ready = voter.ready();
  assert.equal(ready.hardState, null, 'a pre-vote changes no durable state');
  assert.equal(ready.messages[0].type === 'voteResponse' && ready.messages[0].granted, true);
  assert.equal(voter.status().epoch, 3);
  assert.equal(voter.status().votedFor, 2);
});

test('a voter that fetched from its leader recently rejects pre-votes', () => {
  const cluster = new Cluster([1, 2, 3]);
  cluster.node(1).raft.campaign();
  cluster.settle();
  cluster.tick(2);
  const follower = cluster.node(2).raft;
  follower.step({ type: 'vote', from: 3, to: 2, epoch: 2, lastEpoch: 9, lastOffset: 99, preVote: true });
  const answer = follower.ready().messages.find((message) => message.type === 'voteResponse');
  assert.ok(answer !== undefined && answer.type === 'voteResponse');
  assert.equal(answer.granted, false);
  assert.equal(answer.leaderId, 1, 'it names the leader so the asker can rejoin');
});

test('the high watermark waits for the new epoch\'s control entry (no commit of old-epoch entries by counting)', () => {
  const hardState = { epoch: 1, votedFor: null, leaderId: null };
  const cluster = new Cluster([1, 2, 3], [], {
    1: { hardState, snapshot: null, entries: [entry(0, 1), entry(1, 1)] },
    2: { hardState, snapshot: null, entries: [entry(0, 1)] },
    3: { hardState, snapshot: null, entries: [entry(0, 1)] },
  }, { fetchMaxRecords: 1 });
  cluster.isolated.add(3);
  const leader = cluster.node(1).raft;
  leader.campaign();
  // Deliver by hand: node 2 votes, then fetches one entry at a time.
  cluster.settle();
  assert.equal(leader.status().role, 'leader');
  const fetchesAtTwo = () => cluster.sent.filter((message) => message.type === 'fetch' && message.from === 2 && message.fetchOffset === 2);
  for (let tick = 0; tick < 10 && fetchesAtTwo().length === 0; tick++) cluster.tick(1);
  assert.ok(fetchesAtTwo().length > 0);
  const highWatermarks = cluster.node(1).readies.map((ready) => ready.highWatermark);
  assert.ok(!highWatermarks.includes(2), 'offset 1 (epoch 1) is on a majority but must not commit before the control entry at 2');
  cluster.tick(5);
  assert.equal(leader.status().highWatermark, 3);
});

test('a node ignores messages not addressed to it and late fetch answers for an old log end', () => {
  const cluster = new Cluster([1, 2, 3]);
  cluster.node(1).raft.campaign();
  cluster.settle();
  cluster.tick(2);
  const follower = cluster.node(2).raft;
  const before = follower.status();
  follower.step({ type: 'beginEpoch', from: 3, to: 7, epoch: 9 });
  follower.step({
    type: 'fetchResponse', from: 1, to: 2, error: 'none', epoch: before.epoch, leaderId: 1, highWatermark: 0,
    entries: [], divergingEpoch: { epoch: 0, offset: 0 }, snapshotId: null, fetchOffset: 0, lastFetchedEpoch: 0,
  });
  cluster.settle();
  assert.deepEqual(follower.status().epoch, before.epoch);
  assert.equal(follower.status().logEndOffset, before.logEndOffset, 'a stale divergence answer truncates nothing');
});

test('when the leader dies the others elect a successor even if they lose it at the same tick', () => {
  // Ticks in step, one survivor just ahead of the other: each times out and
  // pre-votes while the other still follows (and names) the dead leader.
  // Neither may go back to a leader it stopped hearing from on another's word.
  const cluster = new Cluster([1, 2, 3]);
  const dead = cluster.electLeader();
  cluster.tick(5);
  cluster.isolated.add(dead);
  const survivors = [1, 2, 3].filter((id) => id !== dead);
  let successor: number | undefined;
  for (let tick = 0; tick < 10 * TIMEOUTS.electionTimeoutTicks + TIMEOUTS.fetchTimeoutTicks && successor === undefined; tick++) {
    for (const id of survivors) cluster.tick(1, [id]);
    successor = survivors.find((id) => cluster.node(id).raft.status().role === 'leader');
  }
  assert.ok(successor !== undefined, 'a survivor became leader');
  assert.ok(cluster.node(successor).raft.status().epoch > 1);
});
