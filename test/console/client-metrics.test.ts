/**
 * KIP-714 client metrics end to end on one embedded broker: subscriptions
 * as CLIENT_METRICS config resources (Kafka's validation, DescribeConfigs,
 * ListClientMetricsResources), then a client played by @platformatic/kafka's
 * connection and its raw GetTelemetrySubscriptions/PushTelemetry encoders
 * (no client here pushes telemetry by itself) pushing zstd- and
 * lz4-compressed OTLP, scraped from /metrics.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Connection, apiVersionsV3, getTelemetrySubscriptionsV0, listClientMetricsResourcesV0, pushTelemetryV0,
} from '@platformatic/kafka';
import { startBroker, type RunningBroker } from '../../src/index.ts';
import { Admin } from '../../src/client/admin.ts';
import { Cluster } from '../../src/client/cluster.ts';
import { compress, CompressionCodec } from '../../src/records/index.ts';
import { metricsData } from '../helpers/otlp.ts';
import { scrape } from '../helpers/prometheus.ts';
import { isOneLineError, samsa } from '../helpers/samsa-cli.ts';
import { until } from '../helpers/until.ts';

let broker: RunningBroker;
const logLines: string[] = [];
let admin: Admin;
let cluster: Cluster;
const TELEMETRY_MAX_BYTES = 4096;
const ZERO = '00000000-0000-0000-0000-000000000000';

before(async () => {
  broker = await startBroker({ port: 0, log: (line) => logLines.push(line), config: { 'metrics.listener': 'http://127.0.0.1:0', 'telemetry.max.bytes': String(TELEMETRY_MAX_BYTES) } });
  cluster = new Cluster({ bootstrapServers: [broker.bootstrap], clientId: 'client-metrics-test' });
  admin = new Admin(cluster);
});

after(async () => {
  await cluster?.close();
  await broker?.stop();
});

/** Kafka's Uuid text (base64url) of @platformatic/kafka's hyphenated hex. */
function kafkaUuid(hex: string): string {
  return Buffer.from(hex.replaceAll('-', ''), 'hex').toString('base64url');
}

async function connect(clientId: string): Promise<Connection> {
  const conn = new Connection(clientId);
  await conn.connect('127.0.0.1', broker.port);
  await apiVersionsV3.api.async(conn, 'samsa-telemetry-test', '1.2.3');
  return conn;
}

async function pushCode(conn: Connection, id: string, subscriptionId: number, payload: Buffer, codec: number, terminating = false): Promise<number> {
  try {
    // A codec id Kafka does not define (7) is sent too, so the type of the library's parameter is widened.
    await pushTelemetryV0.api.async(conn, id, subscriptionId, terminating, codec as Parameters<typeof pushTelemetryV0.createRequest>[3], payload);
    return 0;
  } catch (e) {
    const code = (e as { response?: { errorCode?: number } }).response?.errorCode;
    if (code === undefined) throw e;
    return code;
  }
}

/** Sets a subscription's configs and waits until the broker's metadata image has them (the alter returns once the controller commits). */
async function subscribe(name: string, set: Record<string, string>): Promise<void> {
  await admin.incrementalAlterConfigs('client_metrics', name, { set });
  await until(`subscription ${name} in the broker's image`, async () => {
    const now = new Map((await admin.describeConfigs('client_metrics', name)).map((c) => [c.name, c.value]));
    return Object.entries(set).every(([k, v]) => now.get(k) === v);
  });
}

async function alterCode(name: string, set: Record<string, string>): Promise<string> {
  try {
    await admin.incrementalAlterConfigs('client_metrics', name, { set });
    return 'NONE';
  } catch (e) {
    return `${(e as { code?: string }).code}: ${(e as Error).message}`;
  }
}

test('subscriptions are CLIENT_METRICS config resources with Kafka\'s validation', { timeout: 30_000 }, async () => {
  assert.match(await alterCode('bad', { 'interval.ms': '50' }), /interval must be between 100 and 3600000/);
  assert.match(await alterCode('bad', { 'interval.ms': '3600001' }), /interval must be between/);
  assert.match(await alterCode('bad', { 'retention.ms': '1' }), /Unknown client metrics configuration: retention.ms/);
  assert.match(await alterCode('bad', { match: 'client_colour=red' }), /Illegal client matching pattern/);
  assert.match(await alterCode('bad', { match: 'client_id=[' }), /^INVALID_CONFIG.*Illegal client matching pattern: client_id=\[/);
  assert.match(await alterCode('bad', { match: 'client_id=a=b' }), /Illegal client matching pattern/);
  assert.match(await alterCode('', { metrics: '*' }), /name can't be empty/);
  assert.equal(await alterCode('ops', { metrics: 'org.apache.kafka.producer.,org.apache.kafka.consumer.', 'interval.ms': '1000', match: 'client_id=billing-.*' }), 'NONE');
  await until('ops in the broker\'s image', async () => (await admin.describeConfigs('client_metrics', 'ops')).length === 3);
  const described = await admin.describeConfigs('client_metrics', 'ops');
  assert.deepEqual(described.map((c) => [c.name, c.value, c.source]), [
    ['interval.ms', '1000', 'CLIENT_METRICS_CONFIG'],
    ['match', 'client_id=billing-.*', 'CLIENT_METRICS_CONFIG'],
    ['metrics', 'org.apache.kafka.producer.,org.apache.kafka.consumer.', 'CLIENT_METRICS_CONFIG'],
  ]);
  assert.deepEqual(await admin.listClientMetricsResources(), ['ops']);
  // @platformatic/kafka's own ListClientMetricsResources sees it too.
  const conn = await connect('lister');
  const listed = await listClientMetricsResourcesV0.api.async(conn, []);
  assert.deepEqual(listed.configResources.map((r) => r.resourceName), ['ops']);
  await conn.close();
  await admin.incrementalAlterConfigs('client_metrics', 'ops', { delete: ['metrics', 'interval.ms', 'match'] });
  await until('ops gone', async () => (await admin.listClientMetricsResources()).length === 0);
  assert.deepEqual(await admin.describeConfigs('client_metrics', 'ops'), []);
});

test('a matching client gets its subscription, pushes, and its metrics appear on /metrics', { timeout: 30_000 }, async () => {
  await subscribe('producers', {
    metrics: 'org.apache.kafka.producer.', 'interval.ms': '200', match: 'client_id=billing-.*,client_software_name=samsa-telemetry-.*',
  });
  const other = await connect('reporting');
  const unmatched = await getTelemetrySubscriptionsV0.api.async(other, ZERO);
  assert.deepEqual(unmatched.requestedMetrics, [], 'a client no subscription matches is asked for nothing');
  assert.equal(unmatched.pushIntervalMs, 300000);
  await other.close();

  const conn = await connect('billing-1');
  const sub = await getTelemetrySubscriptionsV0.api.async(conn, ZERO);
  assert.notEqual(sub.clientInstanceId, ZERO, 'the zero uuid gets a new instance id');
  assert.deepEqual(sub.requestedMetrics, ['org.apache.kafka.producer.']);
  assert.equal(sub.pushIntervalMs, 200);
  assert.equal(sub.telemetryMaxBytes, TELEMETRY_MAX_BYTES);
  assert.deepEqual(sub.acceptedCompressionTypes, [CompressionCodec.ZSTD, CompressionCodec.LZ4, CompressionCodec.GZIP, CompressionCodec.SNAPPY]);
  await assert.rejects(getTelemetrySubscriptionsV0.api.async(conn, sub.clientInstanceId),
    (e: { response?: { errorCode: number } }) => e.response?.errorCode === 89, 'THROTTLING_QUOTA_EXCEEDED: asked again sooner than the interval');

  const payload = metricsData([
    { name: 'org.apache.kafka.producer.record.queue.time.avg', gauge: 12.5, attributes: { 'client.id': 'billing-1' } },
    { name: 'org.apache.kafka.producer.node.request.latency', histogram: { count: 7, sum: 42 }, attributes: { node_id: '1' } },
    { name: 'org.apache.kafka.producer.record.send.total', sum: 30 },
    { name: 'org.apache.kafka.consumer.fetch.rate', gauge: 3 },
  ], { 'application.name': 'billing' });
  const id = sub.clientInstanceId;
  assert.equal(await pushCode(conn, id, sub.subscriptionId, compress(CompressionCodec.ZSTD, payload), CompressionCodec.ZSTD), 0);
  const labels = `client_instance_id="${kafkaUuid(id)}",client_id="billing-1",client_software_name="samsa-telemetry-test",client_software_version="1.2.3"`;
  const first = await scrape(broker.metricsUrl!);
  // The client.id attribute becomes client_id, which the client's own label keeps.
  assert.equal(first.value(`org_apache_kafka_producer_record_queue_time_avg{${labels},application_name="billing"}`), 12.5);
  assert.equal(first.sum('org_apache_kafka_producer_record_queue_time_avg', { client_instance_id: kafkaUuid(id), application_name: 'billing' }), 12.5);
  assert.equal(first.value(`org_apache_kafka_producer_node_request_latency_count{${labels},application_name="billing",node_id="1"}`), 7);
  assert.equal(first.value(`org_apache_kafka_producer_node_request_latency_sum{${labels},application_name="billing",node_id="1"}`), 42);
  assert.equal(first.value(`org_apache_kafka_producer_record_send_total{${labels},application_name="billing"}`), 30);
  assert.ok(!first.text.includes('org_apache_kafka_consumer_fetch_rate'), 'metrics outside the subscription are not kept');

  // Kafka's rules for a push, in its order: terminated, too soon, subscription id, compression, size.
  const lz4 = compress(CompressionCodec.LZ4, metricsData([{ name: 'org.apache.kafka.producer.record.queue.time.avg', gauge: 99 }]));
  assert.equal(await pushCode(conn, id, sub.subscriptionId, lz4, CompressionCodec.LZ4), 89, 'THROTTLING_QUOTA_EXCEEDED: sooner than the interval');
  await until('the push interval passed', async () => (await pushCode(conn, id, sub.subscriptionId, lz4, CompressionCodec.LZ4)) === 0);
  await until('the lz4 push is on /metrics', async () =>
    (await scrape(broker.metricsUrl!)).sum('org_apache_kafka_producer_record_queue_time_avg', { client_instance_id: kafkaUuid(id) }) === 99);
  await until('a wrong subscription id is refused once the interval passed', async () =>
    (await pushCode(conn, id, sub.subscriptionId + 1, lz4, CompressionCodec.LZ4)) === 117, { timeoutMs: 5000 });
  const again = await getTelemetrySubscriptionsV0.api.async(conn, id);
  assert.equal(again.subscriptionId, sub.subscriptionId, 'after UNKNOWN_SUBSCRIPTION_ID the client may ask at once; an unchanged subscription keeps its id');
  assert.equal(await pushCode(conn, ZERO, sub.subscriptionId, lz4, CompressionCodec.LZ4), 42, 'INVALID_REQUEST: the zero instance id');
  assert.equal(await pushCode(conn, id, sub.subscriptionId, lz4, 7), 76, 'UNSUPPORTED_COMPRESSION_TYPE');
  await until('too large refused', async () =>
    (await pushCode(conn, id, sub.subscriptionId, Buffer.alloc(TELEMETRY_MAX_BYTES + 1), CompressionCodec.NONE)) === 118, { timeoutMs: 5000 });
  await until('garbage refused', async () =>
    (await pushCode(conn, id, sub.subscriptionId, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f]), CompressionCodec.NONE)) === 87, { timeoutMs: 5000 });
  assert.ok(logLines.some((l) => l.includes('pushed metrics that cannot be read: length 33554431 past the end')), 'one line says why');

  // A changed subscription changes the id: the client's next push is refused and it asks again.
  await subscribe('producers', { 'interval.ms': '300' });
  const changed = await getTelemetrySubscriptionsV0.api.async(conn, id);
  assert.notEqual(changed.subscriptionId, sub.subscriptionId);
  assert.equal(changed.pushIntervalMs, 300);
  assert.equal(await pushCode(conn, id, sub.subscriptionId, lz4, CompressionCodec.LZ4), 117);
  assert.equal((await getTelemetrySubscriptionsV0.api.async(conn, id)).subscriptionId, changed.subscriptionId);

  // Terminating: accepted whatever the interval, and the client's series go.
  assert.equal(await pushCode(conn, id, changed.subscriptionId, lz4, CompressionCodec.LZ4), 0);
  assert.equal((await scrape(broker.metricsUrl!)).sum('org_apache_kafka_producer_record_queue_time_avg', { client_instance_id: kafkaUuid(id) }), 99);
  assert.equal(await pushCode(conn, id, changed.subscriptionId, lz4, CompressionCodec.LZ4, true), 0);
  assert.ok(!(await scrape(broker.metricsUrl!)).text.includes(kafkaUuid(id)), 'a terminated client leaves /metrics');
  assert.equal(await pushCode(conn, id, changed.subscriptionId, lz4, CompressionCodec.LZ4), 42, 'INVALID_REQUEST after terminating');
  await conn.close();
});

test('a silent client is forgotten after three push intervals', { timeout: 30_000 }, async () => {
  await subscribe('fast', { metrics: '*', 'interval.ms': '100', match: 'client_id=quiet' });
  const conn = await connect('quiet');
  const sub = await getTelemetrySubscriptionsV0.api.async(conn, ZERO);
  assert.deepEqual(sub.requestedMetrics, ['*'], 'every metric, as Kafka answers it');
  const payload = compress(CompressionCodec.GZIP, metricsData([{ name: 'org.apache.kafka.consumer.fetch.rate', gauge: 4 }]));
  assert.equal(await pushCode(conn, sub.clientInstanceId, sub.subscriptionId, payload, CompressionCodec.GZIP), 0);
  const id = kafkaUuid(sub.clientInstanceId);
  assert.equal((await scrape(broker.metricsUrl!)).sum('org_apache_kafka_consumer_fetch_rate', { client_instance_id: id }), 4);
  await until('the series expired', async () => !(await scrape(broker.metricsUrl!)).text.includes(id));
  await conn.close();
});

test('samsa client-metrics lists, describes, alters and deletes as kafka-client-metrics.sh', { timeout: 30_000 }, async () => {
  const cli = (...args: string[]) => samsa(['client-metrics', '--bootstrap-server', broker.bootstrap, ...args]);
  const altered = await cli('--alter', '--name', 'cli-sub', '--metrics', 'org.apache.kafka.producer.,org.apache.kafka.consumer.coordinator.', '--interval', '60000',
    '--match', 'client_id=foo.*', '--match', 'client_software_name=apache-kafka-java');
  assert.equal(altered.code, 0, altered.stderr);
  assert.equal(altered.stdout.trim(), 'Altered client metrics config for cli-sub.');
  // The alter returns once the controller committed; the broker answering --list applies it a moment later.
  await until('cli-sub listed', async () => (await cli('--list')).stdout.split('\n').includes('cli-sub'));
  const described = await cli('--describe', '--name', 'cli-sub');
  assert.equal(described.stdout.trim(), [
    'Client metrics configs for cli-sub are:',
    '  interval.ms=60000',
    '  match=client_id=foo.*,client_software_name=apache-kafka-java',
    '  metrics=org.apache.kafka.producer.,org.apache.kafka.consumer.coordinator.',
  ].join('\n'));
  const all = await cli('--describe');
  assert.ok(all.stdout.includes('Client metrics configs for cli-sub are:'));
  const removed = await cli('--alter', '--name', 'cli-sub', '--match', '');
  assert.equal(removed.code, 0, removed.stderr);
  await until('an empty --match removes the selectors', async () => !(await cli('--describe', '--name', 'cli-sub')).stdout.includes('match='));
  const bad = await cli('--alter', '--name', 'cli-sub', '--interval', '10');
  assert.equal(bad.code, 1);
  assert.ok(isOneLineError(bad), bad.stderr);
  assert.match(bad.stderr, /interval must be between 100 and 3600000/);
  const usage = await cli('--list', '--delete');
  assert.equal(usage.code, 2);
  const generated = await cli('--alter', '--generate-name', '--metrics', '*');
  assert.equal(generated.code, 0, generated.stderr);
  const generatedName = /^Altered client metrics config for (\S+)\.$/.exec(generated.stdout.trim())![1]!;
  assert.equal((await cli('--delete', '--name', generatedName)).code, 0);
  const deleted = await cli('--delete', '--name', 'cli-sub');
  assert.equal(deleted.stdout.trim(), 'Deleted client metrics config for cli-sub.');
  await until('both subscriptions gone', async () => {
    const after = await cli('--list');
    return !after.stdout.includes('cli-sub') && !after.stdout.includes(generatedName);
  });
});
