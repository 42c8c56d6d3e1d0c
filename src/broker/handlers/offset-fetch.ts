/**
 * OffsetFetch (API key 9): committed offsets of one group (v1–v7) or of
 * several (v8+); null topics (v2+) means every offset the group has.
 * require_stable (v7+) is accepted: with no transactional offsets pending,
 * every committed offset is stable.
 */
import { messages } from '../../protocol/index.ts';
import type { BrokerContext, GroupOffsetFetchResult, RequestContext } from '../broker-context.ts';

type Request = messages.OffsetFetchRequest;
type Response = messages.OffsetFetchResponse;

const MULTI_GROUP_VERSION_MIN = 8;
/** Before v2 there is no response-level error: each requested partition carries it. */
const TOP_LEVEL_ERROR_VERSION_MIN = 2;

export function handleOffsetFetch(broker: BrokerContext, request: Request, ctx: RequestContext): Response {
  const response = messages.OffsetFetchResponse.defaults();
  if (ctx.apiVersion >= MULTI_GROUP_VERSION_MIN) {
    response.groups = request.groups.map((g) => {
      const r = broker.groups.fetchOffsets(g.groupId, g.topics, request.requireStable);
      return {
        ...messages.defaultOffsetFetchResponseOffsetFetchResponseGroup(),
        groupId: g.groupId,
        errorCode: r.errorCode,
        topics: r.topics.map((t) => ({
          ...messages.defaultOffsetFetchResponseOffsetFetchResponseTopics(),
          name: t.name,
          partitions: t.partitions.map((p) => ({ ...messages.defaultOffsetFetchResponseOffsetFetchResponsePartitions(), ...fields(p) })),
        })),
      };
    });
    return response;
  }
  const r = broker.groups.fetchOffsets(request.groupId, request.topics, request.requireStable);
  response.errorCode = r.errorCode;
  response.topics = ctx.apiVersion < TOP_LEVEL_ERROR_VERSION_MIN && r.errorCode !== 0
    ? (request.topics ?? []).map((t) => ({
      ...messages.defaultOffsetFetchResponseOffsetFetchResponseTopic(),
      name: t.name,
      partitions: t.partitionIndexes.map((partitionIndex) => ({
        ...messages.defaultOffsetFetchResponseOffsetFetchResponsePartition(), partitionIndex, errorCode: r.errorCode,
      })),
    }))
    : r.topics.map((t) => ({
      ...messages.defaultOffsetFetchResponseOffsetFetchResponseTopic(),
      name: t.name,
      partitions: t.partitions.map((p) => ({ ...messages.defaultOffsetFetchResponseOffsetFetchResponsePartition(), ...fields(p) })),
    }));
  return response;
}

function fields(p: GroupOffsetFetchResult['topics'][number]['partitions'][number]) {
  return {
    partitionIndex: p.partitionIndex, committedOffset: p.offset, committedLeaderEpoch: p.leaderEpoch, metadata: p.metadata, errorCode: p.errorCode,
  };
}
