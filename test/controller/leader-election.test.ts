/** Kafka's leader-election rules, as the controller applies them to ElectLeaders and to the automatic rebalance. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ElectionType, electionFor } from '../../src/controller/leader-election.ts';
import { ErrorCode } from '../../src/protocol/index.ts';

const partition = (leader: number, replicas: number[], isr: number[]) => ({ partitionId: 0, leader, replicas, isr, leaderEpoch: 3, partitionEpoch: 5 });

test('preferred election: the first replica when live and in sync; not needed when it leads; refused otherwise', { timeout: 5000 }, () => {
  const live = new Set([1, 2, 3]);
  assert.deepEqual(electionFor(ElectionType.Preferred, 't', partition(2, [1, 2, 3], [1, 2, 3]), live), { kind: 'elect', leader: 1, isr: null });
  assert.deepEqual(electionFor(ElectionType.Preferred, 't', partition(1, [1, 2, 3], [1, 2, 3]), live), {
    kind: 'refuse', errorCode: ErrorCode.ELECTION_NOT_NEEDED, errorMessage: 'Leader election not needed for topic partition.',
  });
  const outOfSync = electionFor(ElectionType.Preferred, 't', partition(2, [1, 2, 3], [2, 3]), live);
  assert.equal(outOfSync.kind === 'refuse' && outOfSync.errorCode, ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE);
  const down = electionFor(ElectionType.Preferred, 't', partition(2, [1, 2, 3], [1, 2, 3]), new Set([2, 3]));
  assert.equal(down.kind === 'refuse' && down.errorCode, ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE);
});

test('unclean election: a live replica outside the ISR becomes the ISR alone, only when no live leader exists', { timeout: 5000 }, () => {
  assert.deepEqual(electionFor(ElectionType.Unclean, 't', partition(-1, [1, 2, 3], [1]), new Set([2, 3])), { kind: 'elect', leader: 2, isr: [2] });
  const leading = electionFor(ElectionType.Unclean, 't', partition(2, [1, 2, 3], [2]), new Set([2]));
  assert.equal(leading.kind === 'refuse' && leading.errorCode, ErrorCode.ELECTION_NOT_NEEDED);
  const none = electionFor(ElectionType.Unclean, 't', partition(-1, [1], [1]), new Set([2]));
  assert.equal(none.kind === 'refuse' && none.errorCode, ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE);
  const unknown = electionFor(7, 't', partition(1, [1], [1]), new Set([1]));
  assert.equal(unknown.kind === 'refuse' && unknown.errorCode, ErrorCode.INVALID_REQUEST);
});
