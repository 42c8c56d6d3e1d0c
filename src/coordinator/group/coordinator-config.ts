/**
 * The group coordinator's settings (from the broker config: group.*,
 * group.consumer.*, offsets.*) and what it is built from.
 */
import type { BrokerConfig } from '../../metadata/index.ts';
import type { Clock } from '../../storage/index.ts';
import type { ConsumerGroupConfig, TopicsView } from './consumer-group-machine.ts';
import type { OffsetsLog } from './offsets-topic.ts';

export interface GroupCoordinatorConfig {
  readonly groupMinSessionTimeoutMs: number;
  readonly groupMaxSessionTimeoutMs: number;
  readonly groupInitialRebalanceDelayMs: number;
  readonly groupMaxSize: number;
  readonly offsetsRetentionMs: number;
  readonly offsetsRetentionCheckIntervalMs: number;
  readonly offsetMetadataMaxBytes: number;
  /** KIP-848 groups (group.consumer.*); absent: Kafka's defaults. */
  readonly consumer?: ConsumerGroupConfig;
  /** group.coordinator.rebalance.protocols; absent: classic and consumer. */
  readonly rebalanceProtocols?: readonly string[];
}

export const DEFAULT_CONSUMER_GROUP_CONFIG: ConsumerGroupConfig = {
  heartbeatIntervalMs: 5000, sessionTimeoutMs: 45_000, maxSize: 2_147_483_647, assignors: ['uniform', 'range'],
};

export function groupCoordinatorConfig(c: BrokerConfig): GroupCoordinatorConfig {
  return {
    groupMinSessionTimeoutMs: c.groupMinSessionTimeoutMs,
    groupMaxSessionTimeoutMs: c.groupMaxSessionTimeoutMs,
    groupInitialRebalanceDelayMs: c.groupInitialRebalanceDelayMs,
    groupMaxSize: c.groupMaxSize,
    offsetsRetentionMs: c.offsetsRetentionMinutes * 60_000,
    offsetsRetentionCheckIntervalMs: c.offsetsRetentionCheckIntervalMs,
    offsetMetadataMaxBytes: c.offsetMetadataMaxBytes,
    consumer: {
      heartbeatIntervalMs: c.groupConsumerHeartbeatIntervalMs,
      sessionTimeoutMs: c.groupConsumerSessionTimeoutMs,
      maxSize: c.groupConsumerMaxSize,
      assignors: c.groupConsumerAssignors,
    },
    rebalanceProtocols: c.groupCoordinatorRebalanceProtocols,
  };
}

export interface GroupCoordinatorDeps {
  readonly config: GroupCoordinatorConfig;
  readonly log: OffsetsLog;
  readonly clock: Clock;
  newUuid(): string;
  logLine(line: string, level?: 'warn' | 'error'): void;
  /** The cluster's topics (name → id, partition count) for consumer groups' subscriptions; absent: none. */
  topics?(): TopicsView;
}
