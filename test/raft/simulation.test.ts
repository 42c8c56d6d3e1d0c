/**
 * Seeded simulation of 3- and 5-voter quorums (plus observers) under drops,
 * delays, duplicates, reordering, partitions, crashes with torn writes and
 * clock skew; invariants are checked after every tick (see simulator.ts).
 *
 * Replay one schedule with its trace:
 *   RAFT_SEED=1234 node --test test/raft/simulation.test.ts
 * (the cluster shape follows from the seed; RAFT_TICKS overrides the length).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RaftNode, type PersistedState, type QuorumStatus, type RaftConfig } from '../../src/raft/core/index.ts';
import { emptyStats, Simulation, type SimOptions, type SimStats } from './simulator.ts';

const SCHEDULES = 10_000;
const TICKS_PER_SCHEDULE = Number(process.env.RAFT_TICKS ?? 800);
const FAILURES_REPORTED_MAX = 5;

/** The cluster shape is a function of the seed, so a seed alone replays a schedule. */
export function optionsFor(seed: number, trace = false): SimOptions {
  const voterCount = seed % 2 === 0 ? 3 : 5;
  const observerCount = 1 + (seed % 3 === 0 ? 1 : 0);
  return { seed, voterCount, observerCount, ticks: TICKS_PER_SCHEDULE, trace };
}

function addStats(total: SimStats, more: SimStats): void {
  for (const key of Object.keys(total) as (keyof SimStats)[]) total[key] += more[key];
}

const replaySeed = process.env.RAFT_SEED;

if (replaySeed !== undefined) {
  test(`replay seed ${replaySeed}`, () => {
    const options = optionsFor(Number(replaySeed), true);
    const simulation = new Simulation(options);
    try {
      simulation.run();
    } finally {
      process.stdout.write(`${simulation.traceLines.join('\n')}\n`);
      process.stdout.write(`stats ${JSON.stringify(simulation.stats)}\n`);
    }
  });
} else {
  test(`${SCHEDULES} seeded schedules keep every invariant`, () => {
    const total = emptyStats();
    const failures: string[] = [];
    const started = performance.now();
    for (let seed = 1; seed <= SCHEDULES; seed++) {
      try {
        addStats(total, new Simulation(optionsFor(seed)).run());
      } catch (error) {
        const options = optionsFor(seed);
        failures.push(`seed ${seed} (${options.voterCount} voters, ${options.observerCount} observers): ` +
          `${(error as Error).message}\n  replay: RAFT_SEED=${seed} node --test test/raft/simulation.test.ts`);
        if (failures.length >= FAILURES_REPORTED_MAX) break;
      }
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    process.stdout.write(`simulated ${SCHEDULES} schedules in ${seconds}s: ${JSON.stringify(total)}\n`);
    assert.deepEqual(failures, [], failures.join('\n'));

    // The faults must actually happen, or the run proves nothing.
    assert.ok(total.elections > SCHEDULES, `elections ${total.elections}`);
    assert.ok(total.truncations > 1000, `truncations ${total.truncations}`);
    assert.ok(total.snapshotInstalls > 1000, `snapshot installs ${total.snapshotInstalls}`);
    assert.ok(total.snapshotsTaken > 1000, `snapshots taken ${total.snapshotsTaken}`);
    assert.ok(total.crashes > 1000, `crashes ${total.crashes}`);
    assert.ok(total.tornWrites > 1000, `torn writes ${total.tornWrites}`);
    assert.ok(total.partitions > 1000, `partitions ${total.partitions}`);
    assert.ok(total.resignations > 1000, `resignations ${total.resignations}`);
    assert.ok(total.forcedElections > 1000, `forced elections ${total.forcedElections}`);
    assert.ok(total.calmPhases > SCHEDULES, `calm phases ${total.calmPhases}`);
    assert.ok(total.calmWithVotersDown > SCHEDULES / 4, `calm phases with voters down ${total.calmWithVotersDown}`);
    assert.ok(total.committedEntries > 100 * SCHEDULES / 2, `committed entries ${total.committedEntries}`);
    assert.ok(total.messagesDropped > 0 && total.messagesDelivered > total.messagesDropped, 'messages flow and drop');
    assert.ok(total.caughtUp > SCHEDULES * 3, `nodes caught up ${total.caughtUp}`);
  });

  /** Bugs the simulation must catch, each put back into the core. */
  const mutants: Record<string, (config: RaftConfig, persisted: PersistedState) => RaftNode> = {
    // A restarted node publishing what its own log says at once (the broker then led partitions that had moved).
    'a restarted node that says it caught up before hearing from a leader': (config, persisted) => new (class extends RaftNode {
      override status(): QuorumStatus {
        return { ...super.status(), caughtUp: true };
      }
    })(config, persisted),
    // A new leader sending the high watermark it had as a follower, below what the previous leader committed.
    'a new leader that answers fetches with its old high watermark': (config, persisted) => {
      const node = new RaftNode(config, persisted);
      const internals = node as unknown as { highWatermark: number; answeredHighWatermark(): number };
      internals.answeredHighWatermark = () => internals.highWatermark;
      return node;
    },
  };
  const MUTANT_SEEDS_MAX = 2_000;
  for (const [name, newNode] of Object.entries(mutants)) {
    test(`mutation check: the simulation catches ${name}`, { timeout: 120_000 }, () => {
      let caught: string | null = null;
      for (let seed = 1; seed <= MUTANT_SEEDS_MAX && caught === null; seed++) {
        try {
          new Simulation({ ...optionsFor(seed), newNode }).run();
        } catch (error) {
          caught = `seed ${seed}: ${(error as Error).message}`;
        }
      }
      assert.ok(caught !== null, `no seed of ${MUTANT_SEEDS_MAX} caught it`);
      process.stdout.write(`caught: ${caught}\n`);
    });
  }
}
