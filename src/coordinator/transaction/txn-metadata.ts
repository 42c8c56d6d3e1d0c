/**
 * What the coordinator knows of one transactional id, and the pure
 * transitions between its states (Kafka's TransactionMetadata.prepare*).
 *
 * A `TxnSnapshot` is one value of the id: exactly what a TransactionLogValue
 * record holds, plus `lastProducerEpoch`, which Kafka keeps in memory only
 * (so the retry of an InitProducerId does not survive a coordinator change,
 * as in Kafka). Each transition builds the next snapshot from the current
 * one; the coordinator writes it to the log and only then makes it current.
 */
import {
  EPOCH_MAX, NO_PRODUCER_EPOCH, NO_PRODUCER_ID, TRANSACTION_VERSION_2, TxnState, isValidTransition, txnStateName,
} from './txn-state.ts';

export interface TxnPartition {
  readonly topic: string;
  readonly partition: number;
}

export interface TxnSnapshot {
  readonly producerId: bigint;
  /** The producer id before the last transition; after a rotation, the id the client may still retry with. */
  readonly previousProducerId: bigint;
  /** TV2: the producer id the transaction moves to when it completes, its epochs being used up. */
  readonly nextProducerId: bigint;
  readonly producerEpoch: number;
  /** In memory only: the epoch before the last bump, for retries (KIP-360, KIP-890). */
  readonly lastProducerEpoch: number;
  readonly timeoutMs: number;
  readonly state: TxnState;
  /** Sorted by topic then partition, no duplicates. */
  readonly partitions: readonly TxnPartition[];
  /** -1 while no transaction is open. */
  readonly startTimeMs: number;
  readonly lastUpdateTimeMs: number;
  readonly clientTransactionVersion: number;
}

export class TxnTransitionError extends Error {
  readonly code = 'SAMSA_ERR_TXN_TRANSITION';
}

/** Kafka's prepareTransitionTo check: the target state must list the current one as a valid previous state. */
function transit(current: TxnSnapshot, next: TxnSnapshot): TxnSnapshot {
  if (!isValidTransition(current.state, next.state)) {
    throw new TxnTransitionError(`invalid transaction transition ${txnStateName(current.state)} → ${txnStateName(next.state)}`);
  }
  if (next.producerEpoch < 0 || next.producerEpoch > EPOCH_MAX) throw new TxnTransitionError(`epoch ${next.producerEpoch} out of range`);
  // Every transition remembers the producer id it came from, as Kafka's TxnTransitMetadata does.
  return { ...next, previousProducerId: current.producerId };
}

export function partitionKey(p: TxnPartition): string {
  return `${p.topic}\0${p.partition}`;
}

function comparePartitions(a: TxnPartition, b: TxnPartition): number {
  return a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition;
}

export function normalizePartitions(partitions: Iterable<TxnPartition>): TxnPartition[] {
  const byKey = new Map<string, TxnPartition>();
  for (const p of partitions) byKey.set(partitionKey(p), { topic: p.topic, partition: p.partition });
  return [...byKey.values()].sort(comparePartitions);
}

export function containsAll(have: readonly TxnPartition[], wanted: readonly TxnPartition[]): boolean {
  const keys = new Set(have.map(partitionKey));
  return wanted.every((p) => keys.has(partitionKey(p)));
}

/** The first value of a new transactional id: a fresh producer id at epoch 0, no transaction open. */
export function newTransactionalId(producerId: bigint, timeoutMs: number, nowMs: number): TxnSnapshot {
  return {
    producerId, previousProducerId: NO_PRODUCER_ID, nextProducerId: NO_PRODUCER_ID, producerEpoch: 0,
    lastProducerEpoch: NO_PRODUCER_EPOCH, timeoutMs, state: TxnState.Empty, partitions: [], startTimeMs: -1,
    lastUpdateTimeMs: nowMs, clientTransactionVersion: 0,
  };
}

/**
 * InitProducerId on an idle id: one epoch more (fencing whoever held the
 * previous one). With an expected epoch (KIP-360) it must be the current
 * epoch (bump) or the one before the last bump (a retry: same answer again);
 * anything else is a fenced producer. Null when fenced.
 */
export function bumpForInit(cur: TxnSnapshot, timeoutMs: number, expectedEpoch: number | null, nowMs: number): TxnSnapshot | null {
  let producerEpoch: number;
  let lastProducerEpoch: number;
  if (expectedEpoch === null) {
    producerEpoch = cur.producerEpoch + 1;
    lastProducerEpoch = NO_PRODUCER_EPOCH;
  } else if (expectedEpoch === cur.producerEpoch) {
    producerEpoch = cur.producerEpoch + 1;
    lastProducerEpoch = cur.producerEpoch;
  } else if (expectedEpoch === cur.lastProducerEpoch) {
    producerEpoch = cur.producerEpoch;
    lastProducerEpoch = cur.lastProducerEpoch;
  } else {
    return null;
  }
  return transit(cur, {
    ...cur, producerEpoch, lastProducerEpoch, timeoutMs, state: TxnState.Empty, partitions: [], startTimeMs: -1, lastUpdateTimeMs: nowMs,
  });
}

/** InitProducerId once the epochs of the producer id are used up: a new producer id at epoch 0. */
export function rotateProducerId(cur: TxnSnapshot, producerId: bigint, timeoutMs: number, nowMs: number, recordLastEpoch: boolean): TxnSnapshot {
  return transit(cur, {
    ...cur, producerId, producerEpoch: 0, lastProducerEpoch: recordLastEpoch ? cur.producerEpoch : NO_PRODUCER_EPOCH, timeoutMs,
    state: TxnState.Empty, partitions: [], startTimeMs: -1, lastUpdateTimeMs: nowMs,
  });
}

/** AddPartitionsToTxn / AddOffsetsToTxn: the transaction is Ongoing with the union; it starts now if none was open. */
export function addPartitions(cur: TxnSnapshot, added: readonly TxnPartition[], nowMs: number): TxnSnapshot {
  const opens = cur.state === TxnState.Empty || cur.state === TxnState.CompleteCommit || cur.state === TxnState.CompleteAbort;
  return transit(cur, {
    ...cur, state: TxnState.Ongoing, partitions: normalizePartitions([...cur.partitions, ...added]),
    startTimeMs: opens ? nowMs : cur.startTimeMs, lastUpdateTimeMs: nowMs,
  });
}

/**
 * EndTxn: PrepareCommit or PrepareAbort. Under transaction version 2 the
 * epoch is bumped here (the markers carry the new epoch, which fences any
 * late write of the finished transaction); at the top of the range an abort
 * goes through without a bump so a broken id can still recover, as in Kafka.
 * `noPartitionAdded`: a TV2 abort with no transaction open, which starts now.
 */
export function prepareEnd(
  cur: TxnSnapshot, commit: boolean, transactionVersion: number, nextProducerId: bigint, nowMs: number, noPartitionAdded: boolean,
): TxnSnapshot {
  const state = commit ? TxnState.PrepareCommit : TxnState.PrepareAbort;
  let producerEpoch = cur.producerEpoch;
  let lastProducerEpoch = cur.lastProducerEpoch;
  if (transactionVersion >= TRANSACTION_VERSION_2) {
    if (!(cur.producerEpoch === EPOCH_MAX && !commit)) producerEpoch = cur.producerEpoch + 1;
    lastProducerEpoch = cur.producerEpoch;
  }
  return transit(cur, {
    ...cur, state, producerEpoch, lastProducerEpoch, nextProducerId, clientTransactionVersion: transactionVersion,
    startTimeMs: noPartitionAdded ? nowMs : cur.startTimeMs, lastUpdateTimeMs: nowMs,
  });
}

/**
 * The coordinator aborts an open transaction on its own (InitProducerId from
 * a new instance, or the transaction timed out): the epoch is bumped to fence
 * the old producer, then bumped again as every transaction-version-2 end does
 * (Kafka 4 with transaction.version 2: PrepareEpochFence, then the TV2
 * PrepareAbort). The old producer's epoch is then two behind, so neither a
 * TV1 nor a TV2 retry of its EndTxn passes for a retry of this abort.
 */
export function prepareFenceAbort(cur: TxnSnapshot, nowMs: number): TxnSnapshot {
  if (cur.state !== TxnState.Ongoing && cur.state !== TxnState.PrepareEpochFence) {
    throw new TxnTransitionError(`cannot fence a transaction in state ${txnStateName(cur.state)}`);
  }
  const fenced: TxnSnapshot = {
    ...cur, state: TxnState.PrepareEpochFence, producerEpoch: Math.min(cur.producerEpoch + 1, EPOCH_MAX), lastProducerEpoch: NO_PRODUCER_EPOCH,
  };
  // The fence is not written on its own (Kafka never persists it either): only the PrepareAbort that carries it.
  return { ...prepareEnd(fenced, false, TRANSACTION_VERSION_2, NO_PRODUCER_ID, nowMs, false), previousProducerId: cur.producerId };
}

/**
 * Every marker is written: CompleteCommit or CompleteAbort with no
 * partitions. A TV2 transaction that used up its epochs moves to the next
 * producer id at epoch 0 (lastProducerEpoch stays what the client last saw).
 */
export function complete(cur: TxnSnapshot, nowMs: number): TxnSnapshot {
  if (cur.state !== TxnState.PrepareCommit && cur.state !== TxnState.PrepareAbort) {
    throw new TxnTransitionError(`cannot complete a transaction in state ${txnStateName(cur.state)}`);
  }
  const rotates = cur.clientTransactionVersion >= TRANSACTION_VERSION_2 && cur.nextProducerId !== NO_PRODUCER_ID;
  return transit(cur, {
    ...cur, state: cur.state === TxnState.PrepareCommit ? TxnState.CompleteCommit : TxnState.CompleteAbort,
    producerId: rotates ? cur.nextProducerId : cur.producerId, producerEpoch: rotates ? 0 : cur.producerEpoch,
    nextProducerId: NO_PRODUCER_ID, partitions: [], lastUpdateTimeMs: nowMs,
  });
}

/** Expiration: the id is about to be removed with a tombstone. */
export function prepareDead(cur: TxnSnapshot): TxnSnapshot {
  return transit(cur, { ...cur, state: TxnState.Dead, partitions: [] });
}
