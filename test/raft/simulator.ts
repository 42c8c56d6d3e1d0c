/**
 * A seeded, single-threaded simulation of a KRaft quorum built from the pure
 * RaftNode core: a lossy network (drop, delay, duplicate, reorder, partition),
 * crashes with torn writes that respect the fsync contract, clock skew, a
 * proposal workload and periodic state-machine snapshots. Every fault choice
 * comes from one seed, so a failing schedule replays exactly. Invariants are
 * checked after every tick and every Ready; a violation throws with the seed.
 */
import {
  RaftNode, type Entry, type HardState, type Message, type PersistedState, type RaftConfig, type Ready, type Snapshot,
} from '../../src/raft/core/index.ts';

import { seededRandom as mulberry32 } from '../helpers/random.ts';

export { mulberry32 };

export class SimulationFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SimulationFailure';
  }
}

export interface SimOptions {
  readonly seed: number;
  readonly voterCount: number;
  readonly observerCount: number;
  readonly ticks: number;
  readonly trace?: boolean;
  /** Builds each node's core: a mutation check passes a broken one. */
  readonly newNode?: (config: RaftConfig, persisted: PersistedState) => RaftNode;
}

export interface SimStats {
  elections: number;
  truncations: number;
  snapshotInstalls: number;
  snapshotsTaken: number;
  crashes: number;
  tornWrites: number;
  partitions: number;
  resignations: number;
  proposals: number;
  committedEntries: number;
  /** Nodes (first starts and restarts) that reported catching up. */
  caughtUp: number;
  calmPhases: number;
  /** Calm phases with a minority of voters (the leader first) kept down. */
  calmWithVotersDown: number;
  forcedElections: number;
  messagesDelivered: number;
  messagesDropped: number;
}

export function emptyStats(): SimStats {
  return {
    elections: 0, truncations: 0, snapshotInstalls: 0, snapshotsTaken: 0, crashes: 0, tornWrites: 0,
    partitions: 0, resignations: 0, proposals: 0, committedEntries: 0, caughtUp: 0, calmPhases: 0, calmWithVotersDown: 0, forcedElections: 0,
    messagesDelivered: 0, messagesDropped: 0,
  };
}

/** Timeouts of every simulated node, in ticks. */
export const SIM_TIMEOUTS = {
  electionTimeoutTicks: 6,
  // Comfortably above a lossy round trip (delays up to 3 ticks each way plus the long poll).
  fetchTimeoutTicks: 14,
  fetchMaxWaitTicks: 2,
  fetchMaxRecords: 3,
  snapshotChunkBytes: 24,
} as const;

const UNCOMMITTED_PROPOSALS_MAX = 8;

/** A calm phase must elect a leader and commit a new proposal within this many ticks. */
export const LIVENESS_BOUND_TICKS = 20 * SIM_TIMEOUTS.electionTimeoutTicks;
export const LIVENESS_BOUND_TICKS_VOTERS_DOWN = 3 * LIVENESS_BOUND_TICKS;

interface Disk {
  hardState: HardState;
  snapshot: Snapshot | null;
  entries: Entry[];
}

/** The replicated state machine: a running hash over every committed record. */
interface MachineState {
  offset: number;
  count: number;
  hash: number;
}

interface SimNode {
  readonly id: number;
  readonly isVoter: boolean;
  raft: RaftNode | null;
  readonly disk: Disk;
  machine: MachineState;
  lastHighWatermark: number;
  wasResigned: boolean;
  /** Where the quorum's commits ended when this node last started: it must apply that much before it says it caught up. */
  committedEndAtStart: number;
  caughtUp: boolean;
  readonly skipTickRate: number;
  readonly doubleTickRate: number;
}

interface InFlight {
  readonly deliverAt: number;
  readonly message: Message;
}

interface FaultRates {
  drop: number;
  duplicate: number;
  delayMax: number;
  crash: number;
  leaderCrash: number;
  torn: number;
  partition: number;
  heal: number;
  restart: number;
  propose: number;
  snapshot: number;
}

function hashRecords(hash: number, records: readonly Buffer[]): number {
  let h = hash;
  for (const record of records) {
    for (let index = 0; index < record.length; index++) h = Math.imul(h ^ record[index], 16777619) >>> 0;
    h = Math.imul(h ^ 0xff, 16777619) >>> 0;
  }
  return h;
}

function encodeMachine(state: MachineState): Buffer {
  // Padded so snapshots span several chunks.
  return Buffer.from(JSON.stringify({ ...state, pad: 'x'.repeat(40) }));
}

function decodeMachine(data: Buffer): MachineState {
  const parsed = JSON.parse(data.toString()) as MachineState;
  return { offset: parsed.offset, count: parsed.count, hash: parsed.hash };
}

function sameRecords(a: readonly Buffer[], b: readonly Buffer[]): boolean {
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index++) if (!a[index].equals(b[index])) return false;
  return true;
}

export class Simulation {
  readonly stats = emptyStats();
  private readonly options: SimOptions;
  private readonly rng: () => number;
  private readonly nodes: SimNode[] = [];
  private readonly voterIds: number[] = [];
  private network: InFlight[] = [];
  private readonly group: number[] = [];
  private readonly rates: FaultRates;
  private readonly fetchMaxRecords: number;
  private now = 0;
  private calm = false;
  private calmSince = 0;
  private calmProposals = new Set<string>();
  private calmSatisfied = false;
  /**
   * With a voter down every remaining voter counts toward the majority, so a
   * lagging one must catch up (entry by entry, or via a snapshot) before
   * anything commits: those phases get a longer bound.
   */
  private calmBound = LIVENESS_BOUND_TICKS;
  private proposalCounter = 0;
  /** Epoch → the one node that led it. */
  private readonly leaders = new Map<number, number>();
  /** The global committed log as first seen by any node. */
  private readonly committed: Entry[] = [];
  /** For each committed entry, the newest leader epoch seen when it was first committed: leaders of later epochs must hold it. */
  private readonly committedBeforeEpoch: number[] = [];
  private newestLeaderEpoch = 0;
  /** Machine state after every committed entry boundary. */
  private readonly machineAt = new Map<number, MachineState>([[0, { offset: 0, count: 0, hash: 2166136261 }]]);
  private readonly trace: string[] = [];

  constructor(options: SimOptions) {
    this.options = options;
    this.rng = mulberry32(options.seed);
    const r = this.rng;
    this.rates = {
      drop: r() * 0.2, duplicate: r() * 0.1, delayMax: Math.floor(r() * 4), crash: r() * 0.02,
      torn: r(), partition: r() * 0.04, heal: 0.05 + r() * 0.1, restart: 0.05 + r() * 0.2,
      propose: 0.1 + r() * 0.5, snapshot: 0.01 + r() * 0.05, leaderCrash: r() * 0.05,
    };
    // Half the schedules replicate one entry per fetch, so followers often hold a
    // new leader's old-epoch entries without its control entry (Raft's figure 8).
    this.fetchMaxRecords = r() < 0.5 ? 1 : 1 + Math.floor(r() * SIM_TIMEOUTS.fetchMaxRecords);
    const total = options.voterCount + options.observerCount;
    for (let id = 1; id <= options.voterCount; id++) this.voterIds.push(id);
    for (let id = 1; id <= total; id++) {
      const skew = r() < 0.5;
      const node: SimNode = {
        id, isVoter: id <= options.voterCount, raft: null,
        disk: { hardState: { epoch: 0, votedFor: null, leaderId: null }, snapshot: null, entries: [] },
        machine: { ...this.machineAt.get(0)! }, lastHighWatermark: 0, wasResigned: false, committedEndAtStart: 0, caughtUp: false,
        skipTickRate: skew ? r() * 0.3 : 0, doubleTickRate: skew ? r() * 0.3 : 0,
      };
      this.nodes.push(node);
      this.group.push(0);
      this.start(node);
    }
    this.log(`rates ${JSON.stringify(this.rates)} fetchMaxRecords ${this.fetchMaxRecords} ` +
      `skew ${JSON.stringify(this.nodes.map((node) => [node.skipTickRate.toFixed(2), node.doubleTickRate.toFixed(2)]))}`);
  }

  get traceLines(): readonly string[] {
    return this.trace;
  }

  private log(line: string): void {
    if (this.options.trace) this.trace.push(`[t=${this.now}] ${line}`);
  }

  private fail(message: string): never {
    const header = `seed=${this.options.seed} voters=${this.options.voterCount} observers=${this.options.observerCount} tick=${this.now}`;
    throw new SimulationFailure(`${header}: ${message}`);
  }

  private start(node: SimNode): void {
    const nodeRandom = mulberry32(Math.floor(this.rng() * 2 ** 32));
    const config: RaftConfig = {
      nodeId: node.id, voters: this.voterIds, ...SIM_TIMEOUTS, fetchMaxRecords: this.fetchMaxRecords, random: nodeRandom,
      leaderChangeRecord: (epoch, leaderId) => Buffer.from(`leader ${epoch} ${leaderId}`),
    };
    const persisted: PersistedState = { hardState: node.disk.hardState, snapshot: node.disk.snapshot, entries: node.disk.entries.slice() };
    node.raft = this.options.newNode?.(config, persisted) ?? new RaftNode(config, persisted);
    node.committedEndAtStart = this.committedEnd();
    node.caughtUp = false;
    node.machine = node.disk.snapshot === null ? { ...this.machineAt.get(0)! } : decodeMachine(node.disk.snapshot.data);
    node.lastHighWatermark = node.machine.offset;
    this.processReady(node);
  }

  run(): SimStats {
    for (this.now = 0; this.now < this.options.ticks; this.now++) {
      try {
        this.schedulePhase();
        if (!this.calm) this.injectFaults();
        this.deliverMessages();
        this.tickNodes();
        this.workload();
        this.checkInvariants();
      } catch (error) {
        if (error instanceof SimulationFailure) throw error;
        this.fail(`core threw: ${(error as Error).stack ?? String(error)}`);
      }
    }
    return this.stats;
  }

  // ---- phases --------------------------------------------------------------

  private schedulePhase(): void {
    if (!this.calm) {
      if (this.now > 0 && this.rng() < 0.015) this.enterCalm();
      return;
    }
    const elapsed = this.now - this.calmSince;
    if (!this.calmSatisfied && elapsed > this.calmBound) {
      this.fail(`liveness: no new proposal committed within ${this.calmBound} ticks of calm`);
    }
    if (this.calmSatisfied && this.rng() < 0.1) {
      this.calm = false;
      this.log('calm phase ends');
    }
  }

  private enterCalm(): void {
    this.calm = true;
    this.calmSince = this.now;
    this.calmSatisfied = false;
    this.calmProposals.clear();
    this.stats.calmPhases++;
    for (let index = 0; index < this.group.length; index++) this.group[index] = 0;
    // Half the calm phases keep a minority of voters down, the leader first: the rest must elect without it.
    const down = new Set<SimNode>();
    if (this.rng() < 0.5) {
      const minority = Math.floor((this.voterIds.length - 1) / 2);
      const voters = this.nodes.filter((node) => this.voterIds.includes(node.id));
      const leader = voters.find((node) => node.raft !== null && node.raft.status().role === 'leader');
      if (leader !== undefined && minority > 0) down.add(leader);
      for (const node of voters) if (down.size < minority && this.rng() < 0.5) down.add(node);
      this.stats.calmWithVotersDown++;
    }
    this.calmBound = down.size > 0 ? LIVENESS_BOUND_TICKS_VOTERS_DOWN : LIVENESS_BOUND_TICKS;
    for (const node of this.nodes) {
      if (down.has(node)) {
        if (node.raft !== null) this.crash(node, false);
      } else if (node.raft === null) {
        this.restart(node);
      }
    }
    this.log(`calm phase: healed, all nodes up${down.size > 0 ? ` but ${[...down].map((node) => node.id).join(', ')}` : ''}`);
  }

  // ---- faults --------------------------------------------------------------

  private injectFaults(): void {
    const r = this.rng;
    for (const node of this.nodes) {
      if (node.raft !== null && r() < this.rates.crash) this.crash(node, r() < this.rates.torn);
      else if (node.raft === null && r() < this.rates.restart) this.restart(node);
    }
    if (r() < this.rates.leaderCrash) {
      // Leaders die mid-replication more often than others: that is where elections race.
      const leader = this.nodes.find((node) => node.raft !== null && node.raft.status().role === 'leader');
      if (leader !== undefined) this.crash(leader, r() < this.rates.torn);
    }
    if (r() < 0.01) {
      // An operator forces an election (no pre-vote) or a leader steps down gracefully.
      const node = this.nodes[Math.floor(r() * this.nodes.length)];
      if (node.raft !== null) {
        const leading = node.raft.status().role === 'leader';
        if (leading) node.raft.resign();
        else node.raft.campaign();
        this.stats.forcedElections += leading ? 0 : 1;
        this.log(`node ${node.id} ${leading ? 'resigns' : 'campaigns'} on request`);
        this.processReady(node);
      }
    }
    if (r() < this.rates.partition) {
      const groups = 2 + Math.floor(r() * 2);
      for (let index = 0; index < this.group.length; index++) this.group[index] = Math.floor(r() * groups);
      this.stats.partitions++;
      this.log(`partition ${JSON.stringify(this.group)}`);
    } else if (r() < this.rates.heal) {
      for (let index = 0; index < this.group.length; index++) this.group[index] = 0;
    }
  }

  private crash(node: SimNode, torn: boolean): void {
    const raft = node.raft!;
    this.stats.crashes++;
    if (torn && raft.hasReady()) {
      // The process dies partway through a Ready: some prefix of the ordered writes
      // reaches the disk, nothing is sent and nothing is applied.
      const ready = raft.ready();
      const steps = Math.floor(this.rng() * 5);
      const entriesKept = Math.floor(this.rng() * (ready.entries.length + 1));
      this.persist(node, ready, steps, entriesKept);
      this.stats.tornWrites++;
      this.log(`node ${node.id} crashes during a write (steps ${steps}, entries ${entriesKept}/${ready.entries.length})`);
    } else {
      this.log(`node ${node.id} crashes`);
    }
    // What was on its way to the process dies with its connections: a restarted node never gets an answer meant for the old one.
    this.network = this.network.filter((inFlight) => inFlight.message.to !== node.id);
    node.raft = null;
  }

  private restart(node: SimNode): void {
    this.log(`node ${node.id} restarts from epoch ${node.disk.hardState.epoch}, log [${node.disk.snapshot?.id.offset ?? 0}, ${this.diskEnd(node)})`);
    this.start(node);
  }

  private diskEnd(node: SimNode): number {
    const last = node.disk.entries[node.disk.entries.length - 1];
    if (last !== undefined) return last.baseOffset + last.records.length;
    return node.disk.snapshot?.id.offset ?? 0;
  }

  // ---- network -------------------------------------------------------------

  private send(message: Message): void {
    // Nothing reaches a process that is down, not even the answer to a request its earlier life parked.
    if (this.nodes[message.to - 1]?.raft === null) return;
    if (this.rng() < (this.calm ? Math.min(this.rates.drop, 0.05) : this.rates.drop)) {
      this.stats.messagesDropped++;
      return;
    }
    const copies = this.rng() < this.rates.duplicate ? 2 : 1;
    for (let copy = 0; copy < copies; copy++) {
      const delay = Math.floor(this.rng() * (this.rates.delayMax + 1));
      this.network.push({ deliverAt: this.now + delay, message });
    }
  }

  private deliverMessages(): void {
    const due: InFlight[] = [];
    const later: InFlight[] = [];
    for (const inFlight of this.network) (inFlight.deliverAt <= this.now ? due : later).push(inFlight);
    this.network = later;
    // Reorder what arrives in the same tick.
    for (let index = due.length - 1; index > 0; index--) {
      const other = Math.floor(this.rng() * (index + 1));
      const swap = due[index];
      due[index] = due[other];
      due[other] = swap;
    }
    for (const { message } of due) {
      const target = this.nodes[message.to - 1];
      if (target === undefined || target.raft === null || this.group[message.from - 1] !== this.group[message.to - 1]) {
        this.stats.messagesDropped++;
        continue;
      }
      this.stats.messagesDelivered++;
      if (this.options.trace) this.log(`deliver ${describe(message)}`);
      target.raft.step(message);
      this.processReady(target);
    }
  }

  // ---- nodes ---------------------------------------------------------------

  private tickNodes(): void {
    for (const node of this.nodes) {
      if (node.raft === null) continue;
      const roll = this.rng();
      const ticks = roll < node.skipTickRate ? 0 : roll > 1 - node.doubleTickRate ? 2 : 1;
      for (let tick = 0; tick < ticks; tick++) node.raft.tick();
      this.processReady(node);
      if (node.raft !== null && this.rng() < this.rates.snapshot) this.takeSnapshot(node);
    }
  }

  private workload(): void {
    const leaders = this.nodes.filter((node) => node.raft !== null && node.raft.status().role === 'leader');
    if (leaders.length === 0 || this.rng() >= this.rates.propose) return;
    const leader = leaders[Math.floor(this.rng() * leaders.length)];
    // Clients apply backpressure: a bounded number of uncommitted proposals.
    const status = leader.raft!.status();
    if (status.logEndOffset - status.highWatermark >= UNCOMMITTED_PROPOSALS_MAX) return;
    const value = Buffer.from(`value ${this.options.seed} ${this.proposalCounter++}`);
    const result = leader.raft!.propose([value]);
    if (!result.ok) this.fail(`node ${leader.id} claims to lead but rejected a proposal`);
    this.stats.proposals++;
    if (this.calm) this.calmProposals.add(value.toString());
    this.log(`propose at node ${leader.id} → offset ${result.baseOffset} epoch ${result.epoch}`);
    this.processReady(leader);
  }

  private takeSnapshot(node: SimNode): void {
    const offset = node.machine.offset;
    const current = node.disk.snapshot?.id.offset ?? 0;
    if (offset <= current) return;
    const entry = node.disk.entries.find((candidate) => candidate.baseOffset + candidate.records.length === offset);
    if (entry === undefined) this.fail(`node ${node.id} applied up to ${offset} but has no entry ending there`);
    const snapshot: Snapshot = { id: { offset, epoch: entry.epoch }, data: encodeMachine(node.machine) };
    this.checkMachine(node.id, node.machine, 'snapshot taken');
    node.raft!.snapshot(snapshot.id, snapshot.data);
    node.disk.snapshot = snapshot;
    node.disk.entries = node.disk.entries.filter((candidate) => candidate.baseOffset >= offset);
    this.stats.snapshotsTaken++;
    this.log(`node ${node.id} snapshots at ${offset}`);
  }

  /** Applies a Ready the way the driver must: persist, then send, then apply. */
  private processReady(node: SimNode): void {
    const raft = node.raft!;
    if (!raft.hasReady()) return;
    if (!this.calm && this.rates.torn > 0.5 && this.rng() < this.rates.crash / 4) {
      this.crash(node, true);
      return;
    }
    const ready = raft.ready();
    this.persist(node, ready, 4, ready.entries.length);
    for (const message of ready.messages) this.send(message);
    for (const entry of ready.committed) this.apply(node, entry);
    if (ready.highWatermark < node.lastHighWatermark) {
      this.fail(`node ${node.id} high watermark went back from ${node.lastHighWatermark} to ${ready.highWatermark}`);
    }
    node.lastHighWatermark = ready.highWatermark;
  }

  /** Writes the first `steps` of (hardState, snapshot, truncate, entries) and `entriesKept` entries. */
  private persist(node: SimNode, ready: Ready, steps: number, entriesKept: number): void {
    const disk = node.disk;
    if (steps >= 1 && ready.hardState !== null) disk.hardState = ready.hardState;
    if (steps >= 2 && ready.snapshot !== null) {
      disk.snapshot = ready.snapshot;
      disk.entries = [];
      node.machine = decodeMachine(ready.snapshot.data);
      this.checkMachine(node.id, node.machine, 'snapshot installed');
      this.stats.snapshotInstalls++;
      this.log(`node ${node.id} installs snapshot at ${ready.snapshot.id.offset}`);
    }
    if (steps >= 3 && ready.truncateTo !== null) {
      const before = disk.entries.length;
      disk.entries = disk.entries.filter((entry) => entry.baseOffset < ready.truncateTo!);
      if (disk.entries.length < before) this.stats.truncations++;
      this.log(`node ${node.id} truncates to ${ready.truncateTo}`);
    }
    if (steps >= 4) {
      for (let index = 0; index < entriesKept; index++) {
        const entry = ready.entries[index];
        if (entry.baseOffset !== this.diskEnd(node)) this.fail(`node ${node.id} appends ${entry.baseOffset} at disk end ${this.diskEnd(node)}`);
        disk.entries.push(entry);
      }
    }
  }

  // ---- invariants ----------------------------------------------------------

  private checkMachine(id: number, state: MachineState, what: string): void {
    const expected = this.machineAt.get(state.offset);
    if (expected === undefined) this.fail(`node ${id} ${what} at ${state.offset}, not a committed boundary`);
    if (expected.count !== state.count || expected.hash !== state.hash) {
      this.fail(`node ${id} ${what} at ${state.offset}: state ${JSON.stringify(state)} differs from ${JSON.stringify(expected)}`);
    }
  }

  private apply(node: SimNode, entry: Entry): void {
    if (entry.baseOffset !== node.machine.offset) {
      this.fail(`node ${node.id} applies ${entry.baseOffset} but its state machine is at ${node.machine.offset}`);
    }
    const globalEnd = this.committedEnd();
    const known = this.committedAt(entry.baseOffset);
    if (known !== null) {
      if (known.epoch !== entry.epoch || !sameRecords(known.records, entry.records)) {
        this.fail(`node ${node.id} commits ${entry.baseOffset} epoch ${entry.epoch}, but epoch ${known.epoch} was committed there`);
      }
    } else if (entry.baseOffset === globalEnd) {
      this.checkDurableOnMajority(entry);
      this.committed.push(entry);
      this.committedBeforeEpoch.push(this.newestLeaderEpoch);
      this.stats.committedEntries++;
      if (this.calm && !this.calmSatisfied && !entry.control && this.calmProposals.has(entry.records[0].toString())) {
        this.calmSatisfied = true;
        this.log(`calm phase satisfied after ${this.now - this.calmSince} ticks`);
      }
    } else {
      this.fail(`node ${node.id} commits ${entry.baseOffset} leaving a gap after ${this.committedEnd()}`);
    }
    node.machine = {
      offset: entry.baseOffset + entry.records.length, count: node.machine.count + entry.records.length,
      hash: hashRecords(node.machine.hash, entry.records),
    };
    if (!this.machineAt.has(node.machine.offset)) this.machineAt.set(node.machine.offset, { ...node.machine });
    this.checkMachine(node.id, node.machine, 'applied');
  }

  private committedEnd(): number {
    const last = this.committed[this.committed.length - 1];
    return last === undefined ? 0 : last.baseOffset + last.records.length;
  }

  private committedAt(offset: number): Entry | null {
    let low = 0;
    let high = this.committed.length - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const base = this.committed[middle].baseOffset;
      if (base === offset) return this.committed[middle];
      if (base < offset) low = middle + 1;
      else high = middle - 1;
    }
    return null;
  }

  private checkDurableOnMajority(entry: Entry): void {
    let durable = 0;
    for (const id of this.voterIds) {
      const disk = this.nodes[id - 1].disk;
      if ((disk.snapshot?.id.offset ?? 0) >= entry.baseOffset + entry.records.length ||
          disk.entries.some((held) => held.baseOffset === entry.baseOffset && held.epoch === entry.epoch)) durable++;
    }
    if (durable < Math.floor(this.voterIds.length / 2) + 1) {
      this.fail(`entry ${entry.baseOffset} committed but durable on only ${durable} voters`);
    }
  }

  private checkInvariants(): void {
    for (const node of this.nodes) {
      if (node.raft === null) continue;
      const status = node.raft.status();
      if (status.highWatermark > status.logEndOffset) {
        this.fail(`node ${node.id} high watermark ${status.highWatermark} beyond its log end ${status.logEndOffset}`);
      }
      if (status.caughtUp && !node.caughtUp) {
        // Caught up is when a broker may act on the image: it must not be one a restart brought back stale.
        node.caughtUp = true;
        this.stats.caughtUp++;
        // Checked against the newest leader: a deposed one that does not know it yet may answer with less.
        if (status.epoch === this.newestLeaderEpoch && node.machine.offset < node.committedEndAtStart) {
          this.fail(`node ${node.id} says it caught up at ${node.machine.offset}, but ${node.committedEndAtStart} was committed before it started`);
        }
      }
      if (status.role === 'resigned' && !node.wasResigned) this.stats.resignations++;
      node.wasResigned = status.role === 'resigned';
      if (status.role !== 'leader') continue;
      const known = this.leaders.get(status.epoch);
      if (known === undefined) {
        this.leaders.set(status.epoch, node.id);
        this.newestLeaderEpoch = Math.max(this.newestLeaderEpoch, status.epoch);
        this.stats.elections++;
        this.log(`node ${node.id} leads epoch ${status.epoch}`);
        this.checkLeaderLog(node, status.epoch, 0);
      } else if (known !== node.id) {
        this.fail(`two leaders in epoch ${status.epoch}: ${known} and ${node.id}`);
      } else {
        this.checkLeaderLog(node, status.epoch, Math.max(0, this.committed.length - 3));
      }
    }
  }

  /**
   * Leader completeness: the log of a leader of epoch e (its disk equals its
   * memory after each Ready) holds every entry committed before epoch e began,
   * past its snapshot. A deposed leader that does not know it yet is exempt
   * from entries committed in later epochs.
   */
  private checkLeaderLog(node: SimNode, epoch: number, fromIndex: number): void {
    const entries = node.disk.entries;
    const start = node.disk.snapshot?.id.offset ?? 0;
    for (let index = fromIndex; index < this.committed.length; index++) {
      const entry = this.committed[index];
      if (entry.baseOffset < start || this.committedBeforeEpoch[index] >= epoch) continue;
      const held = entries[lowerBound(entries, entry.baseOffset)];
      if (held === undefined || held.baseOffset !== entry.baseOffset || held.epoch !== entry.epoch || !sameRecords(held.records, entry.records)) {
        this.fail(`leader ${node.id} lacks committed entry ${entry.baseOffset} (epoch ${entry.epoch})`);
      }
    }
  }
}

function lowerBound(entries: readonly Entry[], offset: number): number {
  let low = 0;
  let high = entries.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (entries[middle].baseOffset < offset) low = middle + 1;
    else high = middle;
  }
  return low;
}

export function describe(message: Message): string {
  const { type, from, to } = message;
  const rest: Record<string, unknown> = { ...message };
  delete rest.type;
  delete rest.from;
  delete rest.to;
  if ('entries' in message) rest.entries = message.entries.map((entry) => `${entry.baseOffset}@${entry.epoch}x${entry.records.length}`);
  if ('chunk' in message) rest.chunk = message.chunk.length;
  return `${type} ${from}→${to} ${JSON.stringify(rest)}`;
}

export function runSchedule(options: SimOptions): SimStats {
  return new Simulation(options).run();
}
