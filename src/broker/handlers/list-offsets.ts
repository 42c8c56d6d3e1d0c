/**
 * ListOffsets (API key 2): earliest, latest, max timestamp, or the first
 * offset at or after a timestamp. Offsets a consumer of the request's
 * isolation level may not read yet are not answered: read_uncommitted sees
 * up to the high watermark, read_committed up to the last stable offset.
 */
import { ErrorCode, messages } from '../../protocol/index.ts';
import { Op, Resource, filterAuthorized } from '../authorization.ts';
import type { BrokerContext, RequestContext } from '../broker-context.ts';
import type { Partition } from '../partition.ts';
import { leadershipErrorOf } from './leadership.ts';

type Request = messages.ListOffsetsRequest;
type Response = messages.ListOffsetsResponse;
type PartitionOut = messages.ListOffsetsResponseListOffsetsPartitionResponse;

const LATEST = -1n;
const EARLIEST = -2n;
const MAX_TIMESTAMP = -3n;
const EARLIEST_LOCAL = -4n;
const LATEST_TIERED = -5n;
const READ_COMMITTED = 1;

export function handleListOffsets(broker: BrokerContext, request: Request, ctx: RequestContext): Response {
  const response = messages.ListOffsetsResponse.defaults();
  const describable = filterAuthorized(broker, ctx, Op.DESCRIBE, Resource.TOPIC, request.topics.map((t) => t.name));
  response.topics = request.topics.map((t) => ({
    ...messages.defaultListOffsetsResponseListOffsetsTopicResponse(),
    name: t.name,
    partitions: t.partitions.map((p) => describable.has(t.name)
      ? listOffset(broker, t.name, p, request.isolationLevel === READ_COMMITTED)
      : { ...messages.defaultListOffsetsResponseListOffsetsPartitionResponse(), partitionIndex: p.partitionIndex, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED }),
  }));
  return response;
}

function listOffset(broker: BrokerContext, topic: string, p: messages.ListOffsetsRequestListOffsetsPartition, readCommitted: boolean): PartitionOut {
  const out = messages.defaultListOffsetsResponseListOffsetsPartitionResponse();
  out.partitionIndex = p.partitionIndex;
  const partition = broker.replicas.get(topic, p.partitionIndex);
  if (partition === undefined) {
    out.errorCode = leadershipErrorOf(broker, topic, p.partitionIndex);
    return out;
  }
  if (partition.offline) {
    out.errorCode = ErrorCode.KAFKA_STORAGE_ERROR;
    return out;
  }
  if (!partition.isLeader) {
    out.errorCode = ErrorCode.NOT_LEADER_OR_FOLLOWER;
    return out;
  }
  if (p.currentLeaderEpoch >= 0 && p.currentLeaderEpoch !== partition.leaderEpoch) {
    out.errorCode = p.currentLeaderEpoch < partition.leaderEpoch ? ErrorCode.FENCED_LEADER_EPOCH : ErrorCode.UNKNOWN_LEADER_EPOCH;
    return out;
  }
  const found = lookup(partition, p.timestamp, readCommitted ? partition.lastStableOffset : partition.highWatermark);
  out.offset = BigInt(found.offset);
  out.timestamp = BigInt(found.timestamp);
  out.leaderEpoch = found.offset >= 0 ? partition.leaderEpoch : -1;
  return out;
}

/** `fetchableEnd` is Kafka's lastFetchableOffset: the high watermark, or the last stable offset for read_committed. */
function lookup(partition: Partition, timestamp: bigint, fetchableEnd: number): { offset: number; timestamp: number } {
  switch (timestamp) {
    case LATEST: return { offset: fetchableEnd, timestamp: -1 };
    case LATEST_TIERED: return { offset: partition.highWatermark, timestamp: -1 };
    case EARLIEST: case EARLIEST_LOCAL: return { offset: partition.logStartOffset, timestamp: -1 };
    case MAX_TIMESTAMP: return partition.log.offsetOfMaxTimestamp() ?? { offset: -1, timestamp: -1 };
    default: {
      const found = partition.log.offsetForTimestamp(Number(timestamp));
      if (found === null || found.offset >= fetchableEnd) return { offset: -1, timestamp: -1 };
      return found;
    }
  }
}
