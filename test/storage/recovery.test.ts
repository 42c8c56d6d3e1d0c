import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { scanBatches } from '../../src/records/index.ts';
import { type PartitionLog } from '../../src/storage/index.ts';
import { ManualClock, fill, filesIn, makeBatch, open, readAll, tempDir } from './helpers.ts';

let dir: string;
let cleanup: () => void;
let clock: ManualClock;
let lines: string[];

beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  clock = new ManualClock();
  lines = [];
});
afterEach(() => cleanup());

const SMALL = { segmentBytes: 1200, indexIntervalBytes: 100 };

function reopen(opts: { hadCleanShutdown?: boolean; recoveryPoint?: number } = {}): PartitionLog {
  return open(dir, clock, SMALL, { ...opts, log: (line) => lines.push(line) });
}

function segmentPath(log: PartitionLog, index: number, suffix = '.log'): string {
  const base = log.segmentBaseOffsets().at(index)!;
  return join(log.dir, `${String(base).padStart(20, '0')}${suffix}`);
}

/** Batch boundaries of a segment file: [baseOffset, position, size]. */
function batchesOf(path: string): [number, number, number][] {
  return scanBatches(fs.readFileSync(path)).batches.map((b) => [Number(b.baseOffset), b.offset, b.sizeInBytes]);
}

test('a crash without flush or close loses nothing that reached the OS', () => {
  const crashed = reopen();
  const expected = fill(crashed, clock, 30, 3);
  // No close, no flush, no marker: the process "dies" with its indexes only in memory.
  const log = reopen();
  assert.equal(log.logEndOffset, 90);
  assert.deepEqual(readAll(log), expected);
  const more = fill(log, clock, 2, 3, 30);
  assert.equal(more[0]!.offset, 90);
  log.close();
  crashed.segmentsView().forEach((segment) => segment.close());
});

test('a torn write at the end of the active segment is cut; appends continue after the last whole batch', () => {
  const first = reopen();
  const expected = fill(first, clock, 20, 3);
  const activePath = segmentPath(first, -1);
  first.close();
  const batches = batchesOf(activePath);
  const [lastBase, lastPosition, lastSize] = batches[batches.length - 1]!;
  fs.truncateSync(activePath, lastPosition + Math.floor(lastSize / 2));
  const log = reopen();
  assert.equal(log.logEndOffset, lastBase);
  assert.deepEqual(readAll(log), expected.filter((r) => r.offset < lastBase));
  assert.equal(fs.statSync(activePath).size, lastPosition);
  assert.ok(lines.some((line) => line.includes('recovery cut')), lines.join('\n'));
  assert.equal(log.append(makeBatch(99, 1, clock.nowMs())).firstOffset, lastBase);
  log.close();
});

test('a torn tail is found even when the clean-shutdown marker says otherwise', () => {
  const first = reopen();
  fill(first, clock, 20, 3);
  const activePath = segmentPath(first, -1);
  first.close();
  fs.appendFileSync(activePath, Buffer.from([0, 0, 0, 0, 0, 0, 0, 1, 0, 0]));
  const log = reopen({ hadCleanShutdown: true });
  assert.equal(log.logEndOffset, 60);
  assert.equal(readAll(log).length, 60);
  log.close();
});

test('missing and corrupt index files are rebuilt from the log', () => {
  const first = reopen();
  const expected = fill(first, clock, 40, 3);
  first.close();
  const names = filesIn(first.dir);
  const indexes = names.filter((n) => n.endsWith('.index'));
  const timeIndexes = names.filter((n) => n.endsWith('.timeindex'));
  fs.unlinkSync(join(first.dir, indexes[0]!));
  fs.writeFileSync(join(first.dir, indexes[1]!), Buffer.alloc(13, 7));
  fs.writeFileSync(join(first.dir, timeIndexes[2]!), Buffer.alloc(24, 0xff));
  // Entries out of order: only the full check on first use sees it.
  const lastIndex = join(first.dir, indexes[indexes.length - 1]!);
  const good = fs.readFileSync(lastIndex);
  assert.ok(good.length >= 16);
  fs.writeFileSync(lastIndex, Buffer.concat([good.subarray(8, 16), good.subarray(0, 8), good.subarray(16)]));
  const log = reopen({ hadCleanShutdown: true });
  assert.equal(log.logEndOffset, 120);
  assert.deepEqual(readAll(log), expected);
  assert.ok(lines.filter((line) => line.includes('rebuilding')).length >= 3, lines.join('\n'));
  log.close();
  // Rebuilt indexes are written out: the next open needs no rebuild.
  lines = [];
  const again = reopen({ hadCleanShutdown: true });
  assert.deepEqual(readAll(again), expected);
  assert.deepEqual(lines, []);
  again.close();
});

test('a bad CRC in the middle of the last segment truncates from that batch', () => {
  const first = reopen();
  const expected = fill(first, clock, 20, 3);
  const activePath = segmentPath(first, -1);
  first.close();
  const batches = batchesOf(activePath);
  const [badBase, badPosition] = batches[Math.floor(batches.length / 2)]!;
  const bytes = fs.readFileSync(activePath);
  bytes[badPosition + 70] = bytes[badPosition + 70]! ^ 0xff;
  fs.writeFileSync(activePath, bytes);
  const log = reopen();
  assert.equal(log.logEndOffset, badBase);
  assert.deepEqual(readAll(log), expected.filter((r) => r.offset < badBase));
  assert.ok(lines.some((line) => /crc/i.test(line)), lines.join('\n'));
  assert.equal(log.append(makeBatch(50, 2, clock.nowMs())).firstOffset, badBase);
  log.close();
});

test('corruption in an older unflushed segment ends the log there and drops the segments after it', () => {
  const first = reopen();
  const expected = fill(first, clock, 40, 3);
  const segmentCount = first.segmentBaseOffsets().length;
  assert.ok(segmentCount >= 4);
  const secondPath = segmentPath(first, 1);
  first.close();
  const [badBase, badPosition] = batchesOf(secondPath)[1]!;
  const bytes = fs.readFileSync(secondPath);
  bytes[badPosition + 65] = bytes[badPosition + 65]! ^ 0x01;
  fs.writeFileSync(secondPath, bytes);
  const log = reopen({ recoveryPoint: 0 });
  assert.equal(log.logEndOffset, badBase);
  assert.equal(log.segmentBaseOffsets().length, 2);
  assert.deepEqual(readAll(log), expected.filter((r) => r.offset < badBase));
  log.close();
});

test('segments below the recovery point are trusted, not re-read', () => {
  const first = reopen();
  fill(first, clock, 40, 3);
  first.flush();
  assert.equal(first.recoveryPoint, 120);
  const firstPath = segmentPath(first, 0);
  const segmentCount = first.segmentBaseOffsets().length;
  first.close();
  const bytes = fs.readFileSync(firstPath);
  bytes[100] = bytes[100]! ^ 0x01;
  fs.writeFileSync(firstPath, bytes);
  const log = reopen({ recoveryPoint: 120 });
  assert.equal(log.logEndOffset, 120);
  assert.equal(log.segmentBaseOffsets().length, segmentCount, 'no truncation: the first segment was not scanned');
  log.close();
});

test('garbage after the last batch (zeros of a preallocated file) is cut', () => {
  const first = reopen();
  fill(first, clock, 5, 3);
  const activePath = segmentPath(first, -1);
  first.close();
  fs.appendFileSync(activePath, Buffer.alloc(500));
  const log = reopen();
  assert.equal(log.logEndOffset, 15);
  assert.equal(readAll(log).length, 15);
  log.close();
});

test('leftover .deleted, .tmp, .swap, .cleaned and orphaned index files are removed', () => {
  const first = reopen();
  fill(first, clock, 5, 3);
  first.close();
  const leftovers = ['00000000000000000500.log.deleted', 'leader-epoch-checkpoint.tmp', '00000000000000000007.log.swap', '00000000000000000003.log.cleaned', '00000000000000000900.index', '00000000000000000900.timeindex'];
  for (const name of leftovers) fs.writeFileSync(join(first.dir, name), 'x');
  const log = reopen();
  const names = filesIn(log.dir);
  for (const name of leftovers) assert.ok(!names.includes(name), `${name} was removed`);
  assert.equal(log.logEndOffset, 15);
  log.close();
});

test('an empty directory starts at the checkpointed log start offset', () => {
  const log = reopen({ hadCleanShutdown: false });
  assert.equal(log.logEndOffset, 0);
  log.close();
  fs.rmSync(log.dir, { recursive: true });
  const later = open(dir, clock, SMALL, { logStartOffset: 42 });
  assert.deepEqual([later.logStartOffset, later.logEndOffset, later.segmentBaseOffsets()[0]], [42, 42, 42]);
  assert.equal(later.append(makeBatch(0, 1, 0)).firstOffset, 42);
  later.close();
});

test('kill -9 of an appending process: every acknowledged append is there after recovery', async () => {
  const child = spawn(process.execPath, [join(import.meta.dirname, 'crash-child.ts'), dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  let lastAcked = -1;
  let buffered = '';
  await new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', () => resolve());
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const complete = buffered.split('\n');
      buffered = complete.pop()!;
      for (const line of complete) lastAcked = Number(line.split(' ')[1]);
      if (lastAcked >= 3000) child.kill('SIGKILL');
    });
  });
  assert.ok(lastAcked >= 3000, `child acknowledged up to ${lastAcked}`);
  const log = reopen();
  assert.ok(log.logEndOffset > lastAcked, `log end ${log.logEndOffset} covers acked ${lastAcked}`);
  const records = readAll(log);
  assert.equal(records.length, log.logEndOffset);
  records.forEach((record, i) => assert.equal(record.offset, i));
  log.close();
});

test('a batch larger than the recovery chunk is read whole, and a torn one is cut', () => {
  const first = reopen();
  first.updateConfig({ ...first.logConfig, segmentBytes: 64 * 1024 * 1024 });
  first.append(makeBatch(0, 2, 0));
  first.append(makeBatch(1, 1, 0, { valueBytes: 9 * 1024 * 1024 }));
  first.append(makeBatch(2, 1, 0, { valueBytes: 9 * 1024 * 1024 }));
  const activePath = segmentPath(first, -1);
  first.close();
  const log = reopen();
  assert.equal(log.logEndOffset, 4);
  log.close();
  fs.truncateSync(activePath, fs.statSync(activePath).size - 1000);
  const torn = reopen();
  assert.equal(torn.logEndOffset, 3);
  assert.deepEqual(readAll(torn).map((r) => r.value), ['b0-r0', 'b0-r1', 'b1-r0']);
  torn.close();
});

test('flush.messages=1 fsyncs every append: the recovery point follows the log end', () => {
  const log = open(dir, clock, { ...SMALL, flushIntervalMessages: 1 });
  for (let b = 0; b < 20; b++) {
    log.append(makeBatch(b, 2, clock.nowMs()));
    assert.equal(log.recoveryPoint, log.logEndOffset);
  }
  assert.ok(log.segmentBaseOffsets().length > 1);
  // Every segment below the recovery point has its indexes on disk already.
  for (const segment of log.segmentsView().slice(0, -1)) {
    assert.equal(fs.statSync(segment.logPath.replace(/\.log$/, '.timeindex')).size % 12, 0);
    assert.ok(fs.statSync(segment.logPath.replace(/\.log$/, '.timeindex')).size >= 12, 'final time-index entry written at roll');
  }
  log.close();
});
