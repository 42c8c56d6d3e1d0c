/** What brokers and admin requests ask of the controller, and its answers (decoded from the wire by the handlers). */

export interface BrokerRegistration {
  brokerId: number;
  incarnationId: string;
  endpoints: { name: string; host: string; port: number; securityProtocol: number }[];
  rack: string | null;
  /** The feature levels the broker supports (BrokerRegistration's features); absent means none. */
  features?: { name: string; minSupportedVersion: number; maxSupportedVersion: number }[];
}

export interface BrokerHeartbeat {
  brokerId: number;
  brokerEpoch: bigint;
  currentMetadataOffset: number;
  wantFence: boolean;
  wantShutDown: boolean;
}

export interface AlterPartitionRequest {
  brokerId: number;
  brokerEpoch: bigint;
  partitions: { topicId: string; partitionIndex: number; leaderEpoch: number; partitionEpoch: number; newIsr: number[] }[];
}

export interface AlterPartitionResult {
  topicId: string;
  partitionIndex: number;
  errorCode: number;
  leaderId: number;
  leaderEpoch: number;
  isr: number[];
  partitionEpoch: number;
}

export interface BrokerHeartbeatResult {
  errorCode: number;
  isCaughtUp: boolean;
  isFenced: boolean;
  shouldShutDown: boolean;
}

/** Legacy AlterConfigs: the complete set of overrides the resource should have. */
export interface LegacyConfigResource {
  resourceType: number;
  resourceName: string;
  configs: { name: string; value: string }[];
}

/** IncrementalAlterConfigs: operations on single keys; `value` is null only for DELETE. */
export interface IncrementalConfigResource {
  resourceType: number;
  resourceName: string;
  configs: { name: string; operation: number; value: string | null }[];
}
