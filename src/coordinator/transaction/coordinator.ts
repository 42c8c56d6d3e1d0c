/**
 * The transaction coordinator: every transactional id of the
 * `__transaction_state` partitions this node leads. It answers the broker's
 * TransactionCoordinatorApi.
 *
 * What each request does is decided by the pure functions of
 * txn-requests.ts over the id's current snapshot; this class carries the
 * decision out. Every change is written to the log (acks=all) before it
 * becomes the id's state and before anyone is answered; while a write is in
 * flight the id has a pending value and other requests get
 * CONCURRENT_TRANSACTIONS; a failed write leaves the state as it was. A
 * write that completes after its partition was unloaded or reloaded (a new
 * coordinator epoch) answers NOT_COORDINATOR: the log, not this object, is
 * then the truth, and whoever loads it next acts on it.
 *
 * After PrepareCommit/PrepareAbort is written, the markers go to every
 * partition of the transaction (MarkerJob), and once all are written the
 * Complete* record ends it. Timers are deadlines like the group
 * coordinator's: the driver asks `nextDeadlineMs()`, calls `tick(nowMs)` and
 * re-asks whenever `onDeadlinesChanged` fires.
 */
import type {
  TransactionCoordinatorApi, TransactionDescription, TxnPartitionErrors, TxnTopicPartitions,
} from '../../broker/index.ts';
import { ErrorCode } from '../../protocol/index.ts';
import { partitionForGroup } from '../group/partition-for.ts';
import { MarkerJob, backoffMs, classifyMarkerError } from './marker-job.ts';
import { TxnRecordError, decodeTxnRecord, txnRecord } from './records.ts';
import { TRANSACTION_STATE_TOPIC, type TxnCoordinatorDeps } from './txn-deps.ts';
import {
  addPartitions, complete, newTransactionalId, normalizePartitions, prepareDead, prepareEnd, prepareFenceAbort, rotateProducerId,
  type TxnPartition, type TxnSnapshot,
} from './txn-metadata.ts';
import { decideAdd, decideEndV1, decideEndV2, decideInit, verifyPartitions, type ExpectedProducer } from './txn-requests.ts';
import {
  NO_PRODUCER_EPOCH, NO_PRODUCER_ID, TRANSACTION_VERSION_2, TxnState, expirationAllowed, txnStateByName, txnStateName,
} from './txn-state.ts';

const OFFSETS_TOPIC = '__consumer_offsets';

/** One transactional id of a loaded partition. */
export interface TxnEntry {
  readonly transactionalId: string;
  readonly partition: number;
  /** The last value written; null while the id's first record is being written. */
  current: TxnSnapshot | null;
  /** The value being written, or null. */
  pending: TxnSnapshot | null;
  /** A producer id is being allocated for this id: as good as pending. */
  reserved: boolean;
  markers: MarkerJob | null;
}

type Owned = { errorCode: typeof ErrorCode.NONE; partition: number; coordinatorEpoch: number } | { errorCode: number };

export class TransactionCoordinator implements TransactionCoordinatorApi {
  protected readonly deps: TxnCoordinatorDeps;
  private readonly entries = new Map<string, TxnEntry>();
  /** partition → the coordinator epoch it was loaded at. */
  private readonly loaded = new Map<number, number>();
  /** partition → resolvers of writes in flight, answered NOT_COORDINATOR when it is unloaded. */
  private readonly waiters = new Map<number, Set<() => void>>();
  private abortDeadlineMs: number | null = null;
  private expireDeadlineMs: number | null = null;
  private listener: (() => void) | null = null;

  constructor(deps: TxnCoordinatorDeps) {
    this.deps = deps;
  }

  // ---- ownership, loading, timers -----------------------------------------------------------

  /** Loads the partitions this node leads (again when their epoch moved on); forgets those it no longer leads. */
  load(nowMs: number): void {
    const led = new Map(this.deps.log.ledPartitions().map((p) => [p.partition, p.leaderEpoch]));
    for (const [p, epoch] of [...this.loaded]) if (led.get(p) !== epoch) this.unloadPartition(p);
    for (const [p, epoch] of led) if (!this.loaded.has(p)) this.loadPartition(p, epoch, nowMs);
    this.abortDeadlineMs ??= nowMs + this.deps.config.abortTimedOutTransactionCleanupIntervalMs;
    this.expireDeadlineMs ??= nowMs + this.deps.config.removeExpiredTransactionalIdCleanupIntervalMs;
    this.changed();
  }

  private loadPartition(partition: number, coordinatorEpoch: number, nowMs: number): void {
    const last = new Map<string, TxnSnapshot | null>();
    let skipped = 0;
    this.deps.log.replay(partition, (key, value) => {
      try {
        const r = decodeTxnRecord(key, value);
        if (r.kind === 'txn') last.set(r.transactionalId, r.value);
        else if (r.kind === 'tombstone') last.set(r.transactionalId, null);
      } catch (e) {
        if (!(e instanceof TxnRecordError)) throw e;
        skipped++;
      }
    });
    this.loaded.set(partition, coordinatorEpoch);
    const loaded: TxnEntry[] = [];
    for (const [transactionalId, current] of last) {
      if (current === null) continue;
      const entry: TxnEntry = { transactionalId, partition, current, pending: null, reserved: false, markers: null };
      this.entries.set(transactionalId, entry);
      loaded.push(entry);
    }
    this.deps.logLine(`loaded ${loaded.length} transactional ids from ${TRANSACTION_STATE_TOPIC}-${partition} at coordinator epoch ${coordinatorEpoch}`
      + (skipped > 0 ? `, skipped ${skipped} unreadable records` : ''));
    this.resumeAfterLoad(loaded, nowMs);
  }

  /**
   * A decided transaction goes on to its markers, as Kafka's load does. A
   * PrepareEpochFence record (Kafka never writes one, but it is a valid
   * status) is an open transaction being fenced: its abort is written.
   */
  protected resumeAfterLoad(entries: readonly TxnEntry[], nowMs: number): void {
    for (const entry of entries) {
      const state = entry.current!.state;
      if (state === TxnState.PrepareCommit || state === TxnState.PrepareAbort) this.startMarkers(entry, nowMs);
      else if (state === TxnState.PrepareEpochFence) void this.abortByCoordinator(entry, nowMs, 'its fence was loaded');
    }
  }

  private unloadPartition(partition: number): void {
    for (const [id, entry] of [...this.entries]) {
      if (entry.partition !== partition) continue;
      if (entry.markers !== null) entry.markers.stopped = true;
      this.entries.delete(id);
    }
    this.loaded.delete(partition);
    const waiting = this.waiters.get(partition);
    this.waiters.delete(partition);
    for (const answer of waiting ?? []) answer();
    this.deps.logLine(`unloaded ${TRANSACTION_STATE_TOPIC}-${partition}`);
  }

  /** Stops coordinating: writes in flight are answered NOT_COORDINATOR and no more markers are sent. */
  shutdown(): void {
    for (const p of [...this.loaded.keys()]) this.unloadPartition(p);
    this.abortDeadlineMs = null;
    this.expireDeadlineMs = null;
    this.listener = null;
  }

  onDeadlinesChanged(listener: () => void): void {
    this.listener = listener;
  }

  private changed(): void {
    this.listener?.();
  }

  nextDeadlineMs(): number | null {
    let next = this.abortDeadlineMs;
    if (this.expireDeadlineMs !== null && (next === null || this.expireDeadlineMs < next)) next = this.expireDeadlineMs;
    for (const entry of this.entries.values()) {
      const t = entry.markers?.nextDeadlineMs() ?? null;
      if (t !== null && (next === null || t < next)) next = t;
    }
    return next;
  }

  tick(nowMs: number): void {
    if (this.abortDeadlineMs !== null && this.abortDeadlineMs <= nowMs) {
      this.abortDeadlineMs = nowMs + this.deps.config.abortTimedOutTransactionCleanupIntervalMs;
      this.abortTimedOutTransactions(nowMs);
    }
    if (this.expireDeadlineMs !== null && this.expireDeadlineMs <= nowMs) {
      this.expireDeadlineMs = nowMs + this.deps.config.removeExpiredTransactionalIdCleanupIntervalMs;
      this.removeExpiredTransactionalIds(nowMs);
    }
    for (const entry of [...this.entries.values()]) {
      const t = entry.markers?.nextDeadlineMs() ?? null;
      if (t !== null && t <= nowMs) this.pumpMarkers(entry, nowMs);
    }
    this.changed();
  }

  private partitionFor(transactionalId: string): number | null {
    const count = this.deps.log.partitionCount();
    return count === null ? null : partitionForGroup(transactionalId, count);
  }

  /** The id's partition and coordinator epoch when this node coordinates it. */
  private owned(transactionalId: string): Owned {
    const partition = this.partitionFor(transactionalId);
    const coordinatorEpoch = partition === null ? undefined : this.loaded.get(partition);
    if (partition === null || coordinatorEpoch === undefined) return { errorCode: ErrorCode.NOT_COORDINATOR };
    return { errorCode: ErrorCode.NONE, partition, coordinatorEpoch };
  }

  // ---- writing --------------------------------------------------------------------------------

  /**
   * Writes `next` (a tombstone for Dead) and makes it the id's state once it
   * is durable. Answers NOT_COORDINATOR without writing when the partition
   * is no longer loaded at `coordinatorEpoch`, and when it is unloaded
   * before the write completes.
   */
  protected persist(entry: TxnEntry, next: TxnSnapshot, coordinatorEpoch: number, nowMs: number): Promise<number> {
    if (this.loaded.get(entry.partition) !== coordinatorEpoch || this.entries.get(entry.transactionalId) !== entry) {
      return Promise.resolve(ErrorCode.NOT_COORDINATOR);
    }
    if (entry.pending !== null) throw new Error(`transactional id ${entry.transactionalId} already has a write in flight`);
    entry.pending = next;
    const record = txnRecord(entry.transactionalId, next.state === TxnState.Dead ? null : next);
    const written = this.deps.log.write(entry.partition, [record], nowMs);
    return new Promise((resolve) => {
      let settled = false;
      const unloaded = (): void => {
        if (settled) return;
        settled = true;
        resolve(ErrorCode.NOT_COORDINATOR);
      };
      let waiting = this.waiters.get(entry.partition);
      if (waiting === undefined) this.waiters.set(entry.partition, waiting = new Set());
      waiting.add(unloaded);
      void Promise.resolve(written).then((code) => {
        this.waiters.get(entry.partition)?.delete(unloaded);
        if (settled) return;
        settled = true;
        resolve(this.afterWrite(entry, next, coordinatorEpoch, code));
      });
    });
  }

  private afterWrite(entry: TxnEntry, next: TxnSnapshot, coordinatorEpoch: number, code: number): number {
    if (this.loaded.get(entry.partition) !== coordinatorEpoch || this.entries.get(entry.transactionalId) !== entry) {
      return ErrorCode.NOT_COORDINATOR;
    }
    entry.pending = null;
    if (code !== ErrorCode.NONE) {
      // An id whose first record failed was never there.
      if (entry.current === null && !entry.reserved) this.entries.delete(entry.transactionalId);
      this.deps.logLine(`transactional id ${entry.transactionalId}: writing ${txnStateName(next.state)} failed with error ${code}`, 'warn');
      return code;
    }
    if (next.state === TxnState.Dead) {
      this.entries.delete(entry.transactionalId);
    } else {
      entry.current = next;
    }
    return ErrorCode.NONE;
  }

  /** Writes PrepareCommit/PrepareAbort; once it is durable the markers start. The client is answered after the write. */
  protected async writePrepare(entry: TxnEntry, next: TxnSnapshot, coordinatorEpoch: number, nowMs: number): Promise<number> {
    const code = await this.persist(entry, next, coordinatorEpoch, nowMs);
    if (code === ErrorCode.NONE) this.startMarkers(entry, this.deps.clock.nowMs());
    return code;
  }

  /** The snapshot a coordinator-side abort writes: fenced, so the old producer cannot go on. */
  protected fenceAbortSnapshot(cur: TxnSnapshot, nowMs: number): TxnSnapshot {
    return prepareFenceAbort(cur, nowMs);
  }

  /** Aborts an open transaction on the coordinator's own account (fence, timeout, loaded fence). */
  private async abortByCoordinator(entry: TxnEntry, nowMs: number, why: string): Promise<number> {
    const owned = this.owned(entry.transactionalId);
    if (owned.errorCode !== ErrorCode.NONE || !('coordinatorEpoch' in owned)) return owned.errorCode;
    const next = this.fenceAbortSnapshot(entry.current!, nowMs);
    this.deps.logLine(`transactional id ${entry.transactionalId}: aborting producer ${entry.current!.producerId} epoch ${entry.current!.producerEpoch} (${why})`);
    return this.writePrepare(entry, next, owned.coordinatorEpoch, nowMs);
  }

  // ---- markers --------------------------------------------------------------------------------

  private startMarkers(entry: TxnEntry, nowMs: number): void {
    const cur = entry.current!;
    const coordinatorEpoch = this.loaded.get(entry.partition);
    if (coordinatorEpoch === undefined) return;
    entry.markers = new MarkerJob({
      producerId: cur.producerId, producerEpoch: cur.producerEpoch, coordinatorEpoch, committed: cur.state === TxnState.PrepareCommit,
      transactionVersion: cur.clientTransactionVersion,
    }, cur.partitions, nowMs);
    this.pumpMarkers(entry, nowMs);
    this.changed();
  }

  /** Sends the markers that are due; completes the transaction once all are written. */
  private pumpMarkers(entry: TxnEntry, nowMs: number): void {
    const job = entry.markers;
    if (job === null || job.stopped) return;
    for (const p of job.remaining()) {
      if (!this.deps.topicExists(p.topic)) {
        this.deps.logLine(`transactional id ${entry.transactionalId}: topic ${p.topic} is gone, its marker is dropped`);
        job.drop(p);
      }
    }
    if (job.allWritten()) {
      if (!job.completing && (job.completeDueMs === null || job.completeDueMs <= nowMs)) void this.completeTransaction(entry, job, nowMs);
      return;
    }
    const due = job.takeDue(nowMs);
    if (due.length === 0) return;
    const topics = new Map<string, number[]>();
    for (const p of due) {
      let ids = topics.get(p.topic);
      if (ids === undefined) topics.set(p.topic, ids = []);
      ids.push(p.partition);
    }
    void this.deps.markers.write({
      producerId: job.producerId, producerEpoch: job.producerEpoch, coordinatorEpoch: job.coordinatorEpoch, committed: job.committed,
      transactionVersion: job.transactionVersion, topics: [...topics].map(([topic, partitions]) => ({ topic, partitions })),
    }).then((results) => this.markersAnswered(entry, job, due, results));
  }

  private markersAnswered(entry: TxnEntry, job: MarkerJob, sent: readonly TxnPartition[], results: readonly { topic: string; partition: number; errorCode: number }[]): void {
    if (job.stopped || entry.markers !== job) return;
    const nowMs = this.deps.clock.nowMs();
    const answered = new Map(results.map((r) => [`${r.topic}\0${r.partition}`, r.errorCode]));
    for (const p of sent) {
      // A partition the channel did not answer is retried like a timeout.
      const code = answered.get(`${p.topic}\0${p.partition}`) ?? ErrorCode.REQUEST_TIMED_OUT;
      const answer = classifyMarkerError(code, this.deps.topicExists(p.topic));
      if (answer === 'stop' || answer === 'unexpected') {
        this.deps.logLine(`transactional id ${entry.transactionalId}: marker for ${p.topic}-${p.partition} failed with error ${code}`
          + (answer === 'stop' ? ', a newer coordinator or producer epoch owns it: no more markers from here' : ', retrying'));
      }
      job.settle(p, answer === 'unexpected' ? 'retry' : answer, nowMs);
    }
    this.pumpMarkers(entry, nowMs);
    this.changed();
  }

  private async completeTransaction(entry: TxnEntry, job: MarkerJob, nowMs: number): Promise<void> {
    job.completing = true;
    const code = await this.persist(entry, complete(entry.current!, nowMs), job.coordinatorEpoch, nowMs);
    job.completing = false;
    if (entry.markers !== job) return;
    if (code === ErrorCode.NONE) {
      entry.markers = null;
    } else if (this.loaded.get(entry.partition) !== job.coordinatorEpoch) {
      job.stopped = true;
    } else {
      // Retried until it is written or the partition moves away (whoever loads it next completes it).
      job.completeDueMs = this.deps.clock.nowMs() + backoffMs(0);
    }
    this.changed();
  }

  // ---- cleanup --------------------------------------------------------------------------------

  /** Kafka's abortTimedOutTransactions: open transactions past their timeout are aborted with a fencing bump. */
  private abortTimedOutTransactions(nowMs: number): void {
    for (const entry of [...this.entries.values()]) {
      const cur = entry.current;
      if (cur === null || entry.pending !== null || entry.reserved || cur.state !== TxnState.Ongoing) continue;
      if (cur.startTimeMs + cur.timeoutMs >= nowMs) continue;
      void this.abortByCoordinator(entry, nowMs, `timed out after ${cur.timeoutMs} ms`);
    }
  }

  /** Ids idle longer than transactional.id.expiration.ms go, with a tombstone. */
  private removeExpiredTransactionalIds(nowMs: number): void {
    for (const entry of [...this.entries.values()]) {
      const cur = entry.current;
      if (cur === null || entry.pending !== null || entry.reserved || entry.markers !== null || !expirationAllowed(cur.state)) continue;
      if (cur.lastUpdateTimeMs > nowMs - this.deps.config.transactionalIdExpirationMs) continue;
      const coordinatorEpoch = this.loaded.get(entry.partition);
      if (coordinatorEpoch === undefined) continue;
      void this.persist(entry, prepareDead(cur), coordinatorEpoch, nowMs).then((code) => {
        if (code === ErrorCode.NONE) this.deps.logLine(`transactional id ${entry.transactionalId} expired`);
      });
    }
  }

  // ---- the API ----------------------------------------------------------------------------------

  async coordinatorPartition(transactionalId: string): Promise<{ partition: number; errorCode: number; errorMessage: string | null }> {
    const ensured = await this.deps.log.ensureTopic();
    if (ensured.errorCode !== ErrorCode.NONE) return { partition: -1, ...ensured };
    this.load(this.deps.clock.nowMs());
    const partition = this.partitionFor(transactionalId);
    if (partition === null) return { partition: -1, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, errorMessage: null };
    return { partition, errorCode: ErrorCode.NONE, errorMessage: null };
  }

  async initProducerId(req: {
    transactionalId: string; transactionTimeoutMs: number; producerId: bigint; producerEpoch: number;
  }): Promise<{ errorCode: number; producerId: bigint; producerEpoch: number }> {
    const fail = (errorCode: number) => ({ errorCode, producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH });
    if (req.transactionalId === '') return fail(ErrorCode.INVALID_REQUEST);
    if (req.transactionTimeoutMs <= 0 || req.transactionTimeoutMs > this.deps.config.transactionMaxTimeoutMs) {
      return fail(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    }
    const noExpected = req.producerId === NO_PRODUCER_ID && req.producerEpoch === NO_PRODUCER_EPOCH;
    if (!noExpected && (req.producerId < 0n || req.producerEpoch < 0)) return fail(ErrorCode.INVALID_REQUEST);
    const expected: ExpectedProducer | null = noExpected ? null : { producerId: req.producerId, producerEpoch: req.producerEpoch };
    const owned = this.owned(req.transactionalId);
    if (!('coordinatorEpoch' in owned)) return fail(owned.errorCode);
    const nowMs = this.deps.clock.nowMs();
    const entry = this.entries.get(req.transactionalId);
    if (entry === undefined) return this.initNewId(req.transactionalId, req.transactionTimeoutMs, owned);
    if (entry.current === null) return fail(ErrorCode.CONCURRENT_TRANSACTIONS);
    const decision = decideInit(entry.current, entry.pending !== null || entry.reserved, expected, req.transactionTimeoutMs, nowMs);
    let next: TxnSnapshot;
    switch (decision.kind) {
      case 'error': return fail(decision.errorCode);
      case 'fence': {
        // The client retries once the abort is through, and then gets an epoch bumped once more.
        const code = await this.abortByCoordinator(entry, nowMs, 'a new producer instance is initialising');
        return fail(code === ErrorCode.NONE ? ErrorCode.CONCURRENT_TRANSACTIONS : code);
      }
      case 'write': next = decision.next; break;
      case 'rotate': {
        const allocated = await this.allocateFor(entry);
        if (allocated.errorCode !== ErrorCode.NONE) return fail(allocated.errorCode);
        next = rotateProducerId(entry.current, allocated.producerId, req.transactionTimeoutMs, this.deps.clock.nowMs(), decision.recordLastEpoch);
        break;
      }
    }
    const code = await this.persist(entry, next, owned.coordinatorEpoch, this.deps.clock.nowMs());
    if (code !== ErrorCode.NONE) return fail(code);
    this.deps.logLine(`transactional id ${req.transactionalId}: producer id ${next.producerId} epoch ${next.producerEpoch}`);
    return { errorCode: ErrorCode.NONE, producerId: next.producerId, producerEpoch: next.producerEpoch };
  }

  /** A producer id for an id whose value is held still meanwhile (`reserved` keeps other requests out). */
  private async allocateFor(entry: TxnEntry): Promise<{ errorCode: number; producerId: bigint }> {
    entry.reserved = true;
    try {
      return await this.deps.allocateProducerId();
    } finally {
      entry.reserved = false;
    }
  }

  private async initNewId(transactionalId: string, timeoutMs: number, owned: { partition: number; coordinatorEpoch: number }) {
    const fail = (errorCode: number) => ({ errorCode, producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH });
    // In the map from the start, so that a concurrent InitProducerId for the same id waits its turn.
    const entry: TxnEntry = { transactionalId, partition: owned.partition, current: null, pending: null, reserved: false, markers: null };
    this.entries.set(transactionalId, entry);
    const allocated = await this.allocateFor(entry);
    if (allocated.errorCode !== ErrorCode.NONE) {
      if (this.entries.get(transactionalId) === entry) this.entries.delete(transactionalId);
      return fail(allocated.errorCode);
    }
    const next = newTransactionalId(allocated.producerId, timeoutMs, this.deps.clock.nowMs());
    const code = await this.persist(entry, next, owned.coordinatorEpoch, this.deps.clock.nowMs());
    if (code !== ErrorCode.NONE) return fail(code);
    this.deps.logLine(`transactional id ${transactionalId}: new producer id ${next.producerId}`);
    return { errorCode: ErrorCode.NONE, producerId: next.producerId, producerEpoch: next.producerEpoch };
  }

  async addPartitions(req: {
    transactionalId: string; producerId: bigint; producerEpoch: number; topics: readonly TxnTopicPartitions[]; verifyOnly: boolean;
  }): Promise<TxnPartitionErrors[]> {
    const partitions = req.topics.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition })));
    const answer = (codes: readonly number[]): TxnPartitionErrors[] => {
      let i = 0;
      return req.topics.map((t) => ({ topic: t.topic, partitions: t.partitions.map((partition) => ({ partition, errorCode: codes[i++]! })) }));
    };
    const all = (code: number): TxnPartitionErrors[] => answer(partitions.map(() => code));
    if (req.transactionalId === '') return all(ErrorCode.INVALID_REQUEST);
    const owned = this.owned(req.transactionalId);
    if (!('coordinatorEpoch' in owned)) return all(owned.errorCode);
    const entry = this.entries.get(req.transactionalId);
    if (entry?.current == null) return all(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    if (req.verifyOnly) return answer(verifyPartitions(entry.current, req.producerId, req.producerEpoch, partitions));
    return all(await this.add(entry, owned.coordinatorEpoch, req.producerId, req.producerEpoch, partitions));
  }

  async addOffsets(req: { transactionalId: string; producerId: bigint; producerEpoch: number; groupId: string }): Promise<number> {
    if (req.transactionalId === '') return ErrorCode.INVALID_REQUEST;
    const owned = this.owned(req.transactionalId);
    if (!('coordinatorEpoch' in owned)) return owned.errorCode;
    const entry = this.entries.get(req.transactionalId);
    if (entry?.current == null) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    const offsetsPartition = this.deps.offsetsPartitionFor(req.groupId);
    if (offsetsPartition === null) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    return this.add(entry, owned.coordinatorEpoch, req.producerId, req.producerEpoch, [{ topic: OFFSETS_TOPIC, partition: offsetsPartition }]);
  }

  private async add(entry: TxnEntry, coordinatorEpoch: number, producerId: bigint, producerEpoch: number, partitions: readonly TxnPartition[]): Promise<number> {
    const cur = entry.current!;
    const wanted = normalizePartitions(partitions);
    const decision = decideAdd(cur, entry.pending !== null || entry.reserved, producerId, producerEpoch, wanted);
    if (decision.kind === 'error') return decision.errorCode;
    const nowMs = this.deps.clock.nowMs();
    return this.persist(entry, addPartitions(cur, wanted, nowMs), coordinatorEpoch, nowMs);
  }

  async endTxn(req: {
    transactionalId: string; producerId: bigint; producerEpoch: number; committed: boolean; transactionVersion: number;
  }): Promise<{ errorCode: number; producerId: bigint; producerEpoch: number }> {
    const fail = (errorCode: number) => ({ errorCode, producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH });
    if (req.transactionalId === '') return fail(ErrorCode.INVALID_REQUEST);
    const owned = this.owned(req.transactionalId);
    if (!('coordinatorEpoch' in owned)) return fail(owned.errorCode);
    const entry = this.entries.get(req.transactionalId);
    if (entry?.current == null) return fail(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    const v2 = req.transactionVersion >= TRANSACTION_VERSION_2;
    const pending = entry.pending !== null || entry.reserved;
    const decision = v2
      ? decideEndV2(entry.current, pending, req.producerId, req.producerEpoch, req.committed)
      : decideEndV1(entry.current, pending, req.producerId, req.producerEpoch, req.committed);
    if (decision.kind === 'error') return fail(decision.errorCode);
    if (decision.kind === 'done') return { errorCode: ErrorCode.NONE, producerId: decision.producerId, producerEpoch: decision.producerEpoch };
    let nextProducerId = NO_PRODUCER_ID;
    if (decision.needsNextProducerId) {
      const allocated = await this.allocateFor(entry);
      if (allocated.errorCode !== ErrorCode.NONE) return fail(allocated.errorCode);
      nextProducerId = allocated.producerId;
    }
    const nowMs = this.deps.clock.nowMs();
    const next = prepareEnd(entry.current, req.committed, v2 ? req.transactionVersion : 0, nextProducerId, nowMs, decision.noPartitionAdded);
    const code = await this.writePrepare(entry, next, owned.coordinatorEpoch, nowMs);
    if (code !== ErrorCode.NONE) return fail(code);
    if (!v2) return { errorCode: ErrorCode.NONE, producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH };
    // TV2: the producer goes on with the bumped epoch, or with the next producer id once this one's epochs are used up.
    return next.nextProducerId !== NO_PRODUCER_ID
      ? { errorCode: ErrorCode.NONE, producerId: next.nextProducerId, producerEpoch: 0 }
      : { errorCode: ErrorCode.NONE, producerId: next.producerId, producerEpoch: next.producerEpoch };
  }

  // ---- admin ------------------------------------------------------------------------------------

  describeTransactions(transactionalIds: readonly string[]): TransactionDescription[] {
    return transactionalIds.map((transactionalId) => {
      const out: TransactionDescription = {
        transactionalId, errorCode: ErrorCode.NONE, transactionState: '', transactionTimeoutMs: 0, transactionStartTimeMs: -1,
        producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH, topics: [],
      };
      if (transactionalId === '') return { ...out, errorCode: ErrorCode.INVALID_REQUEST };
      const owned = this.owned(transactionalId);
      if (owned.errorCode !== ErrorCode.NONE) return { ...out, errorCode: owned.errorCode };
      const cur = this.entries.get(transactionalId)?.current ?? null;
      if (cur === null || cur.state === TxnState.Dead) return { ...out, errorCode: ErrorCode.TRANSACTIONAL_ID_NOT_FOUND };
      const topics = new Map<string, number[]>();
      for (const p of cur.partitions) {
        let ids = topics.get(p.topic);
        if (ids === undefined) topics.set(p.topic, ids = []);
        ids.push(p.partition);
      }
      return {
        ...out, transactionState: txnStateName(cur.state), transactionTimeoutMs: cur.timeoutMs, transactionStartTimeMs: cur.startTimeMs,
        producerId: cur.producerId, producerEpoch: cur.producerEpoch, topics: [...topics].map(([topic, partitions]) => ({ topic, partitions })),
      };
    });
  }

  /** Kafka's listTransactionStates: Dead is never listed; a duration filter keeps transactions open longer than it. */
  listTransactions(filter: { states: readonly string[]; producerIds: readonly bigint[]; durationFilterMs: number }): {
    errorCode: number; transactions: { transactionalId: string; producerId: bigint; transactionState: string }[];
  } {
    const nowMs = this.deps.clock.nowMs();
    const states = new Set(filter.states.map(txnStateByName));
    const producerIds = new Set(filter.producerIds);
    const transactions: { transactionalId: string; producerId: bigint; transactionState: string }[] = [];
    for (const entry of this.entries.values()) {
      const cur = entry.current;
      if (cur === null || cur.state === TxnState.Dead) continue;
      if (producerIds.size > 0 && !producerIds.has(cur.producerId)) continue;
      if (filter.states.length > 0 && !states.has(cur.state)) continue;
      if (filter.durationFilterMs >= 0 && nowMs - cur.startTimeMs <= filter.durationFilterMs) continue;
      transactions.push({ transactionalId: entry.transactionalId, producerId: cur.producerId, transactionState: txnStateName(cur.state) });
    }
    return { errorCode: ErrorCode.NONE, transactions };
  }
}
