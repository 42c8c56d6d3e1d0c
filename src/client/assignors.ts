/**
 * Kafka's classic consumer-group assignors, pure: members' subscriptions and
 * partition counts in, each member's partitions out. Members are ordered as
 * Java's are: by group.instance.id when static, else by member id.
 * - range (RangeAssignor): per topic, the subscribed members each take a
 *   contiguous range; the first `n % members` take one extra.
 * - roundrobin (RoundRobinAssignor): every partition of every subscribed
 *   topic, sorted by topic then partition, dealt in turn to the members,
 *   skipping members not subscribed to that topic.
 */

export interface MemberSubscription {
  memberId: string;
  groupInstanceId: string | null;
  topics: readonly string[];
}

export interface TopicPartitions {
  topic: string;
  partitions: number[];
}

/** memberId → its partitions, topics sorted by name, partitions ascending. */
export type GroupAssignment = Map<string, TopicPartitions[]>;

export interface Assignor {
  /** The protocol name in JoinGroup ('range', 'roundrobin'). */
  readonly name: string;
  assign(members: readonly MemberSubscription[], partitionCounts: ReadonlyMap<string, number>): GroupAssignment;
}

function sortMembers(members: readonly MemberSubscription[]): MemberSubscription[] {
  const sortKey = (m: MemberSubscription): string => m.groupInstanceId ?? m.memberId;
  return [...members].sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0));
}

function collect(members: readonly MemberSubscription[], owned: Map<string, Map<string, number[]>>): GroupAssignment {
  const out: GroupAssignment = new Map();
  for (const m of members) {
    const byTopic = owned.get(m.memberId) ?? new Map<string, number[]>();
    out.set(m.memberId, [...byTopic].sort(([a], [b]) => (a < b ? -1 : 1)).map(([topic, partitions]) => ({ topic, partitions: partitions.sort((x, y) => x - y) })));
  }
  return out;
}

function give(owned: Map<string, Map<string, number[]>>, memberId: string, topic: string, partition: number): void {
  let byTopic = owned.get(memberId);
  if (byTopic === undefined) {
    byTopic = new Map();
    owned.set(memberId, byTopic);
  }
  const list = byTopic.get(topic) ?? [];
  list.push(partition);
  byTopic.set(topic, list);
}

export const rangeAssignor: Assignor = {
  name: 'range',
  assign(members, partitionCounts) {
    const owned = new Map<string, Map<string, number[]>>();
    const sorted = sortMembers(members);
    const topics = [...new Set(sorted.flatMap((m) => m.topics))].sort();
    for (const topic of topics) {
      const count = partitionCounts.get(topic);
      if (count === undefined) continue;
      const subscribers = sorted.filter((m) => m.topics.includes(topic));
      const per = Math.floor(count / subscribers.length);
      const extra = count % subscribers.length;
      subscribers.forEach((m, i) => {
        const start = per * i + Math.min(i, extra);
        const length = per + (i < extra ? 1 : 0);
        for (let p = start; p < start + length; p++) give(owned, m.memberId, topic, p);
      });
    }
    return collect(members, owned);
  },
};

export const roundRobinAssignor: Assignor = {
  name: 'roundrobin',
  assign(members, partitionCounts) {
    const owned = new Map<string, Map<string, number[]>>();
    const sorted = sortMembers(members);
    if (sorted.length === 0) return new Map();
    const topics = [...new Set(sorted.flatMap((m) => m.topics))].filter((t) => partitionCounts.has(t)).sort();
    let next = 0;
    for (const topic of topics) {
      for (let p = 0; p < partitionCounts.get(topic)!; p++) {
        // Some member is subscribed to this topic, so this loop ends within one lap.
        while (!sorted[next % sorted.length]!.topics.includes(topic)) next++;
        give(owned, sorted[next % sorted.length]!.memberId, topic, p);
        next++;
      }
    }
    return collect(members, owned);
  },
};

export const ASSIGNORS: Readonly<Record<string, Assignor>> = { range: rangeAssignor, roundrobin: roundRobinAssignor };
