/** AlterUserScramCredentials as the controller decides it (Kafka's ScramControlManager rules), records included. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planScramAlterations, type ScramUpsertion } from '../../src/controller/scram-credentials.ts';
import { MetadataDelta, MetadataImage, type MetadataRecord } from '../../src/metadata/index.ts';
import { ErrorCode, sasl } from '../../src/protocol/index.ts';

const SHA256 = 1;
const SHA512 = 2;

function upsert(name: string, mechanism = SHA256, iterations = 4096, password = 'secret'): ScramUpsertion {
  const m = sasl.scram.scramMechanismByType(mechanism);
  const salt = Buffer.from(`salt-of-${name}`);
  const saltedPassword = m === null ? Buffer.alloc(32, 1) : sasl.scram.saltedPassword(m, password, salt, 4096);
  return { name, mechanism, iterations, salt, saltedPassword };
}

function apply(image: MetadataImage, records: MetadataRecord[]): MetadataImage {
  const delta = new MetadataDelta(image);
  for (const r of records) delta.replay(r);
  return delta.apply(image.offset + records.length).image;
}

test('upsertions store keys derived from the salted password, never the salted password', () => {
  const records: MetadataRecord[] = [];
  const u = upsert('alice', SHA512, 8192, 'alice-secret');
  const results = planScramAlterations(MetadataImage.empty(), [], [u, upsert('bob')], records);
  assert.deepEqual(results, [
    { user: 'alice', errorCode: ErrorCode.NONE, errorMessage: null },
    { user: 'bob', errorCode: ErrorCode.NONE, errorMessage: null },
  ]);
  const image = apply(MetadataImage.empty(), records);
  const stored = image.scramCredential('alice', 'SCRAM-SHA-512')!;
  const m = sasl.scram.scramMechanism('SCRAM-SHA-512')!;
  assert.deepEqual(stored, { salt: u.salt, iterations: 8192, ...sasl.scram.scramKeys(m, u.saltedPassword) });
  for (const r of records) assert.equal(JSON.stringify(r.data).includes(JSON.stringify(u.saltedPassword)), false);
  assert.notEqual(image.scramCredential('bob', 'SCRAM-SHA-256'), null);
});

test('Kafka\'s refusals: empty name, unknown mechanism, iterations out of range, deleting what is not there, a user twice', () => {
  let records: MetadataRecord[] = [];
  const image = apply(MetadataImage.empty(), (planScramAlterations(MetadataImage.empty(), [], [upsert('carol')], records), records));
  records = [];
  const results = planScramAlterations(image, [
    { name: 'carol', mechanism: SHA512 },
    { name: 'dave', mechanism: SHA256 },
    { name: '', mechanism: SHA256 },
    { name: 'erin', mechanism: 7 },
    { name: 'frank', mechanism: SHA256 },
  ], [
    upsert('gina', SHA256, 4095), upsert('hank', SHA256, 16385), upsert('ivan', 3), upsert('frank', SHA512),
    upsert('judy', SHA256), upsert('judy', SHA512), upsert('judy', SHA256),
    upsert('kim', SHA256, 16384), { ...upsert('lee'), saltedPassword: Buffer.alloc(0) },
  ], records);
  const byUser = new Map(results.map((r) => [r.user, r]));
  const expect = (user: string, errorCode: number, errorMessage: string | null) => assert.deepEqual(byUser.get(user), { user, errorCode, errorMessage }, user);
  expect('carol', ErrorCode.RESOURCE_NOT_FOUND, 'Attempt to delete a user credential that does not exist');
  expect('dave', ErrorCode.RESOURCE_NOT_FOUND, 'Attempt to delete a user credential that does not exist');
  expect('', ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Username must not be empty');
  expect('erin', ErrorCode.UNSUPPORTED_SASL_MECHANISM, 'Unknown SCRAM mechanism');
  expect('gina', ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Too few iterations');
  expect('hank', ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Too many iterations');
  expect('ivan', ErrorCode.UNSUPPORTED_SASL_MECHANISM, 'Unknown SCRAM mechanism');
  // frank: a deletion (of a missing credential) was refused first, so the upsertion is not looked at.
  expect('frank', ErrorCode.RESOURCE_NOT_FOUND, 'Attempt to delete a user credential that does not exist');
  // judy: one user twice, whatever the mechanism, as Kafka's controller rules; the third stays refused.
  expect('judy', ErrorCode.DUPLICATE_RESOURCE, 'A user credential cannot be altered twice in the same request');
  expect('kim', ErrorCode.NONE, null);
  expect('lee', ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Salted password must not be empty');
  assert.equal(results.length, byUser.size, 'one result per user');
  assert.equal(records.length, 1, 'only kim is written');

  const after = apply(image, records);
  records = [];
  assert.deepEqual(planScramAlterations(after, [{ name: 'carol', mechanism: SHA256 }, { name: 'kim', mechanism: SHA256 }], [], records).map((r) => r.errorCode),
    [ErrorCode.NONE, ErrorCode.NONE]);
  const emptied = apply(after, records);
  assert.equal(emptied.scramCredentials.size, 0);
});
