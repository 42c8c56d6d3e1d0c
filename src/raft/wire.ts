/**
 * The core's messages on Kafka's wire: Vote, BeginQuorumEpoch,
 * EndQuorumEpoch, Fetch and FetchSnapshot on `__cluster_metadata-0`. Outbound
 * requests become Kafka request bodies and their answers core responses;
 * inbound requests become core messages and the core's answers Kafka
 * response bodies. The peer's id travels in the request (candidate, leader or
 * replica id); an answer's sender is the peer the request went to.
 *
 * Vote v0–1 has no PreVote field (Kafka added one in v2), so Samsa marks a
 * pre-vote with a tagged field of its own on the partition; Kafka ignores it.
 */
import { ErrorCode, messages } from '../protocol/index.ts';
import type {
  FetchError, FetchResponse, FetchSnapshotResponse, Message, VoteResponse,
} from './core/index.ts';
import { decodeEntries, encodeEntries } from './entry-codec.ts';
import { METADATA_PARTITION, METADATA_TOPIC } from './metadata-log-store.ts';

/** Kafka's fixed id of the metadata topic (UUID 1). */
export const METADATA_TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAQ';
const PRE_VOTE_TAG = 0x5a4d;
const NO_LEADER = -1;
const FETCH_MAX_BYTES = 8 * 1024 * 1024;

export const RaftApi = { Fetch: 1, Vote: 52, BeginQuorumEpoch: 53, EndQuorumEpoch: 54, FetchSnapshot: 59 } as const;

const FETCH_ERRORS: Record<string, number> = {
  none: ErrorCode.NONE,
  fencedLeaderEpoch: ErrorCode.FENCED_LEADER_EPOCH,
  notLeader: ErrorCode.NOT_LEADER_OR_FOLLOWER,
  unknownLeaderEpoch: ErrorCode.UNKNOWN_LEADER_EPOCH,
  snapshotNotFound: ErrorCode.SNAPSHOT_NOT_FOUND,
};

function fetchErrorOf(code: number): FetchError | 'snapshotNotFound' | null {
  for (const [name, value] of Object.entries(FETCH_ERRORS)) if (value === code) return name as FetchError;
  return null;
}

const leaderOf = (id: number): number | null => (id < 0 ? null : id);

// ---- outbound: a core request → a Kafka request, and its answer back --------------------------

export function encodeRequest(m: Message, clusterId: string, maxWaitMs: number): { apiKey: number; body: unknown } | null {
  switch (m.type) {
    case 'vote': {
      const partition = {
        ...messages.defaultVoteRequestPartitionData(),
        partitionIndex: METADATA_PARTITION, candidateEpoch: m.epoch, candidateId: m.from,
        lastOffsetEpoch: m.lastEpoch, lastOffset: BigInt(m.lastOffset),
        unknownTaggedFields: m.preVote ? [{ tag: PRE_VOTE_TAG, data: Buffer.from([1]) }] : undefined,
      };
      return {
        apiKey: RaftApi.Vote,
        body: { ...messages.VoteRequest.defaults(), clusterId, voterId: m.to, topics: [{ topicName: METADATA_TOPIC, partitions: [partition] }] },
      };
    }
    case 'beginEpoch':
      return {
        apiKey: RaftApi.BeginQuorumEpoch,
        body: {
          ...messages.BeginQuorumEpochRequest.defaults(), clusterId, voterId: m.to,
          topics: [{ topicName: METADATA_TOPIC, partitions: [{
            ...messages.defaultBeginQuorumEpochRequestPartitionData(), partitionIndex: METADATA_PARTITION, leaderId: m.from, leaderEpoch: m.epoch,
          }] }],
        },
      };
    case 'endEpoch':
      return {
        apiKey: RaftApi.EndQuorumEpoch,
        body: {
          ...messages.EndQuorumEpochRequest.defaults(), clusterId,
          topics: [{ topicName: METADATA_TOPIC, partitions: [{
            ...messages.defaultEndQuorumEpochRequestPartitionData(), partitionIndex: METADATA_PARTITION, leaderId: m.from, leaderEpoch: m.epoch,
            preferredSuccessors: [...m.preferredSuccessors],
            preferredCandidates: m.preferredSuccessors.map((id) => ({ ...messages.defaultEndQuorumEpochRequestReplicaInfo(), candidateId: id })),
          }] }],
        },
      };
    case 'fetch':
      return {
        apiKey: RaftApi.Fetch,
        body: {
          ...messages.FetchRequest.defaults(), clusterId, replicaId: m.from,
          replicaState: { ...messages.defaultFetchRequestReplicaState(), replicaId: m.from, replicaEpoch: -1n },
          maxWaitMs, minBytes: 0, maxBytes: FETCH_MAX_BYTES,
          topics: [{ ...messages.defaultFetchRequestFetchTopic(), topic: METADATA_TOPIC, topicId: METADATA_TOPIC_ID, partitions: [{
            ...messages.defaultFetchRequestFetchPartition(), partition: METADATA_PARTITION, currentLeaderEpoch: m.epoch,
            fetchOffset: BigInt(m.fetchOffset), lastFetchedEpoch: m.lastFetchedEpoch, partitionMaxBytes: FETCH_MAX_BYTES,
          }] }],
        },
      };
    case 'fetchSnapshot':
      return {
        apiKey: RaftApi.FetchSnapshot,
        body: {
          ...messages.FetchSnapshotRequest.defaults(), clusterId, replicaId: m.from, maxBytes: FETCH_MAX_BYTES,
          topics: [{ name: METADATA_TOPIC, partitions: [{
            ...messages.defaultFetchSnapshotRequestPartitionSnapshot(), partition: METADATA_PARTITION, currentLeaderEpoch: m.epoch,
            snapshotId: { endOffset: BigInt(m.snapshotId.offset), epoch: m.snapshotId.epoch }, position: BigInt(m.position),
          }] }],
        },
      };
    default:
      return null;
  }
}

/** The core's view of a peer's answer to `request`; null when the answer is not one the core can use. */
export function decodeResponse(request: Message, body: unknown): Message | null {
  const from = request.to;
  const to = request.from;
  switch (request.type) {
    case 'vote': {
      const p = (body as messages.VoteResponse).topics[0]?.partitions[0];
      if (p === undefined) return null;
      return { type: 'voteResponse', from, to, epoch: p.leaderEpoch, granted: p.voteGranted && p.errorCode === ErrorCode.NONE, preVote: request.preVote, leaderId: leaderOf(p.leaderId) };
    }
    case 'beginEpoch': {
      const p = (body as messages.BeginQuorumEpochResponse).topics[0]?.partitions[0];
      if (p === undefined || p.errorCode !== ErrorCode.NONE) return null;
      return { type: 'beginEpochResponse', from, to, epoch: p.leaderEpoch };
    }
    case 'endEpoch': {
      const p = (body as messages.EndQuorumEpochResponse).topics[0]?.partitions[0];
      if (p === undefined || p.errorCode !== ErrorCode.NONE) return null;
      return { type: 'endEpochResponse', from, to, epoch: p.leaderEpoch };
    }
    case 'fetch': {
      const p = (body as messages.FetchResponse).responses[0]?.partitions[0];
      if (p === undefined) return null;
      const error = fetchErrorOf(p.errorCode);
      if (error === null || error === 'snapshotNotFound') return null;
      const diverging = p.divergingEpoch.epoch >= 0 ? { epoch: p.divergingEpoch.epoch, offset: Number(p.divergingEpoch.endOffset) } : null;
      const snapshot = p.snapshotId.epoch >= 0 ? { epoch: p.snapshotId.epoch, offset: Number(p.snapshotId.endOffset) } : null;
      const response: FetchResponse = {
        type: 'fetchResponse', from, to, error, epoch: p.currentLeader.leaderEpoch, leaderId: leaderOf(p.currentLeader.leaderId),
        highWatermark: Number(p.highWatermark),
        entries: p.records === null || p.records.length === 0 ? [] : decodeEntries(p.records),
        divergingEpoch: diverging, snapshotId: snapshot,
        fetchOffset: request.fetchOffset, lastFetchedEpoch: request.lastFetchedEpoch,
      };
      return response;
    }
    case 'fetchSnapshot': {
      const p = (body as messages.FetchSnapshotResponse).topics[0]?.partitions[0];
      if (p === undefined) return null;
      const error = fetchErrorOf(p.errorCode);
      if (error === null) return null;
      const response: FetchSnapshotResponse = {
        type: 'fetchSnapshotResponse', from, to, error, epoch: p.currentLeader.leaderEpoch, leaderId: leaderOf(p.currentLeader.leaderId),
        snapshotId: { offset: Number(p.snapshotId.endOffset), epoch: p.snapshotId.epoch },
        size: Number(p.size), position: Number(p.position), chunk: p.unalignedRecords,
      };
      return response;
    }
    default:
      return null;
  }
}

// ---- inbound: a Kafka request → a core message, and the core's answer back --------------------

/** The core message a peer's request carries, addressed to `self`; null when it is not for the metadata partition. */
export function decodeRequest(apiKey: number, body: unknown, self: number): Message | null {
  switch (apiKey) {
    case RaftApi.Vote: {
      const p = (body as messages.VoteRequest).topics[0]?.partitions[0];
      if (p === undefined) return null;
      const preVote = p.unknownTaggedFields?.some((t) => t.tag === PRE_VOTE_TAG && t.data[0] === 1) ?? false;
      return { type: 'vote', from: p.candidateId, to: self, epoch: p.candidateEpoch, lastEpoch: p.lastOffsetEpoch, lastOffset: Number(p.lastOffset), preVote };
    }
    case RaftApi.BeginQuorumEpoch: {
      const p = (body as messages.BeginQuorumEpochRequest).topics[0]?.partitions[0];
      if (p === undefined) return null;
      return { type: 'beginEpoch', from: p.leaderId, to: self, epoch: p.leaderEpoch };
    }
    case RaftApi.EndQuorumEpoch: {
      const p = (body as messages.EndQuorumEpochRequest).topics[0]?.partitions[0];
      if (p === undefined) return null;
      const successors = p.preferredCandidates.length > 0 ? p.preferredCandidates.map((c) => c.candidateId) : p.preferredSuccessors;
      return { type: 'endEpoch', from: p.leaderId, to: self, epoch: p.leaderEpoch, preferredSuccessors: successors };
    }
    case RaftApi.Fetch: {
      const fetch = body as messages.FetchRequest;
      const p = fetch.topics[0]?.partitions[0];
      if (p === undefined) return null;
      const replicaId = fetch.replicaState.replicaId >= 0 ? fetch.replicaState.replicaId : fetch.replicaId;
      return {
        type: 'fetch', from: replicaId, to: self, epoch: p.currentLeaderEpoch,
        fetchOffset: Number(p.fetchOffset), lastFetchedEpoch: p.lastFetchedEpoch,
      };
    }
    case RaftApi.FetchSnapshot: {
      const snapshotFetch = body as messages.FetchSnapshotRequest;
      const p = snapshotFetch.topics[0]?.partitions[0];
      if (p === undefined) return null;
      return {
        type: 'fetchSnapshot', from: snapshotFetch.replicaId, to: self, epoch: p.currentLeaderEpoch,
        snapshotId: { offset: Number(p.snapshotId.endOffset), epoch: p.snapshotId.epoch }, position: Number(p.position),
      };
    }
    default:
      return null;
  }
}

/** The Kafka response body for the core's answer (or for no answer: an error the peer retries on). */
export function encodeResponse(apiKey: number, answer: Message | null, nowMs: number): unknown {
  switch (apiKey) {
    case RaftApi.Vote: {
      const a = answer as VoteResponse | null;
      return {
        ...messages.VoteResponse.defaults(), errorCode: a === null ? ErrorCode.REQUEST_TIMED_OUT : ErrorCode.NONE,
        topics: a === null ? [] : [{ topicName: METADATA_TOPIC, partitions: [{
          ...messages.defaultVoteResponsePartitionData(), partitionIndex: METADATA_PARTITION,
          leaderId: a.leaderId ?? NO_LEADER, leaderEpoch: a.epoch, voteGranted: a.granted,
        }] }],
      };
    }
    case RaftApi.BeginQuorumEpoch:
    case RaftApi.EndQuorumEpoch: {
      const base = apiKey === RaftApi.BeginQuorumEpoch ? messages.BeginQuorumEpochResponse.defaults() : messages.EndQuorumEpochResponse.defaults();
      const epoch = answer !== null && 'epoch' in answer ? answer.epoch : -1;
      return {
        ...base, errorCode: answer === null ? ErrorCode.REQUEST_TIMED_OUT : ErrorCode.NONE,
        topics: answer === null ? [] : [{ topicName: METADATA_TOPIC, partitions: [{
          partitionIndex: METADATA_PARTITION, errorCode: ErrorCode.NONE, leaderId: NO_LEADER, leaderEpoch: epoch,
        }] }],
      };
    }
    case RaftApi.Fetch: {
      const a = answer as FetchResponse | null;
      const partition = {
        ...messages.defaultFetchResponsePartitionData(), partitionIndex: METADATA_PARTITION,
        errorCode: a === null ? ErrorCode.REQUEST_TIMED_OUT : FETCH_ERRORS[a.error]!,
        highWatermark: BigInt(a?.highWatermark ?? -1),
        currentLeader: { ...messages.defaultFetchResponseLeaderIdAndEpoch(), leaderId: a?.leaderId ?? NO_LEADER, leaderEpoch: a?.epoch ?? -1 },
        divergingEpoch: { ...messages.defaultFetchResponseEpochEndOffset(), epoch: a?.divergingEpoch?.epoch ?? -1, endOffset: BigInt(a?.divergingEpoch?.offset ?? -1) },
        snapshotId: { ...messages.defaultFetchResponseSnapshotId(), epoch: a?.snapshotId?.epoch ?? -1, endOffset: BigInt(a?.snapshotId?.offset ?? -1) },
        records: a === null || a.entries.length === 0 ? null : encodeEntries(a.entries, nowMs),
      };
      return {
        ...messages.FetchResponse.defaults(),
        responses: [{ ...messages.defaultFetchResponseFetchableTopicResponse(), topic: METADATA_TOPIC, topicId: METADATA_TOPIC_ID, partitions: [partition] }],
      };
    }
    case RaftApi.FetchSnapshot: {
      const a = answer as FetchSnapshotResponse | null;
      return {
        ...messages.FetchSnapshotResponse.defaults(), errorCode: a === null ? ErrorCode.REQUEST_TIMED_OUT : ErrorCode.NONE,
        topics: a === null ? [] : [{ name: METADATA_TOPIC, partitions: [{
          ...messages.defaultFetchSnapshotResponsePartitionSnapshot(), index: METADATA_PARTITION, errorCode: FETCH_ERRORS[a.error]!,
          snapshotId: { ...messages.defaultFetchSnapshotResponseSnapshotId(), endOffset: BigInt(a.snapshotId.offset), epoch: a.snapshotId.epoch },
          currentLeader: { ...messages.defaultFetchSnapshotResponseLeaderIdAndEpoch(), leaderId: a.leaderId ?? NO_LEADER, leaderEpoch: a.epoch },
          size: BigInt(a.size), position: BigInt(a.position), unalignedRecords: a.chunk,
        }] }],
      };
    }
    default:
      throw new Error(`API ${apiKey} is not a Raft API`);
  }
}
