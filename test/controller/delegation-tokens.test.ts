/**
 * Delegation tokens as pure code: the controller's rules (create, renew,
 * expire, the expiry sweep) over a metadata image, the records replayed and
 * rebuilt from a snapshot, the HMAC Kafka computes, and a token login:
 * Samsa's SCRAM client with tokenauth=true against the broker's SCRAM server.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import {
  MetadataDelta, MetadataImage, decodeMetadataRecord, delegationTokenHmac, delegationTokenSettings, encodeMetadataRecord, forwardedPrincipal,
  imageRecords, withForwardedPrincipal, type DelegationTokenSettings, type MetadataRecord,
} from '../../src/metadata/index.ts';
import {
  ERROR_TIMESTAMP, planCreateToken, planExpireToken, planExpiredTokenRemovals, planRenewToken,
} from '../../src/controller/index.ts';
import { DelegationTokenCredentials, ScramSaslServer, type SaslCredentials } from '../../src/security/index.ts';
import { ErrorCode, Reader, Writer, messages, sasl } from '../../src/protocol/index.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const SETTINGS: DelegationTokenSettings = { secretKey: 'secret', maxLifetimeMs: 7 * DAY_MS, expiryTimeMs: DAY_MS, expiryCheckIntervalMs: HOUR_MS };
const DISABLED: DelegationTokenSettings = { ...SETTINGS, secretKey: null };
const T0 = 1_700_000_000_000;

/** The image after `records`, each through the log's encoding, as a broker replays them. */
function replayed(base: MetadataImage, records: MetadataRecord[]): MetadataImage {
  const delta = new MetadataDelta(base);
  for (const r of records) delta.replay(decodeMetadataRecord(encodeMetadataRecord(r)));
  return delta.apply(base.offset + records.length).image;
}

/** alice's token (renewable by bob), created at T0; the image that holds it and its HMAC. */
function aliceToken(settings = SETTINGS, maxLifetimeMs = -1): { image: MetadataImage; hmac: Buffer; tokenId: string } {
  const out: MetadataRecord[] = [];
  const r = planCreateToken(settings, { requester: 'User:alice', owner: null, renewers: ['User:bob'], maxLifetimeMs }, T0, out, () => 'tok-1');
  assert.equal(r.errorCode, ErrorCode.NONE);
  return { image: replayed(MetadataImage.empty(), out), hmac: r.hmac, tokenId: r.tokenId };
}

test('the HMAC is HMAC-SHA512 of the token id under the secret key, as Kafka computes it; the record never carries it', () => {
  const expected = createHmac('sha512', Buffer.from('secret', 'utf8')).update('tok-1', 'utf8').digest();
  assert.deepEqual(delegationTokenHmac('secret', 'tok-1'), expected);
  const out: MetadataRecord[] = [];
  planCreateToken(SETTINGS, { requester: 'User:alice', owner: null, renewers: [], maxLifetimeMs: -1 }, T0, out, () => 'tok-1');
  assert.equal(out.length, 1);
  const bytes = encodeMetadataRecord(out[0]!);
  assert.equal(bytes.indexOf(expected), -1);
  assert.equal(bytes.indexOf(Buffer.from('secret')), -1);
});

test('create: owner, lifetimes capped by the configs, renewers must be users, disabled without a key', () => {
  const out: MetadataRecord[] = [];
  const mine = planCreateToken(SETTINGS, { requester: 'User:alice', owner: null, renewers: ['User:bob'], maxLifetimeMs: -1 }, T0, out, () => 'a');
  assert.deepEqual(
    { owner: mine.owner, requester: mine.requester, issue: mine.issueTimestampMs, expiry: mine.expiryTimestampMs, max: mine.maxTimestampMs },
    { owner: 'User:alice', requester: 'User:alice', issue: T0, expiry: T0 + DAY_MS, max: T0 + 7 * DAY_MS },
  );
  const short = planCreateToken(SETTINGS, { requester: 'User:admin', owner: 'User:carol', renewers: [], maxLifetimeMs: HOUR_MS }, T0, out, () => 'b');
  assert.deepEqual([short.owner, short.requester, short.maxTimestampMs, short.expiryTimestampMs], ['User:carol', 'User:admin', T0 + HOUR_MS, T0 + HOUR_MS]);
  const long = planCreateToken(SETTINGS, { requester: 'User:alice', owner: null, renewers: [], maxLifetimeMs: 30 * DAY_MS }, T0, out, () => 'c');
  assert.equal(long.maxTimestampMs, T0 + 7 * DAY_MS, 'never past delegation.token.max.lifetime.ms');
  assert.equal(out.length, 3);
  const image = replayed(MetadataImage.empty(), out);
  assert.deepEqual(image.delegationTokens.get('b'), {
    tokenId: 'b', owner: 'User:carol', requester: 'User:admin', renewers: [], issueTimestampMs: T0, maxTimestampMs: T0 + HOUR_MS, expiryTimestampMs: T0 + HOUR_MS,
  });

  const refused: MetadataRecord[] = [];
  const group = planCreateToken(SETTINGS, { requester: 'User:alice', owner: null, renewers: ['Group:ops'], maxLifetimeMs: -1 }, T0, refused);
  assert.equal(group.errorCode, ErrorCode.INVALID_PRINCIPAL_TYPE);
  assert.equal(planCreateToken(DISABLED, { requester: 'User:alice', owner: null, renewers: [], maxLifetimeMs: -1 }, T0, refused).errorCode,
    ErrorCode.DELEGATION_TOKEN_AUTH_DISABLED);
  assert.equal(refused.length, 0);
});

test('renew: by the owner or a renewer only, of a live token, for at most expiry.time.ms and never past the max time', () => {
  const { image, hmac } = aliceToken();
  const out: MetadataRecord[] = [];
  const at = T0 + HOUR_MS;
  assert.deepEqual(planRenewToken(image, SETTINGS, { principal: 'User:carol', hmac, renewPeriodMs: -1 }, at, out),
    { errorCode: ErrorCode.DELEGATION_TOKEN_OWNER_MISMATCH, expiryTimestampMs: ERROR_TIMESTAMP });
  assert.deepEqual(planRenewToken(image, SETTINGS, { principal: 'User:bob', hmac: delegationTokenHmac('secret', 'other'), renewPeriodMs: -1 }, at, out),
    { errorCode: ErrorCode.DELEGATION_TOKEN_NOT_FOUND, expiryTimestampMs: ERROR_TIMESTAMP });
  assert.deepEqual(planRenewToken(image, SETTINGS, { principal: 'User:alice', hmac, renewPeriodMs: -1 }, T0 + 2 * DAY_MS, out),
    { errorCode: ErrorCode.DELEGATION_TOKEN_EXPIRED, expiryTimestampMs: ERROR_TIMESTAMP });
  assert.equal(out.length, 0);
  assert.deepEqual(planRenewToken(image, SETTINGS, { principal: 'User:bob', hmac, renewPeriodMs: HOUR_MS }, at, out), { errorCode: 0, expiryTimestampMs: at + HOUR_MS });
  assert.deepEqual(planRenewToken(image, SETTINGS, { principal: 'User:alice', hmac, renewPeriodMs: 5 * DAY_MS }, at, out),
    { errorCode: 0, expiryTimestampMs: at + DAY_MS }, 'a renewal lasts at most delegation.token.expiry.time.ms');
  const nearEnd = T0 + 7 * DAY_MS - HOUR_MS;
  const renewedImage = replayed(image, out);
  assert.equal(renewedImage.delegationTokens.get('tok-1')!.expiryTimestampMs, at + DAY_MS);
  // Kept alive by renewals, the token's last renewal still ends at its max time.
  let chain = renewedImage;
  for (let day = 1; day <= 6; day++) {
    const o: MetadataRecord[] = [];
    assert.equal(planRenewToken(chain, SETTINGS, { principal: 'User:alice', hmac, renewPeriodMs: -1 }, T0 + day * DAY_MS - HOUR_MS, o).errorCode, 0);
    chain = replayed(chain, o);
  }
  assert.deepEqual(planRenewToken(chain, SETTINGS, { principal: 'User:alice', hmac, renewPeriodMs: -1 }, nearEnd, []),
    { errorCode: 0, expiryTimestampMs: T0 + 7 * DAY_MS });
  assert.equal(planRenewToken(image, DISABLED, { principal: 'User:alice', hmac, renewPeriodMs: -1 }, at, []).errorCode, ErrorCode.DELEGATION_TOKEN_AUTH_DISABLED);
});

test('expire: a negative period removes the token at once, a positive one moves its expiry; the sweep removes expired tokens', () => {
  const { image, hmac } = aliceToken();
  assert.equal(planExpireToken(image, SETTINGS, { principal: 'User:carol', hmac, expiryTimePeriodMs: -1 }, T0, []).errorCode,
    ErrorCode.DELEGATION_TOKEN_OWNER_MISMATCH);
  const now: MetadataRecord[] = [];
  assert.deepEqual(planExpireToken(image, SETTINGS, { principal: 'User:bob', hmac, expiryTimePeriodMs: -1 }, T0 + 5, now), { errorCode: 0, expiryTimestampMs: T0 + 5 });
  assert.equal(replayed(image, now).delegationTokens.size, 0);

  const soon: MetadataRecord[] = [];
  assert.deepEqual(planExpireToken(image, SETTINGS, { principal: 'User:alice', hmac, expiryTimePeriodMs: 1000 }, T0, soon), { errorCode: 0, expiryTimestampMs: T0 + 1000 });
  const shortened = replayed(image, soon);
  assert.equal(planExpireToken(shortened, SETTINGS, { principal: 'User:alice', hmac, expiryTimePeriodMs: 1000 }, T0 + 2000, []).errorCode,
    ErrorCode.DELEGATION_TOKEN_EXPIRED);
  assert.deepEqual(planExpiredTokenRemovals(shortened, T0 + 1000, []), [], 'expired only once its expiry has passed');
  const sweep: MetadataRecord[] = [];
  assert.deepEqual(planExpiredTokenRemovals(shortened, T0 + 1001, sweep), ['tok-1']);
  assert.equal(replayed(shortened, sweep).delegationTokens.size, 0);
});

test('a snapshot of the image rebuilds its tokens', () => {
  const { image } = aliceToken();
  assert.deepEqual([...replayed(MetadataImage.empty(), imageRecords(image)).delegationTokens], [...image.delegationTokens]);
});

test('the broker forwards the requester in a tagged field that survives the wire', () => {
  const request = withForwardedPrincipal(messages.RenewDelegationTokenRequest.defaults(), 'User:bob');
  // v2 is the first flexible version, the one nodes send each other.
  const writer = new Writer();
  messages.RenewDelegationTokenRequest.encode(writer, request, 2);
  const decoded = messages.RenewDelegationTokenRequest.decode(new Reader(Buffer.concat(writer.toChunks())), 2);
  assert.equal(forwardedPrincipal(decoded), 'User:bob');
  assert.equal(forwardedPrincipal(messages.RenewDelegationTokenRequest.defaults()), null);
});

test('configs: delegation.token.secret.key, its older name master.key, and Kafka\'s defaults', () => {
  assert.deepEqual(delegationTokenSettings({}), { secretKey: null, maxLifetimeMs: 604_800_000, expiryTimeMs: 86_400_000, expiryCheckIntervalMs: 3_600_000 });
  assert.equal(delegationTokenSettings({ 'delegation.token.master.key': 'old' }).secretKey, 'old');
  assert.equal(delegationTokenSettings({ 'delegation.token.secret.key': 'new', 'delegation.token.master.key': 'old' }).secretKey, 'new');
  assert.equal(delegationTokenSettings({ 'delegation.token.secret.key': '' }).secretKey, null);
});

test('a token login: Samsa\'s SCRAM client with tokenauth=true, the broker\'s SCRAM server, the token owner as principal', () => {
  const { image, hmac, tokenId } = aliceToken();
  let nowMs = T0 + HOUR_MS;
  const tokens = new DelegationTokenCredentials(() => image, SETTINGS, () => nowMs);
  const credentials: SaslCredentials = {
    plainPassword: () => null, scramCredential: () => null, delegationToken: (id, m) => tokens.lookup(id, m),
  };
  const login = (password: string, tokenAuth: boolean) => {
    const server = new ScramSaslServer(sasl.scram.scramMechanism('SCRAM-SHA-512')!, credentials);
    const client = sasl.createSaslClient('SCRAM-SHA-512', tokenId, password, { tokenAuth })!;
    const first = client.start();
    if (tokenAuth) assert.match(first.toString(), /^n,,n=tok-1,r=[^,]+,tokenauth=true$/);
    const challenge = server.step(first);
    if (challenge.kind !== 'challenge') return challenge;
    return server.step(client.step(challenge.response)!);
  };
  const done = login(hmac.toString('base64'), true);
  assert.deepEqual(done.kind === 'done' ? [done.principal, done.tokenAuthenticated] : done, ['User:alice', true]);
  assert.equal(login(Buffer.alloc(64).toString('base64'), true).kind, 'failed', 'a wrong HMAC');
  assert.equal(login(hmac.toString('base64'), false).kind, 'failed', 'without tokenauth the id is no SCRAM user');
  nowMs = T0 + 2 * DAY_MS;
  assert.equal(login(hmac.toString('base64'), true).kind, 'failed', 'an expired token');
});
