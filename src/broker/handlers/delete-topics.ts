/** DeleteTopics (API key 20): by name, or from v6 by topic id; DELETE on each topic. */
import { ErrorCode, messages } from '../../protocol/index.ts';
import { Op, Resource, authorize } from '../authorization.ts';
import type { BrokerContext, RequestContext } from '../broker-context.ts';
import { admitMutations, giveBack, THROTTLING_QUOTA_EXCEEDED_MESSAGE } from './mutation-quota.ts';

type Request = messages.DeleteTopicsRequest;
type Response = messages.DeleteTopicsResponse;

const TOPIC_STATES_VERSION_MIN = 6;
const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

export async function handleDeleteTopics(broker: BrokerContext, request: Request, ctx: RequestContext): Promise<Response> {
  const targets = ctx.apiVersion >= TOPIC_STATES_VERSION_MIN
    ? request.topics.map((t) => ({ name: t.name, topicId: t.topicId }))
    : request.topicNames.map((name) => ({ name, topicId: ZERO_UUID }));
  const image = broker.image();
  // By id, an unknown id is answered by the controller; a known one is checked by its name.
  const nameOf = (t: { name: string | null; topicId: string }): string | null => t.name ?? image.topicsById.get(t.topicId)?.name ?? null;
  const deletable = targets.map((t) => {
    const name = nameOf(t);
    return name === null || authorize(broker, ctx, Op.DELETE, Resource.TOPIC, name);
  });
  const authorized = targets.filter((_, i) => deletable[i]);
  // What deleting the topic removes: its partitions; nothing for a topic this broker does not know.
  const partitionsOf = (t: { name: string | null; topicId: string }): number => {
    const name = nameOf(t);
    return name === null ? 0 : image.topicsByName.get(name)?.partitions.length ?? 0;
  };
  const { admitted: allowed, throttled } = admitMutations(ctx.mutationQuota, authorized, partitionsOf);
  const results = allowed.length === 0 ? [] : await broker.controller.deleteTopics(allowed);
  giveBack(ctx.mutationQuota, allowed, (_, i) => results[i]?.errorCode !== ErrorCode.NONE, partitionsOf);
  const response = messages.DeleteTopicsResponse.defaults();
  let next = 0;
  response.responses = targets.map((t, i) => {
    const out = messages.defaultDeleteTopicsResponseDeletableTopicResult();
    if (!deletable[i]) {
      return { ...out, name: t.name, topicId: t.topicId, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: 'Authorization failed.' };
    }
    if (throttled.has(t)) {
      return { ...out, name: t.name, topicId: t.topicId, errorCode: ErrorCode.THROTTLING_QUOTA_EXCEEDED, errorMessage: THROTTLING_QUOTA_EXCEEDED_MESSAGE };
    }
    const r = results[next++]!;
    return { ...out, name: t.name ?? (r.errorCode === 0 ? r.name : null), topicId: r.topicId, errorCode: r.errorCode, errorMessage: r.errorMessage };
  });
  return response;
}
