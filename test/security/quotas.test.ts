/**
 * Client quotas as pure code: Kafka's precedence of quota entities, the
 * sampled rate and its window span, throttle times, AlterClientQuotas'
 * validation on the controller, DescribeClientQuotas' filters, and client
 * quotas in a metadata snapshot.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClientQuotaManager, ClientQuotas, QuotaKey, SampledRate, throttleTimeMs, type QuotaEntry } from '../../src/security/index.ts';
import {
  describeClientQuotas, imageRecords, MetadataDelta, MetadataImage, QuotaMatchType, type MetadataRecord, type QuotaEntityPart,
} from '../../src/metadata/index.ts';
import { planClientQuotaAlterations, type ClientQuotaAlteration } from '../../src/controller/client-quotas.ts';
import { ErrorCode } from '../../src/protocol/index.ts';

const WINDOW = { samples: 11, windowMs: 1000 };

test('quota precedence: user+client > user+<default> client > user > <default> user+client > … > <default> client', () => {
  const levels: [string, QuotaEntry][] = [
    ['user+client', { user: 'alice', clientId: 'app', value: 1 }],
    ['user+default client', { user: 'alice', clientId: null, value: 2 }],
    ['user', { user: 'alice', clientId: undefined, value: 3 }],
    ['default user+client', { user: null, clientId: 'app', value: 4 }],
    ['default user+default client', { user: null, clientId: null, value: 5 }],
    ['default user', { user: null, clientId: undefined, value: 6 }],
    ['client', { user: undefined, clientId: 'app', value: 7 }],
    ['default client', { user: undefined, clientId: null, value: 8 }],
  ];
  const metered: [string, string][] = [
    ['alice', 'app'], ['alice', 'app'], ['alice', ''], ['alice', 'app'], ['alice', 'app'], ['alice', ''], ['', 'app'], ['', 'app'],
  ];
  for (let first = 0; first < levels.length; first++) {
    const m = new ClientQuotaManager(QuotaKey.ProducerByteRate, WINDOW);
    m.update(levels.slice(first).map(([, e]) => e));
    const q = m.quotaFor('alice', 'app');
    assert.deepEqual(q, { bound: first + 1, user: metered[first]![0], clientId: metered[first]![1] }, `${levels[first]![0]} wins`);
  }
  const m = new ClientQuotaManager(QuotaKey.ProducerByteRate, WINDOW);
  m.update([{ user: 'alice', clientId: 'app', value: 1 }, { user: undefined, clientId: 'other', value: 2 }]);
  assert.equal(m.quotaFor('bob', 'app'), null, 'no level matches bob/app');
  assert.equal(m.quotaFor('bob', 'other')!.bound, 2);
});

test('a sampled rate spans at least (samples - 1) windows and forgets samples older than all of them', () => {
  const rate = new SampledRate(WINDOW, 0);
  rate.record(1000, 0);
  assert.equal(rate.spanMs(0), 10_000);
  assert.equal(rate.rate(0), 100, '1000 bytes over the 10 s minimum span');
  rate.record(1000, 5500);
  assert.equal(rate.spanMs(5500), 10_500, '5 whole windows elapsed: the 5 missing up to 10 are added to the 5.5 s');
  assert.ok(Math.abs(rate.rate(5500) - 2000 / 10.5) < 1e-9);
  rate.record(1000, 10_000);
  assert.equal(rate.spanMs(10_000), 10_000);
  assert.ok(Math.abs(rate.rate(10_000) - 300) < 1e-9);
  // 11 s after it started, the first sample has expired; the others remain.
  assert.equal(rate.spanMs(11_000), 10_500, 'the oldest sample left started at 5.5 s');
  assert.ok(Math.abs(rate.rate(11_000) - 2000 / 10.5) < 1e-9, `${rate.rate(11_000)}`);
  assert.equal(rate.rate(40_000), 0, 'everything expired');
});

test('throttle time brings the rate back to the bound: (rate - bound) / bound x span', () => {
  assert.equal(throttleTimeMs(100, 100, 10_000), 0);
  assert.equal(throttleTimeMs(200, 100, 10_000), 10_000);
  assert.equal(throttleTimeMs(150, 100, 11_000), 5500);
  const m = new ClientQuotaManager(QuotaKey.ProducerByteRate, { samples: 2, windowMs: 1000 });
  m.update([{ user: undefined, clientId: 'app', value: 1000 }]);
  assert.equal(m.record('User:ANONYMOUS', 'app', 1000, 0), 0, 'at the bound is within quota');
  assert.equal(m.record('User:ANONYMOUS', 'app', 1000, 0), 1000, '2000 bytes over a 1 s span at 1000/s: 1 s');
  assert.equal(m.record('User:alice', 'app', 500, 0), 1500, 'a client-id quota is shared by every user of the client id');
  assert.equal(m.record('User:ANONYMOUS', 'other', 10_000, 0), 0, 'no quota for other client ids');
  const bounded = new ClientQuotaManager(QuotaKey.RequestPercentage, { samples: 2, windowMs: 1000 }, 1000);
  bounded.update([{ user: null, clientId: undefined, value: 1 }]);
  assert.equal(bounded.record('User:x', 'c', 100, 0), 1000, 'request time throttles are cut to one window');
});

test('a fetch past the quota is un-recorded (its response goes out empty); the quota window caps one fetch', () => {
  const m = new ClientQuotaManager(QuotaKey.ConsumerByteRate, { samples: 11, windowMs: 1000 });
  assert.equal(m.maxValueInQuotaWindow('User:a', 'c', 0), Infinity, 'no quota, no cap');
  m.update([{ user: 'a', clientId: undefined, value: 1000 }]);
  assert.equal(m.maxValueInQuotaWindow('User:a', 'c', 0), 10_000, 'the bound over (samples - 1) windows');
  assert.equal(m.maxValueInQuotaWindow('User:b', 'c', 0), Infinity, 'b has no quota');
  assert.equal(m.record('User:a', 'c', 10_000, 0), 0);
  const throttleMs = m.record('User:a', 'c', 5000, 0);
  assert.equal(throttleMs, 5000, '15 kB over a 10 s span at 1 kB/s');
  m.unrecord('User:a', 'c', 5000, 0);
  assert.equal(m.record('User:a', 'c', 0, 0), 0, 'back within the quota once the refused bytes are taken back');
});

test('a default user quota meters each user on its own; no quota at all makes record a no-op', () => {
  const quotas = new ClientQuotas({ samples: 2, windowMs: 1000 });
  assert.equal(quotas.active, false);
  assert.equal(quotas.produce.record('User:a', 'c', 1e9, 0), 0);
  quotas.update([{ entity: [{ entityType: 'user', entityName: null }], values: new Map([['producer_byte_rate', 1000]]) }]);
  assert.equal(quotas.active, true);
  assert.equal(quotas.fetch.enabled, false);
  assert.equal(quotas.produce.record('User:a', 'c1', 1000, 0), 0);
  assert.equal(quotas.produce.record('User:b', 'c1', 1000, 0), 0, 'b has its own allowance');
  assert.ok(quotas.produce.record('User:a', 'c2', 1000, 0) > 0, 'a shares one allowance over its client ids');
  quotas.update([]);
  assert.equal(quotas.active, false);
});

function entity(...parts: [string, string | null][]): QuotaEntityPart[] {
  return parts.map(([entityType, entityName]) => ({ entityType, entityName }));
}

test('AlterClientQuotas validation on the controller, in Kafka\'s words', () => {
  const image = MetadataImage.empty();
  const set = (key: string, value: number) => ({ key, value, remove: false });
  const alterations: ClientQuotaAlteration[] = [
    { entity: entity(['user', 'alice']), ops: [set('producer_byte_rate', 1024)] },
    { entity: entity(['user', 'alice']), ops: [set('consumer_byte_rate', 1024)] },
    { entity: [], ops: [set('producer_byte_rate', 1)] },
    { entity: entity(['user', 'bob'], ['user', 'carol']), ops: [] },
    { entity: entity(['group', 'g']), ops: [] },
    { entity: entity(['client-id', '']), ops: [] },
    { entity: entity(['ip', '10.0.0.1'], ['user', 'x']), ops: [] },
    { entity: entity(['client-id', 'app']), ops: [set('producer_byte_rate', 1.5)] },
    { entity: entity(['client-id', 'app2']), ops: [set('fetch_rate', 1)] },
    { entity: entity(['client-id', null]), ops: [set('request_percentage', -5)] },
    { entity: entity(['client-id', 'app3']), ops: [set('producer_byte_rate', 1), set('producer_byte_rate', 2)] },
    { entity: entity(['ip', 'not-an-ip']), ops: [set('connection_creation_rate', 1)] },
    { entity: entity(['client-id', 'app4'], ['user', null]), ops: [set('request_percentage', 12.5), { key: 'consumer_byte_rate', value: 0, remove: true }] },
  ];
  const out: MetadataRecord[] = [];
  const results = planClientQuotaAlterations(image, alterations, out);
  assert.deepEqual(results.map((r) => [r.errorCode, r.errorMessage]), [
    [0, null],
    [ErrorCode.INVALID_REQUEST, 'Ignoring duplicate entity ClientQuotaEntity(entries={user=alice})'],
    [ErrorCode.INVALID_REQUEST, 'Invalid empty client quota entity'],
    [ErrorCode.INVALID_REQUEST, 'Invalid empty client quota entity, duplicate entity entry user'],
    [ErrorCode.INVALID_REQUEST, 'Unhandled client quota entity type: group'],
    [ErrorCode.INVALID_REQUEST, 'Empty client-id not supported'],
    [ErrorCode.INVALID_REQUEST, 'Invalid empty client quota entity'],
    [ErrorCode.INVALID_REQUEST, 'Configuration producer_byte_rate must be a Long value'],
    [ErrorCode.INVALID_REQUEST, 'Invalid configuration key fetch_rate'],
    [ErrorCode.INVALID_REQUEST, 'Configuration request_percentage must be greater than 0, but it is -5'],
    [ErrorCode.INVALID_REQUEST, 'Duplicate quota key producer_byte_rate not updating quota for this entity ClientQuotaEntity(entries={client-id=app3})'],
    [ErrorCode.INVALID_REQUEST, 'not-an-ip is not a valid IP or resolvable host.'],
    [0, null],
  ]);
  assert.equal(out.length, 2, 'one record per value set; removing a key never set writes nothing');
  const delta = new MetadataDelta(image);
  for (const r of out) delta.replay(r);
  const applied = delta.apply(1);
  assert.equal(applied.changes.changedClientQuotas, true);
  // Unchanged values write nothing the second time.
  const again: MetadataRecord[] = [];
  planClientQuotaAlterations(applied.image, [alterations[0]!], again);
  assert.equal(again.length, 0);
});

function imageOf(quotas: [QuotaEntityPart[], Record<string, number>][]): MetadataImage {
  const out: MetadataRecord[] = [];
  planClientQuotaAlterations(MetadataImage.empty(), quotas.map(([e, values]) => ({
    entity: e, ops: Object.entries(values).map(([key, value]) => ({ key, value, remove: false })),
  })), out);
  const delta = new MetadataDelta(MetadataImage.empty());
  for (const r of out) delta.replay(r);
  return delta.apply(out.length - 1).image;
}

test('DescribeClientQuotas: EXACT, DEFAULT and SPECIFIED components, strict, and bad filters', () => {
  const image = imageOf([
    [entity(['user', 'alice']), { producer_byte_rate: 100 }],
    [entity(['user', 'alice'], ['client-id', 'app']), { consumer_byte_rate: 200 }],
    [entity(['user', null]), { producer_byte_rate: 300 }],
    [entity(['client-id', null]), { request_percentage: 50 }],
    [entity(['ip', '10.1.1.1']), { connection_creation_rate: 5 }],
  ]);
  const find = (components: [string, number, string | null][], strict: boolean) => {
    const r = describeClientQuotas(image.clientQuotas, components.map(([entityType, matchType, match]) => ({ entityType, matchType, match })), strict);
    return r.entries === null ? [r.errorCode, r.errorMessage] : r.entries.map((e) => e.entity.map((p) => `${p.entityType}=${p.entityName}`).join('&')).sort();
  };
  assert.deepEqual(find([['user', QuotaMatchType.Exact, 'alice']], false), ['client-id=app&user=alice', 'user=alice']);
  assert.deepEqual(find([['user', QuotaMatchType.Exact, 'alice']], true), ['user=alice']);
  assert.deepEqual(find([['user', QuotaMatchType.Default, null]], false), ['user=null']);
  assert.deepEqual(find([['user', QuotaMatchType.Specified, null]], true), ['user=alice', 'user=null']);
  assert.deepEqual(find([['client-id', QuotaMatchType.Specified, null], ['user', QuotaMatchType.Exact, 'alice']], true), ['client-id=app&user=alice']);
  assert.equal(find([], false).length, 5);
  assert.deepEqual(find([], true), []);
  assert.deepEqual(find([['user', 0, null]], false), [ErrorCode.INVALID_REQUEST, 'Request specified MATCH_TYPE_EXACT, but set match string to null.']);
  assert.deepEqual(find([['user', 1, 'x']], false), [ErrorCode.INVALID_REQUEST, 'Request specified MATCH_TYPE_DEFAULT, but also specified a match string.']);
  assert.deepEqual(find([['user', 2, null], ['user', 2, null]], false), [ErrorCode.INVALID_REQUEST, 'Entity type user cannot appear more than once in the filter.']);
  assert.deepEqual(find([['group', 2, null]], false), [ErrorCode.UNSUPPORTED_VERSION, 'Unsupported entity type group']);
  assert.deepEqual(find([['ip', 2, null], ['user', 2, null]], false)[0], ErrorCode.INVALID_REQUEST);
});

test('client quotas are in a metadata snapshot', () => {
  const image = imageOf([
    [entity(['user', 'alice'], ['client-id', null]), { producer_byte_rate: 100, request_percentage: 12.5 }],
    [entity(['client-id', 'x']), { consumer_byte_rate: 7 }],
  ]);
  const delta = new MetadataDelta(MetadataImage.empty());
  const records = imageRecords(image);
  for (const r of records) delta.replay(r);
  const replayed = delta.apply(records.length - 1).image;
  const flat = (i: MetadataImage) => [...i.clientQuotas].map(([k, q]) => [k, q.entity, [...q.values].sort()]).sort();
  assert.deepEqual(flat(replayed), flat(image));
  assert.equal(replayed.clientQuotas.size, 2);
});
