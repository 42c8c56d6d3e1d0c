/**
 * SASL/OAUTHBEARER between Samsa nodes: three embedded nodes whose brokers
 * replicate over a SASL_PLAINTEXT inter-broker listener with OAUTHBEARER
 * (sasl.mechanism.inter.broker.protocol), each node logging in with the
 * unsecured token of its JAAS options (unsecuredLoginStringClaim_sub="broker");
 * clients use another OAUTHBEARER listener. (The controller listener stays
 * PLAINTEXT: a SASL controller listener does not form a quorum yet, with any
 * mechanism.)
 * The StandardAuthorizer is on with User:broker the only super user on the
 * SASL listeners (User:ANONYMOUS is one too, for the PLAINTEXT controller
 * listener), so the replicas stay in sync only if the brokers' fetches
 * authenticate as User:broker.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Admin, Cluster, Consumer, Producer } from '../../src/client/index.ts';
import { startBroker, type RunningBroker } from '../../src/index.ts';
import { sasl } from '../../src/protocol/index.ts';
import { freePorts } from '../../src/server/local-nodes.ts';
import { until } from '../helpers/until.ts';

const LOGIN = 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="broker";';

let root: string;
const nodes: RunningBroker[] = [];
const logs: string[] = [];

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'samsa-oauth-cluster-'));
  const ports = await freePorts(9);
  const voters = [1, 2, 3].map((id) => `${id}@127.0.0.1:${ports[3 * (id - 1) + 2]}`).join(',');
  const clusterId = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64url');
  const started = [1, 2, 3].map((id) => {
    const [client, internal, controller] = ports.slice(3 * (id - 1), 3 * id);
    return startBroker({
      dataDir: join(root, `node-${id}`), clusterId, log: (line) => logs.push(`[${id}] ${line}`),
      config: {
        'node.id': String(id), 'process.roles': 'broker,controller', 'controller.quorum.voters': voters,
        listeners: `CLIENT://127.0.0.1:${client},INTERNAL://127.0.0.1:${internal},CONTROLLER://127.0.0.1:${controller}`,
        'listener.security.protocol.map': 'CLIENT:SASL_PLAINTEXT,INTERNAL:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT',
        'inter.broker.listener.name': 'INTERNAL', 'controller.listener.names': 'CONTROLLER',
        'sasl.enabled.mechanisms': 'OAUTHBEARER',
        'sasl.mechanism.inter.broker.protocol': 'OAUTHBEARER',
        'listener.name.client.oauthbearer.sasl.jaas.config': LOGIN,
        'listener.name.internal.oauthbearer.sasl.jaas.config': LOGIN,
        'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer', 'super.users': 'User:broker;User:ANONYMOUS',
        'controller.quorum.election.timeout.ms': '400', 'controller.quorum.fetch.timeout.ms': '800',
        'broker.heartbeat.interval.ms': '200', 'broker.session.timeout.ms': '1500',
        'offsets.topic.replication.factor': '3', 'group.initial.rebalance.delay.ms': '0',
      },
    });
  });
  nodes.push(...await Promise.all(started));
  await Promise.all(nodes.map((n) => n.ready));
}, { timeout: 30_000 });

after(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
  rmSync(root, { recursive: true, force: true });
});

test('replicas stay in sync when brokers authenticate to each other with OAUTHBEARER', { timeout: 60_000 }, async () => {
  const token = (): string => sasl.oauthbearer.unsecuredLogin(new Map([['unsecuredLoginStringClaim_sub', 'broker']]), Date.now()).token;
  const cluster = new Cluster({ bootstrapServers: nodes.map((n) => n.bootstrap), requestTimeoutMs: 10_000, sasl: { mechanism: 'OAUTHBEARER', token } });
  try {
    const admin = new Admin(cluster);
    const context = { context: () => logs.slice(-30).join('\n') };
    await until('three brokers', async () => (await admin.describeCluster()).brokers.length === 3, context);
    await admin.createTopics([{ name: 'over-oauth', partitions: 3, replicationFactor: 3, configs: { 'min.insync.replicas': '3' } }]);
    await until('full ISRs', async () => {
      const [t] = await admin.describeTopics(['over-oauth']);
      return t !== undefined && t.partitions.length === 3 && t.partitions.every((p) => p.leader >= 0 && p.isr.length === 3);
    }, context);
    const producer = new Producer(cluster, { acks: -1 });
    for (let i = 0; i < 30; i++) await producer.send({ topic: 'over-oauth', partition: i % 3, value: `m${i}` });
    await producer.close();
    const consumer = new Consumer(cluster, {});
    consumer.assign([0, 1, 2].map((partition) => ({ topic: 'over-oauth', partition, offset: 'earliest' as const })));
    const got: string[] = [];
    for (let i = 0; i < 40 && got.length < 30; i++) got.push(...(await consumer.poll(500)).map((r) => r.value!.toString()));
    await consumer.close();
    assert.equal(got.length, 30);
    assert.ok(!logs.some((l) => /SASL authentication .* failed/.test(l)), logs.filter((l) => /SASL/.test(l)).join('\n'));
  } finally {
    await cluster.close();
  }
});
