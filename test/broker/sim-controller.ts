/**
 * The controller as the replication simulation models it: one partition's
 * committed state (leader, epochs, ISR) and the brokers' registrations, kept
 * atomically (the Raft quorum behind the real one has its own simulation).
 * Its rules are the real controller's (src/controller/controller.ts): a broker
 * whose heartbeats stop for the session timeout is fenced — it leaves the ISR
 * unless it is the last member, and its leaderships go to an unfenced in-sync
 * replica or to none (no unclean election); a new incarnation is fenced before
 * it is registered; AlterPartition needs the current leader and partition
 * epochs and eligible members, and a repeat of an accepted change gets its result.
 */
import type { ReplicationStats } from './replication-simulator.ts';

export interface ControllerPartition {
  leader: number;
  leaderEpoch: number;
  partitionEpoch: number;
  replicas: number[];
  isr: number[];
}

export interface IsrRequest {
  leaderId: number;
  leaderEpoch: number;
  partitionEpoch: number;
  isr: number[];
}

interface Registration {
  epoch: bigint;
  fenced: boolean;
  lastHeartbeatTick: number;
}

export class ControllerModel {
  private readonly state: ControllerPartition;
  private readonly registrations = new Map<number, Registration>();
  private readonly sessionTicks: number;
  private readonly stats: ReplicationStats;
  private readonly trace: (line: string) => void;

  constructor(brokers: readonly number[], sessionTicks: number, stats: ReplicationStats, trace: (line: string) => void) {
    this.state = { leader: brokers[0]!, leaderEpoch: 0, partitionEpoch: 0, replicas: [...brokers], isr: [...brokers] };
    for (const id of brokers) this.registrations.set(id, { epoch: 1n, fenced: false, lastHeartbeatTick: 0 });
    this.sessionTicks = sessionTicks;
    this.stats = stats;
    this.trace = trace;
  }

  get leader(): number {
    return this.state.leader;
  }

  get leaderEpoch(): number {
    return this.state.leaderEpoch;
  }

  get isr(): readonly number[] {
    return this.state.isr;
  }

  /** The committed state as a broker would read it from the metadata log. */
  snapshot(): ControllerPartition {
    return { ...this.state, replicas: [...this.state.replicas], isr: [...this.state.isr] };
  }

  heartbeat(id: number, epoch: bigint, tick: number): void {
    const reg = this.registrations.get(id)!;
    if (epoch < reg.epoch) return;
    if (epoch > reg.epoch) {
      // A new incarnation: the old one is fenced first, so nothing it was trusted with carries over.
      this.fence(id);
      reg.epoch = epoch;
    }
    reg.lastHeartbeatTick = tick;
    if (reg.fenced) {
      reg.fenced = false;
      this.trace(`controller unfences broker ${id}`);
      if (this.state.leader < 0 && this.state.isr.includes(id)) this.electLeader(id);
    }
  }

  expireSessions(tick: number): void {
    for (const [id, reg] of this.registrations) {
      if (!reg.fenced && tick - reg.lastHeartbeatTick > this.sessionTicks) this.fence(id);
    }
  }

  private fence(id: number): void {
    this.registrations.get(id)!.fenced = true;
    const c = this.state;
    this.trace(`controller fences broker ${id}`);
    const isr = c.isr.length > 1 ? c.isr.filter((r) => r !== id) : c.isr;
    const changed = isr.length !== c.isr.length;
    c.isr = isr;
    if (c.leader === id) {
      const next = c.isr.find((r) => r !== id && !this.isFenced(r));
      this.electLeader(next ?? -1);
    } else if (changed) {
      c.partitionEpoch++;
    }
  }

  private isFenced(id: number): boolean {
    return this.registrations.get(id)!.fenced;
  }

  private electLeader(id: number): void {
    const c = this.state;
    c.leader = id;
    c.leaderEpoch++;
    c.partitionEpoch++;
    this.stats.elections++;
    this.trace(`controller: leader ${id} epoch ${c.leaderEpoch} isr [${c.isr.join(',')}]`);
  }

  /** Preferred-leader election: leadership moves to another unfenced in-sync replica, chosen by `pick`. */
  moveLeadership(pick: (candidates: readonly number[]) => number): void {
    const c = this.state;
    const candidates = c.isr.filter((r) => r !== c.leader && !this.isFenced(r));
    if (c.leader < 0 || candidates.length === 0) return;
    this.stats.leaderMoves++;
    this.electLeader(pick(candidates));
  }

  alterPartition(req: IsrRequest): ControllerPartition | 'stale' | 'ineligible' {
    const c = this.state;
    if (req.leaderId !== c.leader || req.leaderEpoch !== c.leaderEpoch) return 'stale';
    const same = req.isr.length === c.isr.length && req.isr.every((r) => c.isr.includes(r));
    if (req.partitionEpoch < c.partitionEpoch && same) return this.snapshot();
    if (req.partitionEpoch !== c.partitionEpoch) return 'stale';
    if (!req.isr.includes(req.leaderId) || req.isr.some((r) => !c.isr.includes(r) && this.isFenced(r))) return 'ineligible';
    if (req.isr.length > c.isr.length) this.stats.isrExpands++;
    else this.stats.isrShrinks++;
    c.isr = [...req.isr];
    c.partitionEpoch++;
    this.trace(`controller: isr [${c.isr.join(',')}] (leader ${c.leader} epoch ${c.leaderEpoch})`);
    return this.snapshot();
  }
}
