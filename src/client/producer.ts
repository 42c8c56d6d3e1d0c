/**
 * Samsa's producer. Records are appended to one open batch per partition
 * (keyed: murmur2, null keys: sticky); a batch closes when it reaches
 * batchSize bytes or is lingerMs old, and is then encoded once with
 * buildRecordBatch. A drain sends, per leader broker, one Produce request
 * carrying one ready batch of every partition that broker leads.
 *
 * Limits: bufferMemory bounds the bytes of records accepted but not yet
 * acknowledged — send() waits (FIFO) when it is full; maxInFlight bounds the
 * Produce requests outstanding per broker; maxRequestSize bounds one request.
 * deliveryTimeoutMs bounds a record's life from the moment its batch opened:
 * past it the batch fails with SAMSA_ERR_DELIVERY_TIMEOUT wherever it is
 * (open, waiting for a leader or a retry, or in flight, whose late answer is
 * then ignored), and it is not retried again — as Java's producer, whose
 * retries default to unbounded for that reason.
 *
 * A batch is encoded when it is first drained, not when it closes, so that
 * an idempotent producer gives it its sequence at the moment it goes out.
 *
 * Ordering without idempotence: records of one partition are sent in order;
 * a retried batch goes back into its partition's queue (ordered by creation)
 * but may pass batches already in flight (as Kafka's producer).
 *
 * Idempotence (enable.idempotence, Kafka's semantics): the producer asks for a
 * producer id (InitProducerId without a transactional id) before its first
 * Produce, and each batch carries producerId, producerEpoch and a per-partition
 * baseSequence that grows by the batch's record count (wrapping from 2^31-1 to
 * 0). A retry resends the same bytes, so the broker answers a batch it already
 * wrote with its original offset. Up to five batches of a partition may be in
 * flight; a partition whose head is a retry waits until its in-flight batches
 * have all answered (those after a failed one come back OUT_OF_ORDER_SEQUENCE
 * and are requeued behind it), then resends in sequence order, one at a time.
 * A batch that fails for good after it was given a sequence (expired, retries
 * exhausted, a non-retriable error, or a sequence error the producer cannot
 * explain) leaves the sequence unresolved: its records fail and the producer
 * takes a fresh producer id (sequences from 0) for everything after it.
 * Batches of the old id that the broker refuses for sequence reasons were not
 * written and are re-encoded under the new id, still in order.
 *
 * Transactions (transactional.id): initTransactions() takes the id's producer
 * id and epoch from its transaction coordinator; sends happen between
 * beginTransaction() and commitTransaction()/abortTransaction(); a batch for
 * a partition goes out only once AddPartitionsToTxn put that partition in
 * the transaction, and carries the transactional flag. A failed send makes
 * the transaction abortable; being fenced makes the producer unusable.
 *
 * The batches, the per-partition queues and the conversion of a record live
 * in record-accumulator.ts, the transaction protocol in transaction-manager.ts;
 * this file is the sender and the idempotence state around them.
 */
import { ApiKey, ErrorCode, errorName, isRetriable, messages } from '../protocol/index.ts';
import { RECORD_BATCH_OVERHEAD, buildRecordBatch, type RecordInput } from '../records/index.ts';
import type { Cluster, TopicInfo } from './cluster.ts';
import { ClientError } from '../protocol/index.ts';
import { DefaultPartitioner } from './partitioner.ts';
import {
  Batch, IDEMPOTENT_IN_FLIGHT_MAX, PartitionQueue, estimateBytes, idempotenceOf, incrementSequence, insertByOrder, isSequenceError, removeItem,
  toBytes, toHeaders, toTimestamp, type Bytes, type Delivery, type ProducerRecord, type RecordMetadata,
} from './record-accumulator.ts';
import { BufferPool } from './buffer-pool.ts';
import { answerKey, buildProduceRequest, sendProduce } from './produce-request.ts';
import { ProducerIdentity } from './producer-identity.ts';
import { resolveProducerConfig, type ProducerConfig, type ProducerOptions } from './producer-config.ts';
import { TransactionManager, type GroupMetadata, type OffsetToCommit, type TransactionState } from './transaction-manager.ts';

export type { GroupMetadata, OffsetToCommit, TransactionState } from './transaction-manager.ts';
export { incrementSequence, type Bytes, type ProducerRecord, type RecordMetadata } from './record-accumulator.ts';
export { COMPRESSION_CODECS, type Acks, type CompressionName, type ProducerOptions } from './producer-config.ts';


export class Producer {
  private readonly cluster: Cluster;
  private readonly config: ProducerConfig;
  private readonly txn: TransactionManager | null;
  private readonly identity = new ProducerIdentity();
  private readonly partitioner: DefaultPartitioner;
  /** Every partition's queue, for the drain and expiry scans. */
  private readonly queues = new Map<string, PartitionQueue>();
  /** The same queues by topic, then partition index: the per-record lookup builds no string. */
  private readonly queuesByTopic = new Map<string, PartitionQueue[]>();
  private readonly inFlightByNode = new Map<number, number>();
  /** Batches sent and not yet answered, for delivery.timeout.ms. */
  private readonly inFlight = new Set<Batch>();
  /** One metadata lookup per unknown topic, shared by every send waiting on it. */
  private readonly topicLookups = new Map<string, Promise<TopicInfo>>();
  /** buffer.memory: bytes of records accepted and not yet acknowledged. */
  private readonly pool: BufferPool;
  /** Brokers sent acks=0 requests since the last flush: flush round-trips them so the bytes are known to have arrived. */
  private readonly unconfirmedNodes = new Set<number>();
  /** Batches created and not yet acknowledged or failed. */
  private pendingBatches = 0;
  private flushWaiters: (() => void)[] = [];
  private flushing = 0;
  private drainScheduled = false;
  private lingerTimer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  /** Fires at the oldest pending batch's expiry; one timer, re-armed, never one per batch. */
  private expiryTimer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(cluster: Cluster, options: ProducerOptions = {}) {
    this.cluster = cluster;
    this.config = resolveProducerConfig(options);
    this.partitioner = new DefaultPartitioner(options.random);
    this.pool = new BufferPool(this.config.bufferMemory);
    const { transactionalId } = this.config;
    this.txn = transactionalId === null ? null : new TransactionManager(cluster, {
      transactionalId, transactionTimeoutMs: this.config.transactionTimeoutMs,
      retryBackoffMs: this.config.retryBackoffMs, maxBlockMs: this.config.maxBlockMs,
    });
  }

  // ---- transactions -------------------------------------------------------------------------

  /** Where the producer's transaction stands; null for a producer without a transactional id. */
  get transactionState(): TransactionState | null {
    return this.txn?.state ?? null;
  }

  /** Takes the transactional id's producer id and epoch, fencing any earlier producer with the same id. */
  async initTransactions(): Promise<void> {
    const txn = this.transactional('initTransactions');
    txn.requireState('initTransactions', 'uninitialized');
    await txn.init();
    this.identity.adopt(txn.producerId, txn.producerEpoch);
  }

  beginTransaction(): void {
    this.transactional('beginTransaction').begin();
  }

  /** Commits a consumer's offsets as part of the transaction (consume-transform-produce). */
  async sendOffsetsToTransaction(offsets: readonly OffsetToCommit[], group: string | GroupMetadata): Promise<void> {
    await this.transactional('sendOffsetsToTransaction').sendOffsets(offsets, typeof group === 'string' ? { groupId: group } : group);
  }

  /** Sends everything buffered, then commits; a failed send in the transaction fails the commit (abort it then). */
  async commitTransaction(): Promise<void> {
    const txn = this.transactional('commitTransaction');
    txn.requireState('commitTransaction', 'in-transaction');
    await this.flush();
    txn.requireState('commitTransaction', 'in-transaction');
    await txn.end(true);
  }

  /** Drops what was not sent yet, waits for what was, and aborts. */
  async abortTransaction(): Promise<void> {
    const txn = this.transactional('abortTransaction');
    txn.requireState('abortTransaction', 'in-transaction', 'abortable-error');
    this.failUnsent(new ClientError('the transaction was aborted', 'SAMSA_ERR_TXN_ABORTED'));
    await this.flush();
    await txn.end(false);
    if (this.identity.epochBumpNeeded) {
      await txn.init({ producerId: this.identity.producerId, producerEpoch: this.identity.producerEpoch });
      this.identity.adopt(txn.producerId, txn.producerEpoch);
    }
  }

  private transactional(operation: string): TransactionManager {
    if (this.txn === null) throw new ClientError(`${operation} needs a transactionalId`, 'SAMSA_ERR_TXN_STATE');
    return this.txn;
  }

  /** Whether batches carry a producer id and sequence numbers (enableIdempotence, or its default). */
  get isIdempotent(): boolean {
    return this.config.idempotent;
  }

  /** Bytes of records accepted and not yet acknowledged (never above bufferMemory). */
  get bufferedBytes(): number {
    return this.pool.used;
  }

  /** Resolves with the record's partition and offset once its batch is acknowledged. */
  send(record: ProducerRecord): Promise<RecordMetadata> {
    if (this.closed) return Promise.reject(new ClientError('producer is closed', 'SAMSA_ERR_CLOSED'));
    if (this.txn !== null) {
      try {
        this.txn.requireState('send outside a transaction', 'in-transaction');
      } catch (e) {
        return Promise.reject(e as Error);
      }
    }
    const input: RecordInput = {
      key: toBytes(record.key), value: toBytes(record.value), headers: toHeaders(record.headers), timestamp: toTimestamp(record.timestamp),
    };
    const bytes = estimateBytes(input);
    if (bytes + RECORD_BATCH_OVERHEAD > this.config.maxRequestSize || bytes > this.config.bufferMemory) {
      return Promise.reject(new ClientError(`record of ${bytes} bytes is larger than max request size or buffer memory`, 'SAMSA_ERR_RECORD_TOO_LARGE', ErrorCode.MESSAGE_TOO_LARGE));
    }
    const topic = this.cluster.topics.get(record.topic);
    // Fast path: metadata cached and memory free — append synchronously, keeping call order.
    if (topic !== undefined && this.pool.tryReserve(bytes)) {
      return new Promise((resolve, reject) => {
        try {
          this.append(record, input, bytes, topic.partitions.length, { resolve, reject });
        } catch (e) {
          this.pool.release(bytes);
          reject(e as Error);
        }
      });
    }
    return this.sendSlow(record, input, bytes);
  }

  private async sendSlow(record: ProducerRecord, input: RecordInput, bytes: number): Promise<RecordMetadata> {
    await this.reserveMemory(bytes);
    try {
      const topic = await this.lookupTopic(record.topic);
      return await new Promise<RecordMetadata>((resolve, reject) => this.append(record, input, bytes, topic.partitions.length, { resolve, reject }));
    } catch (e) {
      this.pool.release(bytes);
      throw e;
    }
  }

  private lookupTopic(name: string): Promise<TopicInfo> {
    const cached = this.cluster.topics.get(name);
    if (cached !== undefined) return Promise.resolve(cached);
    let lookup = this.topicLookups.get(name);
    if (lookup === undefined) {
      lookup = this.cluster.topic(name, this.config.allowAutoTopicCreation).finally(() => this.topicLookups.delete(name));
      this.topicLookups.set(name, lookup);
    }
    return lookup;
  }

  private append(record: ProducerRecord, input: RecordInput, bytes: number, numPartitions: number, delivery: Delivery): void {
    const partition = record.partition ?? this.partitioner.partition(record.topic, input.key ?? null, numPartitions);
    if (!Number.isInteger(partition) || partition < 0 || partition >= numPartitions) {
      throw new ClientError(`topic '${record.topic}' has no partition ${partition}`, 'SAMSA_ERR_UNKNOWN_PARTITION', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    }
    const q = this.queue(record.topic, partition);
    let batch = q.open;
    if (batch !== null && batch.sizeBytes + bytes > this.config.batchSize && batch.records.length > 0) {
      this.closeBatch(q);
      batch = null;
    }
    if (batch === null) {
      batch = new Batch(record.topic, partition, q.nextOrder++, performance.now(), this.config.deliveryTimeoutMs);
      q.open = batch;
      this.pendingBatches++;
      this.armLinger();
      this.armExpiry(batch.expiresAtMs);
    }
    batch.records.push(input);
    batch.deliveries.push(delivery);
    batch.sizeBytes += bytes;
    batch.reservedBytes += bytes;
    if (batch.sizeBytes >= this.config.batchSize) this.closeBatch(q);
  }

  private queue(topic: string, partition: number): PartitionQueue {
    let byPartition = this.queuesByTopic.get(topic);
    if (byPartition === undefined) {
      byPartition = [];
      this.queuesByTopic.set(topic, byPartition);
    }
    let q = byPartition[partition];
    if (q === undefined) {
      q = new PartitionQueue();
      byPartition[partition] = q;
      this.queues.set(`${topic}\0${partition}`, q);
    }
    return q;
  }

  /** Queues the open batch to be sent; it is encoded when first drained. */
  private closeBatch(q: PartitionQueue): void {
    const batch = q.open!;
    q.open = null;
    q.ready.push(batch);
    this.partitioner.batchSent(batch.topic, batch.partition);
    this.scheduleDrain();
  }

  private armLinger(): void {
    if (this.lingerTimer !== null) return;
    this.lingerTimer = setTimeout(() => this.onLinger(), this.config.lingerMs);
  }

  private onLinger(): void {
    this.lingerTimer = null;
    const now = performance.now();
    let oldestOpenMs = Infinity;
    for (const q of this.queues.values()) {
      if (q.open === null) continue;
      if (this.flushing > 0 || now - q.open.createdMs >= this.config.lingerMs - 1) this.closeBatch(q);
      else oldestOpenMs = Math.min(oldestOpenMs, q.open.createdMs);
    }
    if (oldestOpenMs !== Infinity) this.lingerTimer = setTimeout(() => this.onLinger(), Math.max(1, oldestOpenMs + this.config.lingerMs - now));
  }

  private scheduleDrain(): void {
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    setImmediate(() => {
      this.drainScheduled = false;
      this.drain();
    });
  }

  /** Sends ready batches until every broker's in-flight slots are used or nothing is ready. */
  private drain(): void {
    const now = performance.now();
    while (this.drainOnce(now));
  }

  /** Groups the first ready batch of every partition by leader and sends one request per broker with a free slot. */
  private drainOnce(now: number): boolean {
    if (this.config.idempotent && !this.identity.ready) {
      // A transactional producer's id comes from initTransactions() alone.
      if (this.pendingBatches > 0 && this.txn === null) this.initProducerId();
      return false;
    }
    const byNode = new Map<number, Batch[]>();
    const sizeByNode = new Map<number, number>();
    const unknownTopics = new Set<string>();
    const notInTransaction: { topic: string; partition: number }[] = [];
    let earliestRetryMs = Infinity;
    for (const q of this.queues.values()) {
      const batch = q.ready[0];
      if (batch === undefined) continue;
      if (batch.retryAtMs > now) {
        earliestRetryMs = Math.min(earliestRetryMs, batch.retryAtMs);
        continue;
      }
      const leader = this.cluster.topics.get(batch.topic)?.partitions[batch.partition]?.leader ?? -1;
      if (leader < 0) {
        unknownTopics.add(batch.topic);
        continue;
      }
      if (this.txn !== null && !this.txn.isAdded(batch.topic, batch.partition)) {
        notInTransaction.push({ topic: batch.topic, partition: batch.partition });
        continue;
      }
      if ((this.inFlightByNode.get(leader) ?? 0) >= this.config.maxInFlight) continue;
      if (this.config.idempotent && q.inFlight.length > 0 && this.mustWait(q, batch)) continue;
      if (batch.encoded === null) this.encode(q, batch);
      const list = byNode.get(leader) ?? [];
      const size = sizeByNode.get(leader) ?? 0;
      if (list.length > 0 && size + batch.encoded!.length > this.config.maxRequestSize) continue;
      q.ready.shift();
      list.push(batch);
      byNode.set(leader, list);
      sizeByNode.set(leader, size + batch.encoded!.length);
    }
    for (const [node, batches] of byNode) this.sendRequest(node, batches);
    if (unknownTopics.size > 0) this.refreshAndRetry([...unknownTopics]);
    if (notInTransaction.length > 0) {
      // Their batches wait until the coordinator has the partitions; if it refuses, they fail with its reason.
      this.txn!.addPartitions(notInTransaction).then(() => this.scheduleDrain(), (e: Error) => this.failUnsent(e));
    }
    if (earliestRetryMs !== Infinity) this.armRetry(earliestRetryMs - now);
    return byNode.size > 0;
  }

  /**
   * Idempotent ordering: a retry goes out only once nothing of its partition is in flight (the batches
   * after it are refused as out of sequence and come back behind it); a batch of a new producer id waits
   * for the old id's batches; and at most five are in flight, the window the broker deduplicates.
   */
  private mustWait(q: PartitionQueue, head: Batch): boolean {
    return head.sends > 0 || q.inFlight[0]!.generation !== this.identity.generation || q.inFlight.length >= IDEMPOTENT_IN_FLIGHT_MAX;
  }

  private encode(q: PartitionQueue, b: Batch): void {
    if (!this.config.idempotent) {
      b.encoded = buildRecordBatch(b.records, { compression: this.config.codec });
      return;
    }
    if (q.sequenceGeneration !== this.identity.generation) {
      q.sequenceGeneration = this.identity.generation;
      q.nextSequence = 0;
    }
    b.generation = this.identity.generation;
    b.baseSequence = q.nextSequence;
    q.nextSequence = incrementSequence(q.nextSequence, b.records.length);
    b.encoded = buildRecordBatch(b.records, {
      compression: this.config.codec, producerId: this.identity.producerId, producerEpoch: this.identity.producerEpoch, baseSequence: b.baseSequence,
      isTransactional: this.txn !== null,
    });
  }

  /** InitProducerId without a transactional id, once at a time; the drain resumes when it is answered. */
  private initProducerId(): void {
    this.identity.requestIdempotent(this.cluster, () => this.scheduleDrain(), (error, retriable) => {
      if (!retriable) this.failUnsent(error);
      if (this.pendingBatches > 0) this.armRetry(this.config.retryBackoffMs);
    });
  }

  /** Fails every queued batch that was never sent (the producer cannot get an id to send them with). */
  private failUnsent(error: Error): void {
    for (const q of this.queues.values()) {
      if (q.open !== null) this.closeBatch(q);
      for (let i = q.ready.length - 1; i >= 0; i--) {
        const b = q.ready[i]!;
        if (b.sends > 0) continue;
        q.ready.splice(i, 1);
        this.fail(b, error);
      }
    }
  }

  /**
   * Drops the producer id after a sequence became unresolved: the next drain asks for a new one and every
   * partition restarts at sequence 0. Batches encoded under the old id but never sent are re-encoded.
   */
  private resetProducerId(): void {
    if (!this.identity.drop()) return;
    for (const q of this.queues.values()) {
      for (const b of q.ready) if (b.sends === 0) b.encoded = null;
    }
    this.scheduleDrain();
  }

  private armExpiry(atMs: number): void {
    if (this.expiryTimer !== null) return;
    this.expiryTimer = setTimeout(() => this.onExpiry(), Math.max(1, atMs - performance.now()));
    this.expiryTimer.unref();
  }

  /** Fails every batch past delivery.timeout.ms, wherever it waits, and re-arms for the next oldest. */
  private onExpiry(): void {
    this.expiryTimer = null;
    const now = performance.now();
    let nextMs = Infinity;
    const check = (b: Batch): boolean => {
      if (b.expiresAtMs > now) {
        nextMs = Math.min(nextMs, b.expiresAtMs);
        return false;
      }
      this.fail(b, this.expiredError(b, now));
      return true;
    };
    for (const q of this.queues.values()) {
      if (q.open !== null && check(q.open)) q.open = null;
      for (let i = q.ready.length - 1; i >= 0; i--) if (check(q.ready[i]!)) q.ready.splice(i, 1);
    }
    for (const b of this.inFlight) if (check(b)) this.inFlight.delete(b);
    if (nextMs !== Infinity) this.armExpiry(nextMs);
  }

  private expiredError(b: Batch, nowMs: number): ClientError {
    return new ClientError(
      `${b.records.length} record(s) for ${b.topic}-${b.partition} expired: ${Math.round(nowMs - b.createdMs)} ms passed since the batch opened (delivery.timeout.ms ${this.config.deliveryTimeoutMs})`,
      'SAMSA_ERR_DELIVERY_TIMEOUT', ErrorCode.REQUEST_TIMED_OUT,
    );
  }

  private armRetry(delayMs: number): void {
    if (this.retryTimer !== null) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.scheduleDrain();
    }, Math.max(1, delayMs));
  }

  private refreshAndRetry(topics: string[]): void {
    this.cluster.refreshMetadata(topics, this.config.allowAutoTopicCreation).catch(() => undefined).finally(() => this.armRetry(this.config.retryBackoffMs));
  }

  private sendRequest(node: number, batches: Batch[]): void {
    this.inFlightByNode.set(node, (this.inFlightByNode.get(node) ?? 0) + 1);
    for (const b of batches) {
      this.inFlight.add(b);
      b.sends++;
      if (this.config.idempotent) this.queue(b.topic, b.partition).inFlight.push(b);
    }
    const req = buildProduceRequest(batches, {
      acks: this.config.acks, timeoutMs: this.config.requestTimeoutMs, transactionalId: this.txn?.transactionalId ?? null,
    });
    void sendProduce(this.cluster, node, req).then((outcome) => {
      if (outcome.kind === 'failed') {
        this.failOrRetry(batches, outcome.error, true);
      } else if (outcome.kind === 'sent') {
        this.unconfirmedNodes.add(node);
        for (const b of batches) this.complete(b, -1n);
      } else {
        this.onResponse(batches, outcome.answers);
      }
      for (const b of batches) {
        this.inFlight.delete(b);
        if (this.config.idempotent) removeItem(this.queue(b.topic, b.partition).inFlight, b);
      }
      this.inFlightByNode.set(node, (this.inFlightByNode.get(node) ?? 1) - 1);
      this.scheduleDrain();
    });
  }

  private onResponse(batches: Batch[], answers: Map<string, messages.ProduceResponsePartitionProduceResponse>): void {
    for (const b of batches) {
      const p = answers.get(answerKey(b.topic, b.partition));
      if (p === undefined) {
        this.failOrRetry([b], new ClientError(`no answer for ${b.topic}-${b.partition}`, 'SAMSA_ERR_PROTOCOL'), true);
      } else if (p.errorCode === ErrorCode.NONE) {
        this.complete(b, p.baseOffset);
      } else {
        const message = `produce to ${b.topic}-${b.partition} failed: ${errorName(p.errorCode)}${p.errorMessage ? ` (${p.errorMessage})` : ''}`;
        const error = new ClientError(message, 'SAMSA_ERR_PRODUCE', p.errorCode);
        if (this.config.idempotent && isSequenceError(p.errorCode)) this.onSequenceError(b, error);
        else this.failOrRetry([b], error, isRetriable(p.errorCode));
      }
    }
  }

  /**
   * OUT_OF_ORDER_SEQUENCE_NUMBER, UNKNOWN_PRODUCER_ID or INVALID_PRODUCER_EPOCH: the batch was not written.
   * Under an old producer id it is re-encoded under the current one; behind an unacknowledged batch of its
   * partition it is retried after that one; otherwise the broker lost or refused this producer's sequence,
   * so its records fail and the producer takes a new id.
   */
  private onSequenceError(b: Batch, error: ClientError): void {
    if (b.done) return;
    if (b.generation !== this.identity.generation) {
      b.encoded = null;
      b.sends = 0;
      this.failOrRetry([b], error, true);
    } else if (this.hasOlderUnacknowledged(b)) {
      this.failOrRetry([b], error, true);
    } else {
      this.fail(b, new ClientError(
        `${error.message}: sequence ${b.baseSequence} of producer ${this.identity.producerId} epoch ${this.identity.producerEpoch} was refused; its records fail and the producer takes a new producer id`,
        'SAMSA_ERR_SEQUENCE', error.kafkaErrorCode,
      ));
    }
  }

  /** Whether an earlier batch of b's partition was sent and is neither acknowledged nor failed. */
  private hasOlderUnacknowledged(b: Batch): boolean {
    const q = this.queue(b.topic, b.partition);
    for (const o of q.inFlight) if (o !== b && !o.done && o.order < b.order) return true;
    for (const o of q.ready) if (o.sends > 0 && o.order < b.order) return true;
    return false;
  }

  private failOrRetry(batches: Batch[], error: Error, retriable: boolean): void {
    const stale = new Set<string>();
    const now = performance.now();
    for (const b of batches) {
      if (b.done) continue;
      b.attempts++;
      if (!retriable || b.attempts > this.config.retries || this.config.acks === 0) {
        this.fail(b, error);
        continue;
      }
      if (now >= b.expiresAtMs) {
        this.fail(b, this.expiredError(b, now));
        continue;
      }
      b.retryAtMs = now + Math.min(this.config.retryBackoffMaxMs, this.config.retryBackoffMs * 2 ** Math.min(b.attempts - 1, 20));
      insertByOrder(this.queue(b.topic, b.partition).ready, b);
      stale.add(b.topic);
    }
    if (stale.size > 0) this.refreshAndRetry([...stale]);
  }

  private complete(b: Batch, baseOffset: bigint): void {
    if (b.done) return;
    for (let i = 0; i < b.deliveries.length; i++) {
      b.deliveries[i]!.resolve({ topic: b.topic, partition: b.partition, offset: baseOffset < 0n ? -1n : baseOffset + BigInt(i) });
    }
    this.finish(b);
  }

  private fail(b: Batch, error: Error): void {
    if (b.done) return;
    for (const d of b.deliveries) d.reject(error);
    this.finish(b);
    const sequenced = this.config.idempotent && b.encoded !== null && b.generation === this.identity.generation;
    if (this.txn !== null) {
      // Inside a transaction a lost send cannot be committed; the abort then bumps the epoch if a sequence is in doubt.
      this.txn.abortableError(error);
      if (sequenced) this.identity.epochBumpNeeded = true;
      return;
    }
    // Its sequence may or may not be written: nothing after it can be numbered safely under this id.
    if (sequenced) this.resetProducerId();
  }

  private finish(b: Batch): void {
    b.done = true;
    this.pool.release(b.reservedBytes);
    this.pendingBatches--;
    if (this.pendingBatches === 0) {
      const waiters = this.flushWaiters;
      this.flushWaiters = [];
      for (const w of waiters) w();
    }
  }

  private reserveMemory(bytes: number): Promise<void> {
    // Full: close open batches so memory comes back, then wait in line.
    return this.pool.reserve(bytes, () => {
      for (const q of this.queues.values()) if (q.open !== null) this.closeBatch(q);
    });
  }

  /** Sends every buffered record now and resolves when all are acknowledged or failed. */
  async flush(): Promise<void> {
    this.flushing++;
    try {
      while (this.pendingBatches > 0 || this.pool.waiting > 0) {
        for (const q of this.queues.values()) if (q.open !== null) this.closeBatch(q);
        const waited = new Promise<void>((resolve) => this.flushWaiters.push(resolve));
        if (this.pendingBatches === 0) break;
        await waited;
        // Sends that were waiting for memory may have opened new batches.
        await new Promise((r) => setImmediate(r));
      }
      await this.confirmOneWay();
    } finally {
      this.flushing--;
    }
  }

  /** A broker answers in order, so an answered ApiVersions means every acks=0 request before it was read. */
  private async confirmOneWay(): Promise<void> {
    const nodes = [...this.unconfirmedNodes];
    this.unconfirmedNodes.clear();
    await Promise.all(nodes.map(async (node) => {
      const conn = await this.cluster.node(node);
      await conn.request(ApiKey.ApiVersions, { ...messages.ApiVersionsRequest.defaults(), clientSoftwareName: 'samsa', clientSoftwareVersion: '0' });
    }));
  }

  /** Flushes, then refuses further sends. The cluster (and its connections) stay the caller's. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    if (this.lingerTimer !== null) clearTimeout(this.lingerTimer);
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    if (this.expiryTimer !== null) clearTimeout(this.expiryTimer);
    this.lingerTimer = null;
    this.retryTimer = null;
    this.expiryTimer = null;
  }
}
