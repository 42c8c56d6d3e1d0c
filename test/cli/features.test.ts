/**
 * `samsa features` (kafka-features.sh) as processes against a real broker:
 * describe, upgrade, downgrade, disable with their dry runs, the levels
 * Samsa refuses, release versions, and the offline version-mapping and
 * feature-dependencies.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { isOneLineError, samsa } from '../helpers/samsa-cli.ts';

let broker: TestBroker;
let B: string[];

before(async () => {
  broker = await startTestBroker();
  B = ['--bootstrap-server', broker.bootstrap];
});

after(async () => {
  await broker?.stop();
});

/** describe's lines by feature: [supported min, supported max, finalized, epoch]. */
async function describe(): Promise<Map<string, string[]>> {
  const r = await samsa(['features', 'describe', ...B]);
  assert.equal(r.code, 0, r.stderr);
  const out = new Map<string, string[]>();
  for (const line of r.stdout.trim().split('\n')) {
    const m = /^Feature: (\S+)\tSupportedMinVersion: (\S+)\tSupportedMaxVersion: (\S+)\tFinalizedVersionLevel: (\S+)\tEpoch: (\d+)$/.exec(line);
    assert.ok(m !== null, `a kafka-features describe line: ${line}`);
    out.set(m[1]!, m.slice(2));
  }
  return out;
}

test('describe lists the features brokers support, metadata.version by its release name', async () => {
  const features = await describe();
  assert.deepEqual([...features.keys()], ['metadata.version', 'transaction.version'], 'features supported only at 0 are left out, as Kafka does');
  assert.deepEqual(features.get('metadata.version')!.slice(0, 3), ['3.9-IV0', '3.9-IV0', '3.9-IV0']);
  assert.deepEqual(features.get('transaction.version')!.slice(0, 3), ['0', '1', '0']);
});

test('upgrade, downgrade and disable transaction.version, with dry runs that change nothing', { timeout: 60_000 }, async () => {
  const before = await describe();

  let r = await samsa(['features', 'upgrade', '--feature', 'transaction.version=1', '--dry-run', ...B]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'transaction.version can be upgraded to 1.\n');
  assert.deepEqual(await describe(), before, 'a dry run changes no level and writes no record');

  r = await samsa(['features', 'upgrade', '--feature', 'transaction.version=1', ...B]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'transaction.version was upgraded to 1.\n');
  const upgraded = (await describe()).get('transaction.version')!;
  assert.equal(upgraded[2], '1');
  assert.ok(Number(upgraded[3]) > Number(before.get('transaction.version')![3]), 'the epoch moves with the metadata log');

  r = await samsa(['features', 'upgrade', '--feature', 'transaction.version=2', ...B]);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, 'Could not upgrade transaction.version to 2. The update failed for all features since the following feature had an error: '
    + 'Invalid update version 2 for feature transaction.version. Local controller 1 only supports versions 0-1\n');
  assert.ok(isOneLineError(r), r.stderr);
  assert.equal(r.stderr, 'samsa: 1 out of 1 operation(s) failed.\n');

  r = await samsa(['features', 'downgrade', '--feature', 'transaction.version=0', '--dry-run', ...B]);
  assert.equal(r.stdout, 'transaction.version can be downgraded to 0.\n', r.stderr);
  r = await samsa(['features', 'downgrade', '--feature', 'transaction.version=0', ...B]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'transaction.version was downgraded to 0.\n');
  assert.equal((await describe()).get('transaction.version')![2], '0');

  r = await samsa(['features', 'upgrade', '--feature', 'transaction.version=1', ...B]);
  assert.equal(r.code, 0, r.stderr);
  r = await samsa(['features', 'downgrade', '--feature', 'transaction.version=0', '--unsafe', ...B]);
  assert.equal(r.stdout, 'transaction.version was downgraded to 0.\n', 'Kafka lets an unsafe downgrade of transaction.version through too');

  r = await samsa(['features', 'upgrade', '--feature', 'transaction.version=1', ...B]);
  assert.equal(r.code, 0, r.stderr);
  r = await samsa(['features', 'disable', '--feature', 'transaction.version', ...B]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'transaction.version was disabled.\n');
  assert.equal((await describe()).get('transaction.version')![2], '0');
});

test('metadata.version: the one release Samsa runs is accepted, others and downgrades are refused', { timeout: 60_000 }, async () => {
  let r = await samsa(['features', 'upgrade', '--release-version', '3.9-IV0', ...B]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'metadata.version was upgraded to 21.\n', 'an upgrade leaves out the features at 0 for that release');

  r = await samsa(['features', 'upgrade', '--metadata', '3.9', '--dry-run', ...B]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, ' `metadata` flag is deprecated and may be removed in a future release.\nmetadata.version can be upgraded to 21.\n');

  r = await samsa(['features', 'upgrade', '--release-version', '4.0-IV3', ...B]);
  assert.equal(r.code, 2);
  assert.ok(isOneLineError(r), r.stderr);
  assert.equal(r.stderr, 'samsa: Unknown metadata.version 4.0-IV3. Supported metadata.version are 3.9-IV0\n');

  r = await samsa(['features', 'downgrade', '--feature', 'metadata.version=20', '--unsafe', ...B]);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /^Could not downgrade metadata.version to 20\. .*Invalid update version 20 for feature metadata\.version\. Local controller 1 only supports versions 21\n$/);

  r = await samsa(['features', 'downgrade', '--release-version', '3.9-IV0', '--dry-run', ...B]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, ['group.version can be downgraded to 0.', 'kraft.version can be downgraded to 0.', 'metadata.version can be downgraded to 21.',
    'transaction.version can be downgraded to 0.', ''].join('\n'));

  r = await samsa(['features', 'upgrade', '--feature', 'group.version=1', '--feature', 'transaction.version=1', ...B]);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, 'samsa: 2 out of 2 operation(s) failed.\n', 'one refusal fails the whole request');
  assert.equal((await describe()).get('transaction.version')![2], '0');
});

test('usage errors exit 2 with one line', async () => {
  for (const [args, message] of [
    [['upgrade'], 'You must specify at least one feature to upgrade'],
    [['upgrade', '--feature', 'transaction.version'], "Can't parse feature=level string transaction.version: equals sign not found."],
    [['upgrade', '--feature', 'transaction.version=x'], "Can't parse feature=level string transaction.version=x: unable to parse x as a short."],
    [['upgrade', '--feature', 'a=1', '--feature', 'a=1'], 'Feature a was specified more than once.'],
    [['upgrade', '--release-version', '3.9-IV0', '--feature', 'a=1'], 'Can not specify `release-version` with other feature flags.'],
    [['upgrade', '--feature', 'transaction.version=0'], 'The upgradeType flag should be set to SAFE_DOWNGRADE or UNSAFE_DOWNGRADE when the provided maxVersionLevel:0 is < 1.'],
  ] as const) {
    const r = await samsa(['features', ...args, ...B]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.ok(isOneLineError(r), r.stderr);
    assert.equal(r.stderr, `samsa: ${message}\n`);
  }
});

test('version-mapping and feature-dependencies answer from Samsa\'s feature table', async () => {
  let r = await samsa(['features', 'version-mapping', ...B]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'metadata.version=21 (3.9-IV0)\nkraft.version=0\ntransaction.version=0\ngroup.version=0\n');
  r = await samsa(['features', 'version-mapping', '--release-version', '3.8-IV0', ...B]);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, "samsa: Unknown release version '3.8-IV0'. Supported versions are: 3.9-IV0\n");
  r = await samsa(['features', 'feature-dependencies', '--feature', 'transaction.version=1', '--feature', 'kraft.version=1', '--feature', 'metadata.version=21', ...B]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'transaction.version=1 has no dependencies.\nkraft.version=1 requires:\n    metadata.version=21 (3.9-IV0)\nmetadata.version=21 (3.9-IV0) has no dependencies.\n');
  r = await samsa(['features', 'feature-dependencies', '--feature', 'no.such=1', ...B]);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, 'samsa: Unknown feature: no.such\n');
});
