/** CreatePartitions (API key 37): only ever more partitions, placed by the controller; ALTER on each topic. */
import { ErrorCode, messages } from '../../protocol/index.ts';
import { Op, Resource, filterAuthorized } from '../authorization.ts';
import type { BrokerContext, RequestContext } from '../broker-context.ts';
import { admitMutations, giveBack, THROTTLING_QUOTA_EXCEEDED_MESSAGE } from './mutation-quota.ts';

export async function handleCreatePartitions(
  broker: BrokerContext, request: messages.CreatePartitionsRequest, ctx: RequestContext,
): Promise<messages.CreatePartitionsResponse> {
  const alterable = filterAuthorized(broker, ctx, Op.ALTER, Resource.TOPIC, request.topics.map((t) => t.name));
  const image = broker.image();
  // What the change adds: the partitions above the topic's current count; nothing when it is no increase.
  const partitionsOf = (t: messages.CreatePartitionsRequest['topics'][number]): number => {
    const current = image.topicsByName.get(t.name)?.partitions.length;
    return current === undefined ? 0 : Math.max(0, t.count - current);
  };
  const { admitted: allowed, throttled } = admitMutations(ctx.mutationQuota, request.topics.filter((t) => alterable.has(t.name)), partitionsOf);
  const results = allowed.length === 0 ? [] : await broker.controller.createPartitions(
    allowed.map((t) => ({ name: t.name, count: t.count, assignments: t.assignments?.map((a) => a.brokerIds) ?? null })),
    request.validateOnly,
  );
  giveBack(ctx.mutationQuota, allowed, (_, i) => results[i]?.errorCode !== ErrorCode.NONE, partitionsOf);
  const refused = request.topics.filter((t) => !alterable.has(t.name))
    .map((t) => ({ name: t.name, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: 'Authorization failed.' }));
  const quotaRefused = [...throttled].map((t) => ({ name: t.name, errorCode: ErrorCode.THROTTLING_QUOTA_EXCEEDED, errorMessage: THROTTLING_QUOTA_EXCEEDED_MESSAGE }));
  const response = messages.CreatePartitionsResponse.defaults();
  response.results = [...results, ...refused, ...quotaRefused].map((r) => ({ ...messages.defaultCreatePartitionsResponseCreatePartitionsTopicResult(), ...r }));
  return response;
}
