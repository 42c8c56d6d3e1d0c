/**
 * InitProducerId (API key 22) for idempotent producers: a fresh producer id
 * from the controller's allocation, epoch 0. Transactional ids need the
 * transaction coordinator, which this version does not have yet.
 */
import { ErrorCode, messages } from '../../protocol/index.ts';
import type { BrokerContext, RequestContext } from '../broker-context.ts';

type Request = messages.InitProducerIdRequest;
type Response = messages.InitProducerIdResponse;

export async function handleInitProducerId(broker: BrokerContext, request: Request, _ctx: RequestContext): Promise<Response> {
  const response = messages.InitProducerIdResponse.defaults();
  if (request.transactionalId !== null) {
    response.errorCode = ErrorCode.COORDINATOR_NOT_AVAILABLE;
    return response;
  }
  const allocated = await broker.controller.allocateProducerId();
  response.errorCode = allocated.errorCode;
  response.producerId = allocated.producerId;
  response.producerEpoch = allocated.errorCode === ErrorCode.NONE ? 0 : -1;
  return response;
}
