/** CreatePartitions (API key 37): only ever more partitions, placed by the controller; ALTER on each topic. */
import { ErrorCode, messages } from '../../protocol/index.ts';
import { Op, Resource, filterAuthorized } from '../authorization.ts';
import type { BrokerContext, RequestContext } from '../broker-context.ts';

export async function handleCreatePartitions(
  broker: BrokerContext, request: messages.CreatePartitionsRequest, ctx: RequestContext,
): Promise<messages.CreatePartitionsResponse> {
  const alterable = filterAuthorized(broker, ctx, Op.ALTER, Resource.TOPIC, request.topics.map((t) => t.name));
  const allowed = request.topics.filter((t) => alterable.has(t.name));
  const results = allowed.length === 0 ? [] : await broker.controller.createPartitions(
    allowed.map((t) => ({ name: t.name, count: t.count, assignments: t.assignments?.map((a) => a.brokerIds) ?? null })),
    request.validateOnly,
  );
  const refused = request.topics.filter((t) => !alterable.has(t.name))
    .map((t) => ({ name: t.name, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: 'Authorization failed.' }));
  const response = messages.CreatePartitionsResponse.defaults();
  response.results = [...results, ...refused].map((r) => ({ ...messages.defaultCreatePartitionsResponseCreatePartitionsTopicResult(), ...r }));
  return response;
}
