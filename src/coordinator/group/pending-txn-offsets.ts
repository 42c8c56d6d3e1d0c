/**
 * Offsets committed inside transactions (TxnOffsetCommit) that wait for
 * their transaction's marker: by producer id, then group, then
 * `topic\0partition`. A commit marker applies them to their group, an abort
 * drops them; until then OffsetFetch with require_stable answers
 * UNSTABLE_OFFSET_COMMIT for those partitions.
 */
import type { CommittedOffset } from './classic-group.ts';

/** An offset accepted for writing, applied (or made pending) once written. */
export interface AcceptedOffset { topic: string; partition: number; committed: CommittedOffset }

export class PendingTxnOffsets {
  private readonly byProducer = new Map<bigint, Map<string, Map<string, AcceptedOffset>>>();

  add(producerId: bigint, groupId: string, offsets: readonly AcceptedOffset[]): void {
    let byGroup = this.byProducer.get(producerId);
    if (byGroup === undefined) this.byProducer.set(producerId, byGroup = new Map());
    let byPartition = byGroup.get(groupId);
    if (byPartition === undefined) byGroup.set(groupId, byPartition = new Map());
    for (const o of offsets) byPartition.set(`${o.topic}\0${o.partition}`, o);
  }

  /**
   * The producer's transaction ended for the groups `inPartition` accepts
   * (those of the offsets partition the marker reached): their offsets are
   * returned by group (to apply when it committed) and forgotten.
   */
  complete(producerId: bigint, inPartition: (groupId: string) => boolean): Map<string, AcceptedOffset[]> {
    const ended = new Map<string, AcceptedOffset[]>();
    const byGroup = this.byProducer.get(producerId);
    if (byGroup === undefined) return ended;
    for (const [groupId, byPartition] of [...byGroup]) {
      if (!inPartition(groupId)) continue;
      byGroup.delete(groupId);
      ended.set(groupId, [...byPartition.values()]);
    }
    if (byGroup.size === 0) this.byProducer.delete(producerId);
    return ended;
  }

  /** Forgets the pending offsets of the groups `drop` selects (their partition was unloaded). */
  forget(drop: (groupId: string) => boolean): void {
    for (const [producerId, byGroup] of [...this.byProducer]) {
      for (const groupId of [...byGroup.keys()]) if (drop(groupId)) byGroup.delete(groupId);
      if (byGroup.size === 0) this.byProducer.delete(producerId);
    }
  }

  clear(): void {
    this.byProducer.clear();
  }

  /** "topic\0partition" of every offset of the group that an open transaction may still change. */
  partitionsOf(groupId: string): Set<string> {
    const out = new Set<string>();
    for (const byGroup of this.byProducer.values()) for (const key of byGroup.get(groupId)?.keys() ?? []) out.add(key);
    return out;
  }
}
