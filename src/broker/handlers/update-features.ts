/**
 * UpdateFeatures (API key 57): kafka-features upgrade, downgrade and disable.
 * Forwarded to the controller in the latest version's terms; the answer is
 * shaped back to the client's version (v0 and v1 list each feature).
 */
import { latestFeatureUpdatesRequest, updateFeaturesResponse } from '../../metadata/index.ts';
import type { messages } from '../../protocol/index.ts';
import type { BrokerContext, RequestContext } from '../broker-context.ts';

export async function handleUpdateFeatures(
  broker: BrokerContext, request: messages.UpdateFeaturesRequest, ctx: RequestContext,
): Promise<messages.UpdateFeaturesResponse> {
  const res = await broker.controller.updateFeatures(latestFeatureUpdatesRequest(request, ctx.apiVersion));
  return updateFeaturesResponse(res, request, ctx.apiVersion);
}
