/**
 * OffsetFetch (API key 9): committed offsets of one group (v1–v7) or of
 * several (v8+); null topics (v2+) means every offset the group has.
 * require_stable (v7+) is accepted: with no transactional offsets pending,
 * every committed offset is stable. DESCRIBE on the group, and on each topic:
 * unauthorized topics are TOPIC_AUTHORIZATION_FAILED when named and left out
 * of "every offset".
 */
import { ErrorCode, messages } from '../../protocol/index.ts';
import { Op, Resource, authorize, filterAuthorized } from '../authorization.ts';
import type { BrokerContext, GroupOffsetFetchResult, GroupTopicPartitions, RequestContext } from '../broker-context.ts';

type Request = messages.OffsetFetchRequest;
type Response = messages.OffsetFetchResponse;

const MULTI_GROUP_VERSION_MIN = 8;
const MEMBER_EPOCH_VERSION_MIN = 9;
/** Before v2 there is no response-level error: each requested partition carries it. */
const TOP_LEVEL_ERROR_VERSION_MIN = 2;

export function handleOffsetFetch(broker: BrokerContext, request: Request, ctx: RequestContext): Response {
  const response = messages.OffsetFetchResponse.defaults();
  if (ctx.apiVersion >= MULTI_GROUP_VERSION_MIN) {
    response.groups = request.groups.map((g) => {
      // v9+: a KIP-848 member names itself and its epoch (STALE_MEMBER_EPOCH when it is behind).
      const member = ctx.apiVersion >= MEMBER_EPOCH_VERSION_MIN ? { memberId: g.memberId, memberEpoch: g.memberEpoch } : null;
      const r = fetchAuthorized(broker, ctx, g.groupId, g.topics, request.requireStable, member);
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
  const r = fetchAuthorized(broker, ctx, request.groupId, request.topics, request.requireStable);
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

function fetchAuthorized(
  broker: BrokerContext, ctx: RequestContext, groupId: string, topics: readonly GroupTopicPartitions[] | null, requireStable: boolean,
  member: { memberId: string | null; memberEpoch: number } | null = null,
): GroupOffsetFetchResult {
  if (!authorize(broker, ctx, Op.DESCRIBE, Resource.GROUP, groupId)) return { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, topics: [] };
  if (topics === null) {
    const all = broker.groups.fetchOffsets(groupId, null, requireStable, member);
    return { ...all, topics: all.topics.filter((t) => authorize(broker, ctx, Op.DESCRIBE, Resource.TOPIC, t.name)) };
  }
  const describable = filterAuthorized(broker, ctx, Op.DESCRIBE, Resource.TOPIC, topics.map((t) => t.name));
  const r = broker.groups.fetchOffsets(groupId, topics.filter((t) => describable.has(t.name)), requireStable, member);
  const refused = topics.filter((t) => !describable.has(t.name)).map((t) => ({
    name: t.name,
    partitions: t.partitionIndexes.map((partitionIndex) => ({
      partitionIndex, offset: -1n, leaderEpoch: -1, metadata: '', errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
    })),
  }));
  return { ...r, topics: [...r.topics, ...refused] };
}

function fields(p: GroupOffsetFetchResult['topics'][number]['partitions'][number]) {
  return {
    partitionIndex: p.partitionIndex, committedOffset: p.offset, committedLeaderEpoch: p.leaderEpoch, metadata: p.metadata, errorCode: p.errorCode,
  };
}
