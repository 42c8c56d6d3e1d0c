/**
 * Three embedded nodes whose brokers replicate over an SSL inter-broker
 * listener and whose controllers talk over an SSL controller listener, both
 * with mutual TLS; clients use a PLAINTEXT listener beside them. A topic
 * with three replicas keeps all three in sync and serves what was written
 * with acks=all, so follower fetches went over TLS.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Admin, Cluster, Consumer, Producer } from '../../src/client/index.ts';
import { startBroker, type RunningBroker } from '../../src/index.ts';
import { freePorts } from '../../src/server/local-nodes.ts';
import { makeTestCerts, type TestCerts } from '../helpers/certs.ts';
import { until } from '../helpers/until.ts';

let certs: TestCerts;
let root: string;
const nodes: RunningBroker[] = [];
const logs: string[] = [];

before(async () => {
  certs = makeTestCerts();
  root = mkdtempSync(join(tmpdir(), 'samsa-ssl-cluster-'));
  const ports = await freePorts(9);
  const voters = [1, 2, 3].map((id) => `${id}@127.0.0.1:${ports[3 * (id - 1) + 2]}`).join(',');
  const clusterId = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64url');
  const started = [1, 2, 3].map((id) => {
    const [plain, ssl, controller] = ports.slice(3 * (id - 1), 3 * id);
    return startBroker({
      dataDir: join(root, `node-${id}`), clusterId, log: (line) => logs.push(`[${id}] ${line}`),
      config: {
        'node.id': String(id), 'process.roles': 'broker,controller', 'controller.quorum.voters': voters,
        listeners: `PLAINTEXT://127.0.0.1:${plain},INTERNAL://127.0.0.1:${ssl},CONTROLLER://127.0.0.1:${controller}`,
        'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,INTERNAL:SSL,CONTROLLER:SSL',
        'inter.broker.listener.name': 'INTERNAL', 'controller.listener.names': 'CONTROLLER',
        'ssl.keystore.type': 'PEM', 'ssl.keystore.location': certs.serverStore,
        'ssl.truststore.type': 'PEM', 'ssl.truststore.location': certs.caFile,
        'ssl.client.auth': 'required',
        'controller.quorum.election.timeout.ms': '400', 'controller.quorum.fetch.timeout.ms': '800',
        'broker.heartbeat.interval.ms': '200', 'broker.session.timeout.ms': '1500',
        'offsets.topic.replication.factor': '3', 'group.initial.rebalance.delay.ms': '0',
      },
    });
  });
  nodes.push(...await Promise.all(started));
  await Promise.all(nodes.map((n) => n.ready));
});

after(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
  rmSync(root, { recursive: true, force: true });
  certs?.remove();
});

test('replicas stay in sync over the SSL inter-broker listener, and clients see only their listener', async () => {
  const cluster = new Cluster({ bootstrapServers: nodes.map((n) => n.bootstrap), requestTimeoutMs: 10_000 });
  try {
    const admin = new Admin(cluster);
    await until('three brokers', async () => (await admin.describeCluster()).brokers.length === 3, { context: () => logs.slice(-30).join('\n') });
    assert.deepEqual((await admin.describeCluster()).brokers.map((b) => b.port).sort(), nodes.map((n) => n.port).sort());
    await admin.createTopics([{ name: 'over-tls', partitions: 3, replicationFactor: 3, configs: { 'min.insync.replicas': '3' } }]);
    await until('full ISRs', async () => {
      const [t] = await admin.describeTopics(['over-tls']);
      return t !== undefined && t.partitions.length === 3 && t.partitions.every((p) => p.leader >= 0 && p.isr.length === 3);
    }, { context: () => logs.slice(-30).join('\n') });
    const producer = new Producer(cluster, { acks: -1 });
    for (let i = 0; i < 30; i++) await producer.send({ topic: 'over-tls', partition: i % 3, value: `m${i}` });
    await producer.close();
    const consumer = new Consumer(cluster, {});
    consumer.assign([0, 1, 2].map((partition) => ({ topic: 'over-tls', partition, offset: 'earliest' as const })));
    const got: string[] = [];
    for (let i = 0; i < 40 && got.length < 30; i++) got.push(...(await consumer.poll(500)).map((r) => r.value!.toString()));
    await consumer.close();
    assert.equal(got.length, 30);
    assert.ok(!logs.some((l) => /TLS handshake .* failed/.test(l)), logs.filter((l) => /TLS/.test(l)).join('\n'));
  } finally {
    await cluster.close();
  }
});
