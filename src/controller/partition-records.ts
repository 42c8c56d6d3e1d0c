/** The partition records the controller writes: a new partition, and changes of leader and ISR. */
import { metadataRecord, records as recordCodecs, type MetadataRecord } from '../metadata/index.ts';

/** A new partition: every replica in sync, the first one leading. */
export function partitionRecord(topicId: string, partitionId: number, replicas: number[]): MetadataRecord {
  return metadataRecord(recordCodecs.PartitionRecord, {
    ...recordCodecs.defaultPartitionRecord(),
    partitionId, topicId, replicas, isr: replicas.slice(), leader: replicas[0]!, leaderEpoch: 0, partitionEpoch: 0,
    directories: [],
  }, 0);
}

export function partitionLeaderRecord(topicId: string, partitionId: number, leader: number): MetadataRecord {
  return partitionChangeRecord(topicId, partitionId, leader, null);
}

/** leader -2 keeps the leader; isr null keeps the ISR. */
export function partitionChangeRecord(topicId: string, partitionId: number, leader: number, isr: number[] | null): MetadataRecord {
  return metadataRecord(recordCodecs.PartitionChangeRecord, { ...recordCodecs.defaultPartitionChangeRecord(), topicId, partitionId, leader, isr });
}
