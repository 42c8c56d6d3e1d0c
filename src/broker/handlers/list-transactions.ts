/**
 * ListTransactions (API key 66): the transactional ids this broker
 * coordinates, filtered by state, producer id and (v1+) how long they
 * have been open. Admin clients ask every broker and merge. Only the ids the
 * caller may DESCRIBE are listed.
 */
import { messages } from '../../protocol/index.ts';
import { Op, Resource, authorize } from '../authorization.ts';
import type { BrokerContext, RequestContext } from '../broker-context.ts';

type Request = messages.ListTransactionsRequest;
type Response = messages.ListTransactionsResponse;

/** Kafka's transaction state names; a filter naming another is reported back as unknown. */
const STATES = new Set(['Empty', 'Ongoing', 'PrepareCommit', 'PrepareAbort', 'CompleteCommit', 'CompleteAbort', 'Dead', 'PrepareEpochFence']);

export function handleListTransactions(broker: BrokerContext, request: Request, ctx: RequestContext): Response {
  const response = messages.ListTransactionsResponse.defaults();
  response.unknownStateFilters = request.stateFilters.filter((s) => !STATES.has(s));
  const listed = broker.transactions.listTransactions({
    states: request.stateFilters.filter((s) => STATES.has(s)),
    producerIds: request.producerIdFilters,
    durationFilterMs: Number(request.durationFilter),
  });
  response.errorCode = listed.errorCode;
  response.transactionStates = listed.transactions
    .filter((t) => authorize(broker, ctx, Op.DESCRIBE, Resource.TRANSACTIONAL_ID, t.transactionalId)).map((t) => ({ ...messages.defaultListTransactionsResponseTransactionState(), ...t }));
  return response;
}
