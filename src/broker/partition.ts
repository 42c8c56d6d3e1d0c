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
  replicas: readonly number[];
  isr: readonly number[];
  /** Idempotent producers' epochs and last sequences, rebuilt from the log when the replica is opened. */
  readonly producers: ProducerStateManager;
  private hw: number;

  constructor(
    topic: string, topicId: string, index: number, log: PartitionLog, config: TopicConfig,
    state: { leaderId: number; leaderEpoch: number; replicas: readonly number[]; isr: readonly number[] },
  ) {
    this.topic = topic;
    this.topicId = topicId;
    this.index = index;
    this.log = log;
    this.config = config;
    this.leaderId = state.leaderId;
    this.leaderEpoch = state.leaderEpoch;
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

  /** With the leader as the only in-sync replica, everything written is committed. */
  advanceHighWatermark(): boolean {
    if (this.isr.length <= 1 && this.hw !== this.log.logEndOffset) {
      this.hw = this.log.logEndOffset;
      return true;
    }
    return false;
  }
}
