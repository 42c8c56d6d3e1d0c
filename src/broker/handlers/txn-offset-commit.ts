/**
 * TxnOffsetCommit (API key 28): a transactional producer commits its
 * consumer's offsets to the group coordinator inside the transaction; they
 * become visible only when the transaction commits. WRITE on the
 * transactional id, READ on the group and on each topic.
 */
import { ErrorCode, messages } from '../../protocol/index.ts';
import { Op, Resource, authorize, filterAuthorized } from '../authorization.ts';
import type { BrokerContext, RequestContext } from '../broker-context.ts';

type Request = messages.TxnOffsetCommitRequest;
type Response = messages.TxnOffsetCommitResponse;

export async function handleTxnOffsetCommit(broker: BrokerContext, request: Request, ctx: RequestContext): Promise<Response> {
  const response = messages.TxnOffsetCommitResponse.defaults();
  const refusal = !authorize(broker, ctx, Op.WRITE, Resource.TRANSACTIONAL_ID, request.transactionalId)
    ? ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED
    : !authorize(broker, ctx, Op.READ, Resource.GROUP, request.groupId) ? ErrorCode.GROUP_AUTHORIZATION_FAILED : null;
  const readable = refusal !== null ? new Set<string>() : filterAuthorized(broker, ctx, Op.READ, Resource.TOPIC, request.topics.map((t) => t.name));
  const refused = request.topics.filter((t) => !readable.has(t.name)).map((t) => ({
    name: t.name,
    partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: refusal ?? ErrorCode.TOPIC_AUTHORIZATION_FAILED })),
  }));
  const allowed = request.topics.filter((t) => readable.has(t.name));
  const results = allowed.length === 0 ? [] : await broker.groups.commitTransactionalOffsets({
    groupId: request.groupId, memberId: request.memberId, groupInstanceId: request.groupInstanceId, generationId: request.generationId,
    transactionalId: request.transactionalId, producerId: request.producerId, producerEpoch: request.producerEpoch,
    topics: allowed.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({
        partitionIndex: p.partitionIndex, offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch, metadata: p.committedMetadata,
      })),
    })),
  });
  response.topics = [...results, ...refused].map((t) => ({
    ...messages.defaultTxnOffsetCommitResponseTxnOffsetCommitResponseTopic(),
    name: t.name,
    partitions: t.partitions.map((p) => ({ ...messages.defaultTxnOffsetCommitResponseTxnOffsetCommitResponsePartition(), ...p })),
  }));
  return response;
}
