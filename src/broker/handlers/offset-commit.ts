/**
 * OffsetCommit (API key 8). Partitions of topics the cluster does not have
 * are refused here, as Kafka does; the rest go to the group coordinator,
 * which writes them to `__consumer_offsets` and waits for its in-sync
 * replicas before this answers.
 */
import { ErrorCode, messages } from '../../protocol/index.ts';
import { Op, Resource, authorize, filterAuthorized } from '../authorization.ts';
import type { BrokerContext, RequestContext } from '../broker-context.ts';

type Request = messages.OffsetCommitRequest;
type Response = messages.OffsetCommitResponse;

/** v2–v4 carry a retention time that sets an explicit expiry; later versions leave it to the broker. */
const RETENTION_VERSION_MAX = 4;
const LEADER_EPOCH_VERSION_MIN = 6;
/** From v9 a commit to a group that does not exist is GROUP_ID_NOT_FOUND rather than ILLEGAL_GENERATION. */
const GROUP_ID_NOT_FOUND_VERSION_MIN = 9;

export async function handleOffsetCommit(broker: BrokerContext, request: Request, ctx: RequestContext): Promise<Response> {
  const v = ctx.apiVersion;
  const image = broker.image();
  if (!authorize(broker, ctx, Op.READ, Resource.GROUP, request.groupId)) return everyPartition(request, ErrorCode.GROUP_AUTHORIZATION_FAILED);
  const readable = filterAuthorized(broker, ctx, Op.READ, Resource.TOPIC, request.topics.map((t) => t.name));
  const exists = (topic: string, partition: number): boolean => image.topicsByName.get(topic)?.partitions[partition] !== undefined;
  const known = request.topics
    .filter((t) => readable.has(t.name))
    .map((t) => ({
      name: t.name,
      partitions: t.partitions.filter((p) => exists(t.name, p.partitionIndex)).map((p) => ({
        partitionIndex: p.partitionIndex,
        offset: p.committedOffset,
        leaderEpoch: v >= LEADER_EPOCH_VERSION_MIN ? p.committedLeaderEpoch : -1,
        metadata: p.committedMetadata,
      })),
    }))
    .filter((t) => t.partitions.length > 0);
  const errors = new Map<string, number>();
  if (known.length > 0) {
    const results = await broker.groups.commitOffsets({
      groupId: request.groupId,
      generationId: request.generationIdOrMemberEpoch,
      memberId: request.memberId,
      groupInstanceId: request.groupInstanceId,
      retentionTimeMs: v <= RETENTION_VERSION_MAX ? Number(request.retentionTimeMs) : -1,
      unknownGroupIsNotFound: v >= GROUP_ID_NOT_FOUND_VERSION_MIN,
      apiVersion: v,
      topics: known,
    });
    for (const t of results) for (const p of t.partitions) errors.set(`${t.name}\0${p.partitionIndex}`, p.errorCode);
  }
  const response = messages.OffsetCommitResponse.defaults();
  response.topics = request.topics.map((t) => ({
    ...messages.defaultOffsetCommitResponseOffsetCommitResponseTopic(),
    name: t.name,
    partitions: t.partitions.map((p) => ({
      ...messages.defaultOffsetCommitResponseOffsetCommitResponsePartition(),
      partitionIndex: p.partitionIndex,
      errorCode: readable.has(t.name)
        ? errors.get(`${t.name}\0${p.partitionIndex}`) ?? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.TOPIC_AUTHORIZATION_FAILED,
    })),
  }));
  return response;
}

function everyPartition(request: Request, errorCode: number): Response {
  const response = messages.OffsetCommitResponse.defaults();
  response.topics = request.topics.map((t) => ({
    ...messages.defaultOffsetCommitResponseOffsetCommitResponseTopic(),
    name: t.name,
    partitions: t.partitions.map((p) => ({ ...messages.defaultOffsetCommitResponseOffsetCommitResponsePartition(), partitionIndex: p.partitionIndex, errorCode })),
  }));
  return response;
}
