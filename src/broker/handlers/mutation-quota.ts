/**
 * The controller mutation quota (KIP-599) as CreateTopics, CreatePartitions
 * and DeleteTopics apply it: topic by topic in request order, each topic's
 * partitions are taken from the quota before the controller sees it; a topic
 * refused (strict versions, quota already exceeded) is answered
 * THROTTLING_QUOTA_EXCEEDED and not forwarded. Kafka counts a topic only once
 * the controller found it valid: topics this broker can already tell will be
 * refused count nothing, and a topic the controller then refuses is given
 * back (`giveBack`).
 */
import type { MutationQuota } from '../broker-context.ts';

/** Kafka's message for THROTTLING_QUOTA_EXCEEDED. */
export const THROTTLING_QUOTA_EXCEEDED_MESSAGE = 'The throttling quota has been exceeded.';

/** Splits `items` into those to forward and those refused by the quota; `partitionsOf` is 0 for a topic that will fail anyway. */
export function admitMutations<T>(quota: MutationQuota | undefined, items: readonly T[], partitionsOf: (item: T) => number): { admitted: T[]; throttled: Set<T> } {
  const throttled = new Set<T>();
  if (quota === undefined) return { admitted: [...items], throttled };
  const admitted: T[] = [];
  for (const item of items) {
    const partitions = partitionsOf(item);
    if (partitions <= 0 || quota.record(partitions)) admitted.push(item);
    else throttled.add(item);
  }
  return { admitted, throttled };
}

/** Gives back the partitions of forwarded topics the controller refused. */
export function giveBack<T>(quota: MutationQuota | undefined, admitted: readonly T[], failed: (item: T, index: number) => boolean, partitionsOf: (item: T) => number): void {
  if (quota === undefined) return;
  admitted.forEach((item, i) => {
    const partitions = partitionsOf(item);
    if (partitions > 0 && failed(item, i)) quota.unrecord(partitions);
  });
}
