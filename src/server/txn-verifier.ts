/**
 * KIP-890's verification, the partition leader's side: before a
 * transaction's first write to a partition, ask the transactional id's
 * coordinator — in this process, or another broker with AddPartitionsToTxn
 * v4+ verify-only — whether that partition is in the producer's ongoing
 * transaction. A write that fails it would open a transaction nobody ends.
 */
import type { TransactionCoordinatorApi, TxnPartitionErrors, TxnTopicPartitions } from '../broker/index.ts';
import { TRANSACTION_STATE_TOPIC, group } from '../coordinator/index.ts';
import type { MetadataImage } from '../metadata/index.ts';
import { ApiKey, ErrorCode, messages } from '../protocol/index.ts';
import type { BrokerConnections } from './broker-connections.ts';

export interface VerifyRequest {
  transactionalId: string;
  producerId: bigint;
  producerEpoch: number;
  topics: readonly TxnTopicPartitions[];
}

export function transactionVerifier(
  nodeId: number, image: () => MetadataImage, coordinator: () => TransactionCoordinatorApi, connections: BrokerConnections,
): (req: VerifyRequest) => Promise<TxnPartitionErrors[]> {
  const all = (req: VerifyRequest, errorCode: number): TxnPartitionErrors[] =>
    req.topics.map((t) => ({ topic: t.topic, partitions: t.partitions.map((partition) => ({ partition, errorCode })) }));
  return async (req) => {
    const partitions = image().topicsByName.get(TRANSACTION_STATE_TOPIC)?.partitions;
    if (partitions === undefined || partitions.length === 0) return all(req, ErrorCode.COORDINATOR_NOT_AVAILABLE);
    const leader = partitions[group.partitionForGroup(req.transactionalId, partitions.length)]?.leader ?? -1;
    if (leader < 0) return all(req, ErrorCode.COORDINATOR_NOT_AVAILABLE);
    if (leader === nodeId) return coordinator().addPartitions({ ...req, verifyOnly: true });
    try {
      const res = await connections.request(leader, ApiKey.AddPartitionsToTxn, {
        ...messages.AddPartitionsToTxnRequest.defaults(),
        transactions: [{
          ...messages.defaultAddPartitionsToTxnRequestAddPartitionsToTxnTransaction(),
          transactionalId: req.transactionalId, producerId: req.producerId, producerEpoch: req.producerEpoch, verifyOnly: true,
          topics: req.topics.map((t) => ({ ...messages.defaultAddPartitionsToTxnRequestAddPartitionsToTxnTopic(), name: t.topic, partitions: [...t.partitions] })),
        }],
      });
      if (res.errorCode !== ErrorCode.NONE) return all(req, res.errorCode);
      const answered = new Map<string, number>();
      for (const t of res.resultsByTransaction[0]?.topicResults ?? []) {
        for (const p of t.resultsByPartition) answered.set(`${t.name}\0${p.partitionIndex}`, p.partitionErrorCode);
      }
      return req.topics.map((t) => ({
        topic: t.topic,
        partitions: t.partitions.map((partition) => ({ partition, errorCode: answered.get(`${t.topic}\0${partition}`) ?? ErrorCode.UNKNOWN_SERVER_ERROR })),
      }));
    } catch {
      // The coordinator's broker did not answer: the producer retries (NOT_ENOUGH_REPLICAS once mapped for Produce).
      return all(req, ErrorCode.COORDINATOR_NOT_AVAILABLE);
    }
  };
}
