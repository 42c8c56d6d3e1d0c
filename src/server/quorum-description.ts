/** DescribeQuorum's answer from the quorum leader's view (what kafka-metadata-quorum.sh prints). */
import { ErrorCode, messages } from '../protocol/index.ts';
import type { ReplicaStatus } from '../raft/core/index.ts';
import type { QuorumDriver } from '../raft/quorum-driver.ts';
import { METADATA_PARTITION, METADATA_TOPIC } from '../raft/metadata-log-store.ts';
import type { PeerEndpoint } from './peer-connections.ts';

export function describeQuorum(
  driver: QuorumDriver, tickMs: number, nowMs: number, voters: ReadonlyMap<number, PeerEndpoint>, listenerName: string,
): messages.DescribeQuorumResponse {
  const s = driver.status();
  const replica = (r: ReplicaStatus): messages.DescribeQuorumResponseReplicaState => {
    const fetched = r.ticksSinceFetch < 0 ? -1n : BigInt(nowMs - r.ticksSinceFetch * tickMs);
    return {
      ...messages.defaultDescribeQuorumResponseReplicaState(), replicaId: r.id, logEndOffset: BigInt(r.logEndOffset),
      lastFetchTimestamp: fetched,
      lastCaughtUpTimestamp: r.logEndOffset >= s.highWatermark ? fetched : -1n,
    };
  };
  const partition: messages.DescribeQuorumResponsePartitionData = {
    ...messages.defaultDescribeQuorumResponsePartitionData(), partitionIndex: METADATA_PARTITION,
    errorCode: s.role === 'leader' ? ErrorCode.NONE : ErrorCode.NOT_LEADER_OR_FOLLOWER,
    errorMessage: s.role === 'leader' ? null : 'This node is not the quorum leader.',
    leaderId: s.leaderId ?? -1, leaderEpoch: s.epoch, highWatermark: BigInt(s.highWatermark),
    currentVoters: s.voters.map((r) => r.id === s.nodeId
      ? { ...replica(r), logEndOffset: BigInt(s.logEndOffset), lastFetchTimestamp: BigInt(nowMs), lastCaughtUpTimestamp: BigInt(nowMs) }
      : replica(r)),
    observers: s.observers.map(replica),
  };
  return {
    ...messages.DescribeQuorumResponse.defaults(),
    topics: [{ ...messages.defaultDescribeQuorumResponseTopicData(), topicName: METADATA_TOPIC, partitions: [partition] }],
    nodes: [...voters].map(([nodeId, e]) => ({
      ...messages.defaultDescribeQuorumResponseNode(), nodeId,
      listeners: [{ ...messages.defaultDescribeQuorumResponseListener(), name: listenerName, host: e.host, port: e.port }],
    })),
  };
}
