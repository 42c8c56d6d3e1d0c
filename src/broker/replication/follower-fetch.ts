/**
 * What a follower does with its leader's answer for one partition, decided
 * without I/O so the fetcher and the replication simulation share it:
 * truncate where the leader says the logs diverge (KIP-279/320), handle
 * OFFSET_OUT_OF_RANGE as Kafka's fetcher does (behind the leader's log start:
 * start over there; ahead of the leader: cut back to what the leader has
 * committed, which it certainly holds), append records, or back off.
 */
import { ErrorCode } from '../../protocol/index.ts';
import type { ReplicaLog } from './replica-log.ts';

export interface LeaderAnswer {
  errorCode: number;
  highWatermark: number;
  logStartOffset: number;
  /** The leader's diverging epoch; epoch and endOffset both -1 when the logs agree. */
  divergingEpoch: { epoch: number; endOffset: number };
  records: Buffer | null;
}

export type FollowerAction =
  | { kind: 'append'; records: Buffer | null; highWatermark: number }
  | { kind: 'truncate'; offset: number; reason: string }
  | { kind: 'restartAt'; offset: number; reason: string }
  /** Retriable for the partition: try it again after replica.fetch.backoff.ms. */
  | { kind: 'backoff'; errorCode: number }
  /** The leader no longer leads at our epoch, or we are ahead of it: wait for new metadata. */
  | { kind: 'awaitMetadata'; errorCode: number };

export function followerAction(
  log: Pick<ReplicaLog, 'logEndOffset' | 'endOffsetForEpoch'>, localHighWatermark: number, fetchOffset: number, answer: LeaderAnswer,
): FollowerAction {
  if (answer.errorCode === ErrorCode.NONE) {
    if (answer.divergingEpoch.epoch !== -1 || answer.divergingEpoch.endOffset !== -1) {
      const offset = truncationOffset(log, localHighWatermark, answer.divergingEpoch.epoch, answer.divergingEpoch.endOffset);
      return { kind: 'truncate', offset, reason: `epoch ${answer.divergingEpoch.epoch} ends at ${answer.divergingEpoch.endOffset} on the leader` };
    }
    return { kind: 'append', records: answer.records, highWatermark: answer.highWatermark };
  }
  if (answer.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) {
    if (fetchOffset < answer.logStartOffset) {
      return { kind: 'restartAt', offset: answer.logStartOffset, reason: `fetch offset ${fetchOffset} is below the leader's log start ${answer.logStartOffset}` };
    }
    // Ahead of the leader (its log ends before ours): what the leader has committed it certainly holds.
    const offset = Math.min(answer.highWatermark, localHighWatermark, log.logEndOffset);
    return { kind: 'truncate', offset, reason: `fetch offset ${fetchOffset} is beyond the leader's log end (its high watermark is ${answer.highWatermark})` };
  }
  if (answer.errorCode === ErrorCode.FENCED_LEADER_EPOCH || answer.errorCode === ErrorCode.UNKNOWN_LEADER_EPOCH
    || answer.errorCode === ErrorCode.NOT_LEADER_OR_FOLLOWER || answer.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
    || answer.errorCode === ErrorCode.UNKNOWN_TOPIC_ID) {
    return { kind: 'awaitMetadata', errorCode: answer.errorCode };
  }
  return { kind: 'backoff', errorCode: answer.errorCode };
}

/**
 * Where a follower cuts its log when the leader says its last epoch diverges
 * (Kafka's follower truncation, KIP-279): the leader does not know the epoch
 * at all → the high watermark; the follower has that epoch too → the smaller
 * of the two ends; it does not → the end of the follower's own largest epoch
 * below it, and the next fetch (with that epoch) narrows it further.
 */
export function truncationOffset(
  log: Pick<ReplicaLog, 'logEndOffset' | 'endOffsetForEpoch'>, localHighWatermark: number, leaderEpoch: number, leaderEndOffset: number,
): number {
  const end = log.logEndOffset;
  if (leaderEndOffset < 0) return Math.min(localHighWatermark, end);
  if (leaderEpoch < 0) return Math.min(leaderEndOffset, end);
  const local = log.endOffsetForEpoch(leaderEpoch);
  if (local.endOffset < 0) return Math.min(leaderEndOffset, end);
  if (local.epoch !== leaderEpoch) return Math.min(local.endOffset, end);
  return Math.min(leaderEndOffset, local.endOffset, end);
}
