/**
 * SASL/OAUTHBEARER without sockets: the client's initial response, Kafka's
 * unsecured login token and unsecured validator, the JWT validator against a
 * JWKS file of keys made here by node:crypto (RSA, RSA-PSS, EC), the broker
 * mechanism's exchange (error challenge, ^A, failure) and the config that
 * picks the validator.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { constants, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { sasl } from '../../src/protocol/index.ts';
import {
  JwksFile, JwtTokenValidator, OAuthBearerSaslServer, UnsecuredTokenValidator, oauthBearerValidator,
  type BearerTokenValidator, type OAuthBearerValues, type TokenVerdict,
} from '../../src/security/index.ts';
import { tempDir } from '../helpers/broker.ts';

const ob = sasl.oauthbearer;
const NOW_MS = Date.UTC(2026, 0, 15, 12, 0, 0);
const NOW_S = NOW_MS / 1000;

interface SigningKey { kid: string; alg: string; privateKey: KeyObject; publicJwk: Record<string, unknown> }

function rsaKey(kid: string, alg = 'RS256'): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid, alg, privateKey, publicJwk: { ...publicKey.export({ format: 'jwk' }), kid, use: 'sig' } };
}

function ecKey(kid: string, alg: 'ES256' | 'ES384'): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: alg === 'ES256' ? 'P-256' : 'P-384' });
  return { kid, alg, privateKey, publicJwk: { ...publicKey.export({ format: 'jwk' }), kid, alg } };
}

const HASH: Record<string, string> = { RS256: 'sha256', RS384: 'sha384', RS512: 'sha512', PS256: 'sha256', ES256: 'sha256', ES384: 'sha384' };

function signJwt(key: SigningKey, claims: Record<string, unknown>, header: Record<string, unknown> = {}): string {
  const input = `${ob.base64url(JSON.stringify({ alg: key.alg, kid: key.kid, typ: 'JWT', ...header }))}.${ob.base64url(JSON.stringify(claims))}`;
  const hash = HASH[key.alg]!;
  const signature = key.alg.startsWith('ES') ? sign(hash, Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' })
    : key.alg.startsWith('PS') ? sign(hash, Buffer.from(input), { key: key.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 })
      : sign(hash, Buffer.from(input), key.privateKey);
  return `${input}.${signature.toString('base64url')}`;
}

const claims = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  sub: 'alice', iss: 'https://idp.example', aud: 'samsa', iat: NOW_S - 60, exp: NOW_S + 600, scope: 'kafka', ...extra,
});

let dir: ReturnType<typeof tempDir>;
let jwksPath: string;
let rsa: SigningKey;
let stranger: SigningKey;
const others: SigningKey[] = [];

function writeJwks(keys: SigningKey[]): void {
  // Written aside and renamed over, as a key rotation tool would, so no reader sees half a file.
  writeFileSync(`${jwksPath}.tmp`, JSON.stringify({ keys: keys.map((k) => k.publicJwk) }));
  renameSync(`${jwksPath}.tmp`, jwksPath);
}

before(() => {
  dir = tempDir('samsa-oauth-unit-');
  jwksPath = join(dir.dir, 'jwks.json');
  rsa = rsaKey('rsa-1');
  stranger = rsaKey('rsa-1'); // same kid, another key: its signatures must not verify
  others.push(rsaKey('rsa-384', 'RS384'), rsaKey('rsa-512', 'RS512'), rsaKey('pss-1', 'PS256'), ecKey('ec-256', 'ES256'), ecKey('ec-384', 'ES384'));
  writeJwks([rsa, ...others]);
});

after(() => dir?.remove());

function jwtValidator(extra: Partial<ConstructorParameters<typeof JwtTokenValidator>[0]> = {}, nowMs = NOW_MS): JwtTokenValidator {
  return new JwtTokenValidator({
    keys: new JwksFile(pathToFileURL(jwksPath), 3_600_000, () => nowMs),
    clockSkewSeconds: 30, expectedAudiences: ['samsa'], expectedIssuer: 'https://idp.example', scopeClaimName: 'scope', subClaimName: 'sub',
    ...extra,
  }, () => nowMs);
}

function refused(verdict: TokenVerdict, reason: RegExp): void {
  assert.equal(verdict.ok, false, JSON.stringify(verdict));
  if (!verdict.ok) assert.match(verdict.reason, reason);
}

test('the client initial response round-trips with an authzid and extensions; malformed ones say why', () => {
  const message = ob.formatClientInitialResponse('a.b.c', new Map([['traceId', 'x-1'], ['logicalCluster', 'lkc-1']]), 'alice');
  assert.equal(message.toString(), 'n,a=alice,\u0001auth=Bearer a.b.c\u0001traceId=x-1\u0001logicalCluster=lkc-1\u0001\u0001');
  const parsed = ob.parseClientInitialResponse(message);
  assert.ok(!('error' in parsed));
  assert.equal(parsed.token, 'a.b.c');
  assert.equal(parsed.authzid, 'alice');
  assert.deepEqual([...parsed.extensions], [['traceId', 'x-1'], ['logicalCluster', 'lkc-1']]);
  assert.deepEqual(ob.parseClientInitialResponse(Buffer.from('n,,\u0001auth=Bearer t\u0001\u0001')), { token: 't', authzid: '', extensions: new Map() });
  assert.deepEqual(ob.parseClientInitialResponse(Buffer.from('n,,\u0001auth=Bearer t\u0001')), { error: 'Invalid OAUTHBEARER client first message' });
  assert.deepEqual(ob.parseClientInitialResponse(Buffer.from('n,,\u0001x=y\u0001\u0001')), { error: 'Invalid OAUTHBEARER client first message: \'auth\' not specified' });
  assert.deepEqual(ob.parseClientInitialResponse(Buffer.from('n,,\u0001auth=Basic dXNlcg==\u0001\u0001')), { error: 'Invalid scheme in OAUTHBEARER client first message: Basic' });
  assert.throws(() => ob.formatClientInitialResponse('t', new Map([['auth', 'x']])), /Extension name auth is invalid/);
  assert.throws(() => ob.formatClientInitialResponse('t', new Map([['a1', 'x']])), /Extension name a1 is invalid/);
});

test('a JWT validated against the JWKS file: RS256/384/512, PS256, ES256, ES384 and the principal', () => {
  const v = jwtValidator();
  for (const key of [rsa, ...others]) {
    const verdict = v.validate(signJwt(key, claims()));
    assert.deepEqual(verdict, { ok: true, principalName: 'alice', expiresAtMs: (NOW_S + 600) * 1000, scope: ['kafka'] }, key.alg);
  }
  const custom = jwtValidator({ subClaimName: 'client_id', expectedAudiences: ['other', 'samsa'] });
  const verdict = custom.validate(signJwt(rsa, claims({ client_id: 'svc-orders', aud: ['x', 'samsa'], scope: ['a', 'b'] })));
  assert.deepEqual(verdict, { ok: true, principalName: 'svc-orders', expiresAtMs: (NOW_S + 600) * 1000, scope: ['a', 'b'] });
  // No kid: the one key that fits the algorithm (ES384 has one).
  const noKid = signJwt(others[4]!, claims(), { kid: undefined });
  assert.equal(v.validate(noKid).ok, true);
  refused(v.validate(signJwt(rsa, claims(), { kid: undefined })), /has no kid and the JWKS .* has 4 keys for RS256/);
});

test('the JWT validator refuses each bad token with its reason', () => {
  const v = jwtValidator();
  refused(v.validate(signJwt(rsa, claims({ exp: NOW_S - 31 }))), /the JWT expired at 2026-01-15T11:59:29.000Z/);
  assert.equal(v.validate(signJwt(rsa, claims({ exp: NOW_S - 29 }))).ok, true, 'within the 30 s clock skew');
  refused(v.validate(signJwt(rsa, claims({ nbf: NOW_S + 120 }))), /not valid before 2026-01-15T12:02:00.000Z/);
  refused(v.validate(signJwt(rsa, claims({ iat: NOW_S + 120 }))), /issued in the future/);
  refused(v.validate(signJwt(stranger, claims())), /signature does not verify with key 'rsa-1'/);
  refused(v.validate(signJwt(rsaKey('rsa-9'), claims())), /no key with kid 'rsa-9' in the JWKS at file:/);
  refused(v.validate(signJwt(rsa, claims({ aud: 'kafka' }))), /audience \(kafka\) is none of the expected samsa/);
  refused(v.validate(signJwt(rsa, claims({ aud: undefined }))), /no audience \(aud\) claim; expected one of samsa/);
  refused(jwtValidator({ expectedAudiences: [] }).validate(signJwt(rsa, claims())), /names an audience \(samsa\) but sasl.oauthbearer.expected.audience is not set/);
  refused(v.validate(signJwt(rsa, claims({ iss: 'https://evil.example' }))), /issuer 'https:\/\/evil.example' is not the expected 'https:\/\/idp.example'/);
  refused(v.validate(signJwt(rsa, claims({ sub: undefined }))), /no 'sub' claim/);
  refused(v.validate(signJwt(rsa, claims({ sub: ' ' }))), /'sub' claim is not a non-blank string/);
  refused(v.validate(signJwt(rsa, claims({ exp: undefined }))), /no expiration time \(exp\)/);
  refused(v.validate(signJwt(rsa, claims({ iat: undefined }))), /no issued-at \(iat\)/);
  refused(v.validate(signJwt(rsa, claims({ scope: ['a', ' '] }))), /'scope' claim has a blank/);
  refused(v.validate(ob.unsecuredJwt(claims())), /unsigned \(alg "none"\)/);
  const [h, p, s] = signJwt(rsa, claims()).split('.');
  refused(v.validate(`${ob.base64url(JSON.stringify({ alg: 'HS256', kid: 'rsa-1' }))}.${p}.${s}`), /algorithm "HS256" is not supported/);
  refused(v.validate(`${h}.${ob.base64url(JSON.stringify(claims({ sub: 'mallory' })))}.${s}`), /signature does not verify/);
  refused(v.validate('not-a-jwt'), /three dot-separated parts/);
  refused(v.validate(''), /Empty JWT/);
  // An EC key cannot stand in for an RSA one, whatever the header says.
  refused(v.validate(signJwt({ ...others[3]!, alg: 'ES256' }, claims(), { alg: 'RS256' })), /does not fit the JWT's algorithm RS256/);
});

test('a rotated JWKS file is read again: the new key is accepted, the removed one refused', () => {
  let now = NOW_MS;
  const v = new JwtTokenValidator({
    keys: new JwksFile(pathToFileURL(jwksPath), 3_600_000, () => now), clockSkewSeconds: 0,
    expectedAudiences: ['samsa'], expectedIssuer: null, scopeClaimName: 'scope', subClaimName: 'sub',
  }, () => now);
  const next = rsaKey('rsa-2');
  refused(v.validate(signJwt(next, claims())), /no key with kid 'rsa-2'/);
  try {
    writeJwks([next]);
    now += 1000;
    assert.equal(v.validate(signJwt(next, claims())).ok, true);
    refused(v.validate(signJwt(rsa, claims())), /no key with kid 'rsa-1'/);
  } finally {
    writeJwks([rsa, ...others]);
  }
});

test('the unsecured validator (Kafka\'s default): alg none tokens, exp/iat, principal and scope options', () => {
  const now = (): number => NOW_MS;
  const v = new UnsecuredTokenValidator(new Map(), now);
  assert.deepEqual(v.validate(ob.unsecuredJwt({ sub: 'alice', iat: NOW_S, exp: NOW_S + 60 })), { ok: true, principalName: 'alice', expiresAtMs: (NOW_S + 60) * 1000, scope: [] });
  refused(v.validate(ob.unsecuredJwt({ sub: 'alice', iat: NOW_S - 120, exp: NOW_S - 60 })), /minus allowable clock skew \(0 ms\) was on or after the Expiration Time/);
  refused(v.validate(ob.unsecuredJwt({ sub: 'alice', iat: NOW_S + 60, exp: NOW_S + 120 })), /Issued At value .* was after the indicated time/);
  refused(v.validate(ob.unsecuredJwt({ sub: 'alice' })), /No expiration time in JWT/);
  refused(v.validate(ob.unsecuredJwt({ exp: NOW_S + 60 })), /No principal name in JWT claim: sub/);
  refused(v.validate(signJwt(rsa, claims())), /Unsecured JWS must have 'none' for an algorithm/);
  refused(v.validate(`${ob.unsecuredJwt({ sub: 'a', exp: NOW_S + 60 })}c2ln`), /must not contain a digital signature/);
  refused(v.validate('a..b'), /contains '\.\.'/);

  const tuned = new UnsecuredTokenValidator(new Map([
    ['unsecuredValidatorPrincipalClaimName', 'user'], ['unsecuredValidatorRequiredScope', 'read write'],
    ['unsecuredValidatorScopeClaimName', 'perms'], ['unsecuredValidatorAllowableClockSkewMs', '120000'],
  ]), now);
  assert.equal(tuned.validate(ob.unsecuredJwt({ user: 'bob', exp: NOW_S - 60, perms: ['read', 'write'] })).ok, true, 'expired a minute ago, inside the skew');
  const short = tuned.validate(ob.unsecuredJwt({ user: 'bob', exp: NOW_S + 60, perms: ['read'] }));
  assert.deepEqual({ ...short, reason: undefined }, { ok: false, status: 'insufficient_scope', scope: '[read, write]', reason: undefined });
  assert.throws(() => new UnsecuredTokenValidator(new Map([['unsecuredValidatorAllowableClockSkewMs', '-1']]), now), /must be a non-negative integer/);
});

test('Kafka\'s unsecured login options make a token the unsecured validator accepts', () => {
  const login = ob.unsecuredLogin(new Map([
    ['unsecuredLoginStringClaim_sub', 'admin'], ['unsecuredLoginListClaim_scope', ',read,write'], ['unsecuredLoginNumberClaim_tier', '2'],
    ['unsecuredLoginLifetimeSeconds', '300'], ['unsecuredLoginExtension_traceId', 'abc'],
  ]), NOW_MS);
  const parts = ob.splitJwt(login.token);
  assert.ok(!('error' in parts));
  assert.deepEqual(parts.header, { alg: 'none' });
  assert.deepEqual(parts.claims, { exp: NOW_S + 300, iat: NOW_S, sub: 'admin', scope: ['read', 'write'], tier: 2 });
  assert.deepEqual([...login.extensions], [['traceId', 'abc']]);
  const verdict = new UnsecuredTokenValidator(new Map([['unsecuredValidatorRequiredScope', 'write']]), () => NOW_MS).validate(login.token);
  assert.deepEqual(verdict, { ok: true, principalName: 'admin', expiresAtMs: (NOW_S + 300) * 1000, scope: ['read', 'write'] });
  assert.throws(() => ob.unsecuredLogin(new Map([['unsecuredLoginStringClaim_user', 'x']]), NOW_MS), /No principal name in JWT claim: sub/);
  assert.throws(() => ob.unsecuredLogin(new Map([['unsecuredLoginStringClaim_sub', 'x'], ['unsecuredLoginNumberClaim_exp', '1']]), NOW_MS), /Cannot explicitly set the 'exp' claim/);
  assert.throws(() => ob.unsecuredLogin(new Map([['unsecuredLoginExtension_a', 'x']]), NOW_MS), /Extensions provided in login context without a token/);
});

test('the broker mechanism: a good token authenticates with its expiry; a bad one gets Kafka\'s error challenge, then fails on ^A', () => {
  const validator: BearerTokenValidator = jwtValidator();
  const good = new OAuthBearerSaslServer(validator);
  const done = good.step(ob.formatClientInitialResponse(signJwt(rsa, claims()), new Map([['traceId', '1']])));
  assert.deepEqual(done, { kind: 'done', response: Buffer.alloc(0), principal: 'User:alice', sessionExpiresAtMs: (NOW_S + 600) * 1000 });
  assert.equal(good.step(Buffer.of(1)).kind, 'failed', 'nothing after the exchange');

  const bad = new OAuthBearerSaslServer(validator);
  const challenge = bad.step(ob.formatClientInitialResponse(signJwt(rsa, claims({ exp: NOW_S - 3600 }))));
  assert.deepEqual(challenge, { kind: 'challenge', response: Buffer.from('{"status":"invalid_token"}') });
  assert.match(bad.pendingRefusal ?? '', /expired/);
  const failed = bad.step(Buffer.of(ob.CONTROL_A));
  assert.equal(failed.kind, 'failed');
  if (failed.kind === 'failed') assert.match(failed.message, /^\{"status":"invalid_token"\}: the JWT expired at /);

  const scoped = new OAuthBearerSaslServer(new UnsecuredTokenValidator(new Map([['unsecuredValidatorRequiredScope', 'admin']]), () => NOW_MS));
  const scopeChallenge = scoped.step(ob.formatClientInitialResponse(ob.unsecuredJwt({ sub: 'a', exp: NOW_S + 60 })));
  assert.deepEqual(scopeChallenge, { kind: 'challenge', response: Buffer.from('{"status":"insufficient_scope", "scope":"[admin]"}') });

  const other = new OAuthBearerSaslServer(validator).step(ob.formatClientInitialResponse(signJwt(rsa, claims()), new Map(), 'bob'));
  assert.deepEqual(other, {
    kind: 'failed', message: 'Authentication failed: Client requested an authorization id (bob) that is different from the token\'s principal name (alice)',
  });
  const garbage = new OAuthBearerSaslServer(validator).step(Buffer.from('hello'));
  assert.deepEqual(garbage, {
    kind: 'failed', message: 'Authentication failed during authentication due to invalid credentials with SASL mechanism OAUTHBEARER: Invalid OAUTHBEARER client first message',
  });
});

test('the listener config picks Kafka\'s validator; a bad choice stops the start with the config named', () => {
  const jaas = { loginModule: 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule', options: new Map<string, string>(), key: 'listener.name.x.oauthbearer.sasl.jaas.config' };
  const values = (raw: Record<string, string>): OAuthBearerValues => ({
    listenerName: 'X',
    value: (name) => raw[name] ?? ({
      'sasl.oauthbearer.clock.skew.seconds': 30, 'sasl.oauthbearer.scope.claim.name': 'scope', 'sasl.oauthbearer.sub.claim.name': 'sub',
      'sasl.oauthbearer.jwks.endpoint.refresh.ms': 3_600_000, 'sasl.oauthbearer.jwks.endpoint.retry.backoff.ms': 100,
      'sasl.oauthbearer.jwks.endpoint.retry.backoff.max.ms': 10_000,
    } as Record<string, number | string>)[name] ?? null,
    keyOf: (name) => `listener.name.x.oauthbearer.${name}`,
  });
  const log = (): void => {};
  assert.equal(oauthBearerValidator(values({}), jaas, Date.now, log).kind, 'unsecured');
  const secured = { 'sasl.server.callback.handler.class': 'org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler' };
  assert.equal(oauthBearerValidator(values({ ...secured, 'sasl.oauthbearer.jwks.endpoint.url': pathToFileURL(jwksPath).href }), jaas, Date.now, log).kind, 'jwt');
  assert.throws(() => oauthBearerValidator(values(secured), jaas, Date.now, log), /sasl.oauthbearer.jwks.endpoint.url value must be non-null/);
  assert.throws(() => oauthBearerValidator(values({ ...secured, 'sasl.oauthbearer.jwks.endpoint.url': 'ftp://x/jwks' }), jaas, Date.now, log), /invalid protocol \(ftp\)/);
  assert.throws(() => oauthBearerValidator(values({ ...secured, 'sasl.oauthbearer.jwks.endpoint.url': 'file:///nonexistent/jwks.json' }), jaas, Date.now, log),
    /names a JWKS file \(file:\/\/\/nonexistent\/jwks.json\) that cannot be used: ENOENT/);
  assert.throws(() => oauthBearerValidator(values({ 'sasl.server.callback.handler.class': 'com.example.MyHandler' }), jaas, Date.now, log), /Samsa cannot load Java classes/);
  assert.throws(() => oauthBearerValidator(values({}), null, Date.now, log), /enables SASL\/OAUTHBEARER but has no JAAS config/);
  assert.throws(() => oauthBearerValidator(values({}), { ...jaas, loginModule: 'org.apache.kafka.common.security.plain.PlainLoginModule' }, Date.now, log), /OAUTHBEARER needs .*OAuthBearerLoginModule/);
});
