/**
 * The transaction coordinator under the seeded simulation
 * (transaction-simulator.ts), and mutation checks: each bug the coordinator
 * must not have, put back into a subclass of the real class, must be caught
 * by some seed.
 *
 * Replay one schedule with its trace:
 *   TXN_SEED=1234 node --test test/coordinator/transaction-simulation.test.ts
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  NO_PRODUCER_ID, TransactionCoordinator, prepareEnd, type TxnCoordinatorDeps, type TxnEntry, type TxnSnapshot,
} from '../../src/coordinator/transaction/index.ts';
import { ErrorCode } from '../../src/protocol/index.ts';
import { TxnSimulation, emptyTxnSimStats, type CoordinatorFactory, type TxnSimStats } from './transaction-simulator.ts';

const SEEDS = Number(process.env.TXN_SEEDS ?? 400);
const STEPS = Number(process.env.TXN_STEPS ?? 1000);
const MUTANT_SEEDS_MAX = 300;
const FAILURES_REPORTED_MAX = 5;

async function runSeeds(make: CoordinatorFactory | undefined, seeds: number, stopAtFirst: boolean): Promise<{ failures: string[]; stats: TxnSimStats }> {
  const stats = emptyTxnSimStats();
  const failures: string[] = [];
  for (let seed = 1; seed <= seeds; seed++) {
    try {
      const s = await new TxnSimulation({ seed, steps: STEPS, makeCoordinator: make }).run();
      for (const k of Object.keys(stats) as (keyof TxnSimStats)[]) stats[k] += s[k];
    } catch (e) {
      failures.push(`${(e as Error).message}\n  replay: TXN_SEED=${seed} node --test test/coordinator/transaction-simulation.test.ts`);
      if (stopAtFirst || failures.length >= FAILURES_REPORTED_MAX) break;
    }
  }
  return { failures, stats };
}

/** Bug 1: EndTxn answered as soon as the PrepareCommit/PrepareAbort write is issued, not once it is durable. */
class AnswersBeforeDurable extends TransactionCoordinator {
  protected override writePrepare(entry: TxnEntry, next: TxnSnapshot, coordinatorEpoch: number, nowMs: number): Promise<number> {
    void super.writePrepare(entry, next, coordinatorEpoch, nowMs);
    return Promise.resolve(ErrorCode.NONE);
  }
}

/** Bug 2: the coordinator aborts an open transaction (new instance, timeout) without bumping the epoch. */
class FencesWithoutBump extends TransactionCoordinator {
  protected override fenceAbortSnapshot(cur: TxnSnapshot, nowMs: number): TxnSnapshot {
    return prepareEnd(cur, false, cur.clientTransactionVersion, NO_PRODUCER_ID, nowMs, false);
  }
}

/** Bug 3: a loaded PrepareCommit/PrepareAbort is never carried on to its markers. */
class ForgetsMarkersAfterLoad extends TransactionCoordinator {
  protected override resumeAfterLoad(): void {}
}

/** Bug 4: the new state is applied before its write is durable (and kept when the write fails). */
class AppliesBeforeWrite extends TransactionCoordinator {
  protected override persist(entry: TxnEntry, next: TxnSnapshot, coordinatorEpoch: number, nowMs: number): Promise<number> {
    const result = super.persist(entry, next, coordinatorEpoch, nowMs);
    if (next.state !== 6) entry.current = next;
    return result;
  }
}

const mutants: Record<string, CoordinatorFactory> = {
  'EndTxn answered before its Prepare record is durable': (deps: TxnCoordinatorDeps) => new AnswersBeforeDurable(deps),
  'a coordinator-side abort without the fencing epoch bump': (deps) => new FencesWithoutBump(deps),
  'markers not resumed after loading a partition': (deps) => new ForgetsMarkersAfterLoad(deps),
  'state applied before the write completes': (deps) => new AppliesBeforeWrite(deps),
};

const replaySeed = process.env.TXN_SEED;

if (replaySeed !== undefined) {
  test(`replay seed ${replaySeed}`, async () => {
    const mutant = process.env.TXN_MUTANT === undefined ? undefined : mutants[process.env.TXN_MUTANT];
    const sim = new TxnSimulation({ seed: Number(replaySeed), steps: STEPS, trace: true, makeCoordinator: mutant });
    try {
      await sim.run();
    } finally {
      process.stdout.write(`${sim.traceLines.join('\n')}\nstats ${JSON.stringify(sim.stats)}\n`);
    }
  });
} else {
  test(`${SEEDS} seeded schedules keep transactions atomic and producers fenced`, { timeout: 300_000 }, async () => {
    const started = performance.now();
    const { failures, stats } = await runSeeds(undefined, SEEDS, false);
    process.stdout.write(`simulated ${SEEDS} schedules in ${((performance.now() - started) / 1000).toFixed(1)}s: ${JSON.stringify(stats)}\n`);
    assert.deepEqual(failures, [], failures.join('\n'));
    // The faults must happen and the clients must get through, or the run proves nothing.
    assert.ok(stats.commitsAcked > SEEDS * 3, `commits acked ${stats.commitsAcked}`);
    assert.ok(stats.abortsAcked > SEEDS, `aborts acked ${stats.abortsAcked}`);
    assert.ok(stats.failovers > SEEDS, `failovers ${stats.failovers}`);
    assert.ok(stats.reloads > SEEDS / 2, `reloads ${stats.reloads}`);
    assert.ok(stats.zombieCoordinators > SEEDS / 4, `zombie coordinators ${stats.zombieCoordinators}`);
    assert.ok(stats.fencedByInit > SEEDS / 2, `fenced by InitProducerId ${stats.fencedByInit}`);
    assert.ok(stats.timeoutAborts > SEEDS / 2, `timeout aborts ${stats.timeoutAborts}`);
    assert.ok(stats.rotations > SEEDS / 10, `producer id rotations ${stats.rotations}`);
    assert.ok(stats.tv2Ends > SEEDS, `TV2 ends ${stats.tv2Ends}`);
  });

  for (const [name, make] of Object.entries(mutants)) {
    test(`mutation check: the simulation catches ${name}`, { timeout: 120_000 }, async () => {
      const { failures } = await runSeeds(make, MUTANT_SEEDS_MAX, true);
      assert.ok(failures.length > 0, `no seed of ${MUTANT_SEEDS_MAX} caught it`);
      process.stdout.write(`caught: ${failures[0]!.split('\n')[0]}\n`);
    });
  }
}
