/**
 * ConsumerGroupHeartbeat, ConsumerGroupDescribe and the offset/admin APIs on
 * KIP-848 groups, over the wire against one embedded broker: every error
 * path a client can hit (INVALID_REQUEST, UNSUPPORTED_ASSIGNOR,
 * INVALID_REGULAR_EXPRESSION, GROUP_ID_NOT_FOUND, UNKNOWN_MEMBER_ID,
 * FENCED_MEMBER_EPOCH, UNRELEASED_INSTANCE_ID, GROUP_MAX_SIZE_REACHED,
 * STALE_MEMBER_EPOCH, INCONSISTENT_GROUP_PROTOCOL), revocation before
 * reassignment, static membership, regex subscriptions, topic growth, and
 * the conversion of empty groups between the classic and consumer protocols.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey, ErrorCode, messages } from '../../src/protocol/index.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { request } from '../helpers/raw-fetch.ts';
import { until } from '../helpers/until.ts';

let broker: TestBroker;
const topicIds = new Map<string, string>();

before(async () => {
  broker = await startTestBroker({
    'offsets.topic.replication.factor': '1', 'offsets.topic.num.partitions': '2', 'auto.create.topics.enable': 'false',
    'group.consumer.max.size': '3', 'group.consumer.heartbeat.interval.ms': '1234', 'group.consumer.min.heartbeat.interval.ms': '1000', 'group.consumer.assignors': 'range,uniform',
  });
  for (const [name, partitions] of [['t4', 4], ['t2', 2], ['other', 1]] as const) {
    const r = await request<messages.CreateTopicsResponse>(broker.bootstrap, ApiKey.CreateTopics, 7, {
      ...messages.CreateTopicsRequest.defaults(), timeoutMs: 5000,
      topics: [{ ...messages.defaultCreateTopicsRequestCreatableTopic(), name, numPartitions: partitions, replicationFactor: 1 }],
    });
    assert.equal(r.topics[0]!.errorCode, ErrorCode.NONE);
    topicIds.set(name, r.topics[0]!.topicId);
  }
  // As clients do: FindCoordinator creates __consumer_offsets; then every group id here is coordinated.
  await request<messages.FindCoordinatorResponse>(broker.bootstrap, ApiKey.FindCoordinator, 4, {
    ...messages.FindCoordinatorRequest.defaults(), keyType: 0, coordinatorKeys: ['probe'],
  });
  await until('the offsets topic is led and loaded', async () => {
    const r = await request<messages.ConsumerGroupDescribeResponse>(broker.bootstrap, ApiKey.ConsumerGroupDescribe, 0, {
      ...messages.ConsumerGroupDescribeRequest.defaults(), groupIds: ['probe', 'probe-2', 'probe-3'],
    });
    return r.groups.every((g) => g.errorCode === ErrorCode.GROUP_ID_NOT_FOUND);
  });
});

after(async () => {
  await broker?.stop();
});

type Owned = { topicId: string; partitions: number[] }[];

function hb(fields: Partial<messages.ConsumerGroupHeartbeatRequest>, version = 1): Promise<messages.ConsumerGroupHeartbeatResponse> {
  return request(broker.bootstrap, ApiKey.ConsumerGroupHeartbeat, version, { ...messages.ConsumerGroupHeartbeatRequest.defaults(), ...fields });
}

function joinReq(groupId: string, memberId: string, topics: string[], extra: Partial<messages.ConsumerGroupHeartbeatRequest> = {}): Partial<messages.ConsumerGroupHeartbeatRequest> {
  return { groupId, memberId, memberEpoch: 0, rebalanceTimeoutMs: 30_000, subscribedTopicNames: topics, topicPartitions: [], ...extra };
}

function partitionsOf(r: messages.ConsumerGroupHeartbeatResponse, topic: string): number[] {
  return r.assignment?.topicPartitions.find((t) => t.topicId === topicIds.get(topic))?.partitions.slice().sort((a, b) => a - b) ?? [];
}

async function describe(groupId: string): Promise<messages.ConsumerGroupDescribeResponseDescribedGroup> {
  const r = await request<messages.ConsumerGroupDescribeResponse>(broker.bootstrap, ApiKey.ConsumerGroupDescribe, 0, {
    ...messages.ConsumerGroupDescribeRequest.defaults(), groupIds: [groupId], includeAuthorizedOperations: true,
  });
  return r.groups[0]!;
}

test('ApiVersions advertises ConsumerGroupHeartbeat v0–v1 and ConsumerGroupDescribe v0', async () => {
  const r = await request<messages.ApiVersionsResponse>(broker.bootstrap, ApiKey.ApiVersions, 3, messages.ApiVersionsRequest.defaults());
  const find = (k: number) => r.apiKeys.find((a) => a.apiKey === k);
  assert.deepEqual([find(68)?.minVersion, find(68)?.maxVersion], [0, 1]);
  assert.deepEqual([find(69)?.minVersion, find(69)?.maxVersion], [0, 0]);
});

test('bad first heartbeats are INVALID_REQUEST; unknown assignors, bad regexes and groups are refused', async () => {
  const cases: [Partial<messages.ConsumerGroupHeartbeatRequest>, number, RegExp][] = [
    [joinReq('', 'm', ['t4']), ErrorCode.INVALID_REQUEST, /GroupId/],
    [joinReq('bad', '', ['t4']), ErrorCode.INVALID_REQUEST, /MemberId/],
    [joinReq('bad', 'm', ['t4'], { rebalanceTimeoutMs: -1 }), ErrorCode.INVALID_REQUEST, /RebalanceTimeoutMs/],
    [joinReq('bad', 'm', ['t4'], { topicPartitions: null }), ErrorCode.INVALID_REQUEST, /TopicPartitions/],
    [joinReq('bad', 'm', []), ErrorCode.INVALID_REQUEST, /SubscribedTopicNames/],
    [joinReq('bad', 'm', ['t4'], { instanceId: '' }), ErrorCode.INVALID_REQUEST, /InstanceId/],
    [joinReq('bad', 'm', ['t4'], { memberEpoch: -3 }), ErrorCode.INVALID_REQUEST, /MemberEpoch/],
    [joinReq('bad', 'm', ['t4'], { serverAssignor: 'sticky' }), ErrorCode.UNSUPPORTED_ASSIGNOR, /range, uniform/],
    [joinReq('bad', 'm', [], { subscribedTopicRegex: '(a+)+\\1' }), ErrorCode.INVALID_REGULAR_EXPRESSION, /not supported/],
    [joinReq('bad', 'm', [], { subscribedTopicRegex: '(?=x)' }), ErrorCode.INVALID_REGULAR_EXPRESSION, /not supported/],
    [{ groupId: 'bad', memberId: 'm', memberEpoch: 3 }, ErrorCode.GROUP_ID_NOT_FOUND, /not found/],
    [{ groupId: 'bad', memberId: 'm', memberEpoch: -1 }, ErrorCode.GROUP_ID_NOT_FOUND, /not found/],
  ];
  for (const [req, code, message] of cases) {
    const r = await hb(req);
    assert.equal(r.errorCode, code, JSON.stringify(req));
    assert.match(r.errorMessage ?? '', message);
  }
  // v0 lets the coordinator name a new member.
  const v0 = await hb(joinReq('v0-group', '', ['other']), 0);
  assert.equal(v0.errorCode, ErrorCode.NONE);
  assert.ok((v0.memberId ?? '').length > 0);
});

test('a second member gets a partition only after the first revoked it; epochs, describe, fencing', async () => {
  const g = 'revoke';
  const a1 = await hb(joinReq(g, 'a', ['t4']));
  assert.equal(a1.errorCode, ErrorCode.NONE);
  assert.equal(a1.memberEpoch, 1);
  assert.equal(a1.heartbeatIntervalMs, 1234);
  assert.deepEqual(partitionsOf(a1, 't4'), [0, 1, 2, 3]);

  // b joins: range gives it 2,3, but a still owns them, so b waits (UNRELEASED) with nothing.
  const b1 = await hb(joinReq(g, 'b', ['t4']));
  assert.equal(b1.memberEpoch, 2);
  assert.deepEqual(partitionsOf(b1, 't4'), []);
  let d = await describe(g);
  assert.equal(d.groupState, 'Reconciling');
  assert.equal(d.assignorName, 'range');
  assert.deepEqual(d.members.find((m) => m.memberId === 'b')!.targetAssignment.topicPartitions[0]!.partitions.slice().sort(), [2, 3]);
  assert.equal(d.members.find((m) => m.memberId === 'b')!.targetAssignment.topicPartitions[0]!.topicName, 't4');

  // a heartbeats still owning everything: it is told to keep 0,1 (revoke 2,3) at its old epoch.
  const t4 = topicIds.get('t4')!;
  const owned = (ps: number[]): Owned => [{ topicId: t4, partitions: ps }];
  const a2 = await hb({ groupId: g, memberId: 'a', memberEpoch: 1, topicPartitions: owned([0, 1, 2, 3]) });
  assert.equal(a2.memberEpoch, 1);
  assert.deepEqual(partitionsOf(a2, 't4'), [0, 1]);
  // b still gets nothing while a has not acknowledged.
  const b2 = await hb({ groupId: g, memberId: 'b', memberEpoch: 2, topicPartitions: [] });
  assert.deepEqual(partitionsOf(b2, 't4'), []);
  // a acknowledges (owns 0,1 only): it moves to epoch 2; then b gets 2,3.
  const a3 = await hb({ groupId: g, memberId: 'a', memberEpoch: 1, topicPartitions: owned([0, 1]) });
  assert.equal(a3.memberEpoch, 2);
  const b3 = await hb({ groupId: g, memberId: 'b', memberEpoch: 2, topicPartitions: [] });
  assert.deepEqual(partitionsOf(b3, 't4'), [2, 3]);
  d = await describe(g);
  assert.equal(d.groupState, 'Stable');
  assert.equal(d.groupEpoch, 2);
  assert.equal(d.assignmentEpoch, 2);
  assert.notEqual(d.authorizedOperations, -2147483648);

  // Epoch errors.
  assert.equal((await hb({ groupId: g, memberId: 'a', memberEpoch: 5, topicPartitions: owned([0, 1]) })).errorCode, ErrorCode.FENCED_MEMBER_EPOCH);
  assert.equal((await hb({ groupId: g, memberId: 'nobody', memberEpoch: 2 })).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  // A lost answer is forgiven: the previous epoch with a subset of the assignment.
  assert.equal((await hb({ groupId: g, memberId: 'a', memberEpoch: 1, topicPartitions: owned([0]) })).errorCode, ErrorCode.NONE);
  assert.equal((await hb({ groupId: g, memberId: 'a', memberEpoch: 1, topicPartitions: owned([3]) })).errorCode, ErrorCode.FENCED_MEMBER_EPOCH);

  // Offsets with member epochs (OffsetCommit v9).
  const commit = (memberId: string, epoch: number, version = 9) => request<messages.OffsetCommitResponse>(broker.bootstrap, ApiKey.OffsetCommit, version, {
    ...messages.OffsetCommitRequest.defaults(), groupId: g, memberId, generationIdOrMemberEpoch: epoch,
    topics: [{ ...messages.defaultOffsetCommitRequestOffsetCommitRequestTopic(), name: 't4', partitions: [
      { ...messages.defaultOffsetCommitRequestOffsetCommitRequestPartition(), partitionIndex: 0, committedOffset: 7n },
    ] }],
  });
  const code = (r: messages.OffsetCommitResponse) => r.topics[0]!.partitions[0]!.errorCode;
  assert.equal(code(await commit('a', 2)), ErrorCode.NONE);
  assert.equal(code(await commit('a', 1)), ErrorCode.STALE_MEMBER_EPOCH);
  assert.equal(code(await commit('zz', 2)), ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal(code(await commit('a', 2, 8)), ErrorCode.UNSUPPORTED_VERSION);
  assert.equal(code(await commit('', -1)), ErrorCode.UNKNOWN_MEMBER_ID, 'an admin commit needs an empty group');
  const fetched = await request<messages.OffsetFetchResponse>(broker.bootstrap, ApiKey.OffsetFetch, 9, {
    ...messages.OffsetFetchRequest.defaults(),
    groups: [{ ...messages.defaultOffsetFetchRequestOffsetFetchRequestGroup(), groupId: g, memberId: 'a', memberEpoch: 1, topics: null }],
  });
  assert.equal(fetched.groups[0]!.errorCode, ErrorCode.STALE_MEMBER_EPOCH);

  // OffsetDelete: a subscribed topic's offsets stay while the group consumes it.
  const offsetDelete = await request<messages.OffsetDeleteResponse>(broker.bootstrap, ApiKey.OffsetDelete, 0, {
    ...messages.OffsetDeleteRequest.defaults(), groupId: g,
    topics: [{ ...messages.defaultOffsetDeleteRequestOffsetDeleteRequestTopic(), name: 't4', partitions: [{ ...messages.defaultOffsetDeleteRequestOffsetDeleteRequestPartition(), partitionIndex: 0 }] }],
  });
  assert.equal(offsetDelete.errorCode, ErrorCode.NONE);
  assert.equal(offsetDelete.topics[0]!.partitions[0]!.errorCode, ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC);

  // A classic member cannot join; DescribeGroups sees no classic group; ListGroups shows the type.
  const join = await request<messages.JoinGroupResponse>(broker.bootstrap, ApiKey.JoinGroup, 9, {
    ...messages.JoinGroupRequest.defaults(), groupId: g, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, protocolType: 'consumer',
    protocols: [{ ...messages.defaultJoinGroupRequestJoinGroupRequestProtocol(), name: 'range', metadata: Buffer.from([0, 1]) }],
  });
  assert.equal(join.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  const dg = await request<messages.DescribeGroupsResponse>(broker.bootstrap, ApiKey.DescribeGroups, 5, { ...messages.DescribeGroupsRequest.defaults(), groups: [g] });
  assert.equal(dg.groups[0]!.groupState, 'Dead');
  const lg = await request<messages.ListGroupsResponse>(broker.bootstrap, ApiKey.ListGroups, 5, { ...messages.ListGroupsRequest.defaults(), typesFilter: ['consumer'] });
  const listed = lg.groups.find((x) => x.groupId === g);
  assert.deepEqual([listed?.groupType, listed?.groupState, listed?.protocolType], ['consumer', 'Stable', 'consumer']);
  const classicOnly = await request<messages.ListGroupsResponse>(broker.bootstrap, ApiKey.ListGroups, 5, { ...messages.ListGroupsRequest.defaults(), typesFilter: ['classic'] });
  assert.equal(classicOnly.groups.find((x) => x.groupId === g), undefined);

  // A non-empty group cannot be deleted; after both leave (epoch -1) it can, offsets and all.
  const del = () => request<messages.DeleteGroupsResponse>(broker.bootstrap, ApiKey.DeleteGroups, 2, { ...messages.DeleteGroupsRequest.defaults(), groupsNames: [g] });
  assert.equal((await del()).results[0]!.errorCode, ErrorCode.NON_EMPTY_GROUP);
  const la = await hb({ groupId: g, memberId: 'a', memberEpoch: -1 });
  assert.deepEqual([la.errorCode, la.memberEpoch], [ErrorCode.NONE, -1]);
  // b inherits a's partitions once a is gone.
  const b4 = await hb({ groupId: g, memberId: 'b', memberEpoch: 2, topicPartitions: owned([2, 3]) });
  assert.deepEqual(partitionsOf(b4, 't4'), [0, 1, 2, 3]);
  assert.equal(b4.memberEpoch, 3, 'the leave bumped the group epoch to 3');
  assert.equal((await hb({ groupId: g, memberId: 'b', memberEpoch: -1 })).errorCode, ErrorCode.NONE);
  assert.equal((await describe(g)).groupState, 'Empty');
  assert.equal((await del()).results[0]!.errorCode, ErrorCode.NONE);
  assert.equal((await describe(g)).errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
});

test('static membership: a second instance is UNRELEASED_INSTANCE_ID until the first leaves with -2; the successor keeps the partitions', async () => {
  const g = 'static';
  const s1 = await hb(joinReq(g, 's1', ['t2'], { instanceId: 'i-1' }));
  assert.deepEqual(partitionsOf(s1, 't2'), [0, 1]);
  const other = await hb(joinReq(g, 'o1', ['t2']));
  assert.equal(other.errorCode, ErrorCode.NONE);
  const dup = await hb(joinReq(g, 's2', ['t2'], { instanceId: 'i-1' }));
  assert.equal(dup.errorCode, ErrorCode.UNRELEASED_INSTANCE_ID);
  // s1 leaves as a static member: epoch -2, its partitions stay reserved.
  const t2 = topicIds.get('t2')!;
  // Range puts o1 before s1: s1 gives up partition 0 and keeps 1.
  const kept = await hb({ groupId: g, memberId: 's1', memberEpoch: 1, instanceId: 'i-1', topicPartitions: [{ topicId: t2, partitions: [0, 1] }] });
  assert.deepEqual(partitionsOf(kept, 't2'), [1]);
  await hb({ groupId: g, memberId: 's1', memberEpoch: 1, instanceId: 'i-1', topicPartitions: [{ topicId: t2, partitions: [1] }] });
  const left = await hb({ groupId: g, memberId: 's1', memberEpoch: -2, instanceId: 'i-1' });
  assert.deepEqual([left.errorCode, left.memberEpoch], [ErrorCode.NONE, -2]);
  const epochBefore = (await describe(g)).groupEpoch;
  const s2 = await hb(joinReq(g, 's2', ['t2'], { instanceId: 'i-1' }));
  assert.equal(s2.errorCode, ErrorCode.NONE);
  assert.deepEqual(partitionsOf(s2, 't2'), [1], 'the successor gets what its predecessor held, without a rebalance');
  assert.equal((await describe(g)).groupEpoch, epochBefore);
  // The old instance is fenced.
  assert.equal((await hb({ groupId: g, memberId: 's1', memberEpoch: 1, instanceId: 'i-1' })).errorCode, ErrorCode.FENCED_INSTANCE_ID);
  // group.consumer.max.size=3: a third member fits, a fourth does not.
  assert.equal((await hb(joinReq(g, 'o2', ['t2']))).errorCode, ErrorCode.NONE);
  assert.equal((await hb(joinReq(g, 'o3', ['t2']))).errorCode, ErrorCode.GROUP_MAX_SIZE_REACHED);
});

test('regex subscriptions follow new topics; more partitions bump the group epoch', async () => {
  const g = 'regex';
  const r1 = await hb(joinReq(g, 'r', [], { subscribedTopicNames: null, subscribedTopicRegex: 't[0-9]' }));
  assert.equal(r1.errorCode, ErrorCode.NONE);
  assert.deepEqual(partitionsOf(r1, 't2'), [0, 1]);
  assert.deepEqual(partitionsOf(r1, 't4').length, 4);
  assert.deepEqual(partitionsOf(r1, 'other'), []);
  const before = (await describe(g)).groupEpoch;
  await request<messages.CreatePartitionsResponse>(broker.bootstrap, ApiKey.CreatePartitions, 3, {
    ...messages.CreatePartitionsRequest.defaults(), timeoutMs: 5000,
    topics: [{ ...messages.defaultCreatePartitionsRequestCreatePartitionsTopic(), name: 't2', count: 3, assignments: null }],
  });
  await until('group epoch bumped by the new partition', async () => (await describe(g)).groupEpoch > before);
  const all = topicIds.get('t2')!;
  const r2 = await hb({ groupId: g, memberId: 'r', memberEpoch: r1.memberEpoch, topicPartitions: r1.assignment!.topicPartitions });
  assert.deepEqual(r2.assignment?.topicPartitions.find((t) => t.topicId === all)?.partitions.slice().sort(), [0, 1, 2]);
});

test('an empty classic group converts on its first consumer heartbeat, and back on a classic JoinGroup', async () => {
  const g = 'convert';
  // A classic group with committed offsets and no members (an admin commit).
  const commit = await request<messages.OffsetCommitResponse>(broker.bootstrap, ApiKey.OffsetCommit, 8, {
    ...messages.OffsetCommitRequest.defaults(), groupId: g, memberId: '', generationIdOrMemberEpoch: -1,
    topics: [{ ...messages.defaultOffsetCommitRequestOffsetCommitRequestTopic(), name: 'other', partitions: [
      { ...messages.defaultOffsetCommitRequestOffsetCommitRequestPartition(), partitionIndex: 0, committedOffset: 42n },
    ] }],
  });
  assert.equal(commit.topics[0]!.partitions[0]!.errorCode, ErrorCode.NONE);
  const m = await hb(joinReq(g, 'c', ['other']));
  assert.equal(m.errorCode, ErrorCode.NONE);
  const fetched = await request<messages.OffsetFetchResponse>(broker.bootstrap, ApiKey.OffsetFetch, 9, {
    ...messages.OffsetFetchRequest.defaults(),
    groups: [{ ...messages.defaultOffsetFetchRequestOffsetFetchRequestGroup(), groupId: g, memberId: 'c', memberEpoch: m.memberEpoch, topics: null }],
  });
  assert.equal(fetched.groups[0]!.topics[0]!.partitions[0]!.committedOffset, 42n, 'the offsets came along');
  assert.equal((await hb({ groupId: g, memberId: 'c', memberEpoch: -1 })).errorCode, ErrorCode.NONE);
  // Empty again: a classic member converts it back.
  const join = await request<messages.JoinGroupResponse>(broker.bootstrap, ApiKey.JoinGroup, 9, {
    ...messages.JoinGroupRequest.defaults(), groupId: g, memberId: 'x', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, protocolType: 'consumer',
    protocols: [{ ...messages.defaultJoinGroupRequestJoinGroupRequestProtocol(), name: 'range', metadata: Buffer.from([0, 1]) }],
  });
  assert.equal(join.errorCode, ErrorCode.UNKNOWN_MEMBER_ID, 'now a classic group: an unknown classic member id');
  assert.equal((await describe(g)).errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
  const lg = await request<messages.ListGroupsResponse>(broker.bootstrap, ApiKey.ListGroups, 5, { ...messages.ListGroupsRequest.defaults(), typesFilter: ['classic'] });
  assert.ok(lg.groups.some((x) => x.groupId === g));
});
