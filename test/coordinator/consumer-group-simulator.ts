/**
 * A seeded simulation of one KIP-848 consumer group: the real ConsumerGroups
 * coordinator part (pure heartbeat step, records, replay, timers) over an
 * in-memory `__consumer_offsets` whose writes complete (or fail) when the
 * schedule says, and simulated members that behave as KIP-848 clients do:
 * they report what they own, drop what an answer no longer lists, and
 * rejoin from scratch when fenced, and act on an answer some steps after it
 * arrives (in order per member). Members join, leave (dynamic and static),
 * crash, heartbeat late, change subscriptions (names and regex); topics gain
 * partitions and appear; the coordinator reloads from the log.
 *
 * Checked after every step:
 *   - no partition is owned by two live members the coordinator still knows
 *     (a partition moves only once its owner reported it revoked, or was fenced);
 *   - a member's epoch never goes backwards, on the client or the coordinator,
 *     except by rejoining (epoch 0) or a static leave (-2);
 *   - the coordinator's state equals the state replayed from the durable
 *     records (decoded from their bytes), and a reload rebuilds exactly it;
 * and at the end, after a quiet period in which every live member heartbeats:
 *   - the group is Stable, each member owns what the coordinator assigned it,
 *     only partitions of topics it subscribes to, and every partition of a
 *     subscribed topic is owned by exactly one member.
 */
import { ErrorCode } from '../../src/protocol/index.ts';
import {
  ConsumerGroup, ConsumerGroups, PartitionLoader, decodeCoordinatorRecord, replayConsumerGroupRecord,
  type ConsumerGroupsDeps, type EncodedRecord, type HeartbeatResponse, type TopicsView,
} from '../../src/coordinator/group/index.ts';
import { seededRandom, type Rng } from '../helpers/random.ts';

const GROUP = 'g';
const SESSION_TIMEOUT_MS = 1000;
const HEARTBEAT_INTERVAL_MS = 100;
const REBALANCE_TIMEOUT_MS = 1500;
const PARTITIONS_MAX = 8;
const MEMBERS_MAX = 6;
const QUIET_ROUNDS = 40;

export interface ConsumerSimStats {
  heartbeats: number;
  fenced: number;
  leaves: number;
  staticRejoins: number;
  crashes: number;
  reloads: number;
  failedWrites: number;
  partitionGrowth: number;
  revocations: number;
}

export function emptyConsumerSimStats(): ConsumerSimStats {
  return { heartbeats: 0, fenced: 0, leaves: 0, staticRejoins: 0, crashes: 0, reloads: 0, failedWrites: 0, partitionGrowth: 0, revocations: 0 };
}

export type GroupsFactory = (deps: ConsumerGroupsDeps) => ConsumerGroups;

interface SimClient {
  readonly name: string;
  memberId: string;
  readonly instanceId: string | null;
  epoch: number;
  /** Epoch 0 after (re)joining: the next answer may carry any epoch. */
  rejoining: boolean;
  owned: Map<string, Set<number>>;
  topics: string[];
  regex: string | null;
  status: 'live' | 'crashed' | 'left';
  inFlight: boolean;
  /** Answers to requests sent before the last reload are lost with the connection. */
  sentAtGeneration: number;
  leaving: boolean;
  lastHeartbeatMs: number;
}

export class ConsumerGroupSimulation {
  readonly stats = emptyConsumerSimStats();
  readonly traceLines: string[] = [];
  private readonly rng: Rng;
  private readonly steps: number;
  private readonly trace: boolean;
  private readonly make: GroupsFactory;
  private nowMs = 0;
  private readonly topics = new Map<string, { topicId: string; numPartitions: number }>();
  private readonly log: EncodedRecord[] = [];
  /** The group as the durable records say, rebuilt from their bytes as each write lands. */
  private shadow: ConsumerGroup | undefined;
  /** Writes issued and not yet landed, oldest first (they land in order, as appends to one partition do). */
  private readonly pending: { records: readonly EncodedRecord[]; resolve: (code: number) => void }[] = [];
  private groups!: ConsumerGroups;
  private readonly clients: SimClient[] = [];
  private nextClient = 0;
  private failure: Error | null = null;
  /** memberId → last epoch seen at the coordinator (reset when the member rejoins or goes). */
  private readonly coordinatorEpochs = new Map<string, number>();
  private assignors: string[];
  /** Answers received and not yet acted on by their client. */
  private readonly mailbox: { client: SimClient; act: () => void }[] = [];
  /** Bumped at each reload: a replaced coordinator's writes fail (it lost the partition) and its answers are lost. */
  private generation = 0;

  constructor(options: { seed: number; steps: number; trace?: boolean; makeGroups?: GroupsFactory }) {
    this.rng = seededRandom(options.seed);
    this.steps = options.steps;
    this.trace = options.trace ?? false;
    this.make = options.makeGroups ?? ((deps) => new ConsumerGroups(deps));
    this.assignors = this.rng() < 0.5 ? ['uniform', 'range'] : ['range', 'uniform'];
    this.topics.set('a', { topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', numPartitions: 1 + this.int(4) });
    this.topics.set('b', { topicId: 'AAAAAAAAAAAAAAAAAAAAAg', numPartitions: 1 + this.int(3) });
    this.groups = this.newGroups();
  }

  private int(n: number): number {
    return Math.floor(this.rng() * n);
  }

  private note(line: string): void {
    if (this.trace) this.traceLines.push(`${this.nowMs}ms ${line}`);
  }

  private newGroups(): ConsumerGroups {
    let ids = 0;
    const generation = this.generation;
    const view = (): TopicsView => new Map(this.topics);
    return this.make({
      config: { heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS, sessionTimeoutMs: SESSION_TIMEOUT_MS, maxSize: MEMBERS_MAX + 2, assignors: this.assignors },
      nowMs: () => this.nowMs,
      topics: view,
      write: (_groupId, records) => new Promise<number>((resolve) => {
        if (generation !== this.generation) {
          resolve(ErrorCode.NOT_COORDINATOR);
          return;
        }
        this.pending.push({ records, resolve });
      }),
      // Offsets are not part of this simulation.
      append: () => ErrorCode.NONE,
      newMemberId: () => `srv-${++ids}`,
      logLine: (line) => {
        this.note(`coordinator: ${line}`);
        // A step that threw (a record that cannot be replayed, a partition held twice) is a failure, not a retry.
        if (line.includes(' failed: ')) this.fail(line);
      },
      changed: () => undefined,
    });
  }

  private fail(message: string): void {
    this.failure ??= new Error(message);
  }

  private async flush(): Promise<void> {
    for (let i = 0; i < 3; i++) await new Promise<void>((r) => setImmediate(r));
    if (this.failure !== null) throw this.failure;
  }

  /** Every client acts on what it received. */
  private async deliverAll(): Promise<void> {
    await this.flush();
    while (this.mailbox.length > 0) this.mailbox.shift()!.act();
  }

  /** The pending write lands (durable) or fails. */
  private completeWrite(durable: boolean): void {
    const p = this.pending.shift();
    if (p === undefined) return;
    if (durable) {
      for (const r of p.records) {
        this.log.push(r);
        const decoded = decodeCoordinatorRecord(r.key, r.value);
        if (!decoded.kind.startsWith('cg-')) continue;
        this.shadow ??= new ConsumerGroup(GROUP);
        replayConsumerGroupRecord(this.shadow, decoded as Parameters<typeof replayConsumerGroupRecord>[1]);
      }
      p.resolve(ErrorCode.NONE);
    } else {
      this.stats.failedWrites++;
      p.resolve(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    }
  }

  // ---- clients ----------------------------------------------------------------------------------

  private newClient(instanceId: string | null = null): SimClient {
    const name = `c${++this.nextClient}`;
    const names = [...this.topics.keys()];
    const useRegex = this.rng() < 0.25;
    const topics = useRegex ? [] : names.filter(() => this.rng() < 0.7);
    if (!useRegex && topics.length === 0) topics.push(names[this.int(names.length)]!);
    const c: SimClient = {
      name, memberId: `${name}-id`, instanceId, epoch: 0, rejoining: true, owned: new Map(), topics,
      regex: useRegex ? (this.rng() < 0.5 ? '[a-c]' : '(a|c)') : null,
      status: 'live', inFlight: false, sentAtGeneration: 0, leaving: false, lastHeartbeatMs: this.nowMs,
    };
    this.clients.push(c);
    this.note(`${name} joins${instanceId === null ? '' : ` as ${instanceId}`} subscribing ${c.regex ?? c.topics.join(',')}`);
    return c;
  }

  private ownedList(c: SimClient): { topicId: string; partitions: number[] }[] {
    return [...c.owned].filter(([, ps]) => ps.size > 0).map(([topicId, ps]) => ({ topicId, partitions: [...ps].sort((a, b) => a - b) }));
  }

  private heartbeat(c: SimClient, epochOverride?: number): void {
    if (c.inFlight || c.status !== 'live') return;
    c.inFlight = true;
    c.sentAtGeneration = this.generation;
    c.lastHeartbeatMs = this.nowMs;
    const epoch = epochOverride ?? c.epoch;
    if (epoch === 0) this.coordinatorEpochs.delete(c.memberId);
    const full = epoch === 0 || this.rng() < 0.5;
    this.stats.heartbeats++;
    void this.groups.heartbeat({
      groupId: GROUP, memberId: c.memberId, memberEpoch: epoch, instanceId: c.instanceId, rackId: null,
      rebalanceTimeoutMs: full ? REBALANCE_TIMEOUT_MS : -1,
      subscribedTopicNames: full || this.rng() < 0.5 ? (c.regex === null ? c.topics : []) : null,
      subscribedTopicRegex: c.regex,
      serverAssignor: null,
      // Clients always tell what they own on a full request; otherwise sometimes.
      topicPartitions: epoch === 0 ? [] : full || this.rng() < 0.7 ? this.ownedList(c) : null,
      clientId: c.name, clientHost: '/127.0.0.1', apiVersion: 1,
    }).then((r) => {
      // Received now, acted on when the schedule says (a client takes its time: callbacks, commits).
      if (c.sentAtGeneration === this.generation) this.mailbox.push({ client: c, act: () => this.onResponse(c, epoch, r) });
      else {
        c.inFlight = false;
        this.note(`${c.name}: answer lost with the old coordinator`);
      }
    }, (e: unknown) => this.fail(`heartbeat of ${c.name} threw: ${(e as Error).stack}`));
  }

  private onResponse(c: SimClient, sentEpoch: number, r: HeartbeatResponse): void {
    c.inFlight = false;
    if (c.status !== 'live') return;
    if (sentEpoch < 0) {
      // Gone already (expired, or its instance id taken by a successor) counts as left.
      if (([ErrorCode.NONE, ErrorCode.UNKNOWN_MEMBER_ID, ErrorCode.FENCED_INSTANCE_ID, ErrorCode.GROUP_ID_NOT_FOUND] as number[]).includes(r.errorCode)) {
        c.status = 'left';
        c.owned.clear();
        this.note(`${c.name} left (${r.errorCode})`);
      } else c.leaving = true;
      return;
    }
    if (r.errorCode === ErrorCode.FENCED_MEMBER_EPOCH || r.errorCode === ErrorCode.UNKNOWN_MEMBER_ID || r.errorCode === ErrorCode.GROUP_ID_NOT_FOUND) {
      this.stats.fenced++;
      this.note(`${c.name} fenced (${r.errorCode}): drops ${JSON.stringify(this.ownedList(c))}`);
      c.owned.clear();
      c.epoch = 0;
      c.rejoining = true;
      return;
    }
    if (r.errorCode === ErrorCode.UNRELEASED_INSTANCE_ID || r.errorCode === ErrorCode.FENCED_INSTANCE_ID || r.errorCode === ErrorCode.GROUP_MAX_SIZE_REACHED) {
      // Another instance holds the id, or the group is full: this client gives up.
      this.note(`${c.name} gives up (${r.errorCode})`);
      c.status = 'left';
      c.owned.clear();
      return;
    }
    if (r.errorCode !== ErrorCode.NONE) {
      this.note(`${c.name} heartbeat error ${r.errorCode}`);
      return;
    }
    if (!c.rejoining && r.memberEpoch < c.epoch) this.fail(`${c.name}: epoch went back from ${c.epoch} to ${r.memberEpoch}`);
    c.rejoining = false;
    c.epoch = r.memberEpoch;
    if (r.memberId !== null) c.memberId = r.memberId;
    if (r.assignment !== null) {
      const next = new Map(r.assignment.map((t) => [t.topicId, new Set(t.partitions)]));
      for (const [topicId, ps] of c.owned) for (const p of ps) if (next.get(topicId)?.has(p) !== true) this.stats.revocations++;
      c.owned = next;
    }
    this.note(`${c.name} epoch ${c.epoch} owns ${JSON.stringify(this.ownedList(c))}`);
  }

  // ---- checks -----------------------------------------------------------------------------------

  private check(): void {
    const g = this.groups.groups.get(GROUP);
    // Live members the coordinator still knows never share a partition.
    const owner = new Map<string, string>();
    for (const c of this.clients) {
      if (c.status !== 'live' || g?.members.has(c.memberId) !== true) continue;
      for (const [topicId, ps] of c.owned) {
        for (const p of ps) {
          const k = `${topicId}:${p}`;
          const other = owner.get(k);
          if (other !== undefined) this.fail(`${k} owned by ${other} and ${c.name} at once`);
          owner.set(k, c.name);
        }
      }
    }
    // Coordinator member epochs never go back except by a rejoin (reset in heartbeat()) or a static leave.
    if (g !== undefined) {
      for (const m of g.members.values()) {
        const last = this.coordinatorEpochs.get(m.memberId);
        if (last !== undefined && m.memberEpoch < last && m.memberEpoch !== -2) {
          this.fail(`member ${m.memberId}: coordinator epoch went back from ${last} to ${m.memberEpoch}`);
        }
        this.coordinatorEpochs.set(m.memberId, m.memberEpoch);
      }
      for (const id of [...this.coordinatorEpochs.keys()]) if (!g.members.has(id)) this.coordinatorEpochs.delete(id);
    }
    // What the coordinator holds is what the durable records say.
    const live = stateOf(g);
    const durable = stateOf(this.shadow);
    if (live !== durable) this.fail(`coordinator state differs from its durable records:\n  live    ${live}\n  durable ${durable}`);
  }

  private async reload(): Promise<void> {
    this.stats.reloads++;
    this.note('coordinator reloads');
    const before = stateOf(this.groups.groups.get(GROUP));
    // The old coordinator loses the partition: its write in flight is lost, later ones fail.
    this.generation++;
    while (this.pending.length > 0) this.completeWrite(false);
    await this.flush();
    const loader = new PartitionLoader();
    for (const r of this.log) loader.apply(decodeCoordinatorRecord(r.key, r.value));
    loader.groups();
    this.groups = this.newGroups();
    for (const g of loader.consumerGroups()) this.groups.adopt(g, this.nowMs);
    for (const c of this.clients) c.inFlight = false;
    const after = stateOf(this.groups.groups.get(GROUP));
    if (after !== stateOf(this.shadow)) this.fail(`reload differs from the durable records:\n  loaded  ${after}\n  durable ${stateOf(this.shadow)}`);
    if (after !== before) this.fail(`reload changed the group:\n  before ${before}\n  after  ${after}`);
  }

  // ---- the schedule -----------------------------------------------------------------------------

  async run(): Promise<ConsumerSimStats> {
    for (let i = 0; i < 2 + this.int(3); i++) this.heartbeat(this.newClient());
    await this.flush();
    for (let step = 0; step < this.steps; step++) {
      await this.chaosStep();
      await this.flush();
      this.check();
      if (this.failure !== null) throw this.failure;
    }
    await this.quiesce();
    return this.stats;
  }

  private live(): SimClient[] {
    return this.clients.filter((c) => c.status === 'live');
  }

  private async chaosStep(): Promise<void> {
    const x = this.rng();
    const live = this.live();
    if (this.mailbox.length > 0 && this.rng() < 0.5) {
      // A random client acts on its oldest answer: one connection's answers arrive in order.
      const client = this.mailbox[this.int(this.mailbox.length)]!.client;
      this.mailbox.splice(this.mailbox.findIndex((m) => m.client === client), 1)[0]!.act();
    }
    if (this.pending.length > 0 && x < 0.35) {
      this.completeWrite(this.rng() > 0.05);
    } else if (x < 0.65) {
      const c = live[this.int(live.length)];
      if (c !== undefined && !c.leaving) this.heartbeat(c);
      else if (c?.leaving === true) this.heartbeat(c, c.instanceId !== null && this.rng() < 0.7 ? -2 : -1);
    } else if (x < 0.78) {
      this.nowMs += this.int(400);
      void this.groups.tick(this.nowMs);
      // Members heartbeat on their interval unless they are late on purpose.
      for (const c of live) if (this.nowMs - c.lastHeartbeatMs >= HEARTBEAT_INTERVAL_MS && this.rng() < 0.6) this.heartbeat(c);
    } else if (x < 0.83) {
      if (live.length < MEMBERS_MAX) {
        const isStatic = this.rng() < 0.3;
        this.heartbeat(this.newClient(isStatic ? `inst-${this.int(3)}` : null));
      }
    } else if (x < 0.87) {
      const c = live[this.int(live.length)];
      if (c !== undefined && !c.rejoining) {
        c.leaving = true;
        this.stats.leaves++;
        this.note(`${c.name} starts leaving`);
      }
    } else if (x < 0.9) {
      const c = live[this.int(live.length)];
      if (c !== undefined) {
        c.status = 'crashed';
        this.stats.crashes++;
        this.note(`${c.name} crashes`);
      }
    } else if (x < 0.92) {
      // A static member's successor: same instance id, new member id.
      const left = this.clients.find((c) => c.status === 'left' && c.instanceId !== null && !this.live().some((l) => l.instanceId === c.instanceId));
      if (left !== undefined) {
        this.stats.staticRejoins++;
        this.heartbeat(this.newClient(left.instanceId));
      }
    } else if (x < 0.95) {
      const c = live[this.int(live.length)];
      if (c !== undefined && c.regex === null) {
        const names = [...this.topics.keys()];
        c.topics = names.filter(() => this.rng() < 0.6);
        if (c.topics.length === 0) c.topics = [names[0]!];
        this.note(`${c.name} now subscribes ${c.topics.join(',')}`);
      }
    } else if (x < 0.975) {
      const names = [...this.topics.keys()];
      const name = names[this.int(names.length)]!;
      const t = this.topics.get(name)!;
      if (t.numPartitions < PARTITIONS_MAX) {
        this.topics.set(name, { ...t, numPartitions: t.numPartitions + 1 });
        this.stats.partitionGrowth++;
        this.note(`topic ${name} grows to ${t.numPartitions + 1}`);
      } else if (!this.topics.has('c')) {
        this.topics.set('c', { topicId: 'AAAAAAAAAAAAAAAAAAAAAw', numPartitions: 2 });
        this.note('topic c appears');
      }
      void this.groups.refreshTopics();
    } else {
      await this.reload();
    }
  }

  /** No more faults: writes land, every live member heartbeats on time, the dead are expired. */
  private async quiesce(): Promise<void> {
    this.note('quiet period');
    for (let round = 0; round < QUIET_ROUNDS; round++) {
      this.nowMs += HEARTBEAT_INTERVAL_MS;
      void this.groups.tick(this.nowMs);
      for (const c of this.live()) {
        await this.deliverAll();
        this.completeWrite(true);
        await this.deliverAll();
        this.heartbeat(c, c.leaving ? -1 : undefined);
        await this.flush();
        this.completeWrite(true);
        await this.deliverAll();
      }
      while (this.pending.length > 0) this.completeWrite(true);
      await this.deliverAll();
      this.check();
      if (this.failure !== null) throw this.failure;
    }
    const g = this.groups.groups.get(GROUP);
    const live = this.live();
    if (live.length === 0) {
      if (g !== undefined && g.members.size > 0) throw new Error(`no live member but the group has ${[...g.members.keys()]}`);
      return;
    }
    if (g === undefined) throw new Error('live members but no group');
    if (g.state !== 'Stable') throw new Error(`group not Stable after the quiet period: ${g.state} ${stateOf(g)}`);
    if (g.members.size !== live.length) throw new Error(`group has ${g.members.size} members, ${live.length} live clients: ${stateOf(g)}`);
    const owners = new Map<string, string>();
    const regexes = { '[a-c]': /^[a-c]$/, '(a|c)': /^(a|c)$/ } as Record<string, RegExp>;
    const subscribed = new Set<string>();
    for (const c of live) {
      const topics = c.regex === null ? c.topics : [...this.topics.keys()].filter((t) => regexes[c.regex!]!.test(t));
      for (const t of topics) subscribed.add(t);
      const m = g.members.get(c.memberId);
      if (m === undefined) throw new Error(`${c.name} is live but not a member`);
      const assigned = JSON.stringify([...m.assigned].map(([t, ps]) => [t, [...ps]]));
      const owned = JSON.stringify(this.ownedList(c).map((t) => [t.topicId, t.partitions]));
      if (assigned !== owned) throw new Error(`${c.name} owns ${owned} but is assigned ${assigned}`);
      const allowed = new Set(topics.map((t) => this.topics.get(t)!.topicId));
      for (const [topicId, ps] of c.owned) {
        if (ps.size > 0 && !allowed.has(topicId)) throw new Error(`${c.name} owns ${topicId} it does not subscribe to (${c.regex ?? c.topics}): ${stateOf(g)}`);
        for (const p of ps) owners.set(`${topicId}:${p}`, c.name);
      }
    }
    for (const t of subscribed) {
      const { topicId, numPartitions } = this.topics.get(t)!;
      for (let p = 0; p < numPartitions; p++) {
        if (!owners.has(`${topicId}:${p}`)) throw new Error(`${t}-${p} is subscribed but nobody owns it: ${stateOf(g)}`);
      }
    }
  }
}

/** A canonical text of the group's persisted state, for comparisons. */
export function stateOf(g: ConsumerGroup | undefined): string {
  if (g === undefined || (g.members.size === 0 && g.groupEpoch === 0)) return 'none';
  const a = (x: ReadonlyMap<string, readonly number[]>): string => [...x].map(([t, ps]) => `${t.slice(-1)}${ps.join('.')}`).join('+');
  const members = [...g.members.values()].sort((x, y) => (x.memberId < y.memberId ? -1 : 1)).map((m) =>
    `${m.memberId}[${m.instanceId ?? ''}] e${m.memberEpoch}/${m.previousMemberEpoch} s${m.state} sub=${m.subscribedTopicNames.join(',')}/${m.subscribedTopicRegex ?? ''} `
    + `rt=${m.rebalanceTimeoutMs} has=${a(m.assigned)} rev=${a(m.pendingRevocation)} tgt=${a(g.targetOf(m.memberId))}`);
  const targets = [...g.targetAssignment.keys()].filter((id) => !g.members.has(id));
  const topics = [...g.subscriptionMetadata.values()].map((t) => `${t.topicName}:${t.numPartitions}`).sort().join(',');
  return `epoch ${g.groupEpoch} target ${g.assignmentEpoch} topics ${topics} members ${members.join(' ; ')}${targets.length > 0 ? ` orphan targets ${targets}` : ''}`;
}
