/**
 * Groups partitions by the broker that leads them, from the metadata cache:
 * the consumer sends one Fetch and one ListOffsets per leader. A partition
 * with no leader right now is left out and its topic's metadata dropped, so
 * the next round asks again; one the topic does not have is an error.
 */
import { ClientError, ErrorCode } from '../protocol/index.ts';
import type { Cluster } from './cluster.ts';
import type { PartitionRef } from './partition-state.ts';

export async function groupByLeader<T extends PartitionRef>(cluster: Cluster, states: readonly T[]): Promise<Map<number, T[]>> {
  const out = new Map<number, T[]>();
  for (const s of states) {
    const info = await cluster.topic(s.topic);
    const leader = info.partitions[s.partition]?.leader ?? -1;
    if (info.partitions[s.partition] === undefined) {
      throw new ClientError(`topic '${s.topic}' has no partition ${s.partition}`, 'SAMSA_ERR_UNKNOWN_PARTITION', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    }
    if (leader < 0) {
      cluster.topics.delete(s.topic);
      continue;
    }
    const list = out.get(leader) ?? [];
    list.push(s);
    out.set(leader, list);
  }
  return out;
}
