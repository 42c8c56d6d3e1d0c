/** The cleaner's pure parts: the offset map, the key digest, the cleanable range, segment grouping and the walk over transactions. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ControlRecordType, NO_DELETE_HORIZON, RecordBatch, buildEndTxnMarkerBatch, buildRecordBatch, buildRetainedBatch } from '../../src/records/index.ts';
import { CleanedTxns } from '../../src/storage/cleaned-txns.ts';
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

function txnBatch(producerId: bigint, baseOffset: number, count = 1): RecordBatch {
  const records = Array.from({ length: count }, (_, i) => ({ key: Buffer.from(`k${i}`), value: Buffer.from('v'), timestamp: 0n }));
  return new RecordBatch(buildRecordBatch(records, { baseOffset: BigInt(baseOffset), producerId, producerEpoch: 0, baseSequence: 0, isTransactional: true }), 0);
}

function markerBatch(producerId: bigint, offset: number, type: 0 | 1): RecordBatch {
  return new RecordBatch(buildEndTxnMarkerBatch({ type, coordinatorEpoch: 0 }, 0n, { producerId, producerEpoch: 0, baseOffset: BigInt(offset) }), 0);
}

test('the cleaner\'s walk over transactions: aborted data is told apart, markers go only once no data of theirs was met', { timeout: 30_000 }, () => {
  const { ABORT, COMMIT } = ControlRecordType;
  // Producer 1 aborts [0, 5]; producer 2 commits [1, 4]; producer 1 then commits [6, 7]; producer 3's abort [8, 9] has no data left.
  const p1Abort = { producerId: 1n, firstOffset: 0, lastOffset: 5, lastStableOffset: 6 };
  const p3Abort = { producerId: 3n, firstOffset: 8, lastOffset: 9, lastStableOffset: 10 };
  const walk = new CleanedTxns([p3Abort, p1Abort]);
  assert.equal(walk.onDataBatch(txnBatch(1n, 0, 2)), true, 'producer 1 from 0 is aborted');
  assert.equal(walk.onDataBatch(txnBatch(2n, 2)), false, 'producer 2 has no aborted transaction: committed');
  const plain = new RecordBatch(buildRecordBatch([{ key: Buffer.from('x'), value: null, timestamp: 0n }], { baseOffset: 3n }), 0);
  assert.equal(walk.onDataBatch(plain), false);
  assert.deepEqual(walk.onControlBatch(markerBatch(2n, 4, COMMIT)), { discardable: false, keptAbortedTxn: null }, 'its data was met');
  assert.deepEqual(walk.onControlBatch(markerBatch(1n, 5, ABORT)), { discardable: false, keptAbortedTxn: p1Abort }, 'kept, with its index entry');
  assert.equal(walk.onDataBatch(txnBatch(1n, 6)), false, 'after its ABORT marker producer 1 starts a transaction that commits');
  assert.equal(walk.onControlBatch(markerBatch(1n, 7, COMMIT)).discardable, false);
  assert.deepEqual(walk.onControlBatch(markerBatch(3n, 9, ABORT)), { discardable: true, keptAbortedTxn: null }, 'no data met: the marker may go');
  assert.equal(walk.onControlBatch(markerBatch(2n, 10, COMMIT)).discardable, true, 'a COMMIT with no data met may go');
  const emptied = new RecordBatch(buildRetainedBatch(markerBatch(4n, 11, COMMIT), [], NO_DELETE_HORIZON), 0);
  assert.equal(walk.onControlBatch(emptied).discardable, true, 'the empty header of a former marker');
});
