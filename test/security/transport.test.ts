/**
 * Listeners with security protocols, driven by Samsa's own client and by raw
 * frames: several listeners on one node each answering their own endpoints,
 * TLS with PEM stores (plain, encrypted key, mutual), SASL/PLAIN on
 * SASL_PLAINTEXT and SASL_SSL with Kafka's handshake rules (v0 and v1
 * framing, wrong passwords, requests before authentication, unknown
 * mechanisms), the certificate principal's DN, and one-line config errors.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Admin, Cluster, Consumer, Producer, type ClientOptions } from '../../src/client/index.ts';
import { ApiKey, ErrorCode, Reader, messages, readResponseHeader, responseCodec } from '../../src/protocol/index.ts';
import { mapDn, parseMappingRules, subjectDn } from '../../src/security/index.ts';
import { startBroker, type RunningBroker } from '../../src/index.ts';
import { listenerPort } from '../helpers/broker.ts';
import { RawConnection } from '../helpers/raw-connection.ts';
import { makeTestCerts, type TestCerts } from '../helpers/certs.ts';
import { samsa } from '../helpers/samsa-cli.ts';

const JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required '
  + 'username="admin" password="admin-secret" user_admin="admin-secret" user_alice="alice-secret";';

let certs: TestCerts;
let broker: RunningBroker;
let mtls: RunningBroker;
const logLines: string[] = [];

const portOf = listenerPort;

before(async () => {
  certs = makeTestCerts();
  broker = await startBroker({
    port: 0, log: (line) => logLines.push(line),
    config: {
      listeners: 'PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0',
      'ssl.keystore.type': 'PEM', 'ssl.keystore.location': certs.serverStore,
      'sasl.enabled.mechanisms': 'PLAIN,GSSAPI',
      'listener.name.sasl_plaintext.plain.sasl.jaas.config': JAAS,
      'listener.name.sasl_ssl.plain.sasl.jaas.config': JAAS,
    },
  });
  mtls = await startBroker({
    port: 0,
    config: {
      listeners: 'PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0',
      // Per-listener keys: the encrypted key and client authentication apply to SSL only.
      'listener.name.ssl.ssl.keystore.type': 'PEM',
      'listener.name.ssl.ssl.keystore.location': certs.serverEncryptedStore,
      'listener.name.ssl.ssl.key.password': certs.serverKeyPassword,
      'listener.name.ssl.ssl.truststore.type': 'PEM',
      'listener.name.ssl.ssl.truststore.location': certs.caFile,
      'listener.name.ssl.ssl.client.auth': 'required',
    },
  });
});

after(async () => {
  await broker?.stop();
  await mtls?.stop();
  certs?.remove();
});

async function withCluster<T>(options: Omit<ClientOptions, 'bootstrapServers'> & { port: number; host?: string }, body: (c: Cluster) => Promise<T>): Promise<T> {
  const { port, host, ...rest } = options;
  const cluster = new Cluster({ bootstrapServers: [`${host ?? '127.0.0.1'}:${port}`], requestTimeoutMs: 10_000, connectTimeoutMs: 5000, ...rest });
  try {
    return await body(cluster);
  } finally {
    await cluster.close();
  }
}

test('each listener answers Metadata, DescribeCluster and FindCoordinator with its own endpoints', async () => {
  const cases: [string, Omit<ClientOptions, 'bootstrapServers'>][] = [
    ['PLAINTEXT', {}],
    ['SSL', { ssl: { ca: certs.caPem } }],
    ['SASL_PLAINTEXT', { sasl: { mechanism: 'PLAIN', username: 'alice', password: 'alice-secret' } }],
    ['SASL_SSL', { ssl: { ca: certs.caPem }, sasl: { mechanism: 'PLAIN', username: 'alice', password: 'alice-secret' } }],
  ];
  assert.deepEqual(broker.listeners.map((l) => [l.name, l.securityProtocol]), cases.map(([n]) => [n, n]));
  assert.equal(broker.port, portOf(broker, 'PLAINTEXT'));
  for (const [name, options] of cases) {
    await withCluster({ port: portOf(broker, name), ...options }, async (cluster) => {
      await cluster.refreshMetadata([]);
      assert.deepEqual([...cluster.brokers.values()].map((b) => [b.host, b.port]), [['127.0.0.1', portOf(broker, name)]], name);
      const admin = new Admin(cluster);
      const described = await admin.describeCluster();
      assert.deepEqual(described.brokers.map((b) => b.port), [portOf(broker, name)], name);
      const c = await cluster.any();
      const found = await c.request(ApiKey.FindCoordinator, { ...messages.FindCoordinatorRequest.defaults(), key: `g-${name}`, keyType: 0, coordinatorKeys: [`g-${name}`] });
      const port = found.coordinators.length > 0 ? found.coordinators[0]!.port : found.port;
      assert.equal(port, portOf(broker, name), name);
    });
  }
});

test('SSL: produce and consume with Samsa\'s client; a client that does not trust the CA cannot connect', async () => {
  const port = portOf(broker, 'SSL');
  await withCluster({ port, host: 'localhost', ssl: { ca: certs.caPem } }, async (cluster) => {
    await new Admin(cluster).createTopics([{ name: 'tls-topic', partitions: 1 }]);
    const producer = new Producer(cluster, { acks: -1 });
    for (let i = 0; i < 5; i++) await producer.send({ topic: 'tls-topic', key: `k${i}`, value: `v${i}` });
    await producer.close();
    const consumer = new Consumer(cluster, {});
    consumer.assign([{ topic: 'tls-topic', partition: 0, offset: 'earliest' }]);
    const got: string[] = [];
    for (let i = 0; i < 20 && got.length < 5; i++) got.push(...(await consumer.poll(500)).map((r) => r.value!.toString()));
    await consumer.close();
    assert.deepEqual(got, ['v0', 'v1', 'v2', 'v3', 'v4']);
  });
  await withCluster({ port, ssl: {} }, async (cluster) => {
    await assert.rejects(cluster.refreshMetadata([]), /TLS: .*(self-signed|unable to (verify|get local issuer))/);
  });
  // A plaintext client on the TLS listener is dropped.
  await withCluster({ port }, async (cluster) => {
    await assert.rejects(cluster.refreshMetadata([]));
  });
});

test('mutual TLS (ssl.client.auth=required, encrypted server key): a client certificate is needed', async () => {
  const port = portOf(mtls, 'SSL');
  await withCluster({ port, ssl: { ca: certs.caPem, cert: certs.clientCertPem, key: certs.clientKeyPem } }, async (cluster) => {
    await cluster.refreshMetadata([]);
    assert.deepEqual([...cluster.brokers.values()].map((b) => b.port), [port]);
  });
  await withCluster({ port, ssl: { ca: certs.caPem } }, async (cluster) => {
    await assert.rejects(cluster.refreshMetadata([]));
  });
  const stranger = readFileSync(certs.strangerStore, 'utf8');
  await withCluster({ port, ssl: { ca: certs.caPem, cert: stranger, key: stranger } }, async (cluster) => {
    await assert.rejects(cluster.refreshMetadata([]));
  });
  // The PLAINTEXT listener of the same node asks for nothing.
  await withCluster({ port: portOf(mtls, 'PLAINTEXT') }, (cluster) => cluster.refreshMetadata([]));
});

test('a client certificate\'s principal is its subject DN in RFC 2253 form, through ssl.principal.mapping.rules', () => {
  const der = Buffer.from(readFileSync(certs.clientCertFile, 'utf8').replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
  assert.equal(subjectDn(der), certs.clientDn);
  const openssl = execFileSync('/usr/bin/openssl', ['x509', '-in', certs.clientCertFile, '-noout', '-subject', '-nameopt', 'RFC2253']).toString();
  assert.equal(openssl.trim(), `subject=${certs.clientDn}`);
  const rules = parseMappingRules('RULE:^CN=(.*?),OU=(.*?),O=(.*?),C=(.*?)$/$1@$3/L, DEFAULT');
  assert.ok(Array.isArray(rules));
  assert.equal(mapDn(rules, certs.clientDn), 'alice@samsa');
  assert.equal(mapDn(rules, 'CN=bob'), 'CN=bob');
  const strict = parseMappingRules('RULE:^CN=([^,]*).*$/$1/U');
  assert.ok(Array.isArray(strict));
  assert.equal(mapDn(strict, certs.clientDn), 'ALICE');
  assert.equal(mapDn(strict, 'O=x'), null);
  assert.equal(typeof parseMappingRules('RULE:broken'), 'string');
});

test('SASL/PLAIN: a wrong password is refused with SASL_AUTHENTICATION_FAILED and logged with the client address', async () => {
  for (const [name, ssl] of [['SASL_PLAINTEXT', null], ['SASL_SSL', { ca: certs.caPem }]] as const) {
    await withCluster({ port: portOf(broker, name), ssl, sasl: { mechanism: 'PLAIN', username: 'alice', password: 'nope' } }, async (cluster) => {
      await assert.rejects(cluster.refreshMetadata([]), (e: Error & { kafkaErrorCode: number }) => {
        assert.equal(e.kafkaErrorCode, ErrorCode.SASL_AUTHENTICATION_FAILED);
        assert.match(e.message, /Invalid username or password/);
        return true;
      });
    });
    assert.ok(logLines.some((l) => l.includes(`on ${name} failed with PLAIN`) && /127\.0\.0\.1:\d+/.test(l)), logLines.join('\n'));
  }
  // A client without SASL on a SASL listener gets nowhere either.
  await withCluster({ port: portOf(broker, 'SASL_PLAINTEXT') }, async (cluster) => {
    await assert.rejects(cluster.refreshMetadata([]));
  });
});

function decode<T>(frame: Buffer, codec: { apiKey: number; decode(r: Reader, version: number): T }, version: number): T {
  const r = new Reader(frame);
  readResponseHeader(r, codec.apiKey, version);
  assert.equal(responseCodec(codec.apiKey), codec);
  return codec.decode(r, version);
}

const PLAIN_TOKEN = (user: string, password: string): Buffer => Buffer.from(`\0${user}\0${password}`);

test('SASL gating: a request before authentication closes the connection without an answer', async () => {
  const c = await RawConnection.open(portOf(broker, 'SASL_PLAINTEXT'));
  c.send(c.request(ApiKey.Metadata, 1, { ...messages.MetadataRequest.defaults(), topics: [] }));
  assert.equal(await c.next(), null);
  assert.ok(await c.closedByBroker());
  // After ApiVersions only SaslHandshake may follow.
  const d = await RawConnection.open(portOf(broker, 'SASL_PLAINTEXT'));
  d.send(d.request(ApiKey.ApiVersions, 0, messages.ApiVersionsRequest.defaults()));
  const versions = decode(await d.next() as Buffer, messages.ApiVersionsResponse, 0);
  assert.equal(versions.errorCode, 0);
  assert.ok(versions.apiKeys.some((a) => a.apiKey === ApiKey.SaslHandshake && a.maxVersion >= 1));
  d.send(d.request(ApiKey.Metadata, 1, { ...messages.MetadataRequest.defaults(), topics: [] }));
  assert.equal(await d.next(), null);
});

test('SASL gating: SaslHandshake v1 and SaslAuthenticate; a failure is answered, then nothing else is served', async () => {
  const c = await RawConnection.open(portOf(broker, 'SASL_PLAINTEXT'));
  c.send(c.request(ApiKey.SaslHandshake, 1, { ...messages.SaslHandshakeRequest.defaults(), mechanism: 'PLAIN' }));
  const handshake = decode(await c.next() as Buffer, messages.SaslHandshakeResponse, 1);
  assert.equal(handshake.errorCode, ErrorCode.NONE);
  assert.deepEqual(handshake.mechanisms, ['PLAIN', 'GSSAPI']);
  // The refused token and a Metadata request arrive together: only the refusal is answered.
  c.send(
    c.request(ApiKey.SaslAuthenticate, 1, { ...messages.SaslAuthenticateRequest.defaults(), authBytes: PLAIN_TOKEN('alice', 'wrong') }),
    c.request(ApiKey.Metadata, 1, { ...messages.MetadataRequest.defaults(), topics: [] }),
  );
  const refused = decode(await c.next() as Buffer, messages.SaslAuthenticateResponse, 1);
  assert.equal(refused.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED);
  assert.match(refused.errorMessage ?? '', /Invalid username or password/);
  assert.equal(await c.next(), null);
  assert.ok(await c.closedByBroker());

  const ok = await RawConnection.open(portOf(broker, 'SASL_PLAINTEXT'));
  ok.send(
    ok.request(ApiKey.SaslHandshake, 1, { ...messages.SaslHandshakeRequest.defaults(), mechanism: 'PLAIN' }),
    ok.request(ApiKey.SaslAuthenticate, 0, { ...messages.SaslAuthenticateRequest.defaults(), authBytes: PLAIN_TOKEN('admin', 'admin-secret') }),
    ok.request(ApiKey.Metadata, 1, { ...messages.MetadataRequest.defaults(), topics: [] }),
  );
  assert.equal(decode(await ok.next() as Buffer, messages.SaslHandshakeResponse, 1).errorCode, 0);
  assert.equal(decode(await ok.next() as Buffer, messages.SaslAuthenticateResponse, 0).errorCode, 0);
  const md = decode(await ok.next() as Buffer, messages.MetadataResponse, 1);
  assert.deepEqual(md.brokers.map((b) => b.port), [portOf(broker, 'SASL_PLAINTEXT')]);
  // After authentication a second handshake is ILLEGAL_SASL_STATE, as in Kafka.
  ok.send(ok.request(ApiKey.SaslHandshake, 1, { ...messages.SaslHandshakeRequest.defaults(), mechanism: 'PLAIN' }));
  assert.equal(decode(await ok.next() as Buffer, messages.SaslHandshakeResponse, 1).errorCode, ErrorCode.ILLEGAL_SASL_STATE);
  ok.destroy();
});

test('SASL gating: SaslHandshake v0 then bare tokens; unknown and unimplemented mechanisms are UNSUPPORTED_SASL_MECHANISM', async () => {
  const c = await RawConnection.open(portOf(broker, 'SASL_PLAINTEXT'));
  c.send(c.request(ApiKey.SaslHandshake, 0, { ...messages.SaslHandshakeRequest.defaults(), mechanism: 'PLAIN' }));
  assert.equal(decode(await c.next() as Buffer, messages.SaslHandshakeResponse, 0).errorCode, 0);
  const token = PLAIN_TOKEN('alice', 'alice-secret');
  const size = Buffer.alloc(4);
  size.writeInt32BE(token.length);
  c.send(size, token);
  assert.equal((await c.next())?.length, 0, 'an empty server token, size-prefixed');
  c.send(c.request(ApiKey.Metadata, 1, { ...messages.MetadataRequest.defaults(), topics: [] }));
  assert.equal(decode(await c.next() as Buffer, messages.MetadataResponse, 1).brokers.length, 1);
  c.destroy();

  // GSSAPI is enabled but not implemented; SCRAM-SHA-512 and OAUTHBEARER are implemented but not enabled here.
  for (const mechanism of ['GSSAPI', 'SCRAM-SHA-512', 'OAUTHBEARER']) {
    const u = await RawConnection.open(portOf(broker, 'SASL_PLAINTEXT'));
    u.send(u.request(ApiKey.SaslHandshake, 1, { ...messages.SaslHandshakeRequest.defaults(), mechanism }));
    const res = decode(await u.next() as Buffer, messages.SaslHandshakeResponse, 1);
    assert.equal(res.errorCode, ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanism);
    assert.deepEqual(res.mechanisms, ['PLAIN', 'GSSAPI']);
    assert.ok(await u.closedByBroker());
  }
});

test('the CLI reaches SSL and SASL_SSL listeners through --command-config', async () => {
  const props = (lines: string[]): string => {
    const file = `${certs.dir}/client-${lines.length}-${Math.random().toString(36).slice(2)}.properties`;
    execFileSync('/bin/sh', ['-c', `cat > '${file}'`], { input: lines.join('\n') });
    return file;
  };
  const ssl = props(['security.protocol=SSL', 'ssl.truststore.type=PEM', `ssl.truststore.location=${certs.caFile}`]);
  const listed = await samsa(['topics', '--list', '--bootstrap-server', `127.0.0.1:${portOf(broker, 'SSL')}`, '--command-config', ssl]);
  assert.equal(listed.code, 0, listed.stderr);
  const saslSsl = props([
    'security.protocol=SASL_SSL', `ssl.truststore.location=${certs.caFile}`, 'sasl.mechanism=PLAIN',
    'sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="alice" password="alice-secret";',
  ]);
  const created = await samsa(['topics', '--create', '--topic', 'cli-secure', '--bootstrap-server', `127.0.0.1:${portOf(broker, 'SASL_SSL')}`, '--command-config', saslSsl]);
  assert.equal(created.code, 0, created.stderr);
  const again = await samsa(['topics', '--list', '--bootstrap-server', `127.0.0.1:${portOf(broker, 'SSL')}`, '--command-config', ssl]);
  assert.match(again.stdout, /cli-secure/);
  const wrong = props([
    'security.protocol=SASL_PLAINTEXT', 'sasl.mechanism=PLAIN',
    'sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="alice" password="x";',
  ]);
  const refused = await samsa(['topics', '--list', '--bootstrap-server', `127.0.0.1:${portOf(broker, 'SASL_PLAINTEXT')}`, '--command-config', wrong]);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /Invalid username or password/);
});

test('security config problems are one-line errors at start', async () => {
  const attempts: [Record<string, string>, RegExp][] = [
    [{ listeners: 'SSL://127.0.0.1:0' }, /listener SSL needs a key store/],
    [{ listeners: 'SSL://127.0.0.1:0', 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': '/nonexistent/store.pem' },
      /invalid value '\/nonexistent\/store.pem' for config 'ssl.keystore.location': cannot read the file \(ENOENT\)/],
    [{ listeners: 'SSL://127.0.0.1:0', 'ssl.keystore.location': certs.serverStore }, /config 'ssl.keystore.type'.*PEM/],
    [{ listeners: 'SSL://127.0.0.1:0', 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': certs.serverEncryptedStore, 'ssl.key.password': 'bad' },
      /listener SSL: cannot use the key store/],
    [{ listeners: 'SSL://127.0.0.1:0', 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': certs.serverStore, 'listener.name.ssl.ssl.client.auth': 'maybe' },
      /invalid value 'maybe' for config 'listener.name.ssl.ssl.client.auth'/],
    [{ listeners: 'SASL_PLAINTEXT://127.0.0.1:0', 'sasl.enabled.mechanisms': 'PLAIN' }, /enables SASL\/PLAIN but has no JAAS config/],
    [{ listeners: 'SASL_PLAINTEXT://127.0.0.1:0', 'sasl.enabled.mechanisms': 'PLAIN', 'sasl.jaas.config': 'PlainLoginModule required user_a="b"' },
      /must end with ';'/],
  ];
  for (const [config, message] of attempts) {
    await assert.rejects(startBroker({ config }), (e: Error & { code: string }) => {
      assert.equal(e.code, 'SAMSA_ERR_CONFIG');
      assert.match(e.message, message);
      assert.ok(!e.message.includes('\n'), e.message);
      return true;
    });
  }
});

test('inline PEM key store and trust store (ssl.keystore.key, ssl.keystore.certificate.chain, ssl.truststore.certificates)', async () => {
  const inline = await startBroker({
    port: 0,
    config: {
      listeners: 'SSL://127.0.0.1:0',
      'ssl.keystore.type': 'PEM',
      'ssl.keystore.key': readFileSync(certs.serverKeyFile, 'utf8'),
      'ssl.keystore.certificate.chain': readFileSync(certs.serverCertFile, 'utf8'),
      'ssl.truststore.type': 'PEM',
      'ssl.truststore.certificates': certs.caPem,
      'ssl.client.auth': 'requested',
    },
  });
  try {
    assert.equal(inline.port, portOf(inline, 'SSL'));
    // requested: with or without a certificate, as long as a presented one is trusted.
    await withCluster({ port: inline.port, ssl: { ca: certs.caPem } }, (c) => c.refreshMetadata([]));
    await withCluster({ port: inline.port, ssl: { ca: certs.caPem, cert: certs.clientCertPem, key: certs.clientKeyPem } }, (c) => c.refreshMetadata([]));
    const stranger = readFileSync(certs.strangerStore, 'utf8');
    await withCluster({ port: inline.port, ssl: { ca: certs.caPem, cert: stranger, key: stranger } }, async (c) => {
      await assert.rejects(c.refreshMetadata([]));
    });
  } finally {
    await inline.stop();
  }
});
