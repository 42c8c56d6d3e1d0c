import assert from 'node:assert/strict';
import fs from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { readCheckpointFile, readPartitionOffsets, writePartitionOffsets } from '../../src/storage/checkpoint-file.ts';
import { CheckpointFormatError, CorruptIndexError, LeaderEpochCache } from '../../src/storage/index.ts';
import { OffsetIndex } from '../../src/storage/offset-index.ts';
import { readPartitionMetadata, writePartitionMetadata } from '../../src/storage/partition-metadata.ts';
import { TimeIndex } from '../../src/storage/time-index.ts';
import { tempDir } from './helpers.ts';

let dir: string;
let cleanup: () => void;

beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

test('offset index: 8-byte big-endian entries, floor lookups, truncation, file written on writeTail', () => {
  const path = join(dir, '00000000000000000100.index');
  const index = OffsetIndex.create(path, 100, 40);
  assert.equal(index.entriesMax, 5);
  assert.equal(index.lookup(150), 0, 'empty: the segment start');
  index.append(104, 300);
  index.append(110, 900);
  index.append(120, 1500);
  assert.throws(() => index.append(120, 1600), /after/);
  assert.deepEqual([index.lookup(100), index.lookup(103), index.lookup(104), index.lookup(109), index.lookup(119), index.lookup(1000)], [0, 0, 300, 300, 900, 1500]);
  assert.equal(fs.statSync(path).size, 0, 'entries reach the file on writeTail');
  index.writeTail();
  assert.deepEqual(fs.readFileSync(path), Buffer.from([0, 0, 0, 4, 0, 0, 1, 44, 0, 0, 0, 10, 0, 0, 3, 132, 0, 0, 0, 20, 0, 0, 5, 220]));
  index.truncateTo(110);
  assert.equal(index.entries, 1);
  assert.deepEqual([index.lastOffset, index.lastPosition], [104, 300]);
  index.append(111, 1000);
  index.sync();
  index.closeFile();
  assert.equal(fs.statSync(path).size, 16);
  const reopened = OffsetIndex.open(path, 100, 40, 2000);
  assert.deepEqual([reopened.entries, reopened.lastOffset, reopened.lastPosition], [2, 111, 1000]);
  reopened.ensureLoaded(2000);
  assert.deepEqual(reopened.entryAt(1), [111, 1000]);
  assert.throws(() => OffsetIndex.open(path, 100, 40, 1000), CorruptIndexError, 'last entry beyond the log');
  fs.writeFileSync(path, Buffer.alloc(12));
  assert.throws(() => OffsetIndex.open(path, 100, 40, 2000), CorruptIndexError, 'not whole entries');
});

test('time index: only growing timestamps are kept; lookups return the floor entry', () => {
  const path = join(dir, '00000000000000000000.timeindex');
  const index = TimeIndex.create(path, 0, 36);
  assert.equal(index.entriesMax, 3);
  index.maybeAppend(1000, 5, false);
  index.maybeAppend(1000, 7, false);
  index.maybeAppend(900, 8, false);
  index.maybeAppend(2000, 9, false);
  assert.equal(index.entries, 2);
  const out = { timestamp: 0, offset: 0 };
  index.lookup(999, out);
  assert.deepEqual(out, { timestamp: -1, offset: 0 });
  index.lookup(1500, out);
  assert.deepEqual(out, { timestamp: 1000, offset: 5 });
  index.lookup(5000, out);
  assert.deepEqual(out, { timestamp: 2000, offset: 9 });
  index.maybeAppend(3000, 12, false);
  assert.ok(index.isFull());
  assert.throws(() => index.maybeAppend(4000, 13, false), /full/);
  index.maybeAppend(4000, 13, true);
  index.writeTail();
  index.closeFile();
  const bytes = fs.readFileSync(path);
  assert.equal(bytes.length, 48);
  assert.equal(bytes.readBigInt64BE(36), 4000n);
  assert.equal(bytes.readUInt32BE(44), 13);
  const reopened = TimeIndex.open(path, 0, 36);
  assert.deepEqual([reopened.lastTimestamp, reopened.lastOffset], [4000, 13]);
  reopened.ensureLoaded();
  reopened.truncateTo(9);
  assert.deepEqual([reopened.entries, reopened.lastTimestamp], [1, 1000]);
});

test('leader epoch cache: assign, endOffsetFor, truncation from both ends, persistence', () => {
  const path = join(dir, 'leader-epoch-checkpoint');
  const cache = LeaderEpochCache.load(path);
  assert.equal(cache.latestEpoch, -1);
  cache.assign(1, 0);
  cache.assign(1, 5);
  cache.assign(2, 10);
  cache.assign(4, 20);
  assert.equal(fs.readFileSync(path, 'utf8'), '0\n3\n1 0\n2 10\n4 20\n');
  assert.deepEqual(cache.endOffsetFor(4, 30), { epoch: 4, endOffset: 30 });
  assert.deepEqual(cache.endOffsetFor(3, 30), { epoch: 2, endOffset: 20 });
  assert.deepEqual(cache.endOffsetFor(0, 30), { epoch: 0, endOffset: 0 });
  assert.deepEqual(cache.endOffsetFor(9, 30), { epoch: -1, endOffset: -1 });
  assert.equal(cache.epochForOffset(15), 2);
  cache.assign(3, 15);
  assert.deepEqual(cache.entries, [{ epoch: 1, startOffset: 0 }, { epoch: 2, startOffset: 10 }, { epoch: 3, startOffset: 15 }], 'non-monotonic entries removed');
  cache.truncateFromStart(12);
  assert.deepEqual(cache.entries, [{ epoch: 2, startOffset: 12 }, { epoch: 3, startOffset: 15 }]);
  cache.truncateFromEnd(15);
  assert.deepEqual(LeaderEpochCache.load(path).entries, [{ epoch: 2, startOffset: 12 }]);
  fs.writeFileSync(path, '0\n2\n5 10\n4 20\n');
  assert.throws(() => LeaderEpochCache.load(path), CheckpointFormatError);
});

test('checkpoint files: Kafka\'s text format, written atomically', () => {
  const path = join(dir, 'recovery-point-offset-checkpoint');
  writePartitionOffsets(path, [{ topic: 'a.b-c', partition: 3, offset: 42 }, { topic: 'x', partition: 0, offset: 0 }]);
  assert.equal(fs.readFileSync(path, 'utf8'), '0\n2\na.b-c 3 42\nx 0 0\n');
  assert.deepEqual([...readPartitionOffsets(path)], [['a.b-c-3', 42], ['x-0', 0]]);
  assert.ok(!fs.existsSync(path + '.tmp'));
  assert.equal(readCheckpointFile(join(dir, 'missing'), 3), null);
  fs.writeFileSync(path, '0\n3\na 1 2\n');
  assert.throws(() => readPartitionOffsets(path), CheckpointFormatError);
  fs.writeFileSync(path, '1\n0\n');
  assert.throws(() => readPartitionOffsets(path), CheckpointFormatError);
});

test('partition.metadata: version 0 and the topic id', () => {
  writePartitionMetadata(dir, 'AAAAAAAAAAAAAAAAAAAAAQ');
  assert.equal(fs.readFileSync(join(dir, 'partition.metadata'), 'utf8'), 'version: 0\ntopic_id: AAAAAAAAAAAAAAAAAAAAAQ\n');
  assert.equal(readPartitionMetadata(dir), 'AAAAAAAAAAAAAAAAAAAAAQ');
  assert.throws(() => writePartitionMetadata(dir, 'short'), RangeError);
});
