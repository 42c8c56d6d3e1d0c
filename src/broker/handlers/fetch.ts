/**
 * Fetch (API key 1): whole batches as stored, per partition up to its byte
 * limit and the high watermark (read_uncommitted) or the last stable offset
 * (read_committed, with the aborted transactions overlapping what is
 * returned, from the transaction index), with incremental sessions (KIP-227)
 * and long polls that wait in the purgatory until an append or a move of
 * the high watermark (which is what moves the last stable offset) brings
 * enough bytes.
 */
import { ErrorCode, messages } from '../../protocol/index.ts';
import { Op, Resource, authorizeCluster, filterAuthorized } from '../authorization.ts';
import type { BrokerContext, RequestContext } from '../broker-context.ts';
import { FINAL_EPOCH, type FetchSession, type SessionPartition } from '../fetch-sessions.ts';
import type { Partition } from '../partition.ts';
import type { FetchValidation } from '../replication/fetch-validation.ts';
import { OffsetOutOfRangeError, type AbortedTxn } from '../../storage/index.ts';
import { RecordBatch } from '../../records/index.ts';
import { leadershipErrorOf } from './leadership.ts';
import { preferredReadReplica } from '../replica-selector.ts';

type Request = messages.FetchRequest;
type Response = messages.FetchResponse;
type PartitionOut = messages.FetchResponsePartitionData;

const TOPIC_IDS_VERSION_MIN = 13;
const EMPTY_RECORDS = Buffer.alloc(0);
const READ_COMMITTED = 1;
/** Long polls re-read after each wake-up; this bounds the loop whatever the appends do. */
const WAKEUPS_MAX = 1000;

/** Whether followers serve consumers here (a replica selector is configured), and the consumer's client.rack. */
interface RackReads {
  readonly followerReads: boolean;
  readonly clientRack: string;
}

interface Read {
  target: SessionPartition;
  out: PartitionOut;
  bytes: number;
}

export async function handleFetch(broker: BrokerContext, request: Request, ctx: RequestContext): Promise<Response> {
  const response = messages.FetchResponse.defaults();
  const byId = ctx.apiVersion >= TOPIC_IDS_VERSION_MIN;
  const lookup = ctx.apiVersion >= 7
    ? broker.fetchSessions.resolve(request.sessionId, request.sessionEpoch, broker.clock.nowMs())
    : { kind: 'sessionless' as const };
  if (lookup.kind === 'error') {
    response.errorCode = lookup.errorCode;
    return response;
  }
  const session = lookup.kind === 'sessionless' ? null : lookup.session;
  const incremental = lookup.kind === 'incremental';
  const targets = fetchTargets(broker, request, session, incremental, byId);
  if (incremental && session !== null) broker.fetchSessions.advance(session);
  response.sessionId = session === null || request.sessionEpoch === FINAL_EPOCH ? 0 : session.id;

  const deadline = broker.clock.nowMs() + Math.max(0, request.maxWaitMs);
  // A follower broker names itself (replicaState from v15, replicaId before); consumers send -1.
  const replicaId = request.replicaState.replicaId >= 0 ? request.replicaState.replicaId : request.replicaId;
  // Followers need CLUSTER_ACTION on the cluster, consumers READ on each topic (an unknown topic id is answered as such).
  const followerAllowed = replicaId >= 0 && authorizeCluster(broker, ctx, Op.CLUSTER_ACTION);
  const readable = replicaId >= 0 ? null : filterAuthorized(broker, ctx, Op.READ, Resource.TOPIC, targets.map((t) => t.topic));
  const allowed = (t: SessionPartition): boolean => t.topic === '' || (readable === null ? followerAllowed : readable.has(t.topic));
  // A follower's position is validated and counted once, when its fetch arrives; re-reads after a wake-up only read.
  const checks = followerAllowed ? checkFollowerFetches(broker, replicaId, request.replicaState.replicaEpoch, targets) : null;
  const readCommitted = request.isolationLevel === READ_COMMITTED && checks === null;
  const readAll = (): Read[] => readAllowed(broker, request, targets, checks, readCommitted, allowed);
  let reads = readAll();
  for (let wakeups = 0; wakeups < WAKEUPS_MAX && !enough(reads, request.minBytes); wakeups++) {
    const waitMs = deadline - broker.clock.nowMs();
    const watched = reads.map((r) => broker.replicas.get(r.target.topic, r.target.partition)).filter((p): p is Partition => p !== undefined);
    if (waitMs <= 0 || !(await broker.purgatory.wait(watched, waitMs))) {
      reads = readAll();
      break;
    }
    reads = readAll();
  }
  const sent = incremental ? reads.filter(hasNews) : reads;
  response.responses = groupByTopic(sent, byId);
  const throttleMs = ctx.fetchQuota?.throttle(response) ?? 0;
  if (throttleMs > 0) return throttledResponse(broker, response, throttleMs, lookup.kind === 'new' ? session : null);
  const byFollower = checks !== null;
  for (const r of sent) {
    if (r.bytes > 0) broker.replicas.traffic.fetched(r.target.topic, r.bytes, byFollower);
    r.target.lastHighWatermark = Number(r.out.highWatermark);
    r.target.lastLogStartOffset = Number(r.out.logStartOffset);
    r.target.lastLastStableOffset = Number(r.out.lastStableOffset);
  }
  return response;
}

/**
 * Kafka's answer to a fetch over its consumer_byte_rate quota: no partitions,
 * the throttle time, and the session as if the fetch had not happened — what
 * was read is not marked as sent, and a session this request opened is not
 * kept (Kafka creates it only with a response that carries data), so the
 * client fetches the same again once the throttle is over.
 */
function throttledResponse(broker: BrokerContext, response: Response, throttleMs: number, opened: FetchSession | null): Response {
  if (opened !== null) {
    broker.fetchSessions.remove(opened.id);
    response.sessionId = 0;
  }
  response.responses = [];
  response.throttleTimeMs = throttleMs;
  return response;
}

/** The partitions this request fetches: its own list, or its session's after applying the request's changes. */
function fetchTargets(
  broker: BrokerContext, request: Request, session: FetchSession | null, incremental: boolean, byId: boolean,
): SessionPartition[] {
  const image = broker.image();
  const fresh = new Map<string, SessionPartition>();
  for (const t of request.topics) {
    const name = byId ? image.topicsById.get(t.topicId)?.name ?? '' : t.topic;
    const topicId = byId ? t.topicId : image.topicsByName.get(t.topic)?.id ?? '';
    for (const p of t.partitions) {
      fresh.set(`${byId ? topicId : name}:${p.partition}`, {
        topic: name, topicId, partition: p.partition, fetchOffset: Number(p.fetchOffset),
        partitionMaxBytes: p.partitionMaxBytes, currentLeaderEpoch: p.currentLeaderEpoch, lastFetchedEpoch: p.lastFetchedEpoch,
        lastHighWatermark: -1, lastLogStartOffset: -1, lastLastStableOffset: -1,
      });
    }
  }
  if (session === null) return [...fresh.values()];
  if (!incremental) session.partitions.clear();
  for (const [key, p] of fresh) {
    const existing = session.partitions.get(key);
    if (existing !== undefined) {
      p.lastHighWatermark = existing.lastHighWatermark;
      p.lastLogStartOffset = existing.lastLogStartOffset;
      p.lastLastStableOffset = existing.lastLastStableOffset;
    }
    session.partitions.set(key, p);
  }
  for (const f of request.forgottenTopicsData) {
    const topicKey = byId ? f.topicId : f.topic;
    for (const partition of f.partitions) session.partitions.delete(`${topicKey}:${partition}`);
  }
  return [...session.partitions.values()];
}

/**
 * A follower's fetch, partition by partition, as the leader validates it
 * (leader epoch, diverging epoch, offset range — in that order); only a
 * valid fetch moves the follower's position, the high watermark and the ISR.
 */
function checkFollowerFetches(broker: BrokerContext, replicaId: number, brokerEpoch: bigint, targets: SessionPartition[]): Map<SessionPartition, FetchValidation> {
  const checks = new Map<SessionPartition, FetchValidation>();
  for (const target of targets) {
    const partition = target.topic === '' ? undefined : broker.replicas.get(target.topic, target.partition);
    if (partition === undefined || partition.offline || !partition.isLeader) continue;
    if (!partition.replicas.includes(replicaId)) {
      checks.set(target, { kind: 'error', errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER });
      continue;
    }
    checks.set(target, broker.replicas.handleFollowerFetch(partition, replicaId, brokerEpoch, {
      currentLeaderEpoch: target.currentLeaderEpoch, fetchOffset: target.fetchOffset, lastFetchedEpoch: target.lastFetchedEpoch,
    }));
  }
  return checks;
}

function readAllowed(
  broker: BrokerContext, request: Request, targets: SessionPartition[], checks: Map<SessionPartition, FetchValidation> | null, readCommitted: boolean,
  allowed: (target: SessionPartition) => boolean,
): Read[] {
  let bytesLeft = request.maxBytes;
  let anyRecords = false;
  // replica.selector.class (KIP-392): read once per pass, not per partition.
  const rack: RackReads = { followerReads: broker.config.rackAwareReplicaSelector, clientRack: request.rackId };
  return targets.map((target) => {
    if (!allowed(target)) return { target, out: unauthorized(target), bytes: 0 };
    const out = readPartition(broker, target, Math.min(target.partitionMaxBytes, Math.max(bytesLeft, 0)), !anyRecords, checks, readCommitted, rack);
    const bytes = out.records === null ? 0 : out.records.length;
    bytesLeft -= bytes;
    if (bytes > 0) anyRecords = true;
    return { target, out, bytes };
  });
}

function unauthorized(target: SessionPartition): PartitionOut {
  return {
    ...messages.defaultFetchResponsePartitionData(), partitionIndex: target.partition, records: EMPTY_RECORDS,
    errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, highWatermark: -1n, lastStableOffset: -1n, logStartOffset: -1n,
  };
}

function readPartition(
  broker: BrokerContext, target: SessionPartition, maxBytes: number, minOneMessage: boolean, checks: Map<SessionPartition, FetchValidation> | null,
  readCommitted: boolean, rack: RackReads,
): PartitionOut {
  const out = messages.defaultFetchResponsePartitionData();
  out.partitionIndex = target.partition;
  out.records = EMPTY_RECORDS;
  const partition = target.topic === '' ? undefined : broker.replicas.get(target.topic, target.partition);
  if (partition === undefined) {
    out.errorCode = target.topic === '' ? ErrorCode.UNKNOWN_TOPIC_ID : leadershipErrorOf(broker, target.topic, target.partition);
    return out;
  }
  const hw = partition.highWatermark;
  const lastStableOffset = partition.lastStableOffset;
  out.highWatermark = BigInt(hw);
  // Kafka reports the last stable offset whatever the isolation level.
  out.lastStableOffset = BigInt(lastStableOffset);
  out.logStartOffset = BigInt(partition.logStartOffset);
  const follower = checks !== null;
  const check = follower ? checks.get(target) : undefined;
  if (follower && check === undefined) {
    out.errorCode = partition.offline ? ErrorCode.KAFKA_STORAGE_ERROR : ErrorCode.NOT_LEADER_OR_FOLLOWER;
    return out;
  }
  if (check !== undefined && check.kind === 'error') {
    out.errorCode = check.errorCode;
    return out;
  }
  if (check !== undefined && check.kind === 'diverging') {
    out.divergingEpoch = { ...out.divergingEpoch, epoch: check.epoch, endOffset: BigInt(check.endOffset) };
    return out;
  }
  const errorCode = follower ? ErrorCode.NONE : partitionErrorCode(partition, target, rack.followerReads);
  if (errorCode !== ErrorCode.NONE) {
    out.errorCode = errorCode;
    return out;
  }
  if (!follower && rack.followerReads && partition.isLeader) {
    // A consumer in another rack than this leader goes to an in-sync replica in its own rack (KIP-392).
    const preferred = preferredReadReplica(partition, rack.clientRack, broker.image(), broker.nodeId);
    if (preferred !== null) {
      out.preferredReadReplica = preferred;
      return out;
    }
  }
  // Consumers read replicated records only, read_committed ones stable records only; followers read to the
  // log end, which is how the high watermark moves.
  const readTo = follower ? partition.logEndOffset : readCommitted ? lastStableOffset : hw;
  if (target.fetchOffset < readTo && (maxBytes > 0 || minOneMessage)) {
    try {
      const { records } = partition.log.read(target.fetchOffset, maxBytes, readTo, minOneMessage);
      if (records !== null) out.records = records;
      if (readCommitted && records !== null && records.length > 0) {
        out.abortedTransactions = abortedTransactionsOf(partition, target.fetchOffset, records);
      }
    } catch (e) {
      if (e instanceof OffsetOutOfRangeError) {
        // Retention or truncation moved the log between the check and the read.
        out.errorCode = ErrorCode.OFFSET_OUT_OF_RANGE;
        return out;
      }
      broker.replicas.handleStorageFailure(partition, e as Error);
      out.errorCode = ErrorCode.KAFKA_STORAGE_ERROR;
    }
  }
  return out;
}

/**
 * The aborted transactions a read_committed consumer needs to drop what it
 * was sent (Kafka's addAbortedTransactions): those overlapping the fetch
 * offset up to the offset after the last batch returned. Only batch headers
 * are read.
 */
function abortedTransactionsOf(partition: Partition, fetchOffset: number, records: Buffer): messages.FetchResponseAbortedTransaction[] {
  let upperBoundOffset = fetchOffset;
  for (let at = 0; at < records.length;) {
    const batch = new RecordBatch(records, at);
    upperBoundOffset = Number(batch.lastOffset) + 1;
    at += batch.sizeInBytes;
  }
  return partition.log.collectAbortedTxns(fetchOffset, upperBoundOffset).map((t: AbortedTxn) => ({
    ...messages.defaultFetchResponseAbortedTransaction(), producerId: t.producerId, firstOffset: BigInt(t.firstOffset),
  }));
}

/**
 * A consumer's fetch: leader epoch (KIP-320), then the offset range. With a
 * replica selector a follower serves consumers too (up to its own high
 * watermark), checked against the leader epoch it knows.
 */
function partitionErrorCode(partition: Partition, target: SessionPartition, followerReads: boolean): number {
  if (partition.offline) return ErrorCode.KAFKA_STORAGE_ERROR;
  if (!partition.isLeader && !(followerReads && partition.leaderId >= 0)) return ErrorCode.NOT_LEADER_OR_FOLLOWER;
  if (target.currentLeaderEpoch >= 0) {
    if (target.currentLeaderEpoch < partition.leaderEpoch) return ErrorCode.FENCED_LEADER_EPOCH;
    if (target.currentLeaderEpoch > partition.leaderEpoch) return ErrorCode.UNKNOWN_LEADER_EPOCH;
  }
  if (target.fetchOffset < partition.logStartOffset || target.fetchOffset > partition.logEndOffset) {
    return ErrorCode.OFFSET_OUT_OF_RANGE;
  }
  return ErrorCode.NONE;
}

function enough(reads: Read[], minBytes: number): boolean {
  let bytes = 0;
  for (const r of reads) {
    if (r.out.errorCode !== ErrorCode.NONE) return true;
    bytes += r.bytes;
  }
  return bytes >= minBytes || reads.length === 0;
}

function hasNews(r: Read): boolean {
  return r.bytes > 0 || r.out.errorCode !== ErrorCode.NONE
    || Number(r.out.highWatermark) !== r.target.lastHighWatermark
    || Number(r.out.logStartOffset) !== r.target.lastLogStartOffset
    || Number(r.out.lastStableOffset) !== r.target.lastLastStableOffset;
}

function groupByTopic(reads: Read[], byId: boolean): messages.FetchResponseFetchableTopicResponse[] {
  const topics = new Map<string, messages.FetchResponseFetchableTopicResponse>();
  for (const r of reads) {
    const key = byId ? r.target.topicId : r.target.topic;
    let topic = topics.get(key);
    if (topic === undefined) {
      topic = { ...messages.defaultFetchResponseFetchableTopicResponse(), topic: r.target.topic, topicId: r.target.topicId || 'AAAAAAAAAAAAAAAAAAAAAA' };
      topics.set(key, topic);
    }
    topic.partitions.push(r.out);
  }
  return [...topics.values()];
}
