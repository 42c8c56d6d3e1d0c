/**
 * The controller's decisions on a metadata image: broker registration,
 * heartbeats, fencing and unfencing with their partitions' leaders,
 * placement (round robin, rack-aware), the replication-factor limit, and
 * operations running one at a time. Commits apply records to the image
 * after a turn of the event loop, as the quorum would after replication.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Controller } from '../../src/controller/index.ts';
import { MetadataDelta, MetadataImage, RecordType, type MetadataRecord } from '../../src/metadata/index.ts';
import { ErrorCode } from '../../src/protocol/index.ts';

function controllerOnImage(): { controller: Controller; image(): MetadataImage; commits: MetadataRecord[][] } {
  let image = MetadataImage.empty();
  const commits: MetadataRecord[][] = [];
  const controller = new Controller({
    nodeId: 1,
    image: () => image,
    commit: async (records) => {
      await new Promise((r) => setImmediate(r));
      commits.push(records);
      const delta = new MetadataDelta(image);
      for (const r of records) delta.replay(r);
      image = delta.apply(image.offset + records.length).image;
    },
    defaultPartitions: () => 1,
    defaultReplicationFactor: () => 1,
    deleteTopicEnable: () => true,
    validateTopicConfigs: () => null,
  });
  return { controller, image: () => image, commits };
}

const endpoint = (port: number) => [{ name: 'PLAINTEXT', host: '127.0.0.1', port, securityProtocol: 0 }];

async function registerAndUnfence(c: Controller, image: () => MetadataImage, id: number, rack: string | null = null, nowMs = 0): Promise<bigint> {
  const reg = await c.registerBroker({ brokerId: id, incarnationId: `inc-${id}-AAAAAAAAAAAAAA`.slice(0, 22), endpoints: endpoint(9000 + id), rack }, nowMs);
  assert.equal(reg.errorCode, ErrorCode.NONE);
  assert.equal(image().brokers.get(id)?.fenced, true, 'a new registration starts fenced');
  const hb = await c.brokerHeartbeat({
    brokerId: id, brokerEpoch: reg.brokerEpoch, currentMetadataOffset: image().offset, wantFence: false, wantShutDown: false,
  }, nowMs);
  assert.deepEqual(hb, { errorCode: ErrorCode.NONE, isCaughtUp: true, isFenced: false, shouldShutDown: false });
  return reg.brokerEpoch;
}

test('a broker is unfenced only once its metadata has caught up with its registration', async () => {
  const { controller, image } = controllerOnImage();
  const reg = await controller.registerBroker({ brokerId: 2, incarnationId: 'AAAAAAAAAAAAAAAAAAAAAg', endpoints: endpoint(9002), rack: null }, 0);
  const behind = await controller.brokerHeartbeat({
    brokerId: 2, brokerEpoch: reg.brokerEpoch, currentMetadataOffset: Number(reg.brokerEpoch) - 1, wantFence: false, wantShutDown: false,
  }, 10);
  assert.equal(behind.isFenced, true);
  assert.equal(behind.isCaughtUp, false);
  const stale = await controller.brokerHeartbeat({ brokerId: 2, brokerEpoch: 999n, currentMetadataOffset: 100, wantFence: false, wantShutDown: false }, 10);
  assert.equal(stale.errorCode, ErrorCode.STALE_BROKER_EPOCH);
  const unknown = await controller.brokerHeartbeat({ brokerId: 7, brokerEpoch: 1n, currentMetadataOffset: 100, wantFence: false, wantShutDown: false }, 10);
  assert.equal(unknown.errorCode, ErrorCode.BROKER_ID_NOT_REGISTERED);
  const caughtUp = await controller.brokerHeartbeat({
    brokerId: 2, brokerEpoch: reg.brokerEpoch, currentMetadataOffset: image().offset, wantFence: false, wantShutDown: false,
  }, 20);
  assert.equal(caughtUp.isFenced, false);
  assert.equal(image().brokers.get(2)?.fenced, false);
});

test('partitions and their replicas go round robin over the live brokers; more replicas than brokers are refused', async () => {
  const { controller, image } = controllerOnImage();
  for (const id of [1, 2, 3]) await registerAndUnfence(controller, image, id);
  const [created] = await controller.createTopics([{ name: 'six', numPartitions: 6, replicationFactor: 1, assignments: [], configs: [] }], false);
  assert.equal(created!.errorCode, ErrorCode.NONE);
  assert.deepEqual(image().topicsByName.get('six')!.partitions.map((p) => p.leader), [1, 2, 3, 1, 2, 3]);
  const [replicated] = await controller.createTopics([{ name: 'rf3', numPartitions: 3, replicationFactor: 3, assignments: [], configs: [] }], false);
  assert.equal(replicated!.errorCode, ErrorCode.NONE);
  assert.deepEqual(image().topicsByName.get('rf3')!.partitions.map((p) => [p.leader, p.replicas, p.isr]), [
    [1, [1, 2, 3], [1, 2, 3]], [2, [2, 3, 1], [2, 3, 1]], [3, [3, 1, 2], [3, 1, 2]],
  ]);
  const [tooMany] = await controller.createTopics([{ name: 'rf4', numPartitions: 1, replicationFactor: 4, assignments: [], configs: [] }], false);
  assert.equal(tooMany!.errorCode, ErrorCode.INVALID_REPLICATION_FACTOR);
  assert.equal(image().topicsByName.has('rf4'), false);
});

test('fencing moves leadership to another in-sync replica and takes the broker out of every ISR; AlterPartition brings it back', async () => {
  const { controller, image } = controllerOnImage();
  const epochs = new Map<number, bigint>();
  for (const id of [1, 2, 3]) epochs.set(id, await registerAndUnfence(controller, image, id, null, 0));
  await controller.createTopics([{ name: 'r', numPartitions: 3, replicationFactor: 3, assignments: [], configs: [] }], false);
  for (const id of [2, 3]) {
    await controller.brokerHeartbeat({ brokerId: id, brokerEpoch: epochs.get(id)!, currentMetadataOffset: image().offset, wantFence: false, wantShutDown: false }, 5000);
  }
  assert.deepEqual(await controller.expireSessions(9500, 9000), [1]);
  const partitions = image().topicsByName.get('r')!.partitions;
  assert.deepEqual(partitions.map((p) => [p.leader, p.isr]), [[2, [2, 3]], [2, [2, 3]], [3, [3, 2]]]);

  const p0 = partitions[0]!;
  const change = { topicId: image().topicsByName.get('r')!.id, partitionIndex: 0, leaderEpoch: p0.leaderEpoch, partitionEpoch: p0.partitionEpoch };
  const stale = await controller.alterPartition({ brokerId: 2, brokerEpoch: epochs.get(2)!, partitions: [{ ...change, leaderEpoch: p0.leaderEpoch - 1, newIsr: [2, 3, 1] }] });
  assert.equal(stale[0]!.errorCode, ErrorCode.FENCED_LEADER_EPOCH);
  const notLeader = await controller.alterPartition({ brokerId: 3, brokerEpoch: epochs.get(3)!, partitions: [{ ...change, newIsr: [2, 3, 1] }] });
  assert.equal(notLeader[0]!.errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER);
  const fenced = await controller.alterPartition({ brokerId: 2, brokerEpoch: epochs.get(2)!, partitions: [{ ...change, newIsr: [2, 3, 1] }] });
  assert.equal(fenced[0]!.errorCode, ErrorCode.INELIGIBLE_REPLICA, 'a fenced broker cannot join an ISR');

  await controller.brokerHeartbeat({ brokerId: 1, brokerEpoch: epochs.get(1)!, currentMetadataOffset: image().offset, wantFence: false, wantShutDown: false }, 9600);
  const joined = await controller.alterPartition({ brokerId: 2, brokerEpoch: epochs.get(2)!, partitions: [{ ...change, newIsr: [2, 3, 1] }] });
  assert.equal(joined[0]!.errorCode, ErrorCode.NONE);
  const after = image().topicsByName.get('r')!.partitions[0]!;
  assert.deepEqual(after.isr, [2, 3, 1]);
  assert.equal(after.leaderEpoch, p0.leaderEpoch, 'an ISR change keeps the leader epoch');
  assert.equal(after.partitionEpoch, p0.partitionEpoch + 1);
  const replay = await controller.alterPartition({ brokerId: 2, brokerEpoch: epochs.get(2)!, partitions: [{ ...change, newIsr: [2, 3] }] });
  assert.equal(replay[0]!.errorCode, ErrorCode.INVALID_UPDATE_VERSION, 'a change made against an old partition epoch is refused');

  // Broker 1 is in sync again for partition 0 only: preferred leader election gives that one back.
  assert.equal(await controller.electPreferredLeaders(), 1);
  assert.deepEqual(image().topicsByName.get('r')!.partitions.map((p) => p.leader), [1, 2, 3]);
  assert.equal(await controller.electPreferredLeaders(), 0, 'nothing left to move');
});

test('placement interleaves racks', async () => {
  const { controller, image } = controllerOnImage();
  await registerAndUnfence(controller, image, 1, 'a');
  await registerAndUnfence(controller, image, 2, 'a');
  await registerAndUnfence(controller, image, 3, 'b');
  await registerAndUnfence(controller, image, 4, 'b');
  await controller.createTopics([{ name: 'racked', numPartitions: 4, replicationFactor: 1, assignments: [], configs: [] }], false);
  assert.deepEqual(image().topicsByName.get('racked')!.partitions.map((p) => p.leader), [1, 3, 2, 4]);
});

test('a broker whose heartbeats stop is fenced and its partitions go offline; when it returns they are led again', async () => {
  const { controller, image } = controllerOnImage();
  const epochs = new Map<number, bigint>();
  for (const id of [1, 2]) epochs.set(id, await registerAndUnfence(controller, image, id, null, 0));
  await controller.createTopics([{ name: 't', numPartitions: 4, replicationFactor: 1, assignments: [], configs: [] }], false);
  await controller.brokerHeartbeat({ brokerId: 1, brokerEpoch: epochs.get(1)!, currentMetadataOffset: image().offset, wantFence: false, wantShutDown: false }, 5000);
  assert.deepEqual(await controller.expireSessions(5000, 9000), [], 'nobody has been silent for a whole session');
  assert.deepEqual(await controller.expireSessions(9500, 9000), [2]);
  assert.equal(image().brokers.get(2)?.fenced, true);
  assert.deepEqual(image().topicsByName.get('t')!.partitions.map((p) => p.leader), [1, -1, 1, -1]);
  const epochBefore = image().topicsByName.get('t')!.partitions[1]!.leaderEpoch;

  const back = await controller.brokerHeartbeat({
    brokerId: 2, brokerEpoch: epochs.get(2)!, currentMetadataOffset: image().offset, wantFence: false, wantShutDown: false,
  }, 9600);
  assert.equal(back.isFenced, false);
  const partitions = image().topicsByName.get('t')!.partitions;
  assert.deepEqual(partitions.map((p) => p.leader), [1, 2, 1, 2]);
  assert.ok(partitions[1]!.leaderEpoch > epochBefore, 'a new leadership is a new leader epoch');
});

test('a controlled shutdown fences the broker at once', async () => {
  const { controller, image } = controllerOnImage();
  const epoch = await registerAndUnfence(controller, image, 1);
  await controller.createTopics([{ name: 'solo', numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] }], false);
  const res = await controller.brokerHeartbeat({ brokerId: 1, brokerEpoch: epoch, currentMetadataOffset: image().offset, wantFence: false, wantShutDown: true }, 1);
  assert.deepEqual(res, { errorCode: ErrorCode.NONE, isCaughtUp: true, isFenced: true, shouldShutDown: true });
  assert.deepEqual(image().topicsByName.get('solo')!.partitions.map((p) => p.leader), [-1, -1]);
});

test('operations run one at a time: two creates of one name race, one wins', async () => {
  const { controller, image, commits } = controllerOnImage();
  await registerAndUnfence(controller, image, 1);
  const spec = { name: 'race', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] };
  const [a, b] = await Promise.all([controller.createTopics([spec], false), controller.createTopics([spec], false)]);
  assert.deepEqual([a![0]!.errorCode, b![0]!.errorCode], [ErrorCode.NONE, ErrorCode.TOPIC_ALREADY_EXISTS]);
  assert.equal(commits.filter((c) => c.some((r) => r.type === RecordType.Topic && r.data.name === 'race')).length, 1);
});

test('producer id blocks are handed out in order, only to a registered broker epoch', async () => {
  const { controller, image } = controllerOnImage();
  const epoch = await registerAndUnfence(controller, image, 1);
  const first = await controller.allocateProducerIds(1, epoch);
  const second = await controller.allocateProducerIds(1, epoch);
  assert.equal(first.errorCode, ErrorCode.NONE);
  assert.equal(second.start, first.start + BigInt(first.length));
  assert.equal((await controller.allocateProducerIds(1, epoch + 5n)).errorCode, ErrorCode.STALE_BROKER_EPOCH);
});
