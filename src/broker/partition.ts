/**
 * One partition replica hosted by this broker: its log and its replication
 * state, as leader or as follower. This class is the only thing that changes
 * either: appends as leader (sequence checks, epoch stamping, high watermark),
 * appends and truncation as follower, the leader's view of each follower
 * (counted only after a fetch was validated), ISR candidates, and the
 * acks=all condition, and the last stable offset (the high watermark held
 * back by transactions still open or whose markers are not replicated yet),
 * kept the same way on leaders and followers so a new leader has it right
 * at once. It does no I/O of its own beyond its log, reads no
 * clock and owns no timer, so the replication simulation drives this very
 * class over an in-memory log.
 */
import { ErrorCode } from '../protocol/index.ts';
import { RecordBatch } from '../records/index.ts';
import type { TopicConfig } from '../metadata/index.ts';
import type { PartitionLog } from '../storage/index.ts';
import { ProducerStateManager, type AppendOrigin, type VerificationGuard } from './producer-state.ts';
import { validateFollowerFetch, type FollowerFetch, type FetchValidation } from './replication/fetch-validation.ts';
import type { ReplicaLog } from './replication/replica-log.ts';

export interface PartitionState {
  leaderId: number;
  leaderEpoch: number;
  partitionEpoch: number;
  replicas: readonly number[];
  isr: readonly number[];
}

/** The outcome of a leader append: where the batch went (a retry: where it went before), or why it was refused. */
export type LeaderAppend =
  | { kind: 'appended'; firstOffset: number; lastOffset: number; logAppendTimeMs: number }
  | { kind: 'duplicate'; firstOffset: number; lastOffset: number }
  | { kind: 'error'; errorCode: number; errorMessage: string | null };

/** Where an acks=all wait stands: still waiting, or done with an error code (NONE when replicated). */
export type AcksOutcome = { done: false } | { done: true; errorCode: number };

const WAITING: AcksOutcome = Object.freeze({ done: false });

interface FollowerState {
  logEndOffset: number;
  lastCaughtUpMs: number;
  brokerEpoch: bigint;
}

/** How a replica rebuilds producer state from its log after a truncation (from disk in the broker, in memory in the simulation). */
export type ProducerStateLoader = (log: ReplicaLog) => ProducerStateManager;

export class Partition<L extends ReplicaLog = PartitionLog> {
  readonly topic: string;
  readonly topicId: string;
  readonly index: number;
  readonly log: L;
  readonly nodeId: number;
  private configValue: TopicConfig;
  private stateValue: PartitionState;
  /** When this broker last became leader (ms): followers get a full lag allowance from then. */
  private leaderSinceMs = 0;
  /** Idempotent producers' epochs and last sequences, rebuilt from the log when the replica is opened or truncated. */
  private producerState: ProducerStateManager;
  private readonly loadProducers: ProducerStateLoader;
  /** As leader: each follower's log end offset as its last valid fetch gave it, and when it was last caught up. */
  private readonly followers = new Map<number, FollowerState>();
  private hw: number;
  /**
   * The ISR as proposed to the controller and not yet committed, united with
   * the current one (Kafka's maximal ISR): a joining follower counts towards
   * the high watermark from the moment it is proposed, so once the controller
   * admits it, it holds everything the leader ever called committed.
   */
  private maximalIsr: readonly number[] | null = null;
  /** Set when this replica's log directory failed: every request for it is answered KAFKA_STORAGE_ERROR. */
  private offlineValue = false;

  constructor(
    topic: string, topicId: string, index: number, nodeId: number, log: L, config: TopicConfig,
    state: PartitionState, nowMs: number, loadProducers: ProducerStateLoader,
  ) {
    this.topic = topic;
    this.topicId = topicId;
    this.index = index;
    this.nodeId = nodeId;
    this.log = log;
    this.configValue = config;
    this.stateValue = state;
    this.loadProducers = loadProducers;
    // Recovery may have kept records nobody acknowledged: nothing counts as committed until the
    // in-sync replicas say so again (a lone replica at once; a follower from its leader's answer).
    // Starting at the log end instead once let a restarted leader with stale metadata acknowledge
    // a retried batch that no follower had.
    this.hw = log.logStartOffset;
    this.producerState = loadProducers(log);
    this.producerState.onHighWatermarkUpdated(this.hw);
    this.leaderSinceMs = nowMs;
    if (this.isLeader) {
      this.stampLeaderEpoch();
      this.advanceHighWatermark();
    }
  }

  /**
   * A new leader records that its epoch starts at its log end before it
   * writes anything (Kafka's makeLeader): a follower whose last epoch the
   * leader never wrote then learns where to truncate, instead of getting an
   * undefined answer and fetching forever from beyond the leader's log end.
   */
  private stampLeaderEpoch(): void {
    if (this.leaderEpoch > this.log.leaderEpochCache.latestEpoch) this.log.leaderEpochCache.assign(this.leaderEpoch, this.log.logEndOffset);
  }

  get config(): TopicConfig {
    return this.configValue;
  }

  /** The topic's effective config changed (an override set or removed). */
  updateConfig(config: TopicConfig): void {
    this.configValue = config;
  }

  get offline(): boolean {
    return this.offlineValue;
  }

  /** Its log directory failed: from now on every request for it is answered KAFKA_STORAGE_ERROR. */
  markOffline(): void {
    this.offlineValue = true;
  }

  get leaderId(): number {
    return this.stateValue.leaderId;
  }

  get leaderEpoch(): number {
    return this.stateValue.leaderEpoch;
  }

  get partitionEpoch(): number {
    return this.stateValue.partitionEpoch;
  }

  get replicas(): readonly number[] {
    return this.stateValue.replicas;
  }

  get isr(): readonly number[] {
    return this.stateValue.isr;
  }

  get isLeader(): boolean {
    return this.stateValue.leaderId === this.nodeId;
  }

  get producers(): ProducerStateManager {
    return this.producerState;
  }

  get highWatermark(): number {
    return this.hw;
  }

  /**
   * Kafka's UnifiedLog.lastStableOffset: the first offset of a transaction
   * still open, or completed with its marker not yet below the high
   * watermark (never below the log start), capped by the high watermark.
   * read_committed consumers read up to here.
   */
  get lastStableOffset(): number {
    const firstUnstable = this.producerState.firstUnstableOffset();
    if (firstUnstable === null) return this.hw;
    return Math.min(Math.max(firstUnstable, this.log.logStartOffset), this.hw);
  }

  /** Every change of the high watermark goes through here: completed transactions below it become stable. */
  private setHighWatermark(hw: number): void {
    this.hw = hw;
    this.producerState.onHighWatermarkUpdated(hw);
  }

  get logStartOffset(): number {
    return this.log.logStartOffset;
  }

  get logEndOffset(): number {
    return this.log.logEndOffset;
  }

  /**
   * A new partition state from the metadata log. A new leadership (this node
   * leads, and the leader or epoch changed) starts with no knowledge of the
   * followers: what they said to an earlier leadership does not count.
   * Returns whether this node became leader.
   */
  applyState(state: PartitionState, nowMs: number): boolean {
    // Metadata may bring again what an AlterPartition answer already applied: an old or equal state
    // must not undo a newer one (nor drop the maximal ISR of a proposal made on top of it).
    const current = this.stateValue;
    if (state.leaderEpoch < current.leaderEpoch || (state.leaderEpoch === current.leaderEpoch && state.partitionEpoch <= current.partitionEpoch)) {
      return false;
    }
    const newLeadership = state.leaderId === this.nodeId
      && (this.stateValue.leaderId !== state.leaderId || this.stateValue.leaderEpoch !== state.leaderEpoch);
    this.stateValue = state;
    this.maximalIsr = null;
    if (newLeadership) {
      this.followers.clear();
      this.leaderSinceMs = nowMs;
      this.stampLeaderEpoch();
    }
    // The ISR may have shrunk: the high watermark may move now.
    if (this.isLeader) this.advanceHighWatermark();
    return newLeadership;
  }

  // ---- leader ---------------------------------------------------------------------------------

  /**
   * Appends one validated batch as leader: a retry of a batch already in the
   * log is answered with the offsets it has (and, like any write, waits for
   * the ISR under acks=all); an out-of-sequence or fenced one is refused. A
   * coordinator's batch (a transaction marker, a transactional offset
   * commit) is checked for epochs only.
   */
  appendAsLeader(
    records: Buffer, nowMs: number, logAppendTime: boolean, origin: AppendOrigin = 'client', verificationGuard: VerificationGuard | null = null,
  ): LeaderAppend {
    const batch = new RecordBatch(records, 0);
    const sequence = this.producerState.check(batch, origin, verificationGuard);
    if (sequence.kind === 'error') return { kind: 'error', errorCode: sequence.errorCode, errorMessage: sequence.errorMessage };
    if (sequence.kind === 'duplicate') {
      return { kind: 'duplicate', firstOffset: sequence.firstOffset, lastOffset: sequence.firstOffset + batch.lastOffsetDelta };
    }
    batch.setPartitionLeaderEpoch(this.leaderEpoch);
    if (logAppendTime) batch.setLogAppendTime(BigInt(nowMs));
    const { firstOffset, lastOffset } = this.log.append(records, 1);
    this.producerState.update(batch, lastOffset, nowMs, this.log);
    this.advanceHighWatermark();
    return { kind: 'appended', firstOffset, lastOffset, logAppendTimeMs: nowMs };
  }

  /**
   * The high watermark is the smallest log end offset among the in-sync
   * replicas, so alone in the ISR the leader commits at once, and with
   * followers it waits for their fetches. It never moves back. Returns true
   * when it moved.
   */
  advanceHighWatermark(): boolean {
    let hw = this.log.logEndOffset;
    for (const id of this.maximalIsr ?? this.isr) {
      if (id === this.nodeId) continue;
      hw = Math.min(hw, this.followers.get(id)?.logEndOffset ?? this.hw);
    }
    if (hw <= this.hw) return false;
    this.setHighWatermark(hw);
    return true;
  }

  /**
   * A follower's fetch as the leader checks it, in Kafka's order: leader
   * epoch, then divergence from the follower's last fetched epoch (KIP-320),
   * then the offset range. Only a fetch that passes may count.
   */
  validateFollowerFetch(fetch: FollowerFetch): FetchValidation {
    if (!this.isLeader) return { kind: 'error', errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER };
    return validateFollowerFetch(this.leaderEpoch, this.log, fetch);
  }

  /**
   * A follower's fetch as the leader handles it: validated first, and only a
   * valid one moves the follower's position (and maybe the high watermark).
   */
  handleFollowerFetch(replicaId: number, brokerEpoch: bigint, fetch: FollowerFetch, nowMs: number): { validation: FetchValidation; highWatermarkMoved: boolean } {
    const validation = this.validateFollowerFetch(fetch);
    if (validation.kind !== 'ok') return { validation, highWatermarkMoved: false };
    return { validation, highWatermarkMoved: this.updateFollowerFetchState(replicaId, brokerEpoch, fetch.fetchOffset, nowMs) };
  }

  /**
   * A validated follower fetch at `fetchOffset` says the follower's log ends
   * there. Returns true when that moved the high watermark. A follower is
   * caught up when it has everything the leader had (Kafka's lastCaughtUpTimeMs).
   */
  updateFollowerFetchState(replicaId: number, brokerEpoch: bigint, fetchOffset: number, nowMs: number): boolean {
    if (!this.isLeader || !this.replicas.includes(replicaId) || replicaId === this.nodeId) return false;
    let state = this.followers.get(replicaId);
    // A restarted follower (new broker epoch) starts over: nothing it said before counts.
    if (state === undefined || state.brokerEpoch !== brokerEpoch) state = { logEndOffset: 0, lastCaughtUpMs: -1, brokerEpoch };
    state.logEndOffset = Math.min(fetchOffset, this.log.logEndOffset);
    if (fetchOffset >= this.log.logEndOffset) state.lastCaughtUpMs = nowMs;
    this.followers.set(replicaId, state);
    return this.advanceHighWatermark();
  }

  /** An AlterPartition is on its way: until the controller answers, the high watermark waits for old and new members alike. */
  proposeIsr(isr: readonly number[]): void {
    this.maximalIsr = [...new Set([...this.isr, ...isr])];
  }

  /** The controller accepted an ISR change: its result applies now, before the metadata log brings it. */
  applyIsrChange(isr: readonly number[], leaderEpoch: number, partitionEpoch: number, nowMs: number): void {
    if (leaderEpoch !== this.leaderEpoch || partitionEpoch <= this.partitionEpoch) return;
    this.applyState({ ...this.stateValue, isr, partitionEpoch }, nowMs);
  }

  /** The controller refused the proposal as ineligible: nothing changed, back to the committed ISR. */
  abandonIsrProposal(): void {
    this.maximalIsr = null;
    this.advanceHighWatermark();
  }

  /** The broker epoch a follower fetched with last, for AlterPartition (KIP-903); -1 when unknown. */
  followerBrokerEpoch(replicaId: number): bigint {
    return this.followers.get(replicaId)?.brokerEpoch ?? -1n;
  }

  /**
   * Replicas outside the ISR that have caught up with the leader within the
   * lag allowance (the same test that keeps a member in), for AlterPartition.
   */
  caughtUpOutsideIsr(nowMs: number, lagMaxMs: number): number[] {
    const out: number[] = [];
    for (const [id, state] of this.followers) {
      if (!this.replicas.includes(id) || this.isr.includes(id) || state.lastCaughtUpMs < 0) continue;
      // Joining needs the leader's current epoch too (Kafka: the follower reached the epoch's start offset).
      if (nowMs - state.lastCaughtUpMs <= lagMaxMs && state.logEndOffset >= this.hw && state.logEndOffset >= this.leaderEpochStartOffset()) {
        out.push(id);
      }
    }
    return out;
  }

  /** In-sync followers not caught up for longer than `lagMaxMs` (replica.lag.time.max.ms). */
  laggingInIsr(nowMs: number, lagMaxMs: number): number[] {
    return this.isr.filter((id) => {
      if (id === this.nodeId) return false;
      const caughtUp = this.followers.get(id)?.lastCaughtUpMs ?? this.leaderSinceMs;
      return nowMs - Math.max(caughtUp, this.leaderSinceMs) > lagMaxMs;
    });
  }

  /**
   * Kafka's DelayedProduce check for a write whose last offset is
   * `requiredOffset - 1`: done once the high watermark reaches it (with
   * NOT_ENOUGH_REPLICAS_AFTER_APPEND when the ISR shrank below
   * min.insync.replicas meanwhile), NOT_LEADER_OR_FOLLOWER once leadership
   * moved, else still waiting.
   */
  acksOutcome(requiredOffset: number, leaderEpoch: number): AcksOutcome {
    if (this.offline) return { done: true, errorCode: ErrorCode.KAFKA_STORAGE_ERROR };
    if (!this.isLeader || this.leaderEpoch !== leaderEpoch) return { done: true, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER };
    if (this.hw < requiredOffset) return WAITING;
    if (this.isr.length < this.config.minInsyncReplicas) return { done: true, errorCode: ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND };
    return { done: true, errorCode: ErrorCode.NONE };
  }

  private leaderEpochStartOffset(): number {
    const entries = this.log.leaderEpochCache.entries;
    const last = entries[entries.length - 1];
    return last !== undefined && last.epoch === this.leaderEpoch ? last.startOffset : 0;
  }

  // ---- follower -------------------------------------------------------------------------------

  /** Appends batches fetched from the leader with the offsets they carry, keeping producer state current for a takeover. */
  appendAsFollower(records: Buffer): void {
    this.log.appendAsFollower(records);
    this.producerState.observe(records, this.log);
  }

  /** As follower: the leader's high watermark, bounded by what this replica has. */
  updateFollowerHighWatermark(leaderHw: number): void {
    this.setHighWatermark(Math.min(leaderHw, this.log.logEndOffset));
  }

  /**
   * Drops everything at or above `offset` (divergence from the leader), with
   * the aborted transactions indexed there; producer and transaction state
   * are rebuilt from what is left.
   */
  truncateTo(offset: number): void {
    const end = this.log.logEndOffset;
    // Even with no record to cut, the log drops an epoch this replica stamped as leader and never wrote in;
    // kept, the next fetch would name it again and the leader answer the same divergence forever.
    this.log.truncateTo(offset);
    if (offset >= end) return;
    this.producerState = this.loadProducers(this.log);
    this.setHighWatermark(Math.min(this.hw, this.log.logEndOffset));
  }

  /** Drops the whole log and starts it at `offset` (a follower behind the leader's log start). */
  truncateFullyAndStartAt(offset: number): void {
    this.log.truncateFullyAndStartAt(offset);
    this.producerState = this.loadProducers(this.log);
    this.setHighWatermark(offset);
  }
}
