/**
 * The thin loop around the pure Raft core: it turns wall-clock time into
 * ticks, hands the core what arrives from peers, and carries out each Ready
 * in the order the core requires — persist (fsync), then send, then apply
 * committed entries to the state machine. Proposals resolve once their entry
 * is committed and applied here, so a caller reading the state machine
 * afterwards sees its own write.
 */
import { RaftNode, type Entry, type Message, type QuorumStatus, type Snapshot } from './core/index.ts';
import type { MetadataLogStore } from './metadata-log-store.ts';

/** What the log replicates into: the metadata image, in Samsa. */
export interface StateMachine {
  /** Applies one committed entry; control entries come too, for their offsets. */
  apply(entry: Entry): void;
  /** Replaces the whole state with a snapshot's. */
  restore(snapshot: Snapshot): void;
  /** The state as of the last applied entry, serialized as snapshot data. */
  capture(): Buffer;
  /**
   * Called once, when everything the quorum had committed when this node
   * first heard from a leader is applied: from then on the state is current,
   * before it may be one a restart brought back from the local log.
   */
  caughtUp(): void;
}

/** Carries the core's requests to peers; their answers come back through `QuorumDriver.receive`. */
export interface PeerTransport {
  send(message: Message): void;
  close(): void;
}

export interface QuorumDriverOptions {
  nodeId: number;
  voters: readonly number[];
  store: MetadataLogStore;
  stateMachine: StateMachine;
  tickMs: number;
  electionTimeoutMs: number;
  fetchTimeoutMs: number;
  /** metadata.log.max.record.bytes.between.snapshots */
  snapshotEveryBytes: number;
  /** Encodes the LeaderChangeMessage a new leader writes first. */
  leaderChangeRecord(epoch: number, leaderId: number): Buffer;
  random?: () => number;
  log(line: string): void;
}

export class NotLeaderError extends Error {
  readonly code = 'SAMSA_ERR_NOT_LEADER';
  readonly leaderId: number | null;
  constructor(leaderId: number | null, message = 'this node is not the quorum leader') {
    super(message);
    this.leaderId = leaderId;
  }
}

interface PendingProposal {
  baseOffset: number;
  epoch: number;
  lastOffset: number;
  resolve(lastOffset: number): void;
  reject(error: Error): void;
}

type LeaderListener = (status: QuorumStatus) => void;

/** A parked fetch is answered within this many ticks; the peer's request timeout must exceed it. */
const FETCH_MAX_WAIT_TICKS = 10;
const FETCH_MAX_RECORDS = 5000;
const SNAPSHOT_CHUNK_BYTES = 1024 * 1024;
/** A Ready loop that does not drain after this many rounds is a core bug, not load. */
const READY_ROUNDS_MAX = 10_000;
const RESPONSE_TYPE: Partial<Record<Message['type'], Message['type']>> = {
  vote: 'voteResponse',
  beginEpoch: 'beginEpochResponse',
  endEpoch: 'endEpochResponse',
  fetch: 'fetchResponse',
  fetchSnapshot: 'fetchSnapshotResponse',
};

export class QuorumDriver {
  private readonly options: QuorumDriverOptions;
  private node: RaftNode | null = null;
  private transport: PeerTransport | null = null;
  private timer: NodeJS.Timeout | null = null;
  private pending: PendingProposal[] = [];
  /** Inbound requests waiting for the core's answer, by `<peer>:<response type>`. */
  private readonly waiters = new Map<string, { resolve(m: Message | null): void; timer: NodeJS.Timeout }>();
  private readonly leaderListeners: LeaderListener[] = [];
  private lastLeader: { leaderId: number | null; epoch: number; role: string } = { leaderId: null, epoch: -1, role: '' };
  private bytesSinceSnapshot = 0;
  private lastApplied: { offset: number; epoch: number } | null = null;
  private processing = false;
  /** Whether the state machine was told it caught up (once per lifetime). */
  private caughtUpTold = false;
  private stopped = false;

  constructor(options: QuorumDriverOptions) {
    this.options = options;
  }

  get nodeId(): number {
    return this.options.nodeId;
  }

  get isVoter(): boolean {
    return this.options.voters.includes(this.options.nodeId);
  }

  /** Loads the persisted state, restores the state machine from the newest snapshot, and starts ticking. */
  start(transport: PeerTransport): void {
    const o = this.options;
    this.transport = transport;
    const persisted = o.store.load();
    if (persisted.snapshot !== null) {
      o.stateMachine.restore(persisted.snapshot);
      this.lastApplied = { offset: persisted.snapshot.id.offset - 1, epoch: persisted.snapshot.id.epoch };
    }
    this.node = new RaftNode({
      nodeId: o.nodeId,
      voters: o.voters,
      electionTimeoutTicks: Math.max(1, Math.round(o.electionTimeoutMs / o.tickMs)),
      fetchTimeoutTicks: Math.max(2, Math.round(o.fetchTimeoutMs / o.tickMs)),
      fetchMaxWaitTicks: FETCH_MAX_WAIT_TICKS,
      fetchMaxRecords: FETCH_MAX_RECORDS,
      snapshotChunkBytes: SNAPSHOT_CHUNK_BYTES,
      random: o.random ?? Math.random,
      leaderChangeRecord: o.leaderChangeRecord,
    }, persisted);
    // A sole voter need not wait out an election timeout: nobody else could win.
    if (o.voters.length === 1 && o.voters[0] === o.nodeId) this.node.campaign();
    this.process();
    this.timer = setInterval(() => this.tick(), o.tickMs);
    this.timer.unref();
  }

  /** The longest a parked fetch waits; peers' request timeouts must be longer. */
  get fetchMaxWaitMs(): number {
    return FETCH_MAX_WAIT_TICKS * this.options.tickMs;
  }

  private tick(): void {
    if (this.node === null || this.stopped) return;
    this.node.tick();
    this.process();
  }

  status(): QuorumStatus {
    return this.core().status();
  }

  isLeader(): boolean {
    return this.node !== null && this.node.status().role === 'leader';
  }

  leaderId(): number | null {
    return this.node?.status().leaderId ?? null;
  }

  /** Called after every change of leader, epoch or role. */
  onLeaderChange(listener: LeaderListener): void {
    this.leaderListeners.push(listener);
  }

  /** Appends the values as one entry; resolves with its last offset once it is committed and applied. */
  propose(values: Buffer[]): Promise<number> {
    if (this.stopped) return Promise.reject(new NotLeaderError(null, 'the metadata quorum is stopped'));
    const result = this.core().propose(values);
    if (!result.ok) return Promise.reject(new NotLeaderError(result.leaderId));
    const promise = new Promise<number>((resolve, reject) => {
      this.pending.push({
        baseOffset: result.baseOffset, epoch: result.epoch, lastOffset: result.baseOffset + values.length - 1, resolve, reject,
      });
    });
    this.process();
    return promise;
  }

  /**
   * An inbound request from a peer. Resolves with the core's answer, or
   * null when none comes (the peer's own timeout then takes over).
   */
  request(message: Message): Promise<Message | null> {
    const responseType = RESPONSE_TYPE[message.type];
    if (this.node === null || this.stopped || responseType === undefined) return Promise.resolve(null);
    const key = `${message.from}:${responseType}`;
    this.waiters.get(key)?.resolve(null);
    const answered = new Promise<Message | null>((resolve) => {
      const timer = setTimeout(() => finish(null), this.options.fetchTimeoutMs + this.fetchMaxWaitMs);
      timer.unref();
      const finish = (m: Message | null): void => {
        if (this.waiters.get(key)?.timer === timer) this.waiters.delete(key);
        clearTimeout(timer);
        resolve(m);
      };
      this.waiters.set(key, { resolve: finish, timer });
    });
    this.node.step(message);
    this.process();
    return answered;
  }

  /** An answer from a peer to one of this node's requests. */
  receive(message: Message): void {
    if (this.node === null || this.stopped) return;
    this.node.step(message);
    this.process();
  }

  /** Graceful hand-over before a planned stop: the other voters elect a successor at once. */
  resign(): void {
    if (this.node === null || !this.isLeader()) return;
    this.node.resign();
    this.process();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer !== null) clearInterval(this.timer);
    for (const w of [...this.waiters.values()]) w.resolve(null);
    this.failPending(new NotLeaderError(null, 'the metadata quorum is stopped'));
    this.transport?.close();
  }

  private core(): RaftNode {
    if (this.node === null) throw new Error('quorum driver not started');
    return this.node;
  }

  /** Drains the core's output. Re-entrant calls (a listener proposing) are folded into the running loop. */
  private process(): void {
    if (this.processing || this.node === null) return;
    this.processing = true;
    try {
      for (let rounds = 0; this.node.hasReady(); rounds++) {
        if (rounds >= READY_ROUNDS_MAX) throw new Error('raft core keeps producing output without end');
        this.handleReady();
      }
      if (!this.caughtUpTold && this.node.status().caughtUp) {
        this.caughtUpTold = true;
        this.options.stateMachine.caughtUp();
      }
      this.maybeSnapshot();
      this.notifyLeaderChange();
    } finally {
      this.processing = false;
    }
  }

  private handleReady(): void {
    const o = this.options;
    const ready = this.core().ready();
    o.store.persist(ready);
    if (ready.snapshot !== null) {
      o.stateMachine.restore(ready.snapshot);
      this.lastApplied = { offset: ready.snapshot.id.offset - 1, epoch: ready.snapshot.id.epoch };
      this.bytesSinceSnapshot = 0;
      o.log(`installed the leader's metadata snapshot at offset ${ready.snapshot.id.offset} (epoch ${ready.snapshot.id.epoch})`);
    }
    for (const m of ready.messages) {
      const waiter = this.waiters.get(`${m.to}:${m.type}`);
      if (waiter !== undefined) waiter.resolve(m);
      else if (RESPONSE_TYPE[m.type] !== undefined) this.transport?.send(m);
    }
    for (const entry of ready.committed) {
      o.stateMachine.apply(entry);
      this.lastApplied = { offset: entry.baseOffset + entry.records.length - 1, epoch: entry.epoch };
      for (const r of entry.records) this.bytesSinceSnapshot += r.length;
      this.settle(entry);
    }
    if (this.core().status().role !== 'leader') this.failPending(new NotLeaderError(this.core().status().leaderId));
  }

  /** Resolves the proposal this committed entry carries; fails those it overwrote. */
  private settle(entry: Entry): void {
    const entryEnd = entry.baseOffset + entry.records.length - 1;
    const keep: PendingProposal[] = [];
    for (const p of this.pending) {
      if (p.baseOffset === entry.baseOffset && p.epoch === entry.epoch) p.resolve(p.lastOffset);
      else if (p.baseOffset <= entryEnd) p.reject(new NotLeaderError(this.core().status().leaderId, 'the proposal was replaced by a new leader'));
      else keep.push(p);
    }
    this.pending = keep;
  }

  private failPending(error: Error): void {
    const failed = this.pending;
    this.pending = [];
    for (const p of failed) p.reject(error);
  }

  private maybeSnapshot(): void {
    if (this.bytesSinceSnapshot < this.options.snapshotEveryBytes || this.lastApplied === null) return;
    const id = { offset: this.lastApplied.offset + 1, epoch: this.lastApplied.epoch };
    const snapshot = { id, data: this.options.stateMachine.capture() };
    this.options.store.saveSnapshot(snapshot);
    this.core().snapshot(id, snapshot.data);
    this.bytesSinceSnapshot = 0;
    this.options.log(`metadata snapshot at offset ${id.offset} (epoch ${id.epoch}), ${snapshot.data.length} bytes`);
  }

  private notifyLeaderChange(): void {
    const s = this.core().status();
    if (s.leaderId === this.lastLeader.leaderId && s.epoch === this.lastLeader.epoch && s.role === this.lastLeader.role) return;
    this.lastLeader = { leaderId: s.leaderId, epoch: s.epoch, role: s.role };
    if (process.env.SAMSA_DEBUG_RAFT) this.options.log(`raft ${this.options.nodeId}: ${s.role} epoch ${s.epoch} leader ${s.leaderId} hw ${s.highWatermark} leo ${s.logEndOffset}`);
    for (const l of this.leaderListeners) l(s);
  }
}
