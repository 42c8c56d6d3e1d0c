/**
 * Crash safety of compaction: a clean is interrupted at every file rename
 * and unlink it makes (the fs call throws, as if the process died there),
 * the manager is abandoned without a clean shutdown, and the directory is
 * reopened. The log must read as either the uncleaned or the cleaned log,
 * and a clean after recovery must reach the same result as one that was
 * never interrupted.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ManualClock, tempDir } from './helpers.ts';
import { type Keyed, appendUpdates, compactConfig, copyDir, keyedBatch, latestPerKey, openManager, readKeyed } from './cleaner-helpers.ts';

/** A log of four rolled segments of updates to 5 keys plus tombstones, and an active segment; closed cleanly. */
function buildLog(dir: string, clock: ManualClock): void {
  const { manager, log } = openManager(dir, clock, compactConfig());
  appendUpdates(log, clock, 60, 5, 15);
  log.append(keyedBatch([['k1', null], ['k9', 'solo']], clock.nowMs()));
  log.roll();
  log.append(keyedBatch([['k2', 'active']], clock.nowMs()));
  manager.close();
  // From here on every open is a crash recovery.
  fs.rmSync(join(dir, '.kafka_cleanshutdown'));
}

function readDir(dir: string, clock: ManualClock): Keyed[] {
  const { manager, log } = openManager(dir, clock, compactConfig());
  const records = readKeyed(log);
  manager.close();
  fs.rmSync(join(dir, '.kafka_cleanshutdown'));
  return records;
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

test('a clean interrupted at any rename or unlink recovers to the uncleaned or the cleaned log', () => {
  const { dir, cleanup } = tempDir();
  try {
    const clock = new ManualClock();
    const base = join(dir, 'base');
    buildLog(base, clock);
    const uncleaned = readDir(base, clock);

    const reference = join(dir, 'reference');
    copyDir(base, reference);
    const referenceOpen = openManager(reference, clock, compactConfig());
    const mutations = withFailingFs(0, () => assert.equal(referenceOpen.manager.runCleaner().length, 1));
    referenceOpen.manager.close();
    const cleaned = readDir(reference, clock);
    assert.notDeepEqual(cleaned, uncleaned);
    const activeBase = uncleaned.find((r) => r.value === 'active')!.offset;
    assert.deepEqual(cleaned, [...latestPerKey(uncleaned.filter((r) => r.offset < activeBase)), uncleaned.at(-1)!]);
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
      assert.deepEqual(readKeyed(log), cleaned, `a clean after recovering from mutation ${failAt} completes the job`);
      manager.close();
    }
    assert.ok(outcomes.includes('uncleaned') && outcomes.includes('cleaned'), outcomes.join(','));
  } finally {
    cleanup();
  }
});

test('a torn .cleaned file and a stray .swap index are removed at open and the old segments stand', () => {
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
