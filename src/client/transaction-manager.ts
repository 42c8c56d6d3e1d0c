/**
 * A transactional producer's side of Kafka's transaction protocol (Java's
 * TransactionManager): the coordinator of its transactional.id, the
 * producer id and epoch it gets from InitProducerId, the partitions added
 * to the current transaction, and the state machine
 *
 *   uninitialized → ready ⇄ in-transaction → (committing | aborting) → ready
 *
 * with two sinks: abortable-error (a send failed inside the transaction;
 * only abortTransaction() leaves it) and fatal-error (fenced by a newer
 * instance, or a broker refusal that cannot be recovered; the producer
 * must be closed). Coordinator requests are retried on the errors Kafka
 * calls retriable for them, re-finding the coordinator when it moved, up
 * to maxBlockMs. The Producer owns the batches; this owns everything said
 * to the coordinators.
 */
import type { BrokerConnection } from '../protocol/index.ts';
import { ApiKey, ClientError, ErrorCode, errorName, messages } from '../protocol/index.ts';
import type { Cluster } from './cluster.ts';

export type TransactionState = 'uninitialized' | 'ready' | 'in-transaction' | 'committing' | 'aborting' | 'abortable-error' | 'fatal-error';

const KEY_TYPE_GROUP = 0;
const KEY_TYPE_TRANSACTION = 1;
/** AddPartitionsToTxn v4+ batches transactions for brokers; a producer speaks v3 at most (as Java's). */
const PRODUCER_ADD_PARTITIONS_VERSION_MAX = 3;
/** Java retries CONCURRENT_TRANSACTIONS on AddPartitionsToTxn this soon: the previous transaction is finishing. */
const CONCURRENT_TRANSACTIONS_BACKOFF_MS = 20;
const FATAL_ERRORS: ReadonlySet<number> = new Set([
  ErrorCode.PRODUCER_FENCED, ErrorCode.INVALID_PRODUCER_EPOCH, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
  ErrorCode.INVALID_TRANSACTION_TIMEOUT, ErrorCode.UNSUPPORTED_VERSION, ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT,
  ErrorCode.TRANSACTION_COORDINATOR_FENCED, ErrorCode.INVALID_REQUEST,
]);
/** Answers after which the request is sent again (the coordinator re-found first when it moved). */
const COORDINATOR_MOVED: ReadonlySet<number> = new Set([ErrorCode.NOT_COORDINATOR, ErrorCode.COORDINATOR_NOT_AVAILABLE]);
const RETRY_LATER: ReadonlySet<number> = new Set([
  ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, ErrorCode.CONCURRENT_TRANSACTIONS, ErrorCode.REQUEST_TIMED_OUT,
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.NOT_ENOUGH_REPLICAS, ErrorCode.NETWORK_EXCEPTION,
]);

export interface TransactionOptions {
  transactionalId: string;
  transactionTimeoutMs: number;
  retryBackoffMs: number;
  /** max.block.ms: how long initTransactions/commit/abort/sendOffsets keep retrying. */
  maxBlockMs: number;
}

export interface GroupMetadata {
  groupId: string;
  generationId?: number;
  memberId?: string;
  groupInstanceId?: string | null;
}

export interface OffsetToCommit {
  topic: string;
  partition: number;
  offset: bigint;
  leaderEpoch?: number;
  metadata?: string | null;
}

export class TransactionManager {
  private readonly cluster: Cluster;
  private readonly options: TransactionOptions;
  private stateValue: TransactionState = 'uninitialized';
  private failure: ClientError | null = null;
  producerId = -1n;
  producerEpoch = -1;
  /** "topic\0partition" of partitions the coordinator has in this transaction. */
  private readonly added = new Set<string>();
  /** Partitions asked for and not yet added; one AddPartitionsToTxn in flight at a time. */
  private readonly toAdd = new Map<string, { topic: string; partition: number }>();
  private adding: Promise<void> | null = null;
  /** Offsets were added (AddOffsetsToTxn): EndTxn is due even with no partition. */
  private offsetsAdded = false;
  private coordinatorId: number | null = null;

  constructor(cluster: Cluster, options: TransactionOptions) {
    this.cluster = cluster;
    this.options = options;
  }

  get transactionalId(): string {
    return this.options.transactionalId;
  }

  get state(): TransactionState {
    return this.stateValue;
  }

  /** Why the transaction cannot commit (abortable) or the producer cannot go on (fatal); null when neither. */
  get error(): ClientError | null {
    return this.failure;
  }

  /** Whether anything was added, so the coordinator must be told how the transaction ends. */
  get hasStarted(): boolean {
    return this.added.size > 0 || this.offsetsAdded;
  }

  isAdded(topic: string, partition: number): boolean {
    return this.added.has(`${topic}\0${partition}`);
  }

  /** A send inside the transaction failed: it can only be aborted now. Fatal errors stay fatal. */
  abortableError(error: Error): void {
    if (this.stateValue === 'fatal-error') return;
    const kafkaErrorCode = error instanceof ClientError ? error.kafkaErrorCode : -1;
    if (FATAL_ERRORS.has(kafkaErrorCode)) {
      this.fatal(error instanceof ClientError ? error : new ClientError(error.message, 'SAMSA_ERR_TXN_FATAL', kafkaErrorCode));
      return;
    }
    this.failure ??= new ClientError(`the transaction must be aborted: ${error.message}`, 'SAMSA_ERR_TXN_ABORTABLE', kafkaErrorCode);
    this.stateValue = 'abortable-error';
  }

  private fatal(error: ClientError): never {
    this.failure = error;
    this.stateValue = 'fatal-error';
    throw error;
  }

  /** Refuses an operation the state does not allow, as Java's IllegalStateException / KafkaException. */
  requireState(operation: string, ...allowed: TransactionState[]): void {
    if (this.stateValue === 'fatal-error') throw this.failure!;
    if (allowed.includes(this.stateValue)) return;
    if (this.stateValue === 'abortable-error' && operation !== 'abortTransaction') throw this.failure!;
    throw new ClientError(`cannot ${operation} in state ${this.stateValue}`, 'SAMSA_ERR_TXN_STATE');
  }

  // ---- the coordinator's requests -------------------------------------------------------------

  /** InitProducerId for the transactional id: a producer id and epoch, fencing older instances. */
  async init(bumpFrom: { producerId: bigint; producerEpoch: number } | null = null): Promise<void> {
    const res = await this.coordinatorRequest('InitProducerId', KEY_TYPE_TRANSACTION, this.transactionalId, (c) => c.request(ApiKey.InitProducerId, {
      ...messages.InitProducerIdRequest.defaults(), transactionalId: this.transactionalId,
      transactionTimeoutMs: this.options.transactionTimeoutMs,
      producerId: bumpFrom?.producerId ?? -1n, producerEpoch: bumpFrom?.producerEpoch ?? -1,
    }), (r) => r.errorCode);
    this.producerId = res.producerId;
    this.producerEpoch = res.producerEpoch;
    this.stateValue = 'ready';
    this.failure = null;
  }

  begin(): void {
    this.requireState('beginTransaction', 'ready');
    this.stateValue = 'in-transaction';
  }

  /** AddPartitionsToTxn for partitions not in the transaction yet; resolves once they are (or throws why not). */
  addPartitions(partitions: readonly { topic: string; partition: number }[]): Promise<void> {
    for (const p of partitions) {
      const key = `${p.topic}\0${p.partition}`;
      if (!this.added.has(key)) this.toAdd.set(key, p);
    }
    this.adding ??= this.addPending().finally(() => {
      this.adding = null;
    });
    return this.adding;
  }

  private async addPending(): Promise<void> {
    while (this.toAdd.size > 0) {
      const batch = new Map(this.toAdd);
      this.toAdd.clear();
      const byTopic = new Map<string, number[]>();
      for (const p of batch.values()) byTopic.set(p.topic, [...byTopic.get(p.topic) ?? [], p.partition]);
      try {
        await this.coordinatorRequest('AddPartitionsToTxn', KEY_TYPE_TRANSACTION, this.transactionalId, (c) => c.requestAtMost(ApiKey.AddPartitionsToTxn, PRODUCER_ADD_PARTITIONS_VERSION_MAX, {
          ...messages.AddPartitionsToTxnRequest.defaults(),
          v3AndBelowTransactionalId: this.transactionalId, v3AndBelowProducerId: this.producerId, v3AndBelowProducerEpoch: this.producerEpoch,
          v3AndBelowTopics: [...byTopic].map(([name, ps]) => ({ ...messages.defaultAddPartitionsToTxnRequestAddPartitionsToTxnTopic(), name, partitions: ps })),
        }), firstPartitionError, CONCURRENT_TRANSACTIONS_BACKOFF_MS);
      } catch (e) {
        if (this.stateValue !== 'fatal-error') this.abortableError(e as Error);
        throw e;
      }
      for (const key of batch.keys()) this.added.add(key);
    }
  }

  /** AddOffsetsToTxn, then TxnOffsetCommit to the group's coordinator (Java's sendOffsetsToTransaction). */
  async sendOffsets(offsets: readonly OffsetToCommit[], group: GroupMetadata): Promise<void> {
    this.requireState('sendOffsetsToTransaction', 'in-transaction');
    try {
      await this.coordinatorRequest('AddOffsetsToTxn', KEY_TYPE_TRANSACTION, this.transactionalId, (c) => c.request(ApiKey.AddOffsetsToTxn, {
        ...messages.AddOffsetsToTxnRequest.defaults(),
        transactionalId: this.transactionalId, producerId: this.producerId, producerEpoch: this.producerEpoch, groupId: group.groupId,
      }), (r) => r.errorCode);
      this.offsetsAdded = true;
      const byTopic = new Map<string, OffsetToCommit[]>();
      for (const o of offsets) byTopic.set(o.topic, [...byTopic.get(o.topic) ?? [], o]);
      await this.coordinatorRequest('TxnOffsetCommit', KEY_TYPE_GROUP, group.groupId, (c) => c.request(ApiKey.TxnOffsetCommit, {
        ...messages.TxnOffsetCommitRequest.defaults(),
        transactionalId: this.transactionalId, groupId: group.groupId, producerId: this.producerId, producerEpoch: this.producerEpoch,
        generationId: group.generationId ?? -1, memberId: group.memberId ?? '', groupInstanceId: group.groupInstanceId ?? null,
        topics: [...byTopic].map(([name, list]) => ({
          ...messages.defaultTxnOffsetCommitRequestTxnOffsetCommitRequestTopic(),
          name,
          partitions: list.map((o) => ({
            ...messages.defaultTxnOffsetCommitRequestTxnOffsetCommitRequestPartition(),
            partitionIndex: o.partition, committedOffset: o.offset, committedLeaderEpoch: o.leaderEpoch ?? -1, committedMetadata: o.metadata ?? '',
          })),
        })),
      }), (r) => r.topics.flatMap((t) => t.partitions.map((p) => p.errorCode)).find((code) => code !== ErrorCode.NONE) ?? ErrorCode.NONE);
    } catch (e) {
      if (this.stateValue !== 'fatal-error') this.abortableError(e as Error);
      throw e;
    }
  }

  /** EndTxn when anything was added; then the producer is ready for the next transaction. */
  async end(commit: boolean): Promise<void> {
    this.stateValue = commit ? 'committing' : 'aborting';
    if (this.hasStarted) {
      await this.coordinatorRequest('EndTxn', KEY_TYPE_TRANSACTION, this.transactionalId, (c) => c.request(ApiKey.EndTxn, {
        ...messages.EndTxnRequest.defaults(),
        transactionalId: this.transactionalId, producerId: this.producerId, producerEpoch: this.producerEpoch, committed: commit,
      }), (r) => r.errorCode);
    }
    this.added.clear();
    this.toAdd.clear();
    this.offsetsAdded = false;
    this.failure = null;
    this.stateValue = 'ready';
  }

  /**
   * Sends a request to the coordinator of `key`, finding it first, and
   * retries on retriable answers (re-finding it when it moved) until
   * maxBlockMs. A fatal answer fails the producer; any other refusal is thrown.
   */
  private async coordinatorRequest<R>(
    what: string, keyType: number, key: string, send: (c: BrokerConnection) => Promise<R>, errorOf: (r: R) => number,
    concurrentBackoffMs = this.options.retryBackoffMs,
  ): Promise<R> {
    const deadline = performance.now() + this.options.maxBlockMs;
    let lastError = 'no attempt';
    for (let attempt = 0; performance.now() < deadline; attempt++) {
      if (attempt > 0) await sleep(lastError === errorName(ErrorCode.CONCURRENT_TRANSACTIONS) ? concurrentBackoffMs : this.options.retryBackoffMs);
      let res: R;
      try {
        const node = keyType === KEY_TYPE_TRANSACTION && this.coordinatorId !== null ? this.coordinatorId : await this.findCoordinator(keyType, key);
        res = await send(await this.cluster.node(node));
      } catch (e) {
        if (e instanceof ClientError && e.kafkaErrorCode > 0 && !COORDINATOR_MOVED.has(e.kafkaErrorCode) && !RETRY_LATER.has(e.kafkaErrorCode)) throw e;
        if (keyType === KEY_TYPE_TRANSACTION) this.coordinatorId = null;
        lastError = (e as Error).message;
        continue;
      }
      const code = errorOf(res);
      if (code === ErrorCode.NONE) return res;
      lastError = errorName(code);
      if (FATAL_ERRORS.has(code)) {
        this.fatal(new ClientError(`${what} for transactional id '${this.transactionalId}' failed: ${errorName(code)}`, 'SAMSA_ERR_TXN_FATAL', code));
      }
      if (COORDINATOR_MOVED.has(code)) {
        if (keyType === KEY_TYPE_TRANSACTION) this.coordinatorId = null;
        continue;
      }
      if (RETRY_LATER.has(code)) continue;
      throw new ClientError(`${what} for transactional id '${this.transactionalId}' failed: ${errorName(code)}`, 'SAMSA_ERR_TXN', code);
    }
    throw new ClientError(`${what} for transactional id '${this.transactionalId}' timed out after ${this.options.maxBlockMs} ms (last: ${lastError})`,
      'SAMSA_ERR_TXN_TIMEOUT', ErrorCode.REQUEST_TIMED_OUT);
  }

  private async findCoordinator(keyType: number, key: string): Promise<number> {
    const res = await (await this.cluster.any()).request(ApiKey.FindCoordinator, {
      ...messages.FindCoordinatorRequest.defaults(), key, keyType, coordinatorKeys: [key],
    });
    const c = res.coordinators[0];
    const found = c !== undefined ? c : res;
    if (found.errorCode !== ErrorCode.NONE) {
      throw new ClientError(`finding the coordinator of '${key}' failed: ${errorName(found.errorCode)}`, 'SAMSA_ERR_COORDINATOR', found.errorCode);
    }
    if (keyType === KEY_TYPE_TRANSACTION) this.coordinatorId = found.nodeId;
    return found.nodeId;
  }
}

function firstPartitionError(res: messages.AddPartitionsToTxnResponse): number {
  if (res.errorCode !== ErrorCode.NONE) return res.errorCode;
  for (const t of res.resultsByTopicV3AndBelow) {
    for (const p of t.resultsByPartition) {
      // Kafka marks the partitions it did not try because of another one's failure.
      if (p.partitionErrorCode !== ErrorCode.NONE && p.partitionErrorCode !== ErrorCode.OPERATION_NOT_ATTEMPTED) return p.partitionErrorCode;
    }
  }
  return ErrorCode.NONE;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
