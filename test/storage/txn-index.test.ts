/**
 * The transaction index (`.txnindex`, Kafka's TransactionIndex) on real
 * files: its 34-byte entry format, lookups across segments with Kafka's
 * early stop, truncation, what recovery keeps and drops, retention and the
 * cleaner.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ControlRecordType, buildEndTxnMarkerBatch } from '../../src/records/index.ts';
import { type AbortedTxn, PartitionLog, TXN_INDEX_ENTRY_BYTES, decodeTxnIndex } from '../../src/storage/index.ts';
import { ManualClock, TP, config, makeBatch, tempDir } from './helpers.ts';
import { keyedBatch, openManager, compactConfig } from './cleaner-helpers.ts';

const TIMEOUT = { timeout: 30_000 };

function txnPath(dir: string, base: number): string {
  return join(dir, `${String(base).padStart(20, '0')}.txnindex`);
}

function marker(type: number, producerId: bigint): Buffer {
  return buildEndTxnMarkerBatch({ type: type as 0 | 1, coordinatorEpoch: 0 }, 1_700_000_000_000n, { producerId, producerEpoch: 0 });
}

/** Appends `count` one-record batches; returns the offset of the last. */
function appendRecords(log: PartitionLog, clock: ManualClock, count: number): number {
  let last = -1;
  for (let i = 0; i < count; i++) last = log.append(makeBatch(i, 1, clock.nowMs())).lastOffset;
  return last;
}

function withLog(body: (dir: string, log: PartitionLog, clock: ManualClock) => void, overrides = {}): void {
  const { dir, cleanup } = tempDir();
  const clock = new ManualClock();
  const log = PartitionLog.open(dir, TP, config(overrides), clock);
  try {
    body(dir, log, clock);
  } finally {
    log.close();
    cleanup();
  }
}

test('an entry is 34 bytes: version 0, producer id, first offset, last offset, last stable offset', TIMEOUT, () => {
  withLog((dir, log, clock) => {
    appendRecords(log, clock, 3);
    const at = log.append(marker(ControlRecordType.ABORT, 7n)).lastOffset;
    assert.equal(fs.existsSync(txnPath(dir, 0)), false, 'no file before the first aborted transaction (as Kafka)');
    log.appendAbortedTxn({ producerId: 7n, firstOffset: 1, lastOffset: at, lastStableOffset: at + 1 });
    const bytes = fs.readFileSync(txnPath(dir, 0));
    assert.equal(bytes.length, TXN_INDEX_ENTRY_BYTES);
    assert.equal(bytes.readInt16BE(0), 0);
    assert.equal(bytes.readBigInt64BE(2), 7n);
    assert.equal(bytes.readBigInt64BE(10), 1n);
    assert.equal(bytes.readBigInt64BE(18), BigInt(at));
    assert.equal(bytes.readBigInt64BE(26), BigInt(at + 1));
    assert.deepEqual(decodeTxnIndex(bytes), [{ producerId: 7n, firstOffset: 1, lastOffset: at, lastStableOffset: at + 1 }]);
    // Offered again (a replay after a restart): written once.
    log.appendAbortedTxn({ producerId: 7n, firstOffset: 1, lastOffset: at, lastStableOffset: at + 1 });
    assert.equal(fs.statSync(txnPath(dir, 0)).size, TXN_INDEX_ENTRY_BYTES);
    assert.throws(() => log.appendAbortedTxn({ producerId: 7n, firstOffset: 1, lastOffset: at + 5, lastStableOffset: at + 6 }), RangeError);
  });
});

test('lookups go from the segment of the fetch offset onwards and stop where an entry\'s last stable offset reaches the bound', TIMEOUT, () => {
  withLog((dir, log, clock) => {
    // Segment 0: records 0..4, abort of P1 (txn 1..4) at 5. Segment 6: records 6..9, abort of P2 (txn 2..9) at 10.
    appendRecords(log, clock, 5);
    log.append(marker(ControlRecordType.ABORT, 1n));
    const first: AbortedTxn = { producerId: 1n, firstOffset: 1, lastOffset: 5, lastStableOffset: 2 };
    log.appendAbortedTxn(first);
    log.roll();
    appendRecords(log, clock, 4);
    log.append(marker(ControlRecordType.ABORT, 2n));
    const second: AbortedTxn = { producerId: 2n, firstOffset: 2, lastOffset: 10, lastStableOffset: 11 };
    log.appendAbortedTxn(second);
    assert.deepEqual(log.segmentBaseOffsets(), [0, 6]);
    assert.ok(fs.existsSync(txnPath(dir, 0)) && fs.existsSync(txnPath(dir, 6)));
    assert.deepEqual(log.collectAbortedTxns(0, 11), [first, second]);
    assert.deepEqual(log.collectAbortedTxns(6, 11), [second], 'lastOffset below the fetch offset: not listed');
    assert.deepEqual(log.collectAbortedTxns(0, 2), [first], 'the second starts at the bound: not listed');
    // The first entry's last stable offset (2) reaches the bound 2: the later segment is not read.
    assert.deepEqual(log.collectAbortedTxns(0, 1), [], 'firstOffset 1 is not below the bound 1');
  }, { segmentBytes: 1 << 20 });
});

test('truncation drops the entries of markers at or above the truncation offset, on disk too', TIMEOUT, () => {
  withLog((dir, log, clock) => {
    appendRecords(log, clock, 2);
    log.append(marker(ControlRecordType.ABORT, 1n));
    log.appendAbortedTxn({ producerId: 1n, firstOffset: 0, lastOffset: 2, lastStableOffset: 3 });
    appendRecords(log, clock, 2);
    log.append(marker(ControlRecordType.ABORT, 2n));
    log.appendAbortedTxn({ producerId: 2n, firstOffset: 3, lastOffset: 5, lastStableOffset: 6 });
    log.truncateTo(5);
    assert.deepEqual(log.collectAbortedTxns(0, 100).map((t) => t.lastOffset), [2]);
    assert.equal(fs.statSync(txnPath(dir, 0)).size, TXN_INDEX_ENTRY_BYTES);
    log.truncateTo(1);
    assert.deepEqual(log.collectAbortedTxns(0, 100), []);
    assert.equal(fs.statSync(txnPath(dir, 0)).size, 0);
  });
});

test('recovery keeps the entries of markers it keeps, drops those it cut and a torn entry; retention deletes the file with its segment', TIMEOUT, () => {
  const { dir, cleanup } = tempDir();
  const clock = new ManualClock();
  try {
    let log = PartitionLog.open(dir, TP, config(), clock);
    appendRecords(log, clock, 2);
    log.append(marker(ControlRecordType.ABORT, 1n));
    log.appendAbortedTxn({ producerId: 1n, firstOffset: 0, lastOffset: 2, lastStableOffset: 3 });
    appendRecords(log, clock, 1);
    const cutAt = fs.statSync(join(dir, '00000000000000000000.log')).size;
    log.append(marker(ControlRecordType.ABORT, 2n));
    log.appendAbortedTxn({ producerId: 2n, firstOffset: 3, lastOffset: 4, lastStableOffset: 5 });
    log.flush();
    // A crash that tore the second marker: half its bytes reached the disk, its index entry whole, plus half of a third entry.
    fs.truncateSync(join(dir, '00000000000000000000.log'), cutAt + 20);
    fs.appendFileSync(txnPath(dir, 0), Buffer.alloc(TXN_INDEX_ENTRY_BYTES / 2));
    // Simulate the crash: drop the open log without closing it cleanly.
    log = PartitionLog.open(dir, TP, config(), clock, { recoveryPoint: 0 });
    assert.equal(log.logEndOffset, 4);
    assert.deepEqual(log.collectAbortedTxns(0, 100), [{ producerId: 1n, firstOffset: 0, lastOffset: 2, lastStableOffset: 3 }]);
    assert.equal(fs.statSync(txnPath(dir, 0)).size, TXN_INDEX_ENTRY_BYTES);
    // Retention: the segment holding the entry goes, and its .txnindex with it.
    log.roll();
    appendRecords(log, clock, 1);
    log.deleteRecordsBefore(log.logEndOffset);
    assert.equal(fs.existsSync(txnPath(dir, 0)), false);
    log.close();
  } finally {
    cleanup();
  }
});

test('the cleaner carries a group\'s entries into the cleaned segment, which survives a restart', TIMEOUT, () => {
  const { dir, cleanup } = tempDir();
  const clock = new ManualClock();
  try {
    const logConfig = compactConfig();
    let { manager, log } = openManager(dir, clock, logConfig);
    log.append(keyedBatch([['a', '1']], clock.nowMs(), { producerId: 5n, producerEpoch: 0, baseSequence: 0, isTransactional: true }));
    log.append(keyedBatch([['b', '1']], clock.nowMs()));
    log.append(marker(ControlRecordType.ABORT, 5n));
    log.appendAbortedTxn({ producerId: 5n, firstOffset: 0, lastOffset: 2, lastStableOffset: 3 });
    log.roll();
    log.append(keyedBatch([['b', '2']], clock.nowMs()));
    log.roll();
    log.append(keyedBatch([['c', '1']], clock.nowMs()));
    log.roll();
    const cleaned = manager.runCleaner();
    assert.equal(cleaned.length, 1);
    assert.ok(cleaned[0]!.result.recordsRemoved >= 1, 'b=1 was superseded');
    assert.equal(log.segmentBaseOffsets()[0], 0);
    assert.deepEqual(log.collectAbortedTxns(0, 100), [{ producerId: 5n, firstOffset: 0, lastOffset: 2, lastStableOffset: 3 }]);
    manager.close();
    ({ manager, log } = openManager(dir, clock, logConfig));
    assert.deepEqual(log.collectAbortedTxns(0, 100), [{ producerId: 5n, firstOffset: 0, lastOffset: 2, lastStableOffset: 3 }]);
    assert.deepEqual(fs.readdirSync(join(dir, 'orders-0')).filter((n) => n.includes('.swap') || n.includes('.cleaned')), []);
    manager.close();
  } finally {
    cleanup();
  }
});
