/**
 * The world the transaction simulation runs the coordinator in: the
 * `__transaction_state` log (survives coordinator crashes, fences writers
 * by leader epoch, and checks every appended record against Kafka's
 * transition table), data partitions that apply markers with Kafka's
 * partition-side checks and the KIP-890 verification guard, and a queue of
 * in-flight deliveries the driver resolves in a seeded random order.
 */
import {
  TxnState, decodeTxnRecord, isValidTransition, txnStateName, type TxnPartition, type TxnSnapshot, type TxnStateLog,
} from '../../src/coordinator/transaction/index.ts';
import { ErrorCode } from '../../src/protocol/index.ts';

export class InvariantViolation extends Error {}

export function violated(message: string): never {
  throw new InvariantViolation(message);
}

/** Something in flight: a network message, a log append, an allocation. The driver runs it when it chooses. */
export interface Delivery {
  readonly label: string;
  run(): void;
}

export class Deliveries {
  readonly queue: Delivery[] = [];

  push(label: string, run: () => void): void {
    this.queue.push({ label, run });
  }

  /** Takes the delivery at `index` (reordering comes from the caller choosing it). */
  take(index: number): Delivery {
    return this.queue.splice(index, 1)[0]!;
  }
}

interface PendingWrite {
  readonly partition: number;
  readonly epoch: number;
  readonly records: readonly { key: Buffer; value: Buffer | null }[];
  /** Settled at a failover: landed or lost, the writer is told NOT_COORDINATOR. */
  decided: boolean;
}

/** The state topic, shared by every incarnation of the coordinator. */
export class StateLogStore {
  readonly records: { key: Buffer; value: Buffer | null }[][];
  readonly epochs: number[];
  /** The coordinator incarnation that leads every partition. */
  leader = 0;
  private readonly pendingWrites = new Set<PendingWrite>();
  /** transactional id → its last value in the log (null: tombstoned). */
  readonly last = new Map<string, TxnSnapshot | null>();

  readonly partitionCount: number;
  private readonly deliveries: Deliveries;
  private readonly rng: () => number;
  private readonly failureRate: number;

  constructor(partitionCount: number, deliveries: Deliveries, rng: () => number, failureRate: number) {
    this.partitionCount = partitionCount;
    this.deliveries = deliveries;
    this.rng = rng;
    this.failureRate = failureRate;
    this.records = Array.from({ length: partitionCount }, () => []);
    this.epochs = Array.from({ length: partitionCount }, () => 0);
  }

  view(incarnation: number): TxnStateLog {
    return {
      partitionCount: () => this.partitionCount,
      ensureTopic: () => Promise.resolve({ errorCode: ErrorCode.NONE, errorMessage: null }),
      ledPartitions: () => (this.leader === incarnation ? this.epochs.map((leaderEpoch, partition) => ({ partition, leaderEpoch })) : []),
      write: (partition, records) => this.write(incarnation, partition, records),
      replay: (partition, visit) => {
        for (const r of this.records[partition]!) visit(r.key, r.value);
      },
    };
  }

  private write(incarnation: number, partition: number, records: readonly { key: Buffer; value: Buffer | null }[]): number | Promise<number> {
    if (this.leader !== incarnation) return ErrorCode.NOT_COORDINATOR;
    const w: PendingWrite = { partition, epoch: this.epochs[partition]!, records, decided: false };
    this.pendingWrites.add(w);
    return new Promise((resolve) => {
      this.deliveries.push(`state write p${partition}`, () => {
        this.pendingWrites.delete(w);
        if (w.decided || this.epochs[partition] !== w.epoch) return resolve(ErrorCode.NOT_COORDINATOR);
        if (this.rng() < this.failureRate) return resolve(this.rng() < 0.8 ? ErrorCode.COORDINATOR_NOT_AVAILABLE : ErrorCode.NOT_COORDINATOR);
        this.append(partition, records);
        resolve(ErrorCode.NONE);
      });
    });
  }

  /** A new leader epoch for the partitions: writes in flight may or may not have reached the replicas that survive. */
  bumpEpochs(partitions: readonly number[], leader: number): void {
    for (const w of this.pendingWrites) {
      if (!partitions.includes(w.partition) || w.decided) continue;
      w.decided = true;
      if (this.rng() < 0.5) this.append(w.partition, w.records);
    }
    for (const p of partitions) this.epochs[p]!++;
    this.leader = leader;
  }

  /** Every appended record must follow Kafka's transition table from the id's previous record. */
  append(partition: number, records: readonly { key: Buffer; value: Buffer | null }[]): void {
    for (const r of records) {
      const decoded = decodeTxnRecord(r.key, r.value);
      if (decoded.kind === 'unknown') violated('unknown record in the state log');
      const previous = this.last.get(decoded.transactionalId) ?? null;
      if (decoded.kind === 'tombstone') {
        if (previous === null || !isValidTransition(previous.state, TxnState.Dead)) violated(`${decoded.transactionalId}: tombstone after ${previous === null ? 'nothing' : txnStateName(previous.state)}`);
        this.last.set(decoded.transactionalId, null);
      } else {
        const v = decoded.value;
        if (previous === null && v.state !== TxnState.Empty) violated(`${decoded.transactionalId}: first record is ${txnStateName(v.state)}`);
        if (previous !== null && !isValidTransition(previous.state, v.state)) {
          violated(`${decoded.transactionalId}: logged transition ${txnStateName(previous.state)} → ${txnStateName(v.state)}`);
        }
        if (previous !== null && previous.producerId === v.producerId && v.producerEpoch < previous.producerEpoch) {
          violated(`${decoded.transactionalId}: epoch went back ${previous.producerEpoch} → ${v.producerEpoch} on producer id ${v.producerId}`);
        }
        this.last.set(decoded.transactionalId, v);
      }
      this.records[partition]!.push(r);
    }
  }
}

/** One transactional write at a partition, tagged with the simulated transaction it belongs to. */
interface DataBatch {
  readonly simTxn: number;
  readonly epoch: number;
}

interface ProducerAtPartition {
  epoch: number;
  coordinatorEpoch: number;
  /** Data not yet decided by a marker, all of one epoch. */
  ongoing: DataBatch[];
  /** KIP-890 verification guard: set when verification starts, cleared by a marker; an append needs it unchanged. */
  guard: object | null;
}

export interface Outcome {
  readonly simTxn: number;
  readonly committed: boolean;
  readonly where: string;
}

/** A data partition, as its leader checks producers and applies markers. */
export class DataPartition {
  private readonly producers = new Map<bigint, ProducerAtPartition>();
  deleted = false;

  readonly tp: TxnPartition;
  private readonly onOutcome: (o: Outcome) => void;

  constructor(tp: TxnPartition, onOutcome: (o: Outcome) => void) {
    this.tp = tp;
    this.onOutcome = onOutcome;
  }

  get name(): string {
    return `${this.tp.topic}-${this.tp.partition}`;
  }

  private state(producerId: bigint): ProducerAtPartition {
    let st = this.producers.get(producerId);
    if (st === undefined) this.producers.set(producerId, st = { epoch: -1, coordinatorEpoch: -1, ongoing: [], guard: null });
    return st;
  }

  /** Whether a write needs the coordinator's verification first (Kafka verifies the first write of a transaction here). */
  needsVerification(producerId: bigint, epoch: number): boolean {
    const st = this.producers.get(producerId);
    return st === undefined || st.ongoing.length === 0 || st.ongoing[0]!.epoch !== epoch;
  }

  startVerification(producerId: bigint): object {
    const guard = {};
    this.state(producerId).guard = guard;
    return guard;
  }

  /** Appends transactional data, with the producer-epoch checks a partition leader makes. */
  append(producerId: bigint, epoch: number, simTxn: number, guard: object | null): number {
    if (this.deleted) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    const st = this.state(producerId);
    if (epoch < st.epoch) return ErrorCode.INVALID_PRODUCER_EPOCH;
    if (guard !== null && st.guard !== guard) return ErrorCode.INVALID_TXN_STATE;
    // A newer epoch while data of the older one is undecided would strand that data: Kafka refuses it.
    if (st.ongoing.length > 0 && st.ongoing[0]!.epoch !== epoch) return ErrorCode.INVALID_TXN_STATE;
    st.epoch = epoch;
    st.ongoing.push({ simTxn, epoch });
    return ErrorCode.NONE;
  }

  /** WriteTxnMarkers at this partition (Kafka's ProducerStateManager checks). */
  applyMarker(producerId: bigint, epoch: number, coordinatorEpoch: number, committed: boolean, transactionVersion: number): number {
    if (this.deleted) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    const st = this.state(producerId);
    if (coordinatorEpoch < st.coordinatorEpoch) return ErrorCode.TRANSACTION_COORDINATOR_FENCED;
    if (epoch < st.epoch) return ErrorCode.INVALID_PRODUCER_EPOCH;
    // KIP-890: a TV2 marker carries an epoch newer than the data it ends.
    if (transactionVersion >= 2 && st.ongoing.length > 0 && epoch <= st.ongoing[0]!.epoch) return ErrorCode.INVALID_PRODUCER_EPOCH;
    st.coordinatorEpoch = coordinatorEpoch;
    st.epoch = epoch;
    st.guard = null;
    for (const b of st.ongoing) this.onOutcome({ simTxn: b.simTxn, committed, where: this.name });
    st.ongoing = [];
    return ErrorCode.NONE;
  }

  undecided(): { producerId: bigint; simTxns: number[] }[] {
    const out: { producerId: bigint; simTxns: number[] }[] = [];
    for (const [producerId, st] of this.producers) if (st.ongoing.length > 0) out.push({ producerId, simTxns: st.ongoing.map((b) => b.simTxn) });
    return out;
  }
}
