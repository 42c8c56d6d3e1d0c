/**
 * A seeded simulation of one partition replicated on three brokers, driving
 * the broker's real replication code — `Partition` (leader appends with
 * idempotent-producer checks, follower fetch validation and state, high
 * watermark, ISR candidates, the acks=all condition, follower appends and
 * truncation), `followerAction`, `requiredOffsetOf` and `coordinatorAcks` —
 * over in-memory logs, a lossy network and a model of the controller (the
 * Raft quorum behind it has its own simulation: here it is one atomic
 * store, reached over links that can fail).
 *
 * Faults, all from the seed: message loss, delay, reordering and
 * duplication; brokers isolated from each other and from the controller
 * while clients still reach them; kill -9 (the log survives, everything in
 * memory is lost, the broker comes back with a new broker epoch); leadership
 * moved by the controller (preferred-leader elections). Clients: an
 * idempotent producer (acks=all, retries resend the same batch) and an
 * offset committer writing with the coordinator's acks, transactionally:
 * each commit is a transactional batch without sequence, then a COMMIT or
 * ABORT marker, both with origin 'coordinator' (as the group and
 * transaction coordinators write them).
 *
 * Invariants after every tick: every write acknowledged without error is in
 * the current leader's log at the offset it was given; every member of the
 * controller's ISR holds the leader's log up to its high watermark; a
 * leader's high watermark never goes back within its epoch, nor its last
 * stable offset, which never passes the high watermark; no record of
 * the idempotent producer appears twice. Every 100 ticks and at the end, a
 * read_committed read of the leader up to its last stable offset lists
 * exactly the aborted records (txn-checker.ts). After a calm phase with every fault
 * healed: all replicas identical and in the ISR, nothing acknowledged lost.
 */
import { ProducerStateManager, Partition, coordinatorAcks, followerAction, requiredOffsetOf } from '../../src/broker/index.ts';
import type { FetchValidation, FollowerAction, FollowerFetch, LeaderAnswer, LeaderAppend } from '../../src/broker/index.ts';
import { topicConfig, resolveBrokerConfig, type TopicConfig } from '../../src/metadata/index.ts';
import { ErrorCode } from '../../src/protocol/index.ts';
import { ControlRecordType, buildEndTxnMarkerBatch, buildRecordBatch } from '../../src/records/index.ts';
import { readCommittedProblem } from './txn-checker.ts';
import { seededRandom } from '../helpers/random.ts';
import { CONTROL_ID, MemoryLog } from './memory-log.ts';
import { ControllerModel, type ControllerPartition, type IsrRequest } from './sim-controller.ts';

/** The replication decisions under test; mutation checks swap one for a buggy variant. */
export interface ReplicationCore {
  requiredOffsetOf(result: LeaderAppend): number | null;
  coordinatorAcks(): number;
  handleFollowerFetch(p: Partition<MemoryLog>, replicaId: number, brokerEpoch: bigint, fetch: FollowerFetch, nowMs: number): FetchValidation;
  followerAction(p: Partition<MemoryLog>, fetchOffset: number, answer: LeaderAnswer): FollowerAction;
  proposeIsr(p: Partition<MemoryLog>, isr: readonly number[]): void;
}

export const REAL_CORE: ReplicationCore = {
  requiredOffsetOf,
  coordinatorAcks,
  handleFollowerFetch: (p, replicaId, brokerEpoch, fetch, nowMs) => p.handleFollowerFetch(replicaId, brokerEpoch, fetch, nowMs).validation,
  followerAction: (p, fetchOffset, answer) => followerAction(p.log, p.highWatermark, fetchOffset, answer),
  proposeIsr: (p, isr) => p.proposeIsr(isr),
};

export interface ReplicationSimOptions {
  seed: number;
  ticks: number;
  core?: ReplicationCore;
  trace?: boolean;
}

export interface ReplicationStats {
  acked: number;
  commitsAcked: number;
  crashes: number;
  isolations: number;
  leaderMoves: number;
  elections: number;
  truncations: number;
  isrShrinks: number;
  isrExpands: number;
  duplicatesAnswered: number;
  producerResets: number;
  timeouts: number;
  dropped: number;
}

export function emptyReplicationStats(): ReplicationStats {
  return {
    acked: 0, commitsAcked: 0, crashes: 0, isolations: 0, leaderMoves: 0, elections: 0, truncations: 0,
    isrShrinks: 0, isrExpands: 0, duplicatesAnswered: 0, producerResets: 0, timeouts: 0, dropped: 0,
  };
}

const BROKERS = [1, 2, 3] as const;
const CONTROLLER = 0;
const CLIENT = 100;
const TICK_MS = 10;
const SESSION_TICKS = 15;
const LAG_MAX_MS = 120;
const REQUEST_TIMEOUT_TICKS = 12;
const FETCH_TIMEOUT_TICKS = 6;
const ISR_PROPOSAL_TIMEOUT_TICKS = 10;
const CALM_TICKS = 400;
const QUIET_TICKS = 150;
const MIN_ISR = 2;
const FETCH_MAX_BYTES = 4096;
const TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAQ';
/** The producer id the committer's transactions use (the idempotent producer's ids start at 1000). */
const COMMITTER_PRODUCER_ID = 9_000_000n;
const READ_COMMITTED_CHECK_TICKS = 100;



interface Message {
  deliverAt: number;
  from: number;
  to: number;
  deliver(): void;
}


interface AckWait {
  required: number;
  leaderEpoch: number;
  deadlineTick: number;
  respond(errorCode: number, baseOffset: number): void;
}

interface Broker {
  id: number;
  alive: boolean;
  epoch: bigint;
  log: MemoryLog;
  partition: Partition<MemoryLog> | null;
  /** The metadata this broker has applied (survives a crash, like its metadata log). */
  known: ControllerPartition;
  fetchInFlight: { id: number; sentTick: number } | null;
  isrProposal: { sentTick: number; request: IsrRequest } | null;
  /** A proposal whose answer never came, sent again as it was. */
  unanswered: IsrRequest | null;
  waits: AckWait[];
  restartAtTick: number;
  /** The last high watermark this process published as leader, per leader epoch. */
  hwByEpoch: Map<number, number>;
  /** The same for the last stable offset. */
  lsoByEpoch: Map<number, number>;
}

interface Acked {
  offset: number;
  id: string;
  what: string;
}

interface ClientRequest {
  id: number;
  sentTick: number;
}

/** The shared seeded PRNG (test/helpers/random.ts) with the few draws the schedule needs. */
class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = seededRandom(seed);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
}

let cachedConfig: TopicConfig | null = null;

function partitionConfig(): TopicConfig {
  if (cachedConfig !== null) return cachedConfig;
  const broker = resolveBrokerConfig({ 'log.dirs': '/nonexistent' });
  if (!broker.ok) throw new Error(broker.error);
  const topic = topicConfig(broker.config, { 'min.insync.replicas': String(MIN_ISR) });
  if (!topic.ok) throw new Error(topic.error);
  cachedConfig = topic.config;
  return cachedConfig;
}

export class InvariantViolation extends Error {}

export class ReplicationSimulation {
  readonly stats = emptyReplicationStats();
  readonly traceLines: string[] = [];
  private readonly rng: Rng;
  private readonly options: ReplicationSimOptions;
  private readonly core: ReplicationCore;
  private tick = 0;
  private nextMessageId = 1;
  private readonly config = partitionConfig();
  private readonly control: ControllerModel;
  private readonly brokers = new Map<number, Broker>();
  private messages: Message[] = [];
  /** Directed links that drop everything: "a>b". */
  private readonly cut = new Set<string>();
  private isolatedUntil = new Map<number, number>();
  private readonly acked: Acked[] = [];
  /** How far `acked` was checked against which leader log, at how many cuts of it. */
  private ackedChecked = 0;
  private ackedCheckedLog: MemoryLog | null = null;
  private ackedCheckedCuts = -1;
  private calm = false;
  /** The highest high watermark any leader has published: everything below it is committed for good. */
  private committedEnd = 0;
  /** Whether the ISR was whole at some tick of the quiet end (a lagging check may drop a member for a moment). */
  private fullIsrWhileQuiet = false;

  // The idempotent producer.
  private producerId = 1000n;
  private producerSeq = 0;
  private producerBatchNo = 0;
  private producerBatch: { ids: string[]; seq: number; bytes: Buffer } | null = null;
  private producerRequest: ClientRequest | null = null;
  private producerBackoffUntil = 0;

  // The offset committer (the coordinator's writes).
  private commitNo = 0;
  private commitBatch: { ids: string[]; bytes: Buffer; marker: boolean } | null = null;
  /** The committer's next write ends its transaction (it has data acknowledged in it). */
  private commitMarkerDue = false;
  private commitRequest: ClientRequest | null = null;

  constructor(options: ReplicationSimOptions) {
    this.options = options;
    this.core = options.core ?? REAL_CORE;
    this.rng = new Rng(options.seed);
    this.control = new ControllerModel(BROKERS, SESSION_TICKS, this.stats, (line) => this.trace(line));
    for (const id of BROKERS) {
      const log = new MemoryLog();
      const broker: Broker = {
        id, alive: true, epoch: 1n, log, partition: null, known: this.control.snapshot(),
        fetchInFlight: null, isrProposal: null, unanswered: null, waits: [], restartAtTick: -1, hwByEpoch: new Map(), lsoByEpoch: new Map(),
      };
      broker.partition = this.openPartition(broker);
      this.brokers.set(id, broker);
    }
  }

  run(): ReplicationStats {
    const calmFrom = this.options.ticks - CALM_TICKS;
    for (this.tick = 1; this.tick <= this.options.ticks; this.tick++) {
      if (this.tick === calmFrom) this.startCalm();
      this.step();
      this.checkInvariants();
    }
    this.checkConverged();
    return this.stats;
  }

  private get nowMs(): number {
    return this.tick * TICK_MS;
  }

  private trace(line: string): void {
    if (this.options.trace) this.traceLines.push(`t${this.tick} ${line}`);
  }

  private openPartition(b: Broker): Partition<MemoryLog> {
    return new Partition<MemoryLog>('t', TOPIC_ID, 0, b.id, b.log, this.config, stateOf(b.known), this.nowMs, (log) => ProducerStateManager.fromLog(log));
  }

  // ---- the schedule ---------------------------------------------------------------------------

  private step(): void {
    if (!this.calm) this.injectFaults();
    this.healExpired();
    this.restartDue();
    this.deliverMessages();
    for (const b of this.brokers.values()) if (b.alive) this.brokerTick(b);
    this.controllerTick();
    // The clients stop before the end, so that convergence can be checked on a quiet log.
    if (this.tick < this.options.ticks - QUIET_TICKS) {
      this.producerTick();
      this.committerTick();
    } else if (this.control.isr.length === BROKERS.length) {
      this.fullIsrWhileQuiet = true;
    }
  }

  private injectFaults(): void {
    const down = [...this.brokers.values()].filter((b) => !b.alive);
    if (down.length === 0 && this.rng.chance(0.004)) {
      const b = this.brokers.get(this.rng.pick(BROKERS))!;
      this.crash(b);
    }
    if (this.isolatedUntil.size === 0 && this.rng.chance(0.006)) {
      const leader = this.control.leader;
      const id = this.rng.chance(0.6) && leader > 0 ? leader : this.rng.pick(BROKERS);
      this.isolate(id, this.tick + this.rng.int(20, 120), this.rng.chance(0.7));
    }
    if (this.rng.chance(0.002)) this.control.moveLeadership((candidates) => this.rng.pick(candidates));
  }

  private startCalm(): void {
    this.calm = true;
    this.cut.clear();
    this.isolatedUntil.clear();
    for (const b of this.brokers.values()) if (!b.alive) b.restartAtTick = this.tick;
    this.trace('calm: every fault healed');
  }

  private crash(b: Broker): void {
    this.stats.crashes++;
    b.alive = false;
    b.partition = null;
    b.waits = [];
    b.fetchInFlight = null;
    b.isrProposal = null;
    b.unanswered = null;
    b.restartAtTick = this.tick + this.rng.int(5, 60);
    this.trace(`kill -9 broker ${b.id}`);
  }

  private restartDue(): void {
    for (const b of this.brokers.values()) {
      if (b.alive || b.restartAtTick > this.tick) continue;
      // A starting broker catches up with the metadata log before it serves (Samsa announces itself ready
      // only then, as Kafka does), so it cannot start while cut off from the controller.
      if (this.cut.has(`${b.id}>${CONTROLLER}`)) continue;
      b.known = this.control.snapshot();
      b.alive = true;
      b.epoch += 1n;
      // A new process starts its high watermark over (Kafka's from a checkpoint, ours from the log start).
      b.hwByEpoch.clear();
      b.lsoByEpoch.clear();
      b.partition = this.openPartition(b);
      this.trace(`restart broker ${b.id} (broker epoch ${b.epoch}, log end ${b.log.logEndOffset})`);
    }
  }

  /** Cuts a broker off from the other brokers (and, usually, from the controller); clients still reach it. */
  private isolate(id: number, untilTick: number, fromController: boolean): void {
    this.stats.isolations++;
    for (const other of [...BROKERS, ...(fromController ? [CONTROLLER] : [])]) {
      if (other === id) continue;
      this.cut.add(`${id}>${other}`);
      this.cut.add(`${other}>${id}`);
    }
    this.isolatedUntil.set(id, untilTick);
    this.trace(`isolate broker ${id}${fromController ? ' and from the controller' : ''} until t${untilTick}`);
  }

  private healExpired(): void {
    for (const [id, until] of this.isolatedUntil) {
      if (until > this.tick) continue;
      this.isolatedUntil.delete(id);
      for (const key of [...this.cut]) if (key.startsWith(`${id}>`) || key.endsWith(`>${id}`)) this.cut.delete(key);
      this.trace(`heal broker ${id}`);
    }
  }

  // ---- the network ----------------------------------------------------------------------------

  private send(from: number, to: number, deliver: () => void): void {
    if (this.cut.has(`${from}>${to}`)) {
      this.stats.dropped++;
      return;
    }
    if (!this.calm && this.rng.chance(0.02)) {
      this.stats.dropped++;
      return;
    }
    const delay = this.rng.chance(0.1) ? this.rng.int(2, 10) : this.rng.int(0, 1);
    this.messages.push({ deliverAt: this.tick + delay, from, to, deliver });
    if (!this.calm && this.rng.chance(0.01)) this.messages.push({ deliverAt: this.tick + this.rng.int(1, 12), from, to, deliver });
  }

  private deliverMessages(): void {
    const due = this.messages.filter((m) => m.deliverAt <= this.tick);
    this.messages = this.messages.filter((m) => m.deliverAt > this.tick);
    for (const m of due) {
      // A cut made while the message was in flight drops it too; a dead process gets nothing.
      if (this.cut.has(`${m.from}>${m.to}`)) continue;
      const target = this.brokers.get(m.to);
      if (target !== undefined && !target.alive) continue;
      m.deliver();
    }
  }

  // ---- brokers --------------------------------------------------------------------------------

  private brokerTick(b: Broker): void {
    const p = b.partition!;
    this.send(b.id, CONTROLLER, () => this.control.heartbeat(b.id, b.epoch, this.tick));
    if (p.isLeader) {
      this.checkWaits(b);
      this.proposeIsr(b);
    } else if (p.leaderId > 0 && p.replicas.includes(b.id)) {
      this.fetchFromLeader(b);
    }
  }

  private checkWaits(b: Broker): void {
    const p = b.partition!;
    b.waits = b.waits.filter((w) => {
      const outcome = p.acksOutcome(w.required, w.leaderEpoch);
      if (outcome.done) {
        w.respond(outcome.errorCode, -1);
        return false;
      }
      if (this.tick >= w.deadlineTick) {
        w.respond(ErrorCode.REQUEST_TIMED_OUT, -1);
        return false;
      }
      return true;
    });
  }

  /** The ISR manager's check, as src/broker/isr-manager.ts makes it. */
  private proposeIsr(b: Broker): void {
    const p = b.partition!;
    if (b.isrProposal !== null) {
      if (this.tick - b.isrProposal.sentTick < ISR_PROPOSAL_TIMEOUT_TICKS) return;
      b.unanswered = b.isrProposal.request;
      b.isrProposal = null;
    }
    const retry = b.unanswered;
    b.unanswered = null;
    let request: IsrRequest;
    if (retry !== null && retry.leaderEpoch === p.leaderEpoch && retry.partitionEpoch === p.partitionEpoch) {
      request = retry;
    } else {
      const joining = p.caughtUpOutsideIsr(this.nowMs, LAG_MAX_MS);
      const leaving = p.laggingInIsr(this.nowMs, LAG_MAX_MS);
      if (joining.length === 0 && leaving.length === 0) return;
      request = { leaderId: b.id, leaderEpoch: p.leaderEpoch, partitionEpoch: p.partitionEpoch, isr: [...p.isr.filter((id) => !leaving.includes(id)), ...joining] };
    }
    b.isrProposal = { sentTick: this.tick, request };
    this.core.proposeIsr(p, request.isr);
    const incarnation = b.epoch;
    this.send(b.id, CONTROLLER, () => {
      const answer = this.control.alterPartition(request);
      this.send(CONTROLLER, b.id, () => {
        if (b.epoch !== incarnation || b.partition === null || b.isrProposal?.request !== request) return;
        b.isrProposal = null;
        if (answer === 'ineligible') b.partition.abandonIsrProposal();
        else if (answer !== 'stale') b.partition.applyIsrChange(answer.isr, answer.leaderEpoch, answer.partitionEpoch, this.nowMs);
        if (b.partition.isLeader) this.checkWaits(b);
      });
    });
  }

  private fetchFromLeader(b: Broker): void {
    if (b.fetchInFlight !== null && this.tick - b.fetchInFlight.sentTick < FETCH_TIMEOUT_TICKS) return;
    const p = b.partition!;
    const id = this.nextMessageId++;
    b.fetchInFlight = { id, sentTick: this.tick };
    const leaderId = p.leaderId;
    const fetch: FollowerFetch = { currentLeaderEpoch: p.leaderEpoch, fetchOffset: p.logEndOffset, lastFetchedEpoch: p.log.leaderEpochCache.latestEpoch };
    const brokerEpoch = b.epoch;
    this.send(b.id, leaderId, () => {
      const leader = this.brokers.get(leaderId)!;
      const answer = this.serveFetch(leader, b.id, brokerEpoch, fetch);
      this.send(leaderId, b.id, () => this.applyFetch(b, id, brokerEpoch, leaderId, fetch, answer));
    });
  }

  /** The leader side of a follower fetch. */
  private serveFetch(leader: Broker, replicaId: number, brokerEpoch: bigint, fetch: FollowerFetch): LeaderAnswer {
    const p = leader.partition!;
    const answer: LeaderAnswer = {
      errorCode: ErrorCode.NONE, highWatermark: p.highWatermark, logStartOffset: p.logStartOffset,
      divergingEpoch: { epoch: -1, endOffset: -1 }, records: null,
    };
    if (!p.isLeader) return { ...answer, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER };
    const validation = this.core.handleFollowerFetch(p, replicaId, brokerEpoch, fetch, this.nowMs);
    answer.highWatermark = p.highWatermark;
    if (validation.kind === 'error') return { ...answer, errorCode: validation.errorCode };
    if (validation.kind === 'diverging') return { ...answer, divergingEpoch: { epoch: validation.epoch, endOffset: validation.endOffset } };
    if (fetch.fetchOffset < p.logEndOffset) {
      const { records } = p.log.read(fetch.fetchOffset, FETCH_MAX_BYTES, p.logEndOffset, true);
      // The wire copies: nothing the follower does may touch the leader's bytes.
      answer.records = records === null ? null : Buffer.from(records);
    }
    return answer;
  }

  private applyFetch(b: Broker, id: number, brokerEpoch: bigint, leaderId: number, fetch: FollowerFetch, answer: LeaderAnswer): void {
    // Only the answer to the request outstanding counts (one connection, one fetch in flight, as the fetcher has).
    if (b.fetchInFlight?.id !== id) return;
    b.fetchInFlight = null;
    const p = b.partition;
    // A stale answer: another incarnation, another leadership, or a log that moved since it was asked.
    if (p === null || b.epoch !== brokerEpoch || p.isLeader || p.leaderId !== leaderId || p.leaderEpoch !== fetch.currentLeaderEpoch) return;
    if (p.logEndOffset !== fetch.fetchOffset || p.log.leaderEpochCache.latestEpoch !== fetch.lastFetchedEpoch) return;
    const action = this.core.followerAction(p, fetch.fetchOffset, answer);
    switch (action.kind) {
      case 'append':
        if (action.records !== null && action.records.length > 0) p.appendAsFollower(action.records);
        p.updateFollowerHighWatermark(action.highWatermark);
        break;
      case 'truncate':
        this.stats.truncations++;
        this.trace(`broker ${b.id} truncates ${p.logEndOffset} → ${action.offset}: ${action.reason}`);
        p.truncateTo(action.offset);
        break;
      case 'restartAt':
        this.stats.truncations++;
        p.truncateFullyAndStartAt(action.offset);
        break;
      case 'backoff': case 'awaitMetadata':
        break;
    }
  }

  /** A produce request at a broker: the replica manager's appendRecords, step for step. */
  private produce(
    b: Broker, bytes: Buffer, acks: number, respond: (errorCode: number, baseOffset: number) => void, origin: 'client' | 'coordinator' = 'client',
  ): void {
    const p = b.partition!;
    if (!p.isLeader) return respond(ErrorCode.NOT_LEADER_OR_FOLLOWER, -1);
    if (acks === -1 && p.isr.length < this.config.minInsyncReplicas) return respond(ErrorCode.NOT_ENOUGH_REPLICAS, -1);
    const result = p.appendAsLeader(Buffer.from(bytes), this.nowMs, false, origin);
    if (result.kind === 'error') return respond(result.errorCode, -1);
    if (result.kind === 'duplicate') this.stats.duplicatesAnswered++;
    const required = this.core.requiredOffsetOf(result);
    if (acks !== -1 || required === null) return respond(ErrorCode.NONE, result.firstOffset);
    const base = result.firstOffset;
    b.waits.push({
      required, leaderEpoch: p.leaderEpoch, deadlineTick: this.tick + REQUEST_TIMEOUT_TICKS,
      respond: (errorCode) => respond(errorCode, errorCode === ErrorCode.NONE ? base : -1),
    });
    // Alone in the ISR (or a duplicate of a committed batch) it may be answerable at once.
    this.checkWaits(b);
  }

  // ---- the controller -------------------------------------------------------------------------

  private controllerTick(): void {
    this.control.expireSessions(this.tick);
    // Brokers learn committed metadata by fetching the metadata log: with some delay, and not across a cut.
    for (const b of this.brokers.values()) {
      if (!b.alive || !this.rng.chance(0.5)) continue;
      const state = this.control.snapshot();
      this.send(CONTROLLER, b.id, () => this.applyMetadata(b, state));
    }
  }

  private applyMetadata(b: Broker, state: ControllerPartition): void {
    if (state.partitionEpoch <= b.known.partitionEpoch && state.leaderEpoch <= b.known.leaderEpoch) return;
    b.known = state;
    if (!b.alive || b.partition === null) return;
    const wasLeader = b.partition.isLeader;
    b.partition.applyState(stateOf(state), this.nowMs);
    if (wasLeader && !b.partition.isLeader) {
      // Leadership moved: the writes waiting here get NOT_LEADER_OR_FOLLOWER.
      this.checkWaits(b);
    }
  }

  // ---- clients --------------------------------------------------------------------------------

  /** The broker a client believes leads: the controller's answer, sometimes stale. */
  private clientLeader(): number {
    const leader = this.control.leader;
    if (leader < 0 || this.rng.chance(0.1)) return this.rng.pick(BROKERS);
    return leader;
  }

  private producerTick(): void {
    if (this.producerRequest !== null) {
      if (this.tick - this.producerRequest.sentTick < REQUEST_TIMEOUT_TICKS + 2) return;
      // request.timeout.ms: the client gives up on the request and retries the same batch.
      this.stats.timeouts++;
      this.producerRequest = null;
    }
    if (this.tick < this.producerBackoffUntil) return;
    if (this.producerBatch === null) {
      const n = this.rng.int(1, 3);
      const ids = Array.from({ length: n }, (_, i) => `p${this.producerBatchNo}-${i}`);
      this.producerBatchNo++;
      const bytes = buildRecordBatch(ids.map((id) => ({ key: null, value: Buffer.from(id), timestamp: BigInt(this.nowMs) })), {
        producerId: this.producerId, producerEpoch: 0, baseSequence: this.producerSeq,
      });
      this.producerBatch = { ids, seq: this.producerSeq, bytes };
    }
    const batch = this.producerBatch;
    const request = { id: this.nextMessageId++, sentTick: this.tick };
    this.producerRequest = request;
    const to = this.clientLeader();
    this.send(CLIENT, to, () => {
      this.produce(this.brokers.get(to)!, batch.bytes, -1, (errorCode, baseOffset) => {
        this.send(to, CLIENT, () => this.producerAnswer(request, batch, errorCode, baseOffset));
      });
    });
  }

  private producerAnswer(request: ClientRequest, batch: { ids: string[]; seq: number; bytes: Buffer }, errorCode: number, baseOffset: number): void {
    if (this.producerRequest?.id !== request.id || this.producerBatch !== batch) return;
    this.producerRequest = null;
    if (errorCode === ErrorCode.NONE) {
      batch.ids.forEach((id, i) => this.acked.push({ offset: baseOffset + i, id, what: 'produce' }));
      this.stats.acked += batch.ids.length;
      this.trace(`producer: ${batch.ids.join(',')} acked at ${baseOffset}`);
      this.producerSeq += batch.ids.length;
      this.producerBatch = null;
      return;
    }
    if (errorCode === ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER || errorCode === ErrorCode.UNKNOWN_PRODUCER_ID || errorCode === ErrorCode.INVALID_PRODUCER_EPOCH) {
      // A fatal idempotence error: the application starts a new producer; unacked records are sent again under new ids.
      this.stats.producerResets++;
      this.trace(`producer: error ${errorCode}, new producer id`);
      this.producerId++;
      this.producerSeq = 0;
      this.producerBatch = null;
      return;
    }
    this.producerBackoffUntil = this.tick + 2;
  }

  private committerTick(): void {
    if (this.commitRequest !== null) {
      if (this.tick - this.commitRequest.sentTick < REQUEST_TIMEOUT_TICKS + 2) return;
      this.commitRequest = null;
    }
    if (!this.rng.chance(0.3)) return;
    this.commitBatch ??= this.nextCommitWrite();
    const batch = this.commitBatch;
    const request = { id: this.nextMessageId++, sentTick: this.tick };
    this.commitRequest = request;
    const to = this.clientLeader();
    this.send(CLIENT, to, () => {
      this.produce(this.brokers.get(to)!, batch.bytes, this.core.coordinatorAcks(), (errorCode, baseOffset) => {
        this.send(to, CLIENT, () => {
          if (this.commitRequest?.id !== request.id) return;
          this.commitRequest = null;
          if (errorCode !== ErrorCode.NONE) return;
          this.acked.push({ offset: baseOffset, id: batch.ids[0]!, what: batch.marker ? 'transaction marker' : 'offset commit' });
          if (!batch.marker) this.stats.commitsAcked++;
          // A new write each time: the committer moves on once one is acknowledged.
          this.commitMarkerDue = !batch.marker;
          this.commitBatch = null;
        });
      }, 'coordinator');
    });
  }

  /** A transactional offset commit (no sequence, as the group coordinator writes it), or the marker that ends its transaction. */
  private nextCommitWrite(): { ids: string[]; bytes: Buffer; marker: boolean } {
    const producer = { producerId: COMMITTER_PRODUCER_ID, producerEpoch: 0 };
    if (this.commitMarkerDue) {
      const type = this.rng.chance(0.5) ? ControlRecordType.ABORT : ControlRecordType.COMMIT;
      return { ids: [CONTROL_ID], bytes: buildEndTxnMarkerBatch({ type, coordinatorEpoch: 0 }, BigInt(this.nowMs), producer), marker: true };
    }
    const id = `c${this.commitNo++}`;
    const record = { key: Buffer.from('g'), value: Buffer.from(id), timestamp: BigInt(this.nowMs) };
    return { ids: [id], bytes: buildRecordBatch([record], { ...producer, baseSequence: -1, isTransactional: true }), marker: false };
  }

  // ---- invariants -----------------------------------------------------------------------------

  private fail(message: string): never {
    throw new InvariantViolation(`seed ${this.options.seed} tick ${this.tick}: ${message}`);
  }

  /** The broker that leads by the controller's latest word and knows it. */
  private currentLeader(): Broker | null {
    const c = this.control;
    const b = c.leader > 0 ? this.brokers.get(c.leader)! : null;
    if (b === null || !b.alive || b.partition === null || !b.partition.isLeader || b.partition.leaderEpoch !== c.leaderEpoch) return null;
    return b;
  }

  private checkInvariants(): void {
    for (const b of this.brokers.values()) {
      const p = b.partition;
      if (p === null || !p.isLeader) continue;
      const previous = b.hwByEpoch.get(p.leaderEpoch);
      if (previous !== undefined && p.highWatermark < previous) this.fail(`leader ${b.id} high watermark went back from ${previous} to ${p.highWatermark} in epoch ${p.leaderEpoch}`);
      b.hwByEpoch.set(p.leaderEpoch, p.highWatermark);
      const lso = p.lastStableOffset;
      const previousLso = b.lsoByEpoch.get(p.leaderEpoch);
      if (lso > p.highWatermark) this.fail(`leader ${b.id} last stable offset ${lso} is above its high watermark ${p.highWatermark}`);
      if (previousLso !== undefined && lso < previousLso) this.fail(`leader ${b.id} last stable offset went back from ${previousLso} to ${lso} in epoch ${p.leaderEpoch}`);
      b.lsoByEpoch.set(p.leaderEpoch, lso);
      this.committedEnd = Math.max(this.committedEnd, p.highWatermark);
    }
    const leader = this.currentLeader();
    if (leader === null) return;
    if (this.tick % READ_COMMITTED_CHECK_TICKS === 0) this.checkReadCommitted(leader);
    const log = leader.log;
    // Appends never change what an offset holds; only a cut or another log can: then every acknowledged write is
    // checked again, else only those acknowledged since the last check.
    if (log !== this.ackedCheckedLog || log.cuts !== this.ackedCheckedCuts) {
      this.ackedCheckedLog = log;
      this.ackedCheckedCuts = log.cuts;
      this.ackedChecked = 0;
    }
    for (let i = this.ackedChecked; i < this.acked.length; i++) {
      const a = this.acked[i]!;
      const id = log.idAt(a.offset);
      if (id !== a.id) this.fail(`${a.what} ${a.id} acknowledged at offset ${a.offset} is missing from leader ${leader.id} (offset holds ${id ?? 'nothing'})`);
    }
    this.ackedChecked = this.acked.length;
    const hw = leader.partition!.highWatermark;
    const expected = log.prefixHash(hw);
    for (const id of this.control.isr) {
      const m = this.brokers.get(id)!;
      if (m === leader || !m.alive) continue;
      const got = m.log.prefixHash(hw);
      if (got !== expected) this.fail(`in-sync replica ${id} does not hold leader ${leader.id}'s log up to its high watermark ${hw} (its log ends at ${m.log.logEndOffset})`);
    }
  }

  private checkReadCommitted(leader: Broker): void {
    const problem = readCommittedProblem(leader.log, leader.partition!.lastStableOffset, this.committedEnd);
    if (problem !== null) this.fail(`leader ${leader.id}: ${problem}`);
  }

  private checkConverged(): void {
    const leader = this.currentLeader();
    if (leader === null) this.fail('no leader after the calm phase');
    this.checkReadCommitted(leader);
    const end = leader.log.logEndOffset;
    for (const b of this.brokers.values()) {
      if (b.log.logEndOffset !== end || b.log.prefixHash(end) !== leader.log.prefixHash(end)) {
        this.fail(`replica ${b.id} (log end ${b.log.logEndOffset}) did not converge on leader ${leader.id} (log end ${end})`);
      }
    }
    if (!this.fullIsrWhileQuiet) this.fail(`ISR [${this.control.isr.join(',')}] did not grow back after the calm phase`);
    const seen = new Set<string>();
    for (const id of leader.log.allIds()) {
      if (id.startsWith('p') && seen.has(id)) this.fail(`producer record ${id} is in the log twice`);
      seen.add(id);
    }
  }
}

function stateOf(c: ControllerPartition): { leaderId: number; leaderEpoch: number; partitionEpoch: number; replicas: readonly number[]; isr: readonly number[] } {
  return { leaderId: c.leader, leaderEpoch: c.leaderEpoch, partitionEpoch: c.partitionEpoch, replicas: c.replicas, isr: [...c.isr] };
}
