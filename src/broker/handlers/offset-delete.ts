/** OffsetDelete (API key 47): removes committed offsets of partitions a group no longer consumes; DELETE on the group, READ on each topic. */
import { ErrorCode, messages } from '../../protocol/index.ts';
import { Op, Resource, authorize, filterAuthorized } from '../authorization.ts';
import type { BrokerContext, RequestContext } from '../broker-context.ts';

type Request = messages.OffsetDeleteRequest;
type Response = messages.OffsetDeleteResponse;

export function handleOffsetDelete(broker: BrokerContext, request: Request, ctx: RequestContext): Response {
  const image = broker.image();
  if (!authorize(broker, ctx, Op.DELETE, Resource.GROUP, request.groupId)) {
    return { ...messages.OffsetDeleteResponse.defaults(), errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED };
  }
  const readable = filterAuthorized(broker, ctx, Op.READ, Resource.TOPIC, request.topics.map((t) => t.name));
  const exists = (topic: string, partition: number): boolean => image.topicsByName.get(topic)?.partitions[partition] !== undefined;
  const known = request.topics
    .filter((t) => readable.has(t.name))
    .map((t) => ({ name: t.name, partitionIndexes: t.partitions.map((p) => p.partitionIndex).filter((p) => exists(t.name, p)) }))
    .filter((t) => t.partitionIndexes.length > 0);
  const result = broker.groups.deleteOffsets(request.groupId, known);
  const response = messages.OffsetDeleteResponse.defaults();
  response.errorCode = result.errorCode;
  if (result.errorCode !== ErrorCode.NONE) return response;
  const errors = new Map<string, number>();
  for (const t of result.topics) for (const p of t.partitions) errors.set(`${t.name}\0${p.partitionIndex}`, p.errorCode);
  response.topics = request.topics.map((t) => ({
    ...messages.defaultOffsetDeleteResponseOffsetDeleteResponseTopic(),
    name: t.name,
    partitions: t.partitions.map((p) => ({
      ...messages.defaultOffsetDeleteResponseOffsetDeleteResponsePartition(),
      partitionIndex: p.partitionIndex,
      errorCode: readable.has(t.name)
        ? errors.get(`${t.name}\0${p.partitionIndex}`) ?? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.TOPIC_AUTHORIZATION_FAILED,
    })),
  }));
  return response;
}
