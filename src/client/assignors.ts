/**
 * Kafka's classic consumer-group assignors, pure: members' subscriptions and
 * partition counts in, each member's partitions out. Members are ordered as
 * Java's are: by group.instance.id when static, else by member id.
 * - range (RangeAssignor): per topic, the subscribed members each take a
 *   contiguous range; the first `n % members` take one extra.
 * - roundrobin (RoundRobinAssignor): every partition of every subscribed
 *   topic, sorted by topic then partition, dealt in turn to the members,
 *   skipping members not subscribed to that topic.
 * - cooperative-sticky (CooperativeStickyAssignor): balanced, and moves as
 *   few partitions as it can. Each member reports the partitions it owns and
 *   the generation it owned them in; a partition claimed by two members stays
 *   with the newer generation. Members keep what they own, the unowned
 *   partitions go to the least loaded subscriber, and then a partition moves
 *   from a member to a subscriber holding at least two fewer until none can.
 *   Being cooperative, a partition that changes owner is left out of this
 *   round: its old owner revokes it and rejoins, and the next round hands it
 *   to the new one.
 */

export interface MemberSubscription {
  memberId: string;
  groupInstanceId: string | null;
  topics: readonly string[];
  /** ConsumerProtocolSubscription v1+: the partitions the member owns now. */
  ownedPartitions?: readonly TopicPartitions[];
  /** The generation those partitions were owned in (-1: none known). */
  generationId?: number;
}

export interface TopicPartitions {
  topic: string;
  partitions: number[];
}

/** memberId → its partitions, topics sorted by name, partitions ascending. */
export type GroupAssignment = Map<string, TopicPartitions[]>;

export interface Assignor {
  /** The protocol name in JoinGroup ('range', 'roundrobin', 'cooperative-sticky'). */
  readonly name: string;
  /** COOPERATIVE rebalancing: members keep consuming what they keep, and only revoke what moves. */
  readonly cooperative: boolean;
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
  cooperative: false,
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
  cooperative: false,
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

const tpKey = (topic: string, partition: number): string => `${topic}\0${partition}`;

/** Valid current owners: subscribed, existing partitions; the newest generation wins a double claim. */
function currentOwners(members: readonly MemberSubscription[], partitionCounts: ReadonlyMap<string, number>): Map<string, string> {
  const owners = new Map<string, { memberId: string; generationId: number }>();
  for (const m of members) {
    const generationId = m.generationId ?? -1;
    for (const { topic, partitions } of m.ownedPartitions ?? []) {
      const count = partitionCounts.get(topic);
      if (count === undefined || !m.topics.includes(topic)) continue;
      for (const p of partitions) {
        if (p < 0 || p >= count) continue;
        const previous = owners.get(tpKey(topic, p));
        if (previous === undefined || previous.generationId < generationId) owners.set(tpKey(topic, p), { memberId: m.memberId, generationId });
      }
    }
  }
  return new Map([...owners].map(([k, v]) => [k, v.memberId]));
}

interface StickyState {
  /** memberId → partition keys it holds in the plan being built. */
  holds: Map<string, Set<string>>;
  subscribers: Map<string, Set<string>>;
}

/** Moves a partition from the most to a less loaded subscriber (two or more fewer) until no move is left. */
function balance(state: StickyState, sorted: readonly MemberSubscription[], partitionTopic: ReadonlyMap<string, string>): void {
  const partitionCount = partitionTopic.size;
  // Every move lowers the sum of squared loads by at least 2, so this bounds the loop.
  const movesMax = partitionCount * partitionCount + 1;
  for (let move = 0; move < movesMax; move++) {
    const byLoad = [...sorted].sort((a, b) => state.holds.get(b.memberId)!.size - state.holds.get(a.memberId)!.size);
    let moved = false;
    for (const from of byLoad) {
      const held = state.holds.get(from.memberId)!;
      // The highest partitions move first, so members keep the low ones they started with.
      for (const p of [...held].sort(comparePartitionKeys).reverse()) {
        const target = leastLoaded(state, sorted, partitionTopic.get(p)!);
        if (target === null || state.holds.get(target)!.size > held.size - 2) continue;
        held.delete(p);
        state.holds.get(target)!.add(p);
        moved = true;
        break;
      }
      if (moved) break;
    }
    if (!moved) return;
  }
}

function leastLoaded(state: StickyState, sorted: readonly MemberSubscription[], topic: string): string | null {
  let best: string | null = null;
  for (const m of sorted) {
    if (!state.subscribers.get(topic)?.has(m.memberId)) continue;
    if (best === null || state.holds.get(m.memberId)!.size < state.holds.get(best)!.size) best = m.memberId;
  }
  return best;
}

function comparePartitionKeys(a: string, b: string): number {
  const [ta, pa] = a.split('\0') as [string, string];
  const [tb, pb] = b.split('\0') as [string, string];
  return ta < tb ? -1 : ta > tb ? 1 : Number(pa) - Number(pb);
}

export const cooperativeStickyAssignor: Assignor = {
  name: 'cooperative-sticky',
  cooperative: true,
  assign(members, partitionCounts) {
    const sorted = sortMembers(members);
    const state: StickyState = { holds: new Map(sorted.map((m) => [m.memberId, new Set<string>()])), subscribers: new Map() };
    const partitionTopic = new Map<string, string>();
    for (const m of sorted) {
      for (const topic of m.topics) {
        const count = partitionCounts.get(topic);
        if (count === undefined) continue;
        if (!state.subscribers.has(topic)) state.subscribers.set(topic, new Set());
        state.subscribers.get(topic)!.add(m.memberId);
        for (let p = 0; p < count; p++) partitionTopic.set(tpKey(topic, p), topic);
      }
    }
    const owners = currentOwners(sorted, partitionCounts);
    for (const [p, memberId] of owners) state.holds.get(memberId)!.add(p);
    for (const p of [...partitionTopic.keys()].sort(comparePartitionKeys)) {
      if (owners.has(p)) continue;
      state.holds.get(leastLoaded(state, sorted, partitionTopic.get(p)!)!)!.add(p);
    }
    balance(state, sorted, partitionTopic);
    const owned = new Map<string, Map<string, number[]>>();
    for (const [memberId, held] of state.holds) {
      for (const p of held) {
        const owner = owners.get(p);
        // Cooperative: a partition changing hands waits for its owner to revoke it.
        if (owner !== undefined && owner !== memberId) continue;
        const [topic, partition] = p.split('\0') as [string, string];
        give(owned, memberId, topic, Number(partition));
      }
    }
    return collect(members, owned);
  },
};

export const ASSIGNORS: Readonly<Record<string, Assignor>> = {
  range: rangeAssignor, roundrobin: roundRobinAssignor, 'cooperative-sticky': cooperativeStickyAssignor,
};
