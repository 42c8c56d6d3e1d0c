/** IncrementalAlterConfigs' operations on a resource's overrides (SET, DELETE, APPEND, SUBTRACT), as Kafka applies them. */
import { CONFIG_OPERATION_NAMES, ConfigOperation, topicConfigDef } from '../metadata/index.ts';
import { ErrorCode } from '../protocol/index.ts';
import type { ConfigResourceResult } from './controller.ts';

/**
 * The overrides after a resource's operations, or the error that stops them.
 * APPEND and SUBTRACT work on list configs only, starting from the override or
 * else the topic config's own default (not the broker's), as Kafka does.
 */
export function applyConfigOperations(
  current: ReadonlyMap<string, string>, ops: readonly { name: string; operation: number; value: string | null }[],
): Map<string, string> | ConfigResourceResult {
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
    const def = topicConfigDef(op.name);
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
