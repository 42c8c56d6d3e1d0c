/**
 * Elections (KIP-595 with KIP-996 pre-vote): a voter whose election timeout
 * runs out first asks for pre-votes without changing its epoch, and only
 * with a majority of them becomes a candidate in the next epoch; votes go to
 * candidates whose log is at least as up to date, and pre-votes are refused
 * while in touch with a live leader. Also how a voter learns of a leader
 * (BeginQuorumEpoch) and of its resignation (EndQuorumEpoch, whose preferred
 * successors campaign first).
 */
import type { BeginQuorumEpochRequest, EndQuorumEpochRequest, VoteRequest, VoteResponse } from './types.ts';
import { invariant } from './raft-log.ts';
import { majorityOf } from './leader-state.ts';
import { isAtLeastAsUpToDate } from './fetch-validation.ts';
import { LeaderReplicationNode } from './leader-replication.ts';

export abstract class ElectionNode extends LeaderReplicationNode {
  protected tickElection(): void {
    this.electionElapsedTicks++;
    if (this.electionElapsedTicks < this.electionTimeoutTicks) return;
    this.becomeProspective();
  }

  // ---- campaigning ---------------------------------------------------------

  protected override becomeProspective(): void {
    invariant(this.isVoter, 'an observer never campaigns');
    this.enterEpoch(this.epoch);
    this.role = 'prospective';
    this.resetElectionTimer();
    this.preVotes.clear();
    this.preVotes.add(this.id);
    if (this.preVotes.size >= majorityOf(this.config.voters.length)) {
      this.becomeCandidate();
      return;
    }
    this.requestVotes(true);
  }

  protected becomeCandidate(): void {
    invariant(this.isVoter, 'an observer never campaigns');
    this.enterEpoch(this.epoch + 1);
    this.role = 'candidate';
    this.votedFor = this.id;
    this.resetElectionTimer();
    this.votes.clear();
    this.votes.add(this.id);
    if (this.votes.size >= majorityOf(this.config.voters.length)) {
      this.becomeLeader();
      return;
    }
    this.requestVotes(false);
  }

  protected requestVotes(preVote: boolean): void {
    for (const to of this.config.voters) {
      if (to === this.id) continue;
      this.send({
        type: 'vote', from: this.id, to, epoch: preVote ? this.epoch + 1 : this.epoch,
        lastEpoch: this.log.lastEpoch, lastOffset: this.log.endOffset, preVote,
      });
    }
  }

  // ---- votes ---------------------------------------------------------------

  protected candidateLogIsUpToDate(request: VoteRequest): boolean {
    return isAtLeastAsUpToDate({ epoch: request.lastEpoch, offset: request.lastOffset },
      { epoch: this.log.lastEpoch, offset: this.log.endOffset });
  }

  /** KIP-996: a voter in touch with a live leader rejects pre-votes. */
  protected hasLiveLeader(): boolean {
    if (this.role === 'leader') return true;
    return this.role === 'follower' && !this.leaderResigned && this.leaderContactTicks < this.config.fetchTimeoutTicks;
  }

  protected onVote(request: VoteRequest): void {
    if (request.preVote) {
      const granted = this.isVoter && request.epoch > this.epoch && this.candidateLogIsUpToDate(request) && !this.hasLiveLeader();
      this.replyVote(request, granted);
      return;
    }
    if (request.epoch > this.epoch) this.becomeUnattached(request.epoch);
    const granted = this.isVoter && request.epoch === this.epoch && this.leaderId === null &&
      (this.votedFor === null || this.votedFor === request.from) && this.role !== 'leader' &&
      this.candidateLogIsUpToDate(request);
    if (granted && this.votedFor === null) {
      this.votedFor = request.from;
      this.resetElectionTimer();
    }
    this.replyVote(request, granted);
  }

  protected replyVote(request: VoteRequest, granted: boolean): void {
    this.send({
      type: 'voteResponse', from: this.id, to: request.from, epoch: this.epoch, granted,
      preVote: request.preVote, leaderId: granted ? null : this.knownLeader(),
    });
  }

  protected onVoteResponse(response: VoteResponse): void {
    if (response.epoch > this.epoch) {
      this.stepToEpoch(response.epoch, response.leaderId);
      return;
    }
    if (response.epoch < this.epoch) return;
    // A granted vote is never a leader hint: the voter has no live leader, whatever it last followed. Taking
    // it as one sends two followers of a dead leader back to it in turn, each time the other pre-votes.
    const learnsLeader = !response.granted && response.leaderId !== null && response.leaderId !== this.id &&
      (this.leaderId === null || (this.leaderId === response.leaderId && !this.leaderResigned));
    if (learnsLeader && response.leaderId !== null &&
        (this.role === 'prospective' || this.role === 'unattached' || this.role === 'candidate')) {
      this.becomeFollower(this.epoch, response.leaderId);
      return;
    }
    if (!response.granted || !this.config.voters.includes(response.from)) return;
    const majority = majorityOf(this.config.voters.length);
    if (this.role === 'prospective' && response.preVote) {
      this.preVotes.add(response.from);
      if (this.preVotes.size >= majority) this.becomeCandidate();
    } else if (this.role === 'candidate' && !response.preVote) {
      this.votes.add(response.from);
      if (this.votes.size >= majority) this.becomeLeader();
    }
  }

  // ---- begin / end quorum epoch -------------------------------------------

  protected onBeginEpoch(request: BeginQuorumEpochRequest): void {
    const sameLeader = request.epoch === this.epoch && this.leaderId === request.from;
    if (request.epoch < this.epoch || (sameLeader && this.leaderResigned)) {
      // A stale epoch, or a late resend from a leader that has since resigned: only answer.
    } else {
      if (!(sameLeader && this.isFetching())) this.becomeFollower(request.epoch, request.from);
      this.leaderSilentTicks = 0;
      this.leaderContactTicks = 0;
    }
    this.send({ type: 'beginEpochResponse', from: this.id, to: request.from, epoch: this.epoch });
  }

  protected onEndEpoch(request: EndQuorumEpochRequest): void {
    if (request.epoch > this.epoch) this.becomeUnattached(request.epoch);
    const fromOurLeader = request.epoch === this.epoch && (this.leaderId === null || this.leaderId === request.from);
    if (fromOurLeader && this.isVoter && this.role !== 'leader' && this.role !== 'candidate' && this.role !== 'prospective') {
      this.leaderResigned = true;
      this.role = 'unattached';
      this.enterEpoch(this.epoch);
      const position = request.preferredSuccessors.indexOf(this.id);
      if (position === 0) {
        this.becomeProspective();
      } else if (position > 0) {
        const step = Math.max(1, Math.floor(this.config.electionTimeoutTicks / this.config.voters.length));
        this.resetElectionTimer(position * step);
      } else {
        this.resetElectionTimer();
      }
    }
    this.send({ type: 'endEpochResponse', from: this.id, to: request.from, epoch: this.epoch });
  }
}
