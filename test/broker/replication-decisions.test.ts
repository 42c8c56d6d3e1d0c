/**
 * The pure replication decisions, case by case: the order in which a leader
 * checks a follower's fetch, what a follower does with each answer, and
 * which offset an acks=all write waits for.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { followerAction, requiredOffsetOf, truncationOffset, validateFollowerFetch } from '../../src/broker/index.ts';
import { ErrorCode } from '../../src/protocol/index.ts';
import { LeaderEpochCache } from '../../src/storage/index.ts';

/** A log of `end` records whose epochs start where `epochs` says. */
function logOf(start: number, end: number, epochs: [number, number][]) {
  const cache = LeaderEpochCache.inMemory();
  for (const [epoch, at] of epochs) cache.assign(epoch, at);
  return { logStartOffset: start, logEndOffset: end, endOffsetForEpoch: (e: number) => cache.endOffsetFor(e, end) };
}

const NO_DIVERGENCE = { epoch: -1, endOffset: -1 };

test('a leader checks the epoch, then divergence, then the offset range', () => {
  // Leader: epoch 3 from offset 100, log ends at 150.
  const leader = logOf(0, 150, [[1, 0], [3, 100]]);
  assert.deepEqual(validateFollowerFetch(3, leader, { currentLeaderEpoch: 2, fetchOffset: 10, lastFetchedEpoch: 1 }), { kind: 'error', errorCode: ErrorCode.FENCED_LEADER_EPOCH });
  assert.deepEqual(validateFollowerFetch(3, leader, { currentLeaderEpoch: 4, fetchOffset: 10, lastFetchedEpoch: 1 }), { kind: 'error', errorCode: ErrorCode.UNKNOWN_LEADER_EPOCH });
  // The returning ex-leader: 400 records of epoch 1, beyond the leader's end. Divergence wins over the range.
  assert.deepEqual(validateFollowerFetch(3, leader, { currentLeaderEpoch: 3, fetchOffset: 400, lastFetchedEpoch: 1 }), { kind: 'diverging', epoch: 1, endOffset: 100 });
  // Same epoch, fetching past the leader's end: the epoch ends earlier here.
  assert.deepEqual(validateFollowerFetch(3, leader, { currentLeaderEpoch: 3, fetchOffset: 160, lastFetchedEpoch: 3 }), { kind: 'diverging', epoch: 3, endOffset: 150 });
  // No epoch to compare (an empty follower): only the range can refuse it.
  assert.deepEqual(validateFollowerFetch(3, leader, { currentLeaderEpoch: 3, fetchOffset: 160, lastFetchedEpoch: -1 }), { kind: 'error', errorCode: ErrorCode.OFFSET_OUT_OF_RANGE });
  assert.deepEqual(validateFollowerFetch(3, leader, { currentLeaderEpoch: 3, fetchOffset: 120, lastFetchedEpoch: 3 }), { kind: 'ok' });
});

test('a follower truncates, starts over, appends or waits, by the answer', () => {
  const follower = logOf(0, 400, [[1, 0]]);
  const answer = { errorCode: ErrorCode.NONE, highWatermark: 90, logStartOffset: 0, divergingEpoch: NO_DIVERGENCE, records: null };
  assert.equal(followerAction(follower, 90, 400, { ...answer, divergingEpoch: { epoch: 1, endOffset: 100 } }).kind, 'truncate');
  assert.deepEqual(followerAction(follower, 90, 400, { ...answer, divergingEpoch: { epoch: 1, endOffset: 100 } }), {
    kind: 'truncate', offset: 100, reason: 'epoch 1 ends at 100 on the leader',
  });
  // Ahead of the leader with no epoch to go by: back to what the leader has committed.
  assert.deepEqual(followerAction(follower, 95, 400, { ...answer, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE }).kind, 'truncate');
  assert.equal((followerAction(follower, 95, 400, { ...answer, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE }) as { offset: number }).offset, 90);
  // Behind the leader's log start: start over there.
  assert.deepEqual(followerAction(logOf(0, 10, []), 0, 10, { ...answer, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, logStartOffset: 50 }), {
    kind: 'restartAt', offset: 50, reason: "fetch offset 10 is below the leader's log start 50",
  });
  assert.deepEqual(followerAction(follower, 90, 400, { ...answer, errorCode: ErrorCode.FENCED_LEADER_EPOCH }), { kind: 'awaitMetadata', errorCode: ErrorCode.FENCED_LEADER_EPOCH });
  assert.deepEqual(followerAction(follower, 90, 400, { ...answer, errorCode: ErrorCode.KAFKA_STORAGE_ERROR }), { kind: 'backoff', errorCode: ErrorCode.KAFKA_STORAGE_ERROR });
  assert.deepEqual(followerAction(follower, 90, 400, answer), { kind: 'append', records: null, highWatermark: 90 });
});

test('truncation points follow Kafka: unknown epoch → high watermark; shared epoch → the smaller end; else our own epoch end', () => {
  const follower = logOf(0, 400, [[1, 0], [2, 300]]);
  assert.equal(truncationOffset(follower, 80, -1, -1), 80);
  assert.equal(truncationOffset(follower, 80, 1, 250), 250);
  assert.equal(truncationOffset(follower, 80, 2, 350), 350);
  assert.equal(truncationOffset(logOf(0, 400, [[1, 0], [3, 300]]), 80, 2, 350), 300);
});

test('a retried duplicate waits for the same offset as the write it repeats', () => {
  assert.equal(requiredOffsetOf({ kind: 'appended', firstOffset: 10, lastOffset: 14, logAppendTimeMs: 0 }), 15);
  assert.equal(requiredOffsetOf({ kind: 'duplicate', firstOffset: 10, lastOffset: 14 }), 15);
  assert.equal(requiredOffsetOf({ kind: 'error', errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, errorMessage: null }), null);
});
