/**
 * The group coordinator over an in-memory `__consumer_offsets`: Kafka's
 * record bytes, the group → partition hash, persistence before answers,
 * replay after a restart, and the offset and admin APIs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  GroupCoordinator, decodeCoordinatorRecord, groupMetadataRecord, javaStringHashCode, offsetCommitRecord, partitionForGroup,
  type EncodedRecord, type OffsetsLog,
} from '../../src/coordinator/group/index.ts';
import type { ReplayVisitor } from '../../src/coordinator/index.ts';
import type { TransactionalWriter } from '../../src/coordinator/internal-topic.ts';
import { ErrorCode, Writer, messages } from '../../src/protocol/index.ts';
import { joinRequest } from './helpers.ts';

type Entry = { kind: 'record'; record: EncodedRecord; producerId: bigint | null } | { kind: 'marker'; producerId: bigint; committed: boolean };

class MemoryOffsetsLog implements OffsetsLog {
  count: number | null = null;
  readonly partitions = new Map<number, Entry[]>();
  failAppends = false;
  private readonly configured: number;
  constructor(configured: number) {
    this.configured = configured;
  }
  partitionCount(): number | null { return this.count; }
  ensureTopic() {
    this.count ??= this.configured;
    return { errorCode: ErrorCode.NONE, errorMessage: null };
  }
  ledPartitions() { return this.count === null ? [] : Array.from({ length: this.count }, (_, partition) => ({ partition })); }
  append(partition: number, records: readonly EncodedRecord[], _nowMs = 0, producerId: bigint | null = null): number {
    if (this.failAppends) return ErrorCode.NOT_COORDINATOR;
    const list = this.partitions.get(partition) ?? [];
    list.push(...records.map((record) => ({ kind: 'record' as const, record, producerId })));
    this.partitions.set(partition, list);
    return ErrorCode.NONE;
  }
  commit(partition: number, records: readonly EncodedRecord[], nowMs: number, txn?: TransactionalWriter | null): number {
    return this.append(partition, records, nowMs, txn?.producerId ?? null);
  }
  /** What a partition leader does with a WriteTxnMarkers request. */
  marker(partition: number, producerId: bigint, committed: boolean): void {
    this.partitions.get(partition)?.push({ kind: 'marker', producerId, committed });
  }
  replay(partition: number, visitor: ReplayVisitor): void {
    for (const e of this.partitions.get(partition) ?? []) {
      if (e.kind === 'record') visitor.record(e.record.key, e.record.value, e.producerId);
      else visitor.marker?.(e.producerId, e.committed);
    }
  }
  all(): EncodedRecord[] { return [...this.partitions.values()].flat().flatMap((e) => e.kind === 'record' ? [e.record] : []); }
}

const config = {
  groupMinSessionTimeoutMs: 1000, groupMaxSessionTimeoutMs: 60_000, groupInitialRebalanceDelayMs: 0, groupMaxSize: 100,
  offsetsRetentionMs: 60_000, offsetsRetentionCheckIntervalMs: 10_000, offsetMetadataMaxBytes: 16,
};

function coordinator(log: MemoryOffsetsLog, clock: { now: number }): GroupCoordinator {
  let uuid = 0;
  const c = new GroupCoordinator({
    config, log, clock: { nowMs: () => clock.now }, newUuid: () => `u${++uuid}`, logLine: () => {},
  });
  c.load(clock.now);
  return c;
}

function subscription(topics: string[]): Buffer {
  const w = new Writer();
  w.int16(1);
  messages.ConsumerProtocolSubscription.encode(w, { ...messages.ConsumerProtocolSubscription.defaults(), topics }, 1);
  return w.toBuffer();
}

function commit(c: GroupCoordinator, groupId: string, topic: string, offsets: Record<number, bigint>, who = { memberId: '', generationId: -1 }) {
  return decided(c.commitOffsets({
    groupId, memberId: who.memberId, groupInstanceId: null, generationId: who.generationId, retentionTimeMs: -1, unknownGroupIsNotFound: false,
    topics: [{ name: topic, partitions: Object.entries(offsets).map(([p, offset]) => ({ partitionIndex: Number(p), offset, leaderEpoch: 4, metadata: 'meta' })) }],
  }));
}

/** The in-memory log decides every write at once, so a commit's answer is never a promise here. */
function decided<T>(result: T | Promise<T>): T {
  assert.ok(!(result instanceof Promise), 'an in-memory commit is decided at once');
  return result;
}

test("Java's String.hashCode and Kafka's abs pick the partition", () => {
  assert.equal(javaStringHashCode(''), 0);
  assert.equal(javaStringHashCode('hello'), 99162322);
  assert.equal(javaStringHashCode('Hello World'), -862545276);
  assert.equal(javaStringHashCode('\u00e9'), 233);
  // UTF-16 code units: a surrogate pair counts as two.
  assert.equal(javaStringHashCode('\u{1F600}'), 0xd83d * 31 + 0xde00);
  // Integer.MIN_VALUE: Kafka's abs makes it 0 rather than negative.
  assert.equal(javaStringHashCode('polygenelubricants'), -2147483648);
  assert.equal(partitionForGroup('polygenelubricants', 50), 0);
  assert.equal(partitionForGroup('Hello World', 50), (-862545276 & 0x7fffffff) % 50);
});

test("offset and group records are Kafka's bytes", () => {
  const r = offsetCommitRecord('g', 't', 2, { offset: 5n, leaderEpoch: 3, metadata: 'm', commitTimestamp: 1000n, expireTimestamp: -1n });
  assert.equal(r.key.toString('hex'), '0001' + '000167' + '000174' + '00000002');
  assert.equal(r.value!.toString('hex'), '0003' + '0000000000000005' + '00000003' + '00016d' + '00000000000003e8');
  const decoded = decodeCoordinatorRecord(r.key, r.value);
  assert.equal(decoded.kind, 'offset');
  // With an explicit expire timestamp Kafka writes value version 1 (no leader epoch).
  const v1 = offsetCommitRecord('g', 't', 2, { offset: 5n, leaderEpoch: 3, metadata: '', commitTimestamp: 1000n, expireTimestamp: 2000n });
  assert.equal(v1.value!.readInt16BE(0), 1);
  const g = groupMetadataRecord('grp', null);
  assert.equal(g.key.toString('hex'), '0002' + '0003677270');
  assert.deepEqual(decodeCoordinatorRecord(g.key, null), { kind: 'group', group: 'grp', value: null });
  // Share-group records (key v9+) are not this coordinator's yet; consumer-group records (v3–v8) are decoded (consumer-group-core.test.ts).
  assert.deepEqual(decodeCoordinatorRecord(Buffer.from('000a000167', 'hex'), null), { kind: 'other', keyVersion: 10 });
});

test('nothing is coordinated before the offsets topic exists; FindCoordinator creates it', async () => {
  const log = new MemoryOffsetsLog(5);
  const c = coordinator(log, { now: 0 });
  assert.equal(c.heartbeat({ groupId: 'g', memberId: 'm', groupInstanceId: null, generationId: 1 }), ErrorCode.NOT_COORDINATOR);
  const found = await c.coordinatorPartition('g');
  assert.equal(found.errorCode, ErrorCode.NONE);
  assert.equal(found.partition, partitionForGroup('g', 5));
  assert.equal(c.heartbeat({ groupId: 'g', memberId: 'm', groupInstanceId: null, generationId: 1 }), ErrorCode.UNKNOWN_MEMBER_ID);
});

test('simple-consumer commits are written, fetched, and come back after a restart', async () => {
  const log = new MemoryOffsetsLog(5);
  const clock = { now: 1000 };
  const c = coordinator(log, clock);
  await c.coordinatorPartition('simple');
  assert.deepEqual(commit(c, 'simple', 't', { 0: 10n, 1: 20n })[0]!.partitions.map((p) => p.errorCode), [0, 0]);
  assert.equal(log.partitions.get(partitionForGroup('simple', 5))!.length, 2);
  // A group that does not exist and a generation ≥ 0 is a stale member.
  assert.equal(commit(c, 'other', 't', { 0: 1n }, { memberId: 'm', generationId: 3 })[0]!.partitions[0]!.errorCode, ErrorCode.ILLEGAL_GENERATION);
  const tooLong = decided(c.commitOffsets({
    groupId: 'simple', memberId: '', groupInstanceId: null, generationId: -1, retentionTimeMs: -1, unknownGroupIsNotFound: false,
    topics: [{ name: 't', partitions: [{ partitionIndex: 2, offset: 1n, leaderEpoch: -1, metadata: 'x'.repeat(17) }] }],
  }));
  assert.equal(tooLong[0]!.partitions[0]!.errorCode, ErrorCode.OFFSET_METADATA_TOO_LARGE);

  const restarted = coordinator(log, clock);
  const fetched = restarted.fetchOffsets('simple', [{ name: 't', partitionIndexes: [0, 1, 2] }], false);
  assert.deepEqual(fetched.topics[0]!.partitions.map((p) => [p.offset, p.leaderEpoch, p.metadata]), [[10n, 4, 'meta'], [20n, 4, 'meta'], [-1n, -1, '']]);
  assert.deepEqual(restarted.fetchOffsets('simple', null, true).topics.map((t) => [t.name, t.partitions.length]), [['t', 2]]);
  assert.deepEqual(restarted.listGroups([], []).groups, [{ groupId: 'simple', protocolType: '', groupState: 'Empty', groupType: 'classic' }]);
});

test('a group is written when it stabilises and reloads Stable; silent members then expire', async () => {
  const log = new MemoryOffsetsLog(3);
  const clock = { now: 0 };
  const c = coordinator(log, clock);
  await c.coordinatorPartition('g');
  const protocols = [{ name: 'range', metadata: subscription(['orders']) }];
  const joining = c.joinGroup(joinRequest({ clientId: 'a', protocols, sessionTimeoutMs: 5000 }));
  c.tick(0);
  const joined = await joining;
  const synced = await c.syncGroup({
    groupId: 'g', memberId: joined.memberId, groupInstanceId: null, generationId: 1, protocolType: 'consumer', protocolName: 'range',
    assignments: [{ memberId: joined.memberId, assignment: Buffer.from('A') }],
  });
  assert.equal(synced.assignment.toString(), 'A');
  commit(c, 'g', 'orders', { 0: 7n }, { memberId: joined.memberId, generationId: 1 });
  // Subscribed topics cannot lose their offsets while the group consumes them.
  assert.equal(c.deleteOffsets('g', [{ name: 'orders', partitionIndexes: [0] }]).topics[0]!.partitions[0]!.errorCode, ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC);
  assert.equal(c.deleteOffsets('g', [{ name: 'other', partitionIndexes: [0] }]).topics[0]!.partitions[0]!.errorCode, ErrorCode.NONE);
  assert.equal(decided(c.deleteGroups(['g']))[0]!.errorCode, ErrorCode.NON_EMPTY_GROUP);

  clock.now = 100;
  const restarted = coordinator(log, clock);
  const [described] = restarted.describeGroups(['g']);
  assert.equal(described!.groupState, 'Stable');
  assert.equal(described!.protocolData, 'range');
  assert.equal(described!.members[0]!.memberAssignment.toString(), 'A');
  assert.equal(restarted.heartbeat({ groupId: 'g', memberId: joined.memberId, groupInstanceId: null, generationId: 1 }), ErrorCode.NONE);
  clock.now = 5200;
  restarted.tick(clock.now);
  assert.equal(restarted.describeGroups(['g'])[0]!.groupState, 'Empty');
  assert.equal(restarted.fetchOffsets('g', [{ name: 'orders', partitionIndexes: [0] }], false).topics[0]!.partitions[0]!.offset, 7n);
});

test('DeleteGroups tombstones an empty group and its offsets, so a restart does not bring them back', async () => {
  const log = new MemoryOffsetsLog(3);
  const clock = { now: 0 };
  const c = coordinator(log, clock);
  await c.coordinatorPartition('gone');
  commit(c, 'gone', 't', { 0: 1n, 1: 2n });
  assert.deepEqual(c.deleteGroups(['gone', 'never']), [
    { groupId: 'gone', errorCode: ErrorCode.NONE }, { groupId: 'never', errorCode: ErrorCode.GROUP_ID_NOT_FOUND },
  ]);
  assert.equal(c.describeGroups(['gone'])[0]!.groupState, 'Dead');
  assert.equal(log.all().filter((r) => r.value === null).length, 3);
  const restarted = coordinator(log, clock);
  assert.deepEqual(restarted.listGroups([], []).groups, []);
});

test('offsets of an empty group expire after offsets.retention.minutes, then the group goes', async () => {
  const log = new MemoryOffsetsLog(3);
  const clock = { now: 0 };
  const c = coordinator(log, clock);
  await c.coordinatorPartition('old');
  commit(c, 'old', 't', { 0: 1n });
  await c.coordinatorPartition('fresh');
  clock.now = 55_000;
  commit(c, 'fresh', 't', { 0: 1n });
  clock.now = 60_000;
  c.tick(clock.now);
  assert.deepEqual(c.listGroups([], []).groups.map((g) => g.groupId), ['fresh']);
  assert.equal(c.nextDeadlineMs(), 70_000);
  clock.now = 120_000;
  c.tick(clock.now);
  assert.deepEqual(c.listGroups([], []).groups, []);
});

test('ListGroups filters by state and type; a failed write is an error, not a silent loss', async () => {
  const log = new MemoryOffsetsLog(3);
  const c = coordinator(log, { now: 0 });
  await c.coordinatorPartition('x');
  commit(c, 'x', 't', { 0: 1n });
  assert.equal(c.listGroups(['empty'], []).groups.length, 1);
  assert.equal(c.listGroups(['Stable'], []).groups.length, 0);
  assert.equal(c.listGroups([], ['consumer']).groups.length, 0);
  assert.equal(c.listGroups([], ['Classic']).groups.length, 1);
  log.failAppends = true;
  assert.equal(commit(c, 'x', 't', { 0: 2n })[0]!.partitions[0]!.errorCode, ErrorCode.NOT_COORDINATOR);
  assert.equal(c.fetchOffsets('x', [{ name: 't', partitionIndexes: [0] }], false).topics[0]!.partitions[0]!.offset, 1n);
});

function txnCommit(c: GroupCoordinator, groupId: string, producerId: bigint, offsets: Record<number, bigint>) {
  return c.commitTransactionalOffsets({
    groupId, memberId: '', groupInstanceId: null, generationId: -1, transactionalId: 'tx', producerId, producerEpoch: 0,
    topics: [{ name: 't', partitions: Object.entries(offsets).map(([p, offset]) => ({ partitionIndex: Number(p), offset, leaderEpoch: -1, metadata: null })) }],
  }) as { partitions: { errorCode: number }[] }[];
}

function fetched(c: GroupCoordinator, groupId: string, requireStable: boolean) {
  return c.fetchOffsets(groupId, [{ name: 't', partitionIndexes: [0] }], requireStable).topics[0]!.partitions[0]!;
}

test('transactional offsets wait for their COMMIT marker, vanish on ABORT, and survive a reload in either state', async () => {
  const log = new MemoryOffsetsLog(3);
  const clock = { now: 0 };
  let c = coordinator(log, clock);
  const { partition } = await c.coordinatorPartition('eos');
  commit(c, 'eos', 't', { 0: 5n });
  assert.equal(txnCommit(c, 'eos', 7n, { 0: 10n })[0]!.partitions[0]!.errorCode, ErrorCode.NONE);
  // Not visible yet; a require_stable fetch is told to retry.
  assert.equal(fetched(c, 'eos', false).offset, 5n);
  assert.equal(fetched(c, 'eos', true).errorCode, ErrorCode.UNSTABLE_OFFSET_COMMIT);
  // A reload with the transaction still open keeps it pending.
  c = coordinator(log, clock);
  await c.coordinatorPartition('eos');
  assert.equal(fetched(c, 'eos', true).errorCode, ErrorCode.UNSTABLE_OFFSET_COMMIT);
  log.marker(partition, 7n, true);
  c.completeTransaction(partition, 7n, true);
  assert.deepEqual([fetched(c, 'eos', true).offset, fetched(c, 'eos', true).errorCode], [10n, ErrorCode.NONE]);
  // An aborted transaction's offsets never show, before or after a reload.
  txnCommit(c, 'eos', 8n, { 0: 99n });
  log.marker(partition, 8n, false);
  c.completeTransaction(partition, 8n, false);
  assert.equal(fetched(c, 'eos', true).offset, 10n);
  c = coordinator(log, clock);
  await c.coordinatorPartition('eos');
  assert.deepEqual([fetched(c, 'eos', true).offset, fetched(c, 'eos', true).errorCode], [10n, ErrorCode.NONE]);
  // A marker for another partition's groups leaves these pending.
  txnCommit(c, 'eos', 9n, { 0: 11n });
  c.completeTransaction(partition + 1, 9n, true);
  assert.equal(fetched(c, 'eos', true).errorCode, ErrorCode.UNSTABLE_OFFSET_COMMIT);
});
