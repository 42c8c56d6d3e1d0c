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
