import { ApiKey, ErrorCode, messages } from '../../protocol/index.ts';
import type { ControllerHandler } from './types.ts';

/** ElectLeaders: preferred or unclean leader election, for every partition or those named. */
export const electLeaders: ControllerHandler<messages.ElectLeadersRequest, messages.ElectLeadersResponse> = {
  apiKey: ApiKey.ElectLeaders,
  async answer(req, { controller, active }) {
    if (!active) return { ...messages.ElectLeadersResponse.defaults(), errorCode: ErrorCode.NOT_CONTROLLER };
    const wanted = req.topicPartitions === null ? null : req.topicPartitions.map((t) => ({ topic: t.topic, partitionIds: t.partitions }));
    const results = await controller.electLeaders(req.electionType, wanted);
    const byTopic = new Map<string, messages.ElectLeadersResponsePartitionResult[]>();
    for (const r of results) {
      const list = byTopic.get(r.topic) ?? [];
      list.push({ ...messages.defaultElectLeadersResponsePartitionResult(), partitionId: r.partitionId, errorCode: r.errorCode, errorMessage: r.errorMessage });
      byTopic.set(r.topic, list);
    }
    return {
      ...messages.ElectLeadersResponse.defaults(),
      replicaElectionResults: [...byTopic].map(([topic, partitionResult]) => ({ ...messages.defaultElectLeadersResponseReplicaElectionResult(), topic, partitionResult })),
    };
  },
  errorCodes: (res) => [res.errorCode],
};
