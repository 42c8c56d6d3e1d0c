import { requestedFeatureUpdates, updateFeaturesResponse } from '../../metadata/index.ts';
import { ApiKey, messages } from '../../protocol/index.ts';
import { notController, type ControllerHandler } from './types.ts';

/** UpdateFeatures: new finalized feature levels, all or none, in the metadata log before the answer. */
export const updateFeatures: ControllerHandler<messages.UpdateFeaturesRequest, messages.UpdateFeaturesResponse> = {
  apiKey: ApiKey.UpdateFeatures,
  async answer(req, { controller, active, apiVersion }) {
    if (!active) return { ...messages.UpdateFeaturesResponse.defaults(), ...notController() };
    const outcome = await controller.updateFeatures(requestedFeatureUpdates(req, apiVersion), req.validateOnly);
    return updateFeaturesResponse(outcome, req, apiVersion);
  },
  errorCodes: (res) => [res.errorCode],
};
