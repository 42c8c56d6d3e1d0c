/**
 * What one Raft node remembers, and the role changes every other part of it
 * makes. The node is one state machine split across a chain of classes by
 * concern — this state, then the follower's fetch loop (follower-fetch.ts),
 * the leader's replication (leader-replication.ts), elections
 * (elections.ts) and the public inputs (raft-node.ts) — each calling only the
 * layers below it, except the two hooks declared abstract here and in
 * follower-fetch.ts. A chain rather than collaborators because every concern
 * reads and writes the same few fields (epoch, role, leader, high
 * watermark), as the one struct of etcd's raft does.
 */
import type { Entry, HardState, Message, OffsetAndEpoch, PersistedState, RaftConfig, Role } from './types.ts';
import { invariant, RaftLog } from './raft-log.ts';
import type { LeaderState } from './leader-state.ts';

export interface FetchLoop {
  /** Where the next fetch goes; null when no one to fetch from. */
  target: number | null;
  inFlight: boolean;
  ticksSinceSent: number;
  /** Ticks left before the next fetch is sent; 0 when none is scheduled. */
  backoffTicks: number;
}

export interface SnapshotDownload {
  readonly id: OffsetAndEpoch;
  readonly chunks: Buffer[];
  received: number;
}

export abstract class NodeState {
  protected readonly config: RaftConfig;
  protected readonly id: number;
  protected readonly isVoter: boolean;
  protected readonly log: RaftLog;

  protected role: Role;
  protected epoch: number;
  protected votedFor: number | null;
  protected leaderId: number | null;
  protected lastHardState: HardState;

  protected electionElapsedTicks = 0;
  protected electionTimeoutTicks = 0;
  /** Followers and observers: ticks since following the leader or its last successful answer (the fetch timeout). */
  protected leaderSilentTicks = 0;
  /**
   * Ticks since the leader last answered a fetch or announced its epoch. Unlike
   * leaderSilentTicks it is not reset by merely hearing of a leader, so only
   * real contact makes this voter reject pre-votes.
   */
  protected leaderContactTicks = Number.POSITIVE_INFINITY;
  /** Set when the leader of this epoch told us it resigned: pre-votes are then granted. */
  protected leaderResigned = false;
  protected readonly fetch: FetchLoop = { target: null, inFlight: false, ticksSinceSent: 0, backoffTicks: 0 };
  protected download: SnapshotDownload | null = null;
  protected readonly preVotes = new Set<number>();
  protected readonly votes = new Set<number>();
  protected leader: LeaderState | null = null;

  protected highWatermark: number;
  /**
   * Whether this node has applied everything the quorum had committed when it
   * last heard from a leader in this lifetime (Kafka's metadata loader
   * "caught up"). A restarted node's own log says only what was committed
   * before it stopped: what it publishes before this is stale.
   */
  protected caughtUp = false;
  /** Entries below this offset were handed out as committed (or are covered by the snapshot). */
  protected committedEnd: number;
  protected committed: Entry[] = [];
  protected messages: Message[] = [];
  protected lastReadyHighWatermark: number;

  /** Loads what was persisted; the subclass that completes the node then picks the starting role's timers. */
  constructor(config: RaftConfig, persisted: PersistedState) {
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
  }

  /** Follower and observer side: starts fetching from `target`, or a random voter when null (follower-fetch.ts). */
  protected abstract startFetching(target: number | null): void;

  // ---- state transitions ---------------------------------------------------

  protected currentHardState(): HardState {
    return { epoch: this.epoch, votedFor: this.votedFor, leaderId: this.leaderId };
  }

  protected resetElectionTimer(timeoutTicks?: number): void {
    const base = this.config.electionTimeoutTicks;
    this.electionElapsedTicks = 0;
    this.electionTimeoutTicks = timeoutTicks ?? base + Math.floor(this.config.random() * base);
  }

  protected enterEpoch(epoch: number): void {
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

  protected becomeUnattached(epoch: number): void {
    this.enterEpoch(epoch);
    this.role = this.isVoter ? 'unattached' : 'observer';
    this.resetElectionTimer();
    if (!this.isVoter) this.startFetching(null);
  }

  protected becomeFollower(epoch: number, leaderId: number): void {
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
  protected stepToEpoch(epoch: number, leaderId: number | null): void {
    if (leaderId !== null && leaderId !== this.id) this.becomeFollower(epoch, leaderId);
    else this.becomeUnattached(epoch);
  }

  protected isFetching(): boolean {
    return this.role === 'follower' || this.role === 'observer';
  }

  /**
   * The leader to name in answers: only one we are following (or are). A node
   * whose leader went silent or resigned names none, so stale leadership does
   * not circulate and pull voters back to a dead leader.
   */
  protected knownLeader(): number | null {
    if (this.role === 'leader') return this.id;
    return this.isFetching() && !this.leaderResigned ? this.leaderId : null;
  }

  protected advanceHighWatermark(offset: number): void {
    invariant(offset <= this.log.endOffset, `high watermark ${offset} beyond the log end ${this.log.endOffset}`);
    if (offset <= this.highWatermark) return;
    this.highWatermark = offset;
    if (this.committedEnd < offset) {
      this.committed.push(...this.log.slice(this.committedEnd, offset));
      this.committedEnd = offset;
    }
  }

  protected send(message: Message): void {
    this.messages.push(message);
  }
}
