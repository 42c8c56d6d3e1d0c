import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
  ErrorCode,
  KAFKA_ERRORS,
  MAX_ERROR_CODE,
  MIN_ERROR_CODE,
  errorInfo,
  errorName,
  isRetriable,
  type ErrorCodeName,
} from '../../src/protocol/error-codes.ts';

test('codes are unique', () => {
  const codes = KAFKA_ERRORS.map((e) => e.code);
  assert.equal(new Set(codes).size, codes.length);
  assert.equal(new Set(Object.values(ErrorCode)).size, Object.keys(ErrorCode).length);
});

test('names are unique', () => {
  const names = KAFKA_ERRORS.map((e) => e.name);
  assert.equal(new Set(names).size, names.length);
});

test('table is sorted, contiguous from -1 and matches ErrorCode', () => {
  assert.equal(MIN_ERROR_CODE, -1);
  assert.equal(KAFKA_ERRORS.length, Object.keys(ErrorCode).length);
  assert.equal(KAFKA_ERRORS.length, MAX_ERROR_CODE - MIN_ERROR_CODE + 1);
  KAFKA_ERRORS.forEach((e, i) => {
    assert.equal(e.code, MIN_ERROR_CODE + i);
    assert.equal(ErrorCode[e.name as ErrorCodeName], e.code);
    assert.match(e.name, /^[A-Z][A-Z0-9_]*$/);
  });
  assert.ok(MAX_ERROR_CODE >= 133);
});

test('table and entries are frozen', () => {
  assert.ok(Object.isFrozen(KAFKA_ERRORS));
  for (const e of KAFKA_ERRORS) assert.ok(Object.isFrozen(e));
});

test('well-known codes, names and retriable flags', () => {
  const expected: [ErrorCodeName, number, boolean][] = [
    ['UNKNOWN_SERVER_ERROR', -1, false],
    ['NONE', 0, false],
    ['OFFSET_OUT_OF_RANGE', 1, false],
    ['CORRUPT_MESSAGE', 2, true],
    ['UNKNOWN_TOPIC_OR_PARTITION', 3, true],
    ['LEADER_NOT_AVAILABLE', 5, true],
    ['NOT_LEADER_OR_FOLLOWER', 6, true],
    ['REQUEST_TIMED_OUT', 7, true],
    ['MESSAGE_TOO_LARGE', 10, false],
    ['NETWORK_EXCEPTION', 13, true],
    ['COORDINATOR_LOAD_IN_PROGRESS', 14, true],
    ['COORDINATOR_NOT_AVAILABLE', 15, true],
    ['NOT_COORDINATOR', 16, true],
    ['INVALID_TOPIC_EXCEPTION', 17, false],
    ['NOT_ENOUGH_REPLICAS', 19, true],
    ['NOT_ENOUGH_REPLICAS_AFTER_APPEND', 20, true],
    ['ILLEGAL_GENERATION', 22, false],
    ['UNKNOWN_MEMBER_ID', 25, false],
    ['REBALANCE_IN_PROGRESS', 27, false],
    ['TOPIC_AUTHORIZATION_FAILED', 29, false],
    ['UNSUPPORTED_VERSION', 35, false],
    ['TOPIC_ALREADY_EXISTS', 36, false],
    ['NOT_CONTROLLER', 41, true],
    ['INVALID_REQUEST', 42, false],
    ['OUT_OF_ORDER_SEQUENCE_NUMBER', 45, false],
    ['CONCURRENT_TRANSACTIONS', 51, true],
    ['KAFKA_STORAGE_ERROR', 56, true],
    ['UNKNOWN_PRODUCER_ID', 59, false],
    ['FENCED_LEADER_EPOCH', 74, true],
    ['UNKNOWN_LEADER_EPOCH', 75, true],
    ['THROTTLING_QUOTA_EXCEEDED', 89, true],
    ['PRODUCER_FENCED', 90, false],
    ['UNKNOWN_TOPIC_ID', 100, true],
    ['FENCED_MEMBER_EPOCH', 110, false],
    ['TRANSACTION_ABORTABLE', 120, false],
    ['REBOOTSTRAP_REQUIRED', 129, false],
    ['SHARE_SESSION_LIMIT_REACHED', 133, true],
  ];
  for (const [name, code, retriable] of expected) {
    assert.equal(ErrorCode[name], code, name);
    const info = errorInfo(code);
    assert.deepEqual({ ...info }, { name, code, retriable }, name);
    assert.equal(isRetriable(code), retriable, name);
    assert.equal(errorName(code), name);
  }
});

test('number of retriable codes', () => {
  assert.equal(KAFKA_ERRORS.filter((e) => e.retriable).length, 32);
});

test('errorInfo returns the shared entry for known codes', () => {
  assert.equal(errorInfo(6), errorInfo(6));
  assert.equal(errorInfo(ErrorCode.NONE), KAFKA_ERRORS[1]);
});

test('unknown codes', () => {
  for (const code of [MAX_ERROR_CODE + 1, 9999, -2, -32768, 32767]) {
    assert.deepEqual({ ...errorInfo(code) }, { name: `UNKNOWN_ERROR_${code}`, code, retriable: false });
    assert.equal(isRetriable(code), false);
    assert.equal(errorName(code), `UNKNOWN_ERROR_${code}`);
  }
  assert.equal(errorInfo(1.5).name, 'UNKNOWN_ERROR_1.5');
  assert.equal(isRetriable(Number.NaN), false);
});
