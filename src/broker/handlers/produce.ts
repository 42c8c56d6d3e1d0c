/**
 * Produce (API key 0). Each partition's records are checked from their batch
 * headers and CRCs only, given offsets by patching the batch in place, and
 * written as they arrived. Records are decoded only when the topic demands a
 * different compression codec than the producer used.
 */
import { ErrorCode, PRODUCE_VERSION_MIN, messages } from '../../protocol/index.ts';
import {
  CompressionCodec, RecordBatch, RecordsError, buildRecordBatch, readBatchRecords, validateProduceBatches,
} from '../../records/index.ts';
import type { BrokerContext, RequestContext } from '../broker-context.ts';
import type { Partition } from '../partition.ts';

type Request = messages.ProduceRequest;
type Response = messages.ProduceResponse;
type PartitionOut = messages.ProduceResponsePartitionProduceResponse;

const ZSTD_PRODUCE_VERSION_MIN = 7;
/** acks=all waits re-check after each wake-up; this bounds the loop whatever the appends do. */
const REPLICATION_WAKEUPS_MAX = 100_000;
const CODEC_BY_NAME: Record<string, CompressionCodec> = {
  uncompressed: CompressionCodec.NONE, gzip: CompressionCodec.GZIP, snappy: CompressionCodec.SNAPPY,
  lz4: CompressionCodec.LZ4, zstd: CompressionCodec.ZSTD,
};

export function handleProduce(broker: BrokerContext, request: Request, ctx: RequestContext): Response | null | Promise<Response> {
  const response = messages.ProduceResponse.defaults();
  const requestError = requestLevelError(request, ctx.apiVersion);
  const replicated: { out: PartitionOut; partition: Partition; lastOffset: number }[] = [];
  response.responses = request.topicData.map((topic) => ({
    ...messages.defaultProduceResponseTopicProduceResponse(),
    name: topic.name,
    partitionResponses: topic.partitionData.map((p) => {
      if (requestError !== ErrorCode.NONE) return partitionError(p.index, requestError, null);
      const written = producePartition(broker, topic.name, p.index, p.records, request.acks, ctx.apiVersion);
      if ('lastOffset' in written) {
        if (request.acks === -1 && written.partition.highWatermark <= written.lastOffset) replicated.push(written);
        return written.out;
      }
      return written;
    }),
  }));
  if (request.acks === 0) return null;
  if (replicated.length === 0) return response;
  return awaitReplication(broker, replicated, request.timeoutMs).then(() => response);
}

/**
 * acks=all: each write is answered once the in-sync replicas all have it (the
 * high watermark passed it), or REQUEST_TIMED_OUT after the request's timeout;
 * NOT_ENOUGH_REPLICAS_AFTER_APPEND when the ISR shrank below min.insync.replicas meanwhile.
 */
async function awaitReplication(
  broker: BrokerContext, waits: { out: PartitionOut; partition: Partition; lastOffset: number }[], timeoutMs: number,
): Promise<void> {
  const deadline = broker.clock.nowMs() + Math.max(0, timeoutMs);
  let pending = waits;
  for (let wakeups = 0; pending.length > 0 && wakeups < REPLICATION_WAKEUPS_MAX; wakeups++) {
    const waitMs = deadline - broker.clock.nowMs();
    if (waitMs <= 0) break;
    await broker.purgatory.wait(pending.map((w) => w.partition), waitMs);
    pending = pending.filter((w) => w.partition.highWatermark <= w.lastOffset && w.partition.leaderId === broker.nodeId);
  }
  for (const w of waits) {
    if (w.partition.leaderId !== broker.nodeId) {
      w.out.errorCode = ErrorCode.NOT_LEADER_OR_FOLLOWER;
    } else if (w.partition.highWatermark <= w.lastOffset) {
      w.out.errorCode = ErrorCode.REQUEST_TIMED_OUT;
    } else if (w.partition.isr.length < w.partition.config.minInsyncReplicas) {
      w.out.errorCode = ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND;
    }
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

/** The partition's answer, with the written offsets when the write happened (for acks=all to wait on). */
function producePartition(
  broker: BrokerContext, topic: string, index: number, records: Buffer | null, acks: number, apiVersion: number,
): PartitionOut | { out: PartitionOut; partition: Partition; lastOffset: number } {
  const partition = broker.replicas.get(topic, index);
  if (partition === undefined) return partitionError(index, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, null);
  if (partition.leaderId !== broker.nodeId) return partitionError(index, ErrorCode.NOT_LEADER_OR_FOLLOWER, null);
  if (acks === -1 && partition.isr.length < partition.config.minInsyncReplicas) {
    return partitionError(index, ErrorCode.NOT_ENOUGH_REPLICAS, null);
  }
  if (records === null || records.length === 0) {
    return partitionError(index, ErrorCode.INVALID_RECORD, 'The produce request carries no record batch.');
  }
  try {
    const batch = checkBatch(partition, records, apiVersion);
    if (!Buffer.isBuffer(batch)) return partitionError(index, batch.errorCode, batch.errorMessage);
    return append(broker, partition, batch);
  } catch (e) {
    if (e instanceof RecordsError) return partitionError(index, e.kafkaErrorCode, e.message);
    broker.log(`append to ${topic}-${index} failed: ${(e as Error).message}`);
    return partitionError(index, ErrorCode.KAFKA_STORAGE_ERROR, null);
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

function append(broker: BrokerContext, partition: Partition, records: Buffer): PartitionOut | { out: PartitionOut; partition: Partition; lastOffset: number } {
  const batch = new RecordBatch(records, 0);
  const sequence = partition.producers.check(batch);
  if (sequence.kind === 'error') return partitionError(partition.index, sequence.errorCode, sequence.errorMessage);
  if (sequence.kind === 'duplicate') {
    // A retry of a batch already written: answer with where it went, write nothing (Kafka does the same).
    const out = messages.defaultProduceResponsePartitionProduceResponse();
    out.index = partition.index;
    out.baseOffset = BigInt(sequence.firstOffset);
    out.logStartOffset = BigInt(partition.logStartOffset);
    return out;
  }
  batch.setPartitionLeaderEpoch(partition.leaderEpoch);
  const logAppendTime = partition.config.messageTimestampType === 'LogAppendTime';
  const nowMs = broker.clock.nowMs();
  if (logAppendTime) batch.setLogAppendTime(BigInt(nowMs));
  const { firstOffset, lastOffset } = partition.log.append(records, 1);
  partition.producers.update(batch, lastOffset, nowMs);
  // Followers long-polling for this partition must hear of the append even when the high watermark waits for them.
  if (partition.advanceHighWatermark() || partition.isr.length > 1) broker.replicas.notifyAppend(partition);
  const out = messages.defaultProduceResponsePartitionProduceResponse();
  out.index = partition.index;
  out.baseOffset = BigInt(firstOffset);
  out.logAppendTimeMs = logAppendTime ? BigInt(nowMs) : -1n;
  out.logStartOffset = BigInt(partition.logStartOffset);
  return { out, partition, lastOffset };
}
