/**
 * `npm run availability [-- --hold-seconds 30]`: how long partitions are
 * unavailable after each kind of fault, measured as a client sees it. For
 * each fault a fresh 3-node cluster (test/faults/harness.ts, the short
 * timeouts of FAST_CONFIG) runs an idempotent acks=all producer at a steady
 * rate over three partitions (replication.factor=3, min.insync.replicas=2);
 * the fault is injected once the producer is flowing, held, then healed; the
 * result is the longest time each partition went without an acknowledgement
 * around the fault. Must run as root (namespaces, iptables).
 *
 * Unavailability is bounded by the configs that detect a fault: a dead or
 * silent broker is fenced after broker.session.timeout.ms and its
 * leaderships move at once; a controller cut off from the voters resigns
 * after controller.quorum.fetch.timeout.ms and another is elected within
 * controller.quorum.election.timeout.ms; a leader cut off from its
 * followers keeps leading (and refusing acks=all writes) until its session
 * expires, and a follower leaves the ISR after replica.lag.time.max.ms.
 */
import { parseArgs } from 'node:util';
import { longestGap } from '../test/faults/checker.ts';
import { FAST_CONFIG, FaultCluster, IDEMPOTENT_PRODUCER, acksOf, until, type Workload } from '../test/faults/harness.ts';

const TOPIC = 'availability';
const PARTITIONS = [0, 1, 2];
const RATE_PER_S = 300;
/** Acknowledgements before the fault, so the producer is known to be flowing. */
const WARM_ACKS = 600;
/** Measured after the fault ends, so a slow recovery is counted too. */
const AFTER_MS = 15_000;

interface Fault {
  name: string;
  /** Injects the fault; returns what heals it. */
  inject(cluster: FaultCluster, target: { leader: number; controller: number }): Promise<() => Promise<void>>;
}

function faults(holdMs: number): Fault[] {
  return [
    {
      name: 'kill -9 of partition 0\'s leader (restarted after the hold)',
      inject: async (c, t) => {
        await c.kill9(t.leader);
        return () => c.restart(t.leader);
      },
    },
    {
      name: 'kill -9 of the active controller (restarted after the hold)',
      inject: async (c, t) => {
        await c.kill9(t.controller);
        return () => c.restart(t.controller);
      },
    },
    {
      name: `partition 0's leader cut off from the other nodes for ${holdMs / 1000} s`,
      inject: async (c, t) => {
        await c.isolate(t.leader);
        return () => c.heal();
      },
    },
    {
      name: `the active controller cut off from the other nodes for ${holdMs / 1000} s`,
      inject: async (c, t) => {
        await c.isolate(t.controller);
        return () => c.heal();
      },
    },
    {
      name: `SIGSTOP of partition 0's leader for ${holdMs / 1000} s`,
      inject: async (c, t) => {
        c.pause(t.leader);
        return async () => c.resume(t.leader);
      },
    },
  ];
}

async function measure(fault: Fault, holdMs: number): Promise<string> {
  const cluster = await FaultCluster.start({ name: 'availability' });
  let producer: Workload | null = null;
  try {
    await cluster.createTopic(TOPIC, PARTITIONS.length, { 'min.insync.replicas': '2' });
    producer = cluster.workload({
      op: 'produce', bootstrap: cluster.bootstrap(), topic: TOPIC, tag: 'a', partitions: PARTITIONS, rate: RATE_PER_S, flush_timeout: 60,
      config: { ...IDEMPOTENT_PRODUCER, 'request.timeout.ms': 3000, 'message.timeout.ms': 120_000 },
    });
    const p = producer;
    await until('the producer flowing', () => acksOf(p).length >= WARM_ACKS, { timeoutMs: 60_000 });
    const metadata = await cluster.metadata();
    const leader = metadata.topics[TOPIC]!.partitions['0']!.leader;
    const target = { leader, controller: metadata.controller };
    const from = Date.now();
    const heal = await fault.inject(cluster, target);
    await new Promise((resolve) => setTimeout(resolve, holdMs));
    await heal();
    const healedAt = Date.now();
    await until('acknowledgements again on every partition', () => PARTITIONS.every((q) => acksOf(p).some((a) => a.partition === q && a.atMs > healedAt)), { timeoutMs: 120_000 });
    await new Promise((resolve) => setTimeout(resolve, AFTER_MS));
    const to = Date.now();
    const gaps = PARTITIONS.map((q) => longestGap(acksOf(p).filter((a) => a.partition === q).map((a) => a.atMs), from - 1000, to));
    const worst = Math.max(...gaps.map((g) => g.ms));
    return `| ${fault.name} | node ${fault.name.includes('controller') ? target.controller : target.leader}${target.leader === target.controller ? ' (leader and controller)' : ''} | ` +
      `${gaps.map((g) => (g.ms / 1000).toFixed(1)).join(' / ')} | ${(worst / 1000).toFixed(1)} |`;
  } finally {
    await producer?.finish(30_000).catch(() => undefined);
    await cluster.stop();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'hold-seconds': { type: 'string', default: '30' } } });
  const holdMs = Number(values['hold-seconds']) * 1000;
  if (!(holdMs > 0 && holdMs <= 600_000)) throw new Error(`--hold-seconds expects (0, 600], got '${values['hold-seconds']}'`);
  console.log(`configs: ${Object.entries(FAST_CONFIG).map(([k, v]) => `${k}=${v}`).join(', ')}`);
  console.log(`producer: idempotent, acks=all, request.timeout.ms=3000, ${RATE_PER_S} records/s over partitions ${PARTITIONS.join(', ')}\n`);
  console.log('| fault | target | longest without an ack, partitions 0 / 1 / 2 (s) | worst (s) |');
  console.log('|---|---|---|---|');
  for (const fault of faults(holdMs)) console.log(await measure(fault, holdMs));
}

await main();
