/**
 * The leader's side of replication: taking office (BeginQuorumEpoch and the
 * epoch's control entry), appending proposals, serving fetches and snapshot
 * fetches (validated in KIP-595's order, long-polled while there is nothing
 * new), moving the high watermark to what a majority of voters holds, and the
 * check quorum that makes a leader cut off from a majority resign.
 */
import type { Entry, FetchRequest, FetchResponse, FetchSnapshotRequest } from './types.ts';
import { invariant } from './raft-log.ts';
import { LeaderState, type ReplicaProgress } from './leader-state.ts';
import { validateFetchPosition } from './fetch-validation.ts';
import { FollowerFetchNode } from './follower-fetch.ts';

export abstract class LeaderReplicationNode extends FollowerFetchNode {
  // ---- taking and leaving office -------------------------------------------

  protected becomeLeader(): void {
    invariant(this.role === 'candidate' && this.votedFor === this.id, 'only a candidate that voted for itself becomes leader');
    this.role = 'leader';
    this.leaderId = this.id;
    this.leader = new LeaderState(this.id, this.config.voters, this.epoch, this.log.endOffset);
    this.sendBeginEpoch();
    const control: Entry = {
      baseOffset: this.log.endOffset, epoch: this.epoch,
      records: [this.config.leaderChangeRecord(this.epoch, this.id)], control: true,
    };
    this.appendAsLeader(control);
  }

  /** Steps down: names the most caught-up voters as successors and waits out an election timeout. */
  protected resignLeadership(): void {
    if (this.role !== 'leader' || this.leader === null) return;
    const successors = this.leader.preferredSuccessors();
    for (const to of successors) {
      this.send({ type: 'endEpoch', from: this.id, to, epoch: this.epoch, preferredSuccessors: successors });
    }
    this.leader = null;
    this.role = 'resigned';
    this.resetElectionTimer();
  }

  protected tickLeader(): void {
    const leader = this.leader;
    invariant(leader !== null, 'leader without leader state');
    leader.tick();
    for (const progress of leader.allReplicas()) {
      if (progress.parked !== null && progress.parkedTicks >= this.config.fetchMaxWaitTicks) this.answerParked(progress);
    }
    if (leader.beginEpochUnacked.size > 0 && leader.ticksSinceBeginEpochSent >= Math.max(1, Math.floor(this.config.electionTimeoutTicks / 2))) {
      this.sendBeginEpoch();
    }
    const quorumChecked = this.config.voters.length > 1 && leader.ticksAsLeader >= this.config.fetchTimeoutTicks;
    if (quorumChecked && !leader.hasQuorumContact(this.config.fetchTimeoutTicks)) this.resignLeadership();
  }

  protected sendBeginEpoch(): void {
    const leader = this.leader;
    invariant(leader !== null, 'sendBeginEpoch without leader state');
    leader.ticksSinceBeginEpochSent = 0;
    for (const to of leader.beginEpochUnacked) this.send({ type: 'beginEpoch', from: this.id, to, epoch: this.epoch });
  }

  protected onBeginEpochResponse(from: number, epoch: number): void {
    if (epoch > this.epoch) {
      this.stepToEpoch(epoch, null);
      return;
    }
    if (epoch === this.epoch && this.leader !== null) this.leader.beginEpochUnacked.delete(from);
  }

  // ---- appending and the high watermark ----------------------------------

  protected appendAsLeader(entry: Entry): void {
    this.log.append(entry);
    this.updateLeaderHighWatermark();
    this.answerAllParked();
  }

  /** Moves the high watermark to what a majority holds, once this epoch's control entry is covered. */
  protected updateLeaderHighWatermark(): boolean {
    const leader = this.leader;
    invariant(leader !== null, 'high watermark update without leader state');
    const candidate = leader.majorityEndOffset(this.log.endOffset);
    if (candidate <= leader.epochStartOffset || candidate <= this.highWatermark) return false;
    this.advanceHighWatermark(candidate);
    // This epoch's first entry is committed, so every entry committed before it is known (leader completeness).
    this.caughtUp = true;
    this.answerAllParked();
    return true;
  }

  // ---- serving fetches -----------------------------------------------------

  protected fetchError(request: FetchRequest | FetchSnapshotRequest): 'none' | 'fencedLeaderEpoch' | 'unknownLeaderEpoch' | 'notLeader' {
    if (request.epoch < this.epoch) return 'fencedLeaderEpoch';
    if (request.epoch > this.epoch) return 'unknownLeaderEpoch';
    return this.role === 'leader' ? 'none' : 'notLeader';
  }

  protected onFetch(request: FetchRequest): void {
    const error = this.fetchError(request);
    const leader = this.leader;
    if (error !== 'none' || leader === null) {
      this.send(this.fetchResponse(request, error === 'none' ? 'notLeader' : error, []));
      return;
    }
    const progress = leader.replica(request.from);
    progress.ticksSinceFetch = 0;
    if (leader.isVoter(request.from)) leader.beginEpochUnacked.delete(request.from);
    progress.parked = null;

    const verdict = validateFetchPosition(this.log, request.fetchOffset, request.lastFetchedEpoch);
    if (verdict.kind === 'snapshot') {
      this.send({ ...this.fetchResponse(request, 'none', []), snapshotId: verdict.snapshotId });
      return;
    }
    if (verdict.kind === 'diverging') {
      this.send({ ...this.fetchResponse(request, 'none', []), divergingEpoch: verdict.divergingEpoch });
      return;
    }
    // Valid: the fetcher's log matches ours up to fetchOffset, and (by the fsync contract) durably so.
    progress.logEndOffset = Math.max(progress.logEndOffset, request.fetchOffset);
    const movedHighWatermark = leader.isVoter(request.from) && this.updateLeaderHighWatermark();
    const hasNews = request.fetchOffset < this.log.endOffset || progress.highWatermarkSent < this.highWatermark;
    if (hasNews || movedHighWatermark || this.config.fetchMaxWaitTicks === 0) {
      this.answerValidFetch(progress, request);
    } else {
      progress.parked = request;
      progress.parkedTicks = 0;
    }
  }

  protected answerValidFetch(progress: ReplicaProgress, request: FetchRequest): void {
    progress.parked = null;
    progress.highWatermarkSent = this.highWatermark;
    this.send(this.fetchResponse(request, 'none', this.log.read(request.fetchOffset, this.config.fetchMaxRecords)));
  }

  protected answerParked(progress: ReplicaProgress): void {
    const request = progress.parked;
    if (request !== null) this.answerValidFetch(progress, request);
  }

  protected answerAllParked(): void {
    if (this.leader === null) return;
    for (const progress of this.leader.allReplicas()) this.answerParked(progress);
  }

  /**
   * The high watermark a fetch answer carries: -1 (unknown, as in Kafka) while
   * a new leader has not committed its epoch's first entry, since until then
   * what it holds may trail what an earlier leader committed, and a follower
   * must not take it for the quorum's.
   */
  protected answeredHighWatermark(): number {
    if (this.leader !== null && this.highWatermark <= this.leader.epochStartOffset) return -1;
    return this.highWatermark;
  }

  protected fetchResponse(request: FetchRequest, error: FetchResponse['error'], entries: readonly Entry[]): FetchResponse {
    return {
      type: 'fetchResponse', from: this.id, to: request.from, error, epoch: this.epoch,
      leaderId: this.knownLeader(), highWatermark: this.answeredHighWatermark(), entries,
      divergingEpoch: null, snapshotId: null,
      fetchOffset: request.fetchOffset, lastFetchedEpoch: request.lastFetchedEpoch,
    };
  }

  protected onFetchSnapshot(request: FetchSnapshotRequest): void {
    const error = this.fetchError(request);
    const snapshot = this.log.snapshot;
    const base = {
      type: 'fetchSnapshotResponse' as const, from: this.id, to: request.from, epoch: this.epoch,
      leaderId: this.knownLeader(), snapshotId: request.snapshotId, position: request.position,
    };
    if (error !== 'none' || this.leader === null) {
      this.send({ ...base, error: error === 'none' ? 'notLeader' : error, size: 0, chunk: Buffer.alloc(0) });
      return;
    }
    this.leader.replica(request.from).ticksSinceFetch = 0;
    const found = snapshot !== null && snapshot.id.offset === request.snapshotId.offset &&
      snapshot.id.epoch === request.snapshotId.epoch && request.position <= snapshot.data.length;
    if (!found) {
      this.send({ ...base, error: 'snapshotNotFound', size: 0, chunk: Buffer.alloc(0) });
      return;
    }
    const chunk = snapshot.data.subarray(request.position, request.position + this.config.snapshotChunkBytes);
    this.send({ ...base, error: 'none', size: snapshot.data.length, chunk });
  }
}
