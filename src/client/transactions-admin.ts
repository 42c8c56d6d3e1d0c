/**
 * The admin side of transactions, as Java's Admin has it (listTransactions,
 * describeTransactions, describeProducers, abortTransaction): what
 * kafka-transactions.sh and `samsa transactions` are built on. Listing asks
 * every broker, since each knows only the transactional ids it coordinates.
 */
import { ApiKey, ClientError, ErrorCode, errorName, messages } from '../protocol/index.ts';
import type { Cluster } from './cluster.ts';

const KEY_TYPE_TRANSACTION = 1;

export interface TransactionListing {
  transactionalId: string;
  producerId: bigint;
  state: string;
  coordinatorId: number;
}

export interface TransactionDescription {
  transactionalId: string;
  coordinatorId: number;
  state: string;
  producerId: bigint;
  producerEpoch: number;
  transactionTimeoutMs: number;
  /** -1 when no transaction is open. */
  transactionStartTimeMs: number;
  partitions: { topic: string; partition: number }[];
}

export interface ProducerState {
  producerId: bigint;
  producerEpoch: number;
  lastSequence: number;
  lastTimestamp: bigint;
  coordinatorEpoch: number;
  /** -1 when the producer has no open transaction on the partition. */
  currentTransactionStartOffset: bigint;
}

export interface AbortSpec {
  topic: string;
  partition: number;
  producerId: bigint;
  producerEpoch: number;
  coordinatorEpoch: number;
}

function fail(subject: string, errorCode: number, errorMessage?: string | null): never {
  throw new ClientError(`${subject}: ${errorName(errorCode)}${errorMessage ? ` (${errorMessage})` : ''}`, 'SAMSA_ERR_KAFKA', errorCode);
}

export class TransactionsAdmin {
  private readonly cluster: Cluster;

  constructor(cluster: Cluster) {
    this.cluster = cluster;
  }

  async listTransactions(filter: { states?: string[]; producerIds?: bigint[]; durationMs?: number } = {}): Promise<TransactionListing[]> {
    await this.cluster.refreshMetadata([]);
    const brokers = [...this.cluster.brokers.keys()].sort((a, b) => a - b);
    const lists = await Promise.all(brokers.map(async (id) => {
      const res = await (await this.cluster.node(id)).request(ApiKey.ListTransactions, {
        ...messages.ListTransactionsRequest.defaults(),
        stateFilters: filter.states ?? [], producerIdFilters: filter.producerIds ?? [], durationFilter: BigInt(filter.durationMs ?? -1),
      });
      if (res.errorCode !== ErrorCode.NONE) fail(`listing transactions on broker ${id}`, res.errorCode);
      if (res.unknownStateFilters.length > 0) {
        throw new ClientError(`unknown transaction state(s): ${res.unknownStateFilters.join(', ')}`, 'SAMSA_ERR_KAFKA', ErrorCode.INVALID_REQUEST);
      }
      return res.transactionStates.map((t) => ({ transactionalId: t.transactionalId, producerId: t.producerId, state: t.transactionState, coordinatorId: id }));
    }));
    return lists.flat().sort((a, b) => a.transactionalId.localeCompare(b.transactionalId));
  }

  async describeTransactions(transactionalIds: readonly string[]): Promise<TransactionDescription[]> {
    return Promise.all(transactionalIds.map(async (transactionalId) => {
      const coordinatorId = await this.coordinatorOf(transactionalId);
      const res = await (await this.cluster.node(coordinatorId)).request(ApiKey.DescribeTransactions, {
        ...messages.DescribeTransactionsRequest.defaults(), transactionalIds: [transactionalId],
      });
      const t = res.transactionStates[0];
      if (t === undefined) throw new ClientError(`no description of transactional id '${transactionalId}'`, 'SAMSA_ERR_PROTOCOL');
      if (t.errorCode !== ErrorCode.NONE) fail(`transactional id '${transactionalId}'`, t.errorCode);
      return {
        transactionalId, coordinatorId, state: t.transactionState, producerId: t.producerId, producerEpoch: t.producerEpoch,
        transactionTimeoutMs: t.transactionTimeoutMs, transactionStartTimeMs: Number(t.transactionStartTimeMs),
        partitions: t.topics.flatMap((topic) => topic.partitions.map((partition) => ({ topic: topic.topic, partition }))),
      };
    }));
  }

  /** The producers a partition's leader (or the given broker, for a follower's view) knows, with their open transactions. */
  async describeProducers(topic: string, partition: number, brokerId?: number): Promise<ProducerState[]> {
    const node = brokerId ?? await this.leaderOf(topic, partition);
    const res = await (await this.cluster.node(node)).request(ApiKey.DescribeProducers, {
      ...messages.DescribeProducersRequest.defaults(),
      topics: [{ ...messages.defaultDescribeProducersRequestTopicRequest(), name: topic, partitionIndexes: [partition] }],
    });
    const p = res.topics[0]?.partitions[0];
    if (p === undefined) throw new ClientError(`no producers answer for ${topic}-${partition}`, 'SAMSA_ERR_PROTOCOL');
    if (p.errorCode !== ErrorCode.NONE) fail(`describing producers of ${topic}-${partition}`, p.errorCode, p.errorMessage);
    return p.activeProducers.map((s) => ({
      producerId: s.producerId, producerEpoch: s.producerEpoch, lastSequence: s.lastSequence, lastTimestamp: s.lastTimestamp,
      coordinatorEpoch: s.coordinatorEpoch, currentTransactionStartOffset: s.currentTxnStartOffset,
    }));
  }

  /** Writes an ABORT marker for a producer's open transaction on one partition (a hanging transaction's cure). */
  async abortTransaction(spec: AbortSpec): Promise<void> {
    const leader = await this.leaderOf(spec.topic, spec.partition);
    const res = await (await this.cluster.node(leader)).request(ApiKey.WriteTxnMarkers, {
      ...messages.WriteTxnMarkersRequest.defaults(),
      markers: [{
        ...messages.defaultWriteTxnMarkersRequestWritableTxnMarker(),
        producerId: spec.producerId, producerEpoch: spec.producerEpoch, transactionResult: false, coordinatorEpoch: spec.coordinatorEpoch,
        topics: [{ ...messages.defaultWriteTxnMarkersRequestWritableTxnMarkerTopic(), name: spec.topic, partitionIndexes: [spec.partition] }],
      }],
    });
    const code = res.markers[0]?.topics[0]?.partitions[0]?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR;
    if (code !== ErrorCode.NONE) fail(`aborting producer ${spec.producerId}'s transaction on ${spec.topic}-${spec.partition}`, code);
  }

  private async coordinatorOf(transactionalId: string): Promise<number> {
    const res = await (await this.cluster.any()).request(ApiKey.FindCoordinator, {
      ...messages.FindCoordinatorRequest.defaults(), key: transactionalId, keyType: KEY_TYPE_TRANSACTION, coordinatorKeys: [transactionalId],
    });
    const found = res.coordinators[0] ?? res;
    if (found.errorCode !== ErrorCode.NONE) fail(`finding the coordinator of transactional id '${transactionalId}'`, found.errorCode, found.errorMessage);
    return found.nodeId;
  }

  private async leaderOf(topic: string, partition: number): Promise<number> {
    await this.cluster.refreshMetadata([topic]);
    const info = this.cluster.topics.get(topic);
    if (info === undefined) fail(`topic '${topic}'`, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const leader = info.partitions[partition]?.leader ?? -1;
    if (leader < 0) fail(`${topic}-${partition}`, info.partitions[partition] === undefined ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.LEADER_NOT_AVAILABLE);
    return leader;
  }
}
