import assert from 'node:assert/strict';
import { test } from 'node:test';
import zlib from 'node:zlib';
import { compressFrameSync } from 'lz4-napi';
import snappy from 'snappy';
import { CompressionCodec, RecordsErrorCode, compress, decompress } from '../../src/records/index.ts';
import { decodeLz4Block } from '../../src/records/lz4-block.ts';
import { xxhash32Short } from '../../src/records/xxhash32.ts';
import { assertRecordsError, randomBytes, seededRandom } from './helpers.ts';

const MIB = 1024 * 1024;
const TEXT = Buffer.from('the quick brown fox jumps over the lazy dog 0123456789 '.repeat(4000));

function xerialFrame(chunks: Buffer[]): Buffer {
  const header = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1]);
  const parts: Buffer[] = [header];
  for (const chunk of chunks) {
    const raw = snappy.compressSync(chunk);
    const length = Buffer.alloc(4);
    length.writeInt32BE(raw.length);
    parts.push(length, raw);
  }
  return Buffer.concat(parts);
}

test('every codec round-trips, NONE is the identity', () => {
  for (const codec of [0, 1, 2, 3, 4] as const) {
    const packed = compress(codec, TEXT);
    assert.deepEqual(decompress(codec, packed), TEXT, `codec ${codec}`);
  }
  assert.equal(compress(CompressionCodec.NONE, TEXT), TEXT);
  assert.deepEqual(decompress(CompressionCodec.GZIP, compress(CompressionCodec.GZIP, Buffer.alloc(0))), Buffer.alloc(0));
});

test('snappy is written raw (readable by librdkafka, KafkaJS, @platformatic/kafka and Java)', () => {
  const packed = compress(CompressionCodec.SNAPPY, TEXT);
  assert.notEqual(packed[0], 0x82);
  assert.deepEqual(snappy.uncompressSync(packed), TEXT);
});

test('snappy in xerial framing (Java\'s SnappyOutputStream) is decoded', () => {
  const framed = xerialFrame([TEXT.subarray(0, 70_000), TEXT.subarray(70_000, 140_000), TEXT.subarray(140_000)]);
  assert.deepEqual(decompress(CompressionCodec.SNAPPY, framed), TEXT);
  assert.deepEqual(decompress(CompressionCodec.SNAPPY, xerialFrame([])), Buffer.alloc(0));
  assertRecordsError(() => decompress(CompressionCodec.SNAPPY, framed.subarray(0, framed.length - 3)), RecordsErrorCode.CORRUPT_MESSAGE);
  assertRecordsError(() => decompress(CompressionCodec.SNAPPY, framed.subarray(0, 18)), RecordsErrorCode.CORRUPT_MESSAGE);
});

test('decompression bombs fail with MESSAGE_TOO_LARGE for every codec', () => {
  const zeros = Buffer.alloc(10 * MIB);
  for (const codec of [1, 2, 3, 4] as const) {
    const bomb = compress(codec, zeros);
    assert.ok(bomb.length < 600_000, `codec ${codec} bomb is small (${bomb.length})`);
    assertRecordsError(() => decompress(codec, bomb, MIB), RecordsErrorCode.MESSAGE_TOO_LARGE);
    assert.equal(decompress(codec, bomb, 10 * MIB).length, 10 * MIB, `codec ${codec} at exactly the limit`);
  }
  const xerialBomb = xerialFrame([zeros.subarray(0, 600_000), zeros.subarray(0, 600_000)]);
  assertRecordsError(() => decompress(CompressionCodec.SNAPPY, xerialBomb, MIB), RecordsErrorCode.MESSAGE_TOO_LARGE);
});

test('garbage input to every codec is CORRUPT_MESSAGE', () => {
  const garbage = Buffer.from('definitely not compressed data, at all');
  for (const codec of [1, 2, 3, 4] as const) {
    assertRecordsError(() => decompress(codec, garbage), RecordsErrorCode.CORRUPT_MESSAGE);
  }
  assertRecordsError(() => decompress(5, garbage), RecordsErrorCode.CORRUPT_MESSAGE, /codec/);
  assertRecordsError(() => decompress(CompressionCodec.SNAPPY, Buffer.alloc(0)), RecordsErrorCode.CORRUPT_MESSAGE);
});

test('lz4 frames from lz4-napi carry a header checksum our xxhash32 reproduces', () => {
  const frame = compressFrameSync(TEXT);
  assert.equal((xxhash32Short(frame, 4, 6) >>> 8) & 0xff, frame[6]);
  // xxHash32 reference values for short inputs.
  assert.equal(xxhash32Short(Buffer.alloc(0), 0, 0), 0x02cc5d05);
  assert.equal(xxhash32Short(Buffer.from('a'), 0, 1), 0x550d7456);
  assert.equal(xxhash32Short(Buffer.from('abc'), 0, 3), 0x32d153ff);
});

test('lz4 with a wrong header checksum is still read (old Kafka clients wrote it wrong)', () => {
  const frame = compressFrameSync(TEXT);
  frame[6]! ^= 0x5a;
  assert.deepEqual(decompress(CompressionCodec.LZ4, frame), TEXT);
});

test('lz4 frames whose bound exceeds the limit decode through the checked path when they fit', () => {
  const frame = compressFrameSync(TEXT);
  // The block bound is far above the text's size, so a limit just above it forces the checked decoder.
  assert.deepEqual(decompress(CompressionCodec.LZ4, frame, TEXT.length), TEXT);
  assertRecordsError(() => decompress(CompressionCodec.LZ4, frame, TEXT.length - 1), RecordsErrorCode.MESSAGE_TOO_LARGE);
});

test('lz4 content size above the limit is refused before decoding', () => {
  const frame = compressFrameSync(TEXT);
  const withSize = Buffer.concat([frame.subarray(0, 6), Buffer.alloc(8), Buffer.alloc(1), frame.subarray(7)]);
  withSize[4]! |= 0x08;
  withSize.writeUInt32LE(TEXT.length, 6);
  withSize[14] = (xxhash32Short(withSize, 4, 14) >>> 8) & 0xff;
  assert.deepEqual(decompress(CompressionCodec.LZ4, withSize), TEXT);
  withSize.writeUInt32LE(0xffffffff, 6);
  withSize.writeUInt32LE(0xffff, 10);
  withSize[14] = (xxhash32Short(withSize, 4, 14) >>> 8) & 0xff;
  assertRecordsError(() => decompress(CompressionCodec.LZ4, withSize), RecordsErrorCode.MESSAGE_TOO_LARGE);
});

test('the checked lz4 block decoder matches the native one on varied data', () => {
  const random = seededRandom(7);
  for (let round = 0; round < 200; round++) {
    const length = Math.floor(random() * 5000);
    const alphabet = 1 + Math.floor(random() * 255);
    const data = Buffer.allocUnsafe(length);
    for (let i = 0; i < length; i++) data[i] = Math.floor(random() * alphabet);
    const frame = compressFrameSync(data);
    frame[6]! ^= 0xff; // wrong header checksum: forces the checked decoder
    assert.deepEqual(decompress(CompressionCodec.LZ4, frame), data, `round ${round}`);
  }
});

test('decodeLz4Block rejects offsets before the output start and reports lack of room', () => {
  // token: 1 literal, match length 4; literal 'a'; offset 2 (only 1 byte of history).
  const block = Buffer.from([0x10, 0x61, 0x02, 0x00]);
  const out = Buffer.alloc(16);
  assertRecordsError(() => decodeLz4Block(block, 0, block.length, out, 0, 0, 16), RecordsErrorCode.CORRUPT_MESSAGE, /offset/);
  const overlapping = Buffer.from([0x10, 0x61, 0x01, 0x00]);
  assert.equal(decodeLz4Block(overlapping, 0, overlapping.length, out, 0, 0, 16), 5);
  assert.equal(out.toString('latin1', 0, 5), 'aaaaa');
  assert.equal(decodeLz4Block(overlapping, 0, overlapping.length, out, 0, 0, 3), -1);
});

test('random bytes given to each decompressor fail typed', () => {
  const random = seededRandom(99);
  for (let round = 0; round < 300; round++) {
    const bytes = randomBytes(random, Math.floor(random() * 200));
    for (const codec of [1, 2, 3, 4] as const) {
      try {
        decompress(codec, bytes, MIB);
      } catch (error) {
        assert.equal((error as { code?: string }).code, 'SAMSA_ERR_PROTOCOL_DECODE', String(error));
      }
    }
  }
  assert.ok(zlib.gunzipSync(compress(CompressionCodec.GZIP, TEXT)).equals(TEXT), 'gzip output is plain gzip');
});
