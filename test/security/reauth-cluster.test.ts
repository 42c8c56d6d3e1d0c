/**
 * Re-authentication between nodes: a two-node cluster (node 1 broker and
 * sole controller, node 2 broker only) whose inter-broker and controller
 * listeners are SASL_PLAINTEXT with PLAIN and `connections.max.reauth.ms`
 * of 1200 ms. Node 2's heartbeats to the controller and both brokers'
 * follower fetches run over connections that must re-authenticate several
 * times while acks=all writes reach both replicas; none may expire.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Admin, Cluster, Producer } from '../../src/client/index.ts';
import { startBroker, type RunningBroker } from '../../src/index.ts';
import { freePorts } from '../../src/server/local-nodes.ts';
import { until } from '../helpers/until.ts';

const JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required username="broker" password="broker-secret" user_broker="broker-secret";';

let root: string;
const nodes: RunningBroker[] = [];
const logs: string[] = [];
let cluster: Cluster;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'samsa-reauth-cluster-'));
  const [plain1, internal1, controller1, plain2, internal2] = await freePorts(5);
  const clusterId = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64url');
  const common = {
    'controller.quorum.voters': `1@127.0.0.1:${controller1}`, 'controller.listener.names': 'CONTROLLER',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,INTERNAL:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT',
    'inter.broker.listener.name': 'INTERNAL',
    'sasl.enabled.mechanisms': 'PLAIN', 'sasl.mechanism.inter.broker.protocol': 'PLAIN', 'sasl.mechanism.controller.protocol': 'PLAIN',
    'sasl.jaas.config': JAAS, 'connections.max.reauth.ms': '1200',
    'broker.heartbeat.interval.ms': '200', 'broker.session.timeout.ms': '3000', 'offsets.topic.replication.factor': '2',
  };
  nodes.push(...await Promise.all([
    startBroker({
      dataDir: join(root, 'node-1'), clusterId, log: (line) => logs.push(`[1] ${line}`),
      config: {
        ...common, 'node.id': '1', 'process.roles': 'broker,controller',
        listeners: `PLAINTEXT://127.0.0.1:${plain1},INTERNAL://127.0.0.1:${internal1},CONTROLLER://127.0.0.1:${controller1}`,
      },
    }),
    startBroker({
      dataDir: join(root, 'node-2'), clusterId, log: (line) => logs.push(`[2] ${line}`),
      config: { ...common, 'node.id': '2', 'process.roles': 'broker', listeners: `PLAINTEXT://127.0.0.1:${plain2},INTERNAL://127.0.0.1:${internal2}` },
    }),
  ]));
  await Promise.all(nodes.map((n) => n.ready));
  cluster = new Cluster({ bootstrapServers: [`127.0.0.1:${plain1}`], requestTimeoutMs: 10_000 });
});

after(async () => {
  await cluster?.close().catch(() => undefined);
  await Promise.all(nodes.map((n) => n.stop()));
  if (root !== undefined) rmSync(root, { recursive: true, force: true });
});

test('inter-broker and controller connections re-authenticate and keep replicating', { timeout: 60_000 }, async () => {
  await until('both brokers registered', async () => {
    await cluster.refreshMetadata([]);
    return cluster.brokers.size === 2;
  }, { timeoutMs: 20_000 });
  await new Admin(cluster).createTopics([{ name: 'rep', partitions: 2, replicationFactor: 2 }]);
  const producer = new Producer(cluster, { acks: -1 });
  let sent = 0;
  const reauths = (listener: string): number => logs.filter((l) => new RegExp(`re-authentication of \\S+ on ${listener} as User:broker with PLAIN succeeded`).test(l)).length;
  try {
    // One acks=all write per poll, each waiting for the follower's fetch, until both kinds of link re-authenticated twice.
    await until('inter-broker and controller links to re-authenticate', async () => {
      await producer.send({ topic: 'rep', partition: sent % 2, value: Buffer.from(`v${sent}`) });
      sent++;
      return reauths('INTERNAL') >= 2 && reauths('CONTROLLER') >= 2;
    }, { timeoutMs: 30_000, intervalMs: 50, context: () => logs.slice(-20).join('\n') });
  } finally {
    await producer.close();
  }
  assert.ok(sent > 10);
  assert.deepEqual(logs.filter((l) => /expired|re-authentication .* failed/.test(l)), []);
  const isr = (await cluster.refreshMetadata(['rep']))[0]!.partitions.map((p) => p.isr.length);
  assert.deepEqual(isr, [2, 2]);
});
