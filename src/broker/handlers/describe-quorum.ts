/** DescribeQuorum (API key 55) on a broker: answered by the metadata quorum's leader, as Kafka brokers forward it. */
import type { messages } from '../../protocol/index.ts';
import type { BrokerContext, RequestContext } from '../broker-context.ts';

export function handleDescribeQuorum(
  broker: BrokerContext, _request: messages.DescribeQuorumRequest, _ctx: RequestContext,
): Promise<messages.DescribeQuorumResponse> {
  return broker.describeQuorum();
}
