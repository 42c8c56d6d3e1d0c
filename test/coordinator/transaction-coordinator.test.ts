/**
 * The transaction coordinator's records and a few scripted scenarios over
 * an in-memory state log and marker channel that answer at once (the
 * seeded simulation covers the interleavings).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  TransactionCoordinator, TxnState, decodeTxnRecord, txnRecord, txnRecordKey, type TxnMarkerRequest, type TxnSnapshot,
} from '../../src/coordinator/transaction/index.ts';
import { ErrorCode, Reader } from '../../src/protocol/index.ts';
import { TransactionLogValue } from '../../src/coordinator/records/index.ts';

const ONGOING: TxnSnapshot = {
  producerId: 7n, previousProducerId: 6n, nextProducerId: 9n, producerEpoch: 3, lastProducerEpoch: -1, timeoutMs: 60_000,
  state: TxnState.Ongoing, partitions: [{ topic: 'a', partition: 0 }, { topic: 'a', partition: 2 }, { topic: 'b', partition: 1 }],
  startTimeMs: 1000, lastUpdateTimeMs: 2000, clientTransactionVersion: 2,
};

test('records round-trip and match Kafka’s layout', () => {
  const r = txnRecord('my-txn', ONGOING);
  assert.equal(r.key.readInt16BE(0), 0);
  assert.deepEqual(r.key, txnRecordKey('my-txn'));
  assert.equal(r.value!.readInt16BE(0), 1, 'value v1, flexible');
  const d = decodeTxnRecord(r.key, r.value);
  assert.equal(d.kind, 'txn');
  if (d.kind === 'txn') {
    assert.equal(d.transactionalId, 'my-txn');
    assert.deepEqual(d.value, ONGOING);
  }
  // Empty carries a null partition array, as Kafka writes it.
  const empty = txnRecord('e', { ...ONGOING, state: TxnState.Empty, partitions: [], startTimeMs: -1 });
  const v = TransactionLogValue.decode(new Reader(empty.value!, 2), 1);
  assert.equal(v.transactionPartitions, null);
  assert.deepEqual(decodeTxnRecord(empty.key, null), { kind: 'tombstone', transactionalId: 'e' });
  assert.equal(decodeTxnRecord(Buffer.from([0, 5, 0, 0]), null).kind, 'unknown');
});

function world(options: { writeError?: () => number } = {}) {
  let nowMs = 10_000;
  let nextPid = 100n;
  const records: { key: Buffer; value: Buffer | null }[][] = [[]];
  const markers: TxnMarkerRequest[] = [];
  const lines: string[] = [];
  const c = new TransactionCoordinator({
    config: {
      transactionMaxTimeoutMs: 900_000, transactionalIdExpirationMs: 604_800_000,
      abortTimedOutTransactionCleanupIntervalMs: 10_000, removeExpiredTransactionalIdCleanupIntervalMs: 3_600_000,
    },
    log: {
      partitionCount: () => 1,
      ensureTopic: () => Promise.resolve({ errorCode: ErrorCode.NONE, errorMessage: null }),
      ledPartitions: () => [{ partition: 0, leaderEpoch: 5 }],
      write: (p, rs) => {
        const error = options.writeError?.() ?? ErrorCode.NONE;
        if (error === ErrorCode.NONE) records[p]!.push(...rs);
        return Promise.resolve(error);
      },
      replay: (p, visit) => { for (const r of records[p]!) visit(r.key, r.value); },
    },
    markers: {
      write: (req) => {
        markers.push(req);
        return Promise.resolve(req.topics.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition, errorCode: ErrorCode.NONE }))));
      },
    },
    allocateProducerId: () => Promise.resolve({ errorCode: ErrorCode.NONE, producerId: nextPid++ }),
    offsetsPartitionFor: () => 3,
    topicExists: () => true,
    clock: { nowMs: () => nowMs },
    logLine: (l) => lines.push(l),
  });
  c.load(nowMs);
  return { c, records, markers, lines, advance: (ms: number) => { nowMs += ms; }, now: () => nowMs };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));
const state = (c: TransactionCoordinator, id = 't') => c.describeTransactions([id])[0]!;

test('a TV1 transaction: init, add, offsets, commit, markers, CompleteCommit; a retried commit is NONE', async () => {
  const { c, markers } = world();
  assert.deepEqual(await c.coordinatorPartition('t'), { partition: 0, errorCode: 0, errorMessage: null });
  const init = await c.initProducerId({ transactionalId: 't', transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
  assert.deepEqual(init, { errorCode: 0, producerId: 100n, producerEpoch: 0 });
  const added = await c.addPartitions({ transactionalId: 't', producerId: 100n, producerEpoch: 0, topics: [{ topic: 'x', partitions: [0, 1] }], verifyOnly: false });
  assert.deepEqual(added, [{ topic: 'x', partitions: [{ partition: 0, errorCode: 0 }, { partition: 1, errorCode: 0 }] }]);
  assert.equal(await c.addOffsets({ transactionalId: 't', producerId: 100n, producerEpoch: 0, groupId: 'g' }), 0);
  assert.equal(state(c).transactionState, 'Ongoing');
  const verified = await c.addPartitions({ transactionalId: 't', producerId: 100n, producerEpoch: 0, topics: [{ topic: 'x', partitions: [1, 2] }], verifyOnly: true });
  assert.deepEqual(verified[0]!.partitions.map((p) => p.errorCode), [ErrorCode.NONE, ErrorCode.TRANSACTION_ABORTABLE]);
  const ended = await c.endTxn({ transactionalId: 't', producerId: 100n, producerEpoch: 0, committed: true, transactionVersion: 0 });
  assert.equal(ended.errorCode, ErrorCode.NONE);
  await settle();
  assert.equal(markers.length, 1);
  assert.deepEqual(markers[0]!.topics, [{ topic: '__consumer_offsets', partitions: [3] }, { topic: 'x', partitions: [0, 1] }]);
  assert.equal(markers[0]!.committed, true);
  assert.equal(markers[0]!.coordinatorEpoch, 5);
  assert.equal(state(c).transactionState, 'CompleteCommit');
  assert.equal((await c.endTxn({ transactionalId: 't', producerId: 100n, producerEpoch: 0, committed: true, transactionVersion: 0 })).errorCode, 0);
  assert.equal((await c.endTxn({ transactionalId: 't', producerId: 100n, producerEpoch: 0, committed: false, transactionVersion: 0 })).errorCode, ErrorCode.INVALID_TXN_STATE);
});

test('InitProducerId on an ongoing transaction fences it: abort with a bumped epoch, CONCURRENT_TRANSACTIONS, then a newer epoch', async () => {
  const { c, markers } = world();
  await c.initProducerId({ transactionalId: 't', transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
  await c.addPartitions({ transactionalId: 't', producerId: 100n, producerEpoch: 0, topics: [{ topic: 'x', partitions: [0] }], verifyOnly: false });
  const fenced = await c.initProducerId({ transactionalId: 't', transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
  assert.equal(fenced.errorCode, ErrorCode.CONCURRENT_TRANSACTIONS);
  await settle();
  assert.equal(markers[0]!.committed, false);
  assert.equal(markers[0]!.producerEpoch, 2, 'the fence, then the TV2 end bump');
  assert.equal(state(c).transactionState, 'CompleteAbort');
  const retried = await c.initProducerId({ transactionalId: 't', transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
  assert.deepEqual(retried, { errorCode: 0, producerId: 100n, producerEpoch: 3 });
  // The old instance is fenced everywhere.
  const old = await c.addPartitions({ transactionalId: 't', producerId: 100n, producerEpoch: 0, topics: [{ topic: 'x', partitions: [0] }], verifyOnly: false });
  assert.equal(old[0]!.partitions[0]!.errorCode, ErrorCode.PRODUCER_FENCED);
  assert.equal((await c.endTxn({ transactionalId: 't', producerId: 100n, producerEpoch: 0, committed: true, transactionVersion: 0 })).errorCode, ErrorCode.PRODUCER_FENCED);
  // KIP-360: a producer re-initialising with its current id and epoch gets the next epoch; with a stale one it is fenced.
  assert.deepEqual(await c.initProducerId({ transactionalId: 't', transactionTimeoutMs: 60_000, producerId: 100n, producerEpoch: 3 }), { errorCode: 0, producerId: 100n, producerEpoch: 4 });
  assert.equal((await c.initProducerId({ transactionalId: 't', transactionTimeoutMs: 60_000, producerId: 100n, producerEpoch: 1 })).errorCode, ErrorCode.PRODUCER_FENCED);
  assert.equal((await c.initProducerId({ transactionalId: 't', transactionTimeoutMs: 900_001, producerId: -1n, producerEpoch: -1 })).errorCode, ErrorCode.INVALID_TRANSACTION_TIMEOUT);
});

test('TV2: EndTxn bumps the epoch, a retry with the old epoch is NONE, an abort of an empty transaction is allowed', async () => {
  const { c, markers } = world();
  await c.initProducerId({ transactionalId: 't', transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
  await c.addPartitions({ transactionalId: 't', producerId: 100n, producerEpoch: 0, topics: [{ topic: 'x', partitions: [0] }], verifyOnly: false });
  assert.deepEqual(await c.endTxn({ transactionalId: 't', producerId: 100n, producerEpoch: 0, committed: true, transactionVersion: 2 }), { errorCode: 0, producerId: 100n, producerEpoch: 1 });
  await settle();
  assert.equal(markers[0]!.producerEpoch, 1);
  assert.equal(markers[0]!.transactionVersion, 2);
  assert.deepEqual(await c.endTxn({ transactionalId: 't', producerId: 100n, producerEpoch: 0, committed: true, transactionVersion: 2 }), { errorCode: 0, producerId: 100n, producerEpoch: 1 });
  assert.equal((await c.endTxn({ transactionalId: 't', producerId: 100n, producerEpoch: 0, committed: false, transactionVersion: 2 })).errorCode, ErrorCode.INVALID_TXN_STATE);
  assert.deepEqual(await c.endTxn({ transactionalId: 't', producerId: 100n, producerEpoch: 1, committed: false, transactionVersion: 2 }), { errorCode: 0, producerId: 100n, producerEpoch: 2 });
  await settle();
  assert.equal(state(c).transactionState, 'CompleteAbort');
  assert.equal(state(c).producerEpoch, 2);
});

test('TV2 at the end of the epochs moves to a new producer id', async () => {
  const { c, records } = world();
  records[0]!.push(txnRecord('t', { ...ONGOING, producerId: 50n, producerEpoch: 32_766, previousProducerId: -1n, nextProducerId: -1n, partitions: [{ topic: 'x', partition: 0 }] }));
  c.shutdown();
  c.load(0);
  const ended = await c.endTxn({ transactionalId: 't', producerId: 50n, producerEpoch: 32_766, committed: true, transactionVersion: 2 });
  assert.deepEqual(ended, { errorCode: 0, producerId: 100n, producerEpoch: 0 });
  await settle();
  assert.equal(state(c).transactionState, 'CompleteCommit');
  assert.equal(state(c).producerId, 100n);
  // The retry of that EndTxn with the old id and its last epoch is recognised.
  assert.deepEqual(await c.endTxn({ transactionalId: 't', producerId: 50n, producerEpoch: 32_766, committed: true, transactionVersion: 2 }), { errorCode: 0, producerId: 100n, producerEpoch: 0 });
});

test('a failed write changes nothing and is answered with its error; load resumes the markers of a PrepareCommit', async () => {
  let fail = false;
  const { c, records, markers } = world({ writeError: () => (fail ? ErrorCode.COORDINATOR_NOT_AVAILABLE : ErrorCode.NONE) });
  await c.initProducerId({ transactionalId: 't', transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
  await c.addPartitions({ transactionalId: 't', producerId: 100n, producerEpoch: 0, topics: [{ topic: 'x', partitions: [0] }], verifyOnly: false });
  fail = true;
  assert.equal((await c.endTxn({ transactionalId: 't', producerId: 100n, producerEpoch: 0, committed: true, transactionVersion: 0 })).errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
  assert.equal(state(c).transactionState, 'Ongoing');
  assert.equal(markers.length, 0);
  // A PrepareCommit in the log (written by a previous coordinator) is carried on when loaded.
  fail = false;
  records[0]!.push(txnRecord('t', { ...ONGOING, producerId: 100n, producerEpoch: 0, state: TxnState.PrepareCommit, clientTransactionVersion: 0, partitions: [{ topic: 'x', partition: 0 }] }));
  c.shutdown();
  c.load(0);
  await settle();
  assert.equal(markers.length, 1);
  assert.equal(state(c).transactionState, 'CompleteCommit');
});

test('timeouts abort with a fencing bump; describe and list report Kafka’s names', async () => {
  const { c, advance, now } = world();
  await c.initProducerId({ transactionalId: 't', transactionTimeoutMs: 1_000, producerId: -1n, producerEpoch: -1 });
  await c.addPartitions({ transactionalId: 't', producerId: 100n, producerEpoch: 0, topics: [{ topic: 'x', partitions: [0] }], verifyOnly: false });
  assert.deepEqual(c.listTransactions({ states: ['Ongoing'], producerIds: [], durationFilterMs: -1 }).transactions, [{ transactionalId: 't', producerId: 100n, transactionState: 'Ongoing' }]);
  assert.equal(c.listTransactions({ states: [], producerIds: [], durationFilterMs: 5_000 }).transactions.length, 0);
  assert.equal(c.describeTransactions(['nope'])[0]!.errorCode, ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
  advance(10_000);
  assert.ok(c.nextDeadlineMs()! <= now());
  c.tick(now());
  await settle();
  const d = state(c);
  assert.equal(d.transactionState, 'CompleteAbort');
  assert.equal(d.producerEpoch, 2);
  assert.equal((await c.endTxn({ transactionalId: 't', producerId: 100n, producerEpoch: 0, committed: true, transactionVersion: 0 })).errorCode, ErrorCode.PRODUCER_FENCED);
});
