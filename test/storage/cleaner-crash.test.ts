/**
 * Crash safety of compaction: a clean is interrupted at every file rename
 * and unlink it makes (the fs call throws, as if the process died there),
 * the manager is abandoned without a clean shutdown, and the directory is
 * reopened. The log must read as either the uncleaned or the cleaned log,
 * and a clean after recovery must reach the same result as one that was
 * never interrupted. A transactional log checks the same of the
 * `.txnindex` a clean empties.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ControlRecordType, buildEndTxnMarkerBatch } from '../../src/records/index.ts';
import type { LogManager, PartitionLog } from '../../src/storage/index.ts';
import { ManualClock, tempDir } from './helpers.ts';
import { type Keyed, appendUpdates, compactConfig, copyDir, keyedBatch, latestPerKey, openManager, readKeyed } from './cleaner-helpers.ts';

/** A log of four rolled segments of updates to 5 keys plus tombstones, and an active segment; closed cleanly. */
function buildLog(dir: string, clock: ManualClock): void {
  const { manager, log } = openManager(dir, clock, compactConfig());
  appendUpdates(log, clock, 60, 5, 15);
  log.append(keyedBatch([['k1', null], ['k9', 'solo']], clock.nowMs()));
  log.roll();
  log.append(keyedBatch([['k2', 'active']], clock.nowMs()));
  closeForCrashes(manager);
}

/**
 * A log with committed and aborted transactions, cleaned once (aborted data
 * gone, markers and the aborted transaction's index entry kept), then
 * updated so that the next clean drops the entry, leaving an empty
 * `.txnindex`, and stamps delete horizons on both markers.
 */
function buildTxnLog(dir: string, clock: ManualClock): void {
  const { manager, log } = openManager(dir, clock, compactConfig());
  const [p1, p2] = [1n, 2n];
  const txn = { producerEpoch: 0, baseSequence: 0, isTransactional: true };
  const end = (producerId: bigint, type: 0 | 1): void => {
    log.append(buildEndTxnMarkerBatch({ type, coordinatorEpoch: 0 }, BigInt(clock.nowMs()), { producerId, producerEpoch: 0 }));
  };
  log.append(keyedBatch([['k1', 'n1']], clock.nowMs())); // 0
  log.append(keyedBatch([['k1', 'a1'], ['k2', 'a2']], clock.nowMs(), { ...txn, producerId: p1 })); // 1-2, aborted
  log.append(keyedBatch([['k3', 'c3']], clock.nowMs(), { ...txn, producerId: p2 })); // 3, committed
  end(p1, ControlRecordType.ABORT); // 4
  log.appendAbortedTxn({ producerId: p1, firstOffset: 1, lastOffset: 4, lastStableOffset: 3 });
  end(p2, ControlRecordType.COMMIT); // 5
  log.roll();
  log.append(keyedBatch([['k2', 'n2'], ['k3', 'n3']], clock.nowMs())); // 6-7
  log.roll();
  log.append(keyedBatch([['k4', 'n4']], clock.nowMs())); // 8
  assert.equal(manager.runCleaner().length, 1);
  assert.equal(log.collectAbortedTxns(0, log.logEndOffset).length, 1);
  log.append(keyedBatch([['k1', 'n1b']], clock.nowMs())); // 9
  log.roll();
  log.append(keyedBatch([['k5', 'active']], clock.nowMs())); // 10
  closeForCrashes(manager);
}

function closeForCrashes(manager: LogManager): void {
  manager.close();
  // From here on every open is a crash recovery.
  fs.rmSync(join(manager.logDirs[0]!, '.kafka_cleanshutdown'));
}

/** What a reader of the log can tell: its records (markers too) and its aborted transactions. */
interface LogState {
  records: Keyed[];
  aborted: string[];
}

function stateOf(log: PartitionLog): LogState {
  const aborted = log.collectAbortedTxns(0, log.logEndOffset).map((t) => `${t.producerId}:${t.firstOffset}-${t.lastOffset}`);
  return { records: readKeyed(log), aborted };
}

function readDir(dir: string, clock: ManualClock): LogState {
  const { manager, log } = openManager(dir, clock, compactConfig());
  const state = stateOf(log);
  closeForCrashes(manager);
  return state;
}

type Mutation = 'renameSync' | 'unlinkSync';

/** Runs `body` with the `failAt`-th rename or unlink throwing; returns how many were made. */
function withFailingFs(failAt: number, body: () => void): number {
  const originals = { renameSync: fs.renameSync, unlinkSync: fs.unlinkSync };
  let calls = 0;
  const wrap = <F extends (...args: never[]) => unknown>(name: Mutation, original: F): F =>
    ((...args: Parameters<F>) => {
      calls++;
      if (calls === failAt) throw new Error(`simulated crash at ${name} #${calls}`);
      return original(...args);
    }) as F;
  fs.renameSync = wrap('renameSync', originals.renameSync);
  fs.unlinkSync = wrap('unlinkSync', originals.unlinkSync);
  try {
    body();
  } finally {
    fs.renameSync = originals.renameSync;
    fs.unlinkSync = originals.unlinkSync;
  }
  return calls;
}

/**
 * Builds a log in `dir`, cleans a copy to get the cleaned state, then for
 * every rename and unlink of that clean: crashes a fresh copy there, checks
 * that it recovers to the uncleaned or the cleaned state, and that a clean
 * after recovery reaches the cleaned state. Returns the two states.
 */
function crashAtEveryMutation(dir: string, build: (dir: string, clock: ManualClock) => void): { uncleaned: LogState; cleaned: LogState } {
  const clock = new ManualClock();
  const base = join(dir, 'base');
  build(base, clock);
  const uncleaned = readDir(base, clock);

  const reference = join(dir, 'reference');
  copyDir(base, reference);
  const referenceOpen = openManager(reference, clock, compactConfig());
  const mutations = withFailingFs(0, () => assert.equal(referenceOpen.manager.runCleaner().length, 1));
  closeForCrashes(referenceOpen.manager);
  const cleaned = readDir(reference, clock);
  assert.notDeepEqual(cleaned, uncleaned);
  assert.ok(mutations >= 6, `the clean renames and unlinks files: ${mutations}`);

  const outcomes: string[] = [];
  for (let failAt = 1; failAt <= mutations; failAt++) {
    const crashed = join(dir, `crash-${failAt}`);
    copyDir(base, crashed);
    // The manager is abandoned, not closed: the process died at the failing call.
    const { manager: dying } = openManager(crashed, clock, compactConfig());
    withFailingFs(failAt, () => dying.runCleaner());
    const recovered = readDir(crashed, clock);
    const outcome = JSON.stringify(recovered) === JSON.stringify(cleaned) ? 'cleaned' : 'uncleaned';
    if (outcome === 'uncleaned') assert.deepEqual(recovered, uncleaned, `crash at mutation ${failAt}`);
    outcomes.push(outcome);
    const leftovers = fs.readdirSync(join(crashed, 'orders-0')).filter((name) => /\.(cleaned|swap|deleted)$/.test(name));
    assert.deepEqual(leftovers, [], `no leftovers after recovery from mutation ${failAt}`);

    const { manager, log } = openManager(crashed, clock, compactConfig());
    manager.runCleaner();
    assert.deepEqual(stateOf(log), cleaned, `a clean after recovering from mutation ${failAt} completes the job`);
    manager.close();
  }
  assert.ok(outcomes.includes('uncleaned') && outcomes.includes('cleaned'), outcomes.join(','));
  return { uncleaned, cleaned };
}

test('a clean interrupted at any rename or unlink recovers to the uncleaned or the cleaned log', { timeout: 120_000 }, () => {
  const { dir, cleanup } = tempDir();
  try {
    const { uncleaned, cleaned } = crashAtEveryMutation(dir, buildLog);
    const activeBase = uncleaned.records.find((r) => r.value === 'active')!.offset;
    assert.deepEqual(cleaned.records, [...latestPerKey(uncleaned.records.filter((r) => r.offset < activeBase)), uncleaned.records.at(-1)!]);
  } finally {
    cleanup();
  }
});

test('a clean of transactional data that drops a .txnindex entry recovers from a crash at any rename or unlink', { timeout: 120_000 }, () => {
  const { dir, cleanup } = tempDir();
  try {
    const { uncleaned, cleaned } = crashAtEveryMutation(dir, buildTxnLog);
    assert.deepEqual(uncleaned.aborted, ['1:1-4']);
    assert.deepEqual(cleaned.aborted, [], 'the aborted data went in the first clean, its entry in this one');
    const dataOf = (state: LogState): string[] => state.records.filter((r) => r.key !== null && r.key.startsWith('k')).map((r) => `${r.offset} ${r.key}=${r.value}`);
    assert.deepEqual(dataOf(uncleaned), ['0 k1=n1', '6 k2=n2', '7 k3=n3', '8 k4=n4', '9 k1=n1b', '10 k5=active']);
    assert.deepEqual(dataOf(cleaned), ['6 k2=n2', '7 k3=n3', '8 k4=n4', '9 k1=n1b', '10 k5=active']);
    assert.equal(cleaned.records.length - dataOf(cleaned).length, 2, 'both markers stay until their delete horizon');
  } finally {
    cleanup();
  }
});

test('a torn .cleaned file and a stray .swap index are removed at open and the old segments stand', { timeout: 60_000 }, () => {
  const { dir, cleanup } = tempDir();
  try {
    const clock = new ManualClock();
    buildLog(dir, clock);
    const before = readDir(dir, clock);
    const partitionDir = join(dir, 'orders-0');
    const first = join(partitionDir, '00000000000000000000');
    fs.writeFileSync(`${first}.log.cleaned`, fs.readFileSync(`${first}.log`).subarray(0, 100));
    fs.writeFileSync(`${first}.index.swap`, Buffer.alloc(8));
    assert.deepEqual(readDir(dir, clock), before);
    assert.deepEqual(fs.readdirSync(partitionDir).filter((name) => /\.(cleaned|swap)$/.test(name)), []);
  } finally {
    cleanup();
  }
});
