/**
 * Rebuilds the groups of one `__consumer_offsets` partition from its records,
 * as Kafka's GroupMetadataManager loads a partition: the last record of each
 * key wins and a tombstone removes it; a group comes back Stable with its
 * members when its last metadata had members (they must heartbeat within
 * their session timeout, or they are expired), Empty otherwise; offsets of a
 * group without metadata make an Empty group of their own (simple consumers).
 */
import { ClassicGroup, type GroupMember } from './classic-group.ts';
import { ConsumerGroup } from './consumer-group.ts';
import { isConsumerGroupRecord, replayConsumerGroupRecord } from './consumer-group-records.ts';
import { committedOffsetFromRecord } from './offsets.ts';
import type { CoordinatorRecord, GroupMetadataRecordValue, OffsetCommitRecordValue } from './records.ts';

/** A producer's offsets written in a transaction not yet ended by a marker: group → "topic\0partition" → offset. */
export type PendingTxnOffsets = Map<string, Map<string, { topic: string; partition: number; value: OffsetCommitRecordValue }>>;

export class PartitionLoader {
  /** Offsets of transactions whose marker has not been read yet, by producer id. */
  private readonly pending = new Map<bigint, PendingTxnOffsets>();
  /** group → last metadata (null once tombstoned). */
  private readonly metadata = new Map<string, GroupMetadataRecordValue | null>();
  /** group → "topic\0partition" → last offset (null once tombstoned). */
  private readonly offsets = new Map<string, Map<string, { topic: string; partition: number; value: OffsetCommitRecordValue | null }>>();

  /** KIP-848 groups, rebuilt record by record (their records are deltas, not snapshots). */
  private readonly consumer = new Map<string, ConsumerGroup>();

  apply(record: CoordinatorRecord): void {
    if (isConsumerGroupRecord(record)) {
      let g = this.consumer.get(record.group);
      if (g === undefined) this.consumer.set(record.group, g = new ConsumerGroup(record.group));
      replayConsumerGroupRecord(g, record);
      // The group epoch's tombstone is the last record of a deleted (or converted) group.
      if (record.kind === 'cg-epoch' && record.epoch === null) this.consumer.delete(record.group);
    } else if (record.kind === 'group') {
      this.metadata.set(record.group, record.value);
    } else if (record.kind === 'offset') {
      let byPartition = this.offsets.get(record.group);
      if (byPartition === undefined) this.offsets.set(record.group, byPartition = new Map());
      byPartition.set(`${record.topic}\0${record.partition}`, { topic: record.topic, partition: record.partition, value: record.value });
    }
  }

  /** An offset commit written in a producer's transaction: it counts once the transaction's COMMIT marker is read. */
  applyTransactional(record: CoordinatorRecord, producerId: bigint): void {
    if (record.kind !== 'offset' || record.value === null) return;
    let byGroup = this.pending.get(producerId);
    if (byGroup === undefined) this.pending.set(producerId, byGroup = new Map());
    let byPartition = byGroup.get(record.group);
    if (byPartition === undefined) byGroup.set(record.group, byPartition = new Map());
    byPartition.set(`${record.topic}\0${record.partition}`, { topic: record.topic, partition: record.partition, value: record.value });
  }

  /** A transaction marker: the producer's pending offsets commit (as if written now) or vanish. */
  marker(producerId: bigint, committed: boolean): void {
    const byGroup = this.pending.get(producerId);
    this.pending.delete(producerId);
    if (byGroup === undefined || !committed) return;
    for (const [group, byPartition] of byGroup) {
      for (const o of byPartition.values()) this.apply({ kind: 'offset', group, topic: o.topic, partition: o.partition, value: o.value });
    }
  }

  /** Transactions still open at the end of the partition: their offsets wait for a marker. */
  pendingTransactions(): ReadonlyMap<bigint, PendingTxnOffsets> {
    return this.pending;
  }

  /** The classic groups as they stand once every record is applied (offsets of consumer groups go to those). */
  groups(): ClassicGroup[] {
    const out = new Map<string, ClassicGroup>();
    for (const [groupId, value] of this.metadata) if (value !== null && !this.consumer.has(groupId)) out.set(groupId, groupFromRecord(groupId, value));
    for (const [groupId, byPartition] of this.offsets) {
      const consumer = this.consumer.get(groupId);
      let group = out.get(groupId);
      for (const o of byPartition.values()) {
        if (o.value === null) continue;
        if (consumer !== undefined) {
          consumer.putOffset(o.topic, o.partition, committedOffsetFromRecord(o.value));
          continue;
        }
        if (group === undefined) out.set(groupId, group = new ClassicGroup(groupId, null));
        group.putOffset(o.topic, o.partition, committedOffsetFromRecord(o.value));
      }
    }
    return [...out.values()];
  }

  /** The KIP-848 consumer groups; call after groups(), which gives them their offsets. */
  consumerGroups(): ConsumerGroup[] {
    return [...this.consumer.values()];
  }
}

function groupFromRecord(groupId: string, v: GroupMetadataRecordValue): ClassicGroup {
  const g = new ClassicGroup(groupId, v.currentStateTimestamp >= 0n ? Number(v.currentStateTimestamp) : null);
  g.generationId = v.generation;
  g.protocolType = v.protocolType === '' ? null : v.protocolType;
  g.protocolName = v.protocol === '' ? null : v.protocol;
  for (const m of v.members) {
    const member: GroupMember = {
      memberId: m.memberId, groupInstanceId: m.groupInstanceId, clientId: m.clientId, clientHost: m.clientHost,
      // GroupMetadataValue v0 had no rebalance timeout: Kafka used the session timeout.
      rebalanceTimeoutMs: m.rebalanceTimeout >= 0 ? m.rebalanceTimeout : m.sessionTimeout,
      sessionTimeoutMs: m.sessionTimeout, protocolType: g.protocolType ?? '',
      protocols: g.protocolName === null ? [] : [{ name: g.protocolName, metadata: m.subscription }],
      assignment: m.assignment, joinReply: null, syncReply: null, isNew: false, heartbeatDeadlineMs: null,
    };
    g.add(member);
  }
  g.leaderId = v.leader !== null && g.has(v.leader) ? v.leader : g.members.keys().next().value ?? null;
  if (g.size > 0) {
    g.state = 'Stable';
    g.subscribedTopics = g.computeSubscribedTopics();
  }
  return g;
}
