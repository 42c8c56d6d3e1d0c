/**
 * InitProducerId (API key 22). Without a transactional id: a fresh producer
 * id from the controller's allocation, epoch 0 (an idempotent producer).
 * With one: the transaction coordinator's answer — the id's producer with
 * its epoch bumped, which fences any earlier instance. WRITE on the
 * transactional id; an idempotent producer needs IDEMPOTENT_WRITE on the
 * cluster or, as since Kafka 3.0, WRITE on some topic.
 */
import { ErrorCode, messages } from '../../protocol/index.ts';
import { Op, Resource, authorize, authorizeAny, authorizeCluster } from '../authorization.ts';
import type { BrokerContext, RequestContext } from '../broker-context.ts';

type Request = messages.InitProducerIdRequest;
type Response = messages.InitProducerIdResponse;

export async function handleInitProducerId(broker: BrokerContext, request: Request, ctx: RequestContext): Promise<Response> {
  const response = messages.InitProducerIdResponse.defaults();
  if (request.transactionalId !== null) {
    if (request.transactionalId === '') {
      response.errorCode = ErrorCode.INVALID_REQUEST;
      return response;
    }
    if (!authorize(broker, ctx, Op.WRITE, Resource.TRANSACTIONAL_ID, request.transactionalId)) {
      response.errorCode = ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
      return response;
    }
    const result = await broker.transactions.initProducerId({
      transactionalId: request.transactionalId, transactionTimeoutMs: request.transactionTimeoutMs,
      producerId: request.producerId, producerEpoch: request.producerEpoch,
    });
    response.errorCode = result.errorCode;
    response.producerId = result.errorCode === ErrorCode.NONE ? result.producerId : -1n;
    response.producerEpoch = result.errorCode === ErrorCode.NONE ? result.producerEpoch : -1;
    return response;
  }
  if (!authorizeCluster(broker, ctx, Op.IDEMPOTENT_WRITE) && !authorizeAny(broker, ctx, Op.WRITE, Resource.TOPIC)) {
    response.errorCode = ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
    return response;
  }
  const allocated = await broker.controller.allocateProducerId();
  response.errorCode = allocated.errorCode;
  response.producerId = allocated.producerId;
  response.producerEpoch = allocated.errorCode === ErrorCode.NONE ? 0 : -1;
  return response;
}
