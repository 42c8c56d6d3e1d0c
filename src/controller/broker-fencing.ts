/**
 * What fencing and unfencing a broker changes: the FenceBrokerRecord or
 * UnfenceBrokerRecord, and its partitions' leaders and ISRs. A fenced broker
 * leaves every ISR it is in unless it is the last member (the partition then
 * waits for it: unclean.leader.election.enable=false), and another in-sync
 * replica takes over what it led; an unfenced broker leads the leaderless
 * partitions whose ISR holds it. Where a topic has unclean.leader.election.enable,
 * a partition left with no live in-sync replica goes to a live replica outside
 * the ISR instead of waiting (records it lacks are lost: the operator's choice).
 */
import { metadataRecord, records as recordCodecs, type MetadataImage, type MetadataRecord } from '../metadata/index.ts';
import { partitionChangeRecord, partitionLeaderRecord } from './partition-records.ts';
import { placementOrder } from './topic-placement.ts';

/** Whether a topic allows unclean leader election (its override, else the cluster's default). */
export type UncleanElection = (topic: string) => boolean;
const NEVER: UncleanElection = () => false;

export function fenceRecords(image: MetadataImage, brokerId: number, unclean: UncleanElection = NEVER): MetadataRecord[] {
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
      const outsider = leader === -1 && unclean(topic.name) ? p.replicas.find((id) => live.has(id)) : undefined;
      if (outsider !== undefined) {
        out.push(partitionChangeRecord(topic.id, p.partitionId, outsider, [outsider]));
        continue;
      }
      out.push(partitionChangeRecord(topic.id, p.partitionId, leader, isr === p.isr ? null : [...isr]));
    }
  }
  return out;
}

export function unfenceRecords(image: MetadataImage, brokerId: number, unclean: UncleanElection = NEVER): MetadataRecord[] {
  const broker = image.brokers.get(brokerId)!;
  const out: MetadataRecord[] = [metadataRecord(recordCodecs.UnfenceBrokerRecord, { id: brokerId, epoch: broker.epoch })];
  for (const topic of image.topicsByName.values()) {
    for (const p of topic.partitions) {
      if (p === undefined || p.leader !== -1) continue;
      if (p.isr.includes(brokerId)) out.push(partitionLeaderRecord(topic.id, p.partitionId, brokerId));
      // Leaderless means every in-sync replica is fenced: an unclean topic takes this replica as it is.
      else if (p.replicas.includes(brokerId) && unclean(topic.name)) out.push(partitionChangeRecord(topic.id, p.partitionId, brokerId, [brokerId]));
    }
  }
  return out;
}
