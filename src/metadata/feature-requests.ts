/**
 * UpdateFeatures across its versions, for the broker that forwards it and the
 * controller that answers it: v0's allowDowngrade is a safe downgrade, and
 * only v0 and v1 answer with a result per feature (Kafka does so only on
 * success; a refusal is the top-level error alone).
 */
import { ErrorCode, messages } from '../protocol/index.ts';
import { UpgradeType } from './features.ts';

const RESULTS_VERSION_MAX = 1;

export interface RequestedFeatureUpdate {
  feature: string;
  level: number;
  upgradeType: number;
}

export function requestedFeatureUpdates(req: messages.UpdateFeaturesRequest, apiVersion: number): RequestedFeatureUpdate[] {
  return req.featureUpdates.map((u) => ({
    feature: u.feature,
    level: u.maxVersionLevel,
    upgradeType: apiVersion === 0 ? (u.allowDowngrade ? UpgradeType.SafeDowngrade : UpgradeType.Upgrade) : u.upgradeType,
  }));
}

/** The request in the latest version's terms (what a broker forwards to the controller). */
export function latestFeatureUpdatesRequest(req: messages.UpdateFeaturesRequest, apiVersion: number): messages.UpdateFeaturesRequest {
  return {
    ...req,
    featureUpdates: requestedFeatureUpdates(req, apiVersion).map((u) => ({
      ...messages.defaultUpdateFeaturesRequestFeatureUpdateKey(), feature: u.feature, maxVersionLevel: u.level, upgradeType: u.upgradeType,
    })),
  };
}

export function updateFeaturesResponse(
  outcome: { errorCode: number; errorMessage: string | null }, req: messages.UpdateFeaturesRequest, apiVersion: number,
): messages.UpdateFeaturesResponse {
  const response: messages.UpdateFeaturesResponse = {
    ...messages.UpdateFeaturesResponse.defaults(), errorCode: outcome.errorCode, errorMessage: outcome.errorMessage,
  };
  if (outcome.errorCode === ErrorCode.NONE && apiVersion <= RESULTS_VERSION_MAX) {
    response.results = [...new Set(req.featureUpdates.map((u) => u.feature))].map((feature) => ({
      ...messages.defaultUpdateFeaturesResponseUpdatableFeatureResult(), feature, errorCode: ErrorCode.NONE, errorMessage: null,
    }));
  }
  return response;
}
