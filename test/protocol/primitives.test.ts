import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProtocolDecodeError, Reader, Writer } from '../../src/protocol/index.ts';

test('varints round-trip at their edges', () => {
  const ints = [0, 1, -1, 63, -64, 64, 127, 128, 8191, -8192, 2 ** 31 - 1, -(2 ** 31)];
  const longs = [0n, 1n, -1n, 2n ** 63n - 1n, -(2n ** 63n), 1234567890123n];
  const w = new Writer(8);
  for (const v of ints) w.varint(v);
  for (const v of longs) w.varlong(v);
  w.uvarint(0xffffffff);
  const r = new Reader(w.toBuffer());
  for (const v of ints) assert.equal(r.varint(), v);
  for (const v of longs) assert.equal(r.varlong(), v);
  assert.equal(r.uvarint(), 0xffffffff);
  r.expectEnd('varints');
});

test('known varint encodings match the protocol', () => {
  const w = new Writer();
  w.varint(-1);
  w.varint(150);
  w.uvarint(300);
  assert.deepEqual([...w.toBuffer()], [0x01, 0xac, 0x02, 0xac, 0x02]);
});

test('a varint longer than 5 bytes or past 32 bits is refused', () => {
  assert.throws(() => new Reader(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x1f])).uvarint(), ProtocolDecodeError);
  assert.throws(() => new Reader(Buffer.from([0x80, 0x80])).uvarint(), /truncated/);
  assert.throws(() => new Reader(Buffer.from(Array(11).fill(0xff))).varlong(), /too long/);
});

test('compact and classic strings, nulls and bytes', () => {
  const w = new Writer(4);
  w.string('héllo', true);
  w.string('héllo', false);
  w.nullableString(null, true);
  w.nullableString(null, false);
  w.nullableBytes(null, true);
  w.bytes(Buffer.from([1, 2, 3]), false);
  const r = new Reader(w.toBuffer());
  assert.equal(r.string(true), 'héllo');
  assert.equal(r.string(false), 'héllo');
  assert.equal(r.nullableString(true), null);
  assert.equal(r.nullableString(false), null);
  assert.equal(r.nullableBytes(true), null);
  assert.deepEqual([...r.bytes(false)], [1, 2, 3]);
  assert.throws(() => new Reader(Buffer.from([0xff, 0xff])).string(false), /null/);
});

test('uuids are base64url strings of 16 bytes', () => {
  const bytes = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
  const id = new Reader(bytes).uuid();
  assert.equal(id.length, 22);
  const w = new Writer();
  w.uuid(id);
  assert.ok(w.toBuffer().equals(bytes));
  assert.throws(() => new Writer().uuid('not-a-uuid'));
});

test('large byte fields are kept by reference, not copied', () => {
  const big = Buffer.alloc(64 * 1024, 7);
  const w = new Writer(16);
  const sizeAt = w.reserve(4);
  w.bytes(big, false);
  w.int16(5);
  w.patchInt32(sizeAt, w.length - 4);
  const chunks = w.toChunks();
  assert.equal(chunks.length, 3);
  assert.equal(chunks[1], big, 'the big buffer itself is a chunk');
  const whole = Buffer.concat(chunks);
  assert.equal(whole.readInt32BE(0), whole.length - 4);
  assert.equal(whole.readInt32BE(4), big.length);
  assert.equal(whole.readInt16BE(whole.length - 2), 5);
});

test('the writer grows without losing earlier bytes or chunks', () => {
  const w = new Writer(2);
  for (let i = 0; i < 10_000; i++) w.int32(i);
  const r = new Reader(w.toBuffer());
  for (let i = 0; i < 10_000; i++) assert.equal(r.int32(), i);
});
