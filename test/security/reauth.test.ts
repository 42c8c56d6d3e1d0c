/**
 * SASL re-authentication (KIP-368) with `connections.max.reauth.ms`: the
 * session lifetime answered in SaslAuthenticate v1+, Samsa's client
 * re-authenticating on its live connections while it produces and consumes,
 * KafkaJS (which implements KIP-368) doing the same, a connection that does
 * not re-authenticate closed on its first request after the session expired, a change of principal or mechanism refused, and
 * librdkafka 2.0.2 (no KIP-368) disconnected and carrying on through its
 * reconnects, as against Kafka; an OAUTHBEARER session lasting as long as
 * its token. One broker: SCRAM-SHA-256 sessions last
 * 1500 ms, PLAIN ones 1200 ms (the per-listener, per-mechanism override).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker, type RunningBroker } from '../../src/index.ts';
import { Admin, Cluster, Consumer, Producer, ScramAdmin, type ConsumerRecord } from '../../src/client/index.ts';
import { ApiKey, ErrorCode, messages, sasl } from '../../src/protocol/index.ts';
import { RawConnection } from '../helpers/raw-connection.ts';
import { kafkaTool, killAllChildren } from '../helpers/processes.ts';
import { until } from '../helpers/until.ts';
import { listenerPort } from '../helpers/broker.ts';

const SCRAM_LIFETIME_MS = 1500;
const PLAIN_LIFETIME_MS = 1200;

let broker: RunningBroker;
const lines: string[] = [];
const clusters: Cluster[] = [];

const portOf = (name: string): number => listenerPort(broker, name);

function cluster(listener: string, extra: Record<string, unknown> = {}): Cluster {
  const c = new Cluster({ bootstrapServers: [`127.0.0.1:${portOf(listener)}`], clientId: 'reauth-test', requestTimeoutMs: 5000, ...extra });
  clusters.push(c);
  return c;
}

const reauthLines = (who: RegExp): string[] => lines.filter((l) => /SASL re-authentication of .* succeeded/.test(l) && who.test(l));
const expiredLines = (): string[] => lines.filter((l) => /SASL session for .* expired/.test(l));

before(async () => {
  broker = await startBroker({
    port: 0,
    log: (line) => lines.push(line),
    config: {
      listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
      'sasl.enabled.mechanisms': 'SCRAM-SHA-256,PLAIN,OAUTHBEARER',
      // OAUTHBEARER sessions: no connections.max.reauth.ms of their own, so the token's expiry alone sets the lifetime.
      'listener.name.sasl_plaintext.oauthbearer.connections.max.reauth.ms': '0',
      'listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config': 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;',
      'listener.name.sasl_plaintext.plain.sasl.jaas.config':
        'org.apache.kafka.common.security.plain.PlainLoginModule required user_carol="carol-secret" user_dave="dave-secret";',
      'connections.max.reauth.ms': String(SCRAM_LIFETIME_MS),
      'listener.name.sasl_plaintext.plain.connections.max.reauth.ms': String(PLAIN_LIFETIME_MS),
    },
  });
  const admin = cluster('PLAINTEXT');
  const results = await new ScramAdmin(admin).alterUserScramCredentials([
    { kind: 'upsert', user: 'alice', mechanism: 'SCRAM-SHA-256', password: 'alice-secret', iterations: 4096 },
  ]);
  assert.deepEqual(results.map((r) => r.errorCode), [0]);
  await new Admin(admin).createTopics([{ name: 'reauth-samsa', partitions: 1 }, { name: 'reauth-rdkafka', partitions: 1 }]);
});

after(async () => {
  killAllChildren();
  for (const c of clusters) await c.close().catch(() => undefined);
  await broker?.stop();
});

const plainToken = (user: string, password: string): Buffer => Buffer.from(`\0${user}\0${password}`);
const metadataRequest = { ...messages.MetadataRequest.defaults(), topics: [] };

/** SaslHandshake v1 + SaslAuthenticate v1 with PLAIN; answers the SaslAuthenticate response. */
async function plainLogin(c: RawConnection, user: string, password: string): Promise<messages.SaslAuthenticateResponse> {
  c.send(
    c.request(ApiKey.SaslHandshake, 1, { ...messages.SaslHandshakeRequest.defaults(), mechanism: 'PLAIN' }),
    c.request(ApiKey.SaslAuthenticate, 1, { ...messages.SaslAuthenticateRequest.defaults(), authBytes: plainToken(user, password) }),
  );
  assert.equal((await c.answer(messages.SaslHandshakeResponse, 1)).errorCode, ErrorCode.NONE);
  return c.answer(messages.SaslAuthenticateResponse, 1);
}

test('Samsa\'s client re-authenticates on its live connections and keeps producing and consuming across several session lifetimes', { timeout: 30_000 }, async () => {
  const c = cluster('SASL_PLAINTEXT', { sasl: { mechanism: 'SCRAM-SHA-256', username: 'alice', password: 'alice-secret' } });
  const producer = new Producer(c);
  const consumer = new Consumer(c);
  consumer.assign([{ topic: 'reauth-samsa', partition: 0, offset: 0n }]);
  const consumed: ConsumerRecord[] = [];
  let sent = 0;
  const expiredBefore = expiredLines().length;
  // One record per poll of the wait, until one connection has re-authenticated three times (three lifetimes and more).
  const where = await until('a connection of Samsa\'s client to re-authenticate three times', async () => {
    await producer.send({ topic: 'reauth-samsa', partition: 0, value: Buffer.from(`v${sent}`) });
    sent++;
    consumed.push(...await consumer.poll(50));
    const counts = new Map<string, number>();
    for (const l of reauthLines(/as User:alice with SCRAM-SHA-256/)) {
      const at = /re-authentication of (\S+ on \S+)/.exec(l)![1]!;
      counts.set(at, (counts.get(at) ?? 0) + 1);
    }
    return [...counts].find(([, n]) => n >= 3)?.[0];
  }, { timeoutMs: 20_000, intervalMs: 100, context: () => lines.slice(-20).join('\n') });
  assert.match(where, /on SASL_PLAINTEXT$/);
  assert.match(reauthLines(/as User:alice/)[0]!, new RegExp(`session lifetime ${SCRAM_LIFETIME_MS} ms`));
  await until('every record to be consumed', async () => {
    consumed.push(...await consumer.poll(50));
    return consumed.length >= sent;
  }, { timeoutMs: 10_000 });
  assert.deepEqual(consumed.map((r) => r.value?.toString()), Array.from({ length: sent }, (_, i) => `v${i}`));
  assert.equal(expiredLines().length, expiredBefore, `no connection of Samsa's client expired: ${expiredLines().join('\n')}`);
  await producer.close();
  await consumer.close();
});

/** Re-authentication lines by connection (`<address> on <listener>`). */
function reauthsByConnection(who: RegExp): Map<string, number> {
  const counts = new Map<string, number>();
  for (const l of reauthLines(who)) {
    const at = /re-authentication of (\S+ on \S+)/.exec(l)![1]!;
    counts.set(at, (counts.get(at) ?? 0) + 1);
  }
  return counts;
}

test('KafkaJS (KIP-368 with reauthenticationThreshold) re-authenticates on its connection and keeps producing', { timeout: 30_000 }, async () => {
  const before = reauthsByConnection(/as User:alice/);
  const expiredBefore = expiredLines().length;
  const kafka = new Kafka({
    clientId: 'reauth-kjs', brokers: [`127.0.0.1:${portOf('SASL_PLAINTEXT')}`], logLevel: logLevel.NOTHING, retry: { retries: 0 },
    sasl: { mechanism: 'scram-sha-256', username: 'alice', password: 'alice-secret' },
    // Re-authenticate once less than this much of the session is left: KafkaJS's default, 10 s, exceeds the test's
    // lifetime, and re-authenticating sooner than a second after the last one is refused (ILLEGAL_SASL_STATE), as by Kafka.
    reauthenticationThreshold: 400,
  });
  const producer = kafka.producer();
  await producer.connect();
  let sent = 0;
  try {
    await until('a KafkaJS connection to re-authenticate three times', async () => {
      await producer.send({ topic: 'reauth-samsa', messages: [{ value: `kjs${sent++}` }] });
      const now = reauthsByConnection(/as User:alice/);
      return [...now].find(([at, n]) => !before.has(at) && n >= 3)?.[0];
    }, { timeoutMs: 20_000, intervalMs: 100, context: () => lines.slice(-20).join('\n') });
  } finally {
    await producer.disconnect();
  }
  assert.equal(expiredLines().length, expiredBefore, `no KafkaJS connection expired: ${expiredLines().join('\n')}`);
});

const shortToken = (sub: string, lifetimeSeconds: number): string =>
  sasl.oauthbearer.unsecuredLogin(new Map([['unsecuredLoginStringClaim_sub', sub], ['unsecuredLoginLifetimeSeconds', String(lifetimeSeconds)]]), Date.now()).token;

test('OAUTHBEARER: the token\'s expiry is the session lifetime; Samsa\'s client re-authenticates with a fresh token before it', { timeout: 20_000 }, async () => {
  const c = await RawConnection.open(portOf('SASL_PLAINTEXT'));
  c.send(
    c.request(ApiKey.SaslHandshake, 1, { ...messages.SaslHandshakeRequest.defaults(), mechanism: 'OAUTHBEARER' }),
    c.request(ApiKey.SaslAuthenticate, 1, {
      ...messages.SaslAuthenticateRequest.defaults(), authBytes: sasl.oauthbearer.formatClientInitialResponse(shortToken('erin', 2)),
    }),
  );
  assert.equal((await c.answer(messages.SaslHandshakeResponse, 1)).errorCode, ErrorCode.NONE);
  const auth = await c.answer(messages.SaslAuthenticateResponse, 1);
  assert.equal(auth.errorCode, ErrorCode.NONE, auth.errorMessage ?? '');
  // The token expires 2 s after it was made (JWT times are whole seconds): not the broker-wide 1500 ms.
  assert.ok(auth.sessionLifetimeMs > 1500n && auth.sessionLifetimeMs <= 2000n, `lifetime ${auth.sessionLifetimeMs}`);
  c.destroy();

  const before = reauthsByConnection(/as User:erin with OAUTHBEARER/);
  assert.equal(before.size, 0);
  const client = cluster('SASL_PLAINTEXT', { sasl: { mechanism: 'OAUTHBEARER', token: () => shortToken('erin', 2) } });
  await until('a connection of Samsa\'s client to re-authenticate twice with fresh tokens', async () => {
    await client.refreshMetadata([]);
    return [...reauthsByConnection(/as User:erin with OAUTHBEARER/).values()].some((n) => n >= 2);
  }, { timeoutMs: 15_000, intervalMs: 100, context: () => lines.slice(-10).join('\n') });
  assert.ok(!expiredLines().some((l) => /User:erin/.test(l)), expiredLines().join('\n'));
});

test('a connection that does not re-authenticate is answered until its session expires, then closed on its next request', { timeout: 15_000 }, async () => {
  const c = await RawConnection.open(portOf('SASL_PLAINTEXT'));
  const loggedInAtMs = Date.now();
  const auth = await plainLogin(c, 'carol', 'carol-secret');
  assert.equal(auth.errorCode, ErrorCode.NONE);
  // The PLAIN override of the listener, not the broker-wide value.
  assert.equal(auth.sessionLifetimeMs, BigInt(PLAIN_LIFETIME_MS));
  c.send(c.request(ApiKey.Metadata, 1, metadataRequest));
  assert.equal((await c.answer(messages.MetadataResponse, 1)).brokers.length, 1);
  // SaslAuthenticate v0 carries no lifetime: such a client is still held to it.
  const v0 = await RawConnection.open(portOf('SASL_PLAINTEXT'));
  v0.send(
    v0.request(ApiKey.SaslHandshake, 1, { ...messages.SaslHandshakeRequest.defaults(), mechanism: 'PLAIN' }),
    v0.request(ApiKey.SaslAuthenticate, 0, { ...messages.SaslAuthenticateRequest.defaults(), authBytes: plainToken('dave', 'dave-secret') }),
  );
  await v0.answer(messages.SaslHandshakeResponse, 1);
  assert.equal((await v0.answer(messages.SaslAuthenticateResponse, 0)).errorCode, ErrorCode.NONE);

  await until('the PLAIN session to expire', () => Date.now() > loggedInAtMs + PLAIN_LIFETIME_MS + 100, { timeoutMs: 5000, intervalMs: 20 });
  assert.equal(c.closed, false, 'an idle expired connection stays open until its next request, as in Kafka');
  c.send(c.request(ApiKey.Metadata, 1, metadataRequest));
  assert.equal(await c.next(), null, 'the request after expiry is not answered');
  assert.ok(c.closed);
  v0.send(v0.request(ApiKey.Metadata, 1, metadataRequest));
  assert.equal(await v0.next(), null);
  assert.ok(expiredLines().some((l) => /SASL session for User:carol expired/.test(l)), lines.join('\n'));
});

test('re-authentication on the live connection: after expiry it is still accepted; another principal or mechanism is refused and closes', { timeout: 15_000 }, async () => {
  const c = await RawConnection.open(portOf('SASL_PLAINTEXT'));
  const loggedInAtMs = Date.now();
  assert.equal((await plainLogin(c, 'carol', 'carol-secret')).errorCode, ErrorCode.NONE);
  // Within a second of the first re-authentication a second handshake is not one: ILLEGAL_SASL_STATE, as Kafka answers.
  const again = await plainLogin(c, 'carol', 'carol-secret');
  assert.equal(again.errorCode, ErrorCode.NONE);
  assert.equal(again.sessionLifetimeMs, BigInt(PLAIN_LIFETIME_MS));
  c.send(c.request(ApiKey.SaslHandshake, 1, { ...messages.SaslHandshakeRequest.defaults(), mechanism: 'PLAIN' }));
  assert.equal((await c.answer(messages.SaslHandshakeResponse, 1)).errorCode, ErrorCode.ILLEGAL_SASL_STATE);
  // A request and a re-authentication pipelined together are answered in order.
  await until('the session to expire', () => Date.now() > loggedInAtMs + PLAIN_LIFETIME_MS + 100, { timeoutMs: 5000, intervalMs: 20 });
  const expiredAfterReauth = await plainLogin(c, 'carol', 'carol-secret');
  assert.equal(expiredAfterReauth.errorCode, ErrorCode.NONE, 'a SaslHandshake after expiry still re-authenticates');
  c.send(c.request(ApiKey.Metadata, 1, metadataRequest));
  assert.equal((await c.answer(messages.MetadataResponse, 1)).brokers.length, 1);
  assert.ok(reauthLines(/as User:carol with PLAIN/).length >= 2);

  // Re-authenticating as dave on carol's connection.
  const other = await RawConnection.open(portOf('SASL_PLAINTEXT'));
  assert.equal((await plainLogin(other, 'carol', 'carol-secret')).errorCode, ErrorCode.NONE);
  const changed = await plainLogin(other, 'dave', 'dave-secret');
  assert.equal(changed.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED);
  assert.equal(changed.errorMessage, 'Cannot change principals during re-authentication from User.carol: User.dave');
  other.send(other.request(ApiKey.Metadata, 1, metadataRequest));
  assert.equal(await other.next(), null);
  assert.ok(other.closed);

  // Re-authenticating a PLAIN session with SCRAM: the handshake is answered, the first token closes the connection.
  const mech = await RawConnection.open(portOf('SASL_PLAINTEXT'));
  assert.equal((await plainLogin(mech, 'carol', 'carol-secret')).errorCode, ErrorCode.NONE);
  mech.send(mech.request(ApiKey.SaslHandshake, 1, { ...messages.SaslHandshakeRequest.defaults(), mechanism: 'SCRAM-SHA-256' }));
  assert.equal((await mech.answer(messages.SaslHandshakeResponse, 1)).errorCode, ErrorCode.NONE);
  mech.send(mech.request(ApiKey.SaslAuthenticate, 1, { ...messages.SaslAuthenticateRequest.defaults(), authBytes: Buffer.from('n,,n=alice,r=abc') }));
  assert.equal(await mech.next(), null);
  assert.ok(lines.some((l) => /not supported for re-authentication of mechanism 'PLAIN'/.test(l)));
});

test('librdkafka 2.0.2 (confluent-kafka, no KIP-368) is disconnected when its session expires and carries on through its reconnects', { timeout: 40_000 }, async () => {
  const expiredBefore = expiredLines().length;
  const security = {
    'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanisms': 'SCRAM-SHA-256', 'sasl.username': 'alice', 'sasl.password': 'alice-secret',
    'reconnect.backoff.ms': 50, 'reconnect.backoff.max.ms': 200,
  };
  const bootstrap = `127.0.0.1:${portOf('SASL_PLAINTEXT')}`;
  // 30 records, one every 150 ms: about three session lifetimes on the producer's connections.
  const produced = await kafkaTool<{ unflushed: number }>({
    op: 'produce_stream', bootstrap, topic: 'reauth-rdkafka', partition: 0, prefix: 'r', count: 30, interval_ms: 150, flush_timeout: 15,
    config: { ...security, 'enable.idempotence': true, 'linger.ms': 0 },
  }, 30_000);
  assert.equal(produced.unflushed, 0);
  assert.ok(expiredLines().length > expiredBefore, 'the broker closed an expired librdkafka connection');
  const read = await kafkaTool<{ messages: { value: string }[]; errors: unknown[] }>({
    op: 'consume', bootstrap, assign: [{ topic: 'reauth-rdkafka', partition: 0 }], config: security, timeout: 15,
  }, 30_000);
  const values = read.messages.map((m) => Buffer.from(m.value, 'hex').toString());
  assert.deepEqual(values, Array.from({ length: 30 }, (_, i) => `r${i}`));
});
