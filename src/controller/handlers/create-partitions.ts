import { ApiKey, messages } from '../../protocol/index.ts';
import { notController, type ControllerHandler } from './types.ts';

export const createPartitions: ControllerHandler<messages.CreatePartitionsRequest, messages.CreatePartitionsResponse> = {
  apiKey: ApiKey.CreatePartitions,
  async answer(req, { controller, active }) {
    const results = active
      ? await controller.createPartitions(req.topics.map((t) => ({
        name: t.name, count: t.count, assignments: t.assignments?.map((a) => a.brokerIds) ?? null,
      })), req.validateOnly)
      : req.topics.map((t) => ({ name: t.name, ...notController() }));
    return {
      ...messages.CreatePartitionsResponse.defaults(),
      results: results.map((r) => ({ ...messages.defaultCreatePartitionsResponseCreatePartitionsTopicResult(), ...r })),
    };
  },
  errorCodes: (res) => res.results.map((t) => t.errorCode),
};
