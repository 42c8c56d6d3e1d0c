/**
 * Fault scenarios against a 3-node cluster of real processes in a network
 * namespace (test/faults/harness.ts): leader isolation while an idempotent
 * producer retries, an ex-leader that returns and leads again, offset
 * commits while the group coordinator is cut off, a full disk, a second
 * process on a data dir already in use, and the isolation of the active
 * controller, and transactions while the transaction coordinator's node and
 * a data partition's leader are killed. Each scenario gets a fresh cluster;
 * on failure the nodes' logs are written under ARTIFACTS_DIR and their tails
 * added to the error.
 *
 * Topics are replication.factor=3, min.insync.replicas=2; producers are
 * librdkafka's idempotent acks=all producer (workload.py).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { tempDir } from '../helpers/broker.ts';
import { killAllChildren, startBrokerProcess } from '../helpers/processes.ts';
import { checkCommits, checkLog, checkTransactions, problemsOf, txnProblemsOf } from './checker.ts';
import {
  CLIENT_UID_MIN, IDEMPOTENT_PRODUCER, acksOf, clientErrorsOf, commitAcksOf, failuresOf, idempotenceStateOf, produceRequestsTo, summarize,
  transactionsOf, until, withCluster,
  type FaultCluster, type PartitionState, type Workload,
} from './harness.ts';

const SCENARIO_TIMEOUT_MS = 150_000;
const FAILOVER_TIMEOUT_MS = 30_000;
const STRICT = { 'min.insync.replicas': '2' };
const OFFSETS_TOPIC = '__consumer_offsets';
/** offsets.topic.num.partitions and transaction.state.log.num.partitions in FAST_CONFIG. */
const OFFSETS_PARTITIONS = 6;
const TRANSACTION_STATE_TOPIC = '__transaction_state';

after(() => killAllChildren());

/** Kafka's coordinator partition: Utils.abs(groupId.hashCode()) % partitions, with Java's String.hashCode over UTF-16 units. */
function partitionForGroup(group: string, partitions: number): number {
  let hash = 0;
  for (let i = 0; i < group.length; i++) hash = (Math.imul(31, hash) + group.charCodeAt(i)) | 0;
  return (hash & 0x7fffffff) % partitions;
}

function isOutOfOrder(line: string): boolean {
  return /OUT_OF_ORDER_SEQUENCE|out of order sequence/i.test(line);
}

/** Every failure a producer was told of, delivery or client-level, as one line each. */
function errorsSeenBy(w: Workload): string[] {
  return [
    ...failuresOf(w).map((f) => `${f.value}: ${f.error} ${f.message}`),
    ...clientErrorsOf(w).map((e) => `client${e.fatal ? ' (fatal)' : ''}: ${e.error} ${e.message}`),
    ...w.of('op_error').map((e) => `workload stopped: ${String(e.error)} ${String(e.message)}`),
  ];
}

/**
 * Creates the topic with a partition per node and returns one led by its preferred replica on a node that is
 * not the active controller: isolating the controller is another fault (scenario f); these are about a
 * partition's leader.
 */
async function partitionAwayFromController(cluster: FaultCluster, topic: string): Promise<{ partition: number; state: PartitionState }> {
  await cluster.createTopic(topic, 3, STRICT);
  const metadata = await cluster.metadata();
  const found = Object.entries(metadata.topics[topic]!.partitions).find(([, s]) => s.leader !== metadata.controller && s.leader === s.replicas[0]);
  assert.ok(found !== undefined, `a partition of ${topic} led by its preferred replica, not by the controller ${metadata.controller}`);
  return { partition: Number(found[0]), state: found[1] };
}

async function waitForAcks(w: Workload, atLeast: number, what: string, timeoutMs = 30_000): Promise<void> {
  await until(`${what} (${atLeast} acks)`, () => acksOf(w).length >= atLeast, { timeoutMs, context: () => `producer: ${summarize(w)}` });
}

test('a. an idempotent producer retrying batches through isolation of the leader: nothing acked is lost or duplicated, no OUT_OF_ORDER_SEQUENCE_NUMBER', { timeout: SCENARIO_TIMEOUT_MS }, () => withCluster({ name: 'a-retried-batch' }, async (cluster) => {
  const topic = 'retried';
  const { partition: p, state } = await partitionAwayFromController(cluster, topic);
  const leader = state.leader;
  const others = cluster.others(leader);
  // Short request timeouts make librdkafka resend the very batches the isolated leader holds; the long message
  // timeout keeps every record retrying until some leader takes it.
  const producer = cluster.workload({
    op: 'produce', bootstrap: cluster.bootstrap(), topic, tag: 'a', partitions: [p], rate: 200,
    config: { ...IDEMPOTENT_PRODUCER, 'request.timeout.ms': 2000, 'message.timeout.ms': 120_000 },
  });
  await waitForAcks(producer, 400, 'acks before the fault');

  await cluster.isolate(leader);
  const successor = await cluster.waitForLeader(topic, p, (l) => l !== leader, others, FAILOVER_TIMEOUT_MS);
  const failoverAt = Date.now();
  // The isolated node still believes it leads and tells the producer so: it answers REQUEST_TIMED_OUT once the
  // acks=all wait expires, and the producer sends the same batches (same sequence numbers) to it again.
  const sentBefore = produceRequestsTo(producer, leader);
  await until('the producer to resend batches to the isolated leader', () => produceRequestsTo(producer, leader) >= sentBefore + 5, { timeoutMs: FAILOVER_TIMEOUT_MS, context: () => summarize(producer) });

  // Every record acknowledged so far is on two replicas, so the successor has it: read it there, as a client
  // that cannot reach the isolated node.
  const ackedBefore = acksOf(producer);
  const reader = CLIENT_UID_MIN;
  await cluster.restrictClient(reader, [leader]);
  const onSuccessor = await cluster.readAllSettled(topic, [p], (r) => problemsOf(checkLog(ackedBefore, r)).length === 0, others, reader);
  assert.deepEqual(problemsOf(checkLog(ackedBefore, onSuccessor)), [],
    `node ${successor.leader} leads while node ${leader} is isolated (${ackedBefore.length} acked, ${ackedBefore.filter((a) => a.atMs > failoverAt).length} of them since the failover)`);

  await cluster.heal();
  await cluster.unrestrictClients();
  await waitForAcks(producer, acksOf(producer).length + 400, 'acks after healing', 45_000);
  await cluster.waitForLeader(topic, p, (_l, s) => s.isr.length === 3, [1, 2, 3], FAILOVER_TIMEOUT_MS);
  const finished = await producer.finish(60_000);
  assert.equal(finished.code, 0, finished.stderr);

  assert.deepEqual(errorsSeenBy(producer).filter(isOutOfOrder), [], 'the producer never saw OUT_OF_ORDER_SEQUENCE_NUMBER');
  // Transport errors (a connection that stalled and was dropped) are librdkafka's business; a failed delivery or a
  // fatal error is the producer's.
  const failed = [...failuresOf(producer).map((f) => `${f.value}: ${f.error}`), ...clientErrorsOf(producer).filter((e) => e.fatal).map((e) => `fatal: ${e.error} ${e.message}`)];
  assert.deepEqual(failed.slice(0, 10), [], `every record was acknowledged (${summarize(producer)})`);
  const acked = acksOf(producer);
  const check = checkLog(acked, await cluster.readAllSettled(topic, [p], (r) => problemsOf(checkLog(acked, r)).length === 0));
  assert.deepEqual(problemsOf(check), [], `after failover from node ${leader} to ${successor.leader} and back`);
  await cluster.waitForIdenticalReplicas(topic, [p]);
}));

test('b. a returning ex-leader: what it took while cut off is never acked and is gone once it leads again', { timeout: SCENARIO_TIMEOUT_MS }, () => withCluster({ name: 'b-returning-leader' }, async (cluster) => {
  const topic = 'returning';
  const { partition: p, state } = await partitionAwayFromController(cluster, topic);
  // Its leader is its preferred replica: leadership comes back to it by preferred leader election
  // (leader.imbalance.check.interval.seconds=1) once it is in sync again.
  const leader = state.leader;
  const others = cluster.others(leader);
  const producerConfig = { ...IDEMPOTENT_PRODUCER, 'request.timeout.ms': 3000 };

  const first = cluster.workload({ op: 'produce', bootstrap: cluster.bootstrap(), topic, tag: 'one', partitions: [p], count: 100, config: { ...producerConfig, 'message.timeout.ms': 30_000 } });
  await first.done;
  assert.equal(acksOf(first).length, 100, summarize(first));

  // These clients reach only the leader-to-be-isolated / only the others, so the 300 can land nowhere but on the
  // isolated leader, and the 50 nowhere but on its successor. The first gets its producer id before the isolation
  // (an isolated node cannot get producer id blocks from the controller).
  const toOldLeader = CLIENT_UID_MIN;
  const toOthers = CLIENT_UID_MIN + 1;
  await cluster.restrictClient(toOldLeader, others);
  await cluster.restrictClient(toOthers, [leader]);
  const cutOff = cluster.workload({
    op: 'produce', bootstrap: cluster.bootstrap([leader]), topic, tag: 'two', partitions: [p], count: 300, flush_timeout: 30, start_on_go: true,
    config: { ...producerConfig, 'message.timeout.ms': 10_000 },
  }, toOldLeader);
  await until('the cut-off producer to have its producer id', () => idempotenceStateOf(cutOff) === 'Assigned', { context: () => summarize(cutOff) });

  await cluster.isolate(leader);
  cutOff.go();
  const successor = await cluster.waitForLeader(topic, p, (l) => l !== leader, others, FAILOVER_TIMEOUT_MS);
  const third = cluster.workload({
    op: 'produce', bootstrap: cluster.bootstrap(others), topic, tag: 'three', partitions: [p], count: 50, config: { ...producerConfig, 'message.timeout.ms': 30_000 },
  }, toOthers);
  await Promise.all([cutOff.done, third.done]);
  const isolatedLog = cluster.replicaLogs(topic, p, [leader]).get(leader)!;
  assert.ok((isolatedLog.batches.at(-1)?.lastOffset ?? -1) >= 100, `the isolated leader appended some of the 300 (${summarize(cutOff)})`);
  assert.deepEqual(acksOf(cutOff).map((a) => `${a.value}@${a.offset}`).slice(0, 10), [], `nothing written only to the isolated leader is acknowledged (${summarize(cutOff)})`);
  assert.equal(acksOf(third).length, 50, `the new leader ${successor.leader} acknowledges the 50 (${summarize(third)})`);

  await cluster.heal();
  await cluster.unrestrictClients();
  await cluster.waitForLeader(topic, p, (_l, s) => s.isr.includes(leader), others, FAILOVER_TIMEOUT_MS);
  await cluster.waitForLeader(topic, p, (l) => l === leader, [1, 2, 3], FAILOVER_TIMEOUT_MS);

  const acked = [...acksOf(first), ...acksOf(cutOff), ...acksOf(third)];
  const read = await cluster.readAllSettled(topic, [p], (r) => problemsOf(checkLog(acked, r)).length === 0);
  assert.deepEqual(problemsOf(checkLog(acked, read)), [], `node ${leader} leading again`);
  const ackedValues = new Set(acked.map((a) => a.value));
  const phantoms = read.filter((r) => r.value.startsWith('two-') && !ackedValues.has(r.value));
  assert.deepEqual(phantoms.slice(0, 10).map((r) => `${r.value}@${r.offset}`), [], `none of the ${phantoms.length} unacknowledged records is visible`);
  assert.equal(read.length, 150);
  await cluster.waitForIdenticalReplicas(topic, [p]);
}));

test('c. offset commits while the group coordinator is isolated: the committed offset is never behind the last acknowledged commit', { timeout: SCENARIO_TIMEOUT_MS }, () => withCluster({ name: 'c-coordinator-isolation' }, async (cluster) => {
  const topic = 'to-consume';
  await cluster.createTopic(topic, 1, STRICT);
  const filler = cluster.workload({ op: 'produce', bootstrap: cluster.bootstrap(), topic, tag: 'c', partitions: [0], count: 4000, config: { ...IDEMPOTENT_PRODUCER, 'message.timeout.ms': 30_000 } });
  await filler.done;
  assert.equal(acksOf(filler).length, 4000, summarize(filler));
  const dataLeader = (await cluster.partitionState(topic, 0))!.leader;

  // Asking for a group's offsets creates __consumer_offsets. Then pick a group whose coordinator is neither the
  // input's leader (consuming goes on while the coordinator is cut off) nor the active controller (the test is
  // about commits, not controller failover).
  await cluster.committed('probe', topic, [0]).catch(() => null);
  const metadata = await until('__consumer_offsets with every partition led and in sync', async () => {
    const m = await cluster.metadata();
    const ps = Object.values(m.topics[OFFSETS_TOPIC]?.partitions ?? {});
    return ps.length === OFFSETS_PARTITIONS && ps.every((p) => p.leader > 0 && p.isr.length === 3) ? m : null;
  }, { timeoutMs: FAILOVER_TIMEOUT_MS });
  const leaderOf = (g: string): number => metadata.topics[OFFSETS_TOPIC]!.partitions[String(partitionForGroup(g, OFFSETS_PARTITIONS))]!.leader;
  const group = Array.from({ length: 100 }, (_, i) => `group-${i}`).find((g) => leaderOf(g) !== dataLeader && leaderOf(g) !== metadata.controller);
  assert.ok(group !== undefined, `a group coordinated by neither node ${dataLeader} nor the controller ${metadata.controller}`);
  const offsetsPartition = partitionForGroup(group, OFFSETS_PARTITIONS);
  const coordinator = leaderOf(group);

  const consumer = cluster.workload({ op: 'group_consume', bootstrap: cluster.bootstrap(), topic, group, commit_every: 20, max_rate: 150, config: { 'socket.timeout.ms': 10_000 } });
  await until('ten acknowledged commits', () => commitAcksOf(consumer).length >= 10, { timeoutMs: 30_000, context: () => `consumer: ${summarize(consumer)}` });

  await cluster.isolate(coordinator);
  const isolatedAt = Date.now();
  await cluster.waitForLeader(OFFSETS_TOPIC, offsetsPartition, (l) => l !== coordinator, cluster.others(coordinator), FAILOVER_TIMEOUT_MS);
  // Let the member try a few more commits against whichever coordinator it believes in (fewer is fine: one
  // commit may hang until its socket timeout).
  const attempts = (): number => consumer.events.filter((e) => (e.ev === 'commit' || e.ev === 'commit_fail') && (e.ms as number) > isolatedAt).length;
  await until('three commit attempts since the isolation', () => attempts() >= 3, { timeoutMs: 30_000 }).catch(() => null);
  consumer.kill();
  await consumer.done;
  const acked = commitAcksOf(consumer);
  assert.ok(acked.length > 0);

  // While still cut off, as a client that cannot reach the old coordinator sees it.
  const reader = CLIENT_UID_MIN + 2;
  await cluster.restrictClient(reader, [coordinator]);
  const duringIsolation = await cluster.committed(group, topic, [0], cluster.others(coordinator), reader);
  assert.deepEqual(checkCommits(acked, duringIsolation), [], `coordinator ${coordinator} isolated (${summarize(consumer)})`);

  await cluster.heal();
  await cluster.unrestrictClients();
  await cluster.waitForLeader(OFFSETS_TOPIC, offsetsPartition, (_l, s) => s.isr.length === 3, [1, 2, 3], FAILOVER_TIMEOUT_MS);
  const healed = await cluster.committed(group, topic, [0]);
  assert.deepEqual(checkCommits(acked, healed), [], 'after healing');
  await cluster.waitForIdenticalReplicas(OFFSETS_TOPIC, [offsetsPartition]);
}));

test('d. a full disk on one node: it keeps running, producing goes on through the others, every acknowledged record is read back', { timeout: SCENARIO_TIMEOUT_MS }, () => withCluster({ name: 'd-full-disk', tmpfs: { node: 3, sizeMb: 64 } }, async (cluster) => {
  const topic = 'filling';
  const full = 3;
  await cluster.createTopic(topic, 3, STRICT);
  // 8 KiB values: 64 MB fill in some 8000 records.
  const producer = cluster.workload({
    op: 'produce', bootstrap: cluster.bootstrap(), topic, tag: 'd', partitions: [0, 1, 2], rate: 1000, pad_bytes: 8192,
    config: { ...IDEMPOTENT_PRODUCER, 'request.timeout.ms': 5000, 'message.timeout.ms': 20_000 },
  });
  await until(`node ${full}'s data dir to fill up`, () => cluster.freeBytes(full) < 1024 * 1024, { timeoutMs: 60_000, intervalMs: 500, context: () => `free ${cluster.freeBytes(full)} bytes; producer: ${summarize(producer)}` });
  const fullAt = Date.now();

  // The partitions the other nodes lead go on taking writes: their ISR shrinks to the two nodes that can write.
  const state = await cluster.metadata(cluster.others(full));
  const partitionsOf = (pred: (leader: number) => boolean): number[] => Object.entries(state.topics[topic]!.partitions).filter(([, p]) => pred(p.leader)).map(([p]) => Number(p));
  const ledElsewhere = partitionsOf((l) => l !== full);
  const ackedSince = (p: number): number => acksOf(producer).filter((a) => a.partition === p && a.atMs > fullAt + 5000).length;
  await until(`acks on partitions ${ledElsewhere.join(',')} well after the disk filled`, () => ledElsewhere.every((p) => ackedSince(p) >= 100), {
    timeoutMs: 45_000, context: () => `acks since: ${[0, 1, 2].map(ackedSince).join(',')}; producer: ${summarize(producer)}`,
  });
  // New metadata while the disk is full: every voter appends it to its metadata log, and the full node, if it is
  // still registered, is handed replicas to create. (Replication factor 2: a node whose only log dir is offline
  // may rightly have left, as Kafka's does.)
  const created = await cluster.query({ op: 'create_topics', bootstrap: cluster.bootstrap(cluster.others(full)), topics: [{ name: 'after-full', partitions: 3, replication: 2 }] });
  assert.equal((created.results as Record<string, unknown>)['after-full'], null, `creating a topic: ${JSON.stringify(created)}`);
  await until('every partition of the new topic led', async () => {
    const ps = Object.values((await cluster.metadata(cluster.others(full))).topics['after-full']?.partitions ?? {});
    return ps.length === 3 && ps.every((s) => s.leader > 0);
  }, { timeoutMs: FAILOVER_TIMEOUT_MS });
  // Those the full node leads either moved to another replica, or answer KAFKA_STORAGE_ERROR (asked without retries).
  for (const p of partitionsOf((l) => l === full)) {
    const probe = cluster.workload({ op: 'produce', bootstrap: cluster.bootstrap(), topic, tag: 'probe', partitions: [p], count: 1, config: { ...IDEMPOTENT_PRODUCER, 'enable.idempotence': false, retries: 0, 'message.timeout.ms': 10_000 } });
    await probe.done;
    const answered = [...acksOf(probe).map(() => 'acked'), ...failuresOf(probe).map((f) => f.error)];
    assert.ok(answered[0] === 'acked' || answered[0] === 'KAFKA_STORAGE_ERROR', `partition ${p}, led by node ${full}, answered ${answered.join(',')}`);
  }
  assert.ok(cluster.isRunning(full), `node ${full} is still running: ${JSON.stringify(await cluster.exitOf(full))}`);
  const finished = await producer.finish(60_000);
  assert.equal(finished.code, 0, finished.stderr);
  assert.ok(cluster.isRunning(full), `node ${full} is still running after the workload: ${JSON.stringify(await cluster.exitOf(full))}`);

  // To read back what the full node led, take it away (as an operator replacing the disk would): its partitions
  // move to the in-sync replicas that hold them.
  await cluster.kill9(full);
  for (const p of [0, 1, 2]) await cluster.waitForLeader(topic, p, (l) => l !== full, cluster.others(full), FAILOVER_TIMEOUT_MS);
  const acked = acksOf(producer);
  const check = checkLog(acked, await cluster.readAllSettled(topic, [0, 1, 2], (r) => problemsOf(checkLog(acked, r)).length === 0, cluster.others(full)));
  assert.deepEqual(problemsOf(check), [], summarize(producer));
  await cluster.waitForIdenticalReplicas(topic, [0, 1, 2], [full]);
}));

test('e. a second `samsa start` on a data dir in use exits with code 2 and one line about the lock', { timeout: 60_000 }, async () => {
  const data = tempDir('samsa-lock-');
  const first = await startBrokerProcess(data.dir);
  try {
    const second = await runToExit(process.execPath, [join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts'), 'start', '--port', '0', '--data-dir', data.dir, '--override', 'metrics.listener=', '--override', 'console.listener='], 20_000);
    assert.equal(second.code, 2, `exit code (stdout: ${second.stdout.trim()}; stderr: ${second.stderr.trim()})`);
    const lines = second.stderr.trim().split('\n');
    assert.equal(lines.length, 1, second.stderr);
    assert.match(lines[0]!, /lock/i);
    assert.equal(first.child.exitCode, null, 'the first process is untouched');
  } finally {
    await first.stop();
    data.remove();
  }
});

/**
 * Controller requests in flight to a controller that the network cut off never answer: a broker must abandon
 * them when the quorum elects another, or the new controller hears no heartbeat and fences every broker.
 */
test('f. isolating the active controller: a new one is elected and the other brokers stay unfenced, leading every partition', {
  timeout: SCENARIO_TIMEOUT_MS,
}, () => withCluster({ name: 'f-controller-isolation' }, async (cluster) => {
  const topic = 'led';
  await cluster.createTopic(topic, 3, STRICT);
  const controller = (await cluster.metadata()).controller;
  const others = cluster.others(controller);
  await cluster.isolate(controller);
  // broker.session.timeout.ms (1.5 s) plus an election: well within 10 s.
  await until('a new controller, the other two brokers registered and leading every partition', async () => {
    const views = await Promise.all(others.map((id) => cluster.metadata([id])));
    return views.every((m) => m.controller !== controller && others.every((id) => m.brokers.includes(id)) &&
      Object.values(m.topics[topic]!.partitions).every((s) => others.includes(s.leader)));
  }, { timeoutMs: 10_000 });
  await cluster.heal();
  for (const p of [0, 1, 2]) await cluster.waitForLeader(topic, p, (_l, s) => s.isr.length === 3, [1, 2, 3], FAILOVER_TIMEOUT_MS);
}));

/**
 * Transactions while the transaction coordinator's node is killed (twice:
 * commits and aborts alternate, every third transaction aborts, so a kill
 * lands mid-commit or mid-abort) and a data partition's leader is killed:
 * afterwards every transaction is whole, what the coordinator confirmed
 * holds, and nothing stays open (the last stable offset reaches the end).
 */
test('g. transactions while the transaction coordinator and a data leader are killed: none torn, no aborted read, no committed record lost', {
  timeout: SCENARIO_TIMEOUT_MS,
}, () => withCluster({ name: 'g-transactions' }, async (cluster) => {
  const topic = 'txns';
  const transactionalId = 'g-txn';
  await cluster.createTopic(topic, 3, STRICT);
  const producer = cluster.workload({
    op: 'txn_produce', bootstrap: cluster.bootstrap(), topic, tag: 'g', partitions: [0, 1, 2], per_txn: 6, transactional_id: transactionalId,
    config: { ...IDEMPOTENT_PRODUCER, 'transaction.timeout.ms': 10_000, 'message.timeout.ms': 10_000, 'socket.timeout.ms': 3000 },
  });
  const ended = (): number => transactionsOf(producer).filter((t) => t.outcome !== 'unknown').length;
  const moreEnded = async (n: number, what: string): Promise<void> => {
    const target = ended() + n;
    await until(`${n} more transactions ${what}`, () => ended() >= target, { timeoutMs: 60_000, context: () => summarize(producer) });
  };
  await moreEnded(5, 'to start with');
  const statePartition = partitionForGroup(transactionalId, OFFSETS_PARTITIONS);
  for (const round of [1, 2]) {
    const coordinator = (await cluster.waitForLeader(TRANSACTION_STATE_TOPIC, statePartition, () => true)).leader;
    await cluster.kill9(coordinator);
    await moreEnded(3, `after killing the transaction coordinator (node ${coordinator}, round ${round})`);
    await cluster.restart(coordinator);
    await cluster.waitForLeader(TRANSACTION_STATE_TOPIC, statePartition, (_l, st) => st.isr.length === 3, [1, 2, 3], FAILOVER_TIMEOUT_MS);
  }
  const dataLeader = (await cluster.waitForLeader(topic, 0, () => true)).leader;
  await cluster.kill9(dataLeader);
  await moreEnded(3, `after killing partition 0's leader (node ${dataLeader})`);
  await cluster.restart(dataLeader);
  producer.stop();
  const finished = await producer.finish(60_000);
  assert.equal(finished.code, 0, finished.stderr);

  for (const p of [0, 1, 2]) await cluster.waitForLeader(topic, p, (_l, st) => st.isr.length === 3, [1, 2, 3], FAILOVER_TIMEOUT_MS);
  const txns = transactionsOf(producer);
  // read_committed reads to the last stable offset: it reaching the end is the proof that no transaction stays open.
  const committed = await cluster.readAllSettled(topic, [0, 1, 2], (r) => txnProblemsOf(checkTransactions(txns, r, r)).length === 0);
  const check = checkTransactions(txns, committed, await cluster.readAll(topic, [0, 1, 2], undefined, undefined, 'read_uncommitted'));
  assert.deepEqual(txnProblemsOf(check), [], summarize(producer));
  assert.ok(check.committed >= 10 && check.aborted >= 3, JSON.stringify({ ...check, lost: undefined }));
  await cluster.waitForIdenticalReplicas(topic, [0, 1, 2]);
}));

/**
 * Deterministically mid-commit and mid-abort: the transaction's data is
 * written, its partition's leader is paused so no marker can land, the
 * producer ends the transaction (answered once PrepareCommit/PrepareAbort is
 * replicated), and then the coordinator's node is killed. The coordinator
 * that takes over must finish what was decided: every record of the
 * committed transaction readable, none of the aborted one, nothing left open.
 */
test('h. the coordinator dies after deciding, before any marker is written: its successor finishes the commit and the abort', {
  timeout: SCENARIO_TIMEOUT_MS,
}, () => withCluster({ name: 'h-txn-decided' }, async (cluster) => {
  const topic = 'held';
  await cluster.createTopic(topic, 1, STRICT);
  const txnConfig = { ...IDEMPOTENT_PRODUCER, 'transaction.timeout.ms': 60_000, 'socket.timeout.ms': 3000 };
  const runTxn = (id: string, extra: Record<string, unknown>) => cluster.workload({
    op: 'txn_produce', bootstrap: cluster.bootstrap(), topic, tag: id.replace(/[^a-z0-9]/g, ''), partitions: [0], per_txn: 4, count: 1,
    transactional_id: id, config: txnConfig, ...extra,
  });
  const outcomeOf = (w: ReturnType<typeof runTxn>): string | undefined => transactionsOf(w)[0]?.outcome;
  // One transaction first: it creates __transaction_state, so coordinators can be told apart.
  const warm = runTxn('h-warm', {});
  await until('the warm-up transaction', () => outcomeOf(warm), { timeoutMs: 60_000, context: () => summarize(warm) });
  await warm.finish(30_000);
  for (const [round, abort] of [[1, false], [2, true]] as const) {
    const leader = (await cluster.waitForLeader(topic, 0, (_l, st) => st.isr.length === 3)).leader;
    // A transactional id whose coordinator is not the data partition's leader, so pausing one leaves the other.
    let id = '';
    let coordinator = -1;
    for (let i = 0; i < 100 && coordinator < 0; i++) {
      const candidate = `h-${round}-${i}`;
      const c = (await cluster.waitForLeader(TRANSACTION_STATE_TOPIC, partitionForGroup(candidate, OFFSETS_PARTITIONS), () => true)).leader;
      if (c !== leader) [id, coordinator] = [candidate, c];
    }
    assert.ok(coordinator > 0, 'a transactional id coordinated away from the data leader');
    const w = runTxn(id, { hold_before_end: true, abort });
    await until(`round ${round}: the records written`, () => w.of('held').length > 0, { timeoutMs: 60_000, context: () => summarize(w) });
    cluster.pause(leader);
    w.go();
    await until(`round ${round}: the ${abort ? 'abort' : 'commit'} decided`, () => outcomeOf(w), { timeoutMs: 60_000, context: () => summarize(w) });
    assert.equal(outcomeOf(w), abort ? 'aborted' : 'committed', summarize(w));
    await cluster.kill9(coordinator);
    cluster.resume(leader);
    await cluster.restart(coordinator);
    await w.finish(30_000);
    // A later committed transaction becomes readable only once the last stable offset passed the decided one.
    const after = runTxn(`h-after-${round}`, {});
    await until(`round ${round}: a later transaction committed`, () => outcomeOf(after) === 'committed', { timeoutMs: 60_000, context: () => summarize(after) });
    await after.finish(30_000);
    const decided = transactionsOf(w)[0]!.values;
    const later = transactionsOf(after)[0]!.values;
    const read = await until(`round ${round}: read_committed reaches the later transaction`, async () => {
      const values = new Set((await cluster.readAll(topic, [0])).map((r) => r.value));
      return later.every((v) => values.has(v)) ? values : null;
    }, { timeoutMs: 60_000 });
    assert.deepEqual(decided.filter((v) => read.has(v)), abort ? [] : decided, `round ${round}: the ${abort ? 'aborted' : 'committed'} records as read_committed sees them`);
    const everything = new Set((await cluster.readAll(topic, [0], undefined, undefined, 'read_uncommitted')).map((r) => r.value));
    assert.ok(decided.every((v) => everything.has(v)), 'read_uncommitted sees the data either way');
  }
}));

/** Runs a command until it exits; one that reports ready or still runs after `timeoutMs` is killed, and that is said on its stderr. */
function runToExit(command: string, args: readonly string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      stdout += s;
      if (!stdout.includes('samsa ready on')) return;
      stderr += '[started on a data dir in use: killed]';
      child.kill('SIGKILL');
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => {
      stderr += `[still running after ${timeoutMs} ms: killed]`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
