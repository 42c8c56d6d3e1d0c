/**
 * UpdateFeatures (API key 57): kafka-features upgrade, downgrade and disable.
 * Forwarded to the controller in the latest version's terms; the answer is
 * shaped back to the client's version (v0 and v1 list each feature).
 * ALTER on the cluster.
 */
import { latestFeatureUpdatesRequest, updateFeaturesResponse } from '../../metadata/index.ts';
import { ErrorCode, type messages } from '../../protocol/index.ts';
import { Op, authorizeCluster } from '../authorization.ts';
import type { BrokerContext, RequestContext } from '../broker-context.ts';

export async function handleUpdateFeatures(
  broker: BrokerContext, request: messages.UpdateFeaturesRequest, ctx: RequestContext,
): Promise<messages.UpdateFeaturesResponse> {
  if (!authorizeCluster(broker, ctx, Op.ALTER)) {
    return updateFeaturesResponse({ errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: 'Cluster authorization failed.' }, request, ctx.apiVersion);
  }
  const res = await broker.controller.updateFeatures(latestFeatureUpdatesRequest(request, ctx.apiVersion));
  return updateFeaturesResponse(res, request, ctx.apiVersion);
}
