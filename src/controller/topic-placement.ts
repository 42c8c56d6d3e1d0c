/**
 * Where a new topic's (or new partitions') replicas go: round robin over the
 * live brokers in placement order, or an explicit assignment checked as
 * Kafka checks it.
 */
import type { MetadataImage } from '../metadata/index.ts';
import { ErrorCode } from '../protocol/index.ts';

/**
 * Unfenced brokers in placement order: sorted by id, and when racks are set
 * interleaved rack by rack (Kafka's rack-aware order), so consecutive
 * partitions, and a partition's replicas, land on different racks.
 */
export function placementOrder(image: MetadataImage): number[] {
  const live = [...image.brokers.values()].filter((b) => !b.fenced).sort((a, b) => a.id - b.id);
  if (live.every((b) => b.rack === null)) return live.map((b) => b.id);
  const byRack = new Map<string, number[]>();
  for (const b of live) {
    const rack = b.rack ?? '';
    byRack.set(rack, [...(byRack.get(rack) ?? []), b.id]);
  }
  const racks = [...byRack.keys()].sort().map((r) => byRack.get(r)!);
  const ordered: number[] = [];
  for (let i = 0; ordered.length < live.length; i++) for (const ids of racks) if (i < ids.length) ordered.push(ids[i]!);
  return ordered;
}

/** Spreads replicas over the brokers, each partition starting one broker further, as Kafka's default placement does. */
export function roundRobin(brokers: number[], partitions: number, factor: number, firstPartition: number): number[][] {
  const out: number[][] = [];
  for (let p = 0; p < partitions; p++) {
    const replicas: number[] = [];
    for (let r = 0; r < factor; r++) replicas.push(brokers[(firstPartition + p + r) % brokers.length]!);
    out.push(replicas);
  }
  return out;
}

export function checkAssignments(
  assignments: { partitionIndex: number; brokerIds: number[] }[], firstPartition: number, live: number[], expected = -1,
): number[][] | { errorCode: number; errorMessage: string } {
  const bad = (errorMessage: string) => ({ errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage });
  if (expected !== -1 && assignments.length !== expected) {
    return bad(`Increasing the number of partitions by ${expected} but ${assignments.length} assignments provided.`);
  }
  const sorted = [...assignments].sort((a, b) => a.partitionIndex - b.partitionIndex);
  const factor = sorted[0]?.brokerIds.length ?? 0;
  const out: number[][] = [];
  for (let i = 0; i < sorted.length; i++) {
    const { partitionIndex, brokerIds } = sorted[i]!;
    if (partitionIndex !== firstPartition + i) return bad('Partitions should be a consecutive 0-based integer sequence.');
    if (brokerIds.length === 0) return bad(`Empty replica assignment for partition ${partitionIndex}.`);
    if (brokerIds.length !== factor) return bad('All partitions should have the same number of replicas.');
    if (new Set(brokerIds).size !== brokerIds.length) return bad(`Duplicate brokers in the replica assignment for partition ${partitionIndex}.`);
    const unknown = brokerIds.find((id) => !live.includes(id));
    if (unknown !== undefined) return bad(`The manual partition assignment includes broker ${unknown}, which is not registered.`);
    out.push(brokerIds.slice());
  }
  if (out.length === 0) return bad('No partitions in the replica assignment.');
  return out;
}
