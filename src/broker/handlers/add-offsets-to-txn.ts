/**
 * AddOffsetsToTxn (API key 25): the group's `__consumer_offsets` partition
 * joins the transaction, so its offsets commit or abort with it; the
 * producer then sends TxnOffsetCommit to the group coordinator. WRITE on
 * the transactional id, READ on the group.
 */
import { ErrorCode, messages } from '../../protocol/index.ts';
import { Op, Resource, authorize } from '../authorization.ts';
import type { BrokerContext, RequestContext } from '../broker-context.ts';

type Request = messages.AddOffsetsToTxnRequest;
type Response = messages.AddOffsetsToTxnResponse;

export async function handleAddOffsetsToTxn(broker: BrokerContext, request: Request, ctx: RequestContext): Promise<Response> {
  const response = messages.AddOffsetsToTxnResponse.defaults();
  if (!authorize(broker, ctx, Op.WRITE, Resource.TRANSACTIONAL_ID, request.transactionalId)) {
    response.errorCode = ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
    return response;
  }
  if (!authorize(broker, ctx, Op.READ, Resource.GROUP, request.groupId)) {
    response.errorCode = ErrorCode.GROUP_AUTHORIZATION_FAILED;
    return response;
  }
  response.errorCode = await broker.transactions.addOffsets({
    transactionalId: request.transactionalId, producerId: request.producerId, producerEpoch: request.producerEpoch, groupId: request.groupId,
  });
  return response;
}
