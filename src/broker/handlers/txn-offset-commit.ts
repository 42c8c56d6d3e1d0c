/**
 * TxnOffsetCommit (API key 28): a transactional producer commits its
 * consumer's offsets to the group coordinator inside the transaction; they
 * become visible only when the transaction commits.
 */
import { messages } from '../../protocol/index.ts';
import type { BrokerContext, RequestContext } from '../broker-context.ts';

type Request = messages.TxnOffsetCommitRequest;
type Response = messages.TxnOffsetCommitResponse;

export async function handleTxnOffsetCommit(broker: BrokerContext, request: Request, _ctx: RequestContext): Promise<Response> {
  const response = messages.TxnOffsetCommitResponse.defaults();
  const results = await broker.groups.commitTransactionalOffsets({
    groupId: request.groupId, memberId: request.memberId, groupInstanceId: request.groupInstanceId, generationId: request.generationId,
    transactionalId: request.transactionalId, producerId: request.producerId, producerEpoch: request.producerEpoch,
    topics: request.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({
        partitionIndex: p.partitionIndex, offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch, metadata: p.committedMetadata,
      })),
    })),
  });
  response.topics = results.map((t) => ({
    ...messages.defaultTxnOffsetCommitResponseTxnOffsetCommitResponseTopic(),
    name: t.name,
    partitions: t.partitions.map((p) => ({ ...messages.defaultTxnOffsetCommitResponseTxnOffsetCommitResponsePartition(), ...p })),
  }));
  return response;
}
