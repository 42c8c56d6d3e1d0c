import assert from 'node:assert/strict';
import fs from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { InconsistentTopicIdError, LogManager } from '../../src/storage/index.ts';
import { ManualClock, config, fill, makeBatch, readAll, tempDir } from './helpers.ts';

let root: string;
let cleanup: () => void;
let clock: ManualClock;
let lines: string[];
let dirs: string[];

beforeEach(() => {
  ({ dir: root, cleanup } = tempDir());
  clock = new ManualClock();
  lines = [];
  dirs = [join(root, 'a'), join(root, 'b')];
});
afterEach(() => cleanup());

const TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAQ';
const OTHER_ID = 'BBBBBBBBBBBBBBBBBBBBBQ';
const SMALL = config({ segmentBytes: 600 });

function openManager(): LogManager {
  return LogManager.open(dirs, clock, SMALL, (line) => lines.push(line));
}

test('create partitions across log dirs, close with checkpoints and the marker, reopen clean', () => {
  const manager = openManager();
  const logs = [0, 1, 2, 3].map((p) => manager.getOrCreate('events', p, TOPIC_ID, SMALL));
  assert.deepEqual(logs.map((log) => manager.logDirOf('events', log.topicPartition.partition)), [dirs[0], dirs[1], dirs[0], dirs[1]]);
  const expected = logs.map((log) => fill(log, clock, 10, 2));
  logs[1]!.deleteRecordsBefore(7);
  assert.equal(fs.readFileSync(join(dirs[0]!, 'events-0', 'partition.metadata'), 'utf8'), `version: 0\ntopic_id: ${TOPIC_ID}\n`);
  assert.equal(manager.getOrCreate('events', 0, TOPIC_ID, SMALL), logs[0]);
  assert.throws(() => manager.getOrCreate('events', 0, OTHER_ID, SMALL), InconsistentTopicIdError);
  manager.close();
  assert.equal(fs.readFileSync(join(dirs[0]!, '.kafka_cleanshutdown'), 'utf8'), '{"version":"0","broker_epoch":"-1"}');
  assert.equal(fs.readFileSync(join(dirs[0]!, 'recovery-point-offset-checkpoint'), 'utf8'), '0\n2\nevents 0 20\nevents 2 20\n');
  assert.equal(fs.readFileSync(join(dirs[1]!, 'log-start-offset-checkpoint'), 'utf8'), '0\n1\nevents 1 7\n');
  assert.equal(fs.readFileSync(join(dirs[0]!, 'log-start-offset-checkpoint'), 'utf8'), '0\n0\n');

  const reopened = openManager();
  assert.ok(!fs.existsSync(join(dirs[0]!, '.kafka_cleanshutdown')), 'the marker is consumed at open');
  assert.equal([...reopened.all()].length, 4);
  for (let p = 0; p < 4; p++) {
    const log = reopened.get('events', p)!;
    assert.equal(log.topicId, TOPIC_ID);
    assert.equal(log.logEndOffset, 20);
    assert.equal(log.recoveryPoint, 20);
    assert.deepEqual(readAll(log), expected[p]!.filter((r) => r.offset >= log.logStartOffset));
  }
  assert.equal(reopened.get('events', 1)!.logStartOffset, 7);
  assert.equal(reopened.get('nope', 0), undefined);
  reopened.close();
});

test('after a crash the logs recover from the checkpointed recovery points', () => {
  const manager = openManager();
  const log = manager.getOrCreate('events', 0, TOPIC_ID, SMALL);
  fill(log, clock, 10, 2);
  log.flush();
  manager.checkpoint();
  fill(log, clock, 5, 2, 10);
  // A crash: no close, so no marker.
  const recovered = openManager();
  const again = recovered.get('events', 0)!;
  assert.equal(again.logEndOffset, 30);
  assert.equal(again.recoveryPoint, 20, 'recovery point from the checkpoint, not the log end');
  assert.equal(readAll(again).length, 30);
  recovered.close();
  for (const segment of log.segmentsView()) segment.close();
});

test('deletePartition removes the directory and the checkpoint entries; -delete leftovers go at open', () => {
  const manager = openManager();
  manager.getOrCreate('events', 0, TOPIC_ID, SMALL).append(makeBatch(0, 1, 0));
  manager.getOrCreate('events', 1, TOPIC_ID, SMALL).append(makeBatch(0, 1, 0));
  manager.checkpoint();
  manager.deletePartition('events', 0);
  manager.deletePartition('events', 9);
  assert.equal(manager.get('events', 0), undefined);
  assert.deepEqual(fs.readdirSync(dirs[0]!).sort(), ['log-start-offset-checkpoint', 'recovery-point-offset-checkpoint']);
  assert.equal(fs.readFileSync(join(dirs[0]!, 'recovery-point-offset-checkpoint'), 'utf8'), '0\n0\n');
  manager.close();
  fs.mkdirSync(join(dirs[1]!, 'events-7.0123456789abcdef0123456789abcdef-delete'));
  fs.writeFileSync(join(dirs[1]!, 'events-7.0123456789abcdef0123456789abcdef-delete', 'x.log'), 'x');
  fs.mkdirSync(join(dirs[1]!, 'events-1.abc-future'));
  const reopened = openManager();
  assert.ok(!fs.existsSync(join(dirs[1]!, 'events-7.0123456789abcdef0123456789abcdef-delete')));
  assert.ok(fs.existsSync(join(dirs[1]!, 'events-1.abc-future')), 'future dirs are left alone');
  assert.deepEqual([...reopened.all()].map((log) => log.topicPartition), [{ topic: 'events', partition: 1 }]);
  assert.ok(lines.some((line) => line.includes('skipping')));
  reopened.close();
});

test('runRetention and flushDirty act on every log', () => {
  const manager = openManager();
  const cfg = config({ segmentBytes: 300, retentionMs: 1000, flushIntervalMs: 500 });
  const log = manager.getOrCreate('events', 0, TOPIC_ID, cfg);
  fill(log, clock, 10, 1);
  const rolledBase = log.segmentBaseOffsets().at(-1)!;
  manager.flushDirty();
  assert.equal(log.recoveryPoint, rolledBase, 'rolled segments are flushed, the active one waits for flush.ms');
  clock.advance(500);
  manager.flushDirty();
  assert.equal(log.recoveryPoint, 10);
  clock.advance(5000);
  manager.runRetention();
  assert.deepEqual([log.logStartOffset, log.segmentBaseOffsets()], [10, [10]]);
  assert.ok(lines.some((line) => line.includes('retention deleted')));
  manager.close();
  assert.throws(() => manager.checkpoint(), /closed/);
});

test('bad names and a malformed checkpoint do not stop the broker', () => {
  const manager = openManager();
  assert.throws(() => manager.getOrCreate('../etc', 0, TOPIC_ID, SMALL), RangeError);
  manager.getOrCreate('events', 0, TOPIC_ID, SMALL).append(makeBatch(0, 3, 0));
  manager.close();
  fs.writeFileSync(join(dirs[0]!, 'recovery-point-offset-checkpoint'), 'garbage');
  const reopened = openManager();
  assert.equal(reopened.get('events', 0)!.logEndOffset, 3);
  assert.ok(lines.some((line) => line.includes('malformed')));
  reopened.close();
});
