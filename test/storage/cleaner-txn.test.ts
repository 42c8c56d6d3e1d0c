/**
 * Compaction of transactional data through LogManager.runCleaner on real
 * segment files, as Kafka's cleaner does it: records of aborted
 * transactions go at the first clean and never hide an older committed
 * value, committed transactional records are compacted by key like any
 * other, a marker stays while data of its transaction is in the log and
 * then for delete.retention.ms (stamped as the batch's delete horizon),
 * `.txnindex` entries go once their data is gone, and nothing at or above
 * the last stable offset is cleaned.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ControlRecordType, type RecordBatch, buildEndTxnMarkerBatch, readBatchRecords, scanBatches } from '../../src/records/index.ts';
import type { LogManager, PartitionLog } from '../../src/storage/index.ts';
import { ManualClock, tempDir } from './helpers.ts';
import { compactConfig, keyedBatch, openManager, withCompactedLog } from './cleaner-helpers.ts';

const TIMEOUT = { timeout: 60_000 };
const DELETE_RETENTION_MS = 1000;
const { ABORT, COMMIT } = ControlRecordType;

type Entries = readonly (readonly [string, string])[];

/** A transactional batch of `producerId`. */
function txn(log: PartitionLog, clock: ManualClock, producerId: bigint, entries: Entries): void {
  log.append(keyedBatch(entries, clock.nowMs(), { producerId, producerEpoch: 0, baseSequence: 0, isTransactional: true }));
}

/** A COMMIT or ABORT marker of `producerId`; returns its offset. */
function marker(log: PartitionLog, clock: ManualClock, producerId: bigint, type: 0 | 1): number {
  const offset = log.logEndOffset;
  log.append(buildEndTxnMarkerBatch({ type, coordinatorEpoch: 0 }, BigInt(clock.nowMs()), { producerId, producerEpoch: 0 }));
  return offset;
}

function plain(log: PartitionLog, clock: ManualClock, entries: Entries): void {
  log.append(keyedBatch(entries, clock.nowMs()));
}

interface BatchView {
  base: number;
  control: boolean;
  count: number;
  pid: number;
  horizon: boolean;
}

/** Every batch from the log start; a read answers from one segment, so it takes one read per segment. */
function allBatches(log: PartitionLog): RecordBatch[] {
  const out: RecordBatch[] = [];
  let offset = log.logStartOffset;
  for (let reads = 0; offset < log.logEndOffset && reads <= log.logEndOffset; reads++) {
    const { records } = log.read(offset, 1 << 20, log.logEndOffset, true);
    if (records === null) break;
    const batches = scanBatches(records).batches;
    out.push(...batches);
    offset = Number(batches[batches.length - 1]!.lastOffset) + 1;
  }
  return out;
}

/** The markers of the log, as their headers say. */
function markers(log: PartitionLog): BatchView[] {
  return allBatches(log).filter((b) => b.isControl).map((b) => ({
    base: Number(b.baseOffset), control: true, count: b.recordCount, pid: Number(b.producerId), horizon: b.hasDeleteHorizon,
  }));
}

/** Every data record as `offset key=value`, as a read_uncommitted consumer sees them. */
function data(log: PartitionLog): string[] {
  const out: string[] = [];
  for (const batch of allBatches(log)) {
    if (batch.isControl) continue;
    for (const r of readBatchRecords(batch)) out.push(`${r.offset} ${r.key?.toString()}=${r.value?.toString()}`);
  }
  return out;
}

function aborted(log: PartitionLog): string[] {
  return log.collectAbortedTxns(0, log.logEndOffset).map((t) => `${t.producerId}:${t.firstOffset}-${t.lastOffset}`);
}

function cleanOnce(manager: LogManager, options: Parameters<LogManager['runCleaner']>[0] = {}): void {
  assert.equal(manager.runCleaner(options).length, 1, 'one clean');
}

test('aborted records go, the latest committed value per key stays, markers outlive their data by delete.retention.ms', TIMEOUT, () => {
  withCompactedLog({ deleteRetentionMs: DELETE_RETENTION_MS }, ({ clock, manager, log }) => {
    const [p1, p2, p3] = [11n, 12n, 13n];
    plain(log, clock, [['k1', 'n1']]); // 0
    txn(log, clock, p1, [['k1', 'c1'], ['k2', 'c2']]); // 1-2, committed
    txn(log, clock, p2, [['k1', 'a1'], ['k3', 'a3']]); // 3-4, aborted: must not hide c1
    assert.equal(marker(log, clock, p1, COMMIT), 5);
    log.roll();
    txn(log, clock, p2, [['k2', 'a2']]); // 6, aborted
    assert.equal(marker(log, clock, p2, ABORT), 7);
    log.appendAbortedTxn({ producerId: p2, firstOffset: 3, lastOffset: 7, lastStableOffset: 8 });
    plain(log, clock, [['k3', 'n3']]); // 8
    txn(log, clock, p3, [['k2', 'x2']]); // 9, aborted
    txn(log, clock, p1, [['k4', 'c4']]); // 10, committed
    assert.equal(marker(log, clock, p3, ABORT), 11);
    log.appendAbortedTxn({ producerId: p3, firstOffset: 9, lastOffset: 11, lastStableOffset: 10 });
    assert.equal(marker(log, clock, p1, COMMIT), 12);
    log.roll();
    plain(log, clock, [['k5', 'n5']]); // 13, active

    cleanOnce(manager);
    assert.deepEqual(data(log), ['1 k1=c1', '2 k2=c2', '8 k3=n3', '10 k4=c4', '13 k5=n5']);
    // Every marker still has data of its transaction in the log, or had until this clean: all stay whole.
    assert.deepEqual(markers(log).map((m) => [m.base, m.count, m.horizon]), [[5, 1, false], [7, 1, false], [11, 1, false], [12, 1, false]]);
    assert.deepEqual(aborted(log), ['12:3-7', '13:9-11'], 'their aborted data was there when the clean began');

    // Clean 2: plain updates supersede every committed transactional record.
    clock.advance(10);
    const clean2Ms = clock.nowMs();
    plain(log, clock, [['k1', 'n1b'], ['k2', 'n2b'], ['k4', 'n4b']]); // 14-16
    log.roll();
    plain(log, clock, [['k5', 'n5c']]); // 17, active
    cleanOnce(manager);
    assert.deepEqual(data(log), ['8 k3=n3', '13 k5=n5', '14 k1=n1b', '15 k2=n2b', '16 k4=n4b', '17 k5=n5c']);
    assert.deepEqual(markers(log).map((m) => [m.base, m.count, m.horizon]), [[5, 1, false], [7, 1, true], [11, 1, true], [12, 1, false]],
      'the ABORT markers found no data and got their delete horizon; the COMMITs lost theirs only now');
    const abort7 = allBatches(log).find((b) => Number(b.baseOffset) === 7)!;
    assert.equal(Number(abort7.baseTimestamp), clean2Ms + DELETE_RETENTION_MS);
    assert.ok(abort7.isCrcValid());
    assert.deepEqual(aborted(log), [], 'entries whose data is gone are not carried over');
    assert.equal(fs.statSync(join(log.dir, '00000000000000000000.txnindex')).size, 0, 'an empty index, not a missing one');

    // Clean 3: producer 3 commits a transaction of its own, so its ABORT marker is no longer its last batch.
    clock.advance(10);
    const clean3Ms = clock.nowMs();
    txn(log, clock, p3, [['k7', 'c7']]); // 18
    const p3Commit = marker(log, clock, p3, COMMIT); // 19
    log.roll();
    plain(log, clock, [['k8', 'n8']]); // 20, active
    cleanOnce(manager);
    assert.deepEqual(markers(log).map((m) => [m.base, m.count, m.horizon]), [[5, 1, true], [7, 1, true], [11, 1, true], [12, 1, true], [p3Commit, 1, false]]);

    // Past the ABORT markers' horizon (not the COMMITs'): a clean removes them; producer 2's, its last batch, leaves its empty header.
    clock.advance(clean2Ms + DELETE_RETENTION_MS - clock.nowMs());
    plain(log, clock, [['k8', 'n8b']]);
    log.roll();
    plain(log, clock, [['k9', 'n9']]);
    cleanOnce(manager);
    assert.deepEqual(markers(log).map((m) => [m.base, m.count]), [[5, 1], [7, 0], [12, 1], [p3Commit, 1]]);
    assert.equal(markers(log)[1]!.pid, Number(p2));

    // Past the COMMITs' horizon the cleaner comes back by itself (nothing is dirty): producer 1's older COMMIT goes, its last leaves a header.
    clock.advance(clean3Ms + DELETE_RETENTION_MS - clock.nowMs());
    cleanOnce(manager);
    assert.deepEqual(markers(log).map((m) => [m.base, m.count]), [[7, 0], [12, 0], [p3Commit, 1]], 'k7=c7 is still there, so is its COMMIT');
    assert.deepEqual(data(log), ['8 k3=n3', '14 k1=n1b', '15 k2=n2b', '16 k4=n4b', '17 k5=n5c', '18 k7=c7', '21 k8=n8b', '22 k9=n9']);
  });
});

test('nothing at or above the last stable offset is cleaned: an open transaction keeps its records until it ends', TIMEOUT, () => {
  withCompactedLog({}, ({ clock, manager, log }) => {
    const producer = 21n;
    plain(log, clock, [['k1', 'v1'], ['k2', 'w1']]); // 0-1
    plain(log, clock, [['k1', 'v2']]); // 2
    log.roll();
    txn(log, clock, producer, [['k1', 'open'], ['k2', 'open']]); // 3-4, transaction still open
    plain(log, clock, [['k1', 'v3']]); // 5
    log.roll();
    plain(log, clock, [['k9', 'active']]); // 6
    const lastStableOffset = 3;

    cleanOnce(manager, { cleanableEndOf: () => lastStableOffset });
    assert.equal(manager.cleanerCheckpointOf('orders', 0), 3, 'the dirty section ended at the segment below the open transaction');
    assert.deepEqual(data(log), ['1 k2=w1', '2 k1=v2', '3 k1=open', '4 k2=open', '5 k1=v3', '6 k9=active'],
      'k1=v3 superseded nothing above the last stable offset, and the open transaction was not read as committed');

    // The transaction aborts; the partition indexes it, and the last stable offset moves to the log end.
    const abortAt = marker(log, clock, producer, ABORT);
    log.appendAbortedTxn({ producerId: producer, firstOffset: 3, lastOffset: abortAt, lastStableOffset: abortAt + 1 });
    log.roll();
    plain(log, clock, [['k9', 'active2']]);
    cleanOnce(manager, { cleanableEndOf: (l) => l.logEndOffset });
    assert.deepEqual(data(log), ['1 k2=w1', '5 k1=v3', '6 k9=active', '8 k9=active2'], 'k2=w1 is not hidden by the aborted k2=open; k2=open and k1=v2 went');
    assert.deepEqual(markers(log).map((m) => m.base), [abortAt]);
  });
});

test('the .txnindex of a cleaned log reads back the same after a restart', TIMEOUT, () => {
  const { dir, cleanup } = tempDir();
  try {
    const clock = new ManualClock();
    const logConfig = compactConfig({ deleteRetentionMs: DELETE_RETENTION_MS });
    let { manager, log } = openManager(dir, clock, logConfig);
    txn(log, clock, 5n, [['a', 'aborted']]); // 0
    plain(log, clock, [['a', 'plain']]); // 1
    const abortAt = marker(log, clock, 5n, ABORT);
    log.appendAbortedTxn({ producerId: 5n, firstOffset: 0, lastOffset: abortAt, lastStableOffset: abortAt + 1 });
    log.roll();
    plain(log, clock, [['b', '1']]);
    log.roll();
    plain(log, clock, [['c', '1']]);
    cleanOnce(manager);
    assert.deepEqual([data(log), aborted(log)], [['1 a=plain', '3 b=1', '4 c=1'], ['5:0-2']]);
    manager.close();
    ({ manager, log } = openManager(dir, clock, logConfig));
    assert.deepEqual([data(log), aborted(log)], [['1 a=plain', '3 b=1', '4 c=1'], ['5:0-2']]);
    plain(log, clock, [['c', '2']]);
    log.roll();
    plain(log, clock, [['d', '1']]);
    cleanOnce(manager);
    assert.deepEqual(aborted(log), []);
    manager.close();
    ({ manager, log } = openManager(dir, clock, logConfig));
    assert.deepEqual([data(log), aborted(log)], [['1 a=plain', '3 b=1', '5 c=2', '6 d=1'], []]);
    assert.deepEqual(markers(log).map((m) => [m.base, m.horizon]), [[abortAt, true]]);
    manager.close();
  } finally {
    cleanup();
  }
});
