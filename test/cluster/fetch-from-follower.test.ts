/**
 * Fetch from follower (KIP-392) on three embedded nodes in three racks with
 * Kafka's rack-aware replica selector: librdkafka (kcat) with client.rack
 * reads a partition led in another rack from the in-sync replica in its own
 * rack — the leader sends it there and serves none of the bytes, which the
 * nodes' own metrics show — and without client.rack reads from the leader.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Admin, Cluster, Producer } from '../../src/client/index.ts';
import { startBroker, type RunningBroker } from '../../src/index.ts';
import { freePorts } from '../../src/server/local-nodes.ts';
import { run } from '../helpers/processes.ts';
import { scrape } from '../helpers/prometheus.ts';
import { until } from '../helpers/until.ts';

const RECORDS = 200;
let root: string;
const nodes: RunningBroker[] = [];
const logs: string[] = [];

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'samsa-ffr-'));
  const ports = await freePorts(6);
  const voters = [1, 2, 3].map((id) => `${id}@127.0.0.1:${ports[2 * (id - 1) + 1]}`).join(',');
  const clusterId = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64url');
  nodes.push(...await Promise.all([1, 2, 3].map((id) => startBroker({
    dataDir: join(root, `node-${id}`), clusterId, log: (line) => logs.push(`[${id}] ${line}`),
    config: {
      'node.id': String(id), 'process.roles': 'broker,controller', 'controller.quorum.voters': voters,
      listeners: `PLAINTEXT://127.0.0.1:${ports[2 * (id - 1)]},CONTROLLER://127.0.0.1:${ports[2 * (id - 1) + 1]}`,
      'controller.listener.names': 'CONTROLLER', 'broker.rack': `rack-${id}`,
      'replica.selector.class': 'org.apache.kafka.common.replica.RackAwareReplicaSelector',
      'metrics.listener': 'http://127.0.0.1:0',
      'controller.quorum.election.timeout.ms': '400', 'controller.quorum.fetch.timeout.ms': '800',
      'broker.heartbeat.interval.ms': '200', 'broker.session.timeout.ms': '1500', 'replica.fetch.wait.max.ms': '50',
    },
  }))));
  await Promise.all(nodes.map((n) => n.ready));
});

after(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
  rmSync(root, { recursive: true, force: true });
});

async function bytesOut(node: RunningBroker): Promise<number> {
  return (await scrape(node.metricsUrl!)).sum('kafka_server_brokertopicmetrics_bytes_out_total', { topic: 'racked' });
}

test('a consumer with client.rack reads from the in-sync replica in its rack; without it, from the leader', async () => {
  const cluster = new Cluster({ bootstrapServers: nodes.map((n) => n.bootstrap), requestTimeoutMs: 10_000 });
  try {
    const admin = new Admin(cluster);
    await until('three brokers', async () => (await admin.describeCluster()).brokers.length === 3, { context: () => logs.slice(-20).join('\n') });
    await admin.createTopics([{ name: 'racked', replicaAssignment: [[1, 2, 3]] }]);
    await until('a full ISR led by node 1', async () => {
      const p = (await admin.describeTopics(['racked']))[0]?.partitions[0];
      return p !== undefined && p.leader === 1 && p.isr.length === 3;
    });
    const producer = new Producer(cluster, { acks: -1 });
    for (let i = 0; i < RECORDS; i++) await producer.send({ topic: 'racked', partition: 0, value: `r${i}` });
    await producer.close();
    // The followers learn the high watermark on their next fetch; node 2 serves up to its own.
    await until('node 2 has every record below its high watermark', async () =>
      (await scrape(nodes[1]!.metricsUrl!)).value('kafka_log_log_end_offset{topic="racked",partition="0"}') === RECORDS);

    const kcat = (extra: string[]) => run('kcat', ['-C', '-b', nodes[0]!.bootstrap, '-t', 'racked', '-p', '0', '-o', 'beginning', '-e', '-q',
      '-X', 'fetch.wait.max.ms=100', '-X', 'socket.timeout.ms=5000', ...extra], { timeoutMs: 30_000 });
    const inRack2 = await kcat(['-X', 'client.rack=rack-2']);
    assert.equal(inRack2.code, 0, inRack2.stderr);
    assert.deepEqual(inRack2.stdout.trim().split('\n'), Array.from({ length: RECORDS }, (_, i) => `r${i}`));
    const [leaderOut, rack2Out, rack3Out] = await Promise.all(nodes.map(bytesOut));
    assert.ok(rack2Out >= RECORDS * 2, `node 2 (rack-2) served the records: ${rack2Out} bytes`);
    assert.equal(leaderOut, 0, 'the leader sent the consumer to rack-2 and served none of it');
    assert.equal(rack3Out, 0);

    const noRack = await kcat([]);
    assert.equal(noRack.code, 0, noRack.stderr);
    assert.equal(noRack.stdout.trim().split('\n').length, RECORDS);
    assert.ok(await bytesOut(nodes[0]!) >= RECORDS * 2, 'without client.rack the leader serves it');
    assert.equal(await bytesOut(nodes[1]!), rack2Out, 'and node 2 nothing more');
  } finally {
    await cluster.close();
  }
});
