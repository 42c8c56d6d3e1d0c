/** ElectLeaders (API key 43): forwarded to the controller, which elects and answers per partition; ALTER on the cluster. */
import { ErrorCode, messages } from '../../protocol/index.ts';
import { Op, authorizeCluster } from '../authorization.ts';
import type { BrokerContext, RequestContext } from '../broker-context.ts';

export function handleElectLeaders(
  broker: BrokerContext, request: messages.ElectLeadersRequest, ctx: RequestContext,
): Promise<messages.ElectLeadersResponse> {
  if (authorizeCluster(broker, ctx, Op.ALTER)) return broker.controller.electLeaders(request);
  const errorCode = ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
  return Promise.resolve({
    ...messages.ElectLeadersResponse.defaults(),
    errorCode,
    replicaElectionResults: (request.topicPartitions ?? []).map((t) => ({
      ...messages.defaultElectLeadersResponseReplicaElectionResult(),
      topic: t.topic,
      partitionResult: t.partitions.map((partitionId) => ({
        ...messages.defaultElectLeadersResponsePartitionResult(), partitionId, errorCode, errorMessage: 'Cluster authorization failed.',
      })),
    })),
  });
}
