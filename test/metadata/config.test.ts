import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BROKER_CONFIGS, ConfigSource, ConfigType, LONG_MAX_TEXT, PropertiesSyntaxError, TOPIC_CONFIGS, brokerConfigDef, canonicalText,
  describeBrokerConfig, describeBrokerConfigs, describeTopicConfig, describeTopicConfigs, parseProperties, parseValue,
  resolveBrokerConfig, topicConfig, topicConfigDef, validateTopicConfigs, type BrokerConfig,
} from '../../src/metadata/config/index.ts';

const NEVER = Number.MAX_SAFE_INTEGER;
const WEEK_MS = 7 * 24 * 60 * 60 * 1000;

function broker(props: Record<string, string> = {}): BrokerConfig {
  const r = resolveBrokerConfig(props);
  if (!r.ok) assert.fail(r.error);
  return r.config;
}

function brokerError(props: Record<string, string>): string {
  const r = resolveBrokerConfig(props);
  assert.equal(r.ok, false, 'expected an error');
  return (r as { error: string }).error;
}

// ---------------------------------------------------------------- defaults

test('broker defaults are Kafka 4.0 defaults, except where Samsa says otherwise', () => {
  const c = broker();
  assert.deepEqual(c.processRoles, ['broker', 'controller']);
  assert.equal(c.nodeId, 1);
  assert.equal(c.listeners, 'PLAINTEXT://127.0.0.1:9092');
  assert.equal(brokerConfigDef('listeners')!.kafkaDefault, 'PLAINTEXT://:9092');
  assert.equal(c.advertisedListeners, null);
  assert.deepEqual(c.logDirs, ['/tmp/kafka-logs']);
  assert.equal(c.numPartitions, 1);
  assert.equal(c.defaultReplicationFactor, 1);
  assert.equal(c.autoCreateTopicsEnable, true);
  assert.equal(c.deleteTopicEnable, true);
  assert.equal(c.logSegmentBytes, 1073741824);
  assert.equal(c.logRollMs, WEEK_MS);
  assert.equal(c.logRetentionMs, WEEK_MS);
  assert.equal(c.logRetentionBytes, -1);
  assert.equal(c.logRetentionCheckIntervalMs, 300000);
  assert.equal(c.logFlushIntervalMessages, NEVER);
  assert.equal(c.logFlushIntervalMs, NEVER);
  assert.equal(c.logFlushSchedulerIntervalMs, NEVER);
  assert.equal(c.logFlushOffsetCheckpointIntervalMs, 60000);
  assert.equal(c.logIndexIntervalBytes, 4096);
  assert.equal(c.logIndexSizeMaxBytes, 10485760);
  assert.equal(c.logSegmentDeleteDelayMs, 60000);
  assert.deepEqual(c.logCleanupPolicy, ['delete']);
  assert.equal(c.logCleanerEnable, true);
  assert.equal(c.logMessageTimestampType, 'CreateTime');
  assert.equal(c.logMessageTimestampBeforeMaxMs, NEVER);
  assert.equal(c.logMessageTimestampAfterMaxMs, 3600000);
  assert.equal(c.messageMaxBytes, 1048588);
  assert.equal(c.socketRequestMaxBytes, 104857600);
  assert.equal(c.compressionType, 'producer');
  assert.equal(c.minInsyncReplicas, 1);
  assert.equal(c.uncleanLeaderElectionEnable, false);
  assert.equal(c.offsetsTopicNumPartitions, 50);
  assert.equal(c.offsetsTopicReplicationFactor, 3);
  assert.equal(c.transactionStateLogNumPartitions, 50);
  assert.equal(c.transactionStateLogReplicationFactor, 3);
  assert.equal(c.groupInitialRebalanceDelayMs, 3000);
  assert.equal(c.groupMinSessionTimeoutMs, 6000);
  assert.equal(c.groupMaxSessionTimeoutMs, 1800000);
  assert.equal(c.replicaLagTimeMaxMs, 30000);
  assert.deepEqual(c.listenerSecurityProtocolMap, { SASL_SSL: 'SASL_SSL', PLAINTEXT: 'PLAINTEXT', SSL: 'SSL', SASL_PLAINTEXT: 'SASL_PLAINTEXT' });
  assert.deepEqual(c.raw, {});
});

test('topic defaults come from the broker defaults', () => {
  const t = topicConfig(broker(), {});
  assert.ok(t.ok);
  assert.deepEqual(t.config.cleanupPolicy, ['delete']);
  assert.equal(t.config.retentionMs, WEEK_MS);
  assert.equal(t.config.segmentMs, WEEK_MS);
  assert.equal(t.config.segmentBytes, 1073741824);
  assert.equal(t.config.segmentIndexBytes, 10485760);
  assert.equal(t.config.indexIntervalBytes, 4096);
  assert.equal(t.config.maxMessageBytes, 1048588);
  assert.equal(t.config.flushMessages, NEVER);
  assert.equal(t.config.flushMs, NEVER);
  assert.equal(t.config.fileDeleteDelayMs, 60000);
  assert.equal(t.config.deleteRetentionMs, 86400000);
  assert.equal(t.config.minCleanableDirtyRatio, 0.5);
  assert.equal(t.config.maxCompactionLagMs, NEVER);
  assert.equal(t.config.messageTimestampType, 'CreateTime');
  assert.equal(t.config.compressionType, 'producer');
  assert.equal(t.config.minInsyncReplicas, 1);
});

test('every topic config except internal ones has a broker synonym that is a broker config', () => {
  for (const def of TOPIC_CONFIGS) {
    if (def.internal === true) continue;
    assert.ok(def.synonyms.length > 0, def.name);
    for (const syn of def.synonyms) assert.ok(brokerConfigDef(syn.name) !== undefined, `${def.name} -> ${syn.name}`);
  }
  for (const def of [...BROKER_CONFIGS, ...TOPIC_CONFIGS]) {
    if (def.default !== null) assert.ok(parseValue(def, def.default).ok, `default of ${def.name}`);
    assert.equal(def.sensitive, def.type === 'password', def.name);
  }
});

// ---------------------------------------------------------------- precedence

test('log.retention.ms beats .minutes beats .hours; negative means forever', () => {
  assert.equal(broker({ 'log.retention.hours': '1' }).logRetentionMs, 3_600_000);
  assert.equal(broker({ 'log.retention.hours': '1', 'log.retention.minutes': '2' }).logRetentionMs, 120_000);
  assert.equal(broker({ 'log.retention.hours': '1', 'log.retention.minutes': '2', 'log.retention.ms': '3' }).logRetentionMs, 3);
  assert.equal(broker({ 'log.retention.minutes': '2', 'log.retention.ms': '3' }).logRetentionMs, 3);
  assert.equal(broker({ 'log.retention.ms': '-1' }).logRetentionMs, -1);
  assert.equal(broker({ 'log.retention.ms': '-5' }).logRetentionMs, -1);
  assert.equal(broker({ 'log.retention.minutes': '-1' }).logRetentionMs, -1);
  assert.equal(broker({ 'log.retention.hours': '-1' }).logRetentionMs, -1);
  const t = topicConfig(broker({ 'log.retention.minutes': '10' }), {});
  assert.ok(t.ok);
  assert.equal(t.config.retentionMs, 600_000);
});

test('log.roll.ms beats log.roll.hours; log.flush.interval.ms falls back to the scheduler interval', () => {
  assert.equal(broker({ 'log.roll.hours': '2' }).logRollMs, 7_200_000);
  assert.equal(broker({ 'log.roll.hours': '2', 'log.roll.ms': '5000' }).logRollMs, 5000);
  assert.equal(broker({ 'log.flush.scheduler.interval.ms': '2000' }).logFlushIntervalMs, 2000);
  assert.equal(broker({ 'log.flush.scheduler.interval.ms': '2000', 'log.flush.interval.ms': '100' }).logFlushIntervalMs, 100);
  const t = topicConfig(broker({ 'log.roll.hours': '3', 'log.flush.scheduler.interval.ms': '2000' }), {});
  assert.ok(t.ok);
  assert.equal(t.config.segmentMs, 10_800_000);
  assert.equal(t.config.flushMs, 2000);
});

test('log.dirs beats log.dir; both are comma lists', () => {
  assert.deepEqual(broker({ 'log.dir': '/a' }).logDirs, ['/a']);
  assert.deepEqual(broker({ 'log.dir': '/a', 'log.dirs': '/b , /c' }).logDirs, ['/b', '/c']);
  assert.equal(brokerError({ 'log.dirs': '/b,/b' }), "invalid value '/b,/b' for config 'log.dirs': directory '/b' is listed twice");
  assert.equal(brokerError({ 'log.dirs': '' }), "invalid value '' for config 'log.dirs': at least one directory is needed");
});

// ---------------------------------------------------------------- errors

test('unknown and invalid broker configs give one line naming the config', () => {
  assert.equal(brokerError({ 'foo.bar': '1' }), "unknown config 'foo.bar'");
  assert.equal(brokerError({ 'zookeeper.connect': 'localhost:2181' }), "unknown config 'zookeeper.connect'");
  assert.equal(brokerError({ 'num.partitions': 'x' }), "invalid value 'x' for config 'num.partitions': not an integer");
  assert.equal(brokerError({ 'num.partitions': '0' }), "invalid value '0' for config 'num.partitions': must be at least 1");
  assert.equal(brokerError({ 'num.partitions': '2147483648' }), "invalid value '2147483648' for config 'num.partitions': out of range for type int");
  assert.equal(brokerError({ 'auto.create.topics.enable': 'yes' }),
    "invalid value 'yes' for config 'auto.create.topics.enable': must be true or false");
  assert.equal(brokerError({ 'compression.type': 'brotli' }),
    "invalid value 'brotli' for config 'compression.type': must be one of [uncompressed, zstd, lz4, snappy, gzip, producer]");
  assert.equal(brokerError({ 'log.cleanup.policy': 'delete,shred' }),
    "invalid value 'delete,shred' for config 'log.cleanup.policy': 'shred' is not one of [compact, delete]");
  assert.equal(brokerError({ 'log.segment.bytes': '1000' }), "invalid value '1000' for config 'log.segment.bytes': must be at least 1048576");
  assert.equal(brokerError({ 'log.flush.interval.messages': '9223372036854775808' }),
    "invalid value '9223372036854775808' for config 'log.flush.interval.messages': out of range for type long");
});

test('JavaScript callers may pass numbers and booleans, not objects', () => {
  const loose = { 'num.partitions': 3, 'delete.topic.enable': false } as unknown as Record<string, string>;
  const c = broker(loose);
  assert.equal(c.numPartitions, 3);
  assert.equal(c.deleteTopicEnable, false);
  assert.equal(c.raw['num.partitions'], '3');
  assert.equal(brokerError({ 'num.partitions': {} } as unknown as Record<string, string>),
    "invalid value '[object Object]' for config 'num.partitions': must be given as text");
});

test('values parse as Kafka parses them: trimmed, booleans in any case', () => {
  const c = broker({ 'num.partitions': ' 3 ', 'auto.create.topics.enable': 'FALSE', 'log.cleanup.policy': 'compact , delete' });
  assert.equal(c.numPartitions, 3);
  assert.equal(c.autoCreateTopicsEnable, false);
  assert.deepEqual(c.logCleanupPolicy, ['compact', 'delete']);
});

test('listener.name.* and plugin prefixes pass through into raw', () => {
  const c = broker({ 'listener.name.internal.ssl.keystore.location': '/k', 'rsm.config.bucket': 'b' });
  assert.equal(c.raw['listener.name.internal.ssl.keystore.location'], '/k');
  assert.equal(c.raw['rsm.config.bucket'], 'b');
  assert.equal(brokerError({ 'listener.name.': 'x' }), "unknown config 'listener.name.'");
});

test('broker values that would make a bad topic default are rejected by their broker name', () => {
  assert.equal(brokerError({ 'log.flush.interval.ms': '-5' }),
    "invalid value '-5' for config 'log.flush.interval.ms': as flush.ms: must be at least 0");
  assert.equal(brokerError({ 'log.cleaner.min.compaction.lag.ms': '10', 'log.cleaner.max.compaction.lag.ms': '5' }),
    "invalid value '10' for config 'log.cleaner.min.compaction.lag.ms': must not exceed log.cleaner.max.compaction.lag.ms (5)");
});

test('KRaft settings: roles, node id, voters, controller listener', () => {
  assert.equal(brokerError({ 'process.roles': 'broker' }),
    "invalid value '' for config 'controller.quorum.voters': a broker-only node needs the voters to follow");
  assert.equal(brokerError({ 'process.roles': '' }), "invalid value '' for config 'process.roles': at least one role is needed");
  const observer = broker({
    'process.roles': 'broker', 'node.id': '4', 'controller.quorum.voters': '1@localhost:9093', 'controller.listener.names': 'CONTROLLER',
  });
  assert.deepEqual(observer.processRoles, ['broker']);
  assert.equal(brokerError({ 'process.roles': 'broker', 'node.id': '1', 'controller.quorum.voters': '1@localhost:9093', 'controller.listener.names': 'CONTROLLER' }),
    "invalid value '1@localhost:9093' for config 'controller.quorum.voters': node.id 1 is a voter but process.roles has no controller");
  assert.equal(brokerError({ 'node.id': '1', 'controller.quorum.voters': '1@localhost:9093' }),
    "invalid value '' for config 'controller.listener.names': must name the controller listener when controller.quorum.voters is set");
  assert.equal(brokerError({ 'node.id': '1', 'controller.quorum.voters': '1@localhost:9093', 'controller.listener.names': 'CONTROLLER' }),
    "invalid value 'CONTROLLER' for config 'controller.listener.names': listener CONTROLLER is not in listeners");
  const combined = broker({
    'node.id': '1', 'controller.quorum.voters': '1@localhost:9093', 'controller.listener.names': 'CONTROLLER',
    listeners: 'PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093',
  });
  assert.deepEqual(combined.controllerListenerNames, ['CONTROLLER']);
  assert.equal(brokerError({ 'process.roles': 'broker,worker' }),
    "invalid value 'broker,worker' for config 'process.roles': 'worker' is not one of [broker, controller]");
  assert.equal(broker({ 'process.roles': 'controller, broker' }).nodeId, 1);
  assert.equal(broker({ 'node.id': '7' }).nodeId, 7);
  assert.equal(broker({ 'broker.id': '4' }).nodeId, 4);
  assert.equal(brokerError({ 'node.id': '2', 'broker.id': '4' }), "invalid value '4' for config 'broker.id': must equal node.id (2)");
  assert.equal(brokerError({ 'node.id': '-1' }), "invalid value '-1' for config 'node.id': must be at least 0");
  assert.deepEqual(combined.controllerQuorumVoters, ['1@localhost:9093']);
  assert.equal(brokerError({ 'node.id': '1', 'controller.quorum.voters': '2@localhost:9093' }),
    "invalid value '2@localhost:9093' for config 'controller.quorum.voters': node.id 1 is a controller but not among the voters");
  assert.equal(brokerError({ 'controller.quorum.voters': 'localhost:9093' }),
    "invalid value 'localhost:9093' for config 'controller.quorum.voters': 'localhost:9093' is not id@host:port");
  assert.equal(brokerError({ 'controller.quorum.bootstrap.servers': 'localhost' }),
    "invalid value 'localhost' for config 'controller.quorum.bootstrap.servers': 'localhost' is not host:port");
});

test('listeners need a security protocol, a form, and a routable advertised host', () => {
  const c = broker({
    listeners: 'PLAINTEXT://:9092,CONTROLLER://:9093',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'advertised.listeners': 'PLAINTEXT://localhost:9092,CONTROLLER://localhost:9093',
  });
  assert.equal(c.listeners, 'PLAINTEXT://:9092,CONTROLLER://:9093');
  assert.deepEqual(c.controllerListenerNames, ['CONTROLLER']);
  assert.deepEqual(c.listenerSecurityProtocolMap, { CONTROLLER: 'PLAINTEXT', PLAINTEXT: 'PLAINTEXT' });
  assert.equal(c.interBrokerListenerName, 'PLAINTEXT');
  assert.equal(brokerError({ listeners: 'CONTROLLER://:9093' }),
    "invalid value 'CONTROLLER://:9093' for config 'listeners': listener CONTROLLER has no entry in listener.security.protocol.map");
  assert.equal(brokerError({ listeners: 'localhost:9092' }), "invalid value 'localhost:9092' for config 'listeners': 'localhost:9092' is not NAME://host:port");
  assert.equal(brokerError({ listeners: 'PLAINTEXT://:99999' }), "invalid value 'PLAINTEXT://:99999' for config 'listeners': 'PLAINTEXT://:99999' is not NAME://host:port");
  assert.equal(broker({ listeners: 'PLAINTEXT://[::1]:9092' }).listeners, 'PLAINTEXT://[::1]:9092');
  assert.equal(brokerError({ 'advertised.listeners': 'PLAINTEXT://0.0.0.0:9092' }),
    "invalid value 'PLAINTEXT://0.0.0.0:9092' for config 'advertised.listeners': PLAINTEXT advertises the non-routable address 0.0.0.0");
  assert.equal(brokerError({ 'listener.security.protocol.map': 'PLAINTEXT:TLS' }),
    "invalid value 'PLAINTEXT:TLS' for config 'listener.security.protocol.map': unknown security protocol 'TLS' (one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL)");
  assert.equal(brokerError({ 'inter.broker.listener.name': 'INTERNAL' }),
    "invalid value 'INTERNAL' for config 'inter.broker.listener.name': not one of the listeners");
});

test('a KRaft combined-mode server.properties in Kafka\'s usual shape resolves', () => {
  const text = [
    '# combined broker and controller',
    'process.roles=broker,controller',
    'node.id=1',
    'controller.quorum.bootstrap.servers=localhost:9093',
    'listeners=PLAINTEXT://:9092,CONTROLLER://:9093',
    'inter.broker.listener.name=PLAINTEXT',
    'advertised.listeners=PLAINTEXT://localhost:9092,CONTROLLER://localhost:9093',
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL',
    'num.network.threads=3', 'num.io.threads=8',
    'socket.send.buffer.bytes=102400', 'socket.receive.buffer.bytes=102400', 'socket.request.max.bytes=104857600',
    'log.dirs=/tmp/kraft-combined-logs', 'num.partitions=1', 'num.recovery.threads.per.data.dir=1',
    'offsets.topic.replication.factor=1', 'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1', 'transaction.state.log.replication.factor=1', 'transaction.state.log.min.isr=1',
    'log.retention.hours=168', 'log.segment.bytes=1073741824', 'log.retention.check.interval.ms=300000',
  ].join('\n');
  const c = broker(parseProperties(text));
  assert.deepEqual(c.logDirs, ['/tmp/kraft-combined-logs']);
  assert.equal(c.offsetsTopicReplicationFactor, 1);
  assert.deepEqual(c.controllerQuorumBootstrapServers, ['localhost:9093']);
});

// ---------------------------------------------------------------- properties

test('properties: separators, comments and blanks', () => {
  const text = [
    '# a comment',
    '! another comment',
    '',
    '   ',
    'a=1',
    'b:2',
    'c 3',
    '  d  =  4',
    'e\t:\t5',
    'f = x = y',
    'g=',
    'h',
    'i==j',
  ].join('\n');
  assert.deepEqual(parseProperties(text), { a: '1', b: '2', c: '3', d: '4', e: '5', f: 'x = y', g: '', h: '', i: '=j' });
});

test('properties: escapes, continuations, line endings', () => {
  assert.deepEqual(parseProperties('k\\=ey\\:x\\ y = v\\tw\\nx\\u0041\\\\\\q'), { 'k=ey:x y': 'v\tw\nxA\\q' });
  assert.deepEqual(parseProperties('list=a,\\\n    b,\\\n    c\nnext=1'), { list: 'a,b,c', next: '1' });
  assert.deepEqual(parseProperties('even=a\\\\\nodd=b'), { even: 'a\\', odd: 'b' });
  assert.deepEqual(parseProperties('# comment \\\nreal=1'), { real: '1' });
  assert.deepEqual(parseProperties('a=1\r\nb=2\rc=3\n'), { a: '1', b: '2', c: '3' });
  assert.deepEqual(parseProperties('\uFEFFa=1'), { a: '1' });
  assert.deepEqual(parseProperties('end=x\\'), { end: 'x' });
  assert.deepEqual(parseProperties('cont=x\\\n# not a comment'), { cont: 'x# not a comment' });
});

test('properties: trailing blanks dropped unless escaped, last duplicate wins, odd keys stay plain entries', () => {
  assert.deepEqual(parseProperties('listeners=PLAINTEXT://:9092  \t\nsp=a\\ \n'), { listeners: 'PLAINTEXT://:9092', sp: 'a ' });
  assert.deepEqual(parseProperties('a=1\na=2'), { a: '2' });
  const props = parseProperties('__proto__=x');
  assert.equal(Object.getPrototypeOf(props), Object.prototype);
  assert.deepEqual(Object.keys(props), ['__proto__']);
  assert.equal(brokerError(props), "unknown config '__proto__'");
});

test('properties: a malformed \\u escape throws with its line', () => {
  assert.throws(() => parseProperties('a=1\nb=\\u12x4'), (e: unknown) => e instanceof PropertiesSyntaxError && e.line === 2);
});

// ---------------------------------------------------------------- topics

test('topic overrides beat broker synonyms', () => {
  const b = broker({ 'log.retention.hours': '1', 'log.segment.bytes': '2097152', 'message.max.bytes': '2000' });
  const t = topicConfig(b, { 'retention.ms': '5000', 'cleanup.policy': 'compact,delete', 'message.timestamp.type': 'LogAppendTime' });
  assert.ok(t.ok);
  assert.equal(t.config.retentionMs, 5000);
  assert.equal(t.config.segmentBytes, 2097152);
  assert.equal(t.config.maxMessageBytes, 2000);
  assert.deepEqual(t.config.cleanupPolicy, ['compact', 'delete']);
  assert.equal(t.config.messageTimestampType, 'LogAppendTime');
  const small = topicConfig(b, { 'internal.segment.bytes': '1024' });
  assert.ok(small.ok);
  assert.equal(small.config.segmentBytes, 1024);
});

test('bad topic overrides fail with the config name', () => {
  const b = broker();
  assert.deepEqual(topicConfig(b, { 'retention.msec': '1' }), { ok: false, error: "unknown topic config 'retention.msec'", configName: 'retention.msec' });
  assert.deepEqual(topicConfig(b, { 'segment.bytes': '100' }),
    { ok: false, error: "invalid value '100' for config 'segment.bytes': must be at least 1048576", configName: 'segment.bytes' });
  assert.deepEqual(topicConfig(b, { 'retention.ms': '-2' }),
    { ok: false, error: "invalid value '-2' for config 'retention.ms': must be at least -1", configName: 'retention.ms' });
  assert.deepEqual(topicConfig(b, { 'min.compaction.lag.ms': '10', 'max.compaction.lag.ms': '5' }), {
    ok: false, error: "invalid value '10' for config 'min.compaction.lag.ms': must not exceed max.compaction.lag.ms (5)", configName: 'min.compaction.lag.ms',
  });
});

test('the compaction-lag rule names where each value came from', () => {
  const b = broker({ 'log.cleaner.max.compaction.lag.ms': '5' });
  assert.deepEqual(topicConfig(b, { 'min.compaction.lag.ms': '10' }), {
    ok: false,
    error: "invalid value '10' for config 'min.compaction.lag.ms': must not exceed log.cleaner.max.compaction.lag.ms (5)",
    configName: 'min.compaction.lag.ms',
  });
  assert.ok(topicConfig(b, { 'min.compaction.lag.ms': '10', 'max.compaction.lag.ms': '10' }).ok);
});

test('validateTopicConfigs answers INVALID_CONFIG (40) or null', () => {
  assert.equal(validateTopicConfigs({}), null);
  assert.equal(validateTopicConfigs({ 'cleanup.policy': 'compact', 'retention.ms': '-1', 'min.cleanable.dirty.ratio': '0.1' }), null);
  assert.deepEqual(validateTopicConfigs({ 'log.retention.ms': '1' }),
    { errorCode: 40, errorMessage: "unknown topic config 'log.retention.ms'", configName: 'log.retention.ms' });
  assert.deepEqual(validateTopicConfigs({ 'min.cleanable.dirty.ratio': '1.5' }),
    { errorCode: 40, errorMessage: "invalid value '1.5' for config 'min.cleanable.dirty.ratio': must be between 0 and 1", configName: 'min.cleanable.dirty.ratio' });
  assert.deepEqual(validateTopicConfigs({ 'compression.gzip.level': '0' }), {
    errorCode: 40, errorMessage: "invalid value '0' for config 'compression.gzip.level': must be between 1 and 9 or -1", configName: 'compression.gzip.level',
  });
  assert.equal(validateTopicConfigs({ 'compression.gzip.level': '-1' }), null);
});

// ---------------------------------------------------------------- describe

test('ConfigSource and ConfigType carry Kafka\'s numbers', () => {
  assert.deepEqual(ConfigSource, {
    UNKNOWN: 0, TOPIC_CONFIG: 1, DYNAMIC_BROKER_CONFIG: 2, DYNAMIC_DEFAULT_BROKER_CONFIG: 3, STATIC_BROKER_CONFIG: 4,
    DEFAULT_CONFIG: 5, DYNAMIC_BROKER_LOGGER_CONFIG: 6, CLIENT_METRICS_CONFIG: 7, GROUP_CONFIG: 8,
  });
  assert.deepEqual(ConfigType, { UNKNOWN: 0, BOOLEAN: 1, STRING: 2, INT: 3, SHORT: 4, LONG: 5, DOUBLE: 6, LIST: 7, CLASS: 8, PASSWORD: 9 });
});

test('topic synonyms: override, then broker synonyms set, then defaults, in Kafka\'s order', () => {
  const b = broker({ 'log.retention.ms': '7000', 'log.retention.minutes': '5' });
  const d = describeTopicConfig('retention.ms', b, { 'retention.ms': ' 1000' })!;
  assert.equal(d.value, '1000');
  assert.equal(d.source, ConfigSource.TOPIC_CONFIG);
  assert.equal(d.readOnly, false);
  assert.equal(d.isSensitive, false);
  assert.equal(d.configType, ConfigType.LONG);
  assert.deepEqual(d.synonyms, [
    { name: 'retention.ms', value: '1000', source: ConfigSource.TOPIC_CONFIG },
    { name: 'log.retention.ms', value: '7000', source: ConfigSource.STATIC_BROKER_CONFIG },
    { name: 'log.retention.minutes', value: '5', source: ConfigSource.STATIC_BROKER_CONFIG },
    { name: 'log.retention.hours', value: '168', source: ConfigSource.DEFAULT_CONFIG },
  ]);
  const fromBroker = describeTopicConfig('retention.ms', b, {})!;
  assert.equal(fromBroker.value, '7000');
  assert.equal(fromBroker.source, ConfigSource.STATIC_BROKER_CONFIG);
  assert.equal(fromBroker.synonyms.length, 3);
});

test('topic configs nobody set report the default and where it comes from', () => {
  const b = broker();
  const retention = describeTopicConfig('retention.ms', b, {})!;
  assert.equal(retention.value, String(WEEK_MS));
  assert.equal(retention.source, ConfigSource.DEFAULT_CONFIG);
  assert.deepEqual(retention.synonyms, [{ name: 'log.retention.hours', value: '168', source: ConfigSource.DEFAULT_CONFIG }]);
  const flush = describeTopicConfig('flush.ms', b, {})!;
  assert.equal(flush.value, LONG_MAX_TEXT);
  assert.deepEqual(flush.synonyms, [{ name: 'log.flush.scheduler.interval.ms', value: LONG_MAX_TEXT, source: ConfigSource.DEFAULT_CONFIG }]);
  const ratio = describeTopicConfig('min.cleanable.dirty.ratio', b, {})!;
  assert.equal(ratio.value, '0.5');
  assert.equal(ratio.configType, ConfigType.DOUBLE);
  assert.equal(describeTopicConfig('preallocate', b, { preallocate: 'TRUE' })!.value, 'true');
  assert.equal(describeTopicConfig('cleanup.policy', b, { 'cleanup.policy': 'compact , delete' })!.value, 'compact,delete');
  assert.equal(describeTopicConfig('cleanup.policy', b, {})!.configType, ConfigType.LIST);
  assert.equal(describeTopicConfig('no.such.config', b, {}), null);
});

test('describeTopicConfigs lists every public topic config, or the ones asked for', () => {
  const b = broker();
  const all = describeTopicConfigs(b, {});
  assert.equal(all.length, TOPIC_CONFIGS.filter((d) => d.internal !== true).length);
  assert.ok(!all.some((e) => e.name === 'internal.segment.bytes'));
  assert.deepEqual(describeTopicConfigs(b, {}, ['segment.ms', 'bogus', 'cleanup.policy']).map((e) => e.name), ['cleanup.policy', 'segment.ms']);
});

test('broker entries: value of that key, static then default synonyms from the key on, read-only by update mode', () => {
  const b = broker({ 'log.retention.hours': '24', 'num.partitions': '3', 'ssl.keystore.password': 'secret' });
  const ms = describeBrokerConfig('log.retention.ms', b)!;
  assert.equal(ms.value, null);
  assert.equal(ms.source, ConfigSource.DEFAULT_CONFIG);
  assert.deepEqual(ms.synonyms, []);
  assert.equal(ms.readOnly, false);
  const hours = describeBrokerConfig('log.retention.hours', b)!;
  assert.equal(hours.value, '24');
  assert.equal(hours.source, ConfigSource.STATIC_BROKER_CONFIG);
  assert.equal(hours.readOnly, true);
  assert.deepEqual(hours.synonyms, [
    { name: 'log.retention.hours', value: '24', source: ConfigSource.STATIC_BROKER_CONFIG },
    { name: 'log.retention.hours', value: '168', source: ConfigSource.DEFAULT_CONFIG },
  ]);
  const partitions = describeBrokerConfig('num.partitions', b)!;
  assert.equal(partitions.value, '3');
  assert.equal(partitions.configType, ConfigType.INT);
  const password = describeBrokerConfig('ssl.keystore.password', b)!;
  assert.equal(password.value, null);
  assert.equal(password.isSensitive, true);
  assert.equal(password.configType, ConfigType.PASSWORD);
  assert.deepEqual(password.synonyms, [{ name: 'ssl.keystore.password', value: null, source: ConfigSource.STATIC_BROKER_CONFIG }]);
  assert.equal(describeBrokerConfig('listeners', b)!.value, 'PLAINTEXT://127.0.0.1:9092');
  assert.equal(describeBrokerConfig('listeners', b)!.source, ConfigSource.DEFAULT_CONFIG);
  assert.equal(describeBrokerConfig('nope', b), null);
  assert.equal(describeBrokerConfigs(b).length, BROKER_CONFIGS.length);
});

// ---------------------------------------------------------------- values

test('parseValue and canonicalText keep longs exact and print like Kafka', () => {
  const flush = topicConfigDef('flush.messages')!;
  assert.deepEqual(parseValue(flush, LONG_MAX_TEXT), { ok: true, value: NEVER });
  assert.equal(canonicalText(flush, ` +${LONG_MAX_TEXT} `), LONG_MAX_TEXT);
  assert.deepEqual(parseValue(flush, '0'), { ok: false, error: 'must be at least 1' });
  const ratio = topicConfigDef('min.cleanable.dirty.ratio')!;
  assert.equal(canonicalText(ratio, '1'), '1.0');
  assert.equal(canonicalText(ratio, '.25'), '0.25');
  assert.deepEqual(parseValue(ratio, 'NaN'), { ok: false, error: 'not a number' });
  assert.deepEqual(parseValue(brokerConfigDef('offsets.topic.replication.factor')!, '40000'), { ok: false, error: 'out of range for type short' });
  assert.deepEqual(parseValue(topicConfigDef('compression.zstd.level')!, '-131072'), { ok: true, value: -131072 });
  assert.deepEqual(parseValue(topicConfigDef('cleanup.policy')!, ''), { ok: true, value: [] });
  assert.deepEqual(parseValue(topicConfigDef('cleanup.policy')!, 'delete,,compact'), { ok: false, error: 'a list element is empty' });
});
