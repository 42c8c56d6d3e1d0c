import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32c } from '../../src/records/index.ts';

test('crc32c check value of "123456789" is 0xE3069283', () => {
  assert.equal(crc32c(Buffer.from('123456789', 'ascii')), 0xe3069283);
});

test('crc32c of empty input is 0 and results are unsigned', () => {
  assert.equal(crc32c(Buffer.alloc(0)), 0);
  const value = crc32c(Buffer.from('a'));
  assert.ok(value >= 0 && value <= 0xffffffff);
});

test('crc32c over a subarray sees only the view', () => {
  const whole = Buffer.from('xx123456789yy', 'ascii');
  assert.equal(crc32c(whole.subarray(2, 11)), 0xe3069283);
});
