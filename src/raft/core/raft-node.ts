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
 *
 * This file holds the inputs and the Ready; each concern they dispatch to has
 * its own module: node-state.ts (the state and role changes),
 * follower-fetch.ts, leader-replication.ts and elections.ts.
 */
import type { Entry, HardState, Message, OffsetAndEpoch, PersistedState, ProposeResult, QuorumStatus, RaftConfig, Ready } from './types.ts';
import { invariant } from './raft-log.ts';
import { ElectionNode } from './elections.ts';

export function validateConfig(config: RaftConfig): void {
  invariant(config.voters.length > 0, 'config.voters is empty');
  invariant(new Set(config.voters).size === config.voters.length, 'config.voters has duplicates');
  invariant(config.electionTimeoutTicks >= 1, 'electionTimeoutTicks must be >= 1');
  invariant(config.fetchTimeoutTicks >= 1, 'fetchTimeoutTicks must be >= 1');
  invariant(config.fetchMaxWaitTicks >= 0, 'fetchMaxWaitTicks must be >= 0');
  invariant(config.fetchMaxRecords >= 1, 'fetchMaxRecords must be >= 1');
  invariant(config.snapshotChunkBytes >= 1, 'snapshotChunkBytes must be >= 1');
}

export class RaftNode extends ElectionNode {
  constructor(config: RaftConfig, persisted: PersistedState) {
    validateConfig(config);
    super(config, persisted);
    const hard = persisted.hardState;
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

  /** A leader steps down (EndQuorumEpoch to the most caught-up voters); otherwise nothing. */
  resign(): void {
    this.resignLeadership();
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
}

function sameHardState(a: HardState, b: HardState): boolean {
  return a.epoch === b.epoch && a.votedFor === b.votedFor && a.leaderId === b.leaderId;
}
