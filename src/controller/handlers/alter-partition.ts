import { ApiKey, ErrorCode, messages } from '../../protocol/index.ts';
import type { ControllerHandler } from './types.ts';

/** AlterPartition: a leader's ISR change (KIP-497), with the broker epochs of KIP-903 when given. */
export const alterPartition: ControllerHandler<messages.AlterPartitionRequest, messages.AlterPartitionResponse> = {
  apiKey: ApiKey.AlterPartition,
  async answer(req, { controller, active }) {
    if (!active) return { ...messages.AlterPartitionResponse.defaults(), errorCode: ErrorCode.NOT_CONTROLLER };
    const changes = req.topics.flatMap((t) => t.partitions.map((p) => ({
      topicId: t.topicId, partitionIndex: p.partitionIndex, leaderEpoch: p.leaderEpoch, partitionEpoch: p.partitionEpoch,
      newIsr: p.newIsrWithEpochs.length > 0 ? p.newIsrWithEpochs.map((b) => b.brokerId) : p.newIsr,
    })));
    const results = await controller.alterPartition({ brokerId: req.brokerId, brokerEpoch: req.brokerEpoch, partitions: changes });
    return {
      ...messages.AlterPartitionResponse.defaults(),
      topics: req.topics.map((t) => ({
        ...messages.defaultAlterPartitionResponseTopicData(), topicName: t.topicName, topicId: t.topicId,
        partitions: results.filter((r) => r.topicId === t.topicId).map((r) => ({
          ...messages.defaultAlterPartitionResponsePartitionData(), partitionIndex: r.partitionIndex, errorCode: r.errorCode,
          leaderId: r.leaderId, leaderEpoch: r.leaderEpoch, isr: r.isr, partitionEpoch: r.partitionEpoch,
        })),
      })),
    };
  },
  errorCodes: (res) => [res.errorCode],
};
