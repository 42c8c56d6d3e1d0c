/**
 * unclean.leader.election.enable on real nodes: a partition whose only
 * in-sync replica is gone waits for it when the topic is clean, and with
 * the config on goes to the live replica outside the ISR — losing the
 * records that replica never had, which is exactly what the config trades
 * for availability. Turning the config on later heals a waiting partition.
 * Node 1 is the controller (and a broker); nodes 2 and 3 are brokers only,
 * so the quorum stays up while they stop.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Admin, Cluster, Consumer, Producer } from '../../src/client/index.ts';
import { startBroker, type RunningBroker } from '../../src/index.ts';
import { freePorts } from '../../src/server/local-nodes.ts';
import { until } from '../helpers/until.ts';

let root: string;
let ports: number[];
let voters: string;
const clusterId = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64url');
const nodes = new Map<number, RunningBroker>();
const logs: string[] = [];

function startNode(id: number): Promise<RunningBroker> {
  const controller = id === 1;
  return startBroker({
    dataDir: join(root, `node-${id}`), clusterId, log: (line) => logs.push(`[${id}] ${line}`),
    config: {
      'node.id': String(id), 'process.roles': controller ? 'broker,controller' : 'broker', 'controller.quorum.voters': voters,
      listeners: controller ? `PLAINTEXT://127.0.0.1:${ports[0]},CONTROLLER://127.0.0.1:${ports[3]}` : `PLAINTEXT://127.0.0.1:${ports[id - 1]}`,
      'controller.listener.names': 'CONTROLLER',
      'controller.quorum.election.timeout.ms': '400', 'controller.quorum.fetch.timeout.ms': '800',
      'broker.heartbeat.interval.ms': '200', 'broker.session.timeout.ms': '1500', 'replica.fetch.wait.max.ms': '50',
    },
  });
}

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'samsa-unclean-'));
  ports = await freePorts(4);
  voters = `1@127.0.0.1:${ports[3]}`;
  for (const id of [1, 2, 3]) nodes.set(id, await startNode(id));
  await Promise.all([...nodes.values()].map((n) => n.ready));
});

after(async () => {
  await Promise.all([...nodes.values()].map((n) => n.stop()));
  rmSync(root, { recursive: true, force: true });
});

test('with the only in-sync replica gone, an unclean topic elects the other replica and loses what it lacked; a clean topic waits', async () => {
  const cluster = new Cluster({ bootstrapServers: [nodes.get(1)!.bootstrap], requestTimeoutMs: 10_000 });
  const admin = new Admin(cluster);
  const leaderOf = async (topic: string) => {
    cluster.topics.delete(topic);
    const p = (await admin.describeTopics([topic]))[0]!.partitions[0]!;
    return { leader: p.leader, isr: [...p.isr].sort() };
  };
  const send = async (topic: string, values: string[]) => {
    const producer = new Producer(cluster, { acks: -1 });
    for (const value of values) await producer.send({ topic, partition: 0, value });
    await producer.close();
  };
  try {
    await until('three brokers', async () => (await admin.describeCluster()).brokers.length === 3, { context: () => logs.slice(-20).join('\n') });
    await admin.createTopics([
      { name: 'loose', replicaAssignment: [[2, 3]], configs: { 'unclean.leader.election.enable': 'true', 'min.insync.replicas': '1' } },
      { name: 'strict', replicaAssignment: [[2, 3]], configs: { 'min.insync.replicas': '1' } },
    ]);
    for (const t of ['loose', 'strict']) await until(`${t} in sync`, async () => (await leaderOf(t)).isr.length === 2);
    for (const t of ['loose', 'strict']) await send(t, ['a0', 'a1', 'a2']);

    // Node 3 leaves; node 2 alone takes more writes; then node 2 leaves too, the last in-sync replica.
    await nodes.get(3)!.stop();
    nodes.delete(3);
    for (const t of ['loose', 'strict']) await until(`${t} down to node 2`, async () => JSON.stringify((await leaderOf(t)).isr) === '[2]');
    for (const t of ['loose', 'strict']) await send(t, ['b0', 'b1']);
    await nodes.get(2)!.stop();
    nodes.delete(2);
    for (const t of ['loose', 'strict']) await until(`${t} leaderless`, async () => (await leaderOf(t)).leader === -1);

    // Node 3 returns, behind: the unclean topic takes it as leader, the clean one keeps waiting for node 2.
    nodes.set(3, await startNode(3));
    await nodes.get(3)!.ready;
    await until('loose led by node 3 alone', async () => JSON.stringify(await leaderOf('loose')) === JSON.stringify({ leader: 3, isr: [3] }),
      { context: () => logs.slice(-20).join('\n') });
    assert.deepEqual(await leaderOf('strict'), { leader: -1, isr: [2] });

    const consumer = new Consumer(cluster, {});
    consumer.assign([{ topic: 'loose', partition: 0, offset: 'earliest' }]);
    const seen: string[] = [];
    await until('loose read back', async () => {
      seen.push(...(await consumer.poll(200)).map((r) => r.value!.toString()));
      return seen.length >= 3;
    });
    await consumer.close();
    assert.deepEqual(seen, ['a0', 'a1', 'a2'], 'the records only node 2 had (b0, b1) are lost');
    await send('loose', ['c0']);

    // Turning the config on heals the waiting partition.
    await admin.incrementalAlterConfigs('topic', 'strict', { set: { 'unclean.leader.election.enable': 'true' } });
    await until('strict led by node 3 once allowed', async () => (await leaderOf('strict')).leader === 3, { context: () => logs.slice(-20).join('\n') });
    assert.ok(logs.some((l) => l.includes('unclean leader election: strict-0 is led by 3')), logs.slice(-20).join('\n'));
  } finally {
    await cluster.close();
  }
});
