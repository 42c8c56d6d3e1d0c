/**
 * Test certificates made with openssl at test time, in a temp directory: a
 * CA, a server certificate for localhost and 127.0.0.1 (subjectAltName), a
 * client certificate signed by the CA, and one signed by a CA nobody trusts.
 * Each `*Store` file is a PEM key store as Kafka's ssl.keystore.type=PEM
 * reads it: the private key followed by the certificate.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCerts {
  readonly dir: string;
  /** The CA certificate (the trust store). */
  readonly caFile: string;
  readonly caPem: string;
  /** Server key store: key + certificate for CN=localhost, SAN DNS:localhost, IP:127.0.0.1. */
  readonly serverStore: string;
  readonly serverKeyFile: string;
  readonly serverCertFile: string;
  /** The same server key encrypted with `serverKeyPassword`, and its key store. */
  readonly serverEncryptedStore: string;
  readonly serverKeyPassword: string;
  /** Client key store for CN=alice,OU=Tests,O=Samsa,C=US, signed by the CA. */
  readonly clientStore: string;
  readonly clientKeyFile: string;
  readonly clientCertFile: string;
  readonly clientKeyPem: string;
  readonly clientCertPem: string;
  /** The client's subject in RFC 2253 form. */
  readonly clientDn: string;
  /** A client key store signed by another CA. */
  readonly strangerStore: string;
  remove(): void;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('/usr/bin/openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function newKey(cwd: string, name: string): void {
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-out', name], cwd);
}

function selfSignedCa(cwd: string, name: string, subject: string): void {
  newKey(cwd, `${name}.key`);
  openssl(['req', '-x509', '-new', '-key', `${name}.key`, '-out', `${name}.pem`, '-days', '3', '-subj', subject], cwd);
}

function signed(cwd: string, name: string, subject: string, ca: string, extensions: string | null): void {
  newKey(cwd, `${name}.key`);
  openssl(['req', '-new', '-key', `${name}.key`, '-out', `${name}.csr`, '-subj', subject], cwd);
  const args = ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.pem`, '-days', '3'];
  if (extensions !== null) {
    writeFileSync(join(cwd, `${name}.ext`), extensions);
    args.push('-extfile', `${name}.ext`);
  }
  openssl(args, cwd);
  const store = readFileSync(join(cwd, `${name}.key`), 'utf8') + readFileSync(join(cwd, `${name}.pem`), 'utf8');
  writeFileSync(join(cwd, `${name}-store.pem`), store);
}

export function makeTestCerts(): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-certs-'));
  selfSignedCa(dir, 'ca', '/CN=Samsa Test CA');
  selfSignedCa(dir, 'other-ca', '/CN=Somebody Else CA');
  signed(dir, 'server', '/CN=localhost', 'ca', 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  signed(dir, 'client', '/C=US/O=Samsa/OU=Tests/CN=alice', 'ca', null);
  signed(dir, 'stranger', '/CN=mallory', 'other-ca', null);
  const password = 'key-secret';
  openssl(['pkcs8', '-topk8', '-in', 'server.key', '-out', 'server-enc.key', '-passout', `pass:${password}`, '-v2', 'aes-256-cbc'], dir);
  writeFileSync(join(dir, 'server-enc-store.pem'), readFileSync(join(dir, 'server-enc.key'), 'utf8') + readFileSync(join(dir, 'server.pem'), 'utf8'));
  const file = (name: string): string => join(dir, name);
  return {
    dir,
    caFile: file('ca.pem'),
    caPem: readFileSync(file('ca.pem'), 'utf8'),
    serverStore: file('server-store.pem'),
    serverKeyFile: file('server.key'),
    serverCertFile: file('server.pem'),
    serverEncryptedStore: file('server-enc-store.pem'),
    serverKeyPassword: password,
    clientStore: file('client-store.pem'),
    clientKeyFile: file('client.key'),
    clientCertFile: file('client.pem'),
    clientKeyPem: readFileSync(file('client.key'), 'utf8'),
    clientCertPem: readFileSync(file('client.pem'), 'utf8'),
    clientDn: 'CN=alice,OU=Tests,O=Samsa,C=US',
    strangerStore: file('stranger-store.pem'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * Another server key store signed by the test CA (a fresh key and certificate, so a new serial and
 * fingerprint): by default for the same subject and names as `serverStore`, as a renewed certificate is.
 */
export function makeServerStore(certs: TestCerts, name: string, subject = '/CN=localhost', subjectAltName = 'DNS:localhost,IP:127.0.0.1'): string {
  signed(certs.dir, name, subject, 'ca', `subjectAltName=${subjectAltName}\n`);
  return join(certs.dir, `${name}-store.pem`);
}
