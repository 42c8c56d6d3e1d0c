/**
 * Which leader an election gives a partition, Kafka's rules for ElectLeaders
 * and for the automatic preferred-leader rebalance alike. Pure: the
 * controller turns an `elect` into a PartitionChangeRecord.
 */
import type { PartitionImage } from '../metadata/index.ts';
import { ErrorCode } from '../protocol/index.ts';

/** ElectLeaders' election types. */
export const ElectionType = { Preferred: 0, Unclean: 1 } as const;

export type Election =
  /** A new leader; `isr` replaces the ISR when not null (an unclean leader is the ISR alone). */
  | { readonly kind: 'elect'; readonly leader: number; readonly isr: number[] | null }
  | { readonly kind: 'refuse'; readonly errorCode: number; readonly errorMessage: string };

/**
 * PREFERRED: the partition's first replica, when it is live and in sync and
 * not already leading. UNCLEAN: for a partition with no live leader, its
 * first live replica even outside the ISR (it may lack acknowledged records,
 * which is why only an operator asks for it).
 */
export function electionFor(type: number, name: string, p: PartitionImage, live: ReadonlySet<number>): Election {
  const refuse = (errorCode: number, errorMessage: string): Election => ({ kind: 'refuse', errorCode, errorMessage });
  const notNeeded = refuse(ErrorCode.ELECTION_NOT_NEEDED, 'Leader election not needed for topic partition.');
  if (type === ElectionType.Preferred) {
    const preferred = p.replicas[0];
    if (p.leader === preferred) return notNeeded;
    if (preferred === undefined || !live.has(preferred) || !p.isr.includes(preferred)) {
      return refuse(ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE,
        `Failed to elect leader for partition ${name}-${p.partitionId} under strategy PreferredReplicaPartitionLeaderElectionStrategy`);
    }
    return { kind: 'elect', leader: preferred, isr: null };
  }
  if (type === ElectionType.Unclean) {
    if (p.leader >= 0 && live.has(p.leader)) return notNeeded;
    const candidate = p.replicas.find((r) => live.has(r));
    if (candidate === undefined) {
      return refuse(ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE,
        `Failed to elect leader for partition ${name}-${p.partitionId} under strategy UncleanPartitionLeaderElectionStrategy`);
    }
    return { kind: 'elect', leader: candidate, isr: [candidate] };
  }
  return refuse(ErrorCode.INVALID_REQUEST, `unknown election type ${type}`);
}
