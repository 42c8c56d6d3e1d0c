/**
 * TLS without a restart: a listener's key store is reloaded when
 * IncrementalAlterConfigs sets `listener.name.<listener>.ssl.keystore.location`
 * on the broker (here to the path it already had, the file replaced under
 * it, as when a certificate is renewed). New connections see the new
 * certificate, open ones carry on; a store that does not load or whose
 * certificate changes the subject or drops a name is refused with
 * INVALID_REQUEST (what Kafka answers) and the listener keeps its
 * certificate. Also `ssl.cipher.suites` and `ssl.enabled.protocols`
 * restricting what a listener negotiates, checked with node:tls and kcat.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { connect as connectTls, type ConnectionOptions } from 'node:tls';
import { startBroker, type RunningBroker } from '../../src/index.ts';
import { Admin, ClientError, Cluster } from '../../src/client/index.ts';
import { ErrorCode } from '../../src/protocol/index.ts';
import { makeServerStore, makeTestCerts, type TestCerts } from '../helpers/certs.ts';
import { killAllChildren, run } from '../helpers/processes.ts';
import { samsa } from '../helpers/samsa-cli.ts';
import { until } from '../helpers/until.ts';
import { listenerPort } from '../helpers/broker.ts';

let certs: TestCerts;
let broker: RunningBroker;
let liveStore: string;
const lines: string[] = [];
const clusters: Cluster[] = [];

const portOf = (name: string): number => listenerPort(broker, name);

function cluster(listener: string, extra: Record<string, unknown> = {}): Cluster {
  const c = new Cluster({ bootstrapServers: [`127.0.0.1:${portOf(listener)}`], clientId: 'tls-reload-test', requestTimeoutMs: 5000, ...extra });
  clusters.push(c);
  return c;
}

before(async () => {
  certs = makeTestCerts();
  liveStore = join(certs.dir, 'live-store.pem');
  copyFileSync(certs.serverStore, liveStore);
  broker = await startBroker({
    port: 0,
    log: (line) => lines.push(line),
    config: {
      listeners: 'PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0,STRICT://127.0.0.1:0',
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,SSL:SSL,STRICT:SSL',
      'ssl.keystore.type': 'PEM', 'ssl.keystore.location': liveStore,
      'listener.name.strict.ssl.cipher.suites': 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
      'listener.name.strict.ssl.enabled.protocols': 'TLSv1.2',
    },
  });
});

after(async () => {
  killAllChildren();
  for (const c of clusters) await c.close().catch(() => undefined);
  await broker?.stop();
  certs?.remove();
});

/** What a new TLS connection to a listener negotiates: the broker's certificate, the protocol and the cipher; or the handshake's error. */
function handshake(listener: string, options: ConnectionOptions = {}): Promise<{ fingerprint: string; serial: string; protocol: string; cipher: string } | { error: string }> {
  return new Promise((resolve) => {
    const socket = connectTls({ host: '127.0.0.1', port: portOf(listener), ca: certs.caPem, servername: 'localhost', ...options }, () => {
      const peer = socket.getPeerX509Certificate()!;
      resolve({ fingerprint: peer.fingerprint256, serial: peer.serialNumber, protocol: socket.getProtocol() ?? '', cipher: socket.getCipher().name });
      socket.destroy();
    });
    socket.once('error', (e) => resolve({ error: e.message }));
  });
}

async function fingerprintOn(listener: string): Promise<string> {
  const r = await handshake(listener);
  assert.ok('fingerprint' in r, `TLS handshake: ${'error' in r ? r.error : ''}`);
  return r.fingerprint;
}

const fingerprintOf = (storeFile: string): string => new X509Certificate(readPemCertificate(storeFile)).fingerprint256;
function readPemCertificate(storeFile: string): string {
  const text = readFileSync(storeFile, 'utf8');
  return text.slice(text.indexOf('-----BEGIN CERTIFICATE-----'));
}

async function alterKeystore(admin: Admin, path: string): Promise<void> {
  await admin.incrementalAlterConfigs('broker', '1', { set: { 'listener.name.ssl.ssl.keystore.location': path } });
}

test('a renewed key store at the same path is reloaded on AlterConfigs; new connections see it, open ones carry on', { timeout: 30_000 }, async () => {
  const admin = new Admin(cluster('PLAINTEXT'));
  assert.equal(await fingerprintOn('SSL'), fingerprintOf(certs.serverStore));
  // A client connected over TLS before the reload.
  const before = cluster('SSL', { ssl: { ca: certs.caPem } });
  await before.refreshMetadata([]);

  const renewed = makeServerStore(certs, 'renewed');
  copyFileSync(renewed, liveStore);
  assert.equal(await fingerprintOn('SSL'), fingerprintOf(certs.serverStore), 'nothing changes before the config is altered');
  await alterKeystore(admin, liveStore);
  await until('new TLS connections to see the renewed certificate', async () => (await fingerprintOn('SSL')) === fingerprintOf(renewed));
  assert.ok(lines.some((l) => /listener SSL reloaded its TLS key store/.test(l)), lines.join('\n'));
  // STRICT reads the same file through the unprefixed ssl.keystore.location: every TLS listener reloads, as in Kafka.
  assert.equal(await fingerprintOn('STRICT'), fingerprintOf(renewed));
  await before.refreshMetadata([]);
  const after = await run('kcat', ['-b', `127.0.0.1:${portOf('SSL')}`, '-X', 'security.protocol=ssl', '-X', `ssl.ca.location=${certs.caFile}`, '-L', '-m', '5'], { timeoutMs: 20_000 });
  assert.equal(after.code, 0, after.stderr);
  const described = await admin.describeConfigs('broker', '1', ['listener.name.ssl.ssl.keystore.location']);
  assert.equal(described.find((e) => e.name === 'listener.name.ssl.ssl.keystore.location')?.value, liveStore);
});

test('a key store that does not load, or whose certificate changes its subject or drops a name, is refused and the listener keeps its certificate', { timeout: 30_000 }, async () => {
  const admin = new Admin(cluster('PLAINTEXT'));
  const current = await fingerprintOn('SSL');
  const broken = join(certs.dir, 'broken-store.pem');
  writeFileSync(broken, 'not a key store\n');
  const cases: [string, RegExp][] = [
    [broken, /SSL on listener SSL failed: .*broken-store\.pem/],
    [makeServerStore(certs, 'other-dn', '/CN=somebody-else'), /Keystore DistinguishedName does not match: existing=\{DN=CN=localhost\}, new=\{DN=CN=somebody-else\}/],
    [makeServerStore(certs, 'fewer-names', '/CN=localhost', 'DNS:localhost'), /Keystore SubjectAltNames do not match/],
  ];
  for (const [path, message] of cases) {
    const refused = await alterKeystore(admin, path).then(() => null, (e: unknown) => e);
    assert.ok(refused instanceof ClientError, `${path} is refused`);
    assert.equal(refused.kafkaErrorCode, ErrorCode.INVALID_REQUEST);
    assert.match(refused.message, message);
  }
  // The file it uses, replaced in place by a broken one: refused at once (here by the `samsa configs` an operator runs);
  // the listener goes on with what it loaded.
  copyFileSync(broken, liveStore);
  const cli = await samsa(['configs', '--bootstrap-server', `127.0.0.1:${portOf('PLAINTEXT')}`, '--alter', '--entity-type', 'brokers',
    '--entity-name', '1', '--add-config', `listener.name.ssl.ssl.keystore.location=${liveStore}`]);
  assert.equal(cli.code, 1, cli.stdout + cli.stderr);
  assert.match(cli.stderr, /SSL on listener SSL failed/);
  assert.equal(await fingerprintOn('SSL'), current);
  // The stored config is the one that last went through.
  const described = await admin.describeConfigs('broker', '1', ['listener.name.ssl.ssl.keystore.location']);
  assert.equal(described.find((e) => e.name === 'listener.name.ssl.ssl.keystore.location')?.value, liveStore);
});

test('ssl.cipher.suites and ssl.enabled.protocols limit what a listener negotiates', { timeout: 30_000 }, async () => {
  const strict = await handshake('STRICT');
  assert.ok('cipher' in strict, JSON.stringify(strict));
  assert.equal(strict.protocol, 'TLSv1.2');
  assert.equal(strict.cipher, 'ECDHE-ECDSA-AES256-GCM-SHA384');
  const otherCipher = await handshake('STRICT', { ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256', maxVersion: 'TLSv1.2' });
  assert.ok('error' in otherCipher, 'a client without the listed suite is refused');
  const tls13 = await handshake('STRICT', { minVersion: 'TLSv1.3' });
  assert.ok('error' in tls13, 'TLS 1.3 is not enabled on the listener');
  // The other listener keeps OpenSSL's defaults.
  const open = await handshake('SSL');
  assert.ok('protocol' in open && open.protocol === 'TLSv1.3');
  const kcat = await run('kcat', ['-b', `127.0.0.1:${portOf('STRICT')}`, '-X', 'security.protocol=ssl', '-X', `ssl.ca.location=${certs.caFile}`, '-L', '-m', '5'], { timeoutMs: 20_000 });
  assert.equal(kcat.code, 0, kcat.stderr);
});
