// Coordinator record codecs (generated), the classic group coordinator and the transaction coordinator.
export * as records from './records/index.ts';
export * as group from './group/index.ts';
export * as transaction from './transaction/index.ts';
export { GroupCoordinator, OFFSETS_TOPIC, offsetsTopic, groupCoordinatorConfig, type OffsetsTopicDeps } from './group/index.ts';
export { InternalTopic, coordinatorErrorOf, type EncodedRecord, type InternalTopicDeps, type InternalTopicSpec, type ReplayVisitor } from './internal-topic.ts';
export {
  TRANSACTION_STATE_TOPIC, TransactionCoordinator, txnCoordinatorConfig,
  type TxnCoordinatorConfig, type TxnCoordinatorDeps, type TxnMarkerChannel, type TxnMarkerRequest, type TxnStateLog,
} from './transaction/index.ts';
