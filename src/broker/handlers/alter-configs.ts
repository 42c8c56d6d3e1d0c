/**
 * AlterConfigs (API key 33): Kafka's original, non-incremental way to change
 * dynamic configs. The configs given for a resource become its whole set of
 * overrides: any override not named is removed. validateOnly checks and
 * answers without committing.
 *
 * A request passes two stages, as in Kafka. Here, the broker's preprocessing
 * (Kafka's ConfigAdminManager): a resource named twice, a config key named
 * twice, null values, and broker and logger resources, which never reach the
 * controller. Then the controller's stage for topics: the topic name, the
 * configs (INVALID_CONFIG), that the topic exists, and the ConfigRecords.
 * IncrementalAlterConfigs shares the first stage from this file.
 *
 * Broker resources (dynamic broker configs, '' for the cluster-wide default or
 * this node's id): checked here against this broker's static config
 * (read-only configs, per-broker ones at the cluster level, passwords, and
 * that the result is still a valid config; see checkDynamicBrokerChange),
 * then stored by the controller as BROKER ConfigRecords.
 */
import { ErrorCode, messages } from '../../protocol/index.ts';
import {
  applyConfigOperations, checkDynamicBrokerChange, CONFIG_OPERATION_NAMES, ConfigOperation, DYNAMIC_TLS_CONFIGS, effectiveBrokerConfig, listenerConfigBase,
} from '../../metadata/index.ts';
import { Op } from '../authorization.ts';
import type { BrokerContext, RequestContext } from '../broker-context.ts';
import { configAuthorizationError, invalidRequest, parseNodeId, ResourceType } from './describe-configs.ts';

type Request = messages.AlterConfigsRequest;
type Response = messages.AlterConfigsResponse;

/** Kafka's AlterConfigOp.OpType ids (wire protocol); legacy AlterConfigs is all SET. */

export interface ConfigChange {
  readonly name: string;
  readonly operation: number;
  readonly value: string | null;
}

export interface ResourceChange {
  readonly resourceType: number;
  readonly resourceName: string;
  readonly configs: readonly ConfigChange[];
}

export interface Outcome {
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

const OK: Outcome = Object.freeze({ errorCode: ErrorCode.NONE, errorMessage: null });

export async function handleAlterConfigs(broker: BrokerContext, request: Request, ctx: RequestContext): Promise<Response> {
  const changes = request.resources.map((r) => ({
    resourceType: r.resourceType,
    resourceName: r.resourceName,
    configs: r.configs.map((c) => ({ name: c.name, operation: ConfigOperation.SET, value: c.value })),
  }));
  const outcomes = await completeOutcomes(preprocessConfigResources(broker, ctx, changes, false, true), (forwarded) =>
    broker.controller.legacyAlterConfigs(forwarded.map((i) => {
      const r = request.resources[i]!;
      // preprocessing let no null value through
      return { resourceType: r.resourceType, resourceName: r.resourceName, configs: r.configs.map((c) => ({ name: c.name, value: c.value! })) };
    }), request.validateOnly));
  const response = messages.AlterConfigsResponse.defaults();
  response.responses = request.resources.map((r, i) => ({
    ...messages.defaultAlterConfigsResponseAlterConfigsResourceResponse(),
    resourceType: r.resourceType,
    resourceName: r.resourceName,
    errorCode: outcomes[i]!.errorCode,
    errorMessage: outcomes[i]!.errorMessage,
  }));
  return response;
}

/**
 * The broker's stage: an outcome for every resource it answers itself, null
 * for a topic or broker resource that goes on to the controller. `incremental` admits
 * BROKER_LOGGER, which legacy AlterConfigs does not know; `replaces`: the
 * configs given are the resource's whole set (legacy AlterConfigs).
 */
export function preprocessConfigResources(
  broker: BrokerContext, ctx: RequestContext, resources: readonly ResourceChange[], incremental: boolean, replaces = false, validateOnly = false,
): (Outcome | null)[] {
  const counts = new Map<string, number>();
  const keyOf = (r: ResourceChange): string => `${r.resourceType}:${r.resourceName}`;
  for (const r of resources) counts.set(keyOf(r), (counts.get(keyOf(r)) ?? 0) + 1);
  return resources.map((r) => {
    if (counts.get(keyOf(r))! > 1) return invalidRequest('Each resource must appear at most once.');
    const names = r.configs.map((c) => c.name);
    if (new Set(names).size !== names.length) return invalidRequest('Error due to duplicate config keys');
    const nulls = r.configs.filter((c) => c.value === null && c.operation !== ConfigOperation.DELETE).map((c) => c.name);
    if (nulls.length > 0) return invalidRequest(`Null value not supported for : ${nulls.join(', ')}`);
    const refusal = configAuthorizationError(broker, ctx, Op.ALTER_CONFIGS, r.resourceType, r.resourceName);
    if (refusal !== null) return refusal;
    switch (r.resourceType) {
      case ResourceType.TOPIC: return null;
      // KIP-714 subscriptions: checked and stored by the controller (config-changes.ts).
      case ResourceType.CLIENT_METRICS: return null;
      case ResourceType.BROKER: return brokerChange(broker, r, replaces);
      case ResourceType.BROKER_LOGGER:
        return incremental ? loggerChange(broker, r, validateOnly) : invalidRequest(`Unknown resource type ${r.resourceType}`);
      default: return invalidRequest(`Unknown resource type ${r.resourceType}`);
    }
  });
}

/** Runs `controllerStage` on the resources preprocessing let through; every outcome, in request order. */
export async function completeOutcomes(
  preprocessed: readonly (Outcome | null)[], controllerStage: (forwarded: number[]) => Promise<Outcome[]>,
): Promise<Outcome[]> {
  const forwarded = preprocessed.flatMap((o, i) => (o === null ? [i] : []));
  const results = forwarded.length === 0 ? [] : await controllerStage(forwarded);
  const outcomes = preprocessed.slice();
  forwarded.forEach((at, k) => {
    outcomes[at] = results[k]!;
  });
  return outcomes.map((o) => o!);
}

function nodeIdError(broker: BrokerContext, name: string): Outcome | null {
  const id = parseNodeId(name);
  if (id === null) return invalidRequest(`Node id must be an integer, but it is: ${name}`);
  if (id !== broker.nodeId) return invalidRequest(`Unexpected broker id, expected ${broker.nodeId}, but received ${name}`);
  return null;
}

/**
 * '' is the cluster-wide default, else the name must be this node's id. The
 * resource's configs after the change are checked against this broker's
 * static config and its other dynamic layer; null when the change may go on
 * to the controller.
 */
function brokerChange(broker: BrokerContext, r: ResourceChange, replaces: boolean): Outcome | null {
  const perBroker = r.resourceName !== '';
  const idError = perBroker ? nodeIdError(broker, r.resourceName) : null;
  if (idError !== null) return idError;
  const image = broker.image();
  const current = image.brokerConfigs(perBroker ? broker.nodeId : '');
  const target = replaces
    ? new Map(r.configs.map((c) => [c.name, c.value ?? '']))
    : applyConfigOperations(current, r.configs, ResourceType.BROKER);
  if (!(target instanceof Map)) return target;
  // Removing a config is always allowed (it may have been set by an older version); what is set is checked.
  const changed = r.configs.filter((c) => c.operation !== ConfigOperation.DELETE).map((c) => c.name);
  const other = Object.fromEntries(image.brokerConfigs(perBroker ? '' : broker.nodeId));
  const refusal = checkDynamicBrokerChange(broker.staticConfig, changed, Object.fromEntries(target), other, perBroker);
  if (refusal !== null || !perBroker || broker.checkListenerReconfiguration === undefined) return refusal;
  return listenerChange(broker, changed, target, other);
}

/**
 * This broker's TLS listeners must be able to take the new key and trust stores (read now, even when the path is
 * the one they have: the file may have been replaced). Kafka's SslFactory refuses as ConfigException, which its
 * ConfigAdminManager answers INVALID_REQUEST with the message (KAFKA-13609); so does Samsa.
 */
function listenerChange(broker: BrokerContext, changed: readonly string[], target: ReadonlyMap<string, string>, other: Record<string, string>): Outcome | null {
  if (!changed.some((k) => DYNAMIC_TLS_CONFIGS.has(listenerConfigBase(k)))) return null;
  const resolved = effectiveBrokerConfig(broker.staticConfig, { perBroker: Object.fromEntries(target), clusterDefault: other });
  if (!resolved.ok) return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: resolved.error };
  const reason = broker.checkListenerReconfiguration!(resolved.config);
  return reason === null ? null : invalidRequest(reason);
}

/** log4j's levels, which Kafka's BROKER_LOGGER configs take. */
const ROOT_LOGGER = 'root';
const LOG4J_LEVELS = ['ALL', 'TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL', 'OFF'];

/**
 * Kafka's runtime logger levels: every operation is checked first (SET to a
 * log4j level, DELETE to fall back to the parent's; the root's level cannot
 * be removed), then all are applied unless validateOnly. Not persisted: a
 * restart goes back to log.level, as Kafka goes back to its log4j file.
 */
function loggerChange(broker: BrokerContext, r: ResourceChange, validateOnly: boolean): Outcome {
  const idError = nodeIdError(broker, r.resourceName);
  if (idError !== null) return idError;
  const loggers = broker.loggers;
  for (const c of r.configs) {
    if (c.operation === ConfigOperation.APPEND || c.operation === ConfigOperation.SUBTRACT) {
      return invalidRequest(`${CONFIG_OPERATION_NAMES[c.operation]} operation is not allowed for the BROKER_LOGGER resource`);
    }
    if (c.operation !== ConfigOperation.SET && c.operation !== ConfigOperation.DELETE) {
      return invalidRequest(`Unknown operation type ${c.operation} is not allowed for the BROKER_LOGGER resource`);
    }
    if (loggers === undefined || !loggers.exists(c.name)) return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: `Logger ${c.name} does not exist!` };
    if (c.operation === ConfigOperation.DELETE && c.name === ROOT_LOGGER) return invalidRequest('Removing the log level of the root logger is not allowed');
    if (c.operation === ConfigOperation.SET && !LOG4J_LEVELS.includes((c.value ?? '').toUpperCase())) {
      return {
        errorCode: ErrorCode.INVALID_CONFIG,
        errorMessage: `Cannot set the log level of ${c.name} to ${c.value} as it is not a supported log level. Valid log4j levels are ${LOG4J_LEVELS.join(', ')}`,
      };
    }
  }
  if (!validateOnly && loggers !== undefined) {
    for (const c of r.configs) loggers.set(c.name, c.operation === ConfigOperation.DELETE ? null : c.value);
  }
  return OK;
}
