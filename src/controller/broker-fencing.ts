/**
 * What fencing and unfencing a broker changes: the FenceBrokerRecord or
 * UnfenceBrokerRecord, and its partitions' leaders and ISRs. A fenced broker
 * leaves every ISR it is in unless it is the last member (the partition then
 * waits for it: unclean.leader.election.enable=false), and another in-sync
 * replica takes over what it led; an unfenced broker leads the leaderless
 * partitions whose ISR holds it.
 */
import { metadataRecord, records as recordCodecs, type MetadataImage, type MetadataRecord } from '../metadata/index.ts';
import { partitionChangeRecord, partitionLeaderRecord } from './partition-records.ts';
import { placementOrder } from './topic-placement.ts';

export function fenceRecords(image: MetadataImage, brokerId: number): MetadataRecord[] {
  const broker = image.brokers.get(brokerId)!;
  const out: MetadataRecord[] = [metadataRecord(recordCodecs.FenceBrokerRecord, { id: brokerId, epoch: broker.epoch })];
  const live = new Set(placementOrder(image).filter((id) => id !== brokerId));
  for (const topic of image.topicsByName.values()) {
    for (const p of topic.partitions) {
      if (p === undefined || !p.isr.includes(brokerId)) continue;
      // The fenced broker leaves the ISR, unless it is the last member (then the partition waits for it:
      // unclean.leader.election.enable=false). Another in-sync replica takes over its leaderships.
      const isr = p.isr.length > 1 ? p.isr.filter((id) => id !== brokerId) : p.isr;
      const leader = p.leader !== brokerId ? p.leader : isr.find((id) => live.has(id)) ?? -1;
      out.push(partitionChangeRecord(topic.id, p.partitionId, leader, isr === p.isr ? null : [...isr]));
    }
  }
  return out;
}

export function unfenceRecords(image: MetadataImage, brokerId: number): MetadataRecord[] {
  const broker = image.brokers.get(brokerId)!;
  const out: MetadataRecord[] = [metadataRecord(recordCodecs.UnfenceBrokerRecord, { id: brokerId, epoch: broker.epoch })];
  for (const topic of image.topicsByName.values()) {
    for (const p of topic.partitions) {
      if (p === undefined || p.leader !== -1 || !p.isr.includes(brokerId)) continue;
      out.push(partitionLeaderRecord(topic.id, p.partitionId, brokerId));
    }
  }
  return out;
}
