/** CreatePartitions (API key 37): only ever more partitions, placed by the controller. */
import { messages } from '../../protocol/index.ts';
import type { BrokerContext, RequestContext } from '../broker-context.ts';

export async function handleCreatePartitions(
  broker: BrokerContext, request: messages.CreatePartitionsRequest, _ctx: RequestContext,
): Promise<messages.CreatePartitionsResponse> {
  const results = await broker.controller.createPartitions(
    request.topics.map((t) => ({ name: t.name, count: t.count, assignments: t.assignments?.map((a) => a.brokerIds) ?? null })),
    request.validateOnly,
  );
  const response = messages.CreatePartitionsResponse.defaults();
  response.results = results.map((r) => ({ ...messages.defaultCreatePartitionsResponseCreatePartitionsTopicResult(), ...r }));
  return response;
}
