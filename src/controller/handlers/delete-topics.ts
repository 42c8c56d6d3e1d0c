import { ApiKey, messages } from '../../protocol/index.ts';
import { ZERO_UUID, notController, type ControllerHandler } from './types.ts';

export const deleteTopics: ControllerHandler<messages.DeleteTopicsRequest, messages.DeleteTopicsResponse> = {
  apiKey: ApiKey.DeleteTopics,
  async answer(req, { controller, active }) {
    const targets = req.topics.length > 0
      ? req.topics.map((t) => ({ name: t.name, topicId: t.topicId }))
      : req.topicNames.map((name) => ({ name, topicId: ZERO_UUID }));
    const results = active
      ? await controller.deleteTopics(targets)
      : targets.map((t) => ({ name: t.name ?? '', topicId: t.topicId, ...notController() }));
    return {
      ...messages.DeleteTopicsResponse.defaults(),
      responses: results.map((r) => ({ ...messages.defaultDeleteTopicsResponseDeletableTopicResult(), ...r })),
    };
  },
  errorCodes: (res) => res.responses.map((t) => t.errorCode),
};
