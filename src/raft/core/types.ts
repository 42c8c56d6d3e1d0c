/**
 * The vocabulary of the pure Raft core: what goes in (messages, ticks,
 * proposals), what comes out (a Ready: state and entries to persist, messages
 * to send, entries newly committed). No sockets, timers, clocks, randomness
 * or files: the driver (src/raft/quorum-driver.ts) supplies time as ticks,
 * randomness as a function, and does the I/O.
 *
 * Offsets follow Kafka's metadata log: an entry is one record batch and
 * occupies `records.length` consecutive offsets starting at `baseOffset`.
 * An epoch's first entry is the leader's control entry (LeaderChangeMessage).
 */

export interface Entry {
  readonly baseOffset: number;
  /** The leader epoch the entry was written in (the batch's partitionLeaderEpoch). */
  readonly epoch: number;
  /** Opaque record values; at least one. */
  readonly records: readonly Buffer[];
  /** True for the leader's epoch-start control batch; its record is opaque to the core. */
  readonly control: boolean;
}

export interface OffsetAndEpoch {
  readonly offset: number;
  readonly epoch: number;
}

/** Durable per-node state; written atomically before any message that depends on it is sent. */
export interface HardState {
  readonly epoch: number;
  readonly votedFor: number | null;
  readonly leaderId: number | null;
}

/** A snapshot of the state machine at `id.offset` (exclusive end offset), `id.epoch` the epoch of the last entry it covers. */
export interface Snapshot {
  readonly id: OffsetAndEpoch;
  readonly data: Buffer;
}

export interface RaftConfig {
  readonly nodeId: number;
  /** The voter ids. A node not among them is an observer: it fetches but never votes or campaigns. */
  readonly voters: readonly number[];
  /** controller.quorum.election.timeout.ms in ticks; the real timeout is drawn from [t, 2t) with `random`. */
  readonly electionTimeoutTicks: number;
  /** controller.quorum.fetch.timeout.ms in ticks: a follower that hears nothing from its leader for this long starts a (pre-)vote; a leader not fetched from by a majority for this long resigns. */
  readonly fetchTimeoutTicks: number;
  /** How long the leader parks a fetch that finds no new entries before answering empty. */
  readonly fetchMaxWaitTicks: number;
  /** Upper bound on the records returned by one fetch response. */
  readonly fetchMaxRecords: number;
  /** Bytes of snapshot data per FetchSnapshot response. */
  readonly snapshotChunkBytes: number;
  /** Uniform in [0, 1); injected so simulations are reproducible. */
  random(): number;
  /** The record of the control entry a new leader writes first (the driver encodes Kafka's LeaderChangeMessage). */
  leaderChangeRecord(epoch: number, leaderId: number): Buffer;
}

/** What the node recovered from disk at start. */
export interface PersistedState {
  readonly hardState: HardState;
  readonly snapshot: Snapshot | null;
  /** Entries after the snapshot (or from offset 0), contiguous, in order. */
  readonly entries: readonly Entry[];
}

export type Message =
  | VoteRequest | VoteResponse
  | BeginQuorumEpochRequest | BeginQuorumEpochResponse
  | EndQuorumEpochRequest | EndQuorumEpochResponse
  | FetchRequest | FetchResponse
  | FetchSnapshotRequest | FetchSnapshotResponse;

interface Addressed {
  readonly from: number;
  readonly to: number;
}

export interface VoteRequest extends Addressed {
  readonly type: 'vote';
  /** The candidate's epoch (for a pre-vote: the epoch it would campaign in). */
  readonly epoch: number;
  readonly lastEpoch: number;
  /** The candidate's log end offset. */
  readonly lastOffset: number;
  readonly preVote: boolean;
}

export interface VoteResponse extends Addressed {
  readonly type: 'voteResponse';
  /** The responder's current epoch. */
  readonly epoch: number;
  readonly granted: boolean;
  readonly preVote: boolean;
  /** The leader the responder knows for `epoch`, or null. */
  readonly leaderId: number | null;
}

export interface BeginQuorumEpochRequest extends Addressed {
  readonly type: 'beginEpoch';
  readonly epoch: number;
}

export interface BeginQuorumEpochResponse extends Addressed {
  readonly type: 'beginEpochResponse';
  readonly epoch: number;
}

export interface EndQuorumEpochRequest extends Addressed {
  readonly type: 'endEpoch';
  readonly epoch: number;
  /** Voters ordered by how caught up they are; the first should campaign soonest. */
  readonly preferredSuccessors: readonly number[];
}

export interface EndQuorumEpochResponse extends Addressed {
  readonly type: 'endEpochResponse';
  readonly epoch: number;
}

export interface FetchRequest extends Addressed {
  readonly type: 'fetch';
  /** The fetcher's current epoch. */
  readonly epoch: number;
  /** The fetcher's log end offset. */
  readonly fetchOffset: number;
  /** Epoch of the fetcher's last entry (or of its snapshot when its log is empty). */
  readonly lastFetchedEpoch: number;
}

export type FetchError = 'none' | 'fencedLeaderEpoch' | 'notLeader' | 'unknownLeaderEpoch';

export interface FetchResponse extends Addressed {
  readonly type: 'fetchResponse';
  readonly error: FetchError;
  /** The responder's epoch and the leader it knows for it. */
  readonly epoch: number;
  readonly leaderId: number | null;
  readonly highWatermark: number;
  readonly entries: readonly Entry[];
  /** Set when the fetcher's log diverges: truncate to `endOffset` (and fetch again) — the end of `epoch` in the leader's log. */
  readonly divergingEpoch: OffsetAndEpoch | null;
  /** Set when the fetch offset is before the leader's log start: fetch this snapshot. */
  readonly snapshotId: OffsetAndEpoch | null;
  /**
   * Echo of the answered request's fetchOffset and lastFetchedEpoch (a driver
   * fills them from the request it correlated the response with). The fetcher
   * applies a response only when they still match its log end, so a late or
   * duplicated response cannot truncate or extend a log that moved on.
   */
  readonly fetchOffset: number;
  readonly lastFetchedEpoch: number;
}

export interface FetchSnapshotRequest extends Addressed {
  readonly type: 'fetchSnapshot';
  readonly epoch: number;
  readonly snapshotId: OffsetAndEpoch;
  readonly position: number;
}

export interface FetchSnapshotResponse extends Addressed {
  readonly type: 'fetchSnapshotResponse';
  readonly error: FetchError | 'snapshotNotFound';
  readonly epoch: number;
  readonly leaderId: number | null;
  readonly snapshotId: OffsetAndEpoch;
  readonly size: number;
  readonly position: number;
  readonly chunk: Buffer;
}

/**
 * Everything the driver must do after feeding inputs, in this order:
 * persist `hardState`; install `snapshot` (replacing the log and the state
 * machine); truncate the log to `truncateTo`; append `entries` and fsync;
 * only then send `messages`; then apply `committed` to the state machine.
 */
export interface Ready {
  readonly hardState: HardState | null;
  readonly snapshot: Snapshot | null;
  readonly truncateTo: number | null;
  readonly entries: readonly Entry[];
  readonly messages: readonly Message[];
  /** Entries newly below the high watermark, in offset order, each exactly once per node lifetime (after a snapshot install, from the snapshot on). */
  readonly committed: readonly Entry[];
  readonly highWatermark: number;
}

export type Role = 'unattached' | 'prospective' | 'candidate' | 'leader' | 'follower' | 'resigned' | 'observer';

export interface ReplicaStatus {
  readonly id: number;
  /** Log end offset the leader last saw in this replica's fetch; -1 when never. */
  readonly logEndOffset: number;
  /** Ticks since the leader last heard a fetch from it; -1 when never. */
  readonly ticksSinceFetch: number;
}

export interface QuorumStatus {
  readonly nodeId: number;
  readonly role: Role;
  readonly epoch: number;
  readonly leaderId: number | null;
  readonly votedFor: number | null;
  readonly highWatermark: number;
  /** This node has applied all the quorum had committed when it last heard from a leader in this lifetime. */
  readonly caughtUp: boolean;
  readonly logStartOffset: number;
  readonly logEndOffset: number;
  /** Leader only: every voter and every observer seen fetching. */
  readonly voters: readonly ReplicaStatus[];
  readonly observers: readonly ReplicaStatus[];
}

export type ProposeResult =
  | { readonly ok: true; readonly baseOffset: number; readonly epoch: number }
  | { readonly ok: false; readonly leaderId: number | null };
