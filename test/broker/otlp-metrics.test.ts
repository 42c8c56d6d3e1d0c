/**
 * The OTLP reader behind PushTelemetry: what a client's MetricsData holds
 * comes out as flat points, unknown fields are skipped, and no payload —
 * truncated, corrupted, or nested thousands deep — gets anything but a
 * ProtobufError out of it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMetricsData, ProtobufError } from '../../src/broker/telemetry/otlp-metrics.ts';
import { renderClientMetrics, prometheusName } from '../../src/console/metrics/client-metrics.ts';
import { len, metricsData } from '../helpers/otlp.ts';
import { seededRandom } from '../helpers/random.ts';

const SAMPLE = metricsData([
  { name: 'org.apache.kafka.producer.record.queue.time.avg', gauge: 1.5, attributes: { node_id: '2' } },
  { name: 'org.apache.kafka.producer.record.send.total', sum: 40 },
  { name: 'org.apache.kafka.producer.node.request.latency', histogram: { count: 3, sum: 9.5 } },
], { 'client.rack': 'r1' });

test('gauges, sums and histograms with resource and point attributes', () => {
  const points = decodeMetricsData(SAMPLE);
  assert.deepEqual(points.map((p) => [p.name, p.kind, p.value, Object.fromEntries(p.attributes)]), [
    ['org.apache.kafka.producer.record.queue.time.avg', 'gauge', 1.5, { 'client.rack': 'r1', node_id: '2' }],
    ['org.apache.kafka.producer.record.send.total', 'sum', 40, { 'client.rack': 'r1' }],
    ['org.apache.kafka.producer.node.request.latency', 'histogram_count', 3, { 'client.rack': 'r1' }],
    ['org.apache.kafka.producer.node.request.latency', 'histogram_sum', 9.5, { 'client.rack': 'r1' }],
  ]);
});

test('every truncation and random corruption is a ProtobufError or a clean read, never a crash', () => {
  for (let cut = 0; cut < SAMPLE.length; cut++) {
    try {
      decodeMetricsData(SAMPLE.subarray(0, cut));
    } catch (e) {
      assert.ok(e instanceof ProtobufError, `cut at ${cut}: ${(e as Error).message}`);
    }
  }
  const rng = seededRandom(714);
  for (let i = 0; i < 2000; i++) {
    const bad = Buffer.from(SAMPLE);
    for (let k = 0; k < 3; k++) bad[Math.floor(rng() * bad.length)] = Math.floor(rng() * 256);
    try {
      decodeMetricsData(bad);
    } catch (e) {
      assert.ok(e instanceof ProtobufError, `seed 714 case ${i}: ${(e as Error).message}`);
    }
  }
  assert.throws(() => decodeMetricsData(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f])), ProtobufError, 'a length past the end');
  assert.throws(() => decodeMetricsData(Buffer.from([0x0b])), ProtobufError, 'wire type 3 (groups) is refused');
});

test('AnyValues nested thousands deep (arrays in arrays) are not followed: no recursion, no stack overflow', () => {
  let any = len(1, 'leaf');
  // AnyValue{array_value(5){values(1): AnyValue…}}: the reader renders scalars only, so it must not descend into these.
  for (let i = 0; i < 2000; i++) any = len(5, len(1, any));
  const point = Buffer.concat([len(7, Buffer.concat([len(1, 'k'), len(2, any)]))]);
  const data = len(1, len(2, len(2, Buffer.concat([len(1, 'm'), len(5, len(1, point))]))));
  assert.deepEqual(decodeMetricsData(data).map((p) => p.name), [], 'a point without a value is left out');
});

test('Prometheus names and label escaping', () => {
  assert.equal(prometheusName('org.apache.kafka.producer.record.queue.time.avg'), 'org_apache_kafka_producer_record_queue_time_avg');
  assert.equal(prometheusName('9lives-metric'), '_9lives_metric');
  const text = renderClientMetrics([{
    instanceId: 'id1', client: { clientId: 'a"b\\c', softwareName: 'x', softwareVersion: '1', sourceAddress: '', sourcePort: '' },
    points: [{ name: 'm.x', kind: 'gauge', value: 2, attributes: new Map([['line', 'a\nb']]) }],
  }]);
  assert.equal(text, '# HELP m_x Pushed by clients (KIP-714): m.x\n# TYPE m_x gauge\n'
    + 'm_x{client_instance_id="id1",client_id="a\\"b\\\\c",client_software_name="x",client_software_version="1",line="a\\nb"} 2\n');
});
