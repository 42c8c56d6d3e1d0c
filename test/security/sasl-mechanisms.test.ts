/**
 * The SASL mechanisms as pure modules: the broker's servers
 * (src/security/sasl) against Samsa's client mechanisms
 * (src/protocol/sasl), RFC 7677's SCRAM-SHA-256 exchange byte for byte,
 * librdkafka's repeated nonce, PLAIN, and the failures a client may cause.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ScramSaslServer, brokerSaslCredentials, createSaslServer, type SaslCredentials, type SaslServer, type SaslStep, type ScramCredential,
} from '../../src/security/index.ts';
import { sasl } from '../../src/protocol/index.ts';
import { MetadataDelta, MetadataImage, decodeMetadataRecord, encodeMetadataRecord, type MetadataRecord } from '../../src/metadata/index.ts';
import { planScramAlterations } from '../../src/controller/scram-credentials.ts';

const { scram } = sasl;

function credential(mechanism: string, password: string, salt: Buffer, iterations: number): ScramCredential {
  const m = scram.scramMechanism(mechanism)!;
  return { salt, iterations, ...scram.scramKeys(m, scram.saltedPassword(m, password, salt, iterations)) };
}

function credentials(users: Record<string, Record<string, ScramCredential>>, plain: Record<string, string> = {}): SaslCredentials {
  return {
    plainPassword: (u) => plain[u] ?? null,
    scramCredential: (u, m) => users[u]?.[m] ?? null,
  };
}

const GENERIC = (mechanism: string) => `Authentication failed during authentication due to invalid credentials with SASL mechanism ${mechanism}`;

function expectChallenge(s: SaslStep): Buffer {
  assert.equal(s.kind, 'challenge', JSON.stringify(s));
  return (s as { response: Buffer }).response;
}

function expectFailed(s: SaslStep, message: string): void {
  assert.deepEqual(s, { kind: 'failed', message });
}

/** Runs a client against a server to the end; returns the server's last step. */
function exchange(server: SaslServer, client: sasl.SaslClient): SaslStep {
  let token: Buffer | null = client.start();
  for (let round = 0; round < 4 && token !== null; round++) {
    const s = server.step(token);
    if (s.kind === 'failed') return s;
    token = client.step(s.response);
    if (s.kind === 'done') {
      assert.equal(token, null);
      return s;
    }
  }
  assert.fail('the exchange did not finish');
}

test('SCRAM-SHA-256: RFC 7677 section 3, every message byte for byte', () => {
  const clientNonce = 'rOprNGfwEbeRWgbNEkqO';
  const serverNonce = '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0';
  const stored = credential('SCRAM-SHA-256', 'pencil', Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'), 4096);
  const server = new ScramSaslServer(scram.scramMechanism('SCRAM-SHA-256')!, credentials({ user: { 'SCRAM-SHA-256': stored } }), () => serverNonce);
  const client = sasl.createSaslClient('SCRAM-SHA-256', 'user', 'pencil', { nonce: clientNonce })!;

  const clientFirst = client.start();
  assert.equal(clientFirst.toString(), 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO');
  const serverFirst = expectChallenge(server.step(clientFirst));
  assert.equal(serverFirst.toString(), 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096');
  const clientFinal = client.step(serverFirst)!;
  assert.equal(clientFinal.toString(), 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=');
  const done = server.step(clientFinal);
  assert.equal(done.kind, 'done');
  assert.equal((done as { response: Buffer }).response.toString(), 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=');
  assert.equal((done as { principal: string }).principal, 'User:user');
  assert.equal(client.step((done as { response: Buffer }).response), null);
  assert.equal(client.complete, true);
  expectFailed(server.step(clientFinal), 'Unexpected challenge in Sasl server state COMPLETE');
});

test('SCRAM-SHA-512: the client module against the server module, with escaped usernames', () => {
  for (const user of ['alice', 'a,b=c', 'ünïcode']) {
    const stored = credential('SCRAM-SHA-512', 'alice-secret', scram.randomSalt(), 4096);
    const creds = credentials({ [user]: { 'SCRAM-SHA-512': stored } });
    const ok = exchange(createSaslServer('SCRAM-SHA-512', creds)!, sasl.createSaslClient('SCRAM-SHA-512', user, 'alice-secret')!);
    assert.equal(ok.kind, 'done');
    assert.equal((ok as { principal: string }).principal, `User:${user}`);
  }
  const stored = credential('SCRAM-SHA-512', 'alice-secret', scram.randomSalt(), 8192);
  const creds = credentials({ alice: { 'SCRAM-SHA-512': stored } });
  expectFailed(exchange(createSaslServer('SCRAM-SHA-512', creds)!, sasl.createSaslClient('SCRAM-SHA-512', 'alice', 'wrong')!), GENERIC('SCRAM-SHA-512'));
  expectFailed(exchange(createSaslServer('SCRAM-SHA-512', creds)!, sasl.createSaslClient('SCRAM-SHA-512', 'mallory', 'x')!), GENERIC('SCRAM-SHA-512'));
  // A SCRAM-SHA-512 credential does not log in with SCRAM-SHA-256.
  expectFailed(exchange(createSaslServer('SCRAM-SHA-256', creds)!, sasl.createSaslClient('SCRAM-SHA-256', 'alice', 'alice-secret')!), GENERIC('SCRAM-SHA-256'));
});

/** A client-final message as librdkafka before 2.6.1 builds it: its own nonce, then the combined nonce. */
function librdkafkaFinal(m: sasl.scram.ScramMechanism, password: string, clientFirstBare: string, serverFirst: string, clientNonce: string): Buffer {
  const first = scram.parseServerFirst(serverFirst)!;
  const withoutProof = `c=biws,r=${clientNonce}${first.nonce}`;
  const salted = scram.saltedPassword(m, password, first.salt, first.iterations);
  const auth = scram.authMessage(clientFirstBare, serverFirst, withoutProof);
  const clientKey = scram.clientKey(m, salted);
  const proof = scram.xor(clientKey, scram.hmac(m, scram.hash(m, clientKey), auth));
  return Buffer.from(`${withoutProof},p=${proof.toString('base64')}`);
}

test('SCRAM: librdkafka before 2.6.1 repeats its nonce in the final message, and is accepted (Kafka 3.8.1+)', () => {
  const m = scram.scramMechanism('SCRAM-SHA-256')!;
  const creds = credentials({ rdk: { 'SCRAM-SHA-256': credential(m.name, 'pw', scram.randomSalt(), 4096) } });
  const clientNonce = 'fyko+d2lbbFgONRv9qkxdawL';
  const bare = `n=rdk,r=${clientNonce}`;

  const server = createSaslServer(m.name, creds)!;
  const serverFirst = expectChallenge(server.step(Buffer.from(`n,,${bare}`))).toString();
  const done = server.step(librdkafkaFinal(m, 'pw', bare, serverFirst, clientNonce));
  assert.equal(done.kind, 'done', JSON.stringify(done));
  // The server signature covers the message as sent, so librdkafka's own check passes too.
  const first = scram.parseServerFirst(serverFirst)!;
  const salted = scram.saltedPassword(m, 'pw', first.salt, first.iterations);
  const auth = scram.authMessage(bare, serverFirst, `c=biws,r=${clientNonce}${first.nonce}`);
  assert.equal((done as { response: Buffer }).response.toString(), `v=${scram.hmac(m, scram.serverKey(m, salted), auth).toString('base64')}`);

  // Any other prefix is refused: only exactly the client nonce once more.
  const other = createSaslServer(m.name, creds)!;
  const otherFirst = expectChallenge(other.step(Buffer.from(`n,,${bare}`))).toString();
  expectFailed(other.step(librdkafkaFinal(m, 'pw', bare, otherFirst, 'X')), GENERIC(m.name));
});

test('SCRAM: the server refuses malformed messages, tokenauth, another authzid, a wrong channel binding or nonce', () => {
  const m = scram.scramMechanism('SCRAM-SHA-256')!;
  const creds = credentials({ alice: { 'SCRAM-SHA-256': credential(m.name, 'pw', scram.randomSalt(), 4096) } });
  const first = (text: string) => createSaslServer(m.name, creds)!.step(Buffer.from(text));
  expectFailed(first('garbage'), GENERIC(m.name));
  expectFailed(first('p=tls-unique,,n=alice,r=abc'), GENERIC(m.name));
  expectFailed(first('n,,n=alice,r=abc,tokenauth=true'), GENERIC(m.name));
  expectFailed(first('n,a=bob,n=alice,r=abc'), 'Authentication failed: Client requested an authorization id that is different from username');
  assert.equal(first('n,a=alice,n=alice,r=abc').kind, 'challenge');
  assert.equal(first('n,,n=alice,r=abc,ext=ignored').kind, 'challenge', 'other extensions are ignored, as Kafka ignores them');

  const run = (edit: (final: string) => string): SaslStep => {
    const server = createSaslServer(m.name, creds)!;
    const client = sasl.createSaslClient(m.name, 'alice', 'pw')!;
    const final = client.step(expectChallenge(server.step(client.start())))!.toString();
    return server.step(Buffer.from(edit(final)));
  };
  assert.equal(run((f) => f).kind, 'done');
  expectFailed(run((f) => f.replace('c=biws', `c=${Buffer.from('y,,').toString('base64')}`)), GENERIC(m.name));
  expectFailed(run((f) => f.replace(/r=[^,]+/, 'r=wrongnonce')), GENERIC(m.name));
  expectFailed(run((f) => f.replace(/p=.*/, 'p=AAAA')), GENERIC(m.name));
  expectFailed(run((f) => f.replace(/,p=.*/, '')), GENERIC(m.name));

  // A stored credential below Kafka's minimum iterations is never used.
  const weak = credentials({ alice: { 'SCRAM-SHA-256': credential(m.name, 'pw', scram.randomSalt(), 1000) } });
  expectFailed(createSaslServer(m.name, weak)!.step(Buffer.from('n,,n=alice,r=abc')), GENERIC(m.name));
});

test('SCRAM client: refuses a server that does not extend its nonce, asks too few iterations, or signs wrongly', () => {
  const client = () => {
    const c = sasl.createSaslClient('SCRAM-SHA-256', 'alice', 'pw', { nonce: 'abc' })!;
    c.start();
    return c;
  };
  assert.throws(() => client().step(Buffer.from('r=xyz123,s=AAAA,i=4096')), /does not start with client nonce/);
  assert.throws(() => client().step(Buffer.from('r=abc123,s=AAAA,i=100')), /less than the minimum 4096/);
  assert.throws(() => client().step(Buffer.from('nonsense')), { name: 'SaslClientError', code: 'SAMSA_ERR_SASL' });
  const c = client();
  c.step(Buffer.from('r=abc123,s=AAAA,i=4096'));
  assert.throws(() => c.step(Buffer.from(`v=${Buffer.alloc(32).toString('base64')}`)), /Invalid server signature/);
  const e = client();
  e.step(Buffer.from('r=abc123,s=AAAA,i=4096'));
  assert.throws(() => e.step(Buffer.from('e=invalid-proof')), /failed with error: invalid-proof/);
  assert.equal(sasl.createSaslClient('GSSAPI', 'a', 'b'), null);
});

test('PLAIN: Kafka\'s PlainSaslServer answers', () => {
  const creds = credentials({}, { admin: 'admin-secret', alice: 'alice-secret' });
  const step = (token: Buffer) => createSaslServer('PLAIN', creds)!.step(token);
  const client = sasl.createSaslClient('PLAIN', 'alice', 'alice-secret')!;
  const ok = exchange(createSaslServer('PLAIN', creds)!, client);
  assert.deepEqual(ok, { kind: 'done', response: Buffer.alloc(0), principal: 'User:alice' });
  assert.equal(client.complete, true);

  expectFailed(step(sasl.formatPlain('alice', 'wrong')), 'Authentication failed: Invalid username or password');
  expectFailed(step(sasl.formatPlain('nobody', 'alice-secret')), 'Authentication failed: Invalid username or password');
  expectFailed(step(sasl.formatPlain('alice', 'alice-secre')), 'Authentication failed: Invalid username or password');
  expectFailed(step(sasl.formatPlain('', 'x')), 'Authentication failed: username not specified');
  expectFailed(step(sasl.formatPlain('alice', '')), 'Authentication failed: password not specified');
  expectFailed(step(sasl.formatPlain('alice', 'alice-secret', 'admin')),
    'Authentication failed: Client requested an authorization id that is different from username');
  assert.equal(step(sasl.formatPlain('alice', 'alice-secret', 'alice')).kind, 'done');
  expectFailed(step(Buffer.from('alice\u0000alice-secret')), 'Invalid SASL/PLAIN response: expected 3 tokens, got 2');
  expectFailed(step(Buffer.from('a\u0000b\u0000c\u0000d\u0000e')), 'Invalid SASL/PLAIN response: expected 3 tokens, got 4');

  const server = createSaslServer('PLAIN', creds)!;
  server.step(sasl.formatPlain('alice', 'alice-secret'));
  assert.equal(server.step(sasl.formatPlain('alice', 'alice-secret')).kind, 'failed', 'one exchange per server');
  assert.equal(createSaslServer('GSSAPI', creds), null);
  assert.equal(createSaslServer('OAUTHBEARER', creds), null, 'OAUTHBEARER needs the listener\'s token validator');
});

test('a credential stored as AlterUserScramCredentials stores it (controller → metadata image) logs in', () => {
  const records: MetadataRecord[] = [];
  const upsertions = scram.SCRAM_MECHANISMS.map((m) => {
    const salt = scram.randomSalt();
    return { name: 'alice', mechanism: m.type, iterations: 4096, salt, saltedPassword: scram.saltedPassword(m, 'alice-secret', salt, 4096) };
  });
  // One mechanism per request, as Kafka's controller allows.
  let image = MetadataImage.empty();
  for (const u of upsertions) {
    records.length = 0;
    assert.equal(planScramAlterations(image, [], [u], records)[0]!.errorCode, 0);
    const delta = new MetadataDelta(image);
    for (const r of records) delta.replay(decodeMetadataRecord(encodeMetadataRecord(r)));
    image = delta.apply(image.offset + 1).image;
  }
  const creds = brokerSaslCredentials(() => image, null);
  for (const m of scram.SCRAM_MECHANISMS) {
    const ok = exchange(createSaslServer(m.name, creds)!, sasl.createSaslClient(m.name, 'alice', 'alice-secret')!);
    assert.equal(ok.kind, 'done', m.name);
    assert.equal(exchange(createSaslServer(m.name, creds)!, sasl.createSaslClient(m.name, 'alice', 'nope')!).kind, 'failed');
  }
});
