/**
 * The pure KRaft state machine of one node (KIP-595 with KIP-996 pre-vote and
 * KIP-630 snapshots). Inputs are tick(), step(message), propose(), campaign(),
 * resign() and snapshot(); every effect accumulates into the next Ready, which
 * the driver persists before sending its messages (see types.ts). Nothing
 * here reads a clock, a socket, a file or Math.random.
 *
 * Roles: voters move unattached → prospective (pre-vote, epoch unchanged) →
 * candidate (epoch + 1, votes for itself) → leader, and follow a leader they
 * learn of; a leader that resigns stays 'resigned' until its election timeout.
 * Non-voters are always 'observer': they fetch, never vote, never campaign.
 */
import type {
  BeginQuorumEpochRequest, EndQuorumEpochRequest, Entry, FetchRequest, FetchResponse,
  FetchSnapshotRequest, FetchSnapshotResponse, HardState, Message, OffsetAndEpoch,
  PersistedState, ProposeResult, QuorumStatus, RaftConfig, Ready, Role, VoteRequest, VoteResponse,
} from './types.ts';
import { invariant, RaftLog } from './raft-log.ts';
import { LeaderState, majorityOf, type ReplicaProgress } from './leader-state.ts';
import { divergenceTruncationPoint, isAtLeastAsUpToDate, validateFetchPosition } from './fetch-validation.ts';

/** Ticks a fetch (or snapshot fetch) may go unanswered before it is sent again. */
function requestTimeoutTicks(config: RaftConfig): number {
  return config.fetchMaxWaitTicks + Math.max(2, Math.ceil(config.electionTimeoutTicks / 2));
}
/** Ticks a fetcher waits before retrying after an error answer. */
const RETRY_BACKOFF_TICKS = 1;

interface FetchLoop {
  /** Where the next fetch goes; null when no one to fetch from. */
  target: number | null;
  inFlight: boolean;
  ticksSinceSent: number;
  /** Ticks left before the next fetch is sent; 0 when none is scheduled. */
  backoffTicks: number;
}

interface SnapshotDownload {
  readonly id: OffsetAndEpoch;
  readonly chunks: Buffer[];
  received: number;
}

export function validateConfig(config: RaftConfig): void {
  invariant(config.voters.length > 0, 'config.voters is empty');
  invariant(new Set(config.voters).size === config.voters.length, 'config.voters has duplicates');
  invariant(config.electionTimeoutTicks >= 1, 'electionTimeoutTicks must be >= 1');
  invariant(config.fetchTimeoutTicks >= 1, 'fetchTimeoutTicks must be >= 1');
  invariant(config.fetchMaxWaitTicks >= 0, 'fetchMaxWaitTicks must be >= 0');
  invariant(config.fetchMaxRecords >= 1, 'fetchMaxRecords must be >= 1');
  invariant(config.snapshotChunkBytes >= 1, 'snapshotChunkBytes must be >= 1');
}

export class RaftNode {
  private readonly config: RaftConfig;
  private readonly id: number;
  private readonly isVoter: boolean;
  private readonly log: RaftLog;

  private role: Role;
  private epoch: number;
  private votedFor: number | null;
  private leaderId: number | null;
  private lastHardState: HardState;

  private electionElapsedTicks = 0;
  private electionTimeoutTicks = 0;
  /** Followers and observers: ticks since following the leader or its last successful answer (the fetch timeout). */
  private leaderSilentTicks = 0;
  /**
   * Ticks since the leader last answered a fetch or announced its epoch. Unlike
   * leaderSilentTicks it is not reset by merely hearing of a leader, so only
   * real contact makes this voter reject pre-votes.
   */
  private leaderContactTicks = Number.POSITIVE_INFINITY;
  /** Set when the leader of this epoch told us it resigned: pre-votes are then granted. */
  private leaderResigned = false;
  private readonly fetch: FetchLoop = { target: null, inFlight: false, ticksSinceSent: 0, backoffTicks: 0 };
  private download: SnapshotDownload | null = null;
  private readonly preVotes = new Set<number>();
  private readonly votes = new Set<number>();
  private leader: LeaderState | null = null;

  private highWatermark: number;
  /**
   * Whether this node has applied everything the quorum had committed when it
   * last heard from a leader in this lifetime (Kafka's metadata loader
   * "caught up"). A restarted node's own log says only what was committed
   * before it stopped: what it publishes before this is stale.
   */
  private caughtUp = false;
  /** Entries below this offset were handed out as committed (or are covered by the snapshot). */
  private committedEnd: number;
  private committed: Entry[] = [];
  private messages: Message[] = [];
  private lastReadyHighWatermark: number;

  constructor(config: RaftConfig, persisted: PersistedState) {
    validateConfig(config);
    this.config = config;
    this.id = config.nodeId;
    this.isVoter = config.voters.includes(config.nodeId);
    this.log = new RaftLog(persisted.snapshot, persisted.entries);
    const hard = persisted.hardState;
    this.epoch = hard.epoch;
    this.votedFor = hard.votedFor;
    this.leaderId = hard.leaderId;
    this.lastHardState = hard;
    this.highWatermark = this.log.startOffset;
    this.committedEnd = this.log.startOffset;
    this.lastReadyHighWatermark = this.highWatermark;
    this.role = this.isVoter ? 'unattached' : 'observer';
    this.resetElectionTimer();
    if (hard.leaderId !== null && hard.leaderId !== this.id) {
      this.becomeFollower(hard.epoch, hard.leaderId);
    } else {
      // A leader that restarts does not lead again in its epoch; it waits like any unattached voter.
      this.leaderId = null;
      if (!this.isVoter) this.startFetching(null);
    }
  }

  // ---- public inputs -------------------------------------------------------

  tick(): void {
    switch (this.role) {
      case 'leader': this.tickLeader(); break;
      case 'follower': this.tickFollower(); break;
      case 'observer': this.tickObserver(); break;
      case 'unattached': case 'prospective': case 'candidate': case 'resigned': this.tickElection(); break;
    }
  }

  step(message: Message): void {
    if (message.to !== this.id || message.from === this.id) return;
    switch (message.type) {
      case 'vote': this.onVote(message); break;
      case 'voteResponse': this.onVoteResponse(message); break;
      case 'beginEpoch': this.onBeginEpoch(message); break;
      case 'beginEpochResponse': this.onBeginEpochResponse(message.from, message.epoch); break;
      case 'endEpoch': this.onEndEpoch(message); break;
      case 'endEpochResponse': if (message.epoch > this.epoch) this.stepToEpoch(message.epoch, null); break;
      case 'fetch': this.onFetch(message); break;
      case 'fetchResponse': this.onFetchResponse(message); break;
      case 'fetchSnapshot': this.onFetchSnapshot(message); break;
      case 'fetchSnapshotResponse': this.onFetchSnapshotResponse(message); break;
    }
  }

  propose(records: Buffer[]): ProposeResult {
    if (this.role !== 'leader' || this.leader === null) {
      return { ok: false, leaderId: this.role === 'resigned' ? null : this.leaderId };
    }
    invariant(records.length > 0, 'propose needs at least one record');
    const entry: Entry = { baseOffset: this.log.endOffset, epoch: this.epoch, records: [...records], control: false };
    this.appendAsLeader(entry);
    return { ok: true, baseOffset: entry.baseOffset, epoch: entry.epoch };
  }

  campaign(): void {
    if (!this.isVoter || this.role === 'leader') return;
    this.becomeCandidate();
  }

  resign(): void {
    if (this.role !== 'leader' || this.leader === null) return;
    const successors = this.leader.preferredSuccessors();
    for (const to of successors) {
      this.send({ type: 'endEpoch', from: this.id, to, epoch: this.epoch, preferredSuccessors: successors });
    }
    this.leader = null;
    this.role = 'resigned';
    this.resetElectionTimer();
  }

  snapshot(id: OffsetAndEpoch, data: Buffer): void {
    invariant(id.offset <= this.highWatermark, `snapshot at ${id.offset} beyond the high watermark ${this.highWatermark}`);
    invariant(id.offset <= this.committedEnd, `snapshot at ${id.offset} beyond the committed entries handed out (${this.committedEnd})`);
    if (id.offset <= this.log.startOffset) return;
    this.log.compact({ id, data });
  }

  hasReady(): boolean {
    return !sameHardState(this.currentHardState(), this.lastHardState) || this.log.hasChanges() ||
      this.messages.length > 0 || this.committed.length > 0 || this.highWatermark !== this.lastReadyHighWatermark;
  }

  ready(): Ready {
    const hard = this.currentHardState();
    const hardChanged = !sameHardState(hard, this.lastHardState);
    this.lastHardState = hard;
    const changes = this.log.takeChanges();
    const ready: Ready = {
      hardState: hardChanged ? hard : null,
      snapshot: changes.snapshot,
      truncateTo: changes.truncateTo,
      entries: changes.entries,
      messages: this.messages,
      committed: this.committed,
      highWatermark: this.highWatermark,
    };
    this.messages = [];
    this.committed = [];
    this.lastReadyHighWatermark = this.highWatermark;
    return ready;
  }

  status(): QuorumStatus {
    const replicas = this.leader === null ? { voters: [], observers: [] } : this.leader.status();
    const voters = this.leader === null ? [] :
      [{ id: this.id, logEndOffset: this.log.endOffset, ticksSinceFetch: 0 }, ...replicas.voters];
    return {
      nodeId: this.id,
      role: this.role,
      epoch: this.epoch,
      leaderId: this.role === 'resigned' ? this.id : this.leaderId,
      votedFor: this.votedFor,
      highWatermark: this.highWatermark,
      caughtUp: this.caughtUp,
      logStartOffset: this.log.startOffset,
      logEndOffset: this.log.endOffset,
      voters,
      observers: replicas.observers,
    };
  }

  // ---- state transitions ---------------------------------------------------

  private currentHardState(): HardState {
    return { epoch: this.epoch, votedFor: this.votedFor, leaderId: this.leaderId };
  }

  private resetElectionTimer(timeoutTicks?: number): void {
    const base = this.config.electionTimeoutTicks;
    this.electionElapsedTicks = 0;
    this.electionTimeoutTicks = timeoutTicks ?? base + Math.floor(this.config.random() * base);
  }

  private enterEpoch(epoch: number): void {
    invariant(epoch >= this.epoch, `epoch going back from ${this.epoch} to ${epoch}`);
    if (epoch > this.epoch) {
      this.epoch = epoch;
      this.votedFor = null;
      this.leaderId = null;
      this.leaderResigned = false;
    }
    this.leader = null;
    this.download = null;
    this.fetch.inFlight = false;
    this.fetch.backoffTicks = 0;
    this.fetch.target = null;
  }

  private becomeUnattached(epoch: number): void {
    this.enterEpoch(epoch);
    this.role = this.isVoter ? 'unattached' : 'observer';
    this.resetElectionTimer();
    if (!this.isVoter) this.startFetching(null);
  }

  private becomeFollower(epoch: number, leaderId: number): void {
    invariant(leaderId !== this.id, `told to follow itself in epoch ${epoch}`);
    invariant(!(epoch === this.epoch && this.role === 'leader'), `leader of epoch ${epoch} told that ${leaderId} leads it`);
    invariant(epoch > this.epoch || this.leaderId === null || this.leaderId === leaderId,
      `two leaders in epoch ${epoch}: ${this.leaderId} and ${leaderId}`);
    this.enterEpoch(epoch);
    this.leaderId = leaderId;
    this.role = this.isVoter ? 'follower' : 'observer';
    this.leaderSilentTicks = 0;
    this.leaderContactTicks = Number.POSITIVE_INFINITY;
    this.leaderResigned = false;
    this.startFetching(leaderId);
  }

  /** A message shows a newer epoch: follow its leader when known, else wait unattached. */
  private stepToEpoch(epoch: number, leaderId: number | null): void {
    if (leaderId !== null && leaderId !== this.id) this.becomeFollower(epoch, leaderId);
    else this.becomeUnattached(epoch);
  }

  private becomeProspective(): void {
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

  private becomeCandidate(): void {
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

  private requestVotes(preVote: boolean): void {
    for (const to of this.config.voters) {
      if (to === this.id) continue;
      this.send({
        type: 'vote', from: this.id, to, epoch: preVote ? this.epoch + 1 : this.epoch,
        lastEpoch: this.log.lastEpoch, lastOffset: this.log.endOffset, preVote,
      });
    }
  }

  private becomeLeader(): void {
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

  // ---- timers --------------------------------------------------------------

  private tickElection(): void {
    this.electionElapsedTicks++;
    if (this.electionElapsedTicks < this.electionTimeoutTicks) return;
    this.becomeProspective();
  }

  private tickFollower(): void {
    this.leaderSilentTicks++;
    this.leaderContactTicks++;
    if (this.leaderSilentTicks >= this.config.fetchTimeoutTicks) {
      this.becomeProspective();
      return;
    }
    this.tickFetchLoop();
  }

  private tickObserver(): void {
    if (this.leaderId !== null) {
      this.leaderSilentTicks++;
      if (this.leaderSilentTicks >= this.config.fetchTimeoutTicks) {
        // Keep the epoch but look for the leader again through a random voter.
        this.leaderId = null;
        this.startFetching(null);
        return;
      }
    }
    this.tickFetchLoop();
  }

  private tickLeader(): void {
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
    if (quorumChecked && !leader.hasQuorumContact(this.config.fetchTimeoutTicks)) this.resign();
  }

  private sendBeginEpoch(): void {
    const leader = this.leader;
    invariant(leader !== null, 'sendBeginEpoch without leader state');
    leader.ticksSinceBeginEpochSent = 0;
    for (const to of leader.beginEpochUnacked) this.send({ type: 'beginEpoch', from: this.id, to, epoch: this.epoch });
  }

  // ---- votes ---------------------------------------------------------------

  private candidateLogIsUpToDate(request: VoteRequest): boolean {
    return isAtLeastAsUpToDate({ epoch: request.lastEpoch, offset: request.lastOffset },
      { epoch: this.log.lastEpoch, offset: this.log.endOffset });
  }

  /** KIP-996: a voter in touch with a live leader rejects pre-votes. */
  private hasLiveLeader(): boolean {
    if (this.role === 'leader') return true;
    return this.role === 'follower' && !this.leaderResigned && this.leaderContactTicks < this.config.fetchTimeoutTicks;
  }

  private onVote(request: VoteRequest): void {
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

  private replyVote(request: VoteRequest, granted: boolean): void {
    this.send({
      type: 'voteResponse', from: this.id, to: request.from, epoch: this.epoch, granted,
      preVote: request.preVote, leaderId: granted ? null : this.knownLeader(),
    });
  }

  /**
   * The leader to name in answers: only one we are following (or are). A node
   * whose leader went silent or resigned names none, so stale leadership does
   * not circulate and pull voters back to a dead leader.
   */
  private knownLeader(): number | null {
    if (this.role === 'leader') return this.id;
    return this.isFetching() && !this.leaderResigned ? this.leaderId : null;
  }

  private onVoteResponse(response: VoteResponse): void {
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

  private onBeginEpoch(request: BeginQuorumEpochRequest): void {
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

  private onBeginEpochResponse(from: number, epoch: number): void {
    if (epoch > this.epoch) {
      this.stepToEpoch(epoch, null);
      return;
    }
    if (epoch === this.epoch && this.leader !== null) this.leader.beginEpochUnacked.delete(from);
  }

  private onEndEpoch(request: EndQuorumEpochRequest): void {
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

  // ---- leader: serving fetches --------------------------------------------

  private fetchError(request: FetchRequest | FetchSnapshotRequest): 'none' | 'fencedLeaderEpoch' | 'unknownLeaderEpoch' | 'notLeader' {
    if (request.epoch < this.epoch) return 'fencedLeaderEpoch';
    if (request.epoch > this.epoch) return 'unknownLeaderEpoch';
    return this.role === 'leader' ? 'none' : 'notLeader';
  }

  private onFetch(request: FetchRequest): void {
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

  private answerValidFetch(progress: ReplicaProgress, request: FetchRequest): void {
    progress.parked = null;
    progress.highWatermarkSent = this.highWatermark;
    this.send(this.fetchResponse(request, 'none', this.log.read(request.fetchOffset, this.config.fetchMaxRecords)));
  }

  private answerParked(progress: ReplicaProgress): void {
    const request = progress.parked;
    if (request !== null) this.answerValidFetch(progress, request);
  }

  private answerAllParked(): void {
    if (this.leader === null) return;
    for (const progress of this.leader.allReplicas()) this.answerParked(progress);
  }

  /**
   * The high watermark a fetch answer carries: -1 (unknown, as in Kafka) while
   * a new leader has not committed its epoch's first entry, since until then
   * what it holds may trail what an earlier leader committed, and a follower
   * must not take it for the quorum's.
   */
  private answeredHighWatermark(): number {
    if (this.leader !== null && this.highWatermark <= this.leader.epochStartOffset) return -1;
    return this.highWatermark;
  }

  private fetchResponse(request: FetchRequest, error: FetchResponse['error'], entries: readonly Entry[]): FetchResponse {
    return {
      type: 'fetchResponse', from: this.id, to: request.from, error, epoch: this.epoch,
      leaderId: this.knownLeader(), highWatermark: this.answeredHighWatermark(), entries,
      divergingEpoch: null, snapshotId: null,
      fetchOffset: request.fetchOffset, lastFetchedEpoch: request.lastFetchedEpoch,
    };
  }

  private appendAsLeader(entry: Entry): void {
    this.log.append(entry);
    this.updateLeaderHighWatermark();
    this.answerAllParked();
  }

  /** Moves the high watermark to what a majority holds, once this epoch's control entry is covered. */
  private updateLeaderHighWatermark(): boolean {
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

  private advanceHighWatermark(offset: number): void {
    invariant(offset <= this.log.endOffset, `high watermark ${offset} beyond the log end ${this.log.endOffset}`);
    if (offset <= this.highWatermark) return;
    this.highWatermark = offset;
    if (this.committedEnd < offset) {
      this.committed.push(...this.log.slice(this.committedEnd, offset));
      this.committedEnd = offset;
    }
  }

  private onFetchSnapshot(request: FetchSnapshotRequest): void {
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

  // ---- followers and observers: the fetch loop ----------------------------

  private startFetching(target: number | null): void {
    this.fetch.target = target ?? this.randomVoter();
    this.fetch.inFlight = false;
    this.fetch.backoffTicks = 0;
    this.download = null;
    this.sendFetch();
  }

  private randomVoter(): number | null {
    const candidates = this.config.voters.filter((id) => id !== this.id);
    if (candidates.length === 0) return null;
    return candidates[Math.min(candidates.length - 1, Math.floor(this.config.random() * candidates.length))];
  }

  private sendFetch(): void {
    if (this.fetch.target === null) return;
    this.fetch.inFlight = true;
    this.fetch.ticksSinceSent = 0;
    this.fetch.backoffTicks = 0;
    const download = this.download;
    if (download !== null) {
      this.send({ type: 'fetchSnapshot', from: this.id, to: this.fetch.target, epoch: this.epoch, snapshotId: download.id, position: download.received });
      return;
    }
    this.send({
      type: 'fetch', from: this.id, to: this.fetch.target, epoch: this.epoch,
      fetchOffset: this.log.endOffset, lastFetchedEpoch: this.log.lastEpoch,
    });
  }

  private retryFetchLater(): void {
    this.fetch.inFlight = false;
    this.fetch.backoffTicks = RETRY_BACKOFF_TICKS;
  }

  private tickFetchLoop(): void {
    if (this.fetch.target === null) this.fetch.target = this.leaderId ?? this.randomVoter();
    if (this.fetch.inFlight) {
      this.fetch.ticksSinceSent++;
      if (this.fetch.ticksSinceSent >= requestTimeoutTicks(this.config)) {
        if (this.leaderId === null) this.fetch.target = this.randomVoter();
        this.sendFetch();
      }
      return;
    }
    if (this.fetch.backoffTicks > 0) this.fetch.backoffTicks--;
    if (this.fetch.backoffTicks === 0) {
      if (this.leaderId === null) this.fetch.target = this.randomVoter();
      this.sendFetch();
    }
  }

  private isFetching(): boolean {
    return this.role === 'follower' || this.role === 'observer';
  }

  /** Handles what any fetch-type answer says about epochs and leaders; true when the answer may be used. */
  private acceptFetchAnswer(from: number, epoch: number, error: string, leaderId: number | null): boolean {
    if (epoch > this.epoch) {
      this.stepToEpoch(epoch, leaderId);
      return false;
    }
    if (epoch < this.epoch || !this.isFetching() || from !== this.fetch.target) return false;
    if (error === 'notLeader') {
      if (leaderId !== null && leaderId !== this.id && leaderId !== this.leaderId) this.becomeFollower(epoch, leaderId);
      else this.retryFetchLater();
      return false;
    }
    if (error !== 'none') {
      this.retryFetchLater();
      return false;
    }
    if (this.leaderId !== from) {
      // An answer without error comes from the leader of this epoch.
      this.becomeFollower(epoch, from);
      return false;
    }
    return true;
  }

  private onFetchResponse(response: FetchResponse): void {
    if (!this.acceptFetchAnswer(response.from, response.epoch, response.error, response.leaderId)) return;
    if (this.download !== null) return;
    if (response.fetchOffset !== this.log.endOffset || response.lastFetchedEpoch !== this.log.lastEpoch) return;
    this.leaderSilentTicks = 0;
    this.leaderContactTicks = 0;
    if (response.divergingEpoch !== null) {
      this.truncateDiverging(response.divergingEpoch);
    } else if (response.snapshotId !== null) {
      invariant(response.snapshotId.offset > this.highWatermark,
        `told to fetch snapshot ${response.snapshotId.offset} at or below the high watermark ${this.highWatermark}`);
      this.download = { id: response.snapshotId, chunks: [], received: 0 };
    } else {
      for (const entry of response.entries) {
        invariant(entry.epoch <= this.epoch, `fetched an entry of epoch ${entry.epoch} in epoch ${this.epoch}`);
        this.log.append(entry);
      }
      if (response.highWatermark >= 0) {
        this.advanceHighWatermark(Math.min(response.highWatermark, this.log.endOffset));
        // Everything the leader had committed is here now (not yet if the answer held only part of it).
        if (response.highWatermark <= this.log.endOffset) this.caughtUp = true;
      }
    }
    this.sendFetch();
  }

  private truncateDiverging(diverging: OffsetAndEpoch): void {
    const target = divergenceTruncationPoint(this.log, diverging);
    invariant(target >= this.highWatermark, `divergence at ${target} is below the high watermark ${this.highWatermark}`);
    invariant(target < this.log.endOffset, `divergence at ${target} leaves the log unchanged`);
    this.log.truncateTo(target);
  }

  private onFetchSnapshotResponse(response: FetchSnapshotResponse): void {
    if (!this.acceptFetchAnswer(response.from, response.epoch, response.error === 'snapshotNotFound' ? 'none' : response.error, response.leaderId)) return;
    const download = this.download;
    if (download === null || download.id.offset !== response.snapshotId.offset || download.id.epoch !== response.snapshotId.epoch) return;
    if (response.position !== download.received) return;
    this.leaderSilentTicks = 0;
    this.leaderContactTicks = 0;
    if (response.error === 'snapshotNotFound') {
      this.download = null;
      this.sendFetch();
      return;
    }
    download.chunks.push(response.chunk);
    download.received += response.chunk.length;
    invariant(download.received <= response.size, `snapshot chunks exceed its size ${response.size}`);
    if (download.received === response.size) this.installDownloadedSnapshot(download);
    this.sendFetch();
  }

  private installDownloadedSnapshot(download: SnapshotDownload): void {
    this.download = null;
    if (download.id.offset <= this.highWatermark) return;
    invariant(this.committedEnd <= download.id.offset, `installing snapshot at ${download.id.offset} below committed ${this.committedEnd}`);
    this.log.installSnapshot({ id: download.id, data: Buffer.concat(download.chunks) });
    this.highWatermark = download.id.offset;
    this.committedEnd = download.id.offset;
    // Committed entries not handed out yet are covered by the snapshot the driver installs first.
    this.committed = [];
  }

  private send(message: Message): void {
    this.messages.push(message);
  }
}

function sameHardState(a: HardState, b: HardState): boolean {
  return a.epoch === b.epoch && a.votedFor === b.votedFor && a.leaderId === b.leaderId;
}
