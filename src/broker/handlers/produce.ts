/**
 * Produce (API key 0). Each partition's records are checked from their batch
 * headers and CRCs only, given offsets by patching the batch in place, and
 * written as they arrived. Records are decoded only when the topic demands a
 * different compression codec than the producer used, or keys (a compacted
 * topic); a record that fails there is named in the answer by its index in
 * the batch (KIP-467) and the whole batch is refused, as Kafka does. A
 * transaction's first write to a partition is verified with its coordinator
 * first (KIP-890).
 */
import { ErrorCode, PRODUCE_VERSION_MIN, messages } from '../../protocol/index.ts';
import {
  CompressionCodec, type DecodedRecord, RecordBatch, RecordsError, buildRecordBatch, readBatchRecords, validateProduceBatches,
} from '../../records/index.ts';
import { Op, Resource, authorize, filterAuthorized } from '../authorization.ts';
import type { BrokerContext, RequestContext } from '../broker-context.ts';
import type { Partition } from '../partition.ts';
import type { AppendEntry, AppendResult } from '../replica-manager.ts';
import { leadershipErrorOf } from './leadership.ts';

type Request = messages.ProduceRequest;
type Response = messages.ProduceResponse;
type PartitionOut = messages.ProduceResponsePartitionProduceResponse;
type RecordError = messages.ProduceResponseBatchIndexAndErrorMessage;

/** Why a batch is not written. recordErrors names the records that caused it (KIP-467), and is empty when no single record did. */
interface BatchRefusal {
  errorCode: number;
  errorMessage: string;
  recordErrors: RecordError[];
}

/** How many record errors Kafka quotes in the partition's error message; all of them go in recordErrors. */
const RECORD_ERRORS_QUOTED_MAX = 3;

const ZSTD_PRODUCE_VERSION_MIN = 7;
const CODEC_BY_NAME: Record<string, CompressionCodec> = {
  uncompressed: CompressionCodec.NONE, gzip: CompressionCodec.GZIP, snappy: CompressionCodec.SNAPPY,
  lz4: CompressionCodec.LZ4, zstd: CompressionCodec.ZSTD,
};

export function handleProduce(broker: BrokerContext, request: Request, ctx: RequestContext): Response | null | Promise<Response> {
  const response = messages.ProduceResponse.defaults();
  const requestError = requestLevelError(broker, ctx, request);
  const writable = filterAuthorized(broker, ctx, Op.WRITE, Resource.TOPIC, request.topicData.map((t) => t.name));
  const entries: AppendEntry[] = [];
  const outs: PartitionOut[] = [];
  response.responses = request.topicData.map((topic) => ({
    ...messages.defaultProduceResponseTopicProduceResponse(),
    name: topic.name,
    partitionResponses: topic.partitionData.map((p) => {
      if (requestError !== ErrorCode.NONE) return partitionError(p.index, requestError, null);
      if (!writable.has(topic.name)) return partitionError(p.index, ErrorCode.TOPIC_AUTHORIZATION_FAILED, null);
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
  out.baseOffset = -1n;
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
  } else {
    out.baseOffset = -1n;
  }
}

function requestLevelError(broker: BrokerContext, ctx: RequestContext, request: Request): number {
  if (ctx.apiVersion < PRODUCE_VERSION_MIN) return ErrorCode.UNSUPPORTED_VERSION;
  if (request.transactionalId !== null && !authorize(broker, ctx, Op.WRITE, Resource.TRANSACTIONAL_ID, request.transactionalId)) {
    return ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
  }
  if (request.acks !== 0 && request.acks !== 1 && request.acks !== -1) return ErrorCode.INVALID_REQUIRED_ACKS;
  return ErrorCode.NONE;
}

/** Kafka answers a failed partition with base offset -1 (the generated default is 0). */
function partitionError(index: number, errorCode: number, errorMessage: string | null): PartitionOut {
  return { ...messages.defaultProduceResponsePartitionProduceResponse(), index, errorCode, errorMessage, baseOffset: -1n };
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
    if (Buffer.isBuffer(batch)) return { partition, records: batch };
    const out = partitionError(index, batch.errorCode, batch.errorMessage);
    if (batch.recordErrors.length > 0) {
      // Produce v8+ carries them (older versions drop both fields in the encoder); Kafka adds the log start offset here.
      out.recordErrors = batch.recordErrors;
      out.logStartOffset = BigInt(partition.logStartOffset);
    }
    return out;
  } catch (e) {
    if (e instanceof RecordsError) return partitionError(index, e.kafkaErrorCode, e.message);
    throw e;
  }
}

/** Returns the batch to write (possibly recompressed), or why it is refused. */
function checkBatch(partition: Partition, records: Buffer, apiVersion: number): Buffer | BatchRefusal {
  const summary = validateProduceBatches(records, { batchBytesMax: partition.config.maxMessageBytes });
  if (summary.tornTail) return refusal(ErrorCode.CORRUPT_MESSAGE, 'The record batch is truncated.');
  if (summary.batchCount !== 1) {
    return refusal(
      ErrorCode.INVALID_RECORD,
      `Produce requests from version 3 must carry exactly one record batch per partition, not ${summary.batchCount}.`,
    );
  }
  if (apiVersion < ZSTD_PRODUCE_VERSION_MIN && (summary.compressionMask & (1 << CompressionCodec.ZSTD)) !== 0) {
    return refusal(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, 'zstd needs produce version 7 or later.');
  }
  const wanted = CODEC_BY_NAME[partition.config.compressionType];
  const batch = new RecordBatch(records, 0);
  const recompressTo = wanted === undefined || wanted === batch.compression ? null : wanted;
  const keysRequired = partition.config.cleanupPolicy.includes('compact') && !batch.isControl;
  if (recompressTo === null && !keysRequired) return records;
  // Only these two cases read records, and they read them once.
  const decoded = readBatchRecords(batch);
  if (keysRequired) {
    const recordErrors = keylessRecordErrors(partition, decoded);
    if (recordErrors.length > 0) return recordErrorsRefusal(recordErrors);
  }
  return recompressTo === null ? records : recompress(batch, decoded, recompressTo);
}

function refusal(errorCode: number, errorMessage: string): BatchRefusal {
  return { errorCode, errorMessage, recordErrors: [] };
}

/**
 * A compacted log keeps the latest record per key: a record without one has no place in it. Like Kafka, every
 * such record is named by its index in the batch, so that a client can tell it from the innocent ones.
 */
function keylessRecordErrors(partition: Partition, decoded: DecodedRecord[]): RecordError[] {
  const recordErrors: RecordError[] = [];
  for (let batchIndex = 0; batchIndex < decoded.length; batchIndex++) {
    if (decoded[batchIndex]!.key !== null) continue;
    recordErrors.push({
      ...messages.defaultProduceResponseBatchIndexAndErrorMessage(),
      batchIndex,
      batchIndexErrorMessage: `Compacted topic cannot accept message without key in topic partition ${partition.topic}-${partition.index}.`,
    });
  }
  return recordErrors;
}

/**
 * The batch is refused as a whole with INVALID_RECORD. The partition's error message is Kafka's summary: the count,
 * then the first few errors in the form Kafka prints them, so that clients reading only ErrorMessage see the same text.
 */
function recordErrorsRefusal(recordErrors: RecordError[]): BatchRefusal {
  const quoted = recordErrors.slice(0, RECORD_ERRORS_QUOTED_MAX)
    .map((e) => `RecordError(batchIndex=${e.batchIndex}, message=${e.batchIndexErrorMessage === null ? 'null' : `'${e.batchIndexErrorMessage}'`})`);
  return {
    errorCode: ErrorCode.INVALID_RECORD,
    errorMessage: `One or more records have been rejected due to ${recordErrors.length} record errors in total, `
      + `and only showing the first three errors at most: [${quoted.join(', ')}]`,
    recordErrors,
  };
}

/** The topic's compression.type differs from the producer's codec: re-encode the batch, keeping its producer fields. */
function recompress(batch: RecordBatch, decoded: DecodedRecord[], codec: CompressionCodec): Buffer {
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
