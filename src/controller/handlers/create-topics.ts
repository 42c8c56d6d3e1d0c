import { ApiKey, messages } from '../../protocol/index.ts';
import { ZERO_UUID, notController, type ControllerHandler } from './types.ts';

export const createTopics: ControllerHandler<messages.CreateTopicsRequest, messages.CreateTopicsResponse> = {
  apiKey: ApiKey.CreateTopics,
  async answer(req, { controller, active }) {
    const results = active
      ? await controller.createTopics(req.topics.map((t) => ({
        name: t.name, numPartitions: t.numPartitions, replicationFactor: t.replicationFactor,
        assignments: t.assignments.map((a) => ({ partitionIndex: a.partitionIndex, brokerIds: a.brokerIds })),
        configs: t.configs.map((cfg) => ({ name: cfg.name, value: cfg.value })),
      })), req.validateOnly)
      : req.topics.map((t) => ({ name: t.name, topicId: ZERO_UUID, ...notController(), numPartitions: -1, replicationFactor: -1 }));
    return {
      ...messages.CreateTopicsResponse.defaults(),
      topics: results.map((r) => ({ ...messages.defaultCreateTopicsResponseCreatableTopicResult(), ...r })),
    };
  },
  errorCodes: (res) => res.topics.map((t) => t.errorCode),
};
