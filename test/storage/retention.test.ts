import assert from 'node:assert/strict';
import fs from 'node:fs';
import { afterEach, beforeEach, test } from 'node:test';
import { OffsetOutOfRangeError, type PartitionLog } from '../../src/storage/index.ts';
import { RollReason, retentionDeletableCount, rollReason } from '../../src/storage/policies.ts';
import { ManualClock, config, fill, filesIn, makeBatch, open, readAll, tempDir } from './helpers.ts';

let dir: string;
let cleanup: () => void;
let clock: ManualClock;

beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  clock = new ManualClock();
});
afterEach(() => cleanup());

const HOUR = 3_600_000;

/** Six segments of five one-record batches each, the batches of segment s stamped at hour s. */
function sixSegments(overrides = {}): PartitionLog {
  const log = open(dir, clock, { segmentBytes: 5 * 80, ...overrides });
  const start = clock.nowMs();
  for (let s = 0; s < 6; s++) {
    for (let b = 0; b < 5; b++) log.append(makeBatch(s * 5 + b, 1, start + s * HOUR), 1);
  }
  assert.equal(log.segmentBaseOffsets().length, 6, `${log.segmentBaseOffsets()}`);
  return log;
}

test('retention.ms deletes whole segments by their newest timestamp and moves the log start', () => {
  const log = sixSegments({ retentionMs: 2.5 * HOUR });
  assert.equal(log.deleteExpiredSegments(), 0);
  clock.advance(4 * HOUR);
  // Now is hour 4: segments stamped at hours 0 and 1 are older than 2.5 h.
  assert.equal(log.deleteExpiredSegments(), 2);
  assert.equal(log.logStartOffset, 10);
  assert.deepEqual(log.segmentBaseOffsets(), [10, 15, 20, 25]);
  assert.throws(() => log.read(9, 100, 30, true), OffsetOutOfRangeError);
  assert.equal(readAll(log)[0]!.offset, 10);
  assert.equal(filesIn(log.dir).filter((n) => n.endsWith('.log')).length, 4);
  assert.ok(!filesIn(log.dir).some((n) => n.endsWith('.deleted')));
  log.close();
});

test('when every segment expired the log rolls first, keeping an empty active segment (as Kafka)', () => {
  const log = sixSegments({ retentionMs: HOUR });
  clock.advance(100 * HOUR);
  assert.equal(log.deleteExpiredSegments(), 6);
  assert.deepEqual(log.segmentBaseOffsets(), [30]);
  assert.deepEqual([log.logStartOffset, log.logEndOffset, log.sizeBytes], [30, 30, 0]);
  assert.equal(log.read(30, 100, 30, true).records, null);
  assert.equal(log.append(makeBatch(0, 1, clock.nowMs())).firstOffset, 30);
  assert.equal(log.deleteExpiredSegments(), 0, 'a fresh segment is not expired');
  log.close();
});

test('retention never deletes past the high watermark', () => {
  const log = sixSegments({ retentionMs: HOUR });
  clock.advance(100 * HOUR);
  assert.equal(log.deleteExpiredSegments(12), 2, 'only segments ending at or below hw 12');
  assert.equal(log.logStartOffset, 10);
  log.close();
});

test('retention.bytes deletes the oldest segments while the log is over the limit', () => {
  const log = sixSegments();
  const segmentBytes = log.sizeBytes / 6;
  log.updateConfig(config({ segmentBytes: 400, retentionBytes: Math.floor(segmentBytes * 3.5) }));
  assert.equal(log.deleteExpiredSegments(), 2, 'deleting a third would take it under the limit');
  assert.deepEqual(log.segmentBaseOffsets(), [10, 15, 20, 25]);
  assert.equal(log.logStartOffset, 10);
  log.updateConfig(config({ segmentBytes: 400, retentionBytes: 0 }));
  assert.equal(log.deleteExpiredSegments(), 4);
  assert.deepEqual([log.logStartOffset, log.logEndOffset], [30, 30]);
  log.close();
});

test('deleteRecordsBefore moves the log start inside a segment and deletes the segments wholly below', () => {
  const log = sixSegments();
  assert.equal(log.deleteRecordsBefore(12), 12);
  assert.deepEqual(log.segmentBaseOffsets(), [10, 15, 20, 25]);
  assert.throws(() => log.read(11, 100, 30, true), OffsetOutOfRangeError);
  const { records, firstOffset } = log.read(12, 1000, 30, true);
  assert.equal(firstOffset, 12);
  assert.ok(records !== null);
  assert.equal(log.deleteRecordsBefore(5), 12, 'never backwards');
  assert.throws(() => log.deleteRecordsBefore(31), OffsetOutOfRangeError);
  assert.equal(log.deleteRecordsBefore(30), 30);
  assert.deepEqual(log.segmentBaseOffsets(), [25], 'the active segment stays until it is rolled');
  assert.deepEqual(log.offsetForTimestamp(-2), { offset: 30, timestamp: -1 });
  log.close();
});

test('truncateTo drops everything at and above an offset, across segments, and appends continue there', () => {
  const log = sixSegments();
  const before = readAll(log);
  log.truncateTo(12);
  assert.equal(log.logEndOffset, 12);
  assert.deepEqual(log.segmentBaseOffsets(), [0, 5, 10]);
  assert.deepEqual(readAll(log), before.slice(0, 12));
  assert.equal(filesIn(log.dir).filter((n) => n.endsWith('.log')).length, 3);
  assert.equal(log.append(makeBatch(77, 2, clock.nowMs())).firstOffset, 12);
  assert.deepEqual(readAll(log).map((r) => r.value).slice(11), ['b11-r0', 'b77-r0', 'b77-r1']);
  log.truncateTo(100);
  assert.equal(log.logEndOffset, 14, 'truncating above the end is a no-op');
  log.close();
  const reopened = open(dir, clock, { segmentBytes: 400 });
  assert.equal(reopened.logEndOffset, 14);
  reopened.close();
});

test('truncateTo inside a batch drops the batch whole; below the first segment it restarts the log', () => {
  const log = open(dir, clock, { segmentBytes: 300 });
  fill(log, clock, 10, 4);
  log.truncateTo(22);
  assert.equal(log.logEndOffset, 20);
  log.deleteRecordsBefore(9);
  log.deleteExpiredSegments();
  const first = log.segmentBaseOffsets()[0]!;
  assert.ok(first > 0);
  log.truncateTo(first - 1);
  assert.deepEqual([log.logStartOffset, log.logEndOffset, log.segmentBaseOffsets()], [first - 1, first - 1, [first - 1]]);
  log.truncateFullyAndStartAt(500);
  assert.equal(log.append(makeBatch(0, 1, 0)).firstOffset, 500);
  assert.equal(fs.readdirSync(log.dir).filter((n) => n.endsWith('.log')).length, 1);
  log.close();
});

test('rollReason follows Kafka\'s shouldRoll', () => {
  const cfg = config({ segmentBytes: 1000, segmentMs: 100 });
  const segment = { baseOffset: 10, sizeBytes: 500, firstAppendMs: 0, indexFull: false };
  assert.equal(rollReason(segment, 500, 20, 100, cfg), RollReason.NONE);
  assert.equal(rollReason(segment, 501, 20, 100, cfg), RollReason.SIZE);
  assert.equal(rollReason(segment, 1, 20, 101, cfg), RollReason.TIME);
  assert.equal(rollReason({ ...segment, indexFull: true }, 1, 20, 0, cfg), RollReason.INDEX_FULL);
  assert.equal(rollReason(segment, 1, 10 + 2 ** 31, 0, cfg), RollReason.OFFSET_OVERFLOW);
  assert.equal(rollReason({ ...segment, sizeBytes: 0, indexFull: true }, 5000, 20, 1e9, cfg), RollReason.NONE, 'an empty segment never rolls');
});

test('retentionDeletableCount: prefixes only, high watermark, empty active segment', () => {
  const segments = [
    { baseOffset: 0, sizeBytes: 100, largestTimestampMs: 10 },
    { baseOffset: 5, sizeBytes: 100, largestTimestampMs: 50 },
    { baseOffset: 9, sizeBytes: 100, largestTimestampMs: 20 },
    { baseOffset: 12, sizeBytes: 0, largestTimestampMs: 15 },
  ];
  const base = { segments, logStartOffset: 0, logEndOffset: 12, highWatermark: 12, nowMs: 100, retentionMs: -1, retentionBytes: -1 };
  assert.equal(retentionDeletableCount(base), 0);
  assert.equal(retentionDeletableCount({ ...base, retentionMs: 60 }), 1, 'stops at the first segment that is not expired');
  assert.equal(retentionDeletableCount({ ...base, retentionMs: 0 }), 3, 'the empty active segment is never deleted');
  assert.equal(retentionDeletableCount({ ...base, retentionMs: 0, highWatermark: 9 }), 2);
  assert.equal(retentionDeletableCount({ ...base, retentionBytes: 150 }), 1);
  assert.equal(retentionDeletableCount({ ...base, retentionBytes: 0 }), 3);
  assert.equal(retentionDeletableCount({ ...base, logStartOffset: 9 }), 2);
  assert.equal(retentionDeletableCount({ ...base, logStartOffset: 8 }), 1);
});
