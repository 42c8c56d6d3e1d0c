/**
 * DescribeTransactions (API key 65): the state of transactional ids this
 * broker coordinates (kafka-transactions.sh describe). DESCRIBE on each
 * transactional id; topics the caller may not DESCRIBE are left out.
 */
import { ErrorCode, messages } from '../../protocol/index.ts';
import { Op, Resource, authorize, filterAuthorized } from '../authorization.ts';
import type { BrokerContext, RequestContext } from '../broker-context.ts';

type Request = messages.DescribeTransactionsRequest;
type Response = messages.DescribeTransactionsResponse;

export function handleDescribeTransactions(broker: BrokerContext, request: Request, ctx: RequestContext): Response {
  const response = messages.DescribeTransactionsResponse.defaults();
  const describable = filterAuthorized(broker, ctx, Op.DESCRIBE, Resource.TRANSACTIONAL_ID, request.transactionalIds);
  const described = new Map(broker.transactions.describeTransactions(request.transactionalIds.filter((id) => describable.has(id)))
    .map((d) => [d.transactionalId, d]));
  const refused = (transactionalId: string) => ({
    transactionalId, errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, transactionState: '', transactionTimeoutMs: 0,
    transactionStartTimeMs: -1, producerId: -1n, producerEpoch: -1, topics: [],
  });
  response.transactionStates = request.transactionalIds.map((id) => described.get(id) ?? refused(id)).map((d) => ({
    ...messages.defaultDescribeTransactionsResponseTransactionState(),
    errorCode: d.errorCode,
    transactionalId: d.transactionalId,
    transactionState: d.transactionState,
    transactionTimeoutMs: d.transactionTimeoutMs,
    transactionStartTimeMs: BigInt(d.transactionStartTimeMs),
    producerId: d.producerId,
    producerEpoch: d.producerEpoch,
    topics: d.topics.filter((t) => authorize(broker, ctx, Op.DESCRIBE, Resource.TOPIC, t.topic)).map((t) => ({ ...messages.defaultDescribeTransactionsResponseTopicData(), topic: t.topic, partitions: [...t.partitions] })),
  }));
  return response;
}
