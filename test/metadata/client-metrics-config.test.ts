/**
 * KIP-714 subscriptions as the controller checks them (Kafka's
 * ClientMetricsConfigs.validate: messages and error codes) and as the broker
 * reads them back from the metadata image.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientMetricsConfigError, clientMetricsSubscription } from '../../src/metadata/index.ts';
import { ErrorCode } from '../../src/protocol/index.ts';

const check = (name: string, configs: Record<string, string>) => clientMetricsConfigError(name, new Map(Object.entries(configs)));

test('Kafka\'s validation of a subscription', () => {
  assert.equal(check('s', { metrics: 'a,b', 'interval.ms': '100', match: 'client_id=x.*,client_source_port=9\\d+' }), null);
  assert.equal(check('s', { 'interval.ms': '3600000' }), null);
  assert.deepEqual(check('', { metrics: '*' }), { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: "Subscription name can't be empty" });
  assert.deepEqual(check('s', { colour: 'red' }), { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Unknown client metrics configuration: colour' });
  assert.deepEqual(check('s', { 'interval.ms': '99' }), {
    errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Invalid value 99 for interval.ms, interval must be between 100 and 3600000 (1 hour)',
  });
  assert.equal(check('s', { 'interval.ms': 'soon' })?.errorCode, ErrorCode.INVALID_CONFIG);
  for (const bad of ['client_id', 'client_id=', 'colour=red', 'client_id=a=b', 'client_id=(']) {
    assert.deepEqual(check('s', { match: bad }), { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: `Illegal client matching pattern: ${bad}` }, bad);
  }
});

test('a stored subscription: prefixes, interval and whole-value selectors', () => {
  const s = clientMetricsSubscription('s', new Map([['metrics', 'a., b.'], ['match', 'client_id=bill.*']]));
  assert.deepEqual(s.metrics, ['a.', 'b.']);
  assert.equal(s.intervalMs, 300000, 'Kafka\'s default interval');
  const regex = s.match.get('client_id')!;
  assert.equal(regex.test('billing'), true);
  assert.equal(regex.test('old-billing'), false, 'the regex matches the whole value, as Java\'s Matcher.matches');
});
