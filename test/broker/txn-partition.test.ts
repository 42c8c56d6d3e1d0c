/**
 * Transactions on one partition replica, driven through the real Partition
 * and ProducerStateManager: transaction tracking, Kafka's marker and epoch
 * checks, the last stable offset on leader and follower (held back until
 * the marker is replicated), aborted transactions indexed with their last
 * stable offset, truncation, and producer snapshots carrying an open
 * transaction across a restart.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Partition, ProducerStateManager, decodeProducerSnapshot } from '../../src/broker/index.ts';
import { resolveBrokerConfig, topicConfig, type TopicConfig } from '../../src/metadata/index.ts';
import { ErrorCode } from '../../src/protocol/index.ts';
import { ControlRecordType, RecordBatch, buildEndTxnMarkerBatch, buildRecordBatch } from '../../src/records/index.ts';
import { LOG_CONFIG_DEFAULTS, PartitionLog } from '../../src/storage/index.ts';
import { MemoryLog } from './memory-log.ts';
import { ManualClock, tempDir } from '../storage/helpers.ts';

const TIMEOUT = { timeout: 30_000 };
const TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAQ';
const LEADER = 1;
const FOLLOWER = 2;

function config(): TopicConfig {
  const broker = resolveBrokerConfig({ 'log.dirs': '/nonexistent' });
  if (!broker.ok) throw new Error(broker.error);
  const topic = topicConfig(broker.config, {});
  if (!topic.ok) throw new Error(topic.error);
  return topic.config;
}

interface Producer {
  id: bigint;
  epoch: number;
  seq: number;
}

function data(p: Producer | null, count: number, transactional: boolean): Buffer {
  const records = Array.from({ length: count }, (_, i) => ({ key: null, value: Buffer.from(`v${i}`), timestamp: 1000n }));
  if (p === null) return buildRecordBatch(records);
  const batch = buildRecordBatch(records, { producerId: p.id, producerEpoch: p.epoch, baseSequence: p.seq, isTransactional: transactional });
  p.seq += count;
  return batch;
}

function marker(p: Producer, commit: boolean, coordinatorEpoch = 0, epoch = p.epoch): Buffer {
  return buildEndTxnMarkerBatch({ type: commit ? ControlRecordType.COMMIT : ControlRecordType.ABORT, coordinatorEpoch }, 1000n, {
    producerId: p.id, producerEpoch: epoch,
  });
}

/** A leader on node 1 with node 2 in its ISR, so the high watermark waits for the follower's fetches. */
function pair(): { leader: Partition<MemoryLog>; follower: Partition<MemoryLog>; replicate(): void } {
  const state = { leaderId: LEADER, leaderEpoch: 1, partitionEpoch: 1, replicas: [LEADER, FOLLOWER], isr: [LEADER, FOLLOWER] };
  const load = (log: MemoryLog): ProducerStateManager => ProducerStateManager.fromLog(log);
  const leader = new Partition<MemoryLog>('t', TOPIC_ID, 0, LEADER, new MemoryLog(), config(), state, 0, (l) => load(l as MemoryLog));
  const follower = new Partition<MemoryLog>('t', TOPIC_ID, 0, FOLLOWER, new MemoryLog(), config(), state, 0, (l) => load(l as MemoryLog));
  // One fetch round: the follower copies what it lacks, the leader counts its position, the follower learns the high watermark.
  const replicate = (): void => {
    const from = follower.logEndOffset;
    const { records } = leader.log.read(from, 1 << 20, leader.logEndOffset, true);
    if (records !== null) follower.appendAsFollower(records);
    leader.updateFollowerFetchState(FOLLOWER, 1n, follower.logEndOffset, 0);
    follower.updateFollowerHighWatermark(leader.highWatermark);
  };
  return { leader, follower, replicate };
}

function append(p: Partition<MemoryLog>, records: Buffer, origin: 'client' | 'coordinator' = 'client') {
  return p.appendAsLeader(records, 1000, false, origin);
}

test('the last stable offset stops at an open transaction and passes it only once the marker is replicated', TIMEOUT, () => {
  const { leader, follower, replicate } = pair();
  const p: Producer = { id: 10n, epoch: 0, seq: 0 };
  append(leader, data(null, 2, false)); // 0..1
  assert.equal(append(leader, data(p, 2, true)).kind, 'appended'); // 2..3: the transaction starts at 2
  append(leader, data(null, 1, false)); // 4
  assert.equal(leader.highWatermark, 0);
  assert.equal(leader.lastStableOffset, 0, 'never above the high watermark');
  replicate();
  assert.equal(leader.highWatermark, 5);
  assert.equal(leader.lastStableOffset, 2);
  assert.equal(follower.lastStableOffset, 2, 'the follower tracks it from the same batches');
  assert.equal(append(leader, marker(p, true), 'coordinator').kind, 'appended'); // 5
  assert.equal(leader.producers.ongoingTxnCount, 0);
  assert.equal(leader.lastStableOffset, 2, 'committed, but the marker is not replicated yet');
  replicate();
  assert.equal(leader.highWatermark, 6);
  assert.equal(leader.lastStableOffset, 6);
  assert.equal(follower.lastStableOffset, 6);
  assert.deepEqual(leader.log.collectAbortedTxns(0, 100), [], 'a commit is not indexed');
});

test('an abort is indexed where its marker is, with the last stable offset right after it; the follower indexes it too', TIMEOUT, () => {
  const { leader, follower, replicate } = pair();
  const a: Producer = { id: 1n, epoch: 0, seq: 0 };
  const b: Producer = { id: 2n, epoch: 0, seq: 0 };
  append(leader, data(a, 1, true)); // 0
  append(leader, data(b, 1, true)); // 1
  append(leader, data(a, 1, true)); // 2
  append(leader, marker(a, false), 'coordinator'); // 3: b's transaction (from 1) is still open
  append(leader, marker(b, false), 'coordinator'); // 4: none open
  replicate();
  const expected = [
    { producerId: 1n, firstOffset: 0, lastOffset: 3, lastStableOffset: 1 },
    { producerId: 2n, firstOffset: 1, lastOffset: 4, lastStableOffset: 5 },
  ];
  assert.deepEqual(leader.log.collectAbortedTxns(0, 5), expected);
  assert.deepEqual(follower.log.collectAbortedTxns(0, 5), expected);
  assert.deepEqual(leader.log.collectAbortedTxns(4, 5), [expected[1]]);
  assert.equal(leader.lastStableOffset, 5);
});

test('Kafka\'s checks: stale marker and coordinator epochs, writes outside a transaction, old epochs, coordinator batches', TIMEOUT, () => {
  const { leader } = pair();
  const p: Producer = { id: 7n, epoch: 3, seq: 0 };
  append(leader, data(p, 1, true));
  const refused = (r: ReturnType<typeof append>): number => (r.kind === 'error' ? r.errorCode : ErrorCode.NONE);
  assert.equal(refused(append(leader, data({ ...p }, 1, false))), ErrorCode.INVALID_TXN_STATE, 'non-transactional write inside a transaction');
  assert.equal(refused(append(leader, data({ ...p, epoch: 2 }, 1, true))), ErrorCode.INVALID_PRODUCER_EPOCH, 'a fenced epoch');
  assert.equal(refused(append(leader, marker(p, true, 5, 2), 'coordinator')), ErrorCode.INVALID_PRODUCER_EPOCH, 'a marker of an older epoch');
  assert.equal(refused(append(leader, marker(p, true, 5), 'coordinator')), ErrorCode.NONE);
  assert.deepEqual(leader.producers.producerView(7n), { epoch: 3, coordinatorEpoch: 5, currentTxnFirstOffset: -1, lastSeq: 0 });
  assert.equal(refused(append(leader, marker(p, false, 4), 'coordinator')), ErrorCode.TRANSACTION_COORDINATOR_FENCED, 'a zombie coordinator');
  // An abort on timeout bumps the epoch: the producer's next epoch starts its sequences at 0.
  assert.equal(refused(append(leader, marker(p, false, 5, 4), 'coordinator')), ErrorCode.NONE);
  assert.equal(leader.producers.producerView(7n)!.epoch, 4);
  assert.equal(refused(append(leader, data({ id: 7n, epoch: 4, seq: 1 }, 1, true))), ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  assert.equal(refused(append(leader, data({ id: 7n, epoch: 4, seq: 0 }, 1, true))), ErrorCode.NONE);
  // The group coordinator's transactional offset commit: no sequence, epoch checked only, and it joins the transaction.
  const commit = buildRecordBatch([{ key: Buffer.from('k'), value: Buffer.from('v'), timestamp: 1n }], {
    producerId: 7n, producerEpoch: 4, baseSequence: -1, isTransactional: true,
  });
  assert.equal(refused(append(leader, commit, 'coordinator')), ErrorCode.NONE);
  assert.equal(refused(append(leader, Buffer.from(commit), 'client')), ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, 'a client must send sequences');
  const stale = buildRecordBatch([{ key: null, value: Buffer.from('v'), timestamp: 1n }], { producerId: 7n, producerEpoch: 3, baseSequence: -1, isTransactional: true });
  assert.equal(refused(append(leader, stale, 'coordinator')), ErrorCode.INVALID_PRODUCER_EPOCH);
});

test('a follower\'s truncation drops the aborted transactions above it and rebuilds transaction state', TIMEOUT, () => {
  const { leader, follower, replicate } = pair();
  const a: Producer = { id: 1n, epoch: 0, seq: 0 };
  const b: Producer = { id: 2n, epoch: 0, seq: 0 };
  append(leader, data(a, 1, true)); // 0
  append(leader, marker(a, false), 'coordinator'); // 1
  append(leader, data(b, 1, true)); // 2
  append(leader, marker(b, false), 'coordinator'); // 3
  replicate();
  assert.equal(follower.log.collectAbortedTxns(0, 10).length, 2);
  follower.truncateTo(3);
  assert.deepEqual(follower.log.collectAbortedTxns(0, 10).map((t) => t.producerId), [1n]);
  assert.equal(follower.producers.ongoingTxnCount, 1, 'b is open again: its marker is gone');
  assert.equal(follower.lastStableOffset, 2);
});

test('a producer snapshot carries the open transaction and coordinator epoch across a restart; the replayed tail is indexed once', TIMEOUT, () => {
  const { dir, cleanup } = tempDir();
  const clock = new ManualClock();
  const tp = { topic: 't', partition: 0 };
  try {
    let log = PartitionLog.open(join(dir, 't-0'), tp, { ...LOG_CONFIG_DEFAULTS }, clock);
    let state = ProducerStateManager.load(log);
    const write = (records: Buffer): void => {
      const { lastOffset } = log.append(records);
      state.update(new RecordBatch(records, 0), lastOffset, 1000, log);
    };
    const a: Producer = { id: 1n, epoch: 0, seq: 0 };
    const b: Producer = { id: 2n, epoch: 0, seq: 0 };
    write(data(null, 3, false)); // 0..2
    write(data(a, 2, true)); // 3..4
    write(data(b, 1, true)); // 5
    write(marker(b, false, 9)); // 6: aborted while a is open
    assert.equal(state.takeSnapshot(log), true);
    const snapshot = decodeProducerSnapshot(fs.readFileSync(join(log.dir, '00000000000000000007.snapshot')))!;
    assert.deepEqual(snapshot.map((e) => [e.producerId, e.coordinatorEpoch, e.currentTxnFirstOffset, e.lastOffset]), [[1n, -1, 3, 4], [2n, 9, -1, 5]]);
    write(data(b, 1, true)); // 7
    write(marker(b, false, 9)); // 8: after the snapshot; its entry is on disk already
    log.close();
    // The index entry of the marker after the snapshot is lost with the crash; the replay writes it again, once.
    const txnFile = join(log.dir, '00000000000000000000.txnindex');
    fs.truncateSync(txnFile, 34);
    log = PartitionLog.open(join(dir, 't-0'), tp, { ...LOG_CONFIG_DEFAULTS }, clock, { hadCleanShutdown: true });
    state = ProducerStateManager.load(log);
    assert.equal(state.firstUnstableOffset(), 3, 'a\'s transaction is still open');
    assert.deepEqual(state.producerView(1n), { epoch: 0, coordinatorEpoch: -1, currentTxnFirstOffset: 3, lastSeq: 1 });
    assert.deepEqual(log.collectAbortedTxns(0, 100), [
      { producerId: 2n, firstOffset: 5, lastOffset: 6, lastStableOffset: 3 },
      { producerId: 2n, firstOffset: 7, lastOffset: 8, lastStableOffset: 3 },
    ]);
    const again = ProducerStateManager.load(log);
    assert.equal(again.firstUnstableOffset(), 3);
    assert.equal(fs.statSync(txnFile).size, 68, 'a second replay writes nothing');
    log.close();
  } finally {
    cleanup();
  }
});
