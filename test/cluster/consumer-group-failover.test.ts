/**
 * A KIP-848 consumer group across kill -9 of its coordinator, on a 3-node
 * cluster of real processes: the group's records were written with acks=all
 * to its `__consumer_offsets` partition (replication factor 3), so the new
 * leader of that partition rebuilds the same group — epochs, members,
 * assignments — and the members go on heartbeating at their epochs.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalCluster } from '../../src/cli/local-cluster.ts';
import { ApiKey, ErrorCode, messages } from '../../src/protocol/index.ts';
import { tempDir } from '../helpers/broker.ts';
import { killAllChildren } from '../helpers/processes.ts';
import { request } from '../helpers/raw-fetch.ts';
import { until } from '../helpers/until.ts';

const FAST = {
  'controller.quorum.election.timeout.ms': '400',
  'controller.quorum.fetch.timeout.ms': '800',
  'broker.heartbeat.interval.ms': '200',
  'broker.session.timeout.ms': '1500',
  'offsets.topic.num.partitions': '3',
  'leader.imbalance.check.interval.seconds': '1',
};
const WAIT_MS = 25_000;
const GROUP = 'failover-g';

const data = tempDir('samsa-cg-failover-');
let cluster: LocalCluster;

before(async () => {
  cluster = await LocalCluster.start({ nodes: 3, dataDir: data.dir, config: FAST });
});

after(() => {
  cluster?.kill();
  killAllChildren();
  data.remove();
});

const at = (port: number): string => `127.0.0.1:${port}`;

async function coordinatorOf(port: number): Promise<number> {
  const r = await request<messages.FindCoordinatorResponse>(at(port), ApiKey.FindCoordinator, 4, {
    ...messages.FindCoordinatorRequest.defaults(), keyType: 0, coordinatorKeys: [GROUP],
  });
  const c = r.coordinators[0]!;
  return c.errorCode === ErrorCode.NONE ? c.nodeId : -1;
}

function heartbeat(port: number, fields: Partial<messages.ConsumerGroupHeartbeatRequest>): Promise<messages.ConsumerGroupHeartbeatResponse> {
  return request(at(port), ApiKey.ConsumerGroupHeartbeat, 1, { ...messages.ConsumerGroupHeartbeatRequest.defaults(), groupId: GROUP, ...fields });
}

async function describe(port: number): Promise<messages.ConsumerGroupDescribeResponseDescribedGroup> {
  const r = await request<messages.ConsumerGroupDescribeResponse>(at(port), ApiKey.ConsumerGroupDescribe, 0, {
    ...messages.ConsumerGroupDescribeRequest.defaults(), groupIds: [GROUP],
  });
  return r.groups[0]!;
}

test('kill -9 of the coordinator: the new one has the same group, and members keep their epochs and partitions', async () => {
  const first = cluster.plan[0]!.port;
  const created = await request<messages.CreateTopicsResponse>(at(first), ApiKey.CreateTopics, 7, {
    ...messages.CreateTopicsRequest.defaults(), timeoutMs: 10_000,
    topics: [{ ...messages.defaultCreateTopicsRequestCreatableTopic(), name: 'fo', numPartitions: 4, replicationFactor: 3 }],
  });
  assert.equal(created.topics[0]!.errorCode, ErrorCode.NONE);
  const topicId = created.topics[0]!.topicId;
  const coordinator = await until('a coordinator', () => coordinatorOf(first).then((id) => (id > 0 ? id : null)), { timeoutMs: WAIT_MS });
  const port = cluster.node(coordinator).port;

  // Two members reach a Stable group on the coordinator.
  const join = (memberId: string) => until(`${memberId} joins`, async () => {
    const r = await heartbeat(port, { memberId, memberEpoch: 0, rebalanceTimeoutMs: 30_000, subscribedTopicNames: ['fo'], topicPartitions: [] });
    return r.errorCode === ErrorCode.NONE ? r : null;
  }, { timeoutMs: WAIT_MS });
  const a = await join('a');
  const b = await join('b');
  const owned = (r: messages.ConsumerGroupHeartbeatResponse | null, fallback: number[]): number[] => r?.assignment?.topicPartitions[0]?.partitions ?? fallback;
  let aOwns = owned(a, []);
  let bOwns = owned(b, []);
  let aEpoch = a.memberEpoch;
  let bEpoch = b.memberEpoch;
  const stable = await until('Stable with two members', async () => {
    const ra = await heartbeat(port, { memberId: 'a', memberEpoch: aEpoch, topicPartitions: [{ topicId, partitions: aOwns }] });
    aEpoch = ra.memberEpoch;
    aOwns = owned(ra, aOwns);
    const rb = await heartbeat(port, { memberId: 'b', memberEpoch: bEpoch, topicPartitions: [{ topicId, partitions: bOwns }] });
    bEpoch = rb.memberEpoch;
    bOwns = owned(rb, bOwns);
    const d = await describe(port);
    return d.groupState === 'Stable' ? d : null;
  }, { timeoutMs: WAIT_MS });
  assert.equal(aOwns.length + bOwns.length, 4);

  await cluster.killNode(coordinator);
  const survivor = cluster.plan.find((n) => n.id !== coordinator)!.port;
  const next = await until('a new coordinator', async () => {
    const id = await coordinatorOf(survivor).catch(() => -1);
    return id > 0 && id !== coordinator ? id : null;
  }, { timeoutMs: WAIT_MS });
  const newPort = cluster.node(next).port;
  const reloaded = await until('the group on the new coordinator', async () => {
    const d = await describe(newPort);
    return d.errorCode === ErrorCode.NONE ? d : null;
  }, { timeoutMs: WAIT_MS });
  assert.equal(reloaded.groupEpoch, stable.groupEpoch);
  assert.equal(reloaded.assignmentEpoch, stable.assignmentEpoch);
  assert.equal(reloaded.groupState, 'Stable');
  const byId = (d: messages.ConsumerGroupDescribeResponseDescribedGroup) => new Map(d.members.map((m) => [m.memberId, {
    epoch: m.memberEpoch, partitions: m.assignment.topicPartitions.flatMap((t) => t.partitions).sort((x, y) => x - y),
  }]));
  assert.deepEqual(byId(reloaded), byId(stable));

  // The members heartbeat on at their epochs, owning what they owned: nothing moves.
  const ra = await heartbeat(newPort, { memberId: 'a', memberEpoch: aEpoch, topicPartitions: [{ topicId, partitions: aOwns }] });
  assert.deepEqual([ra.errorCode, ra.memberEpoch], [ErrorCode.NONE, aEpoch]);
  assert.deepEqual(owned(ra, aOwns).slice().sort(), aOwns.slice().sort());
  const rb = await heartbeat(newPort, { memberId: 'b', memberEpoch: bEpoch, topicPartitions: [{ topicId, partitions: bOwns }] });
  assert.deepEqual([rb.errorCode, rb.memberEpoch], [ErrorCode.NONE, bEpoch]);
});
