/**
 * IncrementalAlterConfigs operations as numbered on the wire, and how Kafka
 * applies them (SET, DELETE, APPEND, SUBTRACT) to a resource's overrides.
 */
import { ErrorCode } from '../protocol/index.ts';
import { brokerConfigDef } from './config/broker-configs.ts';
import type { ConfigDef } from './config/config-def.ts';
import { topicConfigDef } from './config/topic-configs.ts';
import { CLIENT_METRICS_CONFIG_DEFS, CLIENT_METRICS_RESOURCE } from './client-metrics.ts';

export const ConfigOperation = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const;
export const CONFIG_OPERATION_NAMES: readonly string[] = ['SET', 'DELETE', 'APPEND', 'SUBTRACT'];

/** ConfigResource types whose overrides are ConfigRecords (wire ids). */
const BROKER_RESOURCE = 4;

/**
 * The overrides after a resource's operations, or the error that stops them.
 * APPEND and SUBTRACT work on list configs only, starting from the override or
 * else the config's own default (for a topic, not the broker's), as Kafka does.
 * `resourceType` picks the definitions: broker configs for BROKER, else topic configs.
 */
export function applyConfigOperations(
  current: ReadonlyMap<string, string>, ops: readonly { name: string; operation: number; value: string | null }[], resourceType = 2,
): Map<string, string> | { errorCode: number; errorMessage: string } {
  const defOf = (name: string): Pick<ConfigDef, 'type' | 'default'> | undefined => {
    if (resourceType === CLIENT_METRICS_RESOURCE) return CLIENT_METRICS_CONFIG_DEFS.find((d) => d.name === name);
    return resourceType === BROKER_RESOURCE ? brokerConfigDef(name) : topicConfigDef(name);
  };
  const target = new Map(current);
  for (const op of ops) {
    if (op.operation === ConfigOperation.DELETE) {
      target.delete(op.name);
      continue;
    }
    const opName = CONFIG_OPERATION_NAMES[op.operation];
    if (opName === undefined) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unknown operation type ${op.operation}` };
    if (op.value === null) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Null value not supported for : ${op.name}` };
    if (op.operation === ConfigOperation.SET) {
      target.set(op.name, op.value);
      continue;
    }
    const def = defOf(op.name);
    if (def === undefined || def.type !== 'list') {
      return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: `Can't ${opName} to key ${op.name} because its type is not LIST.` };
    }
    const parts = listParts(target.get(op.name) ?? def.default);
    for (const item of splitLikeJava(op.value)) {
      if (op.operation === ConfigOperation.APPEND) {
        if (!parts.includes(item)) parts.push(item);
      } else {
        const at = parts.indexOf(item);
        if (at >= 0) parts.splice(at, 1);
      }
    }
    target.set(op.name, parts.join(','));
  }
  return target;
}

/** The non-empty elements of a list value; none for null. */
function listParts(text: string | null): string[] {
  return text === null ? [] : splitLikeJava(text).filter((p) => p !== '');
}

/** Java's String.split(","): trailing empty strings are dropped, but "" alone stays [""]. */
function splitLikeJava(text: string): string[] {
  const parts = text.split(',');
  if (text === '') return parts;
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}
