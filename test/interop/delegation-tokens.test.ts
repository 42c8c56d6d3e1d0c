/**
 * Delegation tokens (KIP-48) end to end on one broker with a PLAINTEXT
 * listener (the operator's, super user) and a SASL_PLAINTEXT listener with
 * SCRAM-SHA-256 users alice, bob and carol, the StandardAuthorizer and
 * `delegation.token.secret.key`: `samsa delegation-tokens` creates, renews,
 * expires and describes tokens as kafka-delegation-tokens.sh does, and a
 * token logs Samsa's client in as its owner (SCRAM with tokenauth=true).
 * Tokens survive a restart; without the key the APIs are disabled; a
 * broker-only node forwards token requests to a controller on another node.
 *
 * No third-party client here can log in with a token: librdkafka 2.0.2
 * (kcat, confluent-kafka) and KafkaJS have no way to send the SCRAM
 * `tokenauth=true` extension, so kcat with the token id and HMAC as an
 * ordinary SCRAM user is refused, and token logins are tested with Samsa's client.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startBroker, type RunningBroker } from '../../src/index.ts';
import { AclAdmin, Admin, Cluster, DelegationTokenAdmin, ScramAdmin } from '../../src/client/index.ts';
import {
  AclOperation, AclPatternType, AclPermissionType, AclResourceType, ApiKey, BrokerConnection, ErrorCode, messages, type SaslClientOptions,
} from '../../src/protocol/index.ts';
import { freePorts } from '../../src/server/local-nodes.ts';
import { samsa } from '../helpers/samsa-cli.ts';
import { tempDir } from '../helpers/broker.ts';
import { until } from '../helpers/until.ts';
import { killAllChildren, run } from '../helpers/processes.ts';

const SECRET_KEY = 'samsa-test-token-secret';
const CONFIG = {
  listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
  'sasl.enabled.mechanisms': 'SCRAM-SHA-256',
  'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
  // The PLAINTEXT listener is the operator's: its anonymous principal is a super user.
  'super.users': 'User:ANONYMOUS',
  'delegation.token.secret.key': SECRET_KEY,
  // The controller sweeps expired tokens quickly, so the test can watch one go.
  'delegation.token.expiry.check.interval.ms': '200',
  'offsets.topic.replication.factor': '1',
};

const data = tempDir('samsa-dtoken-');
const configs = tempDir('samsa-dtoken-cfg-');
let broker: RunningBroker;
let clusters: Cluster[] = [];

function bootstrapOf(name: 'PLAINTEXT' | 'SASL_PLAINTEXT', of: RunningBroker = broker): string {
  const l = of.listeners.find((x) => x.name === name)!;
  return `${l.host}:${l.port}`;
}

function cluster(bootstrap: string, sasl: SaslClientOptions | null = null): Cluster {
  const c = new Cluster({ bootstrapServers: [bootstrap], clientId: 'dtoken-test', requestTimeoutMs: 5000, ...(sasl === null ? {} : { sasl }) });
  clusters.push(c);
  return c;
}

const asUser = (user: string, of?: RunningBroker) =>
  cluster(bootstrapOf('SASL_PLAINTEXT', of), { mechanism: 'SCRAM-SHA-256', username: user, password: `${user}-secret` });
const withToken = (tokenId: string, hmac: string) =>
  cluster(bootstrapOf('SASL_PLAINTEXT'), { mechanism: 'SCRAM-SHA-256', username: tokenId, password: hmac, tokenAuth: true });

async function closeClusters(): Promise<void> {
  for (const c of clusters) await c.close().catch(() => undefined);
  clusters = [];
}

/** A --command-config file logging in as `user` with SCRAM-SHA-256. */
function commandConfig(user: string): string {
  const file = join(configs.dir, `${user}.properties`);
  writeFileSync(file, [
    'security.protocol=SASL_PLAINTEXT', 'sasl.mechanism=SCRAM-SHA-256',
    `sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${user}" password="${user}-secret";`,
  ].join('\n'));
  return file;
}

function tokensCli(user: string, args: string[]) {
  return samsa(['delegation-tokens', '--bootstrap-server', bootstrapOf('SASL_PLAINTEXT'), '--command-config', commandConfig(user), ...args]);
}

async function scramUsers(of: RunningBroker): Promise<void> {
  const results = await new ScramAdmin(cluster(bootstrapOf('PLAINTEXT', of))).alterUserScramCredentials(['alice', 'bob', 'carol', 'dave'].map((user) => ({
    kind: 'upsert' as const, user, mechanism: 'SCRAM-SHA-256' as const, password: `${user}-secret`,
  })));
  assert.deepEqual(results.map((r) => r.errorCode), [0, 0, 0, 0]);
}

async function grant(principal: string, resourceType: number, resourceName: string, operation: number): Promise<void> {
  const [r] = await new AclAdmin(cluster(bootstrapOf('PLAINTEXT'))).createAcls([{
    resourceType, resourceName, patternType: AclPatternType.LITERAL, principal, host: '*', operation, permissionType: AclPermissionType.ALLOW,
  }]);
  assert.equal(r!.errorCode, 0, r!.errorMessage ?? '');
}

before(async () => {
  broker = await startBroker({ port: 0, dataDir: data.dir, config: CONFIG, log: () => undefined });
  await scramUsers(broker);
  await new Admin(cluster(bootstrapOf('PLAINTEXT'))).createTopics([{ name: 'dt-topic', partitions: 1 }]);
  // Only alice (and super users) may see dt-topic: a token connection that sees it is alice's.
  await grant('User:alice', AclResourceType.TOPIC, 'dt-topic', AclOperation.DESCRIBE);
});

after(async () => {
  killAllChildren();
  await closeClusters();
  await broker?.stop();
  data.remove();
  configs.remove();
});

/** The token id and HMAC in `samsa delegation-tokens --create` output (Kafka's table). */
function createdToken(stdout: string): { tokenId: string; hmac: string; row: string[] } {
  const tokenId = /Created delegation token with tokenId : (\S+)/.exec(stdout)?.[1];
  assert.ok(tokenId, stdout);
  const row = stdout.split('\n').find((l) => l.startsWith(`${tokenId} `))!.trim().split(/\s+/);
  return { tokenId, hmac: row[1]!, row };
}

let first: { tokenId: string; hmac: string };

test('samsa delegation-tokens --create over SCRAM prints the token, which logs Samsa\'s client in as its owner', { timeout: 30_000 }, async () => {
  const created = await tokensCli('alice', ['--create', '--max-life-time-period', '-1', '--renewer-principal', 'User:bob']);
  assert.equal(created.code, 0, created.stderr);
  assert.match(created.stdout, /Calling create token operation with renewers :\[User:bob\] , max-life-time-period :-1/);
  assert.match(created.stdout, /TOKENID\s+HMAC\s+OWNER\s+REQUESTER\s+RENEWERS\s+ISSUEDATE\s+EXPIRYDATE\s+MAXDATE/);
  const { tokenId, hmac, row } = createdToken(created.stdout);
  assert.deepEqual(row.slice(2, 5), ['User:alice', 'User:alice', '[User:bob]']);
  assert.equal(Buffer.from(hmac, 'base64').length, 64, 'HMAC-SHA512');
  first = { tokenId, hmac };

  const topics = await new Admin(withToken(tokenId, hmac)).listTopics();
  assert.deepEqual(topics.map((t) => t.name), ['dt-topic'], 'the token connection is alice\'s');
  // A token-authenticated connection may not manage tokens, not even its owner's.
  await assert.rejects(new DelegationTokenAdmin(withToken(tokenId, hmac)).createDelegationToken(), /DELEGATION_TOKEN_REQUEST_NOT_ALLOWED/);
  await assert.rejects(new DelegationTokenAdmin(withToken(tokenId, hmac)).describeDelegationToken(), /DELEGATION_TOKEN_REQUEST_NOT_ALLOWED/);
  // The samsa tools log in with a token from --command-config (tokenauth="true" in the JAAS line), and are refused token requests too.
  const tokenConfig = join(configs.dir, 'token.properties');
  writeFileSync(tokenConfig, [
    'security.protocol=SASL_PLAINTEXT', 'sasl.mechanism=SCRAM-SHA-256',
    `sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${tokenId}" password="${hmac}" tokenauth="true";`,
  ].join('\n'));
  const listed = await samsa(['topics', '--bootstrap-server', bootstrapOf('SASL_PLAINTEXT'), '--command-config', tokenConfig, '--list']);
  assert.equal(listed.code, 0, listed.stderr);
  assert.equal(listed.stdout.trim(), 'dt-topic');
  const refused = await samsa(['delegation-tokens', '--bootstrap-server', bootstrapOf('SASL_PLAINTEXT'), '--command-config', tokenConfig, '--describe']);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /DELEGATION_TOKEN_REQUEST_NOT_ALLOWED/);
  // A wrong HMAC, and the token without tokenauth (an ordinary SCRAM user of that name), log nobody in.
  await assert.rejects(new Admin(withToken(tokenId, Buffer.alloc(64, 1).toString('base64'))).listTopics(), /SASL|authentication/i);
  const kcat = await run('kcat', [
    '-b', bootstrapOf('SASL_PLAINTEXT'), '-m', '1', '-X', 'security.protocol=sasl_plaintext', '-X', 'sasl.mechanisms=SCRAM-SHA-256',
    '-X', `sasl.username=${tokenId}`, '-X', `sasl.password=${hmac}`, '-L',
  ], { timeoutMs: 15_000 });
  assert.notEqual(kcat.code, 0, 'librdkafka cannot send tokenauth=true');
  assert.match(kcat.stderr, /Authentication failed/);
});

test('only the owner and renewers renew; describe shows what each principal may see; the rules refuse the rest', { timeout: 30_000 }, async () => {
  const renewed = await tokensCli('bob', ['--renew', '--hmac', first.hmac, '--renew-time-period', '60000']);
  assert.equal(renewed.code, 0, renewed.stderr);
  assert.match(renewed.stdout, /Completed renew operation\. New expiry date : \d{4}-\d\d-\d\dT\d\d:\d\d/);
  const hmac = Buffer.from(first.hmac, 'base64');
  await assert.rejects(new DelegationTokenAdmin(asUser('carol')).renewDelegationToken(hmac), /DELEGATION_TOKEN_OWNER_MISMATCH/);

  const asAlice = await tokensCli('alice', ['--describe']);
  assert.equal(asAlice.code, 0, asAlice.stderr);
  assert.match(asAlice.stdout, /Total number of tokens : 1\n/);
  assert.ok(asAlice.stdout.includes(first.tokenId));
  const bobSees = await new DelegationTokenAdmin(asUser('bob')).describeDelegationToken(['User:bob']);
  assert.deepEqual(bobSees.map((t) => t.tokenId), [first.tokenId], 'a renewer sees the token');
  const carol = new DelegationTokenAdmin(asUser('carol'));
  assert.deepEqual(await carol.describeDelegationToken(), []);
  await assert.rejects(carol.createDelegationToken({ owner: 'User:alice' }), /DELEGATION_TOKEN_AUTHORIZATION_FAILED/);
  const acl = await samsa(['acls', '--bootstrap-server', bootstrapOf('PLAINTEXT'), '--add', '--allow-principal', 'User:carol',
    '--operation', 'DescribeTokens', '--user-principal', 'User:alice']);
  assert.equal(acl.code, 0, acl.stderr);
  assert.match(acl.stdout, /resourceType=USER, name=User:alice.*\n.*operation=DESCRIBE_TOKENS/);
  const carolSees = await carol.describeDelegationToken();
  assert.deepEqual(carolSees.map((t) => [t.tokenId, t.owner, t.renewers]), [[first.tokenId, 'User:alice', ['User:bob']]]);
  assert.equal(carolSees[0]!.hmac.toString('base64'), first.hmac);
  // Describe on one DELEGATION_TOKEN resource shows that token only.
  const other = await new DelegationTokenAdmin(asUser('alice')).createDelegationToken();
  const dave = new DelegationTokenAdmin(asUser('dave'));
  assert.deepEqual(await dave.describeDelegationToken(), []);
  const tokenAcl = await samsa(['acls', '--bootstrap-server', bootstrapOf('PLAINTEXT'), '--add', '--allow-principal', 'User:dave',
    '--operation', 'Describe', '--delegation-token', other.tokenId]);
  assert.equal(tokenAcl.code, 0, tokenAcl.stderr);
  assert.deepEqual((await dave.describeDelegationToken()).map((t) => t.tokenId), [other.tokenId]);
  await new DelegationTokenAdmin(asUser('alice')).expireDelegationToken(other.hmac);

  await assert.rejects(carol.createDelegationToken({ renewers: ['Group:ops'] }), /INVALID_PRINCIPAL_TYPE/);
  const plaintext = await samsa(['delegation-tokens', '--bootstrap-server', bootstrapOf('PLAINTEXT'), '--create', '--max-life-time-period', '-1']);
  assert.notEqual(plaintext.code, 0);
  assert.match(plaintext.stderr, /DELEGATION_TOKEN_REQUEST_NOT_ALLOWED/);
  const usage = await tokensCli('alice', ['--renew', '--hmac', first.hmac]);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /--renew requires --renew-time-period/);
});

test('tokens survive a restart; an expired token logs nobody in and the controller removes it', { timeout: 40_000 }, async () => {
  const second = await new DelegationTokenAdmin(asUser('alice')).createDelegationToken({ maxLifetimeMs: 3_600_000 });
  assert.ok(second.maxTimestampMs - second.issueTimestampMs <= 3_600_000, 'the lifetime asked for caps the token');
  assert.ok(second.expiryTimestampMs <= second.maxTimestampMs);
  const secondHmac = second.hmac.toString('base64');
  await closeClusters();
  await broker.stop();
  broker = await startBroker({ port: 0, dataDir: data.dir, config: CONFIG, log: () => undefined });
  assert.deepEqual((await new Admin(withToken(second.tokenId, secondHmac)).listTopics()).map((t) => t.name), ['dt-topic']);

  const expired = await tokensCli('alice', ['--expire', '--hmac', first.hmac, '--expiry-time-period', '-1']);
  assert.equal(expired.code, 0, expired.stderr);
  assert.match(expired.stdout, /Completed expire operation\. New expiry date : /);
  await assert.rejects(new Admin(withToken(first.tokenId, first.hmac)).listTopics(), /SASL|authentication/i);
  const alice = new DelegationTokenAdmin(asUser('alice'));
  await assert.rejects(alice.renewDelegationToken(Buffer.from(first.hmac, 'base64')), /DELEGATION_TOKEN_NOT_FOUND/);

  // Expiring in 1 ms: past that, logins are refused and the controller's sweep removes the token.
  await alice.expireDelegationToken(second.hmac, 1);
  await until('the expired token is removed', async () => (await alice.describeDelegationToken()).length === 0, { timeoutMs: 10_000 });
  await assert.rejects(new Admin(withToken(second.tokenId, secondHmac)).listTopics(), /SASL|authentication/i);
});

test('without delegation.token.secret.key the token APIs answer DELEGATION_TOKEN_AUTH_DISABLED', { timeout: 30_000 }, async () => {
  const plain = tempDir('samsa-dtoken-off-');
  const { 'delegation.token.secret.key': _key, ...withoutKey } = CONFIG;
  const off = await startBroker({ port: 0, dataDir: plain.dir, config: withoutKey, log: () => undefined });
  try {
    await scramUsers(off);
    const alice = new DelegationTokenAdmin(asUser('alice', off));
    await assert.rejects(alice.createDelegationToken(), (e: Error & { kafkaErrorCode?: number }) => e.kafkaErrorCode === ErrorCode.DELEGATION_TOKEN_AUTH_DISABLED);
    await assert.rejects(alice.describeDelegationToken(), /DELEGATION_TOKEN_AUTH_DISABLED/);
    await assert.rejects(alice.renewDelegationToken(Buffer.alloc(64)), /DELEGATION_TOKEN_AUTH_DISABLED/);
  } finally {
    await closeClusters();
    await off.stop();
    plain.remove();
  }
});

test('a broker-only node forwards token requests to a controller on another node, with the requester\'s principal', { timeout: 40_000 }, async () => {
  const root = tempDir('samsa-dtoken-2n-');
  const [controllerPort] = await freePorts(1);
  const clusterId = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64url');
  const quorum = {
    'controller.quorum.voters': `1@127.0.0.1:${controllerPort}`, 'controller.listener.names': 'CONTROLLER',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT',
    'delegation.token.secret.key': SECRET_KEY,
  };
  const controller = await startBroker({
    dataDir: join(root.dir, 'c'), clusterId, log: () => undefined,
    config: { ...quorum, 'node.id': '1', 'process.roles': 'controller', listeners: `CONTROLLER://127.0.0.1:${controllerPort}` },
  });
  const node = await startBroker({
    dataDir: join(root.dir, 'b'), clusterId, log: () => undefined,
    config: {
      ...quorum, 'node.id': '2', 'process.roles': 'broker', 'inter.broker.listener.name': 'PLAINTEXT', 'sasl.enabled.mechanisms': 'SCRAM-SHA-256',
      listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0', 'offsets.topic.replication.factor': '1',
    },
  });
  try {
    await Promise.all([controller.ready, node.ready]);
    await scramUsers(node);
    const token = await new DelegationTokenAdmin(asUser('alice', node)).createDelegationToken({ renewers: ['User:bob'] });
    assert.equal(token.owner, 'User:alice');
    assert.equal(token.requester, 'User:alice');
    // The controller decided with the principal the broker forwarded: bob may renew, carol may not.
    assert.ok(await new DelegationTokenAdmin(asUser('bob', node)).renewDelegationToken(token.hmac, 60_000) > token.issueTimestampMs);
    await assert.rejects(new DelegationTokenAdmin(asUser('carol', node)).renewDelegationToken(token.hmac), /DELEGATION_TOKEN_OWNER_MISMATCH/);
    const worker = cluster(bootstrapOf('SASL_PLAINTEXT', node), {
      mechanism: 'SCRAM-SHA-256', username: token.tokenId, password: token.hmac.toString('base64'), tokenAuth: true,
    });
    assert.ok(Array.isArray(await new Admin(worker).listTopics()), 'the token logs in on the broker node');
    // Sent straight to the controller listener, a request carries no requester and is not allowed.
    const direct = await BrokerConnection.open({ host: '127.0.0.1', port: controllerPort!, clientId: 'direct', requestTimeoutMs: 5000, connectTimeoutMs: 5000 });
    try {
      const res = await direct.request(ApiKey.CreateDelegationToken, messages.CreateDelegationTokenRequest.defaults());
      assert.equal(res.errorCode, ErrorCode.DELEGATION_TOKEN_REQUEST_NOT_ALLOWED);
    } finally {
      direct.close();
    }
  } finally {
    await closeClusters();
    await node.stop();
    await controller.stop();
    root.remove();
  }
});
