/** The cleaner's pure parts: the offset map, the key digest, the cleanable range and segment grouping. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cleanableRange, dirtyRatio, groupSegmentsBySize, isCleaningDue } from '../../src/storage/cleaner-policy.ts';
import { keyDigest } from '../../src/storage/key-hash.ts';
import { OFFSET_MAP_SLOT_BYTES, OffsetMap } from '../../src/storage/offset-map.ts';

test('the offset map keeps the latest offset per key and reports full at its load factor', () => {
  const map = new OffsetMap(OFFSET_MAP_SLOT_BYTES * 10, 0.5);
  assert.equal(map.entriesMax, 5);
  for (let i = 0; i < 5; i++) map.put(Buffer.from(`k${i}`), i);
  assert.equal(map.isFull(), true);
  map.put(Buffer.from('k0'), 9);
  assert.equal(map.get(Buffer.from('k0')), 9, 'an update needs no new slot');
  assert.equal(map.get(Buffer.from('absent')), -1);
  assert.throws(() => map.put(Buffer.from('k5'), 10), /full/);
  assert.equal(map.latestOffset, 9);
  map.clear();
  assert.deepEqual([map.size, map.latestOffset, map.get(Buffer.from('k0'))], [0, -1, -1]);
  assert.throws(() => new OffsetMap(OFFSET_MAP_SLOT_BYTES, 0.9), RangeError);
  assert.throws(() => new OffsetMap(1 << 20, 0), RangeError);
});

test('300,000 distinct keys of many lengths get distinct digests and map back exactly', () => {
  const seen = new Set<string>();
  const digest = new Uint32Array(4);
  const map = new OffsetMap(OFFSET_MAP_SLOT_BYTES * 400_000, 0.9);
  for (let i = 0; i < 300_000; i++) {
    const key = Buffer.from(`${'x'.repeat(i % 37)}${i}`);
    keyDigest(key, digest);
    seen.add(digest.join(','));
    map.put(key, i);
  }
  assert.equal(seen.size, 300_000);
  for (let i = 0; i < 300_000; i += 997) assert.equal(map.get(Buffer.from(`${'x'.repeat(i % 37)}${i}`)), i);
});

const segment = (baseOffset: number, sizeBytes: number, largestTimestampMs = 0) => ({ baseOffset, sizeBytes, largestTimestampMs, offsetIndexBytes: 80, timeIndexBytes: 120 });

test('the cleanable range starts at a valid checkpoint and stops at the active segment, the lag and the high watermark', () => {
  const segments = [segment(0, 100), segment(10, 100), segment(20, 100, 5_000), segment(30, 100, 9_000), segment(40, 0)];
  const base = { segments, logStartOffset: 0, logEndOffset: 40, cleanableEndMax: 40, nowMs: 10_000, minCompactionLagMs: 0, maxCompactionLagMs: Number.MAX_SAFE_INTEGER, firstDirtyBatchTimestampMs: () => 0 };
  const fresh = cleanableRange({ ...base, checkpointOffset: -1 });
  assert.deepEqual([fresh.firstDirtyOffset, fresh.firstUncleanableOffset, fresh.cleanBytes, fresh.cleanableBytes], [0, 40, 0, 400]);
  const checkpointed = cleanableRange({ ...base, checkpointOffset: 20 });
  assert.deepEqual([checkpointed.firstDirtyOffset, checkpointed.cleanBytes, checkpointed.cleanableBytes], [20, 200, 200]);
  assert.equal(dirtyRatio(checkpointed), 0.5);
  assert.equal(isCleaningDue(checkpointed, 0.5), false, 'Kafka needs the ratio above the setting');
  assert.equal(isCleaningDue(checkpointed, 0.49), true);
  assert.equal(cleanableRange({ ...base, checkpointOffset: 41 }).firstDirtyOffset, 0, 'a checkpoint past the log end is ignored');
  assert.equal(cleanableRange({ ...base, checkpointOffset: -1, minCompactionLagMs: 2_000 }).firstUncleanableOffset, 30);
  assert.equal(cleanableRange({ ...base, checkpointOffset: -1, cleanableEndMax: 25 }).firstUncleanableOffset, 20);
  const lagged = cleanableRange({ ...base, checkpointOffset: 20, maxCompactionLagMs: 1_000, firstDirtyBatchTimestampMs: () => 8_000 });
  assert.equal(lagged.needCompactionNow, true);
  assert.equal(isCleaningDue(lagged, 0.99), true);
});

test('segments are grouped while their log and index bytes fit one segment and their offsets fit 2^31', () => {
  const segments = [segment(0, 400), segment(10, 400), segment(20, 400), segment(30, 100), segment(40, 100)];
  assert.deepEqual(groupSegmentsBySize(segments, 5, 50, { segmentBytesMax: 1000, indexBytesMax: 1000 }), [2, 3]);
  assert.deepEqual(groupSegmentsBySize(segments, 4, 40, { segmentBytesMax: 1000, indexBytesMax: 300 }), [2, 2]);
  const limits = { segmentBytesMax: 1000, indexBytesMax: 1000 };
  // A segment joins only if the offsets it may hold (up to the next base) stay within 2^31 of the group's base.
  assert.deepEqual(groupSegmentsBySize([segment(0, 1), segment(2 ** 31 - 10, 1), segment(2 ** 31 + 5, 1)], 3, 2 ** 31 + 6, limits), [1, 2]);
  assert.deepEqual(groupSegmentsBySize([segment(0, 1), segment(100, 1), segment(1000, 1)], 3, 2 ** 31 + 100, limits), [2, 1]);
});
