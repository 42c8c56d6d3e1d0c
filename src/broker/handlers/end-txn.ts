/**
 * EndTxn (API key 26): commit or abort. v5+ is transaction version 2
 * (KIP-890): the coordinator bumps the epoch at the end of every
 * transaction and answers the producer id and epoch to use next.
 */
import { ErrorCode, messages } from '../../protocol/index.ts';
import { Op, Resource, authorize } from '../authorization.ts';
import type { BrokerContext, RequestContext } from '../broker-context.ts';

type Request = messages.EndTxnRequest;
type Response = messages.EndTxnResponse;

const TRANSACTION_V2_VERSION_MIN = 5;

export async function handleEndTxn(broker: BrokerContext, request: Request, ctx: RequestContext): Promise<Response> {
  const response = messages.EndTxnResponse.defaults();
  if (!authorize(broker, ctx, Op.WRITE, Resource.TRANSACTIONAL_ID, request.transactionalId)) {
    response.errorCode = ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
    return response;
  }
  const result = await broker.transactions.endTxn({
    transactionalId: request.transactionalId, producerId: request.producerId, producerEpoch: request.producerEpoch,
    committed: request.committed, transactionVersion: ctx.apiVersion >= TRANSACTION_V2_VERSION_MIN ? 2 : 1,
  });
  response.errorCode = result.errorCode;
  if (result.errorCode === ErrorCode.NONE) {
    response.producerId = result.producerId;
    response.producerEpoch = result.producerEpoch;
  }
  return response;
}
