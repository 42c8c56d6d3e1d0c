/**
 * DescribeConfigs (API key 32, v1+): a topic's effective configs (its
 * overrides over the broker's synonyms over the defaults) and this broker's
 * static configs, each with its source, and on request its synonyms (v1+),
 * type and documentation (v3+). Sensitive values are reported as null.
 *
 * As in Kafka, `configurationKeys` null or empty means every config, and a
 * name that is not a config is left out rather than refused. Every failure is
 * an error on its resource; the others are still answered.
 *
 * Broker resources: the name is this node's id (every broker config, its
 * value the effective one, its source the layer that set it: per-broker
 * dynamic, cluster-wide dynamic default, static, or default), or '' for the
 * cluster-wide dynamic defaults alone. BROKER_LOGGER: the node's loggers
 * (the root and each named part) with their current levels, as Kafka lists its log4j loggers.
 * CLIENT_METRICS: a KIP-714 subscription's stored configs (metrics, interval.ms, match).
 */
import { ErrorCode, messages } from '../../protocol/index.ts';
import {
  ConfigSource, ConfigType, describeBrokerConfigs, describeClusterDefaultConfigs, describeTopicConfigs, topicNameError, type DescribedConfig,
} from '../../metadata/index.ts';
import { Op, Resource, authorize, authorizeCluster } from '../authorization.ts';
import type { BrokerContext, RequestContext } from '../broker-context.ts';

type Request = messages.DescribeConfigsRequest;
type Response = messages.DescribeConfigsResponse;
type Resource = messages.DescribeConfigsRequestDescribeConfigsResource;
type Result = messages.DescribeConfigsResponseDescribeConfigsResult;
type Entry = messages.DescribeConfigsResponseDescribeConfigsResourceResult;

/** Kafka's ConfigResource.Type ids (wire protocol). */
export const ResourceType = { TOPIC: 2, BROKER: 4, BROKER_LOGGER: 8, CLIENT_METRICS: 16 } as const;

export interface ResourceError {
  readonly errorCode: number;
  readonly errorMessage: string;
}

const INT_SYNTAX = /^[+-]?\d+$/;
const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;

/** A resource name read as Java's Integer.parseInt reads it (sign, leading zeros); null when it is not an int. */
export function parseNodeId(name: string): number | null {
  if (!INT_SYNTAX.test(name)) return null;
  const n = Number(name);
  return n >= INT_MIN && n <= INT_MAX ? n : null;
}

export function invalidRequest(errorMessage: string): ResourceError {
  return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage };
}

export function handleDescribeConfigs(broker: BrokerContext, request: Request, ctx: RequestContext): Response {
  const response = messages.DescribeConfigsResponse.defaults();
  response.results = request.resources.map((resource) => {
    const result: Result = {
      ...messages.defaultDescribeConfigsResponseDescribeConfigsResult(),
      resourceType: resource.resourceType,
      resourceName: resource.resourceName,
      errorMessage: null,
    };
    const described = configAuthorizationError(broker, ctx, Op.DESCRIBE_CONFIGS, resource.resourceType, resource.resourceName)
      ?? describeResource(broker, resource);
    if ('errorCode' in described) {
      result.errorCode = described.errorCode;
      result.errorMessage = described.errorMessage;
    } else {
      result.configs = described.map((c) => entryOf(c, request.includeSynonyms, request.includeDocumentation));
    }
    return result;
  });
  return response;
}

/**
 * Kafka's rule for config resources: a topic's configs need the operation on
 * the topic, broker and logger configs on the cluster; null when allowed.
 */
export function configAuthorizationError(
  broker: BrokerContext, ctx: RequestContext, operation: number, resourceType: number, resourceName: string,
): ResourceError | null {
  if (resourceType === ResourceType.TOPIC) {
    return authorize(broker, ctx, operation, Resource.TOPIC, resourceName)
      ? null : { errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: 'Authorization failed.' };
  }
  if (resourceType === ResourceType.BROKER || resourceType === ResourceType.BROKER_LOGGER || resourceType === ResourceType.CLIENT_METRICS) {
    return authorizeCluster(broker, ctx, operation) ? null : { errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: 'Authorization failed.' };
  }
  return null;
}

function describeResource(broker: BrokerContext, resource: Resource): readonly DescribedConfig[] | ResourceError {
  const name = resource.resourceName;
  const keys = resource.configurationKeys;
  switch (resource.resourceType) {
    case ResourceType.TOPIC: {
      const nameError = topicNameError(name);
      if (nameError !== null) return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: nameError };
      const image = broker.image();
      if (!image.topicsByName.has(name)) {
        return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: 'This server does not host this topic-partition.' };
      }
      return describeTopicConfigs(broker.staticConfig, Object.fromEntries(image.topicConfigs(name)), keys, broker.dynamicConfigLayers());
    }
    case ResourceType.BROKER: {
      if (name === '') return describeClusterDefaultConfigs(Object.fromEntries(broker.image().brokerConfigs('')), keys);
      const id = parseNodeId(name);
      if (id === null) return invalidRequest(`Broker id must be an integer, but it is: ${name}`);
      if (id !== broker.nodeId) return invalidRequest(`Unexpected broker id, expected ${broker.nodeId} or empty string, but received ${name}`);
      return describeBrokerConfigs(broker.staticConfig, keys, broker.dynamicConfigLayers());
    }
    case ResourceType.BROKER_LOGGER: {
      if (name === '') return invalidRequest('Broker id must not be empty');
      const id = parseNodeId(name);
      if (id === null) return invalidRequest(`Broker id must be an integer, but it is: ${name}`);
      if (id !== broker.nodeId) return invalidRequest(`Unexpected broker id, expected ${broker.nodeId} but received ${name}`);
      const loggers = broker.loggers?.describe() ?? [];
      return loggers.filter((l) => keys === null || keys.includes(l.name)).map((l): DescribedConfig => ({
        name: l.name, value: l.level, source: ConfigSource.DYNAMIC_BROKER_LOGGER_CONFIG, readOnly: false, isSensitive: false,
        configType: ConfigType.STRING, documentation: '', synonyms: [],
      }));
    }
    case ResourceType.CLIENT_METRICS: {
      // As Kafka: every stored config of the subscription (the requested keys are not applied; none when it does not exist),
      // each CLIENT_METRICS_CONFIG with no type.
      if (name === '') return invalidRequest('Client metrics subscription name must not be empty');
      const stored = broker.image().configs.get(`${ResourceType.CLIENT_METRICS}:${name}`) ?? new Map<string, string>();
      return [...stored].map(([k, v]): DescribedConfig => ({
        name: k, value: v, source: ConfigSource.CLIENT_METRICS_CONFIG, readOnly: false, isSensitive: false,
        configType: ConfigType.UNKNOWN, documentation: '', synonyms: [],
      }));
    }
    default:
      return invalidRequest(`Unsupported resource type: ${resource.resourceType}`);
  }
}

function entryOf(c: DescribedConfig, includeSynonyms: boolean, includeDocumentation: boolean): Entry {
  return {
    ...messages.defaultDescribeConfigsResponseDescribeConfigsResourceResult(),
    name: c.name,
    value: c.value,
    readOnly: c.readOnly,
    isDefault: c.source === ConfigSource.DEFAULT_CONFIG,
    configSource: c.source,
    isSensitive: c.isSensitive,
    synonyms: includeSynonyms
      ? c.synonyms.map((s) => ({ ...messages.defaultDescribeConfigsResponseDescribeConfigsSynonym(), name: s.name, value: s.value, source: s.source }))
      : [],
    configType: c.configType,
    documentation: includeDocumentation ? c.documentation : null,
  };
}
