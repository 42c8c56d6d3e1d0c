/**
 * SCRAM credentials through a real embedded broker: AlterUserScramCredentials
 * forwarded to the controller and written to the metadata log,
 * DescribeUserScramCredentials answered from the broker's image, Kafka's
 * error codes on the wire, and the credentials after a restart (the
 * metadata log replayed).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestBroker, tempDir, type TestBroker } from '../helpers/broker.ts';
import { Cluster, ScramAdmin } from '../../src/client/index.ts';
import { ApiKey, ErrorCode, messages, sasl } from '../../src/protocol/index.ts';

const data = tempDir('samsa-scram-');
let broker: TestBroker;
const clusters: Cluster[] = [];

function admin(): { scram: ScramAdmin; cluster: Cluster } {
  const cluster = new Cluster({ bootstrapServers: [broker.bootstrap] });
  clusters.push(cluster);
  return { scram: new ScramAdmin(cluster), cluster };
}

before(async () => {
  broker = await startTestBroker({}, data.dir);
  await broker.ready;
});

after(async () => {
  for (const c of clusters) await c.close();
  await broker?.stop();
  data.remove();
});

test('the admin client upserts, describes and deletes credentials; the broker answers Kafka\'s errors', async () => {
  const { scram } = admin();
  assert.deepEqual(await scram.describeUserScramCredentials(), []);
  let results = await scram.alterUserScramCredentials([
    { kind: 'upsert', user: 'alice', mechanism: 'SCRAM-SHA-256', password: 'alice-secret', iterations: 8192 },
    { kind: 'upsert', user: 'bob', mechanism: 'SCRAM-SHA-512', password: 'bob-secret' },
    { kind: 'upsert', user: 'weak', mechanism: 'SCRAM-SHA-256', password: 'x', iterations: 1000 },
    { kind: 'upsert', user: 'slow', mechanism: 'SCRAM-SHA-256', password: 'x', iterations: 20000 },
    { kind: 'delete', user: 'ghost', mechanism: 'SCRAM-SHA-256' },
    { kind: 'upsert', user: 'empty', mechanism: 'SCRAM-SHA-256', password: '' },
  ]);
  assert.deepEqual(results.map((r) => [r.user, r.error, r.errorMessage]), [
    ['alice', 'NONE', null],
    ['bob', 'NONE', null],
    ['weak', 'UNACCEPTABLE_CREDENTIAL', 'Too few iterations'],
    ['slow', 'UNACCEPTABLE_CREDENTIAL', 'Too many iterations'],
    ['ghost', 'RESOURCE_NOT_FOUND', 'Attempt to delete a user credential that does not exist'],
    ['empty', 'UNACCEPTABLE_CREDENTIAL', 'Password must not be empty'],
  ]);

  // Described from the image: mechanism and iterations, nothing secret; unknown users are RESOURCE_NOT_FOUND.
  const described = await scram.describeUserScramCredentials(['alice', 'bob', 'nobody']);
  assert.deepEqual(described.map((d) => [d.user, d.error, d.credentials]), [
    ['alice', 'NONE', [{ mechanism: 'SCRAM-SHA-256', iterations: 8192 }]],
    ['bob', 'NONE', [{ mechanism: 'SCRAM-SHA-512', iterations: 4096 }]],
    ['nobody', 'RESOURCE_NOT_FOUND', []],
  ]);
  assert.equal(described[2]!.errorMessage, 'Attempt to describe a user credential that does not exist: nobody');
  assert.deepEqual((await scram.describeUserScramCredentials()).map((d) => d.user).sort(), ['alice', 'bob']);

  results = await scram.alterUserScramCredentials([
    { kind: 'upsert', user: 'alice', mechanism: 'SCRAM-SHA-512', password: 'alice-secret-2', iterations: 4096 },
    { kind: 'delete', user: 'bob', mechanism: 'SCRAM-SHA-512' },
  ]);
  assert.deepEqual(results.map((r) => r.error), ['NONE', 'NONE']);
  assert.deepEqual((await scram.describeUserScramCredentials()).map((d) => [d.user, d.credentials]), [
    ['alice', [{ mechanism: 'SCRAM-SHA-256', iterations: 8192 }, { mechanism: 'SCRAM-SHA-512', iterations: 4096 }]],
  ]);
});

test('raw requests: a user twice, an unknown mechanism, a duplicate describe', async () => {
  const { cluster } = admin();
  const conn = await cluster.any();
  const m = sasl.scram.scramMechanism('SCRAM-SHA-256')!;
  const salt = sasl.scram.randomSalt();
  const up = (name: string, mechanism: number): messages.AlterUserScramCredentialsRequestScramCredentialUpsertion => ({
    ...messages.defaultAlterUserScramCredentialsRequestScramCredentialUpsertion(),
    name, mechanism, iterations: 4096, salt, saltedPassword: sasl.scram.saltedPassword(m, 'pw', salt, 4096),
  });
  const res = await conn.request(ApiKey.AlterUserScramCredentials, {
    ...messages.AlterUserScramCredentialsRequest.defaults(),
    upsertions: [up('twice', 1), up('twice', 1), up('odd', 0), up('', 1), up('carol', 1)],
  });
  const byUser = new Map(res.results.map((r) => [r.user, r.errorCode]));
  assert.equal(byUser.get('twice'), ErrorCode.DUPLICATE_RESOURCE);
  assert.equal(byUser.get('odd'), ErrorCode.UNSUPPORTED_SASL_MECHANISM);
  assert.equal(byUser.get(''), ErrorCode.UNACCEPTABLE_CREDENTIAL);
  assert.equal(byUser.get('carol'), ErrorCode.NONE);

  const described = await conn.request(ApiKey.DescribeUserScramCredentials, {
    ...messages.DescribeUserScramCredentialsRequest.defaults(),
    users: ['carol', 'carol', 'twice'].map((name) => ({ ...messages.defaultDescribeUserScramCredentialsRequestUserName(), name })),
  });
  assert.equal(described.errorCode, ErrorCode.NONE);
  assert.deepEqual(described.results.map((r) => [r.user, r.errorCode]), [
    ['carol', ErrorCode.DUPLICATE_RESOURCE], ['twice', ErrorCode.RESOURCE_NOT_FOUND],
  ]);
});

test('credentials survive a restart: the metadata log is replayed into the image', async () => {
  await broker.stop();
  broker = await startTestBroker({}, data.dir);
  await broker.ready;
  const { scram } = admin();
  assert.deepEqual((await scram.describeUserScramCredentials()).map((d) => [d.user, d.credentials]).sort(), [
    ['alice', [{ mechanism: 'SCRAM-SHA-256', iterations: 8192 }, { mechanism: 'SCRAM-SHA-512', iterations: 4096 }]],
    ['carol', [{ mechanism: 'SCRAM-SHA-256', iterations: 4096 }]],
  ]);
  // Deleting after the restart finds the replayed credential.
  const results = await scram.alterUserScramCredentials([{ kind: 'delete', user: 'carol', mechanism: 'SCRAM-SHA-256' }]);
  assert.deepEqual(results.map((r) => r.error), ['NONE']);
});
