/** DeleteTopics (API key 20): by name, or from v6 by topic id. */
import { messages } from '../../protocol/index.ts';
import type { BrokerContext, RequestContext } from '../broker-context.ts';

type Request = messages.DeleteTopicsRequest;
type Response = messages.DeleteTopicsResponse;

const TOPIC_STATES_VERSION_MIN = 6;
const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

export async function handleDeleteTopics(broker: BrokerContext, request: Request, ctx: RequestContext): Promise<Response> {
  const targets = ctx.apiVersion >= TOPIC_STATES_VERSION_MIN
    ? request.topics.map((t) => ({ name: t.name, topicId: t.topicId }))
    : request.topicNames.map((name) => ({ name, topicId: ZERO_UUID }));
  const response = messages.DeleteTopicsResponse.defaults();
  response.responses = (await broker.controller.deleteTopics(targets)).map((r, i) => ({
    ...messages.defaultDeleteTopicsResponseDeletableTopicResult(),
    name: targets[i]!.name ?? (r.errorCode === 0 ? r.name : null),
    topicId: r.topicId,
    errorCode: r.errorCode,
    errorMessage: r.errorMessage,
  }));
  return response;
}
