// The transaction coordinator: transactional ids, their records in `__transaction_state`, and the markers that end each transaction.
export { TransactionCoordinator, type TxnEntry } from './coordinator.ts';
export { MarkerJob, MARKER_RETRY_BACKOFF_MS, MARKER_RETRY_BACKOFF_MS_MAX, backoffMs, classifyMarkerError, type MarkerAnswer } from './marker-job.ts';
export { TxnRecordError, decodeTxnRecord, txnRecord, txnRecordKey, type DecodedTxnRecord, type TxnRecord } from './records.ts';
export {
  TRANSACTION_STATE_TOPIC, txnCoordinatorConfig,
  type TxnCoordinatorConfig, type TxnCoordinatorDeps, type TxnMarkerChannel, type TxnMarkerRequest, type TxnStateLog,
} from './txn-deps.ts';
export {
  TxnTransitionError, addPartitions, bumpForInit, complete, newTransactionalId, normalizePartitions, partitionKey, prepareDead, prepareEnd,
  prepareFenceAbort, rotateProducerId, type TxnPartition, type TxnSnapshot,
} from './txn-metadata.ts';
export { decideAdd, decideEndV1, decideEndV2, decideInit, verifyPartitions, type EndDecision, type InitDecision } from './txn-requests.ts';
export {
  EPOCH_MAX, NO_PRODUCER_EPOCH, NO_PRODUCER_ID, TRANSACTION_VERSION_2, TxnState, expirationAllowed, isEpochExhausted, isValidTransition,
  txnStateByName, txnStateName, txnStateOf,
} from './txn-state.ts';
