/**
 * The follower's and observer's side of replication: the fetch loop (one
 * fetch in flight to the leader, or to a random voter while no leader is
 * known; resent on timeout, retried after an error), appending what the
 * leader answers, truncating where the logs diverge, and downloading and
 * installing the leader's snapshot when the fetch position is before its log.
 * A follower that hears nothing for fetchTimeoutTicks starts an election.
 */
import type { FetchResponse, FetchSnapshotResponse, OffsetAndEpoch, RaftConfig } from './types.ts';
import { invariant } from './raft-log.ts';
import { divergenceTruncationPoint } from './fetch-validation.ts';
import { NodeState, type SnapshotDownload } from './node-state.ts';

/** Ticks a fetch (or snapshot fetch) may go unanswered before it is sent again. */
function requestTimeoutTicks(config: RaftConfig): number {
  return config.fetchMaxWaitTicks + Math.max(2, Math.ceil(config.electionTimeoutTicks / 2));
}
/** Ticks a fetcher waits before retrying after an error answer. */
const RETRY_BACKOFF_TICKS = 1;

export abstract class FollowerFetchNode extends NodeState {
  /** A voter whose leader went silent starts a pre-vote (elections.ts). */
  protected abstract becomeProspective(): void;

  // ---- timers --------------------------------------------------------------

  protected tickFollower(): void {
    this.leaderSilentTicks++;
    this.leaderContactTicks++;
    if (this.leaderSilentTicks >= this.config.fetchTimeoutTicks) {
      this.becomeProspective();
      return;
    }
    this.tickFetchLoop();
  }

  protected tickObserver(): void {
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

  // ---- the fetch loop ------------------------------------------------------

  protected override startFetching(target: number | null): void {
    this.fetch.target = target ?? this.randomVoter();
    this.fetch.inFlight = false;
    this.fetch.backoffTicks = 0;
    this.download = null;
    this.sendFetch();
  }

  protected randomVoter(): number | null {
    const candidates = this.config.voters.filter((id) => id !== this.id);
    if (candidates.length === 0) return null;
    return candidates[Math.min(candidates.length - 1, Math.floor(this.config.random() * candidates.length))];
  }

  protected sendFetch(): void {
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

  protected retryFetchLater(): void {
    this.fetch.inFlight = false;
    this.fetch.backoffTicks = RETRY_BACKOFF_TICKS;
  }

  protected tickFetchLoop(): void {
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

  // ---- answers -------------------------------------------------------------

  /** Handles what any fetch-type answer says about epochs and leaders; true when the answer may be used. */
  protected acceptFetchAnswer(from: number, epoch: number, error: string, leaderId: number | null): boolean {
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

  protected onFetchResponse(response: FetchResponse): void {
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

  protected truncateDiverging(diverging: OffsetAndEpoch): void {
    const target = divergenceTruncationPoint(this.log, diverging);
    invariant(target >= this.highWatermark, `divergence at ${target} is below the high watermark ${this.highWatermark}`);
    invariant(target < this.log.endOffset, `divergence at ${target} leaves the log unchanged`);
    this.log.truncateTo(target);
  }

  protected onFetchSnapshotResponse(response: FetchSnapshotResponse): void {
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

  protected installDownloadedSnapshot(download: SnapshotDownload): void {
    this.download = null;
    if (download.id.offset <= this.highWatermark) return;
    invariant(this.committedEnd <= download.id.offset, `installing snapshot at ${download.id.offset} below committed ${this.committedEnd}`);
    this.log.installSnapshot({ id: download.id, data: Buffer.concat(download.chunks) });
    this.highWatermark = download.id.offset;
    this.committedEnd = download.id.offset;
    // Committed entries not handed out yet are covered by the snapshot the driver installs first.
    this.committed = [];
  }
}
