/** DeleteRecords (API key 21): moves a partition's log start offset forward; -1 means up to the high watermark. */
import { ErrorCode, messages } from '../../protocol/index.ts';
import { Op, Resource, filterAuthorized } from '../authorization.ts';
import type { BrokerContext, RequestContext } from '../broker-context.ts';
import { leadershipErrorOf } from './leadership.ts';

const TO_HIGH_WATERMARK = -1n;

export function handleDeleteRecords(
  broker: BrokerContext, request: messages.DeleteRecordsRequest, ctx: RequestContext,
): messages.DeleteRecordsResponse {
  const response = messages.DeleteRecordsResponse.defaults();
  const deletable = filterAuthorized(broker, ctx, Op.DELETE, Resource.TOPIC, request.topics.map((t) => t.name));
  response.topics = request.topics.map((t) => ({
    ...messages.defaultDeleteRecordsResponseDeleteRecordsTopicResult(),
    name: t.name,
    partitions: t.partitions.map((p) => {
      const out = messages.defaultDeleteRecordsResponseDeleteRecordsPartitionResult();
      out.partitionIndex = p.partitionIndex;
      const partition = broker.replicas.get(t.name, p.partitionIndex);
      if (!deletable.has(t.name)) out.errorCode = ErrorCode.TOPIC_AUTHORIZATION_FAILED;
      else if (partition === undefined) out.errorCode = leadershipErrorOf(broker, t.name, p.partitionIndex);
      else if (partition.offline) out.errorCode = ErrorCode.KAFKA_STORAGE_ERROR;
      else if (!partition.isLeader) out.errorCode = ErrorCode.NOT_LEADER_OR_FOLLOWER;
      else if (p.offset !== TO_HIGH_WATERMARK && (p.offset < 0n || p.offset > BigInt(partition.highWatermark))) {
        out.errorCode = ErrorCode.OFFSET_OUT_OF_RANGE;
      } else {
        const target = p.offset === TO_HIGH_WATERMARK ? partition.highWatermark : Number(p.offset);
        const start = target > partition.logStartOffset ? partition.log.deleteRecordsBefore(target) : partition.logStartOffset;
        out.lowWatermark = BigInt(start);
        broker.replicas.notifyAppend(partition);
      }
      return out;
    }),
  }));
  return response;
}
