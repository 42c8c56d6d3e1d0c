/**
 * The pure rules behind re-authentication, the controller mutation quota and
 * ssl.cipher.suites, with a fake clock: Kafka's session lifetime, its token
 * bucket (strict and permissive) and the IANA → OpenSSL cipher names.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ControllerMutationQuotaManager, TokenBucket, debtThrottleMs, opensslCipherList, sessionLifetimeMs } from '../../src/security/index.ts';

test('session lifetime: the smaller of connections.max.reauth.ms and the credential\'s expiry, never negative; none when neither applies', () => {
  assert.equal(sessionLifetimeMs(1000, 0, undefined), null);
  assert.equal(sessionLifetimeMs(1000, 1500, undefined), 1500);
  assert.equal(sessionLifetimeMs(1000, 0, 4000), 3000, 'an expiring credential gives a lifetime even with re-authentication off, as in Kafka');
  assert.equal(sessionLifetimeMs(1000, 1500, 4000), 1500);
  assert.equal(sessionLifetimeMs(1000, 5000, 4000), 3000);
  assert.equal(sessionLifetimeMs(5000, 1500, 4000), 0, 'an expired credential: a lifetime of 0');
  assert.equal(sessionLifetimeMs(1000, -1, undefined), null, 'a negative value is off, as 0 is');
});

test('token bucket: starts full, refills at the quota up to the burst, and records into debt', () => {
  const bucket = new TokenBucket(10, 0);
  assert.equal(bucket.measure(5, 10, 0), 10);
  assert.equal(bucket.record(12, 5, 10, 0), -2);
  assert.equal(debtThrottleMs(-2, 5), 400);
  assert.equal(bucket.measure(5, 10, 200), -1);
  assert.equal(bucket.measure(5, 10, 10_000), 10, 'never above the burst');
  assert.equal(debtThrottleMs(3, 5), 0);
});

test('controller mutation quota: strict refuses while in debt, permissive records and throttles; precedence picks the entity', () => {
  let nowMs = 0;
  const quotas = new ControllerMutationQuotaManager({ samples: 2, windowMs: 1000 }, () => nowMs);
  assert.equal(quotas.enabled, false);
  assert.equal(quotas.quotaFor('User:alice', 'app', true).record(1_000_000), true, 'no quota: unbounded');
  quotas.update([{ user: 'alice', clientId: undefined, value: 5 }]);
  const strict = quotas.quotaFor('User:alice', 'app', true);
  assert.equal(strict.record(6), true);
  assert.equal(strict.record(6), true, 'the topic that goes into debt is accepted');
  assert.equal(strict.throttleTimeMs(), 0, 'and not throttled: only a refusal sets the throttle time');
  assert.equal(strict.record(1), false);
  assert.equal(strict.throttleTimeMs(), 400);
  nowMs = 100;
  assert.equal(strict.throttleTimeMs(), 300, 'less the time since');
  // alice's quota is per user: another client id of hers shares the bucket (now at -1.5).
  const permissive = quotas.quotaFor('User:alice', 'other', false);
  assert.equal(permissive.record(1), true);
  assert.equal(permissive.throttleTimeMs(), 500);
  permissive.unrecord(1);
  nowMs = 400;
  assert.equal(quotas.quotaFor('User:alice', 'app', true).record(1), true, 'repaid after 0.3 s more');
  assert.equal(quotas.quotaFor('User:bob', 'app', true).record(1_000), true, 'bob has no quota');
});

test('ssl.cipher.suites: IANA names become OpenSSL\'s, TLS 1.3 names stay, OpenSSL names pass, an unknown one is named', () => {
  assert.deepEqual(opensslCipherList(['TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'TLS_AES_128_GCM_SHA256', 'ecdhe-rsa-aes128-gcm-sha256']), {
    ciphers: 'ECDHE-ECDSA-AES256-GCM-SHA384:TLS_AES_128_GCM_SHA256:ECDHE-RSA-AES128-GCM-SHA256',
  });
  assert.deepEqual(opensslCipherList(['TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'TLS_NOT_A_SUITE']), { unknown: 'TLS_NOT_A_SUITE' });
});
