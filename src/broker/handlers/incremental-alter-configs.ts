/**
 * IncrementalAlterConfigs (API key 44): changes named config keys and leaves
 * the others alone. SET and DELETE work on any key; APPEND and SUBTRACT on
 * list configs (cleanup.policy), starting from the override or else the topic
 * config's default. A resource's operations are checked as a whole, so one bad
 * operation fails its resource and changes nothing there. validateOnly checks
 * and answers without committing.
 *
 * Preprocessing is shared with AlterConfigs (alter-configs.ts); DELETE is the
 * one operation that may carry a null value.
 */
import { messages } from '../../protocol/index.ts';
import type { BrokerContext, RequestContext } from '../broker-context.ts';
import { completeOutcomes, preprocessConfigResources } from './alter-configs.ts';

type Request = messages.IncrementalAlterConfigsRequest;
type Response = messages.IncrementalAlterConfigsResponse;

export async function handleIncrementalAlterConfigs(broker: BrokerContext, request: Request, ctx: RequestContext): Promise<Response> {
  const changes = request.resources.map((r) => ({
    resourceType: r.resourceType,
    resourceName: r.resourceName,
    configs: r.configs.map((c) => ({ name: c.name, operation: c.configOperation, value: c.value })),
  }));
  const outcomes = await completeOutcomes(preprocessConfigResources(broker, ctx, changes, true, false, request.validateOnly), (forwarded) =>
    broker.controller.incrementalAlterConfigs(forwarded.map((i) => changes[i]!), request.validateOnly));
  const response = messages.IncrementalAlterConfigsResponse.defaults();
  response.responses = request.resources.map((r, i) => ({
    ...messages.defaultIncrementalAlterConfigsResponseAlterConfigsResourceResponse(),
    resourceType: r.resourceType,
    resourceName: r.resourceName,
    errorCode: outcomes[i]!.errorCode,
    errorMessage: outcomes[i]!.errorMessage,
  }));
  return response;
}
