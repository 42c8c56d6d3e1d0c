/**
 * The states of a transactional id at its coordinator, with the byte Kafka
 * writes for each in TransactionLogValue.transactionStatus and the name
 * DescribeTransactions and ListTransactions report. The transition table is
 * Kafka's: a state may only be entered from the states listed for it, and
 * the coordinator refuses (as a programmer error) any other transition.
 */

export const TxnState = {
  Empty: 0,
  Ongoing: 1,
  PrepareCommit: 2,
  PrepareAbort: 3,
  CompleteCommit: 4,
  CompleteAbort: 5,
  Dead: 6,
  PrepareEpochFence: 7,
} as const;
export type TxnState = (typeof TxnState)[keyof typeof TxnState];

const NAMES: readonly string[] = [
  'Empty', 'Ongoing', 'PrepareCommit', 'PrepareAbort', 'CompleteCommit', 'CompleteAbort', 'Dead', 'PrepareEpochFence',
];

export function txnStateName(state: TxnState): string {
  return NAMES[state]!;
}

/** The state of a status byte read from the log, or null for a byte Kafka does not define. */
export function txnStateOf(status: number): TxnState | null {
  return Number.isInteger(status) && status >= 0 && status < NAMES.length ? (status as TxnState) : null;
}

export function txnStateByName(name: string): TxnState | null {
  const i = NAMES.indexOf(name);
  return i < 0 ? null : (i as TxnState);
}

const S = TxnState;
/**
 * target → the states it may be entered from. PrepareAbort is also reachable
 * from Empty and Complete*: a transaction-version-2 client may abort when it
 * does not know whether a transaction is open.
 */
const VALID_PREVIOUS: ReadonlyMap<TxnState, readonly TxnState[]> = new Map<TxnState, readonly TxnState[]>([
  [S.Empty, [S.Empty, S.CompleteCommit, S.CompleteAbort]],
  [S.Ongoing, [S.Ongoing, S.Empty, S.CompleteCommit, S.CompleteAbort]],
  [S.PrepareCommit, [S.Ongoing]],
  [S.PrepareAbort, [S.Ongoing, S.PrepareEpochFence, S.Empty, S.CompleteCommit, S.CompleteAbort]],
  [S.CompleteCommit, [S.PrepareCommit]],
  [S.CompleteAbort, [S.PrepareAbort]],
  [S.Dead, [S.Empty, S.CompleteAbort, S.CompleteCommit]],
  [S.PrepareEpochFence, [S.Ongoing]],
]);

export function isValidTransition(from: TxnState, to: TxnState): boolean {
  return VALID_PREVIOUS.get(to)!.includes(from);
}

/** States in which an idle transactional id may be expired (Kafka's isExpirationAllowed). */
export function expirationAllowed(state: TxnState): boolean {
  return state === S.Empty || state === S.CompleteCommit || state === S.CompleteAbort;
}

/** Java's Short.MAX_VALUE: the epoch field is an int16. */
export const EPOCH_MAX = 32767;
export const NO_PRODUCER_ID = -1n;
export const NO_PRODUCER_EPOCH = -1;

/**
 * A client never gets Short.MAX_VALUE as its epoch, so that the coordinator
 * can always fence it with one more bump; at MAX-1 the id's epochs are used
 * up and the next InitProducerId (or TV2 EndTxn) moves to a new producer id.
 */
export function isEpochExhausted(epoch: number): boolean {
  return epoch >= EPOCH_MAX - 1;
}

/** EndTxn v5+ (KIP-890 part 2): the epoch is bumped at the end of every transaction. */
export const TRANSACTION_VERSION_2 = 2;
