/**
 * One partition replica hosted by this broker: its log plus the leader's
 * view of replication state. On a single node the ISR is the leader alone,
 * so the high watermark follows the log end offset as soon as an append is
 * written; replication will move it by the followers' fetch positions.
 */
import type { PartitionLog } from '../storage/index.ts';
import type { TopicConfig } from '../metadata/index.ts';
import { ProducerStateManager } from './producer-state.ts';

export class Partition {
  readonly topic: string;
  readonly topicId: string;
  readonly index: number;
  readonly log: PartitionLog;
  config: TopicConfig;
  leaderId: number;
  leaderEpoch: number;
  partitionEpoch: number;
  /** When this broker last became leader (ms): followers get a full lag allowance from then. */
  leaderSinceMs = 0;
  replicas: readonly number[];
  isr: readonly number[];
  /** Idempotent producers' epochs and last sequences, rebuilt from the log when the replica is opened. */
  producers: ProducerStateManager;
  /** As leader: each follower's log end offset as its last fetch gave it, and when it was last caught up. */
  private readonly followers = new Map<number, { logEndOffset: number; lastCaughtUpMs: number; brokerEpoch: bigint }>();
  private hw: number;

  constructor(
    topic: string, topicId: string, index: number, log: PartitionLog, config: TopicConfig,
    state: { leaderId: number; leaderEpoch: number; partitionEpoch: number; replicas: readonly number[]; isr: readonly number[] },
  ) {
    this.topic = topic;
    this.topicId = topicId;
    this.index = index;
    this.log = log;
    this.config = config;
    this.leaderId = state.leaderId;
    this.leaderEpoch = state.leaderEpoch;
    this.partitionEpoch = state.partitionEpoch;
    this.replicas = state.replicas;
    this.isr = state.isr;
    this.hw = log.logEndOffset;
    this.producers = ProducerStateManager.load(log);
  }

  get highWatermark(): number {
    return this.hw;
  }

  get logStartOffset(): number {
    return this.log.logStartOffset;
  }

  get logEndOffset(): number {
    return this.log.logEndOffset;
  }

  /**
   * After the leader's own append: the high watermark is the smallest log
   * end offset among the in-sync replicas, so alone in the ISR the leader
   * commits at once, and with followers it waits for their fetches.
   */
  advanceHighWatermark(): boolean {
    let hw = this.log.logEndOffset;
    for (const id of this.isr) {
      if (id === this.leaderId) continue;
      hw = Math.min(hw, this.followers.get(id)?.logEndOffset ?? this.hw);
    }
    if (hw <= this.hw) return false;
    this.hw = hw;
    return true;
  }

  /**
   * A follower's fetch at `fetchOffset` says its log ends there. Returns true
   * when that moved the high watermark. A follower is caught up when it has
   * everything the leader had (Kafka's lastCaughtUpTimeMs).
   */
  recordFollowerFetch(replicaId: number, brokerEpoch: bigint, fetchOffset: number, nowMs: number): boolean {
    let state = this.followers.get(replicaId);
    // A restarted follower (new broker epoch) starts over: nothing it said before counts.
    if (state === undefined || state.brokerEpoch !== brokerEpoch) state = { logEndOffset: 0, lastCaughtUpMs: -1, brokerEpoch };
    state.logEndOffset = fetchOffset;
    if (fetchOffset >= this.log.logEndOffset) state.lastCaughtUpMs = nowMs;
    this.followers.set(replicaId, state);
    return this.advanceHighWatermark();
  }

  /**
   * Replicas outside the ISR that have caught up with the leader within the
   * lag allowance (the same test that keeps a member in), for AlterPartition.
   */
  caughtUpOutsideIsr(nowMs: number, lagMaxMs: number): number[] {
    const out: number[] = [];
    for (const [id, state] of this.followers) {
      if (!this.replicas.includes(id) || this.isr.includes(id) || state.lastCaughtUpMs < 0) continue;
      if (nowMs - state.lastCaughtUpMs <= lagMaxMs && state.logEndOffset >= this.hw) out.push(id);
    }
    return out;
  }

  /** In-sync followers not caught up for longer than `lagMaxMs` (replica.lag.time.max.ms). */
  laggingInIsr(nowMs: number, lagMaxMs: number, leaderSinceMs: number): number[] {
    return this.isr.filter((id) => {
      if (id === this.leaderId) return false;
      const caughtUp = this.followers.get(id)?.lastCaughtUpMs ?? leaderSinceMs;
      return nowMs - Math.max(caughtUp, leaderSinceMs) > lagMaxMs;
    });
  }

  /** A new leadership starts with no knowledge of the followers. */
  resetFollowers(): void {
    this.followers.clear();
  }

  /** As follower: the leader's high watermark, bounded by what this replica has. */
  setFollowerHighWatermark(leaderHw: number): void {
    this.hw = Math.min(leaderHw, this.log.logEndOffset);
  }
}
