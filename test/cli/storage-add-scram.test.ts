/**
 * `samsa storage format --add-scram`, as kafka-storage.sh's: SCRAM
 * credentials go into the metadata directory's bootstrap.checkpoint, the
 * first controller commits them with metadata.version, and a node started
 * on the directory lets the user log in with SCRAM before anyone created a
 * credential through the admin API. Malformed arguments get Kafka's words,
 * one line, exit 2, and nothing is formatted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Admin, Cluster } from '../../src/client/index.ts';
import { startBroker } from '../../src/index.ts';
import { FeatureName, METADATA_VERSION_LEVEL, RecordType } from '../../src/metadata/index.ts';
import { sasl } from '../../src/protocol/index.ts';
import { BOOTSTRAP_FILE_NAME, readBootstrapMetadata } from '../../src/server/index.ts';
import { tempDir } from '../helpers/broker.ts';
import { isOneLineError, samsa } from '../helpers/samsa-cli.ts';

const CLUSTER_ID = 'q1Sh-9_ISia_zwGINzRvyQ';

test('malformed --add-scram arguments are refused in Kafka\'s words, before any directory is formatted', { timeout: 30_000 }, async () => {
  const dir = tempDir('samsa-add-scram-bad-');
  try {
    const config = join(dir.dir, 'server.properties');
    writeFileSync(config, `node.id=1\nlog.dirs=${join(dir.dir, 'logs')}\n`);
    const cases: [string, RegExp][] = [
      ['alice', /Failed to find equals sign in SCRAM argument 'alice'/],
      ['SCRAM-SHA-1=[name=alice,password=x]', /The add-scram mechanism SCRAM-SHA-1 is not supported\./],
      ['SCRAM-SHA-256=name=alice', /Expected configuration string to start with \[/],
      ['SCRAM-SHA-256=[name=alice,password=x', /Expected configuration string to end with \]/],
      ['SCRAM-SHA-256=[password=x]', /You must supply 'name' to add-scram/],
      ['SCRAM-SHA-256=[name=alice]', /You must supply one of 'password' or 'saltedpassword' to add-scram/],
      ['SCRAM-SHA-256=[name=alice,saltedpassword="YCE="]', /You must supply 'salt' with 'saltedpassword' to add-scram/],
      ['SCRAM-SHA-256=[name=alice,password=x,iterations=100]', /The 'iterations' value must be >= 4096 for add-scram using SCRAM-SHA-256/],
      ['SCRAM-SHA-512=[name=alice,password=x,iterations=20000]', /The 'iterations' value must be <= 16384 for add-scram using SCRAM-SHA-512/],
      ['SCRAM-SHA-256=[name=alice,password=x,iterations=many]', /Failed to parse iterations count: many/],
      ['SCRAM-SHA-256=[name=alice,password=x,colour=blue]', /Unknown SCRAM configurations: colour/],
      ['SCRAM-SHA-256=[name=alice,password=x,salt=%%%]', /Failed to decode given salt: %%%/],
    ];
    for (const [argument, message] of cases) {
      const r = await samsa(['storage', 'format', '-t', CLUSTER_ID, '-c', config, '--add-scram', argument]);
      assert.ok(isOneLineError(r), `${argument}: ${r.stderr}`);
      assert.equal(r.code, 2, argument);
      assert.match(r.stderr, message, argument);
    }
    assert.equal(existsSync(join(dir.dir, 'logs', 'meta.properties')), false, 'nothing was formatted');
  } finally {
    dir.remove();
  }
});

test('--add-scram credentials are in the bootstrap metadata, and a node started on it logs the user in', { timeout: 30_000 }, async () => {
  const dir = tempDir('samsa-add-scram-');
  const metadataDir = join(dir.dir, 'metadata');
  const logDir = join(dir.dir, 'logs');
  const config = {
    'node.id': '1', 'log.dirs': logDir, 'metadata.log.dir': metadataDir,
    listeners: 'SASL_PLAINTEXT://127.0.0.1:0', 'sasl.enabled.mechanisms': 'SCRAM-SHA-256,SCRAM-SHA-512',
  };
  const file = join(dir.dir, 'server.properties');
  writeFileSync(file, Object.entries(config).map(([k, v]) => `${k}=${v}`).join('\n'));
  const formatted = await samsa(['storage', 'format', '-t', CLUSTER_ID, '-c', file,
    '-S', 'SCRAM-SHA-256=[name=alice,iterations=8192,salt="N3E=",saltedpassword="YCE="]',
    '--add-scram', 'SCRAM-SHA-512=[name=broker,password=broker-secret]']);
  assert.equal(formatted.code, 0, formatted.stderr);
  assert.equal(existsSync(join(logDir, BOOTSTRAP_FILE_NAME)), false, 'only the metadata directory has the bootstrap file');

  const records = readBootstrapMetadata(metadataDir)!;
  assert.deepEqual(records.map((r) => r.type), [RecordType.FeatureLevel, RecordType.UserScramCredential, RecordType.UserScramCredential]);
  const [version, alice, broker] = records;
  assert.ok(version!.type === RecordType.FeatureLevel);
  assert.deepEqual([version!.data.name, version!.data.featureLevel], [FeatureName.MetadataVersion, METADATA_VERSION_LEVEL]);
  assert.ok(alice!.type === RecordType.UserScramCredential && broker!.type === RecordType.UserScramCredential);
  const sha256 = sasl.scram.scramMechanism('SCRAM-SHA-256')!;
  const keys = sasl.scram.scramKeys(sha256, Buffer.from('YCE=', 'base64'));
  assert.deepEqual(
    [alice!.data.name, alice!.data.mechanism, alice!.data.iterations, alice!.data.salt, alice!.data.storedKey, alice!.data.serverKey],
    ['alice', sha256.type, 8192, Buffer.from('N3E=', 'base64'), keys.storedKey, keys.serverKey],
  );
  assert.deepEqual([broker!.data.name, broker!.data.iterations, broker!.data.salt.length > 0], ['broker', 4096, true]);

  const node = await startBroker({ config });
  const cluster = new Cluster({ bootstrapServers: [node.bootstrap], sasl: { mechanism: 'SCRAM-SHA-512', username: 'broker', password: 'broker-secret' } });
  try {
    const described = await new Admin(cluster).describeCluster();
    assert.equal(described.brokers.length, 1, 'the credential from the bootstrap metadata logs in');
  } finally {
    await cluster.close();
    await node.stop();
    dir.remove();
  }
});
