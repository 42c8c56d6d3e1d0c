/**
 * TLS and SASL/PLAIN with third-party clients against one Samsa node that
 * listens on PLAINTEXT, SSL, SASL_PLAINTEXT and SASL_SSL at once (and a
 * second node whose SSL listener requires client certificates): kcat and
 * Python confluent-kafka (librdkafka) and KafkaJS produce and consume over
 * each protocol, see the endpoints of the listener they came in on, and are
 * refused with a wrong password or without a certificate.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import { startBroker, type RunningBroker } from '../../src/index.ts';
import { makeTestCerts, type TestCerts } from '../helpers/certs.ts';
import { kafkaTool, killAllChildren, run, type RunResult } from '../helpers/processes.ts';

const JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required '
  + 'username="admin" password="admin-secret" user_admin="admin-secret" user_alice="alice-secret";';
const KCAT_TIMEOUTS = ['-m', '5', '-X', 'message.timeout.ms=5000', '-X', 'socket.timeout.ms=5000', '-X', 'fetch.wait.max.ms=100'];

let certs: TestCerts;
let broker: RunningBroker;
let mtls: RunningBroker;

function bootstrapOf(b: RunningBroker, name: string): string {
  const l = b.listeners.find((x) => x.name === name);
  assert.ok(l, `listener ${name}`);
  return `${l.host}:${l.port}`;
}

before(async () => {
  certs = makeTestCerts();
  broker = await startBroker({
    port: 0,
    config: {
      listeners: 'PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0',
      'ssl.keystore.type': 'PEM', 'ssl.keystore.location': certs.serverStore,
      'sasl.enabled.mechanisms': 'PLAIN',
      'listener.name.sasl_plaintext.plain.sasl.jaas.config': JAAS,
      'listener.name.sasl_ssl.plain.sasl.jaas.config': JAAS,
    },
  });
  mtls = await startBroker({
    port: 0,
    config: {
      listeners: 'SSL://127.0.0.1:0',
      'ssl.keystore.type': 'PEM', 'ssl.keystore.location': certs.serverStore,
      'ssl.truststore.type': 'PEM', 'ssl.truststore.location': certs.caFile,
      'ssl.client.auth': 'required',
    },
  });
});

after(async () => {
  killAllChildren();
  await broker?.stop();
  await mtls?.stop();
  certs?.remove();
});

function kcat(bootstrap: string, security: string[], args: string[], input?: string): Promise<RunResult> {
  return run('kcat', ['-b', bootstrap, ...KCAT_TIMEOUTS, ...security, ...args], { input, timeoutMs: 20_000 });
}

const kcatSsl = (): string[] => ['-X', 'security.protocol=ssl', '-X', `ssl.ca.location=${certs.caFile}`];
const kcatSasl = (protocol: string, password: string): string[] => [
  '-X', `security.protocol=${protocol}`, '-X', 'sasl.mechanisms=PLAIN', '-X', 'sasl.username=alice', '-X', `sasl.password=${password}`,
  ...(protocol === 'sasl_ssl' ? ['-X', `ssl.ca.location=${certs.caFile}`] : []),
];

test('kcat: produce and consume over SSL, SASL_SSL and SASL_PLAINTEXT; metadata lists the listener\'s own port', async () => {
  const cases: [string, string[]][] = [
    ['SSL', kcatSsl()],
    ['SASL_SSL', kcatSasl('sasl_ssl', 'alice-secret')],
    ['SASL_PLAINTEXT', kcatSasl('sasl_plaintext', 'alice-secret')],
  ];
  for (const [name, security] of cases) {
    const topic = `kcat-${name.toLowerCase()}`;
    const bootstrap = bootstrapOf(broker, name);
    const produced = await kcat(bootstrap, security, ['-P', '-t', topic], 'one\ntwo\nthree\n');
    assert.equal(produced.code, 0, `${name}: ${produced.stderr}`);
    const consumed = await kcat(bootstrap, security, ['-C', '-t', topic, '-o', 'beginning', '-e', '-q']);
    assert.equal(consumed.code, 0, `${name}: ${consumed.stderr}`);
    assert.deepEqual(consumed.stdout.trim().split('\n'), ['one', 'two', 'three'], name);
    const listed = await kcat(bootstrap, security, ['-L', '-J']);
    assert.equal(listed.code, 0, listed.stderr);
    const md = JSON.parse(listed.stdout) as { brokers: { id: number; name: string }[] };
    assert.deepEqual(md.brokers.map((b) => b.name), [bootstrap], name);
  }
});

test('kcat: a wrong SASL password and a missing client certificate are refused', async () => {
  const wrong = await kcat(bootstrapOf(broker, 'SASL_SSL'), kcatSasl('sasl_ssl', 'wrong'), ['-L']);
  assert.notEqual(wrong.code, 0);
  assert.match(wrong.stderr, /Authentication failed|SASL authentication error/i);
  const mtlsBootstrap = bootstrapOf(mtls, 'SSL');
  const withoutCert = await kcat(mtlsBootstrap, kcatSsl(), ['-L']);
  assert.notEqual(withoutCert.code, 0);
  const withCert = await kcat(mtlsBootstrap, [...kcatSsl(), '-X', `ssl.certificate.location=${certs.clientCertFile}`, '-X', `ssl.key.location=${certs.clientKeyFile}`], ['-L', '-J']);
  assert.equal(withCert.code, 0, withCert.stderr);
});

test('confluent-kafka (Python): SSL and SASL_PLAINTEXT produce and consume; a wrong password fails', async () => {
  const configs: [string, Record<string, string>][] = [
    ['SSL', { 'security.protocol': 'SSL', 'ssl.ca.location': certs.caFile }],
    ['SASL_PLAINTEXT', { 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanism': 'PLAIN', 'sasl.username': 'alice', 'sasl.password': 'alice-secret' }],
  ];
  for (const [name, config] of configs) {
    const bootstrap = bootstrapOf(broker, name);
    const topic = `py-${name.toLowerCase()}`;
    const created = await kafkaTool<{ results: Record<string, unknown> }>({ op: 'create_topics', bootstrap, config, topics: [{ name: topic }] });
    assert.equal(created.results[topic], null, JSON.stringify(created));
    const md = await kafkaTool<{ brokers: Record<string, { host: string; port: number }> }>({ op: 'list_topics', bootstrap, config });
    assert.deepEqual(Object.values(md.brokers).map((b) => `${b.host}:${b.port}`), [bootstrap]);
    const hex = (s: string): string => Buffer.from(s).toString('hex');
    const produced = await kafkaTool<{ deliveries: { error: unknown }[] }>({
      op: 'produce', bootstrap, config, messages: [{ topic, value: hex('a') }, { topic, value: hex('b') }],
    });
    assert.deepEqual(produced.deliveries.map((d) => d.error), [null, null]);
    const consumed = await kafkaTool<{ messages: { value: string }[] }>({ op: 'consume', bootstrap, config, assign: [{ topic, partition: 0 }] });
    assert.deepEqual(consumed.messages.map((m) => Buffer.from(m.value, 'hex').toString()), ['a', 'b']);
  }
  const refused = await kafkaTool<{ results: Record<string, { name: string; str: string } | null> }>({
    op: 'create_topics', bootstrap: bootstrapOf(broker, 'SASL_PLAINTEXT'),
    config: { 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanism': 'PLAIN', 'sasl.username': 'alice', 'sasl.password': 'wrong' },
    topics: [{ name: 'never' }],
  });
  assert.notEqual(refused.results.never, null);
});

function kafkajs(name: string, extra: Partial<KafkaConfig>): Kafka {
  return new Kafka({ clientId: 'security-test', brokers: [bootstrapOf(broker, name)], logLevel: logLevel.NOTHING, retry: { retries: 0 }, ...extra });
}

test('KafkaJS: SASL_SSL with PLAIN produces and consumes; a wrong password is a SASL authentication error', async () => {
  const kafka = kafkajs('SASL_SSL', { ssl: { ca: [certs.caPem] }, sasl: { mechanism: 'plain', username: 'alice', password: 'alice-secret' } });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'kafkajs-secure', numPartitions: 1 }], waitForLeaders: true });
  const cluster = await admin.describeCluster();
  assert.deepEqual(cluster.brokers.map((b) => `${b.host}:${b.port}`), [bootstrapOf(broker, 'SASL_SSL')]);
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: 'kafkajs-secure', messages: [{ value: 'x' }, { value: 'y' }] });
  await producer.disconnect();
  const consumer = kafka.consumer({ groupId: 'secure-group', maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic: 'kafkajs-secure', fromBeginning: true });
  const got: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${got.length} messages`)), 20_000);
    void consumer.run({
      eachMessage: async ({ message }) => {
        got.push(message.value!.toString());
        if (got.length === 2) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  assert.deepEqual(got, ['x', 'y']);

  const wrong = kafkajs('SASL_SSL', { ssl: { ca: [certs.caPem] }, sasl: { mechanism: 'plain', username: 'alice', password: 'wrong' } }).admin();
  await assert.rejects(wrong.connect(), (e: Error) => {
    assert.match(`${e.name} ${e.message}`, /SASL|Authentication/i);
    return true;
  });
});

test('KafkaJS: SSL with a CA, and mutual TLS with a client certificate', async () => {
  const admin = kafkajs('SSL', { ssl: { ca: [certs.caPem] } }).admin();
  await admin.connect();
  const cluster = await admin.describeCluster();
  assert.deepEqual(cluster.brokers.map((b) => b.port), [Number(bootstrapOf(broker, 'SSL').split(':')[1])]);
  await admin.disconnect();
  const mutual = new Kafka({
    clientId: 'mtls', brokers: [bootstrapOf(mtls, 'SSL')], logLevel: logLevel.NOTHING, retry: { retries: 0 },
    ssl: { ca: [certs.caPem], cert: certs.clientCertPem, key: certs.clientKeyPem },
  }).admin();
  await mutual.connect();
  assert.equal((await mutual.describeCluster()).brokers.length, 1);
  await mutual.disconnect();
});
