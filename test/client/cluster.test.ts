import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster, ClientError } from '../../src/client/index.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';

let broker: TestBroker;

before(async () => {
  broker = await startTestBroker({ 'num.partitions': '3' });
});
after(() => broker.stop());

test('negotiates versions and reads metadata, creating a topic when allowed', async () => {
  const cluster = new Cluster({ bootstrapServers: [broker.bootstrap] });
  try {
    const conn = await cluster.any();
    assert.equal(conn.versionOf(3), 12, 'Metadata at the highest common version');
    assert.equal(conn.versionOf(0), 11);
    const [topic] = await cluster.refreshMetadata(['made-by-client'], true);
    assert.equal(topic!.errorCode, 0);
    assert.equal(topic!.partitions.length, 3);
    assert.equal(cluster.clusterId, broker.clusterId);
    assert.deepEqual([...cluster.brokers.keys()], [broker.nodeId]);
    const leader = await cluster.leaderFor('made-by-client', 2);
    assert.equal(leader.port, broker.port);
    await assert.rejects(cluster.topic('missing'), (e: ClientError) => e.code === 'SAMSA_ERR_UNKNOWN_TOPIC' && /missing/.test(e.message));
  } finally {
    await cluster.close();
  }
});

test('an unreachable bootstrap server is a one-line ClientError', async () => {
  const cluster = new Cluster({ bootstrapServers: ['127.0.0.1:1'], connectTimeoutMs: 2000 });
  await assert.rejects(cluster.any(), (e: ClientError) => e.code === 'SAMSA_ERR_CONNECT' && /127\.0\.0\.1:1/.test(e.message));
  assert.throws(() => new Cluster({ bootstrapServers: ['nohost'] }), /host:port/);
});
