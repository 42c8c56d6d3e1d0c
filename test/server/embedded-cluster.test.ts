/**
 * startCluster(): three embedded brokers in the test process, one Raft
 * quorum. A replicated topic keeps taking acks=all writes from KafkaJS when
 * its leader's node stops, and the node comes back into the ISR; `samsa
 * leader-election` moves it back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { startCluster } from '../../src/index.ts';
import { run } from '../helpers/processes.ts';
import { until } from '../helpers/until.ts';

test('an embedded three-node cluster fails over a replicated partition and takes its node back', { timeout: 90_000 }, async () => {
  const cluster = await startCluster({ nodes: 3 });
  const kafka = new Kafka({ clientId: 'embedded-cluster', brokers: cluster.bootstrap.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  try {
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'replicated', numPartitions: 1, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }], waitForLeaders: true });
    await producer.connect();
    await producer.send({ topic: 'replicated', acks: -1, messages: [{ value: 'one' }] });
    const partition = async (): Promise<{ leader: number; isr: number[] }> => {
      const [p] = (await admin.fetchTopicMetadata({ topics: ['replicated'] })).topics[0]!.partitions;
      return { leader: p!.leader, isr: p!.isr };
    };
    const { leader } = await partition();
    await cluster.stopNode(leader);
    await until('a new leader', async () => {
      const p = await partition();
      return p.leader !== leader && p.leader > 0;
    });
    await producer.send({ topic: 'replicated', acks: -1, messages: [{ value: 'two' }] });
    await cluster.startNode(leader);
    await until('the restarted node back in the ISR', async () => (await partition()).isr.includes(leader));

    const consumer = kafka.consumer({ groupId: 'embedded-cluster' });
    const seen: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic: 'replicated', fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => { seen.push(message.value!.toString()); } });
    await until('both records read', () => seen.length >= 2);
    await consumer.disconnect();
    assert.deepEqual(seen, ['one', 'two']);
  } finally {
    await producer.disconnect().catch(() => {});
    await admin.disconnect().catch(() => {});
    await cluster.stop();
  }
});

test('samsa leader-election moves a partition back to its preferred replica, says when none was needed, and refuses what it cannot do', { timeout: 90_000 }, async () => {
  const cluster = await startCluster({ nodes: 3 });
  const kafka = new Kafka({ clientId: 'leader-election', brokers: cluster.bootstrap.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const bin = join(import.meta.dirname, '..', '..', 'bin', 'samsa.js');
  const samsa = (args: string[]) => run(process.execPath, [bin, ...args, '--bootstrap-server', cluster.bootstrap], { timeoutMs: 30_000 });
  try {
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'elect', replicaAssignment: [{ partition: 0, replicas: [1, 2, 3] }] }], waitForLeaders: true });
    const leaderOf = async (): Promise<{ leader: number; isr: number[] }> => {
      const [p] = (await admin.fetchTopicMetadata({ topics: ['elect'] })).topics[0]!.partitions;
      return { leader: p!.leader, isr: p!.isr };
    };
    assert.equal((await leaderOf()).leader, 1);
    await cluster.stopNode(1);
    await until('another leader', async () => [2, 3].includes((await leaderOf()).leader));
    await cluster.startNode(1);
    await until('node 1 back in the ISR', async () => (await leaderOf()).isr.includes(1));

    const elected = await samsa(['leader-election', '--election-type', 'PREFERRED', '--topic', 'elect', '--partition', '0']);
    assert.equal(elected.code, 0, elected.stderr);
    assert.equal(elected.stdout, 'Successfully completed leader election (PREFERRED) for partitions elect-0\n');
    await until('node 1 leading again', async () => (await leaderOf()).leader === 1);
    const again = await samsa(['leader-election', '--election-type', 'preferred', '--all-topic-partitions']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^Valid replica already elected for partitions .*\belect-0\b/m);

    await admin.createTopics({ topics: [{ topic: 'alone', replicaAssignment: [{ partition: 0, replicas: [3] }] }], waitForLeaders: true });
    await cluster.stopNode(3);
    const unclean = await samsa(['leader-election', '--election-type', 'UNCLEAN', '--topic', 'alone', '--partition', '0']);
    assert.equal(unclean.code, 1);
    assert.match(unclean.stderr, /^samsa: leader election \(UNCLEAN\) failed for alone-0: Failed to elect leader/);
    const usage = await samsa(['leader-election', '--election-type', 'SOMETIMES', '--all-topic-partitions']);
    assert.equal(usage.code, 2);
  } finally {
    await admin.disconnect().catch(() => {});
    await cluster.stop();
  }
});
