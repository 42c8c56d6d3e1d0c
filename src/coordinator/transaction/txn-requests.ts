/**
 * What each client request does to a transactional id, as pure decisions
 * over its current snapshot (Kafka's TransactionCoordinator checks, in
 * Kafka's order). The coordinator carries a decision out: it allocates a
 * producer id when one is needed, writes the next snapshot, and answers.
 * `pending` means a write of this id is in flight: the client retries.
 */
import { ErrorCode } from '../../protocol/index.ts';
import { bumpForInit, containsAll, partitionKey, type TxnPartition, type TxnSnapshot } from './txn-metadata.ts';
import { EPOCH_MAX, NO_PRODUCER_EPOCH, NO_PRODUCER_ID, TxnState, isEpochExhausted } from './txn-state.ts';

export type InitDecision =
  | { readonly kind: 'error'; readonly errorCode: number }
  | { readonly kind: 'write'; readonly next: TxnSnapshot }
  /** The epochs are used up: a new producer id, then `rotateProducerId`. */
  | { readonly kind: 'rotate'; readonly recordLastEpoch: boolean }
  /** A transaction is open: abort it with a fencing bump and tell the client to retry. */
  | { readonly kind: 'fence' };

export interface ExpectedProducer {
  readonly producerId: bigint;
  readonly producerEpoch: number;
}

/**
 * KIP-360: a producer that already holds an id may only re-initialise with
 * that id (or, right after a rotation, the previous one at its last epoch).
 */
function isValidExpectedProducer(cur: TxnSnapshot, expected: ExpectedProducer): boolean {
  return expected.producerId === cur.producerId
    || (expected.producerId === cur.previousProducerId && isEpochExhausted(expected.producerEpoch));
}

export function decideInit(cur: TxnSnapshot, pending: boolean, expected: ExpectedProducer | null, timeoutMs: number, nowMs: number): InitDecision {
  if (pending) return { kind: 'error', errorCode: ErrorCode.CONCURRENT_TRANSACTIONS };
  if (expected !== null && !isValidExpectedProducer(cur, expected)) return { kind: 'error', errorCode: ErrorCode.PRODUCER_FENCED };
  switch (cur.state) {
    case TxnState.Ongoing:
      return { kind: 'fence' };
    case TxnState.Empty: case TxnState.CompleteCommit: case TxnState.CompleteAbort: {
      if (isEpochExhausted(cur.producerEpoch) && (expected === null || expected.producerEpoch === cur.producerEpoch)) {
        return { kind: 'rotate', recordLastEpoch: expected !== null };
      }
      const next = bumpForInit(cur, timeoutMs, expected?.producerEpoch ?? null, nowMs);
      return next === null ? { kind: 'error', errorCode: ErrorCode.PRODUCER_FENCED } : { kind: 'write', next };
    }
    default:
      // Prepare*: markers are being written; PrepareEpochFence (only ever loaded): its abort was resumed at load.
      return { kind: 'error', errorCode: ErrorCode.CONCURRENT_TRANSACTIONS };
  }
}

/** The producer id and epoch a request names, checked against the id's (AddPartitions, AddOffsets, verification). */
function producerError(cur: TxnSnapshot, producerId: bigint, producerEpoch: number): number {
  if (cur.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
  // Kafka 4 answers PRODUCER_FENCED for any other epoch, older or newer.
  if (cur.producerEpoch !== producerEpoch) return ErrorCode.PRODUCER_FENCED;
  return ErrorCode.NONE;
}

function isPreparing(state: TxnState): boolean {
  return state === TxnState.PrepareCommit || state === TxnState.PrepareAbort || state === TxnState.PrepareEpochFence;
}

export type AddDecision =
  | { readonly kind: 'error'; readonly errorCode: number }
  | { readonly kind: 'write' };

/** AddPartitionsToTxn and AddOffsetsToTxn; an error of NONE means the partitions are already in the ongoing transaction. */
export function decideAdd(cur: TxnSnapshot, pending: boolean, producerId: bigint, producerEpoch: number, partitions: readonly TxnPartition[]): AddDecision {
  const error = producerError(cur, producerId, producerEpoch);
  if (error !== ErrorCode.NONE) return { kind: 'error', errorCode: error };
  if (pending || isPreparing(cur.state)) return { kind: 'error', errorCode: ErrorCode.CONCURRENT_TRANSACTIONS };
  if (cur.state === TxnState.Ongoing && containsAll(cur.partitions, partitions)) return { kind: 'error', errorCode: ErrorCode.NONE };
  if (cur.state === TxnState.Dead) return { kind: 'error', errorCode: ErrorCode.CONCURRENT_TRANSACTIONS };
  return { kind: 'write' };
}

/**
 * AddPartitionsToTxn v4+ from a partition leader (KIP-890 part 1): is each
 * partition in this producer's ongoing transaction? Never writes; a pending
 * write is not waited for, since the append is checked again at the partition.
 */
export function verifyPartitions(cur: TxnSnapshot, producerId: bigint, producerEpoch: number, partitions: readonly TxnPartition[]): number[] {
  let error = producerError(cur, producerId, producerEpoch);
  if (error === ErrorCode.NONE && isPreparing(cur.state)) error = ErrorCode.CONCURRENT_TRANSACTIONS;
  if (error !== ErrorCode.NONE) return partitions.map(() => error);
  const have = new Set(cur.partitions.map(partitionKey));
  return partitions.map((p) => (have.has(partitionKey(p)) ? ErrorCode.NONE : ErrorCode.TRANSACTION_ABORTABLE));
}

export type EndDecision =
  | { readonly kind: 'error'; readonly errorCode: number }
  /** Already done (a retry): NONE with the id's current producer id and epoch. */
  | { readonly kind: 'done'; readonly producerId: bigint; readonly producerEpoch: number }
  /** Write PrepareCommit/PrepareAbort; under TV2 with the epochs used up, a next producer id first. */
  | { readonly kind: 'prepare'; readonly commit: boolean; readonly noPartitionAdded: boolean; readonly needsNextProducerId: boolean };

const INVALID_TXN_STATE: EndDecision = { kind: 'error', errorCode: ErrorCode.INVALID_TXN_STATE };
const CONCURRENT: EndDecision = { kind: 'error', errorCode: ErrorCode.CONCURRENT_TRANSACTIONS };

/** EndTxn below v5: the epoch must be the current one; Complete* answers a retry of the same outcome. */
export function decideEndV1(cur: TxnSnapshot, pending: boolean, producerId: bigint, producerEpoch: number, commit: boolean): EndDecision {
  if (cur.producerId !== producerId) return { kind: 'error', errorCode: ErrorCode.INVALID_PRODUCER_ID_MAPPING };
  if (producerEpoch !== cur.producerEpoch) return { kind: 'error', errorCode: ErrorCode.PRODUCER_FENCED };
  if (pending) return CONCURRENT;
  switch (cur.state) {
    case TxnState.Ongoing: return { kind: 'prepare', commit, noPartitionAdded: false, needsNextProducerId: false };
    case TxnState.CompleteCommit: return commit ? { kind: 'done', producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH } : INVALID_TXN_STATE;
    case TxnState.CompleteAbort: return commit ? INVALID_TXN_STATE : { kind: 'done', producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH };
    case TxnState.PrepareCommit: return commit ? CONCURRENT : INVALID_TXN_STATE;
    case TxnState.PrepareAbort: return commit ? INVALID_TXN_STATE : CONCURRENT;
    case TxnState.PrepareEpochFence: return CONCURRENT;
    default: return INVALID_TXN_STATE;
  }
}

/**
 * EndTxn v5+ (transaction version 2). Every end bumps the epoch, so a
 * request at the current epoch is a new end and one at the epoch just
 * before the bump (or the last epoch of the previous producer id, after a
 * rotation) is a retry. Kafka's table for the idle states:
 *
 *                    abort retry | abort current | commit retry | commit current
 *   Empty            FENCED      | bump+abort    | FENCED       | INVALID_TXN_STATE
 *   CompleteAbort    NONE        | bump+abort    | INVALID      | INVALID
 *   CompleteCommit   INVALID     | bump+abort    | NONE         | INVALID
 */
export function decideEndV2(cur: TxnSnapshot, pending: boolean, producerId: bigint, producerEpoch: number, commit: boolean): EndDecision {
  const retryOnOverflow = cur.previousProducerId === producerId && producerEpoch === EPOCH_MAX - 1 && cur.producerEpoch === 0;
  // A coordinator abort of an exhausted epoch stops at Short.MAX_VALUE instead of bumping twice, so that epoch
  // minus one is the fenced producer's, not a retry of ours: answering it would hand the client Short.MAX_VALUE,
  // which no later transaction could end with a bump. (Kafka 4 answers it; the client then cannot go on.)
  const cappedFence = cur.producerEpoch === EPOCH_MAX && cur.nextProducerId === NO_PRODUCER_ID;
  const retryOnEpochBump = cur.producerEpoch === producerEpoch + 1 && !cappedFence;
  if (cur.producerId !== producerId && !retryOnOverflow) return { kind: 'error', errorCode: ErrorCode.INVALID_PRODUCER_ID_MAPPING };
  if (!isValidV2Epoch(cur, producerEpoch, retryOnEpochBump, retryOnOverflow)) return { kind: 'error', errorCode: ErrorCode.PRODUCER_FENCED };
  if (pending) return CONCURRENT;
  const isRetry = retryOnEpochBump || retryOnOverflow;
  const done: EndDecision = { kind: 'done', producerId: cur.producerId, producerEpoch: cur.producerEpoch };
  const abortIdle: EndDecision = { kind: 'prepare', commit: false, noPartitionAdded: true, needsNextProducerId: isEpochExhausted(cur.producerEpoch) };
  switch (cur.state) {
    case TxnState.Ongoing:
      return { kind: 'prepare', commit, noPartitionAdded: false, needsNextProducerId: isEpochExhausted(cur.producerEpoch) };
    case TxnState.CompleteCommit:
      if (commit) return isRetry ? done : INVALID_TXN_STATE;
      return isRetry ? INVALID_TXN_STATE : abortIdle;
    case TxnState.CompleteAbort:
      if (commit) return INVALID_TXN_STATE;
      return isRetry ? done : abortIdle;
    case TxnState.PrepareCommit: return commit ? CONCURRENT : INVALID_TXN_STATE;
    case TxnState.PrepareAbort: return commit ? INVALID_TXN_STATE : CONCURRENT;
    case TxnState.Empty: return commit ? INVALID_TXN_STATE : abortIdle;
    default: return CONCURRENT;
  }
}

function isValidV2Epoch(cur: TxnSnapshot, producerEpoch: number, retryOnEpochBump: boolean, retryOnOverflow: boolean): boolean {
  switch (cur.state) {
    case TxnState.PrepareCommit: case TxnState.PrepareAbort: return retryOnEpochBump;
    case TxnState.CompleteCommit: case TxnState.CompleteAbort:
      return retryOnEpochBump || retryOnOverflow || producerEpoch === cur.producerEpoch;
    default: return producerEpoch === cur.producerEpoch;
  }
}
