/**
 * A 3-node Samsa cluster of real processes (each broker and controller, a
 * Raft metadata quorum over their controller listeners), driven by KafkaJS,
 * kcat and the samsa CLI: topics spread over the brokers, produce and
 * consume at each partition's leader, kill -9 of the active controller, a
 * killed broker fenced and its partitions offline until it returns and
 * catches up from a snapshot, and a full restart that keeps every bit of
 * metadata.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { LocalCluster } from '../../src/cli/local-cluster.ts';
import { Admin as SamsaAdmin, Cluster } from '../../src/client/index.ts';
import { BrokerConnection, ErrorCode, messages } from '../../src/protocol/index.ts';
import { tempDir } from '../helpers/broker.ts';
import { kafkaToolStream, killAllChildren, run, startBrokerProcess } from '../helpers/processes.ts';
import { samsaProcess as samsa } from '../helpers/samsa-cli.ts';
import { scrape } from '../helpers/prometheus.ts';
import { until as untilShared } from '../helpers/until.ts';

/** Short timeouts so failover happens in test time; the ratios are Kafka's defaults. */
const FAST = {
  'controller.quorum.election.timeout.ms': '400',
  'controller.quorum.fetch.timeout.ms': '800',
  'broker.heartbeat.interval.ms': '200',
  'broker.session.timeout.ms': '1500',
  // Snapshot often, so a node that was away must catch up from one.
  'metadata.log.max.record.bytes.between.snapshots': '4096',
  'num.partitions': '3',
  'offsets.topic.num.partitions': '6',
  'group.initial.rebalance.delay.ms': '0',
  'leader.imbalance.check.interval.seconds': '1',
};
const WAIT_MS = 20_000;
const KCAT_TIMEOUTS = ['-X', 'message.timeout.ms=10000', '-X', 'socket.timeout.ms=5000', '-X', 'fetch.wait.max.ms=100'];

const data = tempDir('samsa-cluster-');
const logs = new Map<number, string[]>();
let cluster: LocalCluster;

before(async () => {
  process.env.SAMSA_DEBUG_RAFT = '1';
  cluster = await LocalCluster.start({
    nodes: 3, dataDir: data.dir, config: FAST,
    log: (id, line) => {
      const lines = logs.get(id) ?? [];
      lines.push(`${new Date().toISOString().slice(11, 23)} ${line}`);
      logs.set(id, lines);
    },
  });
  await until('three unfenced brokers', async () => (await brokersSeenBy(cluster.plan[0]!.port)).length === 3);
});

after(() => {
  cluster?.kill();
  killAllChildren();
  data.remove();
});

function until(what: string, check: () => Promise<boolean>, timeoutMs = WAIT_MS): Promise<boolean> {
  // The nodes' own account (Raft role changes included) is what explains a timeout.
  const context = (): string => [...logs].flatMap(([id, lines]) => lines.slice(-40).map((l) => `[node ${id}] ${l}`)).join('\n');
  return untilShared(what, check, { timeoutMs, intervalMs: 100, context });
}

function adminFor(port: number): Admin {
  return new Kafka({ clientId: 'cluster-test', brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING, retry: { retries: 2 } }).admin();
}

async function withAdmin<T>(port: number, body: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = adminFor(port);
  await admin.connect();
  try {
    return await body(admin);
  } finally {
    await admin.disconnect();
  }
}

/** Observations go through Samsa's own admin client, one node at a time, so each answer is that node's view. */
async function withSamsaAdmin<T>(port: number, body: (admin: SamsaAdmin) => Promise<T>): Promise<T> {
  const cluster = new Cluster({ bootstrapServers: [`127.0.0.1:${port}`], clientId: 'cluster-test', requestTimeoutMs: 5000 });
  try {
    return await body(new SamsaAdmin(cluster));
  } finally {
    await cluster.close();
  }
}

async function brokersSeenBy(port: number): Promise<number[]> {
  return withSamsaAdmin(port, async (a) => (await a.describeCluster()).brokers.map((b) => b.nodeId));
}

async function topicsSeenBy(port: number): Promise<string[]> {
  return withSamsaAdmin(port, async (a) => (await a.listTopics()).map((t) => t.name).sort());
}

interface PartitionView {
  partition: number;
  leader: number;
}

async function partitionsSeenBy(port: number, topic: string): Promise<PartitionView[]> {
  return withSamsaAdmin(port, async (a) => (await a.describeTopics([topic]))[0]!.partitions.map((p) => ({ partition: p.partition, leader: p.leader })));
}

async function quorumStatus(port: number): Promise<{ leaderId: number; leaderEpoch: number; highWatermark: number; currentVoters: number[] }> {
  const out = await samsa(['metadata-quorum', '--describe', '--status', '--json', '--bootstrap-server', `127.0.0.1:${port}`]);
  assert.equal(out.code, 0, out.stderr);
  return JSON.parse(out.stdout);
}

function liveNodes(): number[] {
  return cluster.plan.filter((n) => cluster.isRunning(n.id)).map((n) => n.id);
}

function metricsUrlOf(id: number): string {
  return `http://127.0.0.1:${cluster.node(id).metricsPort}`;
}

function livePorts(): number[] {
  return cluster.plan.filter((n) => cluster.isRunning(n.id)).map((n) => n.port);
}

function liveBrokers(): string[] {
  return livePorts().map((p) => `127.0.0.1:${p}`);
}

function bootstrapOfLive(): string {
  return liveBrokers().join(',');
}

test('a topic created through one node is seen by all, spread over the three brokers, and served at each leader', async () => {
  await withAdmin(cluster.node(2).port, (a) => a.createTopics({ topics: [{ topic: 'spread', numPartitions: 6 }], waitForLeaders: true }));
  const views = await Promise.all(cluster.plan.map((n) => partitionsSeenBy(n.port, 'spread')));
  for (const v of views) assert.deepEqual(v, views[0]);
  assert.equal(views[0]!.length, 6);
  assert.deepEqual([...new Set(views[0]!.map((p) => p.leader))].sort(), [1, 2, 3]);

  const kafka = new Kafka({ clientId: 'cluster-test', brokers: liveBrokers(), logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  const sent = Array.from({ length: 60 }, (_, i) => ({ partition: i % 6, value: `kafkajs-${i}` }));
  await producer.send({ topic: 'spread', messages: sent });
  await producer.disconnect();

  const kcatSent = (p: number): string[] => Array.from({ length: 5 }, (_, i) => `kcat-${p}-${i}`);
  for (let p = 0; p < 6; p++) {
    const produced = await run('kcat', ['-P', '-b', bootstrapOfLive(), '-t', 'spread', '-p', String(p), ...KCAT_TIMEOUTS], { input: kcatSent(p).join('\n') + '\n' });
    assert.equal(produced.code, 0, produced.stderr);
  }

  const consumed = await run('kcat', ['-C', '-b', bootstrapOfLive(), '-t', 'spread', '-e', '-q', '-f', '%p %s\\n', ...KCAT_TIMEOUTS]);
  assert.equal(consumed.code, 0, consumed.stderr);
  const lines = consumed.stdout.trim().split('\n');
  const byPartition = new Map<number, string[]>();
  for (const line of lines) {
    const [p, value] = line.split(' ');
    byPartition.set(Number(p), [...(byPartition.get(Number(p)) ?? []), value!]);
  }
  for (let p = 0; p < 6; p++) {
    const expected = [...sent.filter((m) => m.partition === p).map((m) => m.value), ...kcatSent(p)];
    assert.deepEqual(byPartition.get(p) ?? [], expected, `partition ${p}`);
  }

  // A consumer group: its coordinator is whichever broker leads the group's __consumer_offsets partition.
  const consumer = kafka.consumer({ groupId: 'cluster-group', sessionTimeout: 6000, heartbeatInterval: 500 });
  await consumer.connect();
  await consumer.subscribe({ topic: 'spread', fromBeginning: true });
  const seen: string[] = [];
  await consumer.run({ eachMessage: async ({ message }) => { seen.push(message.value!.toString()); } });
  await until('the group to read every record', async () => seen.length >= lines.length);
  await consumer.disconnect();
  assert.equal(seen.length, lines.length);
});

test('a broker with no replica of a partition the cluster has answers NOT_LEADER_OR_FOLLOWER, not UNKNOWN_TOPIC_OR_PARTITION', async () => {
  await withAdmin(cluster.node(1).port, (a) => a.createTopics({ topics: [{ topic: 'elsewhere', numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true }));
  const views = await partitionsSeenBy(cluster.node(1).port, 'elsewhere');
  const p = views[0]!;
  const stranger = cluster.plan.find((n) => n.id !== p.leader)!;
  await until('the stranger to know the topic', async () => (await partitionsSeenBy(stranger.port, 'elsewhere')).length === 3);
  const connection = await BrokerConnection.open({ host: '127.0.0.1', port: stranger.port, clientId: 'cluster-test', requestTimeoutMs: 5000, connectTimeoutMs: 5000 });
  try {
    const deleted = await connection.request(21, {
      ...messages.DeleteRecordsRequest.defaults(), timeoutMs: 5000,
      topics: [{ ...messages.defaultDeleteRecordsRequestDeleteRecordsTopic(), name: 'elsewhere', partitions: [{ ...messages.defaultDeleteRecordsRequestDeleteRecordsPartition(), partitionIndex: p.partition, offset: 0n }] }],
    });
    assert.equal(deleted.topics[0]!.partitions[0]!.errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER);
    const listed = await connection.request(2, {
      ...messages.ListOffsetsRequest.defaults(), replicaId: -1,
      topics: [{ ...messages.defaultListOffsetsRequestListOffsetsTopic(), name: 'elsewhere', partitions: [{ ...messages.defaultListOffsetsRequestListOffsetsPartition(), partitionIndex: p.partition, timestamp: -1n }] }],
    });
    assert.equal(listed.topics[0]!.partitions[0]!.errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER);
    // A partition the cluster does not have at all is still unknown.
    const missing = await connection.request(2, {
      ...messages.ListOffsetsRequest.defaults(), replicaId: -1,
      topics: [{ ...messages.defaultListOffsetsRequestListOffsetsTopic(), name: 'elsewhere', partitions: [{ ...messages.defaultListOffsetsRequestListOffsetsPartition(), partitionIndex: 7, timestamp: -1n }] }],
    });
    assert.equal(missing.topics[0]!.partitions[0]!.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  } finally {
    connection.close();
  }
  // KafkaJS's deleteTopicRecords asks the leader and succeeds.
  await withAdmin(stranger.port, async (a) => {
    await a.fetchTopicMetadata({ topics: ['elsewhere'] });
    await a.deleteTopicRecords({ topic: 'elsewhere', partitions: [{ partition: p.partition, offset: '-1' }] });
  });
});

test('a topic replicated three times: acks=all writes survive kill -9 of a leader, min.insync.replicas refuses what it must, the broker rejoins the ISR', async () => {
  const port = cluster.node(2).port;
  await withSamsaAdmin(port, (a) => a.createTopics([
    { name: 'replicated', partitions: 3, replicationFactor: 3 },
    { name: 'strict', partitions: 1, replicationFactor: 3, configs: { 'min.insync.replicas': '3' } },
  ]));
  const describe = async (via: number, topic: string) => withSamsaAdmin(via, async (a) => (await a.describeTopics([topic]))[0]!.partitions);
  assert.deepEqual((await describe(port, 'replicated')).map((p) => [p.leader, p.replicas, [...p.isr].sort()]), [
    [1, [1, 2, 3], [1, 2, 3]], [2, [2, 3, 1], [1, 2, 3]], [3, [3, 1, 2], [1, 2, 3]],
  ]);

  const kafka = new Kafka({ clientId: 'cluster-test', brokers: liveBrokers(), logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  const acked = new Map<number, string[]>([[0, []], [1, []], [2, []]]);
  const send = async (partition: number, values: string[]): Promise<void> => {
    await producer.send({ topic: 'replicated', acks: -1, messages: values.map((value) => ({ partition, value })) });
    acked.get(partition)!.push(...values);
  };
  for (let round = 0; round < 10; round++) for (let p = 0; p < 3; p++) await send(p, [`r${round}-p${p}-a`, `r${round}-p${p}-b`]);
  await producer.disconnect();

  const killed = (await describe(port, 'replicated'))[0]!.leader;
  await cluster.killNode(killed);
  const survivor = cluster.plan.find((n) => n.id !== killed)!.port;
  await until('a new leader for partition 0, and the dead broker out of every ISR', async () => {
    const partitions = await describe(survivor, 'replicated');
    return partitions.every((p) => p.leader !== killed && p.leader >= 0 && !p.isr.includes(killed));
  });

  // What an operator sees: every partition of the topic is under-replicated while the broker is away.
  const under = await samsa(['topics', '--describe', '--under-replicated-partitions', '--topic', 'replicated', '--json', '--bootstrap-server', `127.0.0.1:${survivor}`]);
  assert.equal(under.code, 0, under.stderr);
  assert.deepEqual(JSON.parse(under.stdout)[0].partitions.map((p: { partition: number }) => p.partition), [0, 1, 2]);
  // The same on /metrics: the surviving leaders count those three as under-replicated, having shrunk their ISRs.
  await until('the live leaders to report the under-replicated partitions', async () => {
    const scrapes = await Promise.all(liveNodes().map((n) => scrape(metricsUrlOf(n))));
    return scrapes.reduce((n, s) => n + s.sum('kafka_server_replicamanager_under_replicated_partitions'), 0) >= 3
      && scrapes.reduce((n, s) => n + s.sum('kafka_server_replicamanager_isr_shrinks_total'), 0) >= 1;
  });

  const after = new Kafka({ clientId: 'cluster-test', brokers: liveBrokers(), logLevel: logLevel.NOTHING }).producer();
  await after.connect();
  await after.send({ topic: 'replicated', acks: -1, messages: [{ partition: 0, value: 'after-failover' }] });
  acked.get(0)!.push('after-failover');
  await after.disconnect();

  // No retries, so librdkafka reports the broker's answer rather than a timeout after retrying it.
  const strict = await run('kcat', ['-P', '-b', bootstrapOfLive(), '-t', 'strict', '-p', '0', '-X', 'acks=all', '-X', 'retries=0', '-X', 'message.timeout.ms=3000'], { input: 'refused\n' });
  assert.match(strict.stderr, /Not enough in-sync replicas/i, 'two of three in sync is below min.insync.replicas=3');

  for (let p = 0; p < 3; p++) {
    const consumed = await run('kcat', ['-C', '-b', bootstrapOfLive(), '-t', 'replicated', '-p', String(p), '-e', '-q', ...KCAT_TIMEOUTS]);
    assert.equal(consumed.code, 0, consumed.stderr);
    assert.deepEqual(consumed.stdout.trim().split('\n'), acked.get(p), `partition ${p} holds every acknowledged record once, in order`);
  }

  await cluster.startNode(killed);
  await until('the restarted broker back in every ISR', async () => (await describe(survivor, 'replicated')).every((p) => p.isr.includes(killed)));
  const healed = await samsa(['topics', '--describe', '--under-replicated-partitions', '--topic', 'replicated', '--json', '--bootstrap-server', `127.0.0.1:${survivor}`]);
  assert.deepEqual(JSON.parse(healed.stdout)[0]?.partitions ?? [], [], 'nothing under-replicated once it is back');
  await until('leadership back on the preferred replicas', async () =>
    JSON.stringify((await describe(survivor, 'replicated')).map((p) => p.leader)) === JSON.stringify([1, 2, 3]));
  for (let p = 0; p < 3; p++) {
    const consumed = await run('kcat', ['-C', '-b', bootstrapOfLive(), '-t', 'replicated', '-p', String(p), '-e', '-q', ...KCAT_TIMEOUTS]);
    assert.deepEqual(consumed.stdout.trim().split('\n'), acked.get(p), `partition ${p} unchanged under its preferred leader`);
  }
  await until('the strict topic writable again', async () => {
    const r = await run('kcat', ['-P', '-b', bootstrapOfLive(), '-t', 'strict', '-p', '0', '-X', 'acks=all', '-X', 'message.timeout.ms=3000'], { input: 'accepted\n' });
    return r.stderr === '';
  });
});

test('an idempotent librdkafka producer streaming acks=all through kill -9 of the partition leader: every record once, in order', async () => {
  const port = cluster.node(1).port;
  await withSamsaAdmin(port, (a) => a.createTopics([{ name: 'failover-stream', partitions: 1, replicationFactor: 3 }]));
  const leaderOf = async (via: number) => withSamsaAdmin(via, async (a) => (await a.describeTopics(['failover-stream']))[0]!.partitions[0]!);
  await until('all three replicas in sync', async () => (await leaderOf(port)).isr.length === 3);
  const leader = (await leaderOf(port)).leader;
  const total = 20_000;
  const acked: { value: string; offset: number; error: unknown }[] = [];
  let resolveHalf!: () => void;
  const half = new Promise<void>((resolve) => (resolveHalf = resolve));
  const stream = kafkaToolStream({
    op: 'produce_stream', bootstrap: bootstrapOfLive(), topic: 'failover-stream', partition: 0, prefix: 'f', count: total, flush_timeout: 60,
    config: {
      'enable.idempotence': true, acks: 'all', 'linger.ms': 2, 'message.timeout.ms': 60_000, 'queue.buffering.max.messages': 2000,
      'reconnect.backoff.ms': 50, 'reconnect.backoff.max.ms': 200, 'topic.metadata.refresh.interval.ms': 500,
    },
  }, (line) => {
    if ('value' in line) acked.push({ value: line.value as string, offset: line.offset as number, error: line.error });
    if (acked.length >= total / 4) resolveHalf();
  });
  const timer = setTimeout(resolveHalf, 20_000);
  await half;
  clearTimeout(timer);
  await cluster.killNode(leader);
  const done = await stream.done;
  assert.equal(done.code, 0, done.stderr);
  assert.deepEqual(acked.filter((a) => a.error !== null).slice(0, 3), [], 'no delivery failed across the failover');
  assert.equal(acked.length, total);

  const survivor = cluster.plan.find((n) => n.id !== leader)!.port;
  const consumed = await run('kcat', ['-C', '-b', `127.0.0.1:${survivor}`, '-t', 'failover-stream', '-p', '0', '-e', '-q', ...KCAT_TIMEOUTS], { timeoutMs: 60_000 });
  assert.equal(consumed.code, 0, consumed.stderr);
  const log = consumed.stdout.trim().split('\n');
  assert.equal(log.length, total, 'every record exactly once');
  assert.deepEqual(log, Array.from({ length: total }, (_, i) => `f${i}`), 'in the order produced');
  for (const a of acked.slice(0, 100)) assert.equal(log[a.offset], a.value);

  await cluster.startNode(leader);
  await until('the old leader back in sync', async () => (await leaderOf(survivor)).isr.length === 3);
  // Whatever it held past the last replicated offset when it died was cut when it rejoined (diverging epoch):
  // leading again, it serves exactly the log the others built.
  await until('the old leader leading again', async () => (await leaderOf(survivor)).leader === leader);
  const again = await run('kcat', ['-C', '-b', `127.0.0.1:${cluster.node(leader).port}`, '-t', 'failover-stream', '-p', '0', '-e', '-q', ...KCAT_TIMEOUTS], { timeoutMs: 60_000 });
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(again.stdout.trim().split('\n'), log);
});

test('kill -9 of the active controller: a new one is elected, topic creation works again, nothing committed is lost', async () => {
  await withSamsaAdmin(cluster.node(1).port, (a) => a.createTopics([{ name: 'doomed', partitions: 3 }]));
  const before = await quorumStatus(cluster.node(1).port);
  const killed = before.leaderId;
  assert.ok(existsSync(join(cluster.node(killed).dataDir, `doomed-${killed - 1}`)), 'every broker hosts a partition of doomed');
  assert.ok([1, 2, 3].includes(killed));
  const topicsBefore = await topicsSeenBy(cluster.node(killed).port);
  const killedAt = Date.now();
  await cluster.killNode(killed);
  const survivor = cluster.plan.find((n) => n.id !== killed)!.port;

  let after = before;
  // The fetch timeout before anyone suspects the leader, then a few election timeouts (and CLI start-ups).
  await until('a new quorum leader', async () => {
    after = await quorumStatus(survivor);
    return after.leaderId !== killed && after.leaderId >= 0 && after.leaderEpoch > before.leaderEpoch;
  }, 800 + 10 * 400 + 3000);
  assert.ok(Date.now() - killedAt < WAIT_MS);

  await withAdmin(survivor, (a) => a.createTopics({ topics: [{ topic: 'after-failover', numPartitions: 2 }] }));
  const topicsAfter = await topicsSeenBy(survivor);
  for (const t of topicsBefore) assert.ok(topicsAfter.includes(t), `${t} survived the failover`);
  assert.ok(topicsAfter.includes('after-failover'));

  // The killed broker stops heartbeating: fenced, and the partitions it led have no leader.
  await until('the killed broker to be fenced', async () => !(await brokersSeenBy(survivor)).includes(killed));
  await until('its partitions offline', async () => {
    const spread = await partitionsSeenBy(survivor, 'spread');
    return spread.filter((p) => p.partition % 3 === killed - 1).every((p) => p.leader === -1);
  });
  // What an operator's alerts see: one active controller, the dead broker fenced, the partitions it alone held offline.
  await until('the metrics of the new active controller', async () => {
    const offlineSeen = (await withSamsaAdmin(survivor, (a) => a.listTopics()))
      .reduce((n, t) => n + t.partitions.filter((p) => p.leader < 0).length, 0);
    const scrapes = await Promise.all(liveNodes().map((n) => scrape(metricsUrlOf(n))));
    const active = scrapes.filter((s) => s.sum('kafka_controller_kafkacontroller_active_controller_count') === 1);
    return active.length === 1 && scrapes.every((s) => s.sum('kafka_server_raft_metrics_current_leader') === after.leaderId)
      && active[0]!.sum('kafka_controller_kafkacontroller_fenced_broker_count') === 1
      && active[0]!.sum('kafka_controller_kafkacontroller_offline_partitions_count') === offlineSeen;
  });
  for (const n of liveNodes()) assert.equal((await fetch(`${metricsUrlOf(n)}/readyz`)).status, 200, `node ${n} is ready`);
  // And what its web console shows: the killed broker fenced, the new quorum leader, from any live node.
  await until('the console overview of each live node', async () => {
    const views = await Promise.all(liveNodes().map(async (n) =>
      await (await fetch(`http://127.0.0.1:${cluster.node(n).consolePort}/api/overview`)).json() as { brokers: { nodeId: number; fenced: boolean }[]; quorum: { leaderId: number } }));
    return views.every((v) => v.quorum.leaderId === after.leaderId && v.brokers.length === 3
      && v.brokers.every((b) => b.fenced === (b.nodeId === killed)));
  });

  // While it is away the log moves on by more than two snapshot intervals (4096 bytes here), so the leader's log
  // starts past the node's end and it must come back through FetchSnapshot.
  await withSamsaAdmin(survivor, async (a) => {
    await a.createTopics(Array.from({ length: 60 }, (_, i) => ({ name: `while-away-${i}`, partitions: 2 })));
    await a.deleteTopics(['doomed']);
  });

  await cluster.startNode(killed);
  await until('the restarted broker to be unfenced', async () => (await brokersSeenBy(survivor)).includes(killed));
  const own = await topicsSeenBy(cluster.node(killed).port);
  assert.ok(own.includes('while-away-59') && own.includes('after-failover'), 'the restarted node caught up');
  assert.ok(!own.includes('doomed'));
  await until('the deleted topic\'s partition to leave its disk', async () => !existsSync(join(cluster.node(killed).dataDir, `doomed-${killed - 1}`)));
  assert.ok((logs.get(killed) ?? []).some((l) => l.includes("installed the leader's metadata snapshot")),
    `node ${killed} caught up from a snapshot:\n${(logs.get(killed) ?? []).join('\n')}`);

  const spread = await partitionsSeenBy(survivor, 'spread');
  assert.deepEqual(spread.map((p) => p.leader), [1, 2, 3, 1, 2, 3]);
  const produced = await run('kcat', ['-P', '-b', bootstrapOfLive(), '-t', 'spread', '-p', String(killed - 1), ...KCAT_TIMEOUTS], { input: 'back\n' });
  assert.equal(produced.code, 0, produced.stderr);
});

test('a broker-only node follows the quorum as an observer, registers, and leads its share of new partitions', async () => {
  const observerDir = tempDir('samsa-observer-');
  const observer = await startBrokerProcess(observerDir.dir, {
    ...FAST,
    'process.roles': 'broker',
    'node.id': '4',
    'controller.quorum.voters': cluster.voters,
    'controller.listener.names': 'CONTROLLER',
  });
  try {
    await until('the observer to be unfenced', async () => (await brokersSeenBy(cluster.node(1).port)).includes(4));
    const status = await quorumStatus(observer.port);
    assert.deepEqual(status.currentVoters.sort(), [1, 2, 3]);
    const described = await samsa(['metadata-quorum', '--describe', '--replication', '--json', '--bootstrap-server', observer.bootstrap]);
    const rows = JSON.parse(described.stdout) as { nodeId: number; status: string }[];
    assert.deepEqual(rows.filter((r) => r.status === 'Observer').map((r) => r.nodeId), [4]);

    await withSamsaAdmin(observer.port, (a) => a.createTopics([{ name: 'with-observer', partitions: 4 }]));
    const leaders = (await partitionsSeenBy(cluster.node(1).port, 'with-observer')).map((p) => p.leader);
    assert.deepEqual([...leaders].sort(), [1, 2, 3, 4]);
    const onObserver = leaders.indexOf(4);
    const produced = await run('kcat', ['-P', '-b', observer.bootstrap, '-t', 'with-observer', '-p', String(onObserver), ...KCAT_TIMEOUTS], { input: 'o1\no2\n' });
    assert.equal(produced.code, 0, produced.stderr);
    const consumed = await run('kcat', ['-C', '-b', bootstrapOfLive(), '-t', 'with-observer', '-p', String(onObserver), '-e', '-q', ...KCAT_TIMEOUTS]);
    assert.equal(consumed.stdout, 'o1\no2\n');
  } finally {
    assert.equal(await observer.stop(), 0);
    observerDir.remove();
  }
  await until('the stopped observer to be fenced', async () => !(await brokersSeenBy(cluster.node(1).port)).includes(4));
});

test('restarting the whole cluster keeps the metadata identical', async () => {
  // Leaders may move (each broker's controlled shutdown hands its leaderships to another in-sync replica, as in
  // Kafka); names, ids, partitions, replica lists and configs may not.
  const describe = async (): Promise<unknown> => withSamsaAdmin(cluster.node(1).port, async (a) => Promise.all((await a.listTopics())
    .sort((x, y) => x.name.localeCompare(y.name))
    .map(async (t) => ({
      name: t.name, id: t.topicId, partitions: t.partitions.map((p) => [p.partition, p.replicas]),
      configs: t.name.startsWith('__') ? [] : (await a.describeConfigs('topic', t.name)).filter((c) => c.source === 'DYNAMIC_TOPIC_CONFIG').map((c) => [c.name, c.value]),
    }))));
  await until('every broker back in', async () => (await brokersSeenBy(cluster.node(1).port)).length === 3);
  const beforeRestart = await describe();
  const status = await quorumStatus(cluster.node(1).port);
  await cluster.stop();
  // Node 1 alone has no quorum: its own log is all it knows, and that may be stale (partitions it led may have
  // moved while it was down). It accepts connections but answers nothing until it has caught up, as Kafka does.
  const first = cluster.startNode(1);
  first.catch(() => {});
  await until('node 1 to accept connections', () => new Promise((resolve, reject) => {
    const socket = connect(cluster.node(1).port, '127.0.0.1', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', reject);
  }));
  await assert.rejects(BrokerConnection.open({ host: '127.0.0.1', port: cluster.node(1).port, clientId: 'cluster-test', requestTimeoutMs: 1500, connectTimeoutMs: 1500 }),
    /timed out/, 'a node without a quorum must not serve the metadata its own log holds (not even ApiVersions)');
  await Promise.all([first, ...cluster.plan.filter((n) => n.id !== 1).map((n) => cluster.startNode(n.id))]);
  await until('three unfenced brokers after the restart', async () => (await brokersSeenBy(cluster.node(1).port)).length === 3);
  await until('the same metadata', async () => JSON.stringify(await describe()) === JSON.stringify(beforeRestart));
  await until('a leader for every partition whose replicas are up', async () => withSamsaAdmin(cluster.node(1).port, async (a) => (await a.listTopics())
    .every((t) => t.partitions.every((p) => p.replicas.includes(4) || p.replicas.includes(p.leader)))));
  const restarted = await quorumStatus(cluster.node(1).port);
  assert.ok(restarted.highWatermark >= status.highWatermark);
  assert.ok(restarted.leaderEpoch > status.leaderEpoch);
});
