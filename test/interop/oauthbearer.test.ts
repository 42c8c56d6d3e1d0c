/**
 * SASL/OAUTHBEARER end to end on one broker with three OAUTHBEARER listeners
 * and the StandardAuthorizer (super user User:admin; alice may use topic
 * oauth-t and nothing else):
 *
 *   UNSECURED  SASL_PLAINTEXT, Kafka's default unsecured validator (alg none
 *              tokens, for development) — kcat's unsecure JWT, Samsa's
 *              client and CLI with unsecuredLogin* JAAS options;
 *   SECURED    SASL_SSL, OAuthBearerValidatorCallbackHandler with a JWKS file
 *              of keys made here — KafkaJS (oauthBearerProvider), Python
 *              confluent-kafka (oauth_cb), Samsa's client and CLI (token
 *              file) with RS256/ES256 JWTs;
 *   HTTPJWKS   SASL_PLAINTEXT, the same validator with the JWKS served over
 *              http by this test.
 *
 * The same http server is an identity provider's token endpoint (client
 * credentials grant) for the CLI's and a login's KIP-768 token fetch.
 *
 * Expired, wrongly signed, wrong-audience and unsigned tokens are refused
 * and the client sees it; the principal is the token's subject, so alice's
 * ACL lets her write oauth-t and not secret-t.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker, type RunningBroker } from '../../src/index.ts';
import { AclAdmin, Admin, Cluster, Consumer, Producer, type SaslClientOptions } from '../../src/client/index.ts';
import { oauthBearerLogin } from '../../src/security/index.ts';
import {
  AclOperation as Op, AclPatternType as Pattern, AclPermissionType as Perm, AclResourceType as Res, ErrorCode, sasl,
} from '../../src/protocol/index.ts';
import { makeTestCerts, type TestCerts } from '../helpers/certs.ts';
import { kafkaTool, killAllChildren, run, type RunResult } from '../helpers/processes.ts';
import { samsa } from '../helpers/samsa-cli.ts';
import { tempDir } from '../helpers/broker.ts';
import { until } from '../helpers/until.ts';

const LOGIN_MODULE = 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule';
const SECURED = 'org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler';
const ISSUER = 'https://idp.samsa.test';
const KCAT_TIMEOUTS = ['-m', '5', '-X', 'message.timeout.ms=5000', '-X', 'socket.timeout.ms=5000'];

interface SigningKey { kid: string; alg: 'RS256' | 'ES256'; privateKey: KeyObject; jwk: Record<string, unknown> }

function newKey(kid: string, alg: 'RS256' | 'ES256'): SigningKey {
  const { privateKey, publicKey } = alg === 'RS256'
    ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { kid, alg, privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg } };
}

/** A JWT as an identity provider would issue it: signed, for audience samsa, valid for `lifeS` seconds. */
function jwt(key: SigningKey, sub: string, extra: Record<string, unknown> = {}, lifeS = 600): string {
  const now = Math.floor(Date.now() / 1000);
  const claims = { iss: ISSUER, aud: 'samsa', sub, iat: now, exp: now + lifeS, scope: 'kafka', ...extra };
  const input = `${sasl.oauthbearer.base64url(JSON.stringify({ alg: key.alg, kid: key.kid, typ: 'JWT' }))}.${sasl.oauthbearer.base64url(JSON.stringify(claims))}`;
  const signature = key.alg === 'ES256'
    ? sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' }) : sign('sha256', Buffer.from(input), key.privateKey);
  return `${input}.${signature.toString('base64url')}`;
}

let certs: TestCerts;
let dir: ReturnType<typeof tempDir>;
let broker: RunningBroker;
let jwksServer: Server;
let rsa: SigningKey;
let ec: SigningKey;
const brokerLog: string[] = [];
/** Bodies of the token endpoint's requests. */
const tokenRequests: string[] = [];
let idpUrl: string;
/** The JWKS the http server serves (and the file holds at start). */
let jwks: string;
const clusters: Cluster[] = [];

function bootstrapOf(name: string): string {
  const l = broker.listeners.find((x) => x.name === name);
  assert.ok(l, `listener ${name}`);
  return `${l.host}:${l.port}`;
}

function cluster(listener: string, saslOptions: SaslClientOptions): Cluster {
  const c = new Cluster({
    bootstrapServers: [bootstrapOf(listener)], clientId: 'oauth-test', requestTimeoutMs: 5000,
    ...(listener === 'SECURED' ? { ssl: { ca: certs.caPem } } : {}), sasl: saslOptions,
  });
  clusters.push(c);
  return c;
}

const unsecured = (sub: string): SaslClientOptions => ({
  mechanism: 'OAUTHBEARER', token: () => sasl.oauthbearer.unsecuredLogin(new Map([['unsecuredLoginStringClaim_sub', sub]]), Date.now()).token,
});

before(async () => {
  certs = makeTestCerts();
  dir = tempDir('samsa-oauth-');
  rsa = newKey('rsa-1', 'RS256');
  ec = newKey('ec-1', 'ES256');
  jwks = JSON.stringify({ keys: [rsa.jwk, ec.jwk] });
  const jwksFile = join(dir.dir, 'jwks.json');
  writeFileSync(jwksFile, jwks);
  jwksServer = createServer((req, res) => {
    if (req.url === '/jwks') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
      return;
    }
    let body = '';
    req.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => {
      if (req.url !== '/token' || req.method !== 'POST') {
        res.writeHead(404).end('{}');
        return;
      }
      tokenRequests.push(body);
      const [id, secret] = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString().split(':');
      const form = new URLSearchParams(body);
      if (form.get('grant_type') !== 'client_credentials' || secret !== `${id}-secret`) {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid_client","error_description":"unknown client or wrong secret"}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: jwt(rsa, id!, { scope: form.get('scope') ?? '' }), token_type: 'Bearer', expires_in: 600 }));
    });
  });
  await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
  const jwksPort = (jwksServer.address() as { port: number }).port;
  idpUrl = `http://127.0.0.1:${jwksPort}`;
  broker = await startBroker({
    port: 0, log: (line) => brokerLog.push(line),
    config: {
      listeners: 'UNSECURED://127.0.0.1:0,SECURED://127.0.0.1:0,HTTPJWKS://127.0.0.1:0',
      'listener.security.protocol.map': 'UNSECURED:SASL_PLAINTEXT,SECURED:SASL_SSL,HTTPJWKS:SASL_PLAINTEXT',
      'inter.broker.listener.name': 'UNSECURED',
      'ssl.keystore.type': 'PEM', 'ssl.keystore.location': certs.serverStore,
      'sasl.enabled.mechanisms': 'OAUTHBEARER',
      'sasl.mechanism.inter.broker.protocol': 'OAUTHBEARER',
      'listener.name.unsecured.oauthbearer.sasl.jaas.config': `${LOGIN_MODULE} required unsecuredLoginStringClaim_sub="admin";`,
      'listener.name.secured.oauthbearer.sasl.jaas.config': `${LOGIN_MODULE} required;`,
      'listener.name.secured.oauthbearer.sasl.server.callback.handler.class': SECURED,
      'listener.name.secured.oauthbearer.sasl.oauthbearer.jwks.endpoint.url': pathToFileURL(jwksFile).href,
      'listener.name.httpjwks.oauthbearer.sasl.jaas.config': `${LOGIN_MODULE} required;`,
      'listener.name.httpjwks.oauthbearer.sasl.server.callback.handler.class': SECURED,
      'listener.name.httpjwks.sasl.oauthbearer.jwks.endpoint.url': `http://127.0.0.1:${jwksPort}/jwks`,
      'sasl.oauthbearer.expected.audience': 'samsa',
      'sasl.oauthbearer.expected.issuer': ISSUER,
      'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
      'super.users': 'User:admin',
      'offsets.topic.replication.factor': '1',
    },
  });
  const admin = cluster('UNSECURED', unsecured('admin'));
  await new Admin(admin).createTopics([{ name: 'oauth-t', partitions: 1 }, { name: 'secret-t', partitions: 1 }]);
  const granted = await new AclAdmin(admin).createAcls([
    { resourceType: Res.TOPIC, resourceName: 'oauth-t', patternType: Pattern.LITERAL, principal: 'User:alice', host: '*', operation: Op.ALL, permissionType: Perm.ALLOW },
    { resourceType: Res.GROUP, resourceName: '*', patternType: Pattern.LITERAL, principal: 'User:alice', host: '*', operation: Op.READ, permissionType: Perm.ALLOW },
  ]);
  assert.deepEqual(granted.map((r) => r.error), ['NONE', 'NONE']);
});

after(async () => {
  killAllChildren();
  for (const c of clusters) await c.close().catch(() => undefined);
  await broker?.stop();
  await new Promise((resolve) => jwksServer?.close(resolve));
  certs?.remove();
  dir?.remove();
});

function kcat(listener: string, principal: string, args: string[], input?: string): Promise<RunResult> {
  const security = listener === 'SECURED' ? ['-X', 'security.protocol=sasl_ssl', '-X', `ssl.ca.location=${certs.caFile}`] : ['-X', 'security.protocol=sasl_plaintext'];
  return run('kcat', [
    '-b', bootstrapOf(listener), ...KCAT_TIMEOUTS, ...security, '-X', 'sasl.mechanisms=OAUTHBEARER',
    '-X', 'enable.sasl.oauthbearer.unsecure.jwt=true', '-X', `sasl.oauthbearer.config=principal=${principal}`, ...args,
  ], { input, timeoutMs: 20_000 });
}

test('kcat (librdkafka) with an unsecured JWT: alice writes and reads oauth-t, is refused secret-t; the secured listener refuses alg none', { timeout: 60_000 }, async () => {
  const produced = await kcat('UNSECURED', 'alice', ['-P', '-t', 'oauth-t'], 'from-kcat\n');
  assert.equal(produced.code, 0, produced.stderr);
  const read = await kcat('UNSECURED', 'alice', ['-C', '-t', 'oauth-t', '-o', 'beginning', '-e', '-q']);
  assert.equal(read.code, 0, read.stderr);
  assert.ok(read.stdout.split('\n').includes('from-kcat'), read.stdout);
  const denied = await kcat('UNSECURED', 'alice', ['-P', '-t', 'secret-t'], 'nope\n');
  assert.notEqual(denied.code, 0);
  assert.match(denied.stderr, /Topic authorization failed|TOPIC_AUTHORIZATION_FAILED/i);
  const unsigned = await kcat('SECURED', 'alice', ['-m', '1', '-L']);
  assert.notEqual(unsigned.code, 0);
  assert.match(unsigned.stderr, /invalid_token/);
  assert.ok(brokerLog.some((l) => /with OAUTHBEARER: \{"status":"invalid_token"\}: the JWT is unsigned/.test(l)), brokerLog.slice(-5).join('\n'));
});

test('KafkaJS with oauthBearerProvider: a signed JWT for alice produces and consumes; an expired one is refused', { timeout: 60_000 }, async () => {
  const kafkajs = (token: () => string): Kafka => new Kafka({
    clientId: 'oauth-kjs', brokers: [bootstrapOf('SECURED')], logLevel: logLevel.NOTHING, retry: { retries: 0 }, ssl: { ca: [certs.caPem] },
    sasl: { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: token() }) },
  });
  const kafka = kafkajs(() => jwt(rsa, 'alice'));
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: 'oauth-t', messages: [{ value: 'from-kafkajs' }] });
  await assert.rejects(producer.send({ topic: 'secret-t', messages: [{ value: 'x' }] }), /authoriz/i);
  await producer.disconnect();
  const consumer = kafka.consumer({ groupId: 'oauth-kjs-group', maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic: 'oauth-t', fromBeginning: true });
  const seen: string[] = [];
  void consumer.run({ eachMessage: async ({ message }) => { seen.push(message.value!.toString()); } });
  await until('KafkaJS reads its record', () => seen.includes('from-kafkajs'));
  await consumer.disconnect();
  // KafkaJS takes the error challenge for success and sends its next request, which the broker
  // answers by closing the connection (as Kafka does): the client sees the connection fail.
  const expired = kafkajs(() => jwt(rsa, 'alice', {}, -120)).admin();
  await assert.rejects(expired.connect().then(() => expired.listTopics()));
  await expired.disconnect();
  await until('the broker logs why', () => brokerLog.some((l) => /after refusing its token: the JWT expired at/.test(l)));
});

test('Python confluent-kafka with oauth_cb: a signed JWT produces; a token for another audience fails delivery', { timeout: 60_000 }, async () => {
  const bootstrap = bootstrapOf('SECURED');
  const config = { 'security.protocol': 'SASL_SSL', 'ssl.ca.location': certs.caFile, 'sasl.mechanisms': 'OAUTHBEARER' };
  const hex = (s: string): string => Buffer.from(s).toString('hex');
  const expiry = Date.now() / 1000 + 600;
  const produced = await kafkaTool<{ deliveries: { error: unknown }[] }>({
    op: 'produce', bootstrap, config, oauth_token: jwt(ec, 'alice'), oauth_expiry: expiry, messages: [{ topic: 'oauth-t', value: hex('from-python') }],
  });
  assert.deepEqual(produced.deliveries.map((d) => d.error), [null]);
  const refused = await kafkaTool<{ deliveries: { error: { str: string } | null }[] }>({
    op: 'produce', bootstrap, config: { ...config, 'message.timeout.ms': '1500' }, oauth_token: jwt(ec, 'alice', { aud: 'someone-else' }), oauth_expiry: expiry,
    messages: [{ topic: 'oauth-t', value: hex('never') }],
  });
  assert.notEqual(refused.deliveries[0]!.error, null);
  await until('the broker logs the audience', () => brokerLog.some((l) => /audience \(someone-else\) is none of the expected samsa/.test(l)));
});

test('Samsa\'s client: unsecured and signed tokens, token functions, the ACL on User:<sub>, and refusals with their reason', { timeout: 60_000 }, async () => {
  const alice = cluster('SECURED', { mechanism: 'OAUTHBEARER', token: async () => jwt(ec, 'alice') });
  const producer = new Producer(alice, { acks: 1, enableIdempotence: false });
  await producer.send({ topic: 'oauth-t', value: 'from-samsa' });
  await assert.rejects(producer.send({ topic: 'secret-t', value: 'x' }), (e: Error & { kafkaErrorCode?: number }) => {
    assert.equal(e.kafkaErrorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED, e.message);
    return true;
  });
  await producer.close();
  const consumer = new Consumer(cluster('UNSECURED', unsecured('alice')), {});
  consumer.assign([{ topic: 'oauth-t', partition: 0, offset: 'earliest' }]);
  const got: string[] = [];
  await until('Samsa reads what every client wrote', async () => {
    got.push(...(await consumer.poll(200)).map((r) => r.value!.toString()));
    return ['from-kcat', 'from-kafkajs', 'from-python', 'from-samsa'].every((v) => got.includes(v));
  }, { context: () => got.join(',') });
  await consumer.close();

  const refusals: [SaslClientOptions, RegExp][] = [
    [{ mechanism: 'OAUTHBEARER', token: jwt(rsa, 'alice', {}, -3600) }, /\{"status":"invalid_token"\}: the JWT expired at/],
    [{ mechanism: 'OAUTHBEARER', token: jwt({ ...newKey('rsa-1', 'RS256') }, 'alice') }, /signature does not verify with key 'rsa-1'/],
    [{ mechanism: 'OAUTHBEARER', token: jwt(newKey('rsa-9', 'RS256'), 'alice') }, /no key with kid 'rsa-9'/],
    [{ mechanism: 'OAUTHBEARER', token: jwt(rsa, 'alice', { iss: 'https://evil.test' }) }, /issuer 'https:\/\/evil.test' is not the expected/],
    [unsecured('alice'), /unsigned \(alg "none"\)/],
  ];
  for (const [options, reason] of refusals) {
    await assert.rejects(new Admin(cluster('SECURED', options)).listTopics(), (e: Error & { kafkaErrorCode?: number }) => {
      assert.equal(e.kafkaErrorCode, ErrorCode.SASL_AUTHENTICATION_FAILED, e.message);
      assert.match(e.message, reason);
      return true;
    });
  }
});

test('the JWKS served over http: a token is accepted once the broker has fetched the keys; a new kid makes it fetch them again', { timeout: 30_000 }, async () => {
  const context = { context: () => brokerLog.slice(-5).join('\n') };
  const topics = await until('the HTTPJWKS listener accepts alice', async () => new Admin(cluster('HTTPJWKS', { mechanism: 'OAUTHBEARER', token: jwt(rsa, 'alice') })).listTopics(), context);
  assert.deepEqual(topics.map((t) => t.name), ['oauth-t'], 'alice describes only the topic her ACL names');
  const rotated = newKey('rsa-2', 'RS256');
  jwks = JSON.stringify({ keys: [rsa.jwk, ec.jwk, rotated.jwk] });
  const withNewKey = (): Promise<unknown> => new Admin(cluster('HTTPJWKS', { mechanism: 'OAUTHBEARER', token: jwt(rotated, 'alice') })).listTopics();
  await assert.rejects(withNewKey(), /no key with kid 'rsa-2' in the JWKS at http:/);
  await until('the refetched JWKS knows rsa-2', withNewKey, context);
});

test('the samsa CLI: OAUTHBEARER from --command-config, unsecured (unsecuredLoginStringClaim_sub) and from a token file', { timeout: 30_000 }, async () => {
  const props = (name: string, lines: string[]): string => {
    const file = join(dir.dir, name);
    writeFileSync(file, `${lines.join('\n')}\n`);
    return file;
  };
  const unsecuredProps = props('unsecured.properties', [
    'security.protocol=SASL_PLAINTEXT', 'sasl.mechanism=OAUTHBEARER',
    `sasl.jaas.config=${LOGIN_MODULE} required unsecuredLoginStringClaim_sub="alice";`,
  ]);
  const listed = await samsa(['topics', '--list', '--bootstrap-server', bootstrapOf('UNSECURED'), '--command-config', unsecuredProps]);
  assert.equal(listed.code, 0, listed.stderr);
  assert.deepEqual(listed.stdout.trim().split('\n'), ['oauth-t']);
  const tokenFile = join(dir.dir, 'admin.jwt');
  writeFileSync(tokenFile, `${jwt(rsa, 'admin')}\n`);
  const fileProps = props('file.properties', [
    'security.protocol=SASL_SSL', `ssl.truststore.location=${certs.caFile}`, 'sasl.mechanism=OAUTHBEARER',
    `sasl.jaas.config=${LOGIN_MODULE} required;`,
    'sasl.login.callback.handler.class=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler',
    `sasl.oauthbearer.token.endpoint.url=${pathToFileURL(tokenFile).href}`,
  ]);
  const asAdmin = await samsa(['topics', '--list', '--bootstrap-server', bootstrapOf('SECURED'), '--command-config', fileProps]);
  assert.equal(asAdmin.code, 0, asAdmin.stderr);
  assert.match(asAdmin.stdout, /oauth-t[\s\S]*secret-t/);
  writeFileSync(tokenFile, `${jwt(rsa, 'admin', {}, -3600)}\n`);
  const expired = await samsa(['topics', '--list', '--bootstrap-server', bootstrapOf('SECURED'), '--command-config', fileProps]);
  assert.notEqual(expired.code, 0);
  assert.match(expired.stderr, /^samsa: .*invalid_token.*the JWT expired at/);
  const noSub = props('nosub.properties', ['security.protocol=SASL_PLAINTEXT', 'sasl.mechanism=OAUTHBEARER', `sasl.jaas.config=${LOGIN_MODULE} required unsecuredLoginStringClaim_user="x";`]);
  const bad = await samsa(['topics', '--list', '--bootstrap-server', bootstrapOf('UNSECURED'), '--command-config', noSub]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /No principal name in JWT claim: sub/);
});

test('KIP-768 logins from a token endpoint (client credentials): the CLI as alice; a wrong secret is one line with the endpoint\'s error; a token is reused until 80% of its life', { timeout: 30_000 }, async () => {
  const props = (name: string, secret: string): string => {
    const file = join(dir.dir, name);
    writeFileSync(file, [
      'security.protocol=SASL_SSL', `ssl.truststore.location=${certs.caFile}`, 'sasl.mechanism=OAUTHBEARER',
      `sasl.jaas.config=${LOGIN_MODULE} required clientId="alice" clientSecret="${secret}" scope="kafka";`,
      'sasl.login.callback.handler.class=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler',
      `sasl.oauthbearer.token.endpoint.url=${idpUrl}/token`, '',
    ].join('\n'));
    return file;
  };
  const before = tokenRequests.length;
  const listed = await samsa(['topics', '--list', '--bootstrap-server', bootstrapOf('SECURED'), '--command-config', props('idp.properties', 'alice-secret')]);
  assert.equal(listed.code, 0, listed.stderr);
  assert.deepEqual(listed.stdout.trim().split('\n'), ['oauth-t'], 'alice, by her token\'s subject, sees her topic only');
  assert.deepEqual(tokenRequests.slice(before), ['grant_type=client_credentials&scope=kafka']);
  const wrong = await samsa(['topics', '--list', '--bootstrap-server', bootstrapOf('SECURED'), '--command-config', props('idp-wrong.properties', 'nope')]);
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /^samsa: .*answered HTTP 401: \{invalid_client - unknown client or wrong secret\}\n$/);

  let now = Date.now();
  const login = oauthBearerLogin({
    listenerName: 'TEST', keyOf: (name) => name,
    value: (name) => ({
      'sasl.login.callback.handler.class': 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler',
      'sasl.oauthbearer.token.endpoint.url': `${idpUrl}/token`, 'sasl.login.refresh.window.factor': 0.8,
    } as Record<string, string | number>)[name] ?? null,
  }, { loginModule: LOGIN_MODULE, options: new Map([['clientId', 'alice'], ['clientSecret', 'alice-secret']]), key: 'sasl.jaas.config' }, () => now);
  const fetched = tokenRequests.length;
  const first = await login.token();
  assert.equal(await login.token(), first);
  assert.equal(tokenRequests.length, fetched + 1, 'one fetch for two logins');
  now += 481_000; // past 80% of the token's 600 s
  await login.token();
  assert.equal(tokenRequests.length, fetched + 2, 'a new token once the refresh window passed');
});
