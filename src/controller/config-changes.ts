/**
 * AlterConfigs and IncrementalAlterConfigs as the controller plans them:
 * a resource's target overrides are checked in Kafka's order (resource name,
 * the configs, then that the topic exists) and, when they pass, become a
 * ConfigRecord for every key whose value changes or goes away (for BROKER
 * resources, every key set, as Kafka writes them: see planConfigs). BROKER
 * resources hold the dynamic broker configs ('' is the cluster default).
 */
import { ErrorCode } from '../protocol/index.ts';
import {
  clientMetricsConfigError, ConfigResourceType, dynamicBrokerConfigDef, metadataRecord, parseValue, records as recordCodecs, topicNameError, type MetadataImage, type MetadataRecord,
} from '../metadata/index.ts';

export interface ConfigResourceResult {
  errorCode: number;
  errorMessage: string | null;
}

export const CONFIG_OK: ConfigResourceResult = Object.freeze({ errorCode: ErrorCode.NONE, errorMessage: null });

/** The overrides a resource has now. */
export function resourceConfigs(image: MetadataImage, resourceType: number, resourceName: string): ReadonlyMap<string, string> {
  return image.configs.get(`${resourceType}:${resourceName}`) ?? new Map<string, string>();
}

/**
 * Checks one resource's target overrides and, when they pass, appends its
 * records to `out`. `validateTopicConfigs` answers an error message or null.
 */
export function planConfigs(
  image: MetadataImage, validateTopicConfigs: (configs: ReadonlyMap<string, string | null>) => string | null,
  resourceType: number, resourceName: string, target: ReadonlyMap<string, string>, out: MetadataRecord[],
): ConfigResourceResult {
  const fail = (errorCode: number, errorMessage: string): ConfigResourceResult => ({ errorCode, errorMessage });
  if (resourceType === ConfigResourceType.Broker) {
    const refusal = checkBrokerResource(resourceName, target);
    if (refusal !== null) return refusal;
    // As Kafka's ConfigurationControlManager: a broker config set to its current value is written again, so the
    // broker reloads what it names (a key store file replaced in place under the same path).
    configChangeRecords(resourceType, resourceName, resourceConfigs(image, resourceType, resourceName), target, out, true);
    return CONFIG_OK;
  }
  if (resourceType === ConfigResourceType.ClientMetrics) {
    // Kafka's ClientMetricsConfigs.validate; a subscription exists while it has configs, so removing them all deletes it.
    const refusal = clientMetricsConfigError(resourceName, target);
    if (refusal !== null) return refusal;
    configChangeRecords(resourceType, resourceName, resourceConfigs(image, resourceType, resourceName), target, out);
    return CONFIG_OK;
  }
  if (resourceType !== ConfigResourceType.Topic) return fail(ErrorCode.INVALID_REQUEST, `Unknown resource type ${resourceType}`);
  if (resourceName === '') return fail(ErrorCode.INVALID_REQUEST, 'Default topic resources are not allowed.');
  const nameError = topicNameError(resourceName);
  if (nameError !== null) return fail(ErrorCode.INVALID_TOPIC_EXCEPTION, nameError);
  const configError = validateTopicConfigs(target);
  if (configError !== null) return fail(ErrorCode.INVALID_CONFIG, configError);
  if (!image.topicsByName.has(resourceName)) {
    return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `The topic '${resourceName}' does not exist.`);
  }
  configChangeRecords(resourceType, resourceName, resourceConfigs(image, resourceType, resourceName), target, out);
  return CONFIG_OK;
}

/** A record for every key whose value changes (or, with `rewriteUnchanged`, is set at all) or goes away. */
function configChangeRecords(
  resourceType: number, resourceName: string, current: ReadonlyMap<string, string>, target: ReadonlyMap<string, string>, out: MetadataRecord[],
  rewriteUnchanged = false,
): void {
  for (const [name, value] of target) {
    if (rewriteUnchanged || current.get(name) !== value) out.push(configRecord(resourceType, resourceName, name, value));
  }
  for (const name of current.keys()) {
    if (!target.has(name)) out.push(configRecord(resourceType, resourceName, name, null));
  }
}

/**
 * A BROKER resource as the controller checks it: '' (the cluster default) or
 * a node id, and every config a dynamic broker config with a valid value. The
 * broker that forwarded it already checked the rest against its own config
 * (read-only and per-broker configs, the resulting effective config).
 */
function checkBrokerResource(resourceName: string, target: ReadonlyMap<string, string>): ConfigResourceResult | null {
  if (resourceName !== '' && !/^\d+$/.test(resourceName)) {
    return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Broker id must be an integer, but it is: ${resourceName}` };
  }
  for (const [name, value] of target) {
    const def = dynamicBrokerConfigDef(name);
    if (def === undefined || def.updateMode === 'read-only' || def.type === 'password') {
      return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Cannot update these configs dynamically: ${name}` };
    }
    const parsed = parseValue(def, value);
    if (!parsed.ok) return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: `Invalid value ${value} for configuration ${name}: ${parsed.error}` };
  }
  return null;
}

export function configRecord(resourceType: number, resourceName: string, name: string, value: string | null): MetadataRecord {
  return metadataRecord(recordCodecs.ConfigRecord, { resourceType, resourceName, name, value });
}

