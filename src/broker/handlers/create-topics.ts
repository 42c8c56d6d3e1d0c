/**
 * CreateTopics (API key 19): validated and placed by the controller; v5+
 * answers with the resulting configs. CREATE on the cluster, else on each topic.
 */
import { ErrorCode, messages } from '../../protocol/index.ts';
import { Op, Resource, authorize, authorizeCluster } from '../authorization.ts';
import type { BrokerContext, RequestContext } from '../broker-context.ts';
import { admitMutations, giveBack, THROTTLING_QUOTA_EXCEEDED_MESSAGE } from './mutation-quota.ts';

type Request = messages.CreateTopicsRequest;
type Response = messages.CreateTopicsResponse;

const CONFIGS_IN_RESPONSE_VERSION_MIN = 5;

export async function handleCreateTopics(broker: BrokerContext, request: Request, ctx: RequestContext): Promise<Response> {
  const createAny = authorizeCluster(broker, ctx, Op.CREATE);
  const refused = request.topics.filter((t) => !createAny && !authorize(broker, ctx, Op.CREATE, Resource.TOPIC, t.name));
  const authorized = request.topics.filter((t) => !refused.includes(t));
  const image = broker.image();
  // What the topic would create: its assignments, its count, or num.partitions; nothing when it exists already.
  const partitionsOf = (t: Request['topics'][number]): number => image.topicsByName.has(t.name) ? 0
    : t.assignments.length > 0 ? t.assignments.length : t.numPartitions === -1 ? broker.config.numPartitions : Math.max(0, t.numPartitions);
  const { admitted: allowed, throttled } = admitMutations(ctx.mutationQuota, authorized, partitionsOf);
  const created = allowed.length === 0 ? [] : await broker.controller.createTopics(
    allowed.map((t) => ({
      name: t.name,
      numPartitions: t.numPartitions,
      replicationFactor: t.replicationFactor,
      assignments: t.assignments.map((a) => ({ partitionIndex: a.partitionIndex, brokerIds: a.brokerIds })),
      configs: t.configs.map((c) => ({ name: c.name, value: c.value })),
    })),
    request.validateOnly,
  );
  giveBack(ctx.mutationQuota, allowed, (t, i) => created[i]?.errorCode !== ErrorCode.NONE, partitionsOf);
  const results = [...created, ...refused.map((t) => ({
    name: t.name, topicId: 'AAAAAAAAAAAAAAAAAAAAAA', errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
    errorMessage: 'Authorization failed.', numPartitions: -1, replicationFactor: -1,
  })), ...[...throttled].map((t) => ({
    name: t.name, topicId: 'AAAAAAAAAAAAAAAAAAAAAA', errorCode: ErrorCode.THROTTLING_QUOTA_EXCEEDED,
    errorMessage: THROTTLING_QUOTA_EXCEEDED_MESSAGE, numPartitions: -1, replicationFactor: -1,
  }))];
  const response = messages.CreateTopicsResponse.defaults();
  response.topics = results.map((r) => {
    const out = messages.defaultCreateTopicsResponseCreatableTopicResult();
    out.name = r.name;
    out.topicId = r.topicId;
    out.errorCode = r.errorCode;
    out.errorMessage = r.errorMessage;
    out.numPartitions = r.numPartitions;
    out.replicationFactor = r.replicationFactor;
    if (ctx.apiVersion >= CONFIGS_IN_RESPONSE_VERSION_MIN && r.errorCode === ErrorCode.NONE) {
      out.configs = broker.describeTopicConfigs(r.name, request.topics.find((t) => t.name === r.name)!.configs)
        .map((c) => ({ ...messages.defaultCreateTopicsResponseCreatableTopicConfigs(), ...c }));
    }
    return out;
  });
  return response;
}
