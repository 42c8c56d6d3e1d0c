import { ApiKey, messages } from '../../protocol/index.ts';
import { notController, type ControllerHandler } from './types.ts';

/** AlterConfigs: replaces a resource's overrides (Kafka's legacy, non-incremental API). */
export const alterConfigs: ControllerHandler<messages.AlterConfigsRequest, messages.AlterConfigsResponse> = {
  apiKey: ApiKey.AlterConfigs,
  async answer(req, { controller, active }) {
    const results = active
      ? await controller.legacyAlterConfigs(req.resources.map((r) => ({
        resourceType: r.resourceType, resourceName: r.resourceName, configs: r.configs.map((cfg) => ({ name: cfg.name, value: cfg.value ?? '' })),
      })), req.validateOnly)
      : req.resources.map(() => notController());
    return {
      ...messages.AlterConfigsResponse.defaults(),
      responses: req.resources.map((r, i) => ({
        ...messages.defaultAlterConfigsResponseAlterConfigsResourceResponse(), ...results[i]!, resourceType: r.resourceType, resourceName: r.resourceName,
      })),
    };
  },
  errorCodes: (res) => res.responses.map((t) => t.errorCode),
};
