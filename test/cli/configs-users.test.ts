/**
 * `samsa configs --entity-type users|clients` as kafka-configs.sh is used
 * for SCRAM credentials and client quotas: add, describe, delete, the checks
 * made before anything is sent, and the credentials after a broker restart
 * (with small metadata snapshots, so a snapshot carries them).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startTestBroker, tempDir, type TestBroker } from '../helpers/broker.ts';
import { isOneLineError, samsa } from '../helpers/samsa-cli.ts';

const CONFIG = { 'metadata.log.max.record.bytes.between.snapshots': '512' };
const data = tempDir('samsa-cli-scram-');
let broker: TestBroker;
let B: string[];

before(async () => {
  broker = await startTestBroker(CONFIG, data.dir);
  B = ['--bootstrap-server', broker.bootstrap];
});

after(async () => {
  await broker?.stop();
  data.remove();
});

const users = (args: string[]) => samsa(['configs', '--entity-type', 'users', ...args, ...B]);

test('configs users: add, describe and delete SCRAM credentials', async () => {
  let r = await users(['--alter', '--entity-name', 'alice', '--add-config', 'SCRAM-SHA-256=[iterations=8192,password=alice-secret]']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'Completed updating config for user alice.');
  r = await users(['--alter', '--entity-name', 'bob', '--add-config', 'SCRAM-SHA-512=[password=bob,secret]']);
  assert.equal(r.code, 0, r.stderr);

  r = await users(['--describe', '--entity-name', 'alice']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'SCRAM credential configs for user-principal \'alice\' are SCRAM-SHA-256=iterations=8192');
  r = await users(['--describe']);
  assert.deepEqual(r.stdout.trim().split('\n').sort(), [
    'SCRAM credential configs for user-principal \'alice\' are SCRAM-SHA-256=iterations=8192',
    'SCRAM credential configs for user-principal \'bob\' are SCRAM-SHA-512=iterations=4096',
  ]);
  r = await users(['--describe', '--entity-name', 'nobody', '--json']);
  assert.deepEqual(JSON.parse(r.stdout), [], 'a user without credentials is left out, as kafka-configs.sh does');

  r = await users(['--alter', '--entity-name', 'bob', '--delete-config', 'SCRAM-SHA-512']);
  assert.equal(r.code, 0, r.stderr);
  r = await users(['--describe', '--json']);
  assert.deepEqual((JSON.parse(r.stdout) as { user: string }[]).map((d) => d.user), ['alice']);
});

test('configs users: refusals before and from the broker', async () => {
  const [few, noName, badValue, many, missing, defaults, badQuota, notNumber] = await Promise.all([
    users(['--alter', '--entity-name', 'x', '--add-config', 'SCRAM-SHA-256=[iterations=100,password=p]']),
    users(['--alter', '--add-config', 'SCRAM-SHA-256=[password=p]']),
    users(['--alter', '--entity-name', 'x', '--add-config', 'SCRAM-SHA-256=[iterations=4096]']),
    users(['--alter', '--entity-name', 'x', '--add-config', 'SCRAM-SHA-256=[iterations=20000,password=p]']),
    users(['--alter', '--entity-name', 'x', '--delete-config', 'SCRAM-SHA-512']),
    users(['--alter', '--entity-default', '--add-config', 'SCRAM-SHA-256=[password=p]']),
    users(['--alter', '--entity-name', 'x', '--add-config', 'fetch_rate=1000']),
    users(['--alter', '--entity-name', 'x', '--add-config', 'consumer_byte_rate=lots']),
  ]);
  for (const r of [few, noName, badValue, many, missing, defaults, badQuota, notNumber]) assert.ok(isOneLineError(r), r.stderr);
  for (const r of [few, noName, badValue, defaults, notNumber]) assert.equal(r.code, 2, r.stderr);
  assert.match(few.stderr, /Iterations 100 is less than the minimum 4096 required for SCRAM-SHA-256/);
  assert.match(noName.stderr, /requires --entity-name/);
  assert.match(badValue.stderr, /Invalid credential property SCRAM-SHA-256/);
  assert.equal(many.code, 1);
  assert.match(many.stderr, /user 'x' failed: Too many iterations \(UNACCEPTABLE_CREDENTIAL\)/);
  assert.match(missing.stderr, /user 'x' failed: Attempt to delete a user credential that does not exist \(RESOURCE_NOT_FOUND\)/);
  assert.match(defaults.stderr, /--entity-default is not allowed with User SCRAM Credentials/);
  assert.equal(badQuota.code, 1);
  assert.match(badQuota.stderr, /user-principal 'x' failed: Invalid configuration key fetch_rate \(INVALID_REQUEST\)/);
  assert.match(notNumber.stderr, /Invalid value 'lots' for quota config consumer_byte_rate/);
});

test('configs users and clients: quotas, alone and combined, with the defaults', async () => {
  const run = async (args: string[]) => {
    const r = await samsa(['configs', ...args, ...B]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.trim();
  };
  assert.equal(await run(['--alter', '--entity-type', 'users', '--entity-name', 'quota-user', '--add-config', 'producer_byte_rate=1048576,consumer_byte_rate=2097152']),
    'Completed updating config for user-principal \'quota-user\'.');
  await run(['--alter', '--entity-type', 'clients', '--entity-default', '--add-config', 'request_percentage=12.5']);
  await run(['--alter', '--entity-type', 'users', '--entity-name', 'quota-user', '--entity-type', 'clients', '--entity-name', 'app',
    '--add-config', 'producer_byte_rate=10485760']);
  // SCRAM and quota configs of one user in one command, as kafka-configs.sh takes them.
  await run(['--alter', '--entity-type', 'users', '--entity-name', 'quota-user', '--add-config', 'SCRAM-SHA-256=[password=q],controller_mutation_rate=10']);

  assert.equal(await run(['--describe', '--entity-type', 'users', '--entity-name', 'quota-user']), [
    'Quota configs for user-principal \'quota-user\' are consumer_byte_rate=2097152.0, controller_mutation_rate=10.0, producer_byte_rate=1048576.0',
    'SCRAM credential configs for user-principal \'quota-user\' are SCRAM-SHA-256=iterations=4096',
  ].join('\n'));
  assert.equal(await run(['--describe', '--entity-type', 'clients', '--entity-default']), 'Quota configs for the default client-id are request_percentage=12.5');
  assert.equal(await run(['--describe', '--entity-type', 'users', '--entity-name', 'quota-user', '--entity-type', 'clients', '--entity-name', 'app']),
    'Quota configs for user-principal \'quota-user\', client-id \'app\' are producer_byte_rate=1.048576E7');
  assert.equal(await run(['--describe', '--entity-type', 'clients']), 'Quota configs for the default client-id are request_percentage=12.5');
  const json = JSON.parse(await run(['--describe', '--entity-type', 'users', '--entity-type', 'clients', '--json'])) as { entity: unknown; values: unknown }[];
  assert.deepEqual(json, [{ entity: [{ entityType: 'client-id', entityName: 'app' }, { entityType: 'user', entityName: 'quota-user' }], values: { producer_byte_rate: 10485760 } }]);

  await run(['--alter', '--entity-type', 'users', '--entity-name', 'quota-user', '--delete-config', 'producer_byte_rate,consumer_byte_rate,controller_mutation_rate,SCRAM-SHA-256']);
  await run(['--alter', '--entity-type', 'clients', '--entity-default', '--delete-config', 'request_percentage']);
  assert.equal(await run(['--describe', '--entity-type', 'clients', '--entity-default']), '');
  assert.equal(await run(['--describe', '--entity-type', 'users', '--entity-name', 'quota-user']), '');
});

test('configs users: credentials survive a broker restart', async () => {
  // Enough changes to pass the snapshot threshold several times.
  for (let i = 0; i < 4; i++) {
    const r = await users(['--alter', '--entity-name', `u${i}`, '--add-config', `SCRAM-SHA-512=[iterations=${4096 + i},password=p${i}]`]);
    assert.equal(r.code, 0, r.stderr);
  }
  await broker.stop();
  const snapshots = readdirSync(data.dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.checkpoint') && f.includes('__cluster_metadata'));
  assert.ok(snapshots.length > 0, `a metadata snapshot was taken: ${readdirSync(join(data.dir)).join(', ')}`);
  broker = await startTestBroker(CONFIG, data.dir);
  B = ['--bootstrap-server', broker.bootstrap];
  const r = await users(['--describe']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n').sort(), [
    'SCRAM credential configs for user-principal \'alice\' are SCRAM-SHA-256=iterations=8192',
    ...[0, 1, 2, 3].map((i) => `SCRAM credential configs for user-principal 'u${i}' are SCRAM-SHA-512=iterations=${4096 + i}`),
  ]);
});
