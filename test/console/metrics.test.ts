/**
 * The metrics endpoint as an operator meets it: an embedded broker with
 * `metrics.listener`, driven by KafkaJS, scraped over HTTP. Traffic, request
 * and error counts, connections, groups and their lag agree with what the
 * clients did and what `samsa groups --describe` reports; health answers;
 * a taken or malformed listener address is a clear start error; and
 * `samsa start` serves the default address, or runs on without it when that
 * port is taken.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker, type RunningBroker } from '../../src/index.ts';
import { ApiKey, BrokerConnection, ErrorCode, messages } from '../../src/protocol/index.ts';
import { freePorts } from '../../src/server/local-nodes.ts';
import { tempDir } from '../helpers/broker.ts';
import { startBrokerProcess } from '../helpers/processes.ts';
import { scrape } from '../helpers/prometheus.ts';
import { samsa } from '../helpers/samsa-cli.ts';
import { until } from '../helpers/until.ts';

let broker: RunningBroker;
let metricsUrl: string;

before(async () => {
  // Flushed every 100 ms, so the flush metrics move within the test.
  broker = await startBroker({
    port: 0, config: { 'metrics.listener': 'http://127.0.0.1:0', 'num.partitions': '3', 'log.flush.interval.ms': '100', 'log.flush.scheduler.interval.ms': '100' },
  });
  metricsUrl = broker.metricsUrl!;
});

after(async () => {
  await broker?.stop();
});

test('traffic, requests, errors, connections, groups and lag as the clients made them', async () => {
  const kafka = new Kafka({ clientId: 'metrics-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 3 }] });
  const producer = kafka.producer();
  await producer.connect();
  for (let i = 0; i < 4; i++) {
    await producer.send({ topic: 'orders', acks: -1, messages: Array.from({ length: 5 }, (_, j) => ({ partition: j % 3, value: `order-${i}-${j}` })) });
  }
  const consumer = kafka.consumer({ groupId: 'billing' });
  await consumer.connect();
  await consumer.subscribe({ topic: 'orders', fromBeginning: true });
  let consumed = 0;
  await consumer.run({ eachMessage: async () => { consumed++; } });
  await until('the 20 orders consumed and committed', async () => {
    if (consumed < 20) return false;
    const offsets = await admin.fetchOffsets({ groupId: 'billing', topics: ['orders'] });
    return offsets[0]!.partitions.reduce((n, p) => n + Number(p.offset), 0) === 20;
  });
  const live = await scrape(metricsUrl);
  assert.equal(live.sum('kafka_coordinator_group_groupmetadatamanager_num_groups', { state: 'Stable' }), 1);
  assert.ok(live.sum('kafka_server_socket_server_metrics_connection_count', { listener: 'PLAINTEXT' }) >= 2, 'the admin, producer and consumer connections');
  await consumer.disconnect();
  // Seven more on partition 0 with nobody consuming: the group lags by exactly those.
  await producer.send({ topic: 'orders', messages: Array.from({ length: 7 }, (_, i) => ({ partition: 0, value: `late-${i}` })) });
  await producer.disconnect();
  await admin.disconnect();

  // A request for a topic that does not exist: its error is counted under Metadata.
  const conn = await BrokerConnection.open({ host: '127.0.0.1', port: broker.port, clientId: 'metrics-test', requestTimeoutMs: 5000, connectTimeoutMs: 5000 });
  const req = messages.MetadataRequest.defaults();
  req.topics = [{ ...messages.defaultMetadataRequestMetadataRequestTopic(), name: 'no-such-topic' }];
  req.allowAutoTopicCreation = false;
  const answer = await conn.request(ApiKey.Metadata, req);
  assert.equal(answer.topics[0]!.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  conn.close();

  const s = await scrape(metricsUrl);
  assert.equal(s.sum('kafka_server_brokertopicmetrics_messages_in_total', { topic: 'orders' }), 27);
  assert.ok(s.sum('kafka_server_brokertopicmetrics_bytes_in_total', { topic: 'orders' }) > 27 * 'order-0-0'.length);
  assert.ok(s.sum('kafka_server_brokertopicmetrics_bytes_out_total', { topic: 'orders' }) >= s.sum('kafka_server_brokertopicmetrics_bytes_in_total', { topic: 'orders' }) * 20 / 27,
    'the consumer fetched the first twenty back');
  assert.ok(s.sum('kafka_network_requestmetrics_requests_total', { request: 'Produce' }) >= 5);
  assert.ok(s.sum('kafka_network_requestmetrics_requests_total', { request: 'Fetch' }) >= 1);
  assert.ok(s.sum('kafka_network_requestmetrics_total_time_seconds_count', { request: 'Produce' }) >= 5);
  assert.equal(s.sum('kafka_network_requestmetrics_errors_total', { request: 'Metadata', error: 'UNKNOWN_TOPIC_OR_PARTITION' }), 1);
  assert.equal(s.sum('kafka_server_brokertopicmetrics_messages_in_total', { topic: 'no-such-topic' }), 0);
  assert.equal(s.sum('kafka_server_replicamanager_leader_count'), s.sum('kafka_server_replicamanager_partition_count'));
  assert.equal(s.sum('kafka_server_replicamanager_under_replicated_partitions'), 0);
  assert.equal(s.value('kafka_log_log_end_offset{topic="orders",partition="0"}'), 4 * 2 + 7, 'two of each round of five went to partition 0, then the seven late ones');
  assert.equal(s.sum('kafka_controller_kafkacontroller_active_controller_count'), 1);
  assert.equal(s.sum('kafka_coordinator_group_groupmetadatamanager_num_groups', { state: 'Empty' }), 1);
  await until('flushes counted', async () => {
    const now = await scrape(metricsUrl);
    return now.sum('kafka_log_logflushstats_flushes_total') > 0 && now.sum('kafka_log_logflushstats_flush_seconds_total') > 0;
  });
  assert.ok(s.sum('process_resident_memory_bytes') > 0 && s.text.includes('nodejs_eventloop_lag_seconds'), 'process metrics');

  // Lag per partition, as the CLI computes it from the log end offsets.
  const described = await samsa(['groups', '--describe', '--group', 'billing', '--json', '--bootstrap-server', broker.bootstrap]);
  assert.equal(described.code, 0, described.stderr);
  const rows = JSON.parse(described.stdout) as { topic: string; partition: number; lag: string }[];
  assert.equal(rows.length, 3);
  for (const r of rows) {
    assert.equal(s.value(`kafka_consumergroup_lag{group="billing",topic="orders",partition="${r.partition}"}`), Number(r.lag), `partition ${r.partition}`);
  }
  assert.equal(s.sum('kafka_consumergroup_lag', { group: 'billing' }), 7);
});

test('health and readiness answer, other paths and methods are refused', async () => {
  const healthz = await fetch(`${metricsUrl}/healthz`);
  assert.equal(healthz.status, 200);
  assert.equal(await healthz.text(), 'ok\n');
  const readyz = await fetch(`${metricsUrl}/readyz`);
  assert.equal(readyz.status, 200);
  assert.equal(await readyz.text(), 'ready\n');
  assert.equal((await fetch(`${metricsUrl}/nope`)).status, 404);
  assert.equal((await fetch(`${metricsUrl}/metrics`, { method: 'POST' })).status, 405);
});

test('a taken metrics port that was asked for, or a malformed address, stops the start with one clear line', async () => {
  const [port] = await freePorts(1);
  const holder = await listenOn(port!);
  try {
    await assert.rejects(startBroker({ port: 0, config: { 'metrics.listener': `http://127.0.0.1:${port}` } }),
      { message: `metrics.listener http://127.0.0.1:${port}: address already in use` });
  } finally {
    holder.close();
  }
  await assert.rejects(startBroker({ port: 0, config: { 'metrics.listener': '127.0.0.1:9644' } }),
    { message: /^invalid value '127\.0\.0\.1:9644' for config 'metrics\.listener': expected http:\/\/host:port/ });
  const off = await startBroker({ port: 0, config: { 'metrics.listener': '' } });
  assert.equal(off.metricsUrl, null);
  await off.stop();
});

test('samsa start serves metrics and the console where configured, and runs without them when their default ports are taken', async () => {
  const data = tempDir('samsa-metrics-');
  const [port, consolePort] = await freePorts(2);
  // Whoever holds 9644 and 8080 (this test, or a samsa someone runs here) makes them taken for the default listeners.
  const holder = await listenOn(9644).catch(() => null);
  const consoleHolder = await listenOn(8080).catch(() => null);
  try {
    const configured = await startBrokerProcess(`${data.dir}/a`, { 'metrics.listener': `http://127.0.0.1:${port}`, 'console.listener': `http://127.0.0.1:${consolePort}` });
    try {
      const s = await scrape(`http://127.0.0.1:${port}`);
      assert.equal(s.sum('kafka_server_replicamanager_partition_count'), 0);
      assert.equal((await fetch(`http://127.0.0.1:${port}/readyz`)).status, 200);
      assert.match(await (await fetch(`http://127.0.0.1:${consolePort}/`)).text(), /<title>Samsa console<\/title>/);
      assert.equal((await fetch(`http://127.0.0.1:${consolePort}/api/overview`)).status, 200);
    } finally {
      await configured.stop();
    }
    const defaulted = await startBrokerProcess(`${data.dir}/b`, { 'metrics.listener': null, 'console.listener': null });
    try {
      await until('the warnings', () => defaulted.stderr().includes('metrics listener http://127.0.0.1:9644 not started (address already in use); running without /metrics')
        && defaulted.stderr().includes('console listener http://127.0.0.1:8080 not started (address already in use); running without the web console'),
        { timeoutMs: 5000, context: () => defaulted.stderr() });
    } finally {
      await defaulted.stop();
    }
  } finally {
    holder?.close();
    consoleHolder?.close();
    data.remove();
  }
});

function listenOn(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}
