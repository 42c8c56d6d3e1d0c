/**
 * `__consumer_offsets` as the group coordinator sees it: the OffsetsLog
 * interface (so tests can give the coordinator an in-memory log) and the
 * real topic, an InternalTopic with the offsets.topic.* configs.
 */
import type { ControllerApi, ReplicaManager } from '../../broker/index.ts';
import type { BrokerConfig, MetadataImage } from '../../metadata/index.ts';
import { InternalTopic, type EncodedRecord, type ReplayVisitor, type TransactionalWriter } from '../internal-topic.ts';

export const OFFSETS_TOPIC = '__consumer_offsets';

export interface OffsetsLog {
  /** Partitions of `__consumer_offsets`, or null while the topic does not exist. */
  partitionCount(): number | null;
  /** Creates the topic when it does not exist yet. */
  ensureTopic(): { errorCode: number; errorMessage: string | null } | Promise<{ errorCode: number; errorMessage: string | null }>;
  /** The partitions this node leads, whose groups it coordinates. */
  ledPartitions(): { partition: number }[];
  /**
   * Appends the records as one batch. Returns NONE once they are written,
   * NOT_COORDINATOR when this node does not lead the partition (or could not
   * write it), RECORD_LIST_TOO_LARGE when the batch exceeds the topic's limit.
   */
  append(partition: number, records: readonly EncodedRecord[], nowMs: number): number;
  /**
   * Appends offset commits as one batch with acks=all: NONE once every
   * in-sync replica has them, else the error a committer should see
   * (COORDINATOR_NOT_AVAILABLE when replication timed out or the ISR is too
   * small, NOT_COORDINATOR when leadership moved). A number means it is
   * already decided. A transactional commit is written as its producer's
   * transactional batch, which the transaction's marker later commits or aborts.
   */
  commit(partition: number, records: readonly EncodedRecord[], nowMs: number, txn?: TransactionalWriter | null): number | Promise<number>;
  /** Every record of a partition up to its log end, oldest first, and the transaction markers among them. */
  replay(partition: number, visitor: ReplayVisitor): void;
}

export interface OffsetsTopicDeps {
  nodeId: number;
  config: BrokerConfig;
  image(): MetadataImage;
  replicas: ReplicaManager;
  controller: ControllerApi;
  log(line: string): void;
}

export function offsetsTopic(deps: OffsetsTopicDeps): InternalTopic {
  const { config } = deps;
  return new InternalTopic(deps, {
    name: OFFSETS_TOPIC,
    numPartitions: config.offsetsTopicNumPartitions,
    replicationFactor: config.offsetsTopicReplicationFactor,
    segmentBytes: config.offsetsTopicSegmentBytes,
    minInsyncReplicas: null,
    writeTimeoutMs: config.offsetsCommitTimeoutMs,
  });
}
