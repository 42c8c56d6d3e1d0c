/**
 * `npm run faults -- --minutes N --seed S [--rate R] [--client-debug eos,msg]`: a randomized fault run against a
 * 3-node cluster in a network namespace (test/faults/harness.ts). Must run as
 * root (namespaces, iptables, per-node uids).
 *
 * While an idempotent acks=all producer and a consumer group with manual
 * commits run, the nemesis injects one fault at a time, chosen and timed by
 * a seeded PRNG: kill -9 and restart of a node, SIGSTOP/SIGCONT, a partition
 * between two nodes, the isolation of one. At the end it heals everything,
 * lets the cluster settle, runs the checker (test/faults/checker.ts) and
 * prints a summary. The same seed gives the same schedule of faults (not the
 * same interleaving: the processes are real).
 *
 * Exit status: 0 when every check holds, 1 on any violation (lost,
 * duplicated, misplaced or reordered records, committed offsets behind an
 * acknowledged commit, replicas that differ, a fatal producer error), 2 when the run itself failed.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { seededRandom, type Rng } from '../test/helpers/random.ts';
import { checkCommits, checkLog, longestGap, problemsOf, type LogCheck } from '../test/faults/checker.ts';
import {
  ARTIFACTS_DIR, FaultCluster, IDEMPOTENT_PRODUCER, NODE_IDS, acksOf, clientErrorsOf, commitAcksOf, failuresOf, summarize, until,
  type NemesisKind, type Workload,
} from '../test/faults/harness.ts';

const TOPIC = 'faults';
const PARTITIONS = [0, 1, 2];
const GROUP = 'faults-group';
/** Records per second the producer offers unless --rate says otherwise. */
const PRODUCE_RATE_PER_S = 300;
const RATE_MAX = 100_000;
const SETTLE_TIMEOUT_MS = 90_000;
const FINISH_TIMEOUT_MS = 120_000;
const MINUTES_MAX = 24 * 60;

type FaultKind = 'kill9' | 'pause' | 'partition' | 'isolate';

/** Every parameter of the schedule; printed at the start, all drawn from the seed. */
interface Plan {
  seed: number;
  minutes: number;
  weights: Record<FaultKind, number>;
  holdMsMin: number;
  holdMsMax: number;
  quietMsMin: number;
  quietMsMax: number;
  /** Records per second the producer offers (over all partitions). */
  rate: number;
  /** librdkafka debug contexts for the producer (e.g. "eos,msg"), written with the node logs. */
  clientDebug: string | null;
}

function planOf(seed: number, minutes: number): Plan {
  return {
    seed, minutes, rate: PRODUCE_RATE_PER_S,
    weights: { kill9: 1, pause: 1, partition: 1, isolate: 1 },
    holdMsMin: 1000, holdMsMax: 8000,
    quietMsMin: 2000, quietMsMax: 6000,
    clientDebug: null,
  };
}

function between(rng: Rng, min: number, max: number): number {
  return Math.floor(min + rng() * (max - min + 1));
}

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)]!;
}

function pickKind(rng: Rng, weights: Record<FaultKind, number>): FaultKind {
  const kinds = Object.keys(weights) as FaultKind[];
  let roll = rng() * kinds.reduce((sum, k) => sum + weights[k], 0);
  for (const k of kinds) {
    roll -= weights[k];
    if (roll < 0) return k;
  }
  return kinds[kinds.length - 1]!;
}

/** The nemesis's schedule is made of timed holds: how long a fault lasts is the point, not a condition to wait for. */
function hold(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function stamp(): string {
  return new Date().toISOString().slice(11, 23);
}

/** One fault: inject, hold, undo; printed as it starts. A restart that fails is reported, and tried again when the run ends. */
async function inject(cluster: FaultCluster, rng: Rng, plan: Plan, kind: FaultKind): Promise<void> {
  const node = pick(rng, NODE_IDS);
  const holdMs = between(rng, plan.holdMsMin, plan.holdMsMax);
  const other = pick(rng, cluster.others(node));
  const say = (what: string): void => console.log(`${stamp()} ${what} for ${holdMs} ms`);
  if (kind === 'kill9') {
    say(`kill -9 node ${node}, restart`);
    await cluster.kill9(node);
    await hold(holdMs);
    await cluster.restart(node).catch((e: Error) => console.log(`${stamp()} restart of node ${node} failed: ${e.message}`));
  } else if (kind === 'pause') {
    say(`SIGSTOP node ${node}`);
    cluster.pause(node);
    await hold(holdMs);
    cluster.resume(node);
  } else if (kind === 'isolate') {
    say(`isolate node ${node}`);
    await cluster.isolate(node);
    await hold(holdMs);
    await cluster.heal();
  } else {
    say(`partition ${node}|${other}`);
    await cluster.partition(node, other);
    await hold(holdMs);
    await cluster.heal();
  }
}

async function nemesis(cluster: FaultCluster, plan: Plan): Promise<Map<FaultKind, number>> {
  const rng = seededRandom(plan.seed);
  const injected = new Map<FaultKind, number>();
  const deadline = Date.now() + plan.minutes * 60_000;
  while (Date.now() < deadline) {
    await hold(between(rng, plan.quietMsMin, plan.quietMsMax));
    if (Date.now() >= deadline) break;
    const kind = pickKind(rng, plan.weights);
    injected.set(kind, (injected.get(kind) ?? 0) + 1);
    await inject(cluster, rng, plan, kind);
  }
  return injected;
}

/** Undoes whatever is still in force and waits until every partition has all three replicas in sync. */
async function settle(cluster: FaultCluster): Promise<string | null> {
  await cluster.heal();
  for (const id of NODE_IDS) if (cluster.isPaused(id)) cluster.resume(id);
  for (const id of NODE_IDS) if (!cluster.isRunning(id)) await cluster.restart(id).catch((e: Error) => console.log(`restart of node ${id} failed: ${e.message}`));
  try {
    await until('every partition in sync on all three nodes', async () => {
      const ps = Object.values((await cluster.metadata()).topics[TOPIC]?.partitions ?? {});
      return ps.length === PARTITIONS.length && ps.every((p) => p.leader > 0 && p.isr.length === 3);
    }, { timeoutMs: SETTLE_TIMEOUT_MS });
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

interface Verdict {
  log: LogCheck;
  commitProblems: string[];
  replicaProblems: string[];
}

async function verify(cluster: FaultCluster, producer: Workload, consumer: Workload): Promise<Verdict> {
  const log = checkLog(acksOf(producer), await cluster.readAll(TOPIC, PARTITIONS));
  const commitProblems = checkCommits(commitAcksOf(consumer), await cluster.committed(GROUP, TOPIC, PARTITIONS));
  let replicaProblems: string[] = [];
  await cluster.waitForIdenticalReplicas(TOPIC, PARTITIONS).catch((e: Error) => (replicaProblems = [e.message]));
  return { log, commitProblems, replicaProblems };
}

/** A fatal librdkafka error (e.g. OUT_OF_ORDER_SEQUENCE_NUMBER) kills the producer: Kafka's brokers must never cause one. */
function fatalErrorsOf(producer: Workload): string[] {
  return clientErrorsOf(producer).filter((e) => e.fatal).map((e) => `fatal ${e.error} at ${new Date(e.atMs).toISOString()}: ${e.message}`);
}

interface Clients {
  producer: Workload;
  consumer: Workload;
}

function printSummary(cluster: FaultCluster, plan: Plan, injected: Map<FaultKind, number>, { producer, consumer }: Clients, verdict: Verdict, runMs: { from: number; to: number }): void {
  const kinds = new Map<NemesisKind, number>();
  for (const e of cluster.nemesis) kinds.set(e.kind, (kinds.get(e.kind) ?? 0) + 1);
  const failures = new Map<string, number>();
  for (const f of failuresOf(producer)) failures.set(f.error, (failures.get(f.error) ?? 0) + 1);
  const acks = acksOf(producer);
  const gap = longestGap(acks.map((a) => a.atMs), runMs.from, runMs.to);
  const perPartition = PARTITIONS.map((p) => `${p}: ${longestGap(acks.filter((a) => a.partition === p).map((a) => a.atMs), runMs.from, runMs.to).ms} ms`);
  const lines = [
    '', '=== summary',
    `seed ${plan.seed}, ${plan.minutes} min`,
    `operations: ${cluster.nemesis.length} (${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')})`,
    `faults injected: ${[...injected].map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}`,
    `producer: ${summarize(producer)}`,
    `consumer group: ${summarize(consumer)}`,
    `acked ${verdict.log.acked} (${verdict.log.ackedWithoutOffset.length} without an offset), read ${verdict.log.read}, lost ${verdict.log.lost.length}, duplicated ${verdict.log.duplicated.length}`,
    `delivery failures: ${[...failures].map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}`,
    `longest time with no ack: ${gap.ms} ms (${new Date(gap.fromMs).toISOString()} .. ${new Date(gap.toMs).toISOString()}); by partition ${perPartition.join(', ')}`,
    ...problemsOf(verdict.log).map((p) => `VIOLATION ${p}`),
    ...verdict.commitProblems.map((p) => `VIOLATION commit: ${p}`),
    ...verdict.replicaProblems.map((p) => `VIOLATION replicas: ${p}`),
    ...fatalErrorsOf(producer).map((p) => `VIOLATION producer: ${p}`),
  ];
  console.log(lines.join('\n'));
}

function parsePlan(): Plan {
  const { values } = parseArgs({ options: { minutes: { type: 'string', default: '2' }, seed: { type: 'string' }, rate: { type: 'string' }, 'client-debug': { type: 'string' } } });
  const minutes = Number(values.minutes);
  if (!(minutes > 0 && minutes <= MINUTES_MAX)) throw new Error(`--minutes expects a number in (0, ${MINUTES_MAX}], got '${values.minutes}'`);
  const seed = values.seed === undefined ? Math.floor(Math.random() * 0x7fffffff) : Number(values.seed);
  if (!Number.isInteger(seed)) throw new Error(`--seed expects an integer, got '${values.seed}'`);
  const rate = values.rate === undefined ? PRODUCE_RATE_PER_S : Number(values.rate);
  if (!(Number.isInteger(rate) && rate > 0 && rate <= RATE_MAX)) throw new Error(`--rate expects an integer in [1, ${RATE_MAX}], got '${values.rate}'`);
  return { ...planOf(seed, minutes), rate, clientDebug: values['client-debug'] ?? null };
}

async function main(): Promise<number> {
  const plan = parsePlan();
  console.log(`faults: ${JSON.stringify(plan)}`);
  const cluster = await FaultCluster.start({ name: `faults-seed-${plan.seed}` });
  const stop = (): void => {
    void cluster.stop().finally(() => process.exit(2));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const debugFile = join(ARTIFACTS_DIR, `faults-seed-${plan.seed}-producer-${Date.now()}.stderr`);
  if (plan.clientDebug !== null) console.log(`librdkafka debug output of the producer in ${debugFile}`);
  try {
    await cluster.createTopic(TOPIC, PARTITIONS.length, { 'min.insync.replicas': '2' });
    const producer = cluster.workload({
      op: 'produce', bootstrap: cluster.bootstrap(), topic: TOPIC, tag: 'f', partitions: PARTITIONS, rate: plan.rate, flush_timeout: 100,
      config: { ...IDEMPOTENT_PRODUCER, 'request.timeout.ms': 3000, 'message.timeout.ms': 90_000, ...(plan.clientDebug === null ? {} : { debug: plan.clientDebug }) },
      ...(plan.clientDebug === null ? {} : { stderr_file: debugFile }),
    });
    const consumer = cluster.workload({ op: 'group_consume', bootstrap: cluster.bootstrap(), topic: TOPIC, group: GROUP, commit_every: 50, config: { 'socket.timeout.ms': 10_000 } });
    const from = Date.now();
    const injected = await nemesis(cluster, plan);
    const to = Date.now();
    const unsettled = await settle(cluster);
    if (unsettled !== null) console.log(`the cluster did not settle: ${unsettled}`);
    await producer.finish(FINISH_TIMEOUT_MS);
    await consumer.finish(30_000);
    const verdict = await verify(cluster, producer, consumer);
    printSummary(cluster, plan, injected, { producer, consumer }, verdict, { from, to });
    console.log(`node logs and client events in ${await cluster.dump(`seed ${plan.seed}`)}`);
    const violated = problemsOf(verdict.log).length + verdict.commitProblems.length + verdict.replicaProblems.length + fatalErrorsOf(producer).length > 0;
    return violated ? 1 : 0;
  } catch (e) {
    console.log(`faults run failed: ${(e as Error).stack ?? String(e)}\nnode logs in ${await cluster.dump(String(e))}\n${cluster.tails(20)}`);
    return 2;
  } finally {
    await cluster.stop();
  }
}

process.exitCode = await main();
