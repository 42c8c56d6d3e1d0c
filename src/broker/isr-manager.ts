/**
 * A partition leader's proposals to change its ISR (AlterPartition to the
 * active controller): a follower that has caught up joins, one that has not
 * been caught up for replica.lag.time.max.ms leaves. The controller commits the
 * change to the metadata log and every broker applies it from there; one
 * proposal per partition is in flight at a time.
 */
import { ErrorCode, messages } from '../protocol/index.ts';
import type { Partition } from './partition.ts';
import type { ReplicaManager } from './replica-manager.ts';

/** Sends AlterPartition to the active controller (the server's controller channel). */
export interface AlterPartitionChannel {
  alterPartition(request: messages.AlterPartitionRequest): Promise<messages.AlterPartitionResponse>;
}

export interface IsrManagerDeps {
  nodeId: number;
  replicas: ReplicaManager;
  channel: AlterPartitionChannel;
  brokerEpoch(): bigint;
  lagMaxMs: number;
  nowMs(): number;
  log(line: string, level?: 'warn' | 'error'): void;
}

export class IsrManager {
  private readonly deps: IsrManagerDeps;
  private readonly inFlight = new Set<Partition>();
  /** A proposal whose answer never came: sent again as it was (the controller answers a repeat with its result). */
  private readonly unanswered = new Map<Partition, { isr: number[]; joining: number[]; leaving: number[]; leaderEpoch: number; partitionEpoch: number }>();

  constructor(deps: IsrManagerDeps) {
    this.deps = deps;
  }

  /** Checks every partition this broker leads; called on a timer and when a follower catches up. */
  check(): void {
    const now = this.deps.nowMs();
    for (const p of this.deps.replicas.all()) {
      if (!p.isLeader || p.offline || p.replicas.length <= 1 || this.inFlight.has(p)) continue;
      const retry = this.unanswered.get(p);
      this.unanswered.delete(p);
      if (retry !== undefined && retry.leaderEpoch === p.leaderEpoch && retry.partitionEpoch === p.partitionEpoch) {
        this.propose(p, retry.isr, retry.joining, retry.leaving);
        continue;
      }
      const joining = p.caughtUpOutsideIsr(now, this.deps.lagMaxMs);
      const leaving = p.laggingInIsr(now, this.deps.lagMaxMs);
      if (joining.length === 0 && leaving.length === 0) continue;
      const isr = [...p.isr.filter((id) => !leaving.includes(id)), ...joining];
      this.propose(p, isr, joining, leaving);
    }
  }

  private propose(p: Partition, isr: number[], joining: number[], leaving: number[]): void {
    this.inFlight.add(p);
    p.proposeIsr(isr);
    const sent = { isr, joining, leaving, leaderEpoch: p.leaderEpoch, partitionEpoch: p.partitionEpoch };
    const request: messages.AlterPartitionRequest = {
      ...messages.AlterPartitionRequest.defaults(), brokerId: this.deps.nodeId, brokerEpoch: this.deps.brokerEpoch(),
      topics: [{
        ...messages.defaultAlterPartitionRequestTopicData(), topicName: p.topic, topicId: p.topicId,
        partitions: [{
          ...messages.defaultAlterPartitionRequestPartitionData(), partitionIndex: p.index, leaderEpoch: p.leaderEpoch,
          partitionEpoch: p.partitionEpoch, newIsr: isr,
          newIsrWithEpochs: isr.map((brokerId) => ({ ...messages.defaultAlterPartitionRequestBrokerState(), brokerId, brokerEpoch: -1n })),
        }],
      }],
    };
    this.deps.channel.alterPartition(request).then((res) => {
      const answer = res.topics[0]?.partitions[0];
      const code = res.errorCode !== ErrorCode.NONE ? res.errorCode : answer?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR;
      if (code === ErrorCode.NONE && answer !== undefined) {
        this.deps.log(`${p.topic}-${p.index}: ISR now [${isr.join(',')}]${joining.length > 0 ? ` (${joining.join(',')} caught up)` : ''}${leaving.length > 0 ? ` (${leaving.join(',')} fell behind)` : ''}`);
        this.deps.replicas.traffic.isrChanged(p.isr, answer.isr);
        p.applyIsrChange(answer.isr, answer.leaderEpoch, answer.partitionEpoch, this.deps.nowMs());
      } else if (code === ErrorCode.INELIGIBLE_REPLICA || code === ErrorCode.INVALID_REQUEST) {
        // Refused outright: nothing changed at the controller, so the committed ISR stands.
        p.abandonIsrProposal();
      }
      // Any other refusal means our epochs are stale: new metadata is on its way and replaces the proposal.
      this.deps.replicas.notifyAppend(p);
    }, (e: Error) => {
      this.deps.log(`${p.topic}-${p.index}: AlterPartition failed: ${e.message}`, 'warn');
      this.unanswered.set(p, sent);
    }).finally(() => {
      this.inFlight.delete(p);
    });
  }
}
