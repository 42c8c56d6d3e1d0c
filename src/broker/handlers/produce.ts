/**
 * Produce (API key 0). Each partition's records are checked from their batch
 * headers and CRCs only, given offsets by patching the batch in place, and
 * written as they arrived. Records are decoded only when the topic demands a
 * different compression codec than the producer used. A transaction's first
 * write to a partition is verified with its coordinator first (KIP-890).
 */
import { ErrorCode, PRODUCE_VERSION_MIN, messages } from '../../protocol/index.ts';
import {
  CompressionCodec, RecordBatch, RecordsError, buildRecordBatch, readBatchRecords, validateProduceBatches,
} from '../../records/index.ts';
import type { BrokerContext, RequestContext } from '../broker-context.ts';
import type { Partition } from '../partition.ts';
import type { AppendEntry, AppendResult } from '../replica-manager.ts';
import { leadershipErrorOf } from './leadership.ts';

type Request = messages.ProduceRequest;
type Response = messages.ProduceResponse;
type PartitionOut = messages.ProduceResponsePartitionProduceResponse;

const ZSTD_PRODUCE_VERSION_MIN = 7;
const CODEC_BY_NAME: Record<string, CompressionCodec> = {
  uncompressed: CompressionCodec.NONE, gzip: CompressionCodec.GZIP, snappy: CompressionCodec.SNAPPY,
  lz4: CompressionCodec.LZ4, zstd: CompressionCodec.ZSTD,
};

export function handleProduce(broker: BrokerContext, request: Request, ctx: RequestContext): Response | null | Promise<Response> {
  const response = messages.ProduceResponse.defaults();
  const requestError = requestLevelError(request, ctx.apiVersion);
  const entries: AppendEntry[] = [];
  const outs: PartitionOut[] = [];
  response.responses = request.topicData.map((topic) => ({
    ...messages.defaultProduceResponseTopicProduceResponse(),
    name: topic.name,
    partitionResponses: topic.partitionData.map((p) => {
      if (requestError !== ErrorCode.NONE) return partitionError(p.index, requestError, null);
      const checked = checkPartition(broker, topic.name, p.index, p.records, ctx.apiVersion);
      if ('errorCode' in checked) return checked;
      const out = messages.defaultProduceResponsePartitionProduceResponse();
      out.index = p.index;
      entries.push(checked);
      outs.push(out);
      return out;
    }),
  }));
  if (entries.length === 0) return request.acks === 0 ? null : response;
  // A transactional producer sends acks=all; acks=0 has no answer to carry a refusal, so it is not verified.
  const unverified = request.transactionalId !== null && request.acks !== 0 && broker.config.transactionPartitionVerificationEnable
    ? needingVerification(entries) : [];
  if (unverified.length === 0) return append(broker, request, entries, outs, response);
  return verify(broker, request.transactionalId!, unverified).then((refused) => {
    for (const [entry, errorCode] of refused) partitionFailed(outs[entries.indexOf(entry)]!, errorCode);
    const kept = entries.filter((e) => !refused.has(e));
    return append(broker, request, kept, kept.map((e) => outs[entries.indexOf(e)]!), response) ?? response;
  });
}

function append(broker: BrokerContext, request: Request, entries: AppendEntry[], outs: PartitionOut[], response: Response): Response | null | Promise<Response> {
  if (entries.length === 0) return request.acks === 0 ? null : response;
  const written = broker.replicas.appendRecords(entries, { acks: request.acks, timeoutMs: request.timeoutMs, origin: 'client' });
  const answer = (results: AppendResult[]): Response => {
    results.forEach((r, i) => fillOut(outs[i]!, r));
    return response;
  };
  if (request.acks === 0) return null;
  return Array.isArray(written) ? answer(written) : written.then(answer);
}

/**
 * KIP-890: the transactional batches that would open their producer's
 * transaction on a partition; each gets the guard its append must present.
 * Later writes of an open transaction need no check, so the common case
 * stays synchronous.
 */
function needingVerification(entries: AppendEntry[]): AppendEntry[] {
  const out: AppendEntry[] = [];
  for (const entry of entries) {
    const batch = new RecordBatch(entry.records, 0);
    if (!batch.isTransactional) continue;
    const guard = entry.partition.producers.maybeStartVerification(batch.producerId);
    if (guard === null) continue;
    entry.verificationGuard = guard;
    out.push(entry);
  }
  return out;
}

/** Asks the coordinator about each producer's partitions; returns the entries it refused, with the error Produce answers. */
async function verify(broker: BrokerContext, transactionalId: string, entries: AppendEntry[]): Promise<Map<AppendEntry, number>> {
  const byProducer = new Map<string, AppendEntry[]>();
  for (const e of entries) {
    const batch = new RecordBatch(e.records, 0);
    const key = `${batch.producerId}:${batch.producerEpoch}`;
    byProducer.set(key, [...byProducer.get(key) ?? [], e]);
  }
  const refused = new Map<AppendEntry, number>();
  await Promise.all([...byProducer.values()].map(async (group) => {
    const batch = new RecordBatch(group[0]!.records, 0);
    const topics = new Map<string, number[]>();
    for (const e of group) topics.set(e.partition.topic, [...topics.get(e.partition.topic) ?? [], e.partition.index]);
    const answers = await broker.verifyTransaction({
      transactionalId, producerId: batch.producerId, producerEpoch: batch.producerEpoch,
      topics: [...topics].map(([topic, partitions]) => ({ topic, partitions })),
    });
    const codes = new Map<string, number>();
    for (const t of answers) for (const p of t.partitions) codes.set(`${t.topic}\0${p.partition}`, p.errorCode);
    for (const e of group) {
      const code = produceErrorOfVerification(codes.get(`${e.partition.topic}\0${e.partition.index}`) ?? ErrorCode.UNKNOWN_SERVER_ERROR);
      if (code !== ErrorCode.NONE) refused.set(e, code);
    }
  }));
  return refused;
}

/**
 * Kafka's mapping of a failed verification to a Produce error that every
 * client version understands: a coordinator that moved or is busy becomes
 * the retriable NOT_ENOUGH_REPLICAS; a partition outside the transaction
 * (TRANSACTION_ABORTABLE, unknown to clients before KIP-1050) INVALID_TXN_STATE.
 */
function produceErrorOfVerification(code: number): number {
  switch (code) {
    case ErrorCode.NOT_COORDINATOR: case ErrorCode.COORDINATOR_NOT_AVAILABLE: case ErrorCode.COORDINATOR_LOAD_IN_PROGRESS:
    case ErrorCode.CONCURRENT_TRANSACTIONS:
      return ErrorCode.NOT_ENOUGH_REPLICAS;
    case ErrorCode.TRANSACTION_ABORTABLE: return ErrorCode.INVALID_TXN_STATE;
    default: return code;
  }
}

function partitionFailed(out: PartitionOut, errorCode: number): void {
  out.errorCode = errorCode;
  out.errorMessage = errorCode === ErrorCode.INVALID_TXN_STATE
    ? 'The partition is not in the producer\'s ongoing transaction (transaction.partition.verification.enable).'
    : null;
}

function fillOut(out: PartitionOut, r: AppendResult): void {
  out.errorCode = r.errorCode;
  out.errorMessage = r.errorMessage;
  if (r.baseOffset >= 0) {
    out.baseOffset = BigInt(r.baseOffset);
    out.logAppendTimeMs = BigInt(r.logAppendTimeMs);
    out.logStartOffset = BigInt(r.logStartOffset);
  }
}

function requestLevelError(request: Request, apiVersion: number): number {
  if (apiVersion < PRODUCE_VERSION_MIN) return ErrorCode.UNSUPPORTED_VERSION;
  if (request.acks !== 0 && request.acks !== 1 && request.acks !== -1) return ErrorCode.INVALID_REQUIRED_ACKS;
  return ErrorCode.NONE;
}

function partitionError(index: number, errorCode: number, errorMessage: string | null): PartitionOut {
  return { ...messages.defaultProduceResponsePartitionProduceResponse(), index, errorCode, errorMessage };
}

/** The batch to append to the partition, or the error to answer with. */
function checkPartition(
  broker: BrokerContext, topic: string, index: number, records: Buffer | null, apiVersion: number,
): PartitionOut | AppendEntry {
  const partition = broker.replicas.get(topic, index);
  if (partition === undefined) return partitionError(index, leadershipErrorOf(broker, topic, index), null);
  if (partition.offline) return partitionError(index, ErrorCode.KAFKA_STORAGE_ERROR, null);
  if (!partition.isLeader) return partitionError(index, ErrorCode.NOT_LEADER_OR_FOLLOWER, null);
  if (records === null || records.length === 0) {
    return partitionError(index, ErrorCode.INVALID_RECORD, 'The produce request carries no record batch.');
  }
  try {
    const batch = checkBatch(partition, records, apiVersion);
    if (!Buffer.isBuffer(batch)) return partitionError(index, batch.errorCode, batch.errorMessage);
    return { partition, records: batch };
  } catch (e) {
    if (e instanceof RecordsError) return partitionError(index, e.kafkaErrorCode, e.message);
    throw e;
  }
}

/** Returns the batch to write (possibly recompressed), or the error to answer with. */
function checkBatch(partition: Partition, records: Buffer, apiVersion: number): Buffer | { errorCode: number; errorMessage: string } {
  const summary = validateProduceBatches(records, { batchBytesMax: partition.config.maxMessageBytes });
  if (summary.tornTail) return { errorCode: ErrorCode.CORRUPT_MESSAGE, errorMessage: 'The record batch is truncated.' };
  if (summary.batchCount !== 1) {
    return {
      errorCode: ErrorCode.INVALID_RECORD,
      errorMessage: `Produce requests from version 3 must carry exactly one record batch per partition, not ${summary.batchCount}.`,
    };
  }
  if (apiVersion < ZSTD_PRODUCE_VERSION_MIN && (summary.compressionMask & (1 << CompressionCodec.ZSTD)) !== 0) {
    return { errorCode: ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, errorMessage: 'zstd needs produce version 7 or later.' };
  }
  const wanted = CODEC_BY_NAME[partition.config.compressionType];
  const batch = new RecordBatch(records, 0);
  const recompressTo = wanted === undefined || wanted === batch.compression ? null : wanted;
  const keysRequired = partition.config.cleanupPolicy.includes('compact') && !batch.isControl;
  if (recompressTo === null && !keysRequired) return records;
  // Only these two cases read records, and they read them once.
  const decoded = readBatchRecords(batch);
  // A compacted log keeps the latest record per key: a record without one has no place in it (Kafka refuses it too).
  if (keysRequired && decoded.some((r) => r.key === null)) {
    return {
      errorCode: ErrorCode.INVALID_RECORD,
      errorMessage: `Compacted topic cannot accept message without key in topic partition ${partition.topic}-${partition.index}.`,
    };
  }
  return recompressTo === null ? records : recompress(batch, decoded, recompressTo);
}

/** The topic's compression.type differs from the producer's codec: re-encode the batch, keeping its producer fields. */
function recompress(batch: RecordBatch, decoded: ReturnType<typeof readBatchRecords>, codec: CompressionCodec): Buffer {
  return buildRecordBatch(
    decoded.map((r) => ({ key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp })),
    {
      compression: codec,
      timestampType: batch.timestampType,
      producerId: batch.producerId,
      producerEpoch: batch.producerEpoch,
      baseSequence: batch.baseSequence,
      isTransactional: batch.isTransactional,
    },
  );
}
