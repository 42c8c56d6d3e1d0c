/** DescribeTransactions (API key 65): the state of transactional ids this broker coordinates (kafka-transactions.sh describe). */
import { messages } from '../../protocol/index.ts';
import type { BrokerContext, RequestContext } from '../broker-context.ts';

type Request = messages.DescribeTransactionsRequest;
type Response = messages.DescribeTransactionsResponse;

export function handleDescribeTransactions(broker: BrokerContext, request: Request, _ctx: RequestContext): Response {
  const response = messages.DescribeTransactionsResponse.defaults();
  response.transactionStates = broker.transactions.describeTransactions(request.transactionalIds).map((d) => ({
    ...messages.defaultDescribeTransactionsResponseTransactionState(),
    errorCode: d.errorCode,
    transactionalId: d.transactionalId,
    transactionState: d.transactionState,
    transactionTimeoutMs: d.transactionTimeoutMs,
    transactionStartTimeMs: BigInt(d.transactionStartTimeMs),
    producerId: d.producerId,
    producerEpoch: d.producerEpoch,
    topics: d.topics.map((t) => ({ ...messages.defaultDescribeTransactionsResponseTopicData(), topic: t.topic, partitions: [...t.partitions] })),
  }));
  return response;
}
