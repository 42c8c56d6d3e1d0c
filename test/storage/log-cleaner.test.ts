/**
 * The log cleaner through LogManager.runCleaner on real files: the latest
 * record per key survives at its offset, tombstones live out
 * delete.retention.ms, the active segment and young records are left
 * alone, the dirty ratio gates cleaning, codecs, control batches and
 * producer state survive, and the cleaner checkpoint is written and honoured.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CompressionCodec, ControlRecordType, RecordBatch, buildEndTxnMarkerBatch, scanBatches } from '../../src/records/index.ts';
import { TP } from './helpers.ts';
import { appendUpdates, compactConfig, keyedBatch, latestPerKey, openManager, readKeyed, withCompactedLog } from './cleaner-helpers.ts';

test('a clean keeps exactly the latest record per key at its original offset and leaves the active segment alone', () => {
  withCompactedLog({}, ({ dir, clock, manager, log }) => {
    appendUpdates(log, clock, 200, 7, 40);
    log.append(keyedBatch([['k0', 'active-1'], ['k0', 'active-2']], clock.nowMs()));
    const before = readKeyed(log);
    const activeBase = log.segmentBaseOffsets().at(-1)!;
    const activeBytes = fs.readFileSync(join(log.dir, `${String(activeBase).padStart(20, '0')}.log`));

    const cleaned = manager.runCleaner();
    assert.equal(cleaned.length, 1);
    assert.equal(cleaned[0]!.result.endOffset, activeBase);

    const after = readKeyed(log);
    const expected = [...latestPerKey(before.filter((r) => r.offset < activeBase)), ...before.filter((r) => r.offset >= activeBase)];
    assert.deepEqual(after, expected);
    assert.equal(after.filter((r) => r.offset < activeBase).length, 7);
    assert.deepEqual(fs.readFileSync(join(log.dir, `${String(activeBase).padStart(20, '0')}.log`)), activeBytes, 'active segment untouched');
    assert.equal(log.logEndOffset, 202);
    assert.ok(log.segmentBaseOffsets().length < 6, `segments were grouped: ${log.segmentBaseOffsets().join(',')}`);
    // Reads from an offset inside a removed gap land on the next kept record.
    assert.equal(log.read(1, 1 << 20, log.logEndOffset, true).records !== null, true);
    manager.close();

    const reopened = openManager(dir, clock, compactConfig());
    assert.deepEqual(readKeyed(reopened.log), expected, 'the cleaned log survives a restart');
    reopened.manager.close();
  });
});

test('the cleaner checkpoint is written after a clean and a second run with no new dirty data does nothing', () => {
  withCompactedLog({}, ({ dir, clock, manager, log }) => {
    appendUpdates(log, clock, 60, 3, 20);
    assert.equal(manager.runCleaner().length, 1);
    const end = manager.cleanerCheckpointOf(TP.topic, TP.partition);
    assert.equal(end, 60);
    assert.equal(fs.readFileSync(join(dir, 'cleaner-offset-checkpoint'), 'utf8'), `0\n1\n${TP.topic} ${TP.partition} 60\n`);
    const files = fs.readdirSync(log.dir).sort();
    assert.deepEqual(manager.runCleaner(), [], 'nothing dirty');
    assert.deepEqual(fs.readdirSync(log.dir).sort(), files);
    manager.close();

    const reopened = openManager(dir, clock, compactConfig());
    assert.equal(reopened.manager.cleanerCheckpointOf(TP.topic, TP.partition), 60, 'checkpoint read back at open');
    assert.deepEqual(reopened.manager.runCleaner(), []);
    appendUpdates(reopened.log, clock, 30, 3, 30, 60);
    const second = reopened.manager.runCleaner();
    assert.equal(second.length, 1);
    assert.equal(second[0]!.result.firstDirtyOffset, 60, 'the next clean starts at the checkpoint');
    assert.deepEqual(readKeyed(reopened.log).map((r) => r.offset), [87, 88, 89]);
    reopened.manager.close();
  });
});

test('tombstones stay for delete.retention.ms after the clean that kept them, then go', () => {
  withCompactedLog({ deleteRetentionMs: 10_000 }, ({ clock, manager, log }) => {
    log.append(keyedBatch([['a', 'a1'], ['b', 'b1']], clock.nowMs()));
    log.append(keyedBatch([['a', null], ['c', 'c1']], clock.nowMs()));
    log.roll();
    assert.equal(manager.runCleaner().length, 1);
    assert.deepEqual(readKeyed(log), [
      { offset: 1, key: 'b', value: 'b1' },
      { offset: 2, key: 'a', value: null },
      { offset: 3, key: 'c', value: 'c1' },
    ]);
    const first = scanBatches(log.read(2, 1 << 20, 4, true).records!).batches[0]!;
    assert.equal(first.hasDeleteHorizon, true);
    assert.equal(Number(first.baseTimestamp), clock.nowMs() + 10_000, 'KIP-534 horizon in baseTimestamp');

    clock.advance(9_999);
    assert.deepEqual(manager.runCleaner(), [], 'horizon not reached: nothing due');
    clock.advance(1);
    const cleaned = manager.runCleaner();
    assert.equal(cleaned.length, 1, 'a passed horizon makes the log due');
    assert.deepEqual(readKeyed(log), [
      { offset: 1, key: 'b', value: 'b1' },
      { offset: 3, key: 'c', value: 'c1' },
    ]);
    assert.deepEqual(manager.runCleaner(), []);
  });
});

test('min.compaction.lag.ms keeps young segments dirty until they age', () => {
  withCompactedLog({ minCompactionLagMs: 60_000 }, ({ clock, manager, log }) => {
    appendUpdates(log, clock, 20, 2, 10);
    assert.deepEqual(manager.runCleaner(), [], 'records younger than the lag');
    assert.equal(readKeyed(log).length, 20);
    clock.advance(60_000);
    appendUpdates(log, clock, 10, 2, 10, 20);
    const cleaned = manager.runCleaner();
    assert.equal(cleaned.length, 1);
    assert.equal(cleaned[0]!.result.endOffset, 20, 'the young third segment stays dirty');
    assert.deepEqual(readKeyed(log).map((r) => r.offset), [18, 19, ...Array.from({ length: 10 }, (_, i) => 20 + i)]);
  });
});

test('min.cleanable.dirty.ratio gates cleaning and max.compaction.lag.ms overrides it', () => {
  withCompactedLog({ minCleanableDirtyRatio: 0.5 }, ({ clock, manager, log }) => {
    appendUpdates(log, clock, 100, 100, 50);
    assert.equal(manager.runCleaner().length, 1, 'all dirty: ratio 1');
    appendUpdates(log, clock, 20, 100, 20, 100);
    assert.deepEqual(manager.runCleaner(), [], '20 dirty of 120: below 0.5');
    appendUpdates(log, clock, 90, 100, 90, 120);
    assert.equal(manager.runCleaner().length, 1, '110 dirty of 210: above 0.5');

    log.updateConfig(compactConfig({ minCleanableDirtyRatio: 0.99, maxCompactionLagMs: 5_000 }));
    appendUpdates(log, clock, 10, 100, 10, 210);
    assert.deepEqual(manager.runCleaner(), []);
    clock.advance(5_001);
    const forced = manager.runCleaner();
    assert.equal(forced.length, 1, 'max.compaction.lag.ms passed');
    assert.equal(forced[0]!.result.endOffset, 220);
  });
});

test('compressed batches are cleaned record by record and stay compressed with their codec', () => {
  withCompactedLog({}, ({ clock, manager, log }) => {
    for (const codec of [CompressionCodec.GZIP, CompressionCodec.LZ4, CompressionCodec.ZSTD, CompressionCodec.SNAPPY]) {
      log.append(keyedBatch([['a', `a${codec}`], ['b', `b${codec}`], ['c', `c${codec}`]], clock.nowMs(), { compression: codec }));
    }
    log.append(keyedBatch([['a', 'a-last'], ['c', 'c-last']], clock.nowMs(), { compression: CompressionCodec.GZIP }));
    log.roll();
    const before = readKeyed(log);
    manager.runCleaner();
    assert.deepEqual(readKeyed(log), latestPerKey(before));
    const batches = scanBatches(log.read(0, 1 << 20, log.logEndOffset, true).records!).batches;
    assert.deepEqual(batches.map((b) => [b.compression, Number(b.baseOffset), Number(b.lastOffset), b.recordCount]), [
      [CompressionCodec.SNAPPY, 9, 11, 1],
      [CompressionCodec.GZIP, 12, 13, 2],
    ]);
    for (const batch of batches) assert.ok(batch.isCrcValid());
  });
});

test('a marker whose transaction had data in the clean is kept, and the last batch of a producer keeps its empty header', () => {
  withCompactedLog({}, ({ clock, manager, log }) => {
    const producer = { producerId: 42n, producerEpoch: 3, isTransactional: true };
    log.append(keyedBatch([['a', 'a1']], clock.nowMs(), { ...producer, baseSequence: 0 }));
    log.append(buildEndTxnMarkerBatch({ type: ControlRecordType.COMMIT, coordinatorEpoch: 1 }, BigInt(clock.nowMs()), producer));
    log.append(keyedBatch([['a', 'a2']], clock.nowMs(), { producerId: 7n, producerEpoch: 0, baseSequence: 0 }));
    log.append(keyedBatch([['a', 'a3']], clock.nowMs(), { producerId: 7n, producerEpoch: 0, baseSequence: 1 }));
    log.append(keyedBatch([['a', 'a4'], ['b', 'b1']], clock.nowMs()));
    log.roll();
    manager.runCleaner();
    const batches = scanBatches(log.read(0, 1 << 20, log.logEndOffset, true).records!).batches;
    const summary = batches.map((b: RecordBatch) => ({ base: Number(b.baseOffset), control: b.isControl, count: b.recordCount, pid: Number(b.producerId), seq: b.baseSequence }));
    // Producer 42's data batch goes: its commit marker is the producer's last batch.
    assert.deepEqual(summary, [
      { base: 1, control: true, count: 1, pid: 42, seq: -1 },
      { base: 3, control: false, count: 0, pid: 7, seq: 1 },
      { base: 4, control: false, count: 2, pid: -1, seq: -1 },
    ]);
    assert.deepEqual(readKeyed(log).filter((r) => r.key !== null && r.key.length === 1), [
      { offset: 4, key: 'a', value: 'a4' },
      { offset: 5, key: 'b', value: 'b1' },
    ]);
  });
});

test('a log with more keys than the offset map holds is cleaned correctly over several passes', () => {
  withCompactedLog({}, ({ clock, manager, log }) => {
    manager.configureCleaner({ dedupeBufferBytes: 24 * 40, loadFactor: 0.9 });
    appendUpdates(log, clock, 600, 150, 50);
    const before = readKeyed(log);
    const ends: number[] = [];
    for (let pass = 0; pass < 50 && manager.cleanerCheckpointOf(TP.topic, TP.partition) < 600; pass++) {
      const cleaned = manager.runCleaner();
      assert.equal(cleaned.length, 1);
      ends.push(cleaned[0]!.result.endOffset);
    }
    assert.ok(ends.length > 3, `several passes: ${ends.join(',')}`);
    assert.deepEqual(ends, [...ends].sort((a, b) => a - b), 'the checkpoint only moves forward');
    assert.deepEqual(readKeyed(log), latestPerKey(before));
  });
});

test('records without a key are dropped from the cleaned section', () => {
  withCompactedLog({}, ({ clock, manager, log }) => {
    log.append(keyedBatch([[null, 'nokey'], ['a', 'a1']], clock.nowMs()));
    log.roll();
    manager.runCleaner();
    assert.deepEqual(readKeyed(log), [{ offset: 1, key: 'a', value: 'a1' }]);
  });
});

test('compact,delete topics are cleaned and also trimmed by retention', () => {
  withCompactedLog({ retentionMs: 100_000 }, ({ clock, manager, log }) => {
    appendUpdates(log, clock, 40, 4, 20);
    assert.equal(manager.runCleaner().length, 1);
    assert.deepEqual(readKeyed(log).map((r) => r.offset), [36, 37, 38, 39]);
    clock.advance(200_000);
    appendUpdates(log, clock, 20, 4, 20, 40);
    manager.runRetention();
    assert.equal(log.logStartOffset, 40, 'retention deleted the old cleaned segment');
    assert.equal(manager.runCleaner().length, 1);
    assert.deepEqual(readKeyed(log).map((r) => r.offset), [56, 57, 58, 59]);
  });
});

test('a truncation below the cleaner checkpoint lowers it on disk, so re-appended data is cleaned as dirty', () => {
  withCompactedLog({ deleteRetentionMs: 0 }, ({ dir, clock, manager, log }) => {
    log.append(keyedBatch([['k1', 'old']], clock.nowMs()));
    appendUpdates(log, clock, 39, 1, 20, 1);
    log.roll();
    manager.runCleaner();
    assert.equal(manager.cleanerCheckpointOf(TP.topic, TP.partition), 40);
    assert.deepEqual(readKeyed(log).map((r) => r.key), ['k1', 'k0']);
    // A follower cuts its divergent tail and takes the new leader's records: k1 is deleted at offset 39.
    log.truncateTo(39);
    assert.equal(manager.cleanerCheckpointOf(TP.topic, TP.partition), 39);
    assert.equal(fs.readFileSync(join(dir, 'cleaner-offset-checkpoint'), 'utf8'), `0\n1\n${TP.topic} ${TP.partition} 39\n`);
    log.append(keyedBatch([['k1', null]], clock.nowMs()));
    appendUpdates(log, clock, 9, 1, 9, 100);
    manager.runCleaner();
    clock.advance(1);
    manager.runCleaner();
    assert.deepEqual(readKeyed(log).filter((r) => r.key === 'k1'), [], 'the old value went with the tombstone, not after it');
  });
});
