/**
 * The replication simulation (replication-simulator.ts) over thousands of
 * seeds, and mutation checks: each bug this layer once had, put back into
 * the core the simulation drives, must be caught.
 *
 * Replay one schedule with its trace:
 *   REPLICATION_SEED=1234 node --test test/broker/replication-simulation.test.ts
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../src/protocol/index.ts';
import { validateFollowerFetch, type FetchValidation } from '../../src/broker/index.ts';
import {
  REAL_CORE, ReplicationSimulation, emptyReplicationStats, type ReplicationCore, type ReplicationStats,
} from './replication-simulator.ts';

const SEEDS = Number(process.env.REPLICATION_SEEDS ?? 5000);
const TICKS = Number(process.env.REPLICATION_TICKS ?? 1200);
const MUTANT_SEEDS_MAX = 3000;
const FAILURES_REPORTED_MAX = 5;

function runSeeds(core: ReplicationCore, seeds: number, stopAtFirst: boolean): { failures: string[]; stats: ReplicationStats } {
  const stats = emptyReplicationStats();
  const failures: string[] = [];
  for (let seed = 1; seed <= seeds; seed++) {
    try {
      const s = new ReplicationSimulation({ seed, ticks: TICKS, core }).run();
      for (const k of Object.keys(stats) as (keyof ReplicationStats)[]) stats[k] += s[k];
    } catch (e) {
      failures.push(`${(e as Error).message}\n  replay: REPLICATION_SEED=${seed} node --test test/broker/replication-simulation.test.ts`);
      if (stopAtFirst || failures.length >= FAILURES_REPORTED_MAX) break;
    }
  }
  return { failures, stats };
}

const replaySeed = process.env.REPLICATION_SEED;

if (replaySeed !== undefined) {
  test(`replay seed ${replaySeed}`, () => {
    const sim = new ReplicationSimulation({ seed: Number(replaySeed), ticks: TICKS, trace: true });
    try {
      sim.run();
    } finally {
      process.stdout.write(`${sim.traceLines.join('\n')}\nstats ${JSON.stringify(sim.stats)}\n`);
    }
  });
} else {
  test(`${SEEDS} seeded schedules keep every acknowledged write`, { timeout: 300_000 }, () => {
    const started = performance.now();
    const { failures, stats } = runSeeds(REAL_CORE, SEEDS, false);
    process.stdout.write(`simulated ${SEEDS} schedules in ${((performance.now() - started) / 1000).toFixed(1)}s: ${JSON.stringify(stats)}\n`);
    assert.deepEqual(failures, [], failures.join('\n'));
    // The faults must happen and the clients must get through, or the run proves nothing.
    assert.ok(stats.acked > SEEDS * 50, `acked ${stats.acked}`);
    assert.ok(stats.commitsAcked > SEEDS * 10, `commits acked ${stats.commitsAcked}`);
    assert.ok(stats.crashes > SEEDS / 2, `crashes ${stats.crashes}`);
    assert.ok(stats.isolations > SEEDS, `isolations ${stats.isolations}`);
    assert.ok(stats.elections > SEEDS, `elections ${stats.elections}`);
    assert.ok(stats.truncations > SEEDS / 10, `truncations ${stats.truncations}`);
    assert.ok(stats.isrShrinks > SEEDS && stats.isrExpands > SEEDS, `ISR shrinks ${stats.isrShrinks}, expands ${stats.isrExpands}`);
    assert.ok(stats.duplicatesAnswered > SEEDS / 10, `duplicates answered ${stats.duplicatesAnswered}`);
  });

  const mutants: Record<string, ReplicationCore> = {
    // Bug 1: a retried batch answered with its offset at once, without waiting for the in-sync replicas.
    'a duplicate acknowledged before it is replicated': {
      ...REAL_CORE,
      requiredOffsetOf: (result) => (result.kind === 'duplicate' ? null : REAL_CORE.requiredOffsetOf(result)),
    },
    // Bug 2: the leader counted a follower's fetch offset before validating it, checked the offset range
    // before the diverging epoch, and the follower sat out OFFSET_OUT_OF_RANGE without truncating.
    'an ex-leader counted before its divergence is checked': {
      ...REAL_CORE,
      handleFollowerFetch: (p, replicaId, brokerEpoch, fetch, nowMs) => {
        p.updateFollowerFetchState(replicaId, brokerEpoch, fetch.fetchOffset, nowMs);
        if (fetch.fetchOffset > p.logEndOffset) return { kind: 'error', errorCode: ErrorCode.OFFSET_OUT_OF_RANGE } satisfies FetchValidation;
        return validateFollowerFetch(p.leaderEpoch, p.log, fetch);
      },
      followerAction: (p, fetchOffset, answer) => (answer.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE
        ? { kind: 'backoff', errorCode: answer.errorCode }
        : REAL_CORE.followerAction(p, fetchOffset, answer)),
    },
    // Bug 3: offset commits acknowledged once the coordinator's own log has them.
    'offset commits written with acks=1': { ...REAL_CORE, coordinatorAcks: () => 1 },
    // A joining follower not counted towards the high watermark until the controller admits it (no maximal ISR).
    'the high watermark ignores a follower while it is proposed to join': { ...REAL_CORE, proposeIsr: () => {} },
  };

  for (const [name, core] of Object.entries(mutants)) {
    test(`mutation check: the simulation catches ${name}`, { timeout: 120_000 }, () => {
      const { failures } = runSeeds(core, MUTANT_SEEDS_MAX, true);
      assert.equal(failures.length, 1, `no seed of ${MUTANT_SEEDS_MAX} caught it`);
      process.stdout.write(`caught: ${failures[0]!.split('\n')[0]}\n`);
    });
  }
}
