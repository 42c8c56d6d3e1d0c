/** DescribeQuorum (API key 55) on a broker: answered by the metadata quorum's leader, as Kafka brokers forward it; DESCRIBE on the cluster. */
import { ErrorCode, messages } from '../../protocol/index.ts';
import { Op, authorizeCluster } from '../authorization.ts';
import type { BrokerContext, RequestContext } from '../broker-context.ts';

export function handleDescribeQuorum(
  broker: BrokerContext, _request: messages.DescribeQuorumRequest, ctx: RequestContext,
): Promise<messages.DescribeQuorumResponse> {
  if (!authorizeCluster(broker, ctx, Op.DESCRIBE)) {
    return Promise.resolve({ ...messages.DescribeQuorumResponse.defaults(), errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED });
  }
  return broker.describeQuorum();
}
