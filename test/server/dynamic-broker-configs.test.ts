/**
 * Dynamic broker configs on a real broker: IncrementalAlterConfigs and
 * AlterConfigs on BROKER resources (the cluster-wide default '' and this
 * node's id) are stored in the metadata log, DescribeConfigs reports each
 * layer with Kafka's source, a topic without an override takes the new
 * default at once (retention.ms, max.message.bytes enforced on produce), and
 * all of it holds across a restart.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs from 'kafkajs';
import { messages } from '../../src/protocol/index.ts';
import { startTestBroker, tempDir, type TestBroker } from '../helpers/broker.ts';
import { request } from '../helpers/raw-fetch.ts';

const { Kafka, logLevel } = kafkajs;
const TOPIC = 2;
const BROKER = 4;
const SET = 0;
const DELETE = 1;
const SOURCE = { DYNAMIC_BROKER_CONFIG: 2, DYNAMIC_DEFAULT_BROKER_CONFIG: 3, STATIC_BROKER_CONFIG: 4, DEFAULT_CONFIG: 5 } as const;
const INVALID_REQUEST = 42;
const INVALID_CONFIG = 40;

type Op = [string, number, string | null];

async function alter(broker: TestBroker, resources: [number, string, Op[]][]): Promise<[number, string | null][]> {
  const res = await request<messages.IncrementalAlterConfigsResponse>(broker.bootstrap, 44, 1, {
    ...messages.IncrementalAlterConfigsRequest.defaults(),
    resources: resources.map(([resourceType, resourceName, configs]) => ({
      ...messages.defaultIncrementalAlterConfigsRequestAlterConfigsResource(), resourceType, resourceName,
      configs: configs.map(([name, configOperation, value]) => ({ ...messages.defaultIncrementalAlterConfigsRequestAlterableConfig(), name, configOperation, value })),
    })),
  });
  return res.responses.map((r) => [r.errorCode, r.errorMessage]);
}

async function describe(broker: TestBroker, resourceType: number, resourceName: string, keys: string[] | null) {
  const res = await request<messages.DescribeConfigsResponse>(broker.bootstrap, 32, 4, {
    ...messages.DescribeConfigsRequest.defaults(), includeSynonyms: true,
    resources: [{ ...messages.defaultDescribeConfigsRequestDescribeConfigsResource(), resourceType, resourceName, configurationKeys: keys }],
  });
  const result = res.results[0]!;
  assert.equal(result.errorCode, 0, result.errorMessage ?? '');
  return new Map(result.configs.map((c) => [c.name, { value: c.value, source: c.configSource, synonyms: c.synonyms.map((s) => [s.name, s.value, s.source]) }]));
}

async function produce(broker: TestBroker, topic: string, bytes: number): Promise<string> {
  const producer = new Kafka({ clientId: 'dyn', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 } }).producer();
  await producer.connect();
  try {
    await producer.send({ topic, messages: [{ value: Buffer.alloc(bytes, 1) }] });
    return 'ok';
  } catch (e) {
    return (e as { type?: string }).type ?? String(e);
  } finally {
    await producer.disconnect();
  }
}

test('cluster-default and per-broker dynamic configs apply to topics without overrides and survive a restart', async () => {
  const data = tempDir();
  let broker: TestBroker | null = await startTestBroker({ 'log.retention.hours': '100' }, data.dir);
  try {
    const id = String(broker.nodeId);
    const admin = new Kafka({ clientId: 'dyn', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'plain' }, { topic: 'own', configEntries: [{ name: 'retention.ms', value: '5000' }] }], waitForLeaders: true });
    await admin.disconnect();
    assert.equal(await produce(broker, 'plain', 4000), 'ok');

    assert.deepEqual(await alter(broker, [[BROKER, '', [['log.retention.ms', SET, '123456'], ['message.max.bytes', SET, '2000']]]]), [[0, null]]);
    const plain = await describe(broker, TOPIC, 'plain', ['retention.ms', 'max.message.bytes']);
    assert.deepEqual(plain.get('retention.ms'), {
      value: '123456', source: SOURCE.DYNAMIC_DEFAULT_BROKER_CONFIG,
      synonyms: [['log.retention.ms', '123456', 3], ['log.retention.hours', '100', 4], ['log.retention.hours', '168', 5]],
    });
    assert.equal(plain.get('max.message.bytes')!.value, '2000');
    assert.equal((await describe(broker, TOPIC, 'own', ['retention.ms'])).get('retention.ms')!.value, '5000', 'an override still wins');
    assert.equal(await produce(broker, 'plain', 4000), 'MESSAGE_TOO_LARGE', 'the new message.max.bytes is enforced at once');

    // Per broker over the cluster default.
    assert.deepEqual(await alter(broker, [[BROKER, id, [['log.retention.ms', SET, '999']]]]), [[0, null]]);
    const own = await describe(broker, BROKER, id, ['log.retention.ms', 'message.max.bytes', 'num.partitions']);
    assert.deepEqual(own.get('log.retention.ms'), {
      value: '999', source: SOURCE.DYNAMIC_BROKER_CONFIG,
      synonyms: [['log.retention.ms', '999', 2], ['log.retention.ms', '123456', 3], ['log.retention.hours', '100', 4], ['log.retention.hours', '168', 5]],
    });
    assert.deepEqual(own.get('message.max.bytes'), {
      value: '2000', source: SOURCE.DYNAMIC_DEFAULT_BROKER_CONFIG, synonyms: [['message.max.bytes', '2000', 3], ['message.max.bytes', '1048588', 5]],
    });
    assert.equal(own.get('num.partitions')!.source, SOURCE.DEFAULT_CONFIG);
    assert.equal((await describe(broker, TOPIC, 'plain', ['retention.ms'])).get('retention.ms')!.value, '999');
    const defaults = await describe(broker, BROKER, '', null);
    assert.deepEqual([...defaults].map(([k, v]) => [k, v.value, v.source]), [
      ['log.retention.ms', '123456', 3], ['message.max.bytes', '2000', 3],
    ]);

    // What cannot change dynamically, as Kafka words it.
    assert.deepEqual(await alter(broker, [
      [BROKER, id, [['num.partitions', SET, '3']]],
      [BROKER, '', [['ssl.client.auth', SET, 'required']]],
      [BROKER, '7', [['log.retention.ms', SET, '1']]],
    ]), [
      [INVALID_REQUEST, 'Cannot update these configs dynamically: num.partitions'],
      [INVALID_REQUEST, 'Cannot update these configs dynamically: ssl.client.auth. Samsa reads listener and security settings from the broker\'s configuration only.'],
      [INVALID_REQUEST, `Unexpected broker id, expected ${id}, but received 7`],
    ]);
    assert.deepEqual(await alter(broker, [[BROKER, '', [['log.segment.bytes', SET, '10']]]]),
      [[INVALID_CONFIG, 'invalid value \'10\' for config \'log.segment.bytes\': must be at least 1048576']]);
    assert.deepEqual(await alter(broker, [[BROKER, '', [['foo.bar', SET, '1']]]]), [[INVALID_CONFIG, 'Unknown broker configs: foo.bar']]);

    await broker.stop();
    broker = null;
    broker = await startTestBroker({ 'log.retention.hours': '100' }, data.dir);
    const after = await describe(broker, TOPIC, 'plain', ['retention.ms', 'max.message.bytes']);
    assert.deepEqual([after.get('retention.ms')!.value, after.get('retention.ms')!.source], ['999', SOURCE.DYNAMIC_BROKER_CONFIG]);
    assert.equal(after.get('max.message.bytes')!.value, '2000');
    assert.equal(await produce(broker, 'plain', 4000), 'MESSAGE_TOO_LARGE', 'the dynamic default applies after the restart');

    // Removing the dynamic configs brings the static and default values back.
    assert.deepEqual(await alter(broker, [
      [BROKER, id, [['log.retention.ms', DELETE, null]]], [BROKER, '', [['log.retention.ms', DELETE, null], ['message.max.bytes', DELETE, null]]],
    ]), [[0, null], [0, null]]);
    const reset = await describe(broker, TOPIC, 'plain', ['retention.ms']);
    assert.deepEqual([reset.get('retention.ms')!.value, reset.get('retention.ms')!.source], ['360000000', SOURCE.STATIC_BROKER_CONFIG]);
    assert.equal(await produce(broker, 'plain', 4000), 'ok');
  } finally {
    await broker?.stop();
    data.remove();
  }
});
