// The classic group coordinator: the per-group rebalance state machine (pure),
// committed offsets, and their records in `__consumer_offsets`.
export { ClassicGroup, CONSUMER_PROTOCOL_TYPE, type CommittedOffset, type GroupMember, type GroupStateName } from './classic-group.ts';
export {
  GroupCoordinator, groupCoordinatorConfig, type GroupCoordinatorConfig, type GroupCoordinatorDeps,
} from './coordinator.ts';
export { PartitionLoader } from './group-loader.ts';
export {
  GroupMachine, NEW_MEMBER_JOIN_TIMEOUT_MS, joinError, syncError, type GroupEnv, type GroupMachineConfig,
} from './group-machine.ts';
export { expiredOffsets } from './offsets.ts';
export { OFFSETS_TOPIC, offsetsTopic, type OffsetsLog, type OffsetsTopicDeps } from './offsets-topic.ts';
export { javaStringHashCode, partitionForGroup } from './partition-for.ts';
export {
  CoordinatorRecordError, decodeCoordinatorRecord, groupMetadataRecord, offsetCommitRecord,
  type CoordinatorRecord, type EncodedRecord,
} from './records.ts';
// KIP-848 consumer groups: state, records, the pure heartbeat step, assignors and the coordinator part that persists them.
export { ASSIGNORS, rangeAssign, uniformAssign, type AssignorInput } from './consumer-assignors.ts';
export { ConsumerGroups, type ConsumerGroupsDeps } from './consumer-coordinator.ts';
export {
  ConsumerGroup, CONSUMER_GROUP_TYPE, MemberState, assignmentOf, sameAssignment, type Assignment, type ConsumerMember,
} from './consumer-group.ts';
export {
  consumerGroupHeartbeat, type ConsumerGroupConfig, type ConsumerGroupStep, type HeartbeatContext, type HeartbeatRequest,
  type HeartbeatResponse, type TopicsView,
} from './consumer-group-machine.ts';
export {
  decodeConsumerGroupRecord, encodeConsumerGroupRecord, replayConsumerGroupRecord, type ConsumerGroupRecord,
} from './consumer-group-records.ts';
export { compileTopicRegex, topicRegexError } from './topic-regex.ts';
