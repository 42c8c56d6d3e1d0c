/**
 * Metadata (API key 3): brokers, cluster id, controller, and topics, creating
 * missing ones when allowed. As in Kafka, a listing of every topic leaves out
 * those the caller may not DESCRIBE, a named one is TOPIC_AUTHORIZATION_FAILED,
 * and auto-creation needs CREATE on the cluster or the topic.
 */
import { AUTHORIZED_OPERATIONS_OMITTED, ErrorCode, messages } from '../../protocol/index.ts';
import { isInternalTopic, topicNameError, type MetadataImage, type TopicImage } from '../../metadata/index.ts';
import { Op, Resource, authorize, authorizeCluster, authorizedOperations } from '../authorization.ts';
import type { BrokerContext, RequestContext } from '../broker-context.ts';

type Request = messages.MetadataRequest;
type Response = messages.MetadataResponse;
type TopicOut = messages.MetadataResponseMetadataResponseTopic;

const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

export async function handleMetadata(broker: BrokerContext, request: Request, ctx: RequestContext): Promise<Response> {
  const response = messages.MetadataResponse.defaults();
  response.clusterId = broker.clusterId;
  response.controllerId = broker.activeControllerId();
  response.clusterAuthorizedOperations = request.includeClusterAuthorizedOperations
    ? authorizedOperations(broker, ctx, Resource.CLUSTER, 'kafka-cluster') : AUTHORIZED_OPERATIONS_OMITTED;
  const topics = request.topics === null || (ctx.apiVersion === 0 && request.topics.length === 0)
    ? allTopics(broker, ctx)
    : await requestedTopics(broker, request, ctx);
  if (request.includeTopicAuthorizedOperations) {
    for (const t of topics) {
      if (t.errorCode === ErrorCode.NONE && t.name !== null) t.topicAuthorizedOperations = authorizedOperations(broker, ctx, Resource.TOPIC, t.name);
    }
  }
  response.topics = topics;
  response.brokers = brokersOf(broker.image(), ctx.listenerName);
  return response;
}

/** Each live broker's endpoint on the listener the request came in on; a broker without that listener is left out, as in Kafka. */
function brokersOf(image: MetadataImage, listenerName: string): messages.MetadataResponseMetadataResponseBroker[] {
  const out: messages.MetadataResponseMetadataResponseBroker[] = [];
  for (const b of image.brokers.values()) {
    if (b.fenced) continue;
    const endpoint = b.endpoints.find((e) => e.name === listenerName);
    if (endpoint === undefined) continue;
    out.push({ ...messages.defaultMetadataResponseMetadataResponseBroker(), nodeId: b.id, host: endpoint.host, port: endpoint.port, rack: b.rack });
  }
  return out;
}

function allTopics(broker: BrokerContext, ctx: RequestContext): TopicOut[] {
  return [...broker.image().topicsByName.values()]
    .filter((t) => authorize(broker, ctx, Op.DESCRIBE, Resource.TOPIC, t.name))
    .map(describeTopic);
}

async function requestedTopics(broker: BrokerContext, request: Request, ctx: RequestContext): Promise<TopicOut[]> {
  const autoCreate = broker.config.autoCreateTopicsEnable && (ctx.apiVersion < 4 || request.allowAutoTopicCreation);
  const describable = (name: string): boolean => authorize(broker, ctx, Op.DESCRIBE, Resource.TOPIC, name);
  const mayCreateAny = autoCreate && authorizeCluster(broker, ctx, Op.CREATE);
  const mayCreate = (name: string): boolean => mayCreateAny || authorize(broker, ctx, Op.CREATE, Resource.TOPIC, name);
  const refused = new Set<string>();
  const missing: string[] = [];
  for (const t of request.topics ?? []) {
    if (t.name === null) continue;
    if (!describable(t.name)) {
      refused.add(t.name);
      continue;
    }
    if (!broker.image().topicsByName.has(t.name) && topicNameError(t.name) === null) {
      if (autoCreate && !mayCreate(t.name)) refused.add(t.name);
      else missing.push(t.name);
    }
  }
  if (autoCreate && missing.length > 0) {
    await broker.controller.createTopics(
      [...new Set(missing)].map((name) => ({ name, numPartitions: -1, replicationFactor: -1, assignments: [], configs: [] })),
      false,
    );
  }
  const image = broker.image();
  return (request.topics ?? []).map((t) => {
    if (t.name !== null && refused.has(t.name)) return unauthorizedTopic(t.name, ZERO_UUID);
    const topic = t.name !== null ? image.topicsByName.get(t.name) : image.topicsById.get(t.topicId);
    if (topic !== undefined && t.name === null && !describable(topic.name)) return unauthorizedTopic(null, t.topicId);
    if (topic !== undefined) return describeTopic(topic);
    return missingTopic(t.name, t.topicId);
  });
}

function unauthorizedTopic(name: string | null, topicId: string): TopicOut {
  return {
    ...messages.defaultMetadataResponseMetadataResponseTopic(),
    name, topicId, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, topicAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
  };
}

function missingTopic(name: string | null, topicId: string): TopicOut {
  const out = messages.defaultMetadataResponseMetadataResponseTopic();
  out.name = name;
  out.topicId = name === null ? topicId : ZERO_UUID;
  out.topicAuthorizedOperations = AUTHORIZED_OPERATIONS_OMITTED;
  if (name === null) out.errorCode = ErrorCode.UNKNOWN_TOPIC_ID;
  else out.errorCode = topicNameError(name) === null ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.INVALID_TOPIC_EXCEPTION;
  return out;
}

export function describeTopic(topic: TopicImage): TopicOut {
  const out = messages.defaultMetadataResponseMetadataResponseTopic();
  out.name = topic.name;
  out.topicId = topic.id;
  out.isInternal = isInternalTopic(topic.name);
  out.topicAuthorizedOperations = AUTHORIZED_OPERATIONS_OMITTED;
  out.partitions = topic.partitions.map((p) => ({
    ...messages.defaultMetadataResponseMetadataResponsePartition(),
    errorCode: p.leader < 0 ? ErrorCode.LEADER_NOT_AVAILABLE : ErrorCode.NONE,
    partitionIndex: p.partitionId,
    leaderId: p.leader,
    leaderEpoch: p.leaderEpoch,
    replicaNodes: p.replicas.slice(),
    isrNodes: p.isr.slice(),
    offlineReplicas: [],
  }));
  return out;
}
