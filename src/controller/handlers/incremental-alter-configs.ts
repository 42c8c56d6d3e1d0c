import { ApiKey, messages } from '../../protocol/index.ts';
import { notController, type ControllerHandler } from './types.ts';

export const incrementalAlterConfigs: ControllerHandler<messages.IncrementalAlterConfigsRequest, messages.IncrementalAlterConfigsResponse> = {
  apiKey: ApiKey.IncrementalAlterConfigs,
  async answer(req, { controller, active }) {
    const results = active
      ? await controller.incrementalAlterConfigs(req.resources.map((r) => ({
        resourceType: r.resourceType, resourceName: r.resourceName,
        configs: r.configs.map((cfg) => ({ name: cfg.name, operation: cfg.configOperation, value: cfg.value })),
      })), req.validateOnly)
      : req.resources.map(() => notController());
    return {
      ...messages.IncrementalAlterConfigsResponse.defaults(),
      responses: req.resources.map((r, i) => ({
        ...messages.defaultIncrementalAlterConfigsResponseAlterConfigsResourceResponse(), ...results[i]!,
        resourceType: r.resourceType, resourceName: r.resourceName,
      })),
    };
  },
  errorCodes: (res) => res.responses.map((t) => t.errorCode),
};
