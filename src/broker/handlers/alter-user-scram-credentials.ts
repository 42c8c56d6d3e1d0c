/** AlterUserScramCredentials (API key 51): forwarded to the controller, which validates, stores and answers per user; ALTER on the cluster. */
import { ErrorCode, messages } from '../../protocol/index.ts';
import { Op, authorizeCluster } from '../authorization.ts';
import type { BrokerContext, RequestContext } from '../broker-context.ts';

export function handleAlterUserScramCredentials(
  broker: BrokerContext, request: messages.AlterUserScramCredentialsRequest, ctx: RequestContext,
): Promise<messages.AlterUserScramCredentialsResponse> {
  if (authorizeCluster(broker, ctx, Op.ALTER)) return broker.controller.alterUserScramCredentials(request);
  const users = [...new Set([...request.deletions.map((d) => d.name), ...request.upsertions.map((u) => u.name)])];
  return Promise.resolve({
    ...messages.AlterUserScramCredentialsResponse.defaults(),
    results: users.map((user) => ({
      ...messages.defaultAlterUserScramCredentialsResponseAlterUserScramCredentialsResult(),
      user, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: 'Cluster authorization failed.',
    })),
  });
}
