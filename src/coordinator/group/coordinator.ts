/**
 * The group coordinator: every group of the `__consumer_offsets` partitions
 * this node leads — classic groups here, KIP-848 consumer groups in
 * ConsumerGroups (consumer-coordinator.ts) — their committed offsets, and
 * the records that make them durable. It answers the broker's
 * GroupCoordinatorApi.
 *
 * Each group's rebalance protocol is a pure GroupMachine; this class owns
 * the map of them, checks that a group is ours (NOT_COORDINATOR otherwise),
 * writes to the log before answering, and turns replies into Promises. It
 * reads the injected clock once per request and passes the time down.
 * Timers are deadlines: the server's driver asks `nextDeadlineMs()`, calls
 * `tick(nowMs)` when it comes, and re-asks whenever `onDeadlinesChanged` fires.
 */
import type {
  ConsumerGroupDescription, ConsumerGroupHeartbeatInput, ConsumerGroupHeartbeatResult, GroupCoordinatorApi, GroupDescription,
  GroupJoinRequest, GroupJoinResult, GroupLeaveResult, GroupListing, GroupMemberRef,
  GroupOffsetCommitRequest, GroupOffsetFetchResult, GroupSyncRequest, GroupSyncResult, GroupTopicErrors, GroupTopicPartitions,
  GroupTxnOffsetCommitRequest,
} from '../../broker/index.ts';
import { ErrorCode } from '../../protocol/index.ts';
import { ClassicGroup, type CommittedOffset } from './classic-group.ts';
import { ConsumerGroups } from './consumer-coordinator.ts';
import { CONSUMER_GROUP_TYPE } from './consumer-group.ts';
import { describeConsumerGroup, validateConsumerOffsetCommit, validateConsumerOffsetFetch } from './consumer-group-views.ts';
import { PartitionLoader, type PendingTxnOffsets as LoadedTxnOffsets } from './group-loader.ts';
import { PendingTxnOffsets, type AcceptedOffset } from './pending-txn-offsets.ts';
import { GroupMachine, NEW_MEMBER_JOIN_TIMEOUT_MS, joinError, syncError, type GroupEnv } from './group-machine.ts';
import { committedOffsetFromRecord, expiredOffsets, offsetRecordValue } from './offsets.ts';
import type { TransactionalWriter } from '../internal-topic.ts';
import { partitionForGroup } from './partition-for.ts';
import {
  CoordinatorRecordError, decodeCoordinatorRecord, groupMetadataRecord, offsetCommitRecord,
  type EncodedRecord,
} from './records.ts';
import { DEFAULT_CONSUMER_GROUP_CONFIG, type GroupCoordinatorDeps } from './coordinator-config.ts';
import { allOffsets, countOffsets, describeClassicGroup, fetchedOffset, groupRecordValue, listedGroups } from './coordinator-views.ts';

export { DEFAULT_CONSUMER_GROUP_CONFIG, groupCoordinatorConfig, type GroupCoordinatorConfig, type GroupCoordinatorDeps } from './coordinator-config.ts';


export class GroupCoordinator implements GroupCoordinatorApi {
  private readonly deps: GroupCoordinatorDeps;
  private readonly env: GroupEnv;
  private readonly groups = new Map<string, GroupMachine>();
  /** KIP-848 groups; a group id is in this or in `groups`, never both. */
  protected readonly consumer: ConsumerGroups;
  private readonly loadedPartitions = new Set<number>();
  /** Offsets committed in transactions not yet ended, by producer id; a marker commits or drops them. */
  private readonly pendingTxnOffsets = new PendingTxnOffsets();
  private retentionDeadlineMs: number | null = null;
  private listener: (() => void) | null = null;

  constructor(deps: GroupCoordinatorDeps) {
    this.deps = deps;
    this.env = {
      config: {
        initialRebalanceDelayMs: deps.config.groupInitialRebalanceDelayMs,
        groupSizeMax: deps.config.groupMaxSize,
        newMemberJoinTimeoutMs: NEW_MEMBER_JOIN_TIMEOUT_MS,
      },
      storeGroup: (group, assignments, nowMs) => this.storeGroup(group, assignments, nowMs),
      newUuid: deps.newUuid,
      log: deps.logLine,
    };
    this.consumer = new ConsumerGroups({
      config: deps.config.consumer ?? DEFAULT_CONSUMER_GROUP_CONFIG,
      nowMs: () => deps.clock.nowMs(),
      topics: () => deps.topics?.() ?? new Map(),
      write: (groupId, records, nowMs) => {
        const partition = this.partitionFor(groupId);
        if (partition === null || !this.loadedPartitions.has(partition)) return ErrorCode.NOT_COORDINATOR;
        return this.deps.log.commit(partition, records, nowMs);
      },
      append: (groupId, records, nowMs) => this.append(groupId, records, nowMs),
      coordinates: (groupId) => {
        const partition = this.partitionFor(groupId);
        return partition !== null && this.loadedPartitions.has(partition);
      },
      newMemberId: deps.newUuid,
      logLine: deps.logLine,
      changed: () => this.changed(),
    });
  }

  private consumerProtocolEnabled(): boolean {
    return (this.deps.config.rebalanceProtocols ?? ['classic', 'consumer']).includes(CONSUMER_GROUP_TYPE);
  }

  // ---- ownership, loading, timers -----------------------------------------------------------

  /** Loads the partitions this node leads and has not loaded yet; forgets those it no longer leads. */
  load(nowMs: number): void {
    const led = new Set(this.deps.log.ledPartitions().map((p) => p.partition));
    for (const p of [...this.loadedPartitions]) if (!led.has(p)) this.unloadPartition(p);
    for (const p of led) if (!this.loadedPartitions.has(p)) this.loadPartition(p, nowMs);
    this.retentionDeadlineMs ??= nowMs + this.deps.config.offsetsRetentionCheckIntervalMs;
    this.changed();
  }

  private loadPartition(partition: number, nowMs: number): void {
    const loader = new PartitionLoader();
    let skipped = 0;
    this.deps.log.replay(partition, {
      record: (key, value, producerId) => {
        try {
          const record = decodeCoordinatorRecord(key, value);
          if (producerId === null) loader.apply(record);
          else loader.applyTransactional(record, producerId);
        } catch (e) {
          if (!(e instanceof CoordinatorRecordError)) throw e;
          skipped++;
        }
      },
      marker: (producerId, committed) => loader.marker(producerId, committed),
    });
    for (const [producerId, byGroup] of loader.pendingTransactions()) this.restorePending(producerId, byGroup);
    const groups = loader.groups();
    for (const group of groups) {
      const machine = new GroupMachine(group, this.env);
      machine.scheduleLoadedMembers(nowMs);
      this.groups.set(group.groupId, machine);
    }
    const consumerGroups = loader.consumerGroups();
    for (const group of consumerGroups) this.consumer.adopt(group, nowMs);
    this.loadedPartitions.add(partition);
    if (groups.length + consumerGroups.length > 0 || skipped > 0) {
      this.deps.logLine(`loaded ${groups.length + consumerGroups.length} groups from __consumer_offsets-${partition}${skipped > 0 ? `, skipped ${skipped} unreadable records` : ''}`);
    }
  }

  private unloadPartition(partition: number): void {
    for (const [groupId, machine] of [...this.groups]) {
      const at = this.partitionFor(groupId);
      // With the topic gone every group goes; otherwise only those of this partition.
      if (at !== null && at !== partition) continue;
      machine.unload(ErrorCode.NOT_COORDINATOR);
      this.groups.delete(groupId);
    }
    this.consumer.unload((groupId) => {
      const at = this.partitionFor(groupId);
      return at === null || at === partition;
    });
    this.pendingTxnOffsets.forget((groupId) => {
      const at = this.partitionFor(groupId);
      return at === null || at === partition;
    });
    this.loadedPartitions.delete(partition);
  }

  /** Stops coordinating: requests still waiting are answered NOT_COORDINATOR. */
  shutdown(): void {
    for (const machine of this.groups.values()) machine.unload(ErrorCode.NOT_COORDINATOR);
    this.groups.clear();
    this.consumer.clear();
    this.pendingTxnOffsets.clear();
    this.loadedPartitions.clear();
    this.retentionDeadlineMs = null;
    this.listener = null;
  }

  onDeadlinesChanged(listener: () => void): void {
    this.listener = listener;
  }

  private changed(): void {
    this.listener?.();
  }

  nextDeadlineMs(): number | null {
    let next = this.retentionDeadlineMs;
    for (const machine of this.groups.values()) {
      const t = machine.nextDeadlineMs();
      if (t !== null && (next === null || t < next)) next = t;
    }
    const c = this.consumer.nextDeadlineMs();
    if (c !== null && (next === null || c < next)) next = c;
    return next;
  }

  tick(nowMs: number): void {
    for (const machine of [...this.groups.values()]) {
      const t = machine.nextDeadlineMs();
      if (t !== null && t <= nowMs) machine.tick(nowMs);
    }
    void this.consumer.tick(nowMs);
    if (this.retentionDeadlineMs !== null && this.retentionDeadlineMs <= nowMs) {
      for (const machine of [...this.groups.values()]) this.expireOffsets(machine, nowMs);
      for (const g of [...this.consumer.groups.values()]) {
        this.consumer.expireOffsets(g, nowMs, this.deps.config.offsetsRetentionMs).catch((e: unknown) => this.deps.logLine(`group ${g.groupId}: offset expiry failed: ${(e as Error).message}`));
      }
      this.retentionDeadlineMs = nowMs + this.deps.config.offsetsRetentionCheckIntervalMs;
    }
  }

  private partitionFor(groupId: string): number | null {
    const count = this.deps.log.partitionCount();
    return count === null ? null : partitionForGroup(groupId, count);
  }

  /** Kafka's validateGroupStatus: a usable group id, and a group this node coordinates. */
  private groupStatus(groupId: string, emptyIdAllowed: boolean): number {
    if (!emptyIdAllowed && groupId === '') return ErrorCode.INVALID_GROUP_ID;
    const partition = this.partitionFor(groupId);
    if (partition === null || !this.loadedPartitions.has(partition)) return ErrorCode.NOT_COORDINATOR;
    return ErrorCode.NONE;
  }

  private append(groupId: string, records: readonly EncodedRecord[], nowMs: number): number {
    const partition = this.partitionFor(groupId);
    if (partition === null || !this.loadedPartitions.has(partition)) return ErrorCode.NOT_COORDINATOR;
    return this.deps.log.append(partition, records, nowMs);
  }

  private storeGroup(group: ClassicGroup, assignments: ReadonlyMap<string, Buffer>, nowMs: number): number {
    const error = this.append(group.groupId, [groupMetadataRecord(group.groupId, groupRecordValue(group, assignments))], nowMs);
    return error === ErrorCode.RECORD_LIST_TOO_LARGE ? ErrorCode.UNKNOWN_SERVER_ERROR : error;
  }

  private createGroup(groupId: string, nowMs: number): GroupMachine {
    const machine = new GroupMachine(new ClassicGroup(groupId, nowMs), this.env);
    this.groups.set(groupId, machine);
    return machine;
  }

  // ---- FindCoordinator and the rebalance APIs ------------------------------------------------

  async coordinatorPartition(groupId: string): Promise<{ partition: number; errorCode: number; errorMessage: string | null }> {
    const ensured = await this.deps.log.ensureTopic();
    if (ensured.errorCode !== ErrorCode.NONE) return { partition: -1, ...ensured };
    this.load(this.deps.clock.nowMs());
    const partition = this.partitionFor(groupId);
    if (partition === null) return { partition: -1, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, errorMessage: null };
    return { partition, errorCode: ErrorCode.NONE, errorMessage: null };
  }

  joinGroup(req: GroupJoinRequest): Promise<GroupJoinResult> {
    const nowMs = this.deps.clock.nowMs();
    let error = this.groupStatus(req.groupId, false);
    const { groupMinSessionTimeoutMs: min, groupMaxSessionTimeoutMs: max } = this.deps.config;
    if (error === ErrorCode.NONE && (req.sessionTimeoutMs < min || req.sessionTimeoutMs > max)) error = ErrorCode.INVALID_SESSION_TIMEOUT;
    const consumerGroup = this.consumer.groups.get(req.groupId);
    if (error === ErrorCode.NONE && consumerGroup !== undefined) {
      // A classic member cannot join a group of KIP-848 members (online migration is not implemented); an empty one converts.
      if (consumerGroup.members.size > 0) return Promise.resolve(joinError(req.memberId, ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
      return this.consumer.deleteGroup(req.groupId, []).then((written) => {
        if (written !== ErrorCode.NONE) return joinError(req.memberId, written);
        const machine = this.createGroup(req.groupId, this.deps.clock.nowMs());
        for (const [topic, byPartition] of consumerGroup.offsets) for (const [p, c] of byPartition) machine.group.putOffset(topic, p, c);
        this.deps.logLine(`group ${req.groupId}: empty consumer group converted to a classic group`);
        return this.joinGroup(req);
      });
    }
    let machine = this.groups.get(req.groupId);
    if (error === ErrorCode.NONE && machine === undefined && req.memberId !== '') error = ErrorCode.UNKNOWN_MEMBER_ID;
    if (error !== ErrorCode.NONE) return Promise.resolve(joinError(req.memberId, error));
    machine ??= this.createGroup(req.groupId, nowMs);
    const target = machine;
    return new Promise((resolve) => {
      target.join(req, nowMs, resolve);
      this.changed();
    });
  }

  syncGroup(req: GroupSyncRequest): Promise<GroupSyncResult> {
    const nowMs = this.deps.clock.nowMs();
    const error = this.groupStatus(req.groupId, false);
    if (error !== ErrorCode.NONE) return Promise.resolve(syncError(error));
    const machine = this.groups.get(req.groupId);
    if (machine === undefined) return Promise.resolve(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    return new Promise((resolve) => {
      machine.sync(req, nowMs, resolve);
      this.changed();
    });
  }

  heartbeat(req: GroupMemberRef & { generationId: number }): number {
    const error = this.groupStatus(req.groupId, false);
    if (error !== ErrorCode.NONE) return error;
    const machine = this.groups.get(req.groupId);
    if (machine === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    const result = machine.heartbeat(req, this.deps.clock.nowMs());
    this.changed();
    return result;
  }

  leaveGroup(groupId: string, members: readonly (GroupMemberRef & { reason: string | null })[]): GroupLeaveResult {
    const error = this.groupStatus(groupId, false);
    if (error !== ErrorCode.NONE) return { errorCode: error, members: [] };
    const machine = this.groups.get(groupId);
    if (machine === undefined) {
      return {
        errorCode: ErrorCode.NONE,
        members: members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode: ErrorCode.UNKNOWN_MEMBER_ID })),
      };
    }
    const result = machine.leave(members, this.deps.clock.nowMs());
    this.changed();
    return result;
  }

  // ---- offsets ----------------------------------------------------------------------------------

  commitOffsets(req: GroupOffsetCommitRequest): GroupTopicErrors[] | Promise<GroupTopicErrors[]> {
    const nowMs = this.deps.clock.nowMs();
    const fail = (errorCode: number): GroupTopicErrors[] => req.topics.map((t) => ({
      name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })),
    }));
    const status = this.groupStatus(req.groupId, true);
    if (status !== ErrorCode.NONE) return fail(status);
    const consumerGroup = this.consumer.groups.get(req.groupId);
    if (consumerGroup !== undefined) {
      const checked = validateConsumerOffsetCommit(consumerGroup, req.memberId, req.generationId, false, req.apiVersion ?? Number.MAX_SAFE_INTEGER);
      if (checked.errorCode !== ErrorCode.NONE) return fail(checked.errorCode);
      const expireTimestampMs = req.retentionTimeMs >= 0 ? nowMs + req.retentionTimeMs : -1;
      return this.writeOffsets(req.groupId, req.topics, nowMs, expireTimestampMs, null, (accepted) => {
        const g = this.consumer.groups.get(req.groupId) ?? consumerGroup;
        for (const a of accepted) g.putOffset(a.topic, a.partition, a.committed);
      });
    }
    let machine = this.groups.get(req.groupId);
    if (machine === undefined) {
      // A commit with generation -1 and no group is a simple consumer or an admin tool: it gets a group of its own.
      if (req.generationId >= 0) return fail(req.unknownGroupIsNotFound ? ErrorCode.GROUP_ID_NOT_FOUND : ErrorCode.ILLEGAL_GENERATION);
      machine = this.createGroup(req.groupId, nowMs);
    }
    const error = machine.validateOffsetCommit(req, nowMs);
    this.changed();
    if (error !== ErrorCode.NONE) return fail(error);
    return this.storeOffsets(machine.group, req, nowMs);
  }

  private storeOffsets(group: ClassicGroup, req: GroupOffsetCommitRequest, nowMs: number): GroupTopicErrors[] | Promise<GroupTopicErrors[]> {
    const expireTimestampMs = req.retentionTimeMs >= 0 ? nowMs + req.retentionTimeMs : -1;
    return this.writeOffsets(group.groupId, req.topics, nowMs, expireTimestampMs, null, (accepted) => {
      for (const a of accepted) group.putOffset(a.topic, a.partition, a.committed);
    });
  }

  /**
   * The one path by which commits reach `__consumer_offsets`: the acceptable
   * offsets are written as one batch with acks=all (as the producer's
   * transactional batch when `producer` is given), and `apply` runs only
   * once every in-sync replica has them, so a commit a failover could lose
   * is never answered or served. Oversized metadata is refused per partition.
   */
  private writeOffsets(
    groupId: string, topics: GroupOffsetCommitRequest['topics'], nowMs: number, expireTimestampMs: number,
    producer: TransactionalWriter | null, apply: (accepted: readonly AcceptedOffset[]) => void,
  ): GroupTopicErrors[] | Promise<GroupTopicErrors[]> {
    const accepted: AcceptedOffset[] = [];
    const records: EncodedRecord[] = [];
    const results = topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p): { partitionIndex: number; errorCode: number } => {
        const metadata = p.metadata ?? '';
        if (metadata.length > this.deps.config.offsetMetadataMaxBytes) {
          return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.OFFSET_METADATA_TOO_LARGE };
        }
        const committed: CommittedOffset = { offset: p.offset, leaderEpoch: p.leaderEpoch, metadata, commitTimestampMs: nowMs, expireTimestampMs };
        accepted.push({ topic: t.name, partition: p.partitionIndex, committed });
        records.push(offsetCommitRecord(groupId, t.name, p.partitionIndex, offsetRecordValue(committed)));
        return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.NONE };
      }),
    }));
    if (records.length === 0) return results;
    const finish = (written: number): GroupTopicErrors[] => {
      const error = written === ErrorCode.RECORD_LIST_TOO_LARGE ? ErrorCode.INVALID_COMMIT_OFFSET_SIZE : written;
      if (error !== ErrorCode.NONE) {
        for (const t of results) for (const p of t.partitions) if (p.errorCode === ErrorCode.NONE) p.errorCode = error;
        return results;
      }
      apply(accepted);
      return results;
    };
    const partition = this.partitionFor(groupId);
    if (partition === null || !this.loadedPartitions.has(partition)) return finish(ErrorCode.NOT_COORDINATOR);
    const written = this.deps.log.commit(partition, records, nowMs, producer);
    return typeof written === 'number' ? finish(written) : written.then(finish);
  }

  fetchOffsets(
    groupId: string, topics: readonly GroupTopicPartitions[] | null, requireStable: boolean,
    member: { memberId: string | null; memberEpoch: number } | null = null,
  ): GroupOffsetFetchResult {
    const status = this.groupStatus(groupId, true);
    if (status !== ErrorCode.NONE) return { errorCode: status, topics: [] };
    const consumerGroup = this.consumer.groups.get(groupId);
    if (consumerGroup !== undefined && member !== null) {
      const error = validateConsumerOffsetFetch(consumerGroup, member.memberId, member.memberEpoch);
      if (error !== ErrorCode.NONE) return { errorCode: error, topics: [] };
    }
    // require_stable (KIP-447): an offset a transaction may still change is not answered until the transaction ends.
    const unstable = requireStable ? this.pendingTxnOffsets.partitionsOf(groupId) : null;
    if (unstable !== null && unstable.size > 0 && topics === null) return { errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT, topics: [] };
    const group: { offsets: ClassicGroup['offsets']; offset: ClassicGroup['offset'] } | undefined = consumerGroup ?? this.groups.get(groupId)?.group;
    const none = { offset: -1n, leaderEpoch: -1, metadata: '', errorCode: ErrorCode.NONE };
    if (topics === null) {
      if (group === undefined) return { errorCode: ErrorCode.NONE, topics: [] };
      return {
        errorCode: ErrorCode.NONE,
        topics: [...group.offsets].map(([name, byPartition]) => ({
          name, partitions: [...byPartition].map(([partitionIndex, c]) => fetchedOffset(partitionIndex, c)),
        })),
      };
    }
    return {
      errorCode: ErrorCode.NONE,
      topics: topics.map((t) => ({
        name: t.name,
        partitions: t.partitionIndexes.map((partitionIndex) => {
          if (unstable?.has(`${t.name}\0${partitionIndex}`) === true) {
            return { partitionIndex, ...none, errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT };
          }
          const c = group?.offset(t.name, partitionIndex);
          return c === undefined ? { partitionIndex, ...none } : fetchedOffset(partitionIndex, c);
        }),
      })),
    };
  }

  /** OffsetDelete: any offset of an empty group; of an active consumer group, only topics it does not subscribe to. */
  deleteOffsets(groupId: string, topics: readonly GroupTopicPartitions[]): { errorCode: number; topics: GroupTopicErrors[] } {
    const nowMs = this.deps.clock.nowMs();
    const status = this.groupStatus(groupId, false);
    if (status !== ErrorCode.NONE) return { errorCode: status, topics: [] };
    const consumerGroup = this.consumer.groups.get(groupId);
    if (consumerGroup !== undefined) return this.consumer.deleteOffsets(consumerGroup, topics, nowMs);
    const machine = this.groups.get(groupId);
    if (machine === undefined) return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, topics: [] };
    const g = machine.group;
    const consumerGroupActive = !g.is('Empty') && g.protocolType === 'consumer';
    if (!g.is('Empty') && !consumerGroupActive) return { errorCode: ErrorCode.NON_EMPTY_GROUP, topics: [] };
    const eligible: { topic: string; partition: number }[] = [];
    const results = topics.map((t) => ({
      name: t.name,
      partitions: t.partitionIndexes.map((partitionIndex) => {
        if (consumerGroupActive && g.isSubscribedToTopic(t.name)) return { partitionIndex, errorCode: ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC };
        eligible.push({ topic: t.name, partition: partitionIndex });
        return { partitionIndex, errorCode: ErrorCode.NONE };
      }),
    }));
    const error = this.removeOffsets(machine, eligible.filter((e) => g.offset(e.topic, e.partition) !== undefined), nowMs);
    if (error !== ErrorCode.NONE) return { errorCode: error, topics: [] };
    return { errorCode: ErrorCode.NONE, topics: results };
  }

  /**
   * Writes tombstones for the offsets, and for the group too when it is
   * Empty and keeps no offset; then forgets them (the group becomes Dead).
   */
  private removeOffsets(machine: GroupMachine, offsets: readonly { topic: string; partition: number }[], nowMs: number): number {
    const g = machine.group;
    const remaining = countOffsets(g) - offsets.length;
    const dies = g.is('Empty') && remaining === 0;
    if (offsets.length === 0 && !dies) return ErrorCode.NONE;
    const records = offsets.map((o) => offsetCommitRecord(g.groupId, o.topic, o.partition, null));
    if (dies) records.push(groupMetadataRecord(g.groupId, null));
    const error = this.append(g.groupId, records, nowMs);
    if (error !== ErrorCode.NONE) return error === ErrorCode.RECORD_LIST_TOO_LARGE ? ErrorCode.UNKNOWN_SERVER_ERROR : error;
    for (const o of offsets) g.removeOffset(o.topic, o.partition);
    if (dies) {
      machine.markDead(nowMs);
      this.groups.delete(g.groupId);
    }
    return ErrorCode.NONE;
  }

  private expireOffsets(machine: GroupMachine, nowMs: number): void {
    const g = machine.group;
    const expired = expiredOffsets(g, nowMs, this.deps.config.offsetsRetentionMs);
    const error = this.removeOffsets(machine, expired, nowMs);
    if (error !== ErrorCode.NONE) this.deps.logLine(`group ${g.groupId}: could not expire offsets (error ${error})`, 'warn');
    else if (expired.length > 0) this.deps.logLine(`group ${g.groupId}: expired ${expired.length} offsets`);
  }

  // ---- transactions -----------------------------------------------------------------------------

  /**
   * TxnOffsetCommit (Kafka's validation of a transactional commit: member
   * and generation when given, no rebalance check): the offsets are written
   * as the producer's transactional batch with acks=all, and wait as
   * pending until the transaction's marker reaches this partition.
   */
  commitTransactionalOffsets(req: GroupTxnOffsetCommitRequest): GroupTopicErrors[] | Promise<GroupTopicErrors[]> {
    const nowMs = this.deps.clock.nowMs();
    const fail = (errorCode: number): GroupTopicErrors[] => req.topics.map((t) => ({
      name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })),
    }));
    const status = this.groupStatus(req.groupId, false);
    if (status !== ErrorCode.NONE) return fail(status);
    const consumerGroup = this.consumer.groups.get(req.groupId);
    if (consumerGroup !== undefined) {
      const checked = validateConsumerOffsetCommit(consumerGroup, req.memberId, req.generationId, true, Number.MAX_SAFE_INTEGER);
      if (checked.errorCode !== ErrorCode.NONE) return fail(checked.errorCode);
    } else {
      let machine = this.groups.get(req.groupId);
      if (machine === undefined) {
        if (req.generationId >= 0) return fail(ErrorCode.ILLEGAL_GENERATION);
        machine = this.createGroup(req.groupId, nowMs);
      }
      const error = machine.validateOffsetCommit(req, nowMs, true);
      this.changed();
      if (error !== ErrorCode.NONE) return fail(error);
    }
    const producer = { producerId: req.producerId, producerEpoch: req.producerEpoch };
    // Transactional offsets never expire by retention; they wait as pending until the marker.
    return this.writeOffsets(req.groupId, req.topics, nowMs, -1, producer, (accepted) => this.pendingTxnOffsets.add(req.producerId, req.groupId, accepted));
  }

  /** A marker reached `__consumer_offsets-<offsetsPartition>`: the producer's pending offsets of that partition's groups commit or vanish. */
  completeTransaction(offsetsPartition: number, producerId: bigint, committed: boolean): void {
    const ended = this.pendingTxnOffsets.complete(producerId, (groupId) => this.partitionFor(groupId) === offsetsPartition);
    if (!committed) return;
    const nowMs = this.deps.clock.nowMs();
    for (const [groupId, offsets] of ended) {
      const target = this.consumer.groups.get(groupId) ?? (this.groups.get(groupId) ?? this.createGroup(groupId, nowMs)).group;
      for (const o of offsets) target.putOffset(o.topic, o.partition, o.committed);
    }
  }

  private restorePending(producerId: bigint, byGroup: LoadedTxnOffsets): void {
    for (const [groupId, offsets] of byGroup) {
      this.pendingTxnOffsets.add(producerId, groupId, [...offsets.values()].map((o) => ({ topic: o.topic, partition: o.partition, committed: committedOffsetFromRecord(o.value) })));
    }
  }

  // ---- admin ------------------------------------------------------------------------------------

  describeGroups(groupIds: readonly string[]): GroupDescription[] {
    return groupIds.map((groupId) => {
      const error = this.groupStatus(groupId, true);
      const out: GroupDescription = { groupId, errorCode: error, groupState: '', protocolType: '', protocolData: '', members: [] };
      if (error !== ErrorCode.NONE) return out;
      const g = this.groups.get(groupId)?.group;
      // Kafka's DescribeGroups (before v6) sees only classic groups: a KIP-848 group is Dead to it.
      return g === undefined ? { ...out, groupState: 'Dead' } : describeClassicGroup(g, out);
    });
  }

  listGroups(statesFilter: readonly string[], typesFilter: readonly string[]): { errorCode: number; groups: GroupListing[] } {
    const classic = [...this.groups.values()].map((m) => m.group);
    return { errorCode: ErrorCode.NONE, groups: listedGroups(classic, [...this.consumer.groups.values()], statesFilter, typesFilter) };
  }

  /** DeleteGroups: only Empty groups; their offsets and metadata get tombstones. */
  deleteGroups(groupIds: readonly string[]): { groupId: string; errorCode: number }[] | Promise<{ groupId: string; errorCode: number }[]> {
    const nowMs = this.deps.clock.nowMs();
    const results = groupIds.map((groupId): { groupId: string; errorCode: number } | Promise<{ groupId: string; errorCode: number }> => {
      const status = this.groupStatus(groupId, true);
      if (status !== ErrorCode.NONE) return { groupId, errorCode: status };
      const consumerGroup = this.consumer.groups.get(groupId);
      if (consumerGroup !== undefined) {
        const tombstones = allOffsets(consumerGroup).map((o) => offsetCommitRecord(groupId, o.topic, o.partition, null));
        return this.consumer.deleteGroup(groupId, tombstones).then((errorCode) => ({ groupId, errorCode }));
      }
      const machine = this.groups.get(groupId);
      if (machine === undefined) return { groupId, errorCode: ErrorCode.GROUP_ID_NOT_FOUND };
      if (!machine.group.is('Empty')) return { groupId, errorCode: ErrorCode.NON_EMPTY_GROUP };
      return { groupId, errorCode: this.removeOffsets(machine, allOffsets(machine.group), nowMs) };
    });
    this.changed();
    if (results.every((r) => !(r instanceof Promise))) return results as { groupId: string; errorCode: number }[];
    return Promise.all(results);
  }

  // ---- KIP-848 consumer groups ------------------------------------------------------------------

  /**
   * ConsumerGroupHeartbeat. A classic group with no members (offsets only,
   * or emptied) converts to a consumer group on its first heartbeat; a
   * classic group with members is not a consumer group (GROUP_ID_NOT_FOUND,
   * as Kafka answers without online migration).
   */
  async consumerGroupHeartbeat(req: ConsumerGroupHeartbeatInput): Promise<ConsumerGroupHeartbeatResult> {
    const fail = (errorCode: number, errorMessage: string | null = null): ConsumerGroupHeartbeatResult => ({
      errorCode, errorMessage, memberId: null, memberEpoch: 0, heartbeatIntervalMs: 0, assignment: null,
    });
    if (!this.consumerProtocolEnabled()) return fail(ErrorCode.UNSUPPORTED_VERSION, 'The consumer rebalance protocol is not enabled (group.coordinator.rebalance.protocols).');
    if (req.groupId === '') return fail(ErrorCode.INVALID_REQUEST, "GroupId can't be empty.");
    const status = this.groupStatus(req.groupId, false);
    if (status !== ErrorCode.NONE) return fail(status);
    const classic = this.groups.get(req.groupId);
    if (classic !== undefined) {
      if (classic.group.size > 0 || !classic.group.is('Empty') || req.memberEpoch !== 0) {
        return fail(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${req.groupId} is not a consumer group.`);
      }
      const error = this.convertEmptyClassicGroup(classic);
      if (error !== ErrorCode.NONE) return fail(error);
      const answer = await this.consumer.heartbeat(req);
      // The first heartbeat was refused: what the log holds is an offsets-only group, and so is what this keeps.
      const seeded = this.consumer.groups.get(req.groupId);
      if (answer.errorCode !== ErrorCode.NONE && seeded !== undefined && seeded.groupEpoch === 0 && seeded.members.size === 0) {
        this.consumer.groups.delete(req.groupId);
        const machine = this.createGroup(req.groupId, this.deps.clock.nowMs());
        for (const [topic, byPartition] of seeded.offsets) for (const [p, c] of byPartition) machine.group.putOffset(topic, p, c);
      }
      return answer;
    }
    return this.consumer.heartbeat(req);
  }

  /** The classic group's metadata is tombstoned; its offsets stay (they are keyed by group id) and move to the consumer group. */
  private convertEmptyClassicGroup(machine: GroupMachine): number {
    const g = machine.group;
    const error = this.append(g.groupId, [groupMetadataRecord(g.groupId, null)], this.deps.clock.nowMs());
    if (error !== ErrorCode.NONE) return error === ErrorCode.RECORD_LIST_TOO_LARGE ? ErrorCode.UNKNOWN_SERVER_ERROR : error;
    machine.markDead(this.deps.clock.nowMs());
    this.groups.delete(g.groupId);
    this.consumer.seed(g.groupId, g.offsets);
    this.deps.logLine(`group ${g.groupId}: empty classic group converted to a consumer group`);
    return ErrorCode.NONE;
  }

  consumerGroupDescribe(groupIds: readonly string[]): ConsumerGroupDescription[] {
    const assignors = (this.deps.config.consumer ?? DEFAULT_CONSUMER_GROUP_CONFIG).assignors;
    return groupIds.map((groupId) => {
      const none = { groupId, errorMessage: null, groupState: '', groupEpoch: 0, assignmentEpoch: 0, assignorName: '', members: [] };
      const status = this.groupStatus(groupId, false);
      if (status !== ErrorCode.NONE) return { ...none, errorCode: status };
      const g = this.consumer.groups.get(groupId);
      if (g !== undefined) return describeConsumerGroup(g, assignors[0] ?? 'uniform');
      const message = this.groups.has(groupId) ? `Group ${groupId} is not a consumer group.` : `Group ${groupId} not found.`;
      return { ...none, errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errorMessage: message };
    });
  }

  /** The cluster's topics changed: consumer groups whose subscribed topics changed get a new group epoch. */
  topicsChanged(): Promise<void> {
    return this.consumer.refreshTopics();
  }
}
