/**
 * What a leader tracks for its epoch: every replica's fetched log end offset
 * and fetch recency (voters count toward the high watermark and the check
 * quorum; observers only appear in status), the fetch each one has parked
 * (long poll), and which voters still owe a BeginQuorumEpoch acknowledgement.
 */
import type { FetchRequest, ReplicaStatus } from './types.ts';
import { invariant } from './raft-log.ts';

export interface ReplicaProgress {
  readonly id: number;
  /** Log end offset of its last valid fetch in this epoch; -1 when never. */
  logEndOffset: number;
  /** Ticks since its last fetch in this epoch; -1 when never. */
  ticksSinceFetch: number;
  /** The high watermark the last response to it carried. */
  highWatermarkSent: number;
  /** A valid fetch that found nothing new, waiting for entries, a new high watermark or its deadline. */
  parked: FetchRequest | null;
  parkedTicks: number;
}

export function majorityOf(voterCount: number): number {
  return Math.floor(voterCount / 2) + 1;
}

export class LeaderState {
  readonly epoch: number;
  /** Offset of this epoch's control entry: the high watermark may only move once it is covered. */
  readonly epochStartOffset: number;
  private readonly selfId: number;
  private readonly voterIds: readonly number[];
  private readonly replicas = new Map<number, ReplicaProgress>();
  readonly beginEpochUnacked = new Set<number>();
  ticksSinceBeginEpochSent = 0;
  ticksAsLeader = 0;

  constructor(selfId: number, voters: readonly number[], epoch: number, epochStartOffset: number) {
    this.selfId = selfId;
    this.voterIds = voters;
    this.epoch = epoch;
    this.epochStartOffset = epochStartOffset;
    for (const id of voters) {
      if (id === selfId) continue;
      this.replicas.set(id, newProgress(id));
      this.beginEpochUnacked.add(id);
    }
  }

  isVoter(id: number): boolean {
    return this.voterIds.includes(id);
  }

  replica(id: number): ReplicaProgress {
    invariant(id !== this.selfId, 'the leader does not track itself as a replica');
    let progress = this.replicas.get(id);
    if (progress === undefined) {
      progress = newProgress(id);
      this.replicas.set(id, progress);
    }
    return progress;
  }

  allReplicas(): IterableIterator<ReplicaProgress> {
    return this.replicas.values();
  }

  tick(): void {
    this.ticksAsLeader++;
    this.ticksSinceBeginEpochSent++;
    for (const progress of this.replicas.values()) {
      if (progress.ticksSinceFetch >= 0) progress.ticksSinceFetch++;
      if (progress.parked !== null) progress.parkedTicks++;
    }
  }

  /** The largest offset a majority of voters (the leader with `ownEndOffset`) have reached. */
  majorityEndOffset(ownEndOffset: number): number {
    const ends: number[] = [];
    for (const id of this.voterIds) {
      ends.push(id === this.selfId ? ownEndOffset : Math.max(0, this.replica(id).logEndOffset));
    }
    ends.sort((a, b) => b - a);
    return ends[majorityOf(ends.length) - 1];
  }

  /** True when a majority of voters (counting the leader) fetched within `fetchTimeoutTicks`. */
  hasQuorumContact(fetchTimeoutTicks: number): boolean {
    let inContact = 1;
    for (const id of this.voterIds) {
      if (id === this.selfId) continue;
      const ticks = this.replica(id).ticksSinceFetch;
      if (ticks >= 0 && ticks < fetchTimeoutTicks) inContact++;
    }
    return inContact >= majorityOf(this.voterIds.length);
  }

  /** The other voters, most caught up first (ties by id, so the order is deterministic). */
  preferredSuccessors(): number[] {
    const others = this.voterIds.filter((id) => id !== this.selfId);
    return others.sort((a, b) => (this.replica(b).logEndOffset - this.replica(a).logEndOffset) || (a - b));
  }

  status(): { voters: ReplicaStatus[]; observers: ReplicaStatus[] } {
    const voters: ReplicaStatus[] = [];
    const observers: ReplicaStatus[] = [];
    for (const id of this.voterIds) {
      if (id === this.selfId) continue;
      const progress = this.replica(id);
      voters.push({ id, logEndOffset: progress.logEndOffset, ticksSinceFetch: progress.ticksSinceFetch });
    }
    for (const progress of this.replicas.values()) {
      if (this.isVoter(progress.id)) continue;
      observers.push({ id: progress.id, logEndOffset: progress.logEndOffset, ticksSinceFetch: progress.ticksSinceFetch });
    }
    return { voters, observers };
  }
}

function newProgress(id: number): ReplicaProgress {
  return { id, logEndOffset: -1, ticksSinceFetch: -1, highWatermarkSent: -1, parked: null, parkedTicks: 0 };
}
