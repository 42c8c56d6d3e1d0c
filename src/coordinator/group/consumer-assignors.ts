/**
 * The server-side assignors of KIP-848 (`group.consumer.assignors`): given
 * every member's subscribed topics and the previous target assignment, the
 * next target assignment. Both are deterministic (members and topics in
 * sorted order) and pure.
 *
 *   uniform  spreads all subscribed partitions as evenly as the
 *            subscriptions allow and is sticky: a member keeps every
 *            partition of its previous target it still may have unless it
 *            holds more than its share; only the difference moves (Kafka's
 *            UniformAssignor, which the same two properties define).
 *   range    per topic, the subscribed members in member-id order get
 *            contiguous ranges, the first ones one partition more when the
 *            count does not divide (Kafka's RangeAssignor). Not sticky.
 *
 * Rack-aware placement (KIP-881) is not done: racks are stored, not used.
 */
import { assignmentOf, type Assignment } from './consumer-group.ts';

export interface AssignorMember {
  readonly memberId: string;
  /** Topic ids the member subscribes to (only topics that exist). */
  readonly topicIds: ReadonlySet<string>;
}

export interface AssignorTopic {
  readonly topicId: string;
  readonly name: string;
  readonly numPartitions: number;
}

export interface AssignorInput {
  readonly members: readonly AssignorMember[];
  readonly topics: ReadonlyMap<string, AssignorTopic>;
  /** The previous target assignment by member id. */
  readonly previous: ReadonlyMap<string, Assignment>;
}

export type Assignor = (input: AssignorInput) => Map<string, Assignment>;

export const ASSIGNORS: Readonly<Record<string, Assignor>> = Object.freeze({
  uniform: uniformAssign,
  range: rangeAssign,
});

export function isKnownAssignor(name: string): boolean {
  return Object.hasOwn(ASSIGNORS, name);
}

const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function sortedMembers(input: AssignorInput): AssignorMember[] {
  return [...input.members].sort((a, b) => byString(a.memberId, b.memberId));
}

function sortedTopics(input: AssignorInput): AssignorTopic[] {
  return [...input.topics.values()].sort((a, b) => byString(a.name, b.name) || byString(a.topicId, b.topicId));
}

export function rangeAssign(input: AssignorInput): Map<string, Assignment> {
  const members = sortedMembers(input);
  const out = new Map<string, [string, number[]][]>(members.map((m) => [m.memberId, []]));
  for (const topic of sortedTopics(input)) {
    const subscribed = members.filter((m) => m.topicIds.has(topic.topicId));
    if (subscribed.length === 0) continue;
    const per = Math.floor(topic.numPartitions / subscribed.length);
    const extra = topic.numPartitions % subscribed.length;
    let next = 0;
    subscribed.forEach((m, i) => {
      const n = per + (i < extra ? 1 : 0);
      const partitions = Array.from({ length: n }, (_, k) => next + k);
      next += n;
      if (partitions.length > 0) out.get(m.memberId)!.push([topic.topicId, partitions]);
    });
  }
  return new Map([...out].map(([id, entries]) => [id, assignmentOf(entries)]));
}

/**
 * Sticky and balanced: keep what each member had and may still have, hand
 * out what nobody has to the least loaded eligible member, then move single
 * partitions from the most to the least loaded member that may take them
 * until no move narrows the spread. Each move strictly lowers the sum of
 * squared loads, so the loop ends.
 */
export function uniformAssign(input: AssignorInput): Map<string, Assignment> {
  const members = sortedMembers(input);
  const topics = sortedTopics(input);
  const owner = new Map<string, string>();
  const load = new Map<string, Set<string>>(members.map((m) => [m.memberId, new Set()]));
  const eligible = new Map<string, AssignorMember[]>(topics.map((t) => [t.topicId, members.filter((m) => m.topicIds.has(t.topicId))]));
  const key = (topicId: string, p: number): string => `${topicId}:${p}`;

  // Keep previous targets that are still valid.
  for (const m of members) {
    for (const [topicId, partitions] of input.previous.get(m.memberId) ?? []) {
      const topic = input.topics.get(topicId);
      if (topic === undefined || !m.topicIds.has(topicId)) continue;
      for (const p of partitions) {
        const k = key(topicId, p);
        if (p >= topic.numPartitions || owner.has(k)) continue;
        owner.set(k, m.memberId);
        load.get(m.memberId)!.add(k);
      }
    }
  }
  const leastLoaded = (candidates: readonly AssignorMember[]): AssignorMember | undefined => {
    let best: AssignorMember | undefined;
    for (const c of candidates) if (best === undefined || load.get(c.memberId)!.size < load.get(best.memberId)!.size) best = c;
    return best;
  };
  // Hand out unowned partitions.
  for (const t of topics) {
    for (let p = 0; p < t.numPartitions; p++) {
      const k = key(t.topicId, p);
      if (owner.has(k)) continue;
      const to = leastLoaded(eligible.get(t.topicId)!);
      if (to === undefined) continue;
      owner.set(k, to.memberId);
      load.get(to.memberId)!.add(k);
    }
  }
  // Balance: move from the most loaded to an eligible member with at least two fewer.
  const topicOf = (k: string): string => k.slice(0, k.lastIndexOf(':'));
  for (;;) {
    const ordered = [...members].sort((a, b) => load.get(b.memberId)!.size - load.get(a.memberId)!.size || byString(a.memberId, b.memberId));
    let moved = false;
    for (const from of ordered) {
      const fromLoad = load.get(from.memberId)!;
      // The highest partitions move first, so the lower ones a member keeps stay put.
      const candidates = [...fromLoad].sort((a, b) => byString(topicOf(b), topicOf(a)) || Number(b.slice(b.lastIndexOf(':') + 1)) - Number(a.slice(a.lastIndexOf(':') + 1)));
      for (const k of candidates) {
        const to = leastLoaded(eligible.get(topicOf(k)) ?? []);
        if (to === undefined || load.get(to.memberId)!.size + 1 >= fromLoad.size) continue;
        fromLoad.delete(k);
        load.get(to.memberId)!.add(k);
        owner.set(k, to.memberId);
        moved = true;
        break;
      }
      if (moved) break;
    }
    if (!moved) break;
  }
  const out = new Map<string, Assignment>();
  for (const m of members) {
    const entries: [string, number[]][] = [];
    for (const k of load.get(m.memberId)!) entries.push([topicOf(k), [Number(k.slice(k.lastIndexOf(':') + 1))]]);
    out.set(m.memberId, assignmentOf(entries));
  }
  return out;
}
