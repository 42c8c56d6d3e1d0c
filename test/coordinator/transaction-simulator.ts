/**
 * A seeded simulation of the transaction coordinator: the real
 * TransactionCoordinator class, driven by simulated transactional producers,
 * over the in-memory world of txn-sim-world.ts.
 *
 * Faults, all from the seed: state-log appends that fail or wait; the
 * coordinator crashing (a new incarnation loads the log at a higher leader
 * epoch; writes in flight may or may not have landed), or losing one
 * partition and loading it again, or living on as a zombie that still sends
 * markers for a while; markers lost, refused, or written with the answer
 * lost; producer id allocation failing; producers stalling past their
 * transaction timeout; two producer instances sharing a transactional id;
 * a topic deleted mid-transaction. Clients speak transaction version 1
 * (AddPartitionsToTxn, data verified by the partition leader) or 2 (EndTxn
 * v5, partitions added by the leader on the client's behalf).
 *
 * Invariants, after every step and at the end, after every fault has
 * stopped and every transaction was given time to finish:
 *   1 no torn transaction: a transaction's data gets one outcome everywhere;
 *   2 a commit acknowledged to the client is committed on every partition
 *     holding its data (an acknowledged abort is never committed);
 *   3 an instance fenced by a later InitProducerId answer never gets NONE
 *     for AddPartitions/EndTxn, and its data writes are refused;
 *   4 the (producer id, epoch) pairs handed out are unique per instance and
 *     never go back per transactional id;
 *   5 every logged record follows Kafka's transition table (the log checks);
 *   6 at the end nothing is Ongoing or Prepare*, and no partition holds
 *     undecided data;
 *   7 the coordinator's state of every id is the last record of the log.
 */
import { javaStringHashCode } from '../../src/coordinator/group/index.ts';
import {
  NO_PRODUCER_EPOCH, NO_PRODUCER_ID, TransactionCoordinator, TxnState, txnRecord, txnStateName,
  type TxnCoordinatorDeps, type TxnMarkerChannel, type TxnPartition,
} from '../../src/coordinator/transaction/index.ts';
import { ErrorCode } from '../../src/protocol/index.ts';
import { seededRandom } from '../helpers/random.ts';
import { DataPartition, Deliveries, InvariantViolation, StateLogStore, violated, type Outcome } from './txn-sim-world.ts';

export { InvariantViolation };

export type CoordinatorFactory = (deps: TxnCoordinatorDeps) => TransactionCoordinator;

export interface TxnSimOptions {
  seed: number;
  steps: number;
  makeCoordinator?: CoordinatorFactory;
  trace?: boolean;
}

export interface TxnSimStats {
  commitsAcked: number;
  abortsAcked: number;
  failovers: number;
  reloads: number;
  zombieCoordinators: number;
  fencedByInit: number;
  timeoutAborts: number;
  rotations: number;
  expirations: number;
  markersRefused: number;
  tv2Ends: number;
}

export function emptyTxnSimStats(): TxnSimStats {
  return {
    commitsAcked: 0, abortsAcked: 0, failovers: 0, reloads: 0, zombieCoordinators: 0, fencedByInit: 0, timeoutAborts: 0,
    rotations: 0, expirations: 0, markersRefused: 0, tv2Ends: 0,
  };
}

const STATE_PARTITIONS = 2;
const OFFSETS_PARTITIONS = 2;
const TOPICS: Record<string, number> = { t0: 3, t1: 2, gone: 2, __consumer_offsets: OFFSETS_PARTITIONS };
const MAX_TIMEOUT_MS = 8_000;
const HOT_ID = 'hot';
const HOT_PRODUCER_ID = 999n;
const QUIESCE_ROUNDS_MAX = 4_000;

const RETRIABLE = new Set<number>([
  ErrorCode.CONCURRENT_TRANSACTIONS, ErrorCode.NOT_COORDINATOR, ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
]);
const FENCED = new Set<number>([
  ErrorCode.PRODUCER_FENCED, ErrorCode.INVALID_PRODUCER_EPOCH, ErrorCode.INVALID_PRODUCER_ID_MAPPING, ErrorCode.INVALID_TXN_STATE,
]);

type Step =
  | { kind: 'init' }
  | { kind: 'add'; partitions: TxnPartition[] }
  | { kind: 'write'; partition: TxnPartition }
  | { kind: 'offsets' }
  | { kind: 'end'; commit: boolean };

interface SimTxn {
  readonly id: number;
  readonly partitions: TxnPartition[];
  added: boolean;
  readonly toWrite: TxnPartition[];
  offsets: boolean;
  commit: boolean;
  ending: boolean;
}

/** One producer instance (a process with a transactional.id); a restart is a new instance. */
class Producer {
  producerId = NO_PRODUCER_ID;
  producerEpoch = NO_PRODUCER_EPOCH;
  busy = false;
  sleepUntilMs = 0;
  txn: SimTxn | null = null;
  /** Use KIP-360's producer id and epoch on the next InitProducerId. */
  reinitWithId = false;

  readonly name: string;
  readonly transactionalId: string;
  readonly transactionVersion: number;
  readonly timeoutMs: number;

  constructor(name: string, transactionalId: string, transactionVersion: number, timeoutMs: number) {
    this.name = name;
    this.transactionalId = transactionalId;
    this.transactionVersion = transactionVersion;
    this.timeoutMs = timeoutMs;
  }

  get initialised(): boolean {
    return this.producerEpoch !== NO_PRODUCER_EPOCH;
  }
}

export class TxnSimulation {
  readonly stats = emptyTxnSimStats();
  readonly traceLines: string[] = [];
  private readonly rng: () => number;
  private readonly deliveries = new Deliveries();
  private readonly store: StateLogStore;
  private readonly partitions = new Map<string, DataPartition>();
  private readonly producers: Producer[] = [];
  private coordinator!: TransactionCoordinator;
  private zombie: TransactionCoordinator | null = null;
  private incarnation = 0;
  private nowMs = 0;
  private step = 0;
  private nextProducerId = 1000n;
  private nextSimTxn = 1;
  private quiescing = false;
  /** simTxn → outcome seen at some partition. */
  private readonly outcomes = new Map<number, boolean>();
  /** simTxn → partitions its accepted data went to. */
  private readonly written = new Map<number, Set<string>>();
  private readonly acked = new Map<number, boolean>();
  /** transactional id → (producer id, epoch) answers in order; "pid/epoch" → instance given it. */
  private readonly handedOut = new Map<string, { producerId: bigint; producerEpoch: number }[]>();
  private readonly pairOwner = new Map<string, Producer>();
  /** "pid/epoch" → the step a later InitProducerId answer fenced it. */
  private readonly pairFencedAtStep = new Map<string, number>();
  /** A violation found inside a promise continuation, thrown at the next check. */
  private failure: Error | null = null;
  private readonly makeCoordinator: CoordinatorFactory;
  private readonly versions = new Map<string, number>();

  private readonly options: TxnSimOptions;

  constructor(options: TxnSimOptions) {
    this.options = options;
    this.rng = seededRandom(options.seed);
    this.makeCoordinator = options.makeCoordinator ?? ((deps) => new TransactionCoordinator(deps));
    this.store = new StateLogStore(STATE_PARTITIONS, this.deliveries, this.rng, 0.05 + this.rng() * 0.15);
    for (const [topic, count] of Object.entries(TOPICS)) {
      for (let partition = 0; partition < count; partition++) {
        const p = new DataPartition({ topic, partition }, (o) => this.onOutcome(o));
        this.partitions.set(p.name, p);
      }
    }
    this.seedHotId();
    const ids = ['a', 'b', 'c', HOT_ID];
    let n = 0;
    for (const id of ids) {
      const instances = 1 + (this.rng() < 0.5 ? 1 : 0);
      for (let i = 0; i < instances; i++) this.producers.push(this.newProducer(`${id}#${n++}`, id));
    }
    this.startCoordinator();
  }

  /**
   * Every instance of one transactional id speaks the same transaction
   * version, as one application deployed twice would. (Mixed, a TV2
   * zombie's EndTxn at epoch e against an id a TV1 instance moved to e+1
   * passes for a retry and is answered NONE, in Kafka too.)
   */
  private newProducer(name: string, transactionalId: string): Producer {
    let tv = this.versions.get(transactionalId);
    if (tv === undefined) this.versions.set(transactionalId, tv = this.rng() < 0.5 ? 2 : 1);
    return new Producer(name, transactionalId, tv, 1500 + Math.floor(this.rng() * 4500));
  }

  /** An id close to the end of its epochs, so that producer id rotation happens. */
  private seedHotId(): void {
    const partition = Math.abs(javaStringHashCode(HOT_ID) & 0x7fffffff) % STATE_PARTITIONS;
    this.store.append(partition, [txnRecord(HOT_ID, {
      producerId: HOT_PRODUCER_ID, previousProducerId: NO_PRODUCER_ID, nextProducerId: NO_PRODUCER_ID, producerEpoch: 32_762,
      lastProducerEpoch: NO_PRODUCER_EPOCH, timeoutMs: 1000, state: TxnState.Empty, partitions: [], startTimeMs: -1, lastUpdateTimeMs: 0,
      clientTransactionVersion: 0,
    })]);
  }

  private trace(line: string): void {
    if (this.options.trace) this.traceLines.push(`s${this.step} t${this.nowMs} ${line}`);
  }

  // ---- the coordinator and its world -----------------------------------------------------------

  private deps(incarnation: number): TxnCoordinatorDeps {
    return {
      config: {
        transactionMaxTimeoutMs: MAX_TIMEOUT_MS, transactionalIdExpirationMs: 15_000,
        abortTimedOutTransactionCleanupIntervalMs: 1_000, removeExpiredTransactionalIdCleanupIntervalMs: 3_000,
      },
      log: this.store.view(incarnation),
      markers: this.markerChannel(),
      allocateProducerId: () => new Promise((resolve) => this.deliveries.push('allocate', () => {
        if (this.rng() < 0.05) return resolve({ errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, producerId: NO_PRODUCER_ID });
        resolve({ errorCode: ErrorCode.NONE, producerId: this.nextProducerId++ });
      })),
      offsetsPartitionFor: (groupId) => (javaStringHashCode(groupId) & 0x7fffffff) % OFFSETS_PARTITIONS,
      topicExists: (topic) => topic in TOPICS && !(this.partitions.get(`${topic}-0`)?.deleted ?? true),
      clock: { nowMs: () => this.nowMs },
      logLine: (line) => {
        if (line.includes('timed out')) this.stats.timeoutAborts++;
        if (line.endsWith(' expired')) this.stats.expirations++;
        this.trace(`coordinator#${incarnation}: ${line}`);
      },
    };
  }

  private markerChannel(): TxnMarkerChannel {
    return {
      write: (req) => new Promise((resolve) => this.deliveries.push(`markers pid ${req.producerId}`, () => {
        const results: { topic: string; partition: number; errorCode: number }[] = [];
        for (const t of req.topics) {
          for (const partition of t.partitions) {
            const p = this.partitions.get(`${t.topic}-${partition}`);
            let errorCode: number;
            const fault = this.rng();
            if (p === undefined) errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
            else if (fault < 0.1) errorCode = [ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.REQUEST_TIMED_OUT, ErrorCode.NOT_ENOUGH_REPLICAS][Math.floor(this.rng() * 3)]!;
            else {
              errorCode = p.applyMarker(req.producerId, req.producerEpoch, req.coordinatorEpoch, req.committed, req.transactionVersion);
              // Written, but the answer is lost: the coordinator will send it again.
              if (errorCode === ErrorCode.NONE && fault < 0.15) errorCode = ErrorCode.REQUEST_TIMED_OUT;
            }
            if (errorCode === ErrorCode.TRANSACTION_COORDINATOR_FENCED || errorCode === ErrorCode.INVALID_PRODUCER_EPOCH) this.stats.markersRefused++;
            results.push({ topic: t.topic, partition, errorCode });
          }
        }
        this.trace(`markers pid ${req.producerId} epoch ${req.producerEpoch} ce ${req.coordinatorEpoch} ${req.committed ? 'commit' : 'abort'}: ${results.map((r) => `${r.topic}-${r.partition}=${r.errorCode}`).join(' ')}`);
        resolve(results);
      })),
    };
  }

  private startCoordinator(): void {
    this.incarnation++;
    this.coordinator = this.makeCoordinator(this.deps(this.incarnation));
    this.coordinator.load(this.nowMs);
  }

  /** The coordinator's node dies or loses leadership: a new incarnation loads the log at a higher epoch. */
  private failover(): void {
    this.stats.failovers++;
    const old = this.coordinator;
    this.store.bumpEpochs([...Array(STATE_PARTITIONS).keys()], this.incarnation + 1);
    if (this.zombie !== null) this.zombie.shutdown();
    this.zombie = null;
    if (!this.quiescing && this.rng() < 0.4) {
      this.stats.zombieCoordinators++;
      this.zombie = old;
      this.trace(`failover: coordinator#${this.incarnation} lives on as a zombie`);
    } else {
      old.shutdown();
      this.trace(`failover: coordinator#${this.incarnation} crashed`);
    }
    this.startCoordinator();
  }

  private reloadOne(): void {
    this.stats.reloads++;
    const partition = Math.floor(this.rng() * STATE_PARTITIONS);
    this.store.bumpEpochs([partition], this.incarnation);
    this.trace(`partition ${partition} moves away and back`);
    this.coordinator.load(this.nowMs);
  }

  // ---- running -----------------------------------------------------------------------------------

  async run(): Promise<TxnSimStats> {
    for (this.step = 1; this.step <= this.options.steps; this.step++) {
      this.randomAction();
      await drain();
      this.checkStep();
    }
    await this.quiesce();
    this.checkEnd();
    return this.stats;
  }

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.rng() * items.length)]!;
  }

  private randomAction(): void {
    const r = this.rng();
    const queue = this.deliveries.queue;
    if (r < 0.45 && queue.length > 0) {
      this.deliver();
    } else if (r < 0.75) {
      this.producerStep(this.pick(this.producers));
    } else if (r < 0.985) {
      this.advance(this.rng() < 0.97 ? 1 + Math.floor(this.rng() * 100) : 500 + Math.floor(this.rng() * 3000));
    } else {
      this.fault();
    }
  }

  private deliver(): void {
    const d = this.deliveries.take(Math.floor(this.rng() * this.deliveries.queue.length));
    d.run();
  }

  private advance(ms: number): void {
    this.nowMs += ms;
    for (const c of [this.coordinator, this.zombie]) {
      const due = c?.nextDeadlineMs() ?? null;
      if (c !== null && due !== null && due <= this.nowMs) c.tick(this.nowMs);
    }
  }

  private fault(): void {
    const r = this.rng();
    if (r < 0.25) this.failover();
    else if (r < 0.5) this.reloadOne();
    else if (r < 0.65 && this.zombie !== null) {
      this.trace('the zombie coordinator stops');
      this.zombie.shutdown();
      this.zombie = null;
    } else if (r < 0.7 && !this.partitions.get('gone-0')!.deleted) {
      this.trace('topic gone is deleted');
      for (const p of this.partitions.values()) if (p.tp.topic === 'gone') p.deleted = true;
    } else if (r < 0.8) {
      const p = this.pick(this.producers);
      this.trace(`${p.name} is replaced by a new instance`);
      this.restart(p);
    }
  }

  private async quiesce(): Promise<void> {
    this.quiescing = true;
    this.trace('quiesce: no more faults, no new transactions');
    this.zombie?.shutdown();
    this.zombie = null;
    for (let round = 0; round < QUIESCE_ROUNDS_MAX; round++) {
      for (let n = this.deliveries.queue.length * 4 + 10; n > 0 && this.deliveries.queue.length > 0; n--) {
        this.deliver();
        await drain();
      }
      if (this.failure !== null) throw this.failure;
      if (this.deliveries.queue.length === 0 && this.settled()) return;
      this.advance(500);
      await drain();
    }
  }

  private settled(): boolean {
    const open = this.coordinator.listTransactions({ states: ['Ongoing', 'PrepareCommit', 'PrepareAbort', 'PrepareEpochFence'], producerIds: [], durationFilterMs: -1 });
    if (open.transactions.length > 0) return false;
    for (const p of this.partitions.values()) if (!p.deleted && p.undecided().length > 0) return false;
    return true;
  }

  // ---- producers -------------------------------------------------------------------------------

  private restart(p: Producer): void {
    const i = this.producers.indexOf(p);
    if (i < 0) return;
    this.producers[i] = this.newProducer(`${p.transactionalId}#${this.step}`, p.transactionalId);
  }

  /** A client request: it reaches whichever coordinator leads now, and its answer travels back. */
  private request<T>(p: Producer, label: string, call: (c: TransactionCoordinator) => Promise<T>,
    decided: (result: T, arrivedAtStep: number) => void, answered: (result: T) => void): void {
    p.busy = true;
    this.deliveries.push(`${p.name} ${label}`, () => {
      const arrivedAtStep = this.step;
      void call(this.coordinator).then((result) => {
        this.guarded(() => decided(result, arrivedAtStep));
        this.deliveries.push(`${p.name} ${label} answer`, () => {
          p.busy = false;
          this.trace(`${p.name} ${label} → ${JSON.stringify(result, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v))}`);
          answered(result);
        });
      }, (e: unknown) => this.guarded(() => { throw e; }));
    });
  }

  /** Keeps the first failure of a continuation for the driver, which cannot see its throw. */
  private guarded(f: () => void): void {
    try {
      f();
    } catch (e) {
      this.failure ??= e as Error;
    }
  }

  private producerStep(p: Producer): void {
    if (p.busy || p.sleepUntilMs > this.nowMs) return;
    if (this.quiescing) return;
    const stall = this.rng();
    if (stall < 0.02) {
      // Now and then long enough for the transaction to time out, rarely long enough for the id to expire.
      p.sleepUntilMs = this.nowMs + (stall < 0.002 ? 20_000 : 500) + Math.floor(this.rng() * 6000);
      this.trace(`${p.name} stalls until t${p.sleepUntilMs}`);
      return;
    }
    if (!p.initialised || p.reinitWithId) return this.init(p);
    if (p.txn === null) p.txn = this.planTxn();
    const txn = p.txn;
    if (!txn.ending && this.rng() < 0.03) {
      txn.commit = false;
      txn.ending = true;
    }
    if (!txn.ending && p.transactionVersion < 2 && !txn.added) return this.addPartitions(p, txn);
    if (!txn.ending && txn.toWrite.length > 0) return this.writeData(p, txn, txn.toWrite[0]!);
    if (!txn.ending && txn.offsets) return this.addOffsets(p, txn);
    txn.ending = true;
    this.endTxn(p, txn);
  }

  private planTxn(): SimTxn {
    const all = [...this.partitions.values()].filter((d) => d.tp.topic !== '__consumer_offsets').map((d) => d.tp);
    const chosen = new Map<string, TxnPartition>();
    for (let n = 1 + Math.floor(this.rng() * 3); n > 0; n--) {
      const tp = this.pick(all);
      chosen.set(`${tp.topic}-${tp.partition}`, tp);
    }
    const partitions = [...chosen.values()];
    return {
      id: this.nextSimTxn++, partitions, added: false, toWrite: [...partitions], offsets: this.rng() < 0.3,
      commit: this.rng() < 0.7, ending: false,
    };
  }

  private init(p: Producer): void {
    const withId = p.reinitWithId && p.initialised;
    this.request(p, 'InitProducerId', (c) => c.initProducerId({
      transactionalId: p.transactionalId, transactionTimeoutMs: p.timeoutMs,
      producerId: withId ? p.producerId : NO_PRODUCER_ID, producerEpoch: withId ? p.producerEpoch : NO_PRODUCER_EPOCH,
    }), (r) => {
      if (r.errorCode === ErrorCode.NONE) this.handOut(p, r.producerId, r.producerEpoch, true);
    }, (r) => {
      if (r.errorCode === ErrorCode.NONE) {
        if (p.initialised && r.producerId !== p.producerId) this.stats.rotations++;
        p.producerId = r.producerId;
        p.producerEpoch = r.producerEpoch;
        p.reinitWithId = false;
        p.txn = null;
      } else if (!RETRIABLE.has(r.errorCode)) {
        if (!FENCED.has(r.errorCode)) violated(`${p.name}: InitProducerId answered ${r.errorCode}`);
        this.restart(p);
      }
    });
  }

  /** Invariant 4, and the fence point of invariant 3: a pair is newer than every earlier one of its id and owned by one instance. */
  private handOut(p: Producer, producerId: bigint, producerEpoch: number, byInit: boolean): void {
    const key = `${producerId}/${producerEpoch}`;
    const owner = this.pairOwner.get(key);
    if (owner !== undefined && owner !== p) violated(`${key} handed to ${owner.name} and to ${p.name}`);
    let list = this.handedOut.get(p.transactionalId);
    if (list === undefined) this.handedOut.set(p.transactionalId, list = []);
    const last = list.at(-1);
    if (last !== undefined && !(producerId === last.producerId ? producerEpoch >= last.producerEpoch : producerId > last.producerId)) {
      violated(`${p.transactionalId}: handed out ${key} after ${last.producerId}/${last.producerEpoch}`);
    }
    if (byInit) {
      // Every pair handed out before this InitProducerId answer is fenced from now on.
      for (const earlier of list) {
        const k = `${earlier.producerId}/${earlier.producerEpoch}`;
        if (k !== key && !this.pairFencedAtStep.has(k)) {
          this.pairFencedAtStep.set(k, this.step);
          this.stats.fencedByInit++;
        }
      }
    }
    list.push({ producerId, producerEpoch });
    this.pairOwner.set(key, p);
  }

  /** Invariant 3: a request carrying `pair` that reached its target after the pair was fenced. */
  private checkNotFenced(pair: string, arrivedAtStep: number, what: string): void {
    const fencedAt = this.pairFencedAtStep.get(pair);
    if (fencedAt !== undefined && fencedAt < arrivedAtStep) violated(`${pair} fenced at s${fencedAt}, yet ${what}`);
  }

  private onTxnError(p: Producer, txn: SimTxn, code: number, what: string): void {
    if (RETRIABLE.has(code)) return;
    if (FENCED.has(code)) return this.restart(p);
    if (code === ErrorCode.TRANSACTION_ABORTABLE || code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) {
      txn.commit = false;
      txn.ending = true;
      return;
    }
    violated(`${p.name}: ${what} answered unexpected error ${code}`);
  }

  private addPartitions(p: Producer, txn: SimTxn): void {
    const pair = `${p.producerId}/${p.producerEpoch}`;
    const topics = groupByTopic(txn.partitions);
    this.request(p, `AddPartitions ${txn.id}`, (c) => c.addPartitions({
      transactionalId: p.transactionalId, producerId: p.producerId, producerEpoch: p.producerEpoch, topics, verifyOnly: false,
    }), (r, at) => {
      const code = r[0]!.partitions[0]!.errorCode;
      if (r.some((t) => t.partitions.some((x) => x.errorCode !== code))) violated(`${p.name}: AddPartitions answered mixed errors`);
      if (code === ErrorCode.NONE) this.checkNotFenced(pair, at, `${p.name} got NONE for AddPartitions`);
    }, (r) => {
      const code = r[0]!.partitions[0]!.errorCode;
      if (code === ErrorCode.NONE) txn.added = true;
      else this.onTxnError(p, txn, code, 'AddPartitions');
    });
  }

  private addOffsets(p: Producer, txn: SimTxn): void {
    const groupId = `group-${txn.id % 3}`;
    const pair = `${p.producerId}/${p.producerEpoch}`;
    this.request(p, `AddOffsets ${txn.id}`, (c) => c.addOffsets({
      transactionalId: p.transactionalId, producerId: p.producerId, producerEpoch: p.producerEpoch, groupId,
    }), (code, at) => {
      if (code === ErrorCode.NONE) this.checkNotFenced(pair, at, `${p.name} got NONE for AddOffsets`);
    }, (code) => {
      if (code !== ErrorCode.NONE) return this.onTxnError(p, txn, code, 'AddOffsets');
      txn.offsets = false;
      // TxnOffsetCommit: the offsets are data of the transaction in the group's partition.
      txn.toWrite.push({ topic: '__consumer_offsets', partition: (javaStringHashCode(groupId) & 0x7fffffff) % OFFSETS_PARTITIONS });
    });
  }

  /**
   * A produce of transactional data: the partition leader asks the
   * coordinator first when the transaction has no data here yet (TV1:
   * verify only; TV2: add the partition on the client's behalf), then
   * appends only if no marker came in between (the verification guard).
   */
  private writeData(p: Producer, txn: SimTxn, tp: TxnPartition): void {
    const dp = this.partitions.get(`${tp.topic}-${tp.partition}`)!;
    const { producerId, producerEpoch } = p;
    let arrivedAtStep = 0;
    this.request(p, `produce ${txn.id} to ${dp.name}`, async (c) => {
      arrivedAtStep = this.step;
      if (dp.deleted) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      if (!dp.needsVerification(producerId, producerEpoch)) return dp.append(producerId, producerEpoch, txn.id, null);
      const guard = dp.startVerification(producerId);
      const verified = await c.addPartitions({
        transactionalId: p.transactionalId, producerId, producerEpoch, topics: [{ topic: tp.topic, partitions: [tp.partition] }],
        verifyOnly: p.transactionVersion < 2,
      });
      const code = verified[0]!.partitions[0]!.errorCode;
      return code !== ErrorCode.NONE ? code : dp.append(producerId, producerEpoch, txn.id, guard);
    }, (code) => {
      if (code !== ErrorCode.NONE) return;
      this.checkNotFenced(`${producerId}/${producerEpoch}`, arrivedAtStep, `${p.name}'s data was appended to ${dp.name}`);
      let where = this.written.get(txn.id);
      if (where === undefined) this.written.set(txn.id, where = new Set());
      where.add(dp.name);
    }, (code) => {
      if (code === ErrorCode.NONE) txn.toWrite.shift();
      else if (code === ErrorCode.INVALID_TXN_STATE) this.onTxnError(p, txn, ErrorCode.TRANSACTION_ABORTABLE, 'produce');
      else this.onTxnError(p, txn, code, 'produce');
    });
  }

  private endTxn(p: Producer, txn: SimTxn): void {
    const tv = p.transactionVersion;
    const pair = `${p.producerId}/${p.producerEpoch}`;
    this.request(p, `EndTxn ${txn.id} ${txn.commit ? 'commit' : 'abort'}`, (c) => c.endTxn({
      transactionalId: p.transactionalId, producerId: p.producerId, producerEpoch: p.producerEpoch, committed: txn.commit, transactionVersion: tv,
    }), (r, at) => {
      if (r.errorCode !== ErrorCode.NONE) return;
      this.checkNotFenced(pair, at, `${p.name} got NONE for EndTxn`);
      this.acked.set(txn.id, txn.commit);
      const seen = this.outcomes.get(txn.id);
      if (seen !== undefined && seen !== txn.commit) violated(`transaction ${txn.id}: acknowledged ${txn.commit ? 'commit' : 'abort'} but a partition has the other outcome`);
      if (tv >= 2 && (r.producerId !== p.producerId || r.producerEpoch !== p.producerEpoch)) this.handOut(p, r.producerId, r.producerEpoch, false);
    }, (r) => {
      if (r.errorCode !== ErrorCode.NONE) return this.onTxnError(p, txn, r.errorCode, 'EndTxn');
      if (txn.commit) this.stats.commitsAcked++;
      else this.stats.abortsAcked++;
      if (tv >= 2) {
        this.stats.tv2Ends++;
        if (r.producerId !== p.producerId) this.stats.rotations++;
        p.producerId = r.producerId;
        p.producerEpoch = r.producerEpoch;
      }
      p.txn = null;
      // KIP-360: now and then the producer re-initialises with its id and epoch.
      if (this.rng() < 0.1) p.reinitWithId = true;
    });
  }

  // ---- invariants ------------------------------------------------------------------------------

  private onOutcome(o: Outcome): void {
    const seen = this.outcomes.get(o.simTxn);
    if (seen !== undefined && seen !== o.committed) violated(`transaction ${o.simTxn} torn: ${o.where} ${o.committed ? 'commits' : 'aborts'} it, another partition did the opposite`);
    this.outcomes.set(o.simTxn, o.committed);
    const acked = this.acked.get(o.simTxn);
    if (acked !== undefined && acked !== o.committed) violated(`transaction ${o.simTxn}: acknowledged ${acked ? 'commit' : 'abort'}, ${o.where} ${o.committed ? 'commits' : 'aborts'} it`);
    let at = this.decidedAt.get(o.simTxn);
    if (at === undefined) this.decidedAt.set(o.simTxn, at = new Set());
    at.add(o.where);
  }

  private readonly decidedAt = new Map<number, Set<string>>();

  /** Invariant 7: the coordinator's view of every id it coordinates is the last record of the log. */
  private checkStep(): void {
    if (this.failure !== null) throw this.failure;
    const ids = [...this.store.last.keys()];
    const described = this.coordinator.describeTransactions(ids);
    for (const d of described) {
      if (d.errorCode === ErrorCode.NOT_COORDINATOR) continue;
      const logged = this.store.last.get(d.transactionalId)!;
      if (logged === null) {
        if (d.errorCode !== ErrorCode.TRANSACTIONAL_ID_NOT_FOUND) violated(`${d.transactionalId}: tombstoned in the log, coordinator has ${d.transactionState}`);
        continue;
      }
      const partitions = groupByTopic(logged.partitions).map((t) => `${t.topic}:${t.partitions.join(',')}`).join(' ');
      const mine = d.topics.map((t) => `${t.topic}:${[...t.partitions].sort((a, b) => a - b).join(',')}`).join(' ');
      if (d.errorCode !== ErrorCode.NONE || d.transactionState !== txnStateName(logged.state) || d.producerId !== logged.producerId
        || d.producerEpoch !== logged.producerEpoch || mine !== partitions) {
        violated(`${d.transactionalId}: coordinator has ${d.transactionState} ${d.producerId}/${d.producerEpoch} [${mine}] (error ${d.errorCode}), `
          + `the log ${txnStateName(logged.state)} ${logged.producerId}/${logged.producerEpoch} [${partitions}]`);
      }
    }
  }

  private checkEnd(): void {
    this.checkStep();
    const open = this.coordinator.listTransactions({ states: ['Ongoing', 'PrepareCommit', 'PrepareAbort', 'PrepareEpochFence'], producerIds: [], durationFilterMs: -1 });
    if (open.transactions.length > 0) {
      violated(`still open after quiescing: ${open.transactions.map((t) => `${t.transactionalId} ${t.transactionState}`).join(', ')}`);
    }
    for (const p of this.partitions.values()) {
      if (p.deleted) continue;
      const undecided = p.undecided();
      if (undecided.length > 0) violated(`${p.name} holds undecided data: ${undecided.map((u) => `pid ${u.producerId} txns ${u.simTxns.join(',')}`).join('; ')}`);
    }
    for (const [simTxn, committed] of this.acked) {
      if (!committed) continue;
      for (const where of this.written.get(simTxn) ?? []) {
        if (this.partitions.get(where)!.deleted) continue;
        if (!this.decidedAt.get(simTxn)?.has(where)) violated(`transaction ${simTxn}: commit acknowledged, ${where} never got its marker`);
      }
    }
  }
}

function groupByTopic(partitions: readonly TxnPartition[]): { topic: string; partitions: number[] }[] {
  const byTopic = new Map<string, number[]>();
  for (const p of partitions) {
    let ids = byTopic.get(p.topic);
    if (ids === undefined) byTopic.set(p.topic, ids = []);
    ids.push(p.partition);
  }
  return [...byTopic].sort(([a], [b]) => (a < b ? -1 : 1)).map(([topic, ids]) => ({ topic, partitions: ids.sort((a, b) => a - b) }));
}

/** Lets every settled promise run its continuations. */
function drain(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
