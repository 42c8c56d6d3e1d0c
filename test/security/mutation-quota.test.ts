/**
 * controller_mutation_rate (KIP-599): partitions created and deleted by
 * CreateTopics, DeleteTopics and CreatePartitions are taken from a token
 * bucket per user and client id. Versions that can say so (CreateTopics v6+,
 * DeleteTopics v5+, CreatePartitions v3+) refuse the topics that arrive while
 * the bucket is in debt with THROTTLING_QUOTA_EXCEEDED; older ones (KafkaJS
 * sends CreateTopics v3, DeleteTopics v1) go through and are throttled.
 * Samsa's Admin retries refused topics after the throttle time, as Java's
 * Admin does. Windows here: 2 × 1 s, so a quota of 5/s holds 10 tokens.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker, type RunningBroker } from '../../src/index.ts';
import { Admin, BrokerConnection, ClientError, Cluster, QuotaAdmin } from '../../src/client/index.ts';
import { ApiKey, ErrorCode, messages } from '../../src/protocol/index.ts';

const RATE = 5;
let broker: RunningBroker;
const clusters: Cluster[] = [];
const connections: BrokerConnection[] = [];

function bootstrap(): { host: string; port: number } {
  const l = broker.listeners[0]!;
  return { host: l.host, port: l.port };
}

async function connection(clientId: string): Promise<BrokerConnection> {
  const c = await BrokerConnection.open({ ...bootstrap(), clientId, requestTimeoutMs: 10_000, connectTimeoutMs: 5000 });
  connections.push(c);
  return c;
}

function cluster(clientId: string): Cluster {
  const { host, port } = bootstrap();
  const c = new Cluster({ bootstrapServers: [`${host}:${port}`], clientId, requestTimeoutMs: 10_000 });
  clusters.push(c);
  return c;
}

before(async () => {
  broker = await startBroker({ port: 0, config: { 'quota.window.num': '2', 'quota.window.size.seconds': '1' } });
  const quotas = new QuotaAdmin(cluster('setup'));
  const results = await quotas.alterClientQuotas(['mut-raw', 'mut-old', 'mut-admin', 'mut-kafkajs'].map((name) => ({
    entity: [{ entityType: 'client-id', entityName: name }], ops: [{ key: 'controller_mutation_rate', value: RATE }],
  })));
  assert.deepEqual(results.map((r) => r.errorCode), [0, 0, 0, 0]);
  await new Admin(cluster('setup')).createTopics([{ name: 'mut-existing', partitions: 3 }]);
});

after(async () => {
  for (const c of connections) c.close();
  for (const c of clusters) await c.close().catch(() => undefined);
  await broker?.stop();
});

const newTopic = (name: string, partitions: number): messages.CreateTopicsRequestCreatableTopic => ({
  ...messages.defaultCreateTopicsRequestCreatableTopic(), name, numPartitions: partitions, replicationFactor: 1,
});

test('strict versions: topics arriving while the bucket is in debt are refused THROTTLING_QUOTA_EXCEEDED, with the time to repay', { timeout: 20_000 }, async () => {
  const c = await connection('mut-raw');
  assert.ok(c.versionOf(ApiKey.CreateTopics) >= 6 && c.versionOf(ApiKey.DeleteTopics) >= 5 && c.versionOf(ApiKey.CreatePartitions) >= 3);
  // 10 tokens: a (6) leaves 4, b (10) takes the bucket to -6, c is refused; an existing topic is refused by the controller and costs nothing.
  const created = await c.request(ApiKey.CreateTopics, {
    ...messages.CreateTopicsRequest.defaults(), timeoutMs: 5000,
    topics: [newTopic('mut-a', 6), newTopic('mut-existing', 3), newTopic('mut-b', 10), newTopic('mut-c', 1)],
  });
  const byName = new Map(created.topics.map((t) => [t.name, t]));
  assert.equal(byName.get('mut-a')?.errorCode, ErrorCode.NONE);
  assert.equal(byName.get('mut-existing')?.errorCode, ErrorCode.TOPIC_ALREADY_EXISTS);
  assert.equal(byName.get('mut-b')?.errorCode, ErrorCode.NONE);
  assert.equal(byName.get('mut-c')?.errorCode, ErrorCode.THROTTLING_QUOTA_EXCEEDED);
  assert.equal(byName.get('mut-c')?.errorMessage, 'The throttling quota has been exceeded.');
  // A debt of 6 at 5 per second: 1200 ms, less the time the controller took to create a and b (Kafka deducts it too).
  assert.ok(created.throttleTimeMs > 0 && created.throttleTimeMs <= 1200, `throttle ${created.throttleTimeMs}`);
  const names = (await c.request(ApiKey.Metadata, { ...messages.MetadataRequest.defaults(), topics: null })).topics.map((t) => t.name);
  assert.ok(names.includes('mut-a') && names.includes('mut-b') && !names.includes('mut-c'));

  // The connection was muted for the throttle; by now the debt is repaid: deleting a (6) is accepted and leaves a debt of 6.
  const deleted = await c.request(ApiKey.DeleteTopics, {
    ...messages.DeleteTopicsRequest.defaults(), timeoutMs: 5000, topicNames: ['mut-a'],
    topics: [{ ...messages.defaultDeleteTopicsRequestDeleteTopicState(), name: 'mut-a' }],
  });
  assert.deepEqual(deleted.responses.map((r) => r.errorCode), [ErrorCode.NONE]);
  const grown = await c.request(ApiKey.CreatePartitions, {
    ...messages.CreatePartitionsRequest.defaults(), timeoutMs: 5000,
    topics: [{ ...messages.defaultCreatePartitionsRequestCreatePartitionsTopic(), name: 'mut-b', count: 12, assignments: null }],
  });
  assert.deepEqual(grown.results.map((r) => r.errorCode), [ErrorCode.THROTTLING_QUOTA_EXCEEDED]);
  // A debt of up to 6 (less what refilled since) at 5 per second: up to 1.2 s.
  assert.ok(grown.throttleTimeMs > 0 && grown.throttleTimeMs <= 1200, `throttle ${grown.throttleTimeMs}`);
});

test('older versions are not refused: every topic is created, and the debt becomes the throttle time (the connection is muted for it)', { timeout: 20_000 }, async () => {
  const c = await connection('mut-old');
  const created = await c.requestAtMost(ApiKey.CreateTopics, 5, {
    ...messages.CreateTopicsRequest.defaults(), timeoutMs: 5000, topics: [newTopic('mut-old-1', 8), newTopic('mut-old-2', 12)],
  });
  assert.deepEqual(created.topics.map((t) => t.errorCode), [ErrorCode.NONE, ErrorCode.NONE]);
  // 20 from 10: a debt of 10 at 5 per second, 2 s, less the time the controller took.
  assert.ok(created.throttleTimeMs > 0 && created.throttleTimeMs <= 2000, `throttle ${created.throttleTimeMs}`);
  const startedMs = Date.now();
  await c.request(ApiKey.Metadata, { ...messages.MetadataRequest.defaults(), topics: [] });
  assert.ok(Date.now() - startedMs >= created.throttleTimeMs - 100, `the next request waited ${Date.now() - startedMs} ms`);
});

test('Samsa\'s Admin sends refused topics again after the throttle time; with retryOnQuotaViolation false the refusal stands', { timeout: 20_000 }, async () => {
  const admin = new Admin(cluster('mut-admin'));
  const startedMs = Date.now();
  const created = await admin.createTopics([{ name: 'mut-g', partitions: 6 }, { name: 'mut-h', partitions: 6 }, { name: 'mut-i', partitions: 6 }]);
  assert.deepEqual(created.map((t) => [t.name, t.partitions]), [['mut-g', 6], ['mut-h', 6], ['mut-i', 6]]);
  assert.ok(Date.now() - startedMs >= 350, 'mut-i waited for the debt of 2 to be repaid');
  // mut-i took the bucket into a debt of 6 again (1.2 s to repay): the next topic is refused.
  // The deletions below meet that debt: refused at first, they are sent again after the throttle time.
  await assert.rejects(admin.createTopics([{ name: 'mut-j', partitions: 1 }], { retryOnQuotaViolation: false }),
    (e: ClientError) => e.kafkaErrorCode === ErrorCode.THROTTLING_QUOTA_EXCEEDED);
  await admin.deleteTopics(['mut-g', 'mut-h']);
  assert.ok(!(await admin.listTopics()).some((t) => t.name === 'mut-g' || t.name === 'mut-h'));
});

test('KafkaJS (CreateTopics v3, DeleteTopics v1: no THROTTLING_QUOTA_EXCEEDED) has its topics created and is throttled', { timeout: 30_000 }, async () => {
  const { host, port } = bootstrap();
  const kafka = new Kafka({ clientId: 'mut-kafkajs', brokers: [`${host}:${port}`], logLevel: logLevel.NOTHING, retry: { retries: 0 } });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const versions: Record<string, number> = {};
    admin.on(admin.events.REQUEST, (e: { payload: { apiName: string; apiVersion: number } }) => {
      versions[e.payload.apiName] = e.payload.apiVersion;
    });
    const startedMs = Date.now();
    assert.equal(await admin.createTopics({ topics: [{ topic: 'mut-k', numPartitions: 8 }, { topic: 'mut-l', numPartitions: 8 }] }), true);
    assert.equal(versions.CreateTopics, 3);
    const listed = await admin.listTopics();
    assert.ok(listed.includes('mut-k') && listed.includes('mut-l'));
    // 16 from 10 left a debt of 6: the controller connection is not read for 1.2 s (less the creation's own time),
    // and KafkaJS holds its next request for the response's throttle time too (KIP-219, CreateTopics v3).
    await admin.deleteTopics({ topics: ['mut-k'] });
    assert.equal(versions.DeleteTopics, 1);
    assert.ok(Date.now() - startedMs >= 1000, `create, list and delete took ${Date.now() - startedMs} ms`);
    assert.ok(!(await admin.listTopics()).includes('mut-k'));
  } finally {
    await admin.disconnect();
  }
});
