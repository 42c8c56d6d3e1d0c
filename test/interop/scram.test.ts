/**
 * SASL/SCRAM end to end: credentials created through the admin API (as
 * kafka-configs.sh does) are kept in the metadata log, and clients log in
 * with them on a SASL_PLAINTEXT and a SASL_SSL listener — kcat (librdkafka
 * 2.0.2, which repeats its nonce in the final message), KafkaJS and Samsa's
 * client, with SCRAM-SHA-256 and SCRAM-SHA-512. A wrong password, an
 * unknown user and a deleted credential are refused.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker, type RunningBroker } from '../../src/index.ts';
import { Admin, Cluster, ScramAdmin } from '../../src/client/index.ts';
import { makeTestCerts, type TestCerts } from '../helpers/certs.ts';
import { killAllChildren, run, type RunResult } from '../helpers/processes.ts';

const KCAT_TIMEOUTS = ['-m', '5', '-X', 'message.timeout.ms=5000', '-X', 'socket.timeout.ms=5000', '-X', 'fetch.wait.max.ms=100'];

let certs: TestCerts;
let broker: RunningBroker;
const clusters: Cluster[] = [];

function bootstrapOf(name: string): string {
  const l = broker.listeners.find((x) => x.name === name);
  assert.ok(l, `listener ${name}`);
  return `${l.host}:${l.port}`;
}

function cluster(bootstrap: string, extra: Record<string, unknown> = {}): Cluster {
  const c = new Cluster({ bootstrapServers: [bootstrap], clientId: 'scram-test', requestTimeoutMs: 5000, ...extra });
  clusters.push(c);
  return c;
}

before(async () => {
  certs = makeTestCerts();
  broker = await startBroker({
    port: 0,
    config: {
      listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0',
      'ssl.keystore.type': 'PEM', 'ssl.keystore.location': certs.serverStore,
      'sasl.enabled.mechanisms': 'SCRAM-SHA-256,SCRAM-SHA-512',
    },
  });
  // The admin listener stays PLAINTEXT: credentials are made there, as an operator would on a trusted listener.
  const results = await new ScramAdmin(cluster(bootstrapOf('PLAINTEXT'))).alterUserScramCredentials([
    { kind: 'upsert', user: 'alice', mechanism: 'SCRAM-SHA-256', password: 'alice-secret', iterations: 4096 },
    { kind: 'upsert', user: 'bob', mechanism: 'SCRAM-SHA-512', password: 'bob-secret', iterations: 8192 },
  ]);
  assert.deepEqual(results.map((r) => r.errorCode), [0, 0]);
  await new Admin(cluster(bootstrapOf('PLAINTEXT'))).createTopics([{ name: 'scram-t', partitions: 1 }]);
});

after(async () => {
  killAllChildren();
  for (const c of clusters) await c.close().catch(() => undefined);
  await broker?.stop();
  certs?.remove();
});

function kcat(bootstrap: string, security: string[], args: string[], input?: string): Promise<RunResult> {
  return run('kcat', ['-b', bootstrap, ...KCAT_TIMEOUTS, ...security, ...args], { input, timeoutMs: 20_000 });
}

const kcatScram = (protocol: 'sasl_plaintext' | 'sasl_ssl', mechanism: string, user: string, password: string): string[] => [
  '-X', `security.protocol=${protocol}`, '-X', `sasl.mechanisms=${mechanism}`, '-X', `sasl.username=${user}`, '-X', `sasl.password=${password}`,
  ...(protocol === 'sasl_ssl' ? ['-X', `ssl.ca.location=${certs.caFile}`] : []),
];

test('kcat (librdkafka 2.0.2) logs in with SCRAM-SHA-256 and SCRAM-SHA-512 over SASL_PLAINTEXT and SASL_SSL', { timeout: 60_000 }, async () => {
  const cases: [string, 'sasl_plaintext' | 'sasl_ssl', string, string, string][] = [
    ['SASL_PLAINTEXT', 'sasl_plaintext', 'SCRAM-SHA-256', 'alice', 'alice-secret'],
    ['SASL_SSL', 'sasl_ssl', 'SCRAM-SHA-512', 'bob', 'bob-secret'],
  ];
  for (const [listener, protocol, mechanism, user, password] of cases) {
    const produced = await kcat(bootstrapOf(listener), kcatScram(protocol, mechanism, user, password), ['-P', '-t', 'scram-t'], `${user}-line\n`);
    assert.equal(produced.code, 0, `${listener} ${mechanism}: ${produced.stderr}`);
  }
  const read = await kcat(bootstrapOf('SASL_PLAINTEXT'), kcatScram('sasl_plaintext', 'SCRAM-SHA-256', 'alice', 'alice-secret'), ['-C', '-t', 'scram-t', '-o', 'beginning', '-e']);
  assert.equal(read.code, 0, read.stderr);
  assert.deepEqual(read.stdout.trim().split('\n').sort(), ['alice-line', 'bob-line']);
  const wrong = await kcat(bootstrapOf('SASL_PLAINTEXT'), kcatScram('sasl_plaintext', 'SCRAM-SHA-256', 'alice', 'nope'), ['-L']);
  assert.notEqual(wrong.code, 0);
  assert.match(wrong.stderr, /Authentication failed|SASL authentication error/i);
  // alice's credential is SHA-256 only: SHA-512 does not know her.
  const otherMechanism = await kcat(bootstrapOf('SASL_PLAINTEXT'), kcatScram('sasl_plaintext', 'SCRAM-SHA-512', 'alice', 'alice-secret'), ['-L']);
  assert.notEqual(otherMechanism.code, 0);
});

test('KafkaJS and Samsa\'s client log in with SCRAM; a deleted credential stops working', { timeout: 60_000 }, async () => {
  const kafka = new Kafka({
    clientId: 'scram-kjs', brokers: [bootstrapOf('SASL_PLAINTEXT')], logLevel: logLevel.NOTHING, retry: { retries: 0 },
    sasl: { mechanism: 'scram-sha-512', username: 'bob', password: 'bob-secret' },
  });
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: 'scram-t', messages: [{ value: 'from-kafkajs' }] });
  await producer.disconnect();
  const bad = new Kafka({
    clientId: 'scram-kjs-bad', brokers: [bootstrapOf('SASL_PLAINTEXT')], logLevel: logLevel.NOTHING, retry: { retries: 0 },
    sasl: { mechanism: 'scram-sha-512', username: 'bob', password: 'wrong' },
  }).producer();
  await assert.rejects(bad.connect(), /SASL|authentication/i);

  const samsa = cluster(bootstrapOf('SASL_SSL'), {
    ssl: { ca: certs.caPem }, sasl: { mechanism: 'SCRAM-SHA-256', username: 'alice', password: 'alice-secret' },
  });
  const topics = await new Admin(samsa).listTopics();
  assert.ok(topics.some((t) => t.name === 'scram-t'));

  const removed = await new ScramAdmin(cluster(bootstrapOf('PLAINTEXT'))).alterUserScramCredentials([{ kind: 'delete', user: 'alice', mechanism: 'SCRAM-SHA-256' }]);
  assert.deepEqual(removed.map((r) => r.errorCode), [0]);
  const after = await kcat(bootstrapOf('SASL_PLAINTEXT'), kcatScram('sasl_plaintext', 'SCRAM-SHA-256', 'alice', 'alice-secret'), ['-L']);
  assert.notEqual(after.code, 0, 'a deleted credential no longer logs in');
});
