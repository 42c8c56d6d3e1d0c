/**
 * KIP-848 consumer-group reconciliation under the seeded simulation
 * (consumer-group-simulator.ts), and mutation checks: bugs the coordinator
 * must not have, put into a subclass of the real ConsumerGroups, must each
 * be caught by some seed.
 *
 * Replay one schedule with its trace:
 *   CG_SEED=1234 node --test test/coordinator/consumer-group-simulation.test.ts
 * (add CG_MUTANT='<name>' to replay a mutant; CG_SEEDS / CG_STEPS for more.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ConsumerGroup, ConsumerGroups, type ConsumerGroupStep, type HeartbeatContext, type HeartbeatRequest,
} from '../../src/coordinator/group/index.ts';
import { ConsumerGroupSimulation, emptyConsumerSimStats, type ConsumerSimStats, type GroupsFactory } from './consumer-group-simulator.ts';

const SEEDS = Number(process.env.CG_SEEDS ?? 100);
const STEPS = Number(process.env.CG_STEPS ?? 300);
const MUTANT_SEEDS_MAX = 200;
const FAILURES_REPORTED_MAX = 5;

async function runSeeds(make: GroupsFactory | undefined, seeds: number, stopAtFirst: boolean, mutant = ''): Promise<{ failures: string[]; stats: ConsumerSimStats }> {
  const stats = emptyConsumerSimStats();
  const failures: string[] = [];
  for (let seed = 1; seed <= seeds; seed++) {
    try {
      const s = await new ConsumerGroupSimulation({ seed, steps: STEPS, makeGroups: make }).run();
      for (const k of Object.keys(stats) as (keyof ConsumerSimStats)[]) stats[k] += s[k];
    } catch (e) {
      const env = mutant === '' ? '' : `CG_MUTANT='${mutant}' `;
      failures.push(`${(e as Error).message}\n  replay: ${env}CG_SEED=${seed} node --test test/coordinator/consumer-group-simulation.test.ts`);
      if (stopAtFirst || failures.length >= FAILURES_REPORTED_MAX) break;
    }
  }
  return { failures, stats };
}

/** Bug 1: a partition of the target is handed out while another member still holds it (no wait for its revocation). */
class GivesBeforeRevoked extends ConsumerGroups {
  protected override step(group: ConsumerGroup | undefined, req: HeartbeatRequest, ctx: HeartbeatContext): ConsumerGroupStep {
    if (group === undefined) return super.step(group, req, ctx);
    const blind = group.clone();
    blind.currentPartitionEpoch = () => -1;
    return super.step(blind, req, ctx);
  }
}

/** Bug 2: a member's new subscription is taken as if nothing changed (no group epoch bump, no new target). */
class NoBumpOnSubscriptionChange extends ConsumerGroups {
  protected override step(group: ConsumerGroup | undefined, req: HeartbeatRequest, ctx: HeartbeatContext): ConsumerGroupStep {
    const known = group?.members.get(req.memberId);
    if (group === undefined || known === undefined || req.memberEpoch <= 0 || req.subscribedTopicNames === null) return super.step(group, req, ctx);
    return super.step(group, { ...req, subscribedTopicNames: known.subscribedTopicNames }, ctx);
  }
}

/** Bug 3: the answer (and the new state) is given as soon as the write is issued, not once it is durable. */
class AnswersBeforeDurable extends ConsumerGroups {
  protected override persist(groupId: string, records: Parameters<ConsumerGroups['persist']>[1], timers: Parameters<ConsumerGroups['persist']>[2], nowMs: number): Promise<number> {
    void super.persist(groupId, records, [], nowMs);
    if (records.length > 0) this.apply(groupId, records);
    return super.persist(groupId, [], timers, nowMs);
  }
}

/** Bug 4: a heartbeat that does not say what it owns is taken as owning nothing (so as having revoked everything). */
class MissingOwnedMeansNone extends ConsumerGroups {
  protected override step(group: ConsumerGroup | undefined, req: HeartbeatRequest, ctx: HeartbeatContext): ConsumerGroupStep {
    return super.step(group, req.topicPartitions === null && req.memberEpoch > 0 ? { ...req, topicPartitions: [] } : req, ctx);
  }
}

const mutants: Record<string, GroupsFactory> = {
  'a partition given before its owner revoked it': (deps) => new GivesBeforeRevoked(deps),
  'no group epoch bump on a subscription change': (deps) => new NoBumpOnSubscriptionChange(deps),
  'heartbeat answered before its records are durable': (deps) => new AnswersBeforeDurable(deps),
  'a heartbeat without owned partitions taken as owning none': (deps) => new MissingOwnedMeansNone(deps),
};

const replaySeed = process.env.CG_SEED;

if (replaySeed !== undefined) {
  test(`replay seed ${replaySeed}`, async () => {
    const mutant = process.env.CG_MUTANT === undefined ? undefined : mutants[process.env.CG_MUTANT];
    const sim = new ConsumerGroupSimulation({ seed: Number(replaySeed), steps: STEPS, trace: true, makeGroups: mutant });
    try {
      await sim.run();
    } finally {
      process.stdout.write(`${sim.traceLines.join('\n')}\nstats ${JSON.stringify(sim.stats)}\n`);
    }
  });
} else {
  test(`${SEEDS} seeded schedules keep partitions single-owned, epochs monotonic and the log faithful`, { timeout: 300_000 }, async () => {
    const started = performance.now();
    const { failures, stats } = await runSeeds(undefined, SEEDS, false);
    process.stdout.write(`simulated ${SEEDS} consumer-group schedules in ${((performance.now() - started) / 1000).toFixed(1)}s: ${JSON.stringify(stats)}\n`);
    assert.deepEqual(failures, [], failures.join('\n'));
    // The faults must happen, or the run proves nothing.
    assert.ok(stats.revocations > SEEDS, `revocations ${stats.revocations}`);
    assert.ok(stats.fenced > SEEDS / 4, `fenced ${stats.fenced}`);
    assert.ok(stats.reloads > SEEDS / 2, `reloads ${stats.reloads}`);
    assert.ok(stats.failedWrites > SEEDS / 4, `failed writes ${stats.failedWrites}`);
    assert.ok(stats.staticRejoins > SEEDS / 10, `static rejoins ${stats.staticRejoins}`);
    assert.ok(stats.partitionGrowth > SEEDS / 2, `partition growth ${stats.partitionGrowth}`);
    assert.ok(stats.crashes > SEEDS / 2, `crashes ${stats.crashes}`);
  });

  for (const [name, make] of Object.entries(mutants)) {
    test(`mutation check: the simulation catches ${name}`, { timeout: 120_000 }, async () => {
      const { failures } = await runSeeds(make, MUTANT_SEEDS_MAX, true, name);
      assert.ok(failures.length > 0, `no seed of ${MUTANT_SEEDS_MAX} caught it`);
      process.stdout.write(`caught: ${failures[0]!.split('\n')[0]}\n`);
    });
  }
}
