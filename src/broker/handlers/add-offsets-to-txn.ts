/**
 * AddOffsetsToTxn (API key 25): the group's `__consumer_offsets` partition
 * joins the transaction, so its offsets commit or abort with it; the
 * producer then sends TxnOffsetCommit to the group coordinator.
 */
import { messages } from '../../protocol/index.ts';
import type { BrokerContext, RequestContext } from '../broker-context.ts';

type Request = messages.AddOffsetsToTxnRequest;
type Response = messages.AddOffsetsToTxnResponse;

export async function handleAddOffsetsToTxn(broker: BrokerContext, request: Request, _ctx: RequestContext): Promise<Response> {
  const response = messages.AddOffsetsToTxnResponse.defaults();
  response.errorCode = await broker.transactions.addOffsets({
    transactionalId: request.transactionalId, producerId: request.producerId, producerEpoch: request.producerEpoch, groupId: request.groupId,
  });
  return response;
}
