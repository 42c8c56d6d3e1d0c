/**
 * startCluster(): three embedded brokers in the test process, one Raft
 * quorum. A replicated topic keeps taking acks=all writes from KafkaJS when
 * its leader's node stops, and the node comes back into the ISR.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { startCluster } from '../../src/index.ts';
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
