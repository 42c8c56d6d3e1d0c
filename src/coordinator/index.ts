// Coordinator record codecs (generated) and the classic group coordinator; the transaction coordinator arrives with its issue.
export * as records from './records/index.ts';
export * as group from './group/index.ts';
export { GroupCoordinator, OFFSETS_TOPIC, offsetsTopic, groupCoordinatorConfig, type OffsetsTopicDeps } from './group/index.ts';
export { InternalTopic, coordinatorErrorOf, type EncodedRecord, type InternalTopicDeps, type InternalTopicSpec, type ReplayVisitor } from './internal-topic.ts';
