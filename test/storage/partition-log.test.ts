import assert from 'node:assert/strict';
import fs from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { RecordBatch, scanBatches } from '../../src/records/index.ts';
import {
  EARLIEST_TIMESTAMP,
  LATEST_TIMESTAMP,
  MAX_TIMESTAMP,
  OffsetOutOfRangeError,
  PartitionLog,
  RecordListTooLargeError,
  UnexpectedAppendOffsetError,
} from '../../src/storage/index.ts';
import { ManualClock, TP, config, decode, fill, filesIn, makeBatch, open, readAll, tempDir } from './helpers.ts';

let dir: string;
let cleanup: () => void;
let clock: ManualClock;

beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  clock = new ManualClock();
});
afterEach(() => cleanup());

/** Every batch of one segment file as [baseOffset, lastOffset, position]. */
function batchesOnDisk(path: string): [number, number, number][] {
  return scanBatches(fs.readFileSync(path)).batches.map((b) => [Number(b.baseOffset), Number(b.lastOffset), b.offset]);
}

test('append and read back across several segment rolls', () => {
  const log = open(dir, clock, { segmentBytes: 1000, indexIntervalBytes: 100 });
  const expected = fill(log, clock, 40, 3);
  assert.equal(log.logEndOffset, 120);
  assert.equal(log.logStartOffset, 0);
  assert.ok(log.segmentBaseOffsets().length >= 4, `segments: ${log.segmentBaseOffsets()}`);
  assert.deepEqual(readAll(log), expected);
  // Kafka's names: 20-digit base offsets, three files per segment.
  const names = filesIn(log.dir).filter((n) => n.endsWith('.log'));
  assert.deepEqual(names, log.segmentBaseOffsets().map((o) => `${String(o).padStart(20, '0')}.log`));
  for (const [i, base] of log.segmentBaseOffsets().entries()) {
    const path = join(log.dir, `${String(base).padStart(20, '0')}.log`);
    const batches = batchesOnDisk(path);
    assert.equal(batches[0]![0], base, 'a segment starts at its base offset');
    assert.ok(fs.statSync(path).size <= 1000, `segment ${i} stays within segment.bytes`);
  }
  assert.equal(log.sizeBytes, log.segmentBaseOffsets().reduce((sum, base) => sum + fs.statSync(join(log.dir, `${String(base).padStart(20, '0')}.log`)).size, 0));
  log.close();
});

test('offsets are assigned by patching baseOffset in place and reads return the stored bytes', () => {
  const log = open(dir, clock);
  const batch = makeBatch(0, 5, clock.nowMs());
  const crcBefore = new RecordBatch(batch).crc;
  const result = log.append(batch, 1);
  assert.deepEqual([result.firstOffset, result.lastOffset, result.logAppendTimeMs], [0, 4, clock.nowMs()]);
  const second = makeBatch(1, 2, clock.nowMs());
  assert.deepEqual(log.append(second).firstOffset, 5);
  assert.equal(new RecordBatch(second).baseOffset, 5n, 'the caller buffer was patched');
  assert.equal(new RecordBatch(second).crc, crcBefore === 0 ? 0 : new RecordBatch(second).crc);
  assert.ok(new RecordBatch(second).isCrcValid(), 'baseOffset is outside the CRC');
  const { records } = log.read(5, 1 << 20, 7, true);
  assert.deepEqual(records, second);
  log.close();
});

test('a read by an offset in the middle of a batch returns that whole batch', () => {
  const log = open(dir, clock, { indexIntervalBytes: 1 });
  fill(log, clock, 10, 5);
  for (let offset = 0; offset < 50; offset++) {
    const { records, firstOffset } = log.read(offset, 1, 50, true);
    const batches = scanBatches(records!).batches;
    assert.equal(batches.length, 1);
    assert.equal(firstOffset, Math.floor(offset / 5) * 5);
    assert.equal(Number(batches[0]!.baseOffset), firstOffset);
    assert.ok(Number(batches[0]!.lastOffset) >= offset);
  }
  log.close();
});

test('maxBytes cuts at whole batches; the first batch comes whole with minOneMessage, else nothing', () => {
  const log = open(dir, clock);
  fill(log, clock, 5, 4, 0, 300);
  const batchBytes = log.sizeBytes / 5;
  assert.ok(Number.isInteger(batchBytes));
  const two = log.read(0, batchBytes * 2 + Math.floor(batchBytes / 2), 20, true).records!;
  assert.throws(() => log.read(0, 1.5, 20, true), RangeError);
  assert.equal(two.length, batchBytes * 2);
  assert.equal(scanBatches(two).batches.length, 2);
  const big = log.read(4, 10, 20, true);
  assert.equal(big.records!.length, batchBytes, 'KIP-74: one whole batch even above maxBytes');
  assert.equal(big.firstOffset, 4);
  const none = log.read(4, 10, 20, false);
  assert.equal(none.records!.length, 0);
  const exact = log.read(0, batchBytes, 20, false).records!;
  assert.equal(exact.length, batchBytes);
  log.close();
});

test('reads never return a batch at or past maxOffset (the high watermark)', () => {
  const log = open(dir, clock, { segmentBytes: 600 });
  fill(log, clock, 12, 3);
  for (const hw of [3, 6, 7, 20, 35, 36]) {
    const got = readAllBelow(log, hw);
    const lastWhole = Math.floor(hw / 3) * 3;
    assert.deepEqual(got.map((r) => r.offset), Array.from({ length: lastWhole }, (_, i) => i), `hw ${hw}`);
  }
  assert.deepEqual(log.read(9, 1 << 20, 9, true), { records: null, firstOffset: 9 });
  assert.deepEqual(log.read(36, 1 << 20, 36, true), { records: null, firstOffset: 36 }, 'at the log end: null');
  log.close();
});

function readAllBelow(log: PartitionLog, maxOffset: number): { offset: number }[] {
  const out: { offset: number }[] = [];
  let offset = 0;
  for (let reads = 0; reads < 100; reads++) {
    const { records } = log.read(offset, 200, maxOffset, true);
    if (records === null) break;
    const batches = scanBatches(records).batches;
    out.push(...decode(records));
    offset = Number(batches[batches.length - 1]!.lastOffset) + 1;
  }
  return out;
}

test('reads outside [logStartOffset, logEndOffset] throw OffsetOutOfRangeError', () => {
  const log = open(dir, clock);
  fill(log, clock, 2, 2);
  assert.throws(() => log.read(5, 100, 10, true), OffsetOutOfRangeError);
  assert.throws(() => log.read(-1, 100, 10, true), (error: unknown) => error instanceof OffsetOutOfRangeError && error.kafkaErrorCode === 1);
  assert.equal(log.read(4, 100, 10, true).records, null);
  log.close();
});

test('offset index lookups always land on a batch at or before the target', () => {
  const log = open(dir, clock, { segmentBytes: 4000, indexIntervalBytes: 150 });
  fill(log, clock, 60, 4, 0, 20);
  for (const segment of log.segmentsView()) {
    const batches = batchesOnDisk(segment.logPath);
    const positions = new Set(batches.map((b) => b[2]));
    assert.ok(segment.offsetIndex.entries > 0, 'index.interval.bytes produced entries');
    for (const [, last, position] of batches) {
      for (let target = segment.baseOffset; target <= last + 4; target++) {
        const found = segment.offsetIndex.lookup(target);
        assert.ok(positions.has(found), 'a lookup lands on a batch boundary');
        const batchAt = batches.find((b) => b[2] === found)!;
        assert.ok(batchAt[0] <= target || found === 0, `lookup(${target}) → batch ${batchAt[0]} is not after the target`);
        const containing = batches.find((b) => b[1] >= target);
        if (containing !== undefined) assert.ok(found <= containing[2], 'never past the batch holding the target');
      }
      assert.ok(position >= 0);
    }
    for (let slot = 1; slot < segment.offsetIndex.entries; slot++) {
      const [offsetA, positionA] = segment.offsetIndex.entryAt(slot - 1);
      const [offsetB, positionB] = segment.offsetIndex.entryAt(slot);
      assert.ok(offsetB > offsetA && positionB > positionA, 'entries strictly increase');
    }
  }
  log.close();
});

test('time index: lookups by timestamp, max timestamp, earliest and latest', () => {
  const log = open(dir, clock, { segmentBytes: 700, indexIntervalBytes: 50 });
  const base = 1_000_000;
  // Batch b holds records at base + 100*b + r; batch 7 goes back in time, as producers may.
  for (let b = 0; b < 20; b++) {
    const ts = b === 7 ? base + 5 : base + 100 * b;
    log.append(makeBatch(b, 3, ts), 1);
  }
  assert.deepEqual(log.offsetForTimestamp(base + 100 * 4), { offset: 12, timestamp: base + 400 });
  assert.deepEqual(log.offsetForTimestamp(base + 100 * 4 + 1), { offset: 13, timestamp: base + 401 });
  assert.deepEqual(log.offsetForTimestamp(base + 403), { offset: 15, timestamp: base + 500 }, 'between batches: the next record');
  assert.deepEqual(log.offsetForTimestamp(0), { offset: 0, timestamp: base });
  assert.deepEqual(log.offsetForTimestamp(base + 1900), { offset: 57, timestamp: base + 1900 });
  assert.equal(log.offsetForTimestamp(base + 5000), null);
  assert.deepEqual(log.offsetForTimestamp(MAX_TIMESTAMP), { offset: 59, timestamp: base + 1902 });
  assert.deepEqual(log.offsetOfMaxTimestamp(), { offset: 59, timestamp: base + 1902 });
  assert.deepEqual(log.offsetForTimestamp(EARLIEST_TIMESTAMP), { offset: 0, timestamp: -1 });
  assert.deepEqual(log.offsetForTimestamp(LATEST_TIMESTAMP), { offset: 60, timestamp: -1 });
  for (const segment of log.segmentsView()) {
    for (let slot = 1; slot < segment.timeIndex.entries; slot++) {
      assert.ok(segment.timeIndex.entryAt(slot)[0] > segment.timeIndex.entryAt(slot - 1)[0], 'time index timestamps increase');
    }
  }
  // The same answers after a clean reopen, from the index files alone.
  log.close();
  const reopened = open(dir, clock, { segmentBytes: 700, indexIntervalBytes: 50 }, { hadCleanShutdown: true });
  assert.deepEqual(reopened.offsetForTimestamp(base + 401), { offset: 13, timestamp: base + 401 });
  assert.deepEqual(reopened.offsetOfMaxTimestamp(), { offset: 59, timestamp: base + 1902 });
  reopened.close();
});

test('max timestamp of an empty log is null', () => {
  const log = open(dir, clock);
  assert.equal(log.offsetOfMaxTimestamp(), null);
  assert.equal(log.offsetForTimestamp(5), null);
  log.close();
});

test('reopen after close continues at the right offset', () => {
  const log = open(dir, clock, { segmentBytes: 900 });
  const first = fill(log, clock, 15, 2);
  log.close();
  assert.throws(() => log.read(0, 10, 10, true), /closed/);
  const reopened = open(dir, clock, { segmentBytes: 900 }, { hadCleanShutdown: true });
  assert.equal(reopened.logEndOffset, 30);
  assert.equal(reopened.recoveryPoint, 30);
  const second = fill(reopened, clock, 5, 2, 15);
  assert.equal(second[0]!.offset, 30);
  assert.deepEqual(readAll(reopened), [...first, ...second]);
  reopened.close();
});

test('segment.ms rolls by the time of the first append, on the injected clock', () => {
  const log = open(dir, clock, { segmentMs: 1000 });
  log.append(makeBatch(0, 1, clock.nowMs()));
  clock.advance(1000);
  log.append(makeBatch(1, 1, clock.nowMs()));
  assert.deepEqual(log.segmentBaseOffsets(), [0], 'not older than segment.ms yet');
  clock.advance(1);
  log.append(makeBatch(2, 1, clock.nowMs()));
  assert.deepEqual(log.segmentBaseOffsets(), [0, 2]);
  clock.advance(5000);
  log.append(makeBatch(3, 1, clock.nowMs()));
  assert.deepEqual(log.segmentBaseOffsets(), [0, 2, 3]);
  log.close();
});

test('a full index rolls the segment', () => {
  const log = open(dir, clock, { segmentIndexBytes: 24, indexIntervalBytes: 0 });
  fill(log, clock, 12, 1);
  const bases = log.segmentBaseOffsets();
  assert.ok(bases.length >= 4, `rolled on full indexes: ${bases}`);
  for (const segment of log.segmentsView().slice(0, -1)) {
    assert.ok(segment.offsetIndex.entries <= 3 && segment.timeIndex.entries <= 3);
  }
  assert.equal(readAll(log).length, 12);
  log.close();
});

test('an append larger than a segment is refused; a bad batch count is an assertion', () => {
  const log = open(dir, clock, { segmentBytes: 200 });
  assert.throws(() => log.append(makeBatch(0, 1, 0, { valueBytes: 300 })), RecordListTooLargeError);
  assert.throws(() => log.append(makeBatch(0, 1, 0), 2), /told 2 batches/);
  assert.throws(() => log.append(makeBatch(0, 1, 0).subarray(0, 70)), /not a whole v2 batch/);
  assert.equal(log.logEndOffset, 0);
  log.close();
});

test('several batches in one append are written together and indexed', () => {
  const log = open(dir, clock, { indexIntervalBytes: 1 });
  const batches = Buffer.concat([makeBatch(0, 2, 10), makeBatch(1, 3, 20), makeBatch(2, 1, 30)]);
  assert.deepEqual(log.append(batches, 3), { firstOffset: 0, lastOffset: 5, logAppendTimeMs: clock.nowMs() });
  assert.deepEqual(readAll(log).map((r) => r.offset), [0, 1, 2, 3, 4, 5]);
  assert.equal(log.segmentsView()[0]!.offsetIndex.entries, 2);
  log.close();
});

test('appendAsFollower keeps the offsets it is given and refuses going backwards', () => {
  const log = open(dir, clock, { segmentBytes: 500 });
  log.appendAsFollower(makeBatch(0, 3, 0, { baseOffset: 0 }));
  assert.deepEqual(log.appendAsFollower(Buffer.concat([makeBatch(1, 2, 0, { baseOffset: 3 }), makeBatch(2, 2, 0, { baseOffset: 10 })])), {
    firstOffset: 3,
    lastOffset: 11,
  });
  assert.equal(log.logEndOffset, 12);
  assert.throws(() => log.appendAsFollower(makeBatch(3, 1, 0, { baseOffset: 11 })), UnexpectedAppendOffsetError);
  for (let b = 0; b < 10; b++) log.appendAsFollower(makeBatch(10 + b, 2, 0, { baseOffset: 100 + 10 * b }));
  assert.equal(log.logEndOffset, 192);
  const offsets = readAll(log).map((r) => r.offset);
  assert.deepEqual(offsets.slice(0, 9), [0, 1, 2, 3, 4, 10, 11, 100, 101]);
  assert.equal(log.read(50, 1000, 200, true).firstOffset, 100, 'a fetch inside a gap gets the next batch');
  assert.ok(log.segmentBaseOffsets().length > 1);
  log.close();
});

test('leader epochs: assigned from appended batches, persisted, cut by truncation', () => {
  const log = open(dir, clock);
  log.append(makeBatch(0, 2, 0, { epoch: 0 }));
  log.append(makeBatch(1, 2, 0, { epoch: 0 }));
  log.append(makeBatch(2, 2, 0, { epoch: 3 }));
  log.leaderEpochCache.assign(5, 6);
  log.append(makeBatch(3, 2, 0, { epoch: 5 }));
  assert.deepEqual(log.leaderEpochCache.entries, [{ epoch: 0, startOffset: 0 }, { epoch: 3, startOffset: 4 }, { epoch: 5, startOffset: 6 }]);
  assert.equal(fs.readFileSync(join(log.dir, 'leader-epoch-checkpoint'), 'utf8'), '0\n3\n0 0\n3 4\n5 6\n');
  assert.deepEqual(log.endOffsetForEpoch(5), { epoch: 5, endOffset: 8 });
  assert.deepEqual(log.endOffsetForEpoch(3), { epoch: 3, endOffset: 6 });
  assert.deepEqual(log.endOffsetForEpoch(4), { epoch: 3, endOffset: 6 });
  log.truncateTo(5);
  assert.equal(log.logEndOffset, 4, 'the batch holding 5 goes whole');
  assert.deepEqual(log.leaderEpochCache.entries, [{ epoch: 0, startOffset: 0 }]);
  log.close();
  const reopened = open(dir, clock, {}, { hadCleanShutdown: true });
  assert.equal(reopened.leaderEpochCache.latestEpoch, 0);
  reopened.close();
});

test('updateConfig validates and applies to later appends', () => {
  const log = open(dir, clock);
  assert.throws(() => log.updateConfig(config({ segmentBytes: 3 })), RangeError);
  fill(log, clock, 3, 1);
  log.updateConfig(config({ segmentBytes: 100 }));
  fill(log, clock, 3, 1, 3);
  assert.ok(log.segmentBaseOffsets().length >= 3);
  log.close();
});

test('delete renames the directory to -delete and removes it', () => {
  const log = PartitionLog.open(join(dir, 'orders-0'), TP, config(), clock);
  fill(log, clock, 3, 1);
  log.delete();
  assert.deepEqual(fs.readdirSync(dir), []);
});
