/**
 * Every decoder takes untrusted bytes: random frames, truncations, bit flips
 * and hostile length or count fields must give a value or one typed
 * ProtocolDecodeError, quickly, and never allocate for a count whose bytes
 * do not exist.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProtocolDecodeError, Reader, encodeToBuffer, readRequestHeader, type MessageCodec } from '../../src/protocol/index.ts';
import * as messages from '../../src/protocol/messages/index.ts';
import { schemas } from './schemas/messages.ts';
import { int, randomBytes, rng, sampleMessage, type Rng } from '../helpers/protocol-samples.ts';

const MUTATIONS_PER_VERSION = 40;
const CALL_TIME_MS_MAX = 50;

function decodeOrTypedError(codec: MessageCodec<unknown>, buf: Buffer, version: number, where: string): void {
  const timedDecode = (): number => {
    const started = performance.now();
    try {
      codec.decode(new Reader(buf), version);
    } catch (e) {
      if (!(e instanceof ProtocolDecodeError)) {
        assert.fail(`${where}: ${codec.name} v${version} threw ${(e as Error)?.name}: ${(e as Error)?.message}`);
      }
    }
    return performance.now() - started;
  };
  // A slow call is timed once more: a GC pause or a busy machine slows one call, a decoder that
  // allocates for a count it has no bytes for is slow every time.
  let elapsed = timedDecode();
  if (elapsed >= CALL_TIME_MS_MAX) elapsed = Math.min(elapsed, timedDecode());
  assert.ok(elapsed < CALL_TIME_MS_MAX, `${where}: ${codec.name} v${version} took ${elapsed.toFixed(1)} ms`);
}

function mutate(r: Rng, src: Buffer): Buffer {
  const buf = Buffer.from(src);
  switch (int(r, 0, 4)) {
    case 0: return buf.subarray(0, int(r, 0, buf.length));
    case 1: {
      for (let i = int(r, 1, 4); i > 0 && buf.length > 0; i--) buf[int(r, 0, buf.length - 1)]! ^= 1 << int(r, 0, 7);
      return buf;
    }
    case 2: {
      // A huge length or count: 0x7fffffff, or a varint of 2^31, at a random place.
      if (buf.length < 5) return buf;
      const at = int(r, 0, buf.length - 5);
      if (r() < 0.5) buf.writeInt32BE(0x7fffffff, at);
      else buf.set([0x80, 0x80, 0x80, 0x80, 0x08], at);
      return buf;
    }
    case 3: return Buffer.concat([buf, randomBytes(r, int(r, 1, 16))]);
    default: {
      if (buf.length < 2) return buf;
      const at = int(r, 0, buf.length - 2);
      buf.writeInt16BE(int(r, -2, 0x7fff), at);
      return buf;
    }
  }
}

// Requests come from clients and responses from peers (followers, Samsa's client): all are untrusted.
const codecs = messages.allCodecs;

test('every message decoder survives random and mutated frames', () => {
  let calls = 0;
  for (const codec of codecs) {
    for (let version = codec.minVersion; version <= codec.maxVersion; version++) {
      const r = rng(codec.name.length * 7919 + codec.apiKey * 1000 + version);
      for (let i = 0; i < 10; i++) {
        decodeOrTypedError(codec, randomBytes(r, int(r, 0, 64)), version, `random #${i}`);
        calls++;
      }
      const valid = encodeToBuffer(codec, sampleMessage(codec, schemas[codec.name]!, messages, version, r), version);
      for (let i = 0; i < MUTATIONS_PER_VERSION; i++) {
        decodeOrTypedError(codec, mutate(r, valid), version, `mutation #${i}`);
        calls++;
      }
    }
  }
  assert.ok(calls > 20_000, `made ${calls} decode calls`);
});

test('a count of 2^31 is refused before anything is allocated', () => {
  // Metadata v1: topics array count first; claim 2^31-1 topics in a 4-byte frame.
  const frame = Buffer.alloc(4);
  frame.writeInt32BE(0x7fffffff);
  const before = process.memoryUsage().heapUsed;
  assert.throws(() => messages.MetadataRequest.decode(new Reader(frame), 1), ProtocolDecodeError);
  // Compact (flexible) arrays: uvarint 2^31 for the count.
  const compact = Buffer.from([0x80, 0x80, 0x80, 0x80, 0x08]);
  assert.throws(() => messages.MetadataRequest.decode(new Reader(compact), 9), ProtocolDecodeError);
  assert.ok(process.memoryUsage().heapUsed - before < 16 * 1024 * 1024, 'no large allocation');
});

test('a string length beyond the frame is refused', () => {
  const frame = Buffer.from([0x00, 0x00, 0x00, 0x01, 0x7f, 0xff, 0x61]);
  assert.throws(() => messages.MetadataRequest.decode(new Reader(frame), 1), /exceeds/);
});

test('request headers from random bytes give a header or a typed error', () => {
  const r = rng(42);
  for (let i = 0; i < 5000; i++) {
    try {
      readRequestHeader(new Reader(randomBytes(r, int(r, 0, 40))));
    } catch (e) {
      assert.ok(e instanceof ProtocolDecodeError, String(e));
    }
  }
});
