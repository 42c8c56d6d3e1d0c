/**
 * DescribeConfigs, AlterConfigs and IncrementalAlterConfigs against a real
 * Samsa broker: KafkaJS (DescribeConfigs v2, AlterConfigs v1),
 * @platformatic/kafka (DescribeConfigs v4, AlterConfigs v2,
 * IncrementalAlterConfigs v1), confluent-kafka-python on librdkafka when it is
 * installed, and raw requests for the answers no client library lets one ask
 * for (cluster-default and logger resources, duplicates, null values).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import kafkajs, { type Admin as KafkaJsAdmin, type Producer } from 'kafkajs';
import { Admin as PlatformaticAdmin, ConfigResourceTypes, IncrementalAlterConfigOperationTypes as Op } from '@platformatic/kafka';
import { messages } from '../../src/protocol/index.ts';
import { startTestBroker, tempDir, type TestBroker } from '../helpers/broker.ts';
import { request } from '../helpers/raw-fetch.ts';

const { Kafka, logLevel, ConfigResourceTypes: KafkaJsResourceTypes } = kafkajs;

const TOPIC = 2;
const BROKER = 4;
const BROKER_LOGGER = 8;
const SOURCE = { TOPIC_CONFIG: 1, STATIC_BROKER_CONFIG: 4, DEFAULT_CONFIG: 5 } as const;
const ERROR = {
  NONE: 0, UNKNOWN_TOPIC_OR_PARTITION: 3, INVALID_TOPIC_EXCEPTION: 17, INVALID_CONFIG: 40, INVALID_REQUEST: 42,
} as const;

let broker: TestBroker;
let admin: KafkaJsAdmin;
let producer: Producer;
let platformatic: PlatformaticAdmin;

before(async () => {
  broker = await startTestBroker({ 'auto.create.topics.enable': 'false', 'log.retention.hours': '100' });
  const kafka = new Kafka({ clientId: 'samsa-configs', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 } });
  admin = kafka.admin();
  await admin.connect();
  producer = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
  await producer.connect();
  platformatic = new PlatformaticAdmin({ clientId: 'samsa-configs', bootstrapBrokers: [broker.bootstrap], retries: 0 });
});

after(async () => {
  await producer?.disconnect();
  await admin?.disconnect();
  await platformatic?.close();
  await broker?.stop();
});

async function createTopic(topic: string, configEntries: { name: string; value: string }[] = []): Promise<void> {
  assert.equal(await admin.createTopics({ topics: [{ topic, numPartitions: 1, configEntries }], waitForLeaders: true }), true);
}

interface KafkaJsEntry {
  configName: string; configValue: string | null; configSource: number; readOnly: boolean; isSensitive: boolean;
  configSynonyms: { configName: string; configValue: string | null; configSource: number }[];
}

async function describeTopic(topic: string, configNames: string[]): Promise<Map<string, KafkaJsEntry>> {
  const out = await admin.describeConfigs({
    resources: [{ type: KafkaJsResourceTypes.TOPIC, name: topic, configNames }], includeSynonyms: true,
  });
  return new Map((out.resources[0]!.configEntries as unknown as KafkaJsEntry[]).map((e) => [e.configName, e]));
}

/** Each override of `topic` as [name, value], from DescribeConfigs entries whose source is TOPIC_CONFIG. */
async function overridesOf(topic: string): Promise<[string, string | null][]> {
  const entries = await describeTopic(topic, []);
  return [...entries.values()].filter((e) => e.configSource === SOURCE.TOPIC_CONFIG).map((e) => [e.configName, e.configValue]);
}

/** The Kafka error names (and server messages) inside a @platformatic/kafka error, however deeply it is wrapped. */
function protocolErrors(e: unknown): { apiId: string; serverErrorMessage: string | null }[] {
  const found: { apiId: string; serverErrorMessage: string | null }[] = [];
  const visit = (x: any, depth: number): void => {
    if (x === null || typeof x !== 'object' || depth > 5) return;
    if (typeof x.apiId === 'string') found.push({ apiId: x.apiId, serverErrorMessage: x.serverErrorMessage ?? null });
    for (const inner of x.errors ?? []) visit(inner, depth + 1);
  };
  visit(e, 0);
  return found;
}

test('describeConfigs of a topic: override, static broker synonym and default, each with its source', async () => {
  await createTopic('cfg-describe', [{ name: 'retention.ms', value: '3600000' }]);
  const entries = await describeTopic('cfg-describe', ['retention.ms', 'cleanup.policy', 'no.such.config']);
  assert.deepEqual([...entries.keys()].sort(), ['cleanup.policy', 'retention.ms'], 'an unknown name is left out, not refused');

  const retention = entries.get('retention.ms')!;
  assert.equal(retention.configValue, '3600000');
  assert.equal(retention.configSource, SOURCE.TOPIC_CONFIG);
  assert.equal(retention.readOnly, false);
  assert.deepEqual(retention.configSynonyms.map((s) => [s.configName, s.configValue, s.configSource]), [
    ['retention.ms', '3600000', SOURCE.TOPIC_CONFIG],
    ['log.retention.hours', '100', SOURCE.STATIC_BROKER_CONFIG],
    ['log.retention.hours', '168', SOURCE.DEFAULT_CONFIG],
  ]);

  const cleanup = entries.get('cleanup.policy')!;
  assert.equal(cleanup.configValue, 'delete');
  assert.equal(cleanup.configSource, SOURCE.DEFAULT_CONFIG);

  // Without an override the topic takes the broker's static value, converted to milliseconds.
  await createTopic('cfg-describe-plain');
  const plain = (await describeTopic('cfg-describe-plain', ['retention.ms'])).get('retention.ms')!;
  assert.equal(plain.configValue, String(100 * 3_600_000));
  assert.equal(plain.configSource, SOURCE.STATIC_BROKER_CONFIG);

  await assert.rejects(describeTopic('cfg-no-such-topic', []), (e: Error & { type?: string }) => e.type === 'UNKNOWN_TOPIC_OR_PARTITION');
});

test('describeConfigs of the broker: static and default sources and synonyms', async () => {
  const out = await admin.describeConfigs({
    resources: [{ type: KafkaJsResourceTypes.BROKER, name: String(broker.nodeId), configNames: ['log.retention.hours', 'num.partitions'] }],
    includeSynonyms: true,
  });
  const entries = new Map((out.resources[0]!.configEntries as unknown as KafkaJsEntry[]).map((e) => [e.configName, e]));
  const hours = entries.get('log.retention.hours')!;
  assert.equal(hours.configValue, '100');
  assert.equal(hours.configSource, SOURCE.STATIC_BROKER_CONFIG);
  assert.deepEqual(hours.configSynonyms.map((s) => [s.configValue, s.configSource]), [
    ['100', SOURCE.STATIC_BROKER_CONFIG], ['168', SOURCE.DEFAULT_CONFIG],
  ]);
  assert.equal(entries.get('num.partitions')!.configValue, '1');
  assert.equal(entries.get('num.partitions')!.configSource, SOURCE.DEFAULT_CONFIG);

  // All of them when no names are given.
  const all = await admin.describeConfigs({ resources: [{ type: KafkaJsResourceTypes.BROKER, name: String(broker.nodeId) }], includeSynonyms: false });
  const names = all.resources[0]!.configEntries.map((e) => e.configName);
  assert.ok(names.length > 50 && names.includes('log.dirs') && names.includes('message.max.bytes'), `${names.length} broker configs`);
});

test('describeConfigs v4 (@platformatic/kafka): types, and documentation and synonyms only when asked', async () => {
  await createTopic('cfg-v4', [{ name: 'cleanup.policy', value: 'compact' }]);
  const resources = [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: 'cfg-v4', configurationKeys: ['cleanup.policy', 'retention.ms'] }];
  const [withDocs] = await platformatic.describeConfigs({ resources, includeSynonyms: true, includeDocumentation: true });
  const byName = new Map(withDocs!.configs.map((c) => [c.name, c]));
  assert.equal(byName.get('cleanup.policy')!.value, 'compact');
  assert.equal(byName.get('cleanup.policy')!.configType, 7 /* LIST */);
  assert.equal(byName.get('retention.ms')!.configType, 5 /* LONG */);
  assert.ok((byName.get('cleanup.policy')!.documentation ?? '').length > 10);
  assert.equal(byName.get('cleanup.policy')!.synonyms[0]!.source, SOURCE.TOPIC_CONFIG);

  const [bare] = await platformatic.describeConfigs({ resources });
  for (const c of bare!.configs) {
    assert.equal(c.documentation, null);
    assert.deepEqual(c.synonyms, []);
  }
  assert.equal(bare!.configs.find((c) => c.name === 'cleanup.policy')!.configSource, SOURCE.TOPIC_CONFIG, 'the source is there without synonyms');
});

test('alterConfigs: validateOnly changes nothing; a real alter replaces the whole override set', async () => {
  await createTopic('cfg-alter', [{ name: 'retention.ms', value: '3600000' }, { name: 'cleanup.policy', value: 'compact' }]);
  const topic = { type: KafkaJsResourceTypes.TOPIC, name: 'cfg-alter' };

  await admin.alterConfigs({ validateOnly: true, resources: [{ ...topic, configEntries: [{ name: 'retention.ms', value: '1000' }] }] });
  assert.deepEqual((await overridesOf('cfg-alter')).sort(), [['cleanup.policy', 'compact'], ['retention.ms', '3600000']]);

  await admin.alterConfigs({ validateOnly: false, resources: [{ ...topic, configEntries: [{ name: 'retention.ms', value: '1000' }, { name: 'segment.ms', value: '60000' }] }] });
  assert.deepEqual((await overridesOf('cfg-alter')).sort(), [['retention.ms', '1000'], ['segment.ms', '60000']], 'cleanup.policy was not named, so it is gone');
  const cleanup = (await describeTopic('cfg-alter', ['cleanup.policy'])).get('cleanup.policy')!;
  assert.deepEqual([cleanup.configValue, cleanup.configSource], ['delete', SOURCE.DEFAULT_CONFIG]);

  await admin.alterConfigs({ validateOnly: false, resources: [{ ...topic, configEntries: [] }] });
  assert.deepEqual(await overridesOf('cfg-alter'), [], 'an empty set removes every override');
});

test('alterConfigs refuses bad values, unknown configs and unknown topics with Kafka\'s errors', async () => {
  await createTopic('cfg-bad', [{ name: 'retention.ms', value: '3600000' }]);
  const alter = (name: string, configEntries: { name: string; value: string }[], validateOnly = false) =>
    admin.alterConfigs({ validateOnly, resources: [{ type: KafkaJsResourceTypes.TOPIC, name, configEntries }] });
  const isType = (type: string) => (e: Error & { type?: string }) => e.type === type;

  await assert.rejects(alter('cfg-bad', [{ name: 'retention.ms', value: 'abc' }]), isType('INVALID_CONFIG'));
  await assert.rejects(alter('cfg-bad', [{ name: 'retention.ms', value: 'abc' }], true), isType('INVALID_CONFIG'));
  await assert.rejects(alter('cfg-bad', [{ name: 'no.such.config', value: '1' }]), isType('INVALID_CONFIG'));
  await assert.rejects(alter('cfg-bad', [{ name: 'min.compaction.lag.ms', value: '10' }, { name: 'max.compaction.lag.ms', value: '5' }]),
    isType('INVALID_CONFIG'));
  await assert.rejects(alter('cfg-missing', [{ name: 'retention.ms', value: '1000' }]), isType('UNKNOWN_TOPIC_OR_PARTITION'));
  assert.deepEqual(await overridesOf('cfg-bad'), [['retention.ms', '3600000']], 'a refused alter changes nothing');

  // The messages, which KafkaJS drops, name the config.
  const body = {
    ...messages.AlterConfigsRequest.defaults(),
    resources: [
      { ...messages.defaultAlterConfigsRequestAlterConfigsResource(), resourceType: TOPIC, resourceName: 'cfg-bad', configs: [{ name: 'retention.ms', value: 'abc' }] },
      { ...messages.defaultAlterConfigsRequestAlterConfigsResource(), resourceType: TOPIC, resourceName: 'cfg-missing', configs: [] },
    ],
  };
  const res = await request<messages.AlterConfigsResponse>(broker.bootstrap, 33, 2, body);
  assert.equal(res.responses[0]!.errorCode, ERROR.INVALID_CONFIG);
  assert.match(res.responses[0]!.errorMessage ?? '', /retention\.ms/);
  assert.deepEqual([res.responses[1]!.errorCode, res.responses[1]!.errorMessage], [ERROR.UNKNOWN_TOPIC_OR_PARTITION, 'The topic \'cfg-missing\' does not exist.']);
});

test('lowering max.message.bytes reaches the log: the next large produce gets MESSAGE_TOO_LARGE', async () => {
  await createTopic('cfg-size');
  const big = { value: Buffer.alloc(5000, 7) };
  const [ok] = await producer.send({ topic: 'cfg-size', messages: [big] });
  assert.equal(ok!.errorCode, 0);
  await admin.alterConfigs({ validateOnly: false, resources: [{ type: KafkaJsResourceTypes.TOPIC, name: 'cfg-size', configEntries: [{ name: 'max.message.bytes', value: '1000' }] }] });
  await assert.rejects(producer.send({ topic: 'cfg-size', messages: [big] }), (e: Error & { type?: string }) => e.type === 'MESSAGE_TOO_LARGE');
  const [small] = await producer.send({ topic: 'cfg-size', messages: [{ value: 'fits' }] });
  assert.equal(small!.errorCode, 0);
});

test('incrementalAlterConfigs (@platformatic/kafka): SET, DELETE, APPEND and SUBTRACT', async () => {
  await createTopic('cfg-incr', [{ name: 'retention.ms', value: '3600000' }]);
  const alter = (configs: any[], validateOnly = false) =>
    platformatic.incrementalAlterConfigs({ validateOnly, resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: 'cfg-incr', configs }] });

  await alter([{ name: 'cleanup.policy', configOperation: Op.APPEND, value: 'compact' }]);
  assert.deepEqual((await overridesOf('cfg-incr')).sort(), [['cleanup.policy', 'delete,compact'], ['retention.ms', '3600000']],
    'APPEND starts from the default and leaves other overrides alone');
  await alter([{ name: 'cleanup.policy', configOperation: Op.APPEND, value: 'compact' }]);
  assert.deepEqual((await describeTopic('cfg-incr', ['cleanup.policy'])).get('cleanup.policy')!.configValue, 'delete,compact', 'no duplicates');

  await alter([{ name: 'cleanup.policy', configOperation: Op.SUBTRACT, value: 'delete' }, { name: 'segment.ms', configOperation: Op.SET, value: '60000' }]);
  assert.deepEqual((await overridesOf('cfg-incr')).sort(), [['cleanup.policy', 'compact'], ['retention.ms', '3600000'], ['segment.ms', '60000']]);

  await alter([{ name: 'retention.ms', configOperation: Op.DELETE }, { name: 'segment.ms', configOperation: Op.SET, value: '1' }], true);
  assert.deepEqual((await overridesOf('cfg-incr')).length, 3, 'validateOnly changes nothing');

  await alter([{ name: 'retention.ms', configOperation: Op.DELETE }, { name: 'never.set', configOperation: Op.DELETE }]);
  assert.deepEqual((await overridesOf('cfg-incr')).sort(), [['cleanup.policy', 'compact'], ['segment.ms', '60000']]);

  const refused = async (configs: any[], apiId: string, message: RegExp) => {
    await assert.rejects(alter(configs), (e) => {
      const [first] = protocolErrors(e);
      return first?.apiId === apiId && message.test(first.serverErrorMessage ?? '');
    });
  };
  await refused([{ name: 'retention.ms', configOperation: Op.APPEND, value: '5' }], 'INVALID_CONFIG', /Can't APPEND to key retention.ms because its type is not LIST/);
  await refused([{ name: 'cleanup.policy', configOperation: Op.SET, value: 'shred' }], 'INVALID_CONFIG', /cleanup\.policy/);
  await refused([{ name: 'segment.ms', configOperation: Op.SET, value: '0' }, { name: 'retention.ms', configOperation: Op.SET, value: '5' }],
    'INVALID_CONFIG', /segment\.ms/);
  assert.deepEqual((await overridesOf('cfg-incr')).sort(), [['cleanup.policy', 'compact'], ['segment.ms', '60000']], 'one bad operation fails the whole resource');
});

test('broker, cluster-default and logger resources, duplicates and nulls get Kafka\'s answers', async () => {
  const describe = async (resources: [number, string][]) => (await request<messages.DescribeConfigsResponse>(broker.bootstrap, 32, 4, {
    ...messages.DescribeConfigsRequest.defaults(),
    resources: resources.map(([resourceType, resourceName]) => ({
      ...messages.defaultDescribeConfigsRequestDescribeConfigsResource(), resourceType, resourceName, configurationKeys: null,
    })),
  })).results.map((r) => [r.errorCode, r.errorMessage, r.configs.length]);
  const id = String(broker.nodeId);
  const described = await describe([[BROKER, ''], [BROKER, '99'], [BROKER, 'x'], [BROKER_LOGGER, id], [BROKER_LOGGER, ''], [3, 'y'], [TOPIC, 'bad name!']]);
  assert.deepEqual(described.slice(0, 6), [
    [ERROR.NONE, null, 0],
    [ERROR.INVALID_REQUEST, `Unexpected broker id, expected ${id} or empty string, but received 99`, 0],
    [ERROR.INVALID_REQUEST, 'Broker id must be an integer, but it is: x', 0],
    [ERROR.NONE, null, 13], // the root and the node's named loggers (docs/operations.md#logs)
    [ERROR.INVALID_REQUEST, 'Broker id must not be empty', 0],
    [ERROR.INVALID_REQUEST, 'Unsupported resource type: 3', 0],
  ]);
  assert.equal(described[6]![0], ERROR.INVALID_TOPIC_EXCEPTION);

  await createTopic('cfg-edge');
  const incremental = async (resources: [number, string, [string, number, string | null][]][]) =>
    (await request<messages.IncrementalAlterConfigsResponse>(broker.bootstrap, 44, 1, {
      ...messages.IncrementalAlterConfigsRequest.defaults(),
      resources: resources.map(([resourceType, resourceName, configs]) => ({
        ...messages.defaultIncrementalAlterConfigsRequestAlterConfigsResource(), resourceType, resourceName,
        configs: configs.map(([name, configOperation, value]) => ({ ...messages.defaultIncrementalAlterConfigsRequestAlterableConfig(), name, configOperation, value })),
      })),
    })).responses.map((r) => [r.resourceName, r.errorCode, r.errorMessage]);

  assert.deepEqual(await incremental([
    [BROKER, id, [['log.retention.hours', 0, '1']]],
    [BROKER, '', [['log.retention.hours', 1, null]]],
    [BROKER, '7', [['log.retention.hours', 1, null]]],
    [BROKER_LOGGER, id, [['kafka.server', 0, 'DEBUG']]],
    [TOPIC, 'cfg-edge', [['retention.ms', 0, null]]],
    [TOPIC, 'cfg-edge', [['retention.ms', 0, '1']]],
  ]), [
    [id, ERROR.INVALID_REQUEST, 'Cannot update these configs dynamically: log.retention.hours'],
    ['', ERROR.NONE, null],
    ['7', ERROR.INVALID_REQUEST, `Unexpected broker id, expected ${id}, but received 7`],
    [id, ERROR.INVALID_CONFIG, 'Logger kafka.server does not exist!'],
    ['cfg-edge', ERROR.INVALID_REQUEST, 'Each resource must appear at most once.'],
    ['cfg-edge', ERROR.INVALID_REQUEST, 'Each resource must appear at most once.'],
  ]);
  assert.deepEqual(await incremental([
    [TOPIC, 'cfg-edge', [['retention.ms', 0, '1'], ['retention.ms', 1, null]]],
    [TOPIC, '', [['retention.ms', 0, '1']]],
    [TOPIC, 'cfg-edge-missing', [['retention.ms', 0, 'x']]],
    [TOPIC, 'cfg-edge-ok', [['retention.ms', 9, '1']]],
  ]), [
    ['cfg-edge', ERROR.INVALID_REQUEST, 'Error due to duplicate config keys'],
    ['', ERROR.INVALID_REQUEST, 'Default topic resources are not allowed.'],
    ['cfg-edge-missing', ERROR.INVALID_CONFIG, 'invalid value \'x\' for config \'retention.ms\': not an integer'],
    ['cfg-edge-ok', ERROR.INVALID_REQUEST, 'Unknown operation type 9'],
  ]);

  const legacy = await request<messages.AlterConfigsResponse>(broker.bootstrap, 33, 2, {
    ...messages.AlterConfigsRequest.defaults(),
    resources: [
      { ...messages.defaultAlterConfigsRequestAlterConfigsResource(), resourceType: TOPIC, resourceName: 'cfg-edge', configs: [{ name: 'retention.ms', value: null }] },
      { ...messages.defaultAlterConfigsRequestAlterConfigsResource(), resourceType: BROKER_LOGGER, resourceName: id, configs: [] },
      { ...messages.defaultAlterConfigsRequestAlterConfigsResource(), resourceType: BROKER, resourceName: id, configs: [] },
    ],
  });
  assert.deepEqual(legacy.responses.map((r) => [r.errorCode, r.errorMessage]), [
    [ERROR.INVALID_REQUEST, 'Null value not supported for : retention.ms'],
    [ERROR.INVALID_REQUEST, `Unknown resource type ${BROKER_LOGGER}`],
    [ERROR.NONE, null],
  ]);
});

test('topic configs survive a restart', async () => {
  const data = tempDir();
  try {
    let first: TestBroker | null = await startTestBroker({}, data.dir);
    const kafka = new Kafka({ clientId: 'samsa-restart', brokers: [first.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 } });
    const a = kafka.admin();
    await a.connect();
    await a.createTopics({ topics: [{ topic: 'kept', configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }] });
    await a.alterConfigs({ validateOnly: false, resources: [{ type: KafkaJsResourceTypes.TOPIC, name: 'kept', configEntries: [{ name: 'retention.ms', value: '123456' }] }] });
    await a.disconnect();
    await first.stop();
    first = null;

    const second = await startTestBroker({}, data.dir);
    try {
      const b = new Kafka({ clientId: 'samsa-restart', brokers: [second.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
      await b.connect();
      const out = await b.describeConfigs({ resources: [{ type: KafkaJsResourceTypes.TOPIC, name: 'kept', configNames: ['retention.ms', 'cleanup.policy'] }], includeSynonyms: false });
      await b.disconnect();
      const entries = new Map(out.resources[0]!.configEntries.map((e) => [e.configName, [e.configValue, e.configSource]]));
      assert.deepEqual(entries.get('retention.ms'), ['123456', SOURCE.TOPIC_CONFIG]);
      assert.deepEqual(entries.get('cleanup.policy'), ['delete', SOURCE.DEFAULT_CONFIG], 'the legacy alter removed it, and that held too');
    } finally {
      await second.stop();
    }
  } finally {
    data.remove();
  }
});

const PYTHON = '/usr/bin/python3';
const hasConfluentKafka = spawnSync(PYTHON, ['-c', 'import confluent_kafka'], { stdio: 'ignore' }).status === 0;

const PYTHON_SCRIPT = `
import json, sys
from confluent_kafka.admin import AdminClient, ConfigResource
bootstrap, topic, node = sys.argv[1], sys.argv[2], sys.argv[3]
a = AdminClient({'bootstrap.servers': bootstrap})
out = {}
res = ConfigResource('topic', topic, set_config={'retention.ms': '7200000'})
a.alter_configs([res], validate_only=True)[res].result()
t = a.describe_configs([ConfigResource('topic', topic)])
out['before'] = {k: [v.value, getattr(v.source, "value", v.source)] for k, v in list(t.values())[0].result().items() if k == 'retention.ms'}
a.alter_configs([res])[res].result()
t = a.describe_configs([ConfigResource('topic', topic)])
out['after'] = {k: [v.value, getattr(v.source, "value", v.source)] for k, v in list(t.values())[0].result().items() if k == 'retention.ms'}
b = a.describe_configs([ConfigResource('broker', node)])
out['broker'] = {k: [v.value, getattr(v.source, "value", v.source)] for k, v in list(b.values())[0].result().items() if k == 'log.retention.hours'}
bad = ConfigResource('topic', topic, set_config={'retention.ms': 'soon'})
try:
    a.alter_configs([bad])[bad].result()
    out['bad'] = None
except Exception as e:
    out['bad'] = e.args[0].name()
print(json.dumps(out))
`;

// .ci/run installs python3-confluent-kafka; a machine without it fails here rather than skipping.
test('confluent-kafka-python (librdkafka): describe_configs and alter_configs', async () => {
  assert.ok(hasConfluentKafka, 'python3-confluent-kafka is installed (apt-get install -y python3-confluent-kafka)');
  await createTopic('cfg-python');
  // Asynchronously: the broker runs on this process's event loop.
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(PYTHON, ['-c', PYTHON_SCRIPT, broker.bootstrap, 'cfg-python', String(broker.nodeId)], { timeout: 30_000 }, (error, out, err) => {
      if (error !== null) reject(new Error(`${error.message}\n${err}`));
      else resolve(out);
    });
  });
  assert.deepEqual(JSON.parse(stdout), {
    before: { 'retention.ms': [String(100 * 3_600_000), SOURCE.STATIC_BROKER_CONFIG] },
    after: { 'retention.ms': ['7200000', SOURCE.TOPIC_CONFIG] },
    broker: { 'log.retention.hours': ['100', SOURCE.STATIC_BROKER_CONFIG] },
    bad: 'INVALID_CONFIG',
  });
});
