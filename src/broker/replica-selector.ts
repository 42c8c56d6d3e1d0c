/**
 * Kafka's RackAwareReplicaSelector (KIP-392, `replica.selector.class`): a
 * consumer that names its rack (Fetch v11+ rack_id, librdkafka's and the
 * Java client's `client.rack`) is sent to an in-sync replica in that rack,
 * unless the leader is there itself. The leader answers such a fetch with
 * the replica's id as preferred_read_replica and no records; the client
 * then fetches from that follower, which serves it up to its own high
 * watermark, and comes back to the leader on any error there.
 */
import type { MetadataImage } from '../metadata/index.ts';
import type { Partition } from './partition.ts';

/** The replica a consumer in `clientRack` should read this led partition from, or null for the leader itself. */
export function preferredReadReplica(partition: Partition, clientRack: string, image: MetadataImage, leaderId: number): number | null {
  if (clientRack === '') return null;
  if (image.brokers.get(leaderId)?.rack === clientRack) return null;
  for (const id of partition.isr) {
    if (id === leaderId) continue;
    const broker = image.brokers.get(id);
    if (broker !== undefined && !broker.fenced && broker.rack === clientRack) return id;
  }
  return null;
}
