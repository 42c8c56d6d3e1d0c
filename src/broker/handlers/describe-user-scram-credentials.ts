/**
 * DescribeUserScramCredentials (API key 50), answered from this broker's
 * metadata image as Kafka's ScramImage.describe does: each user named (or,
 * with none named, every user with a credential) gets its mechanisms and
 * iteration counts, never a salt or key. A user without credentials is
 * RESOURCE_NOT_FOUND; a user named twice is DUPLICATE_RESOURCE. DESCRIBE on
 * the cluster.
 */
import { ErrorCode, messages, sasl } from '../../protocol/index.ts';
import { Op, authorizeCluster } from '../authorization.ts';
import type { BrokerContext, RequestContext } from '../broker-context.ts';

export function handleDescribeUserScramCredentials(
  broker: BrokerContext, request: messages.DescribeUserScramCredentialsRequest, ctx: RequestContext,
): messages.DescribeUserScramCredentialsResponse {
  if (!authorizeCluster(broker, ctx, Op.DESCRIBE)) {
    return { ...messages.DescribeUserScramCredentialsResponse.defaults(), errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED };
  }
  const credentials = broker.image().scramCredentials;
  // User name → named more than once.
  const users = new Map<string, boolean>();
  if (request.users === null || request.users.length === 0) {
    for (const user of credentials.keys()) users.set(user, false);
  } else {
    for (const u of request.users) users.set(u.name, users.has(u.name));
  }
  const results = [...users].map(([user, duplicate]): messages.DescribeUserScramCredentialsResponseDescribeUserScramCredentialsResult => {
    const result = { ...messages.defaultDescribeUserScramCredentialsResponseDescribeUserScramCredentialsResult(), user };
    if (duplicate) {
      return { ...result, errorCode: ErrorCode.DUPLICATE_RESOURCE, errorMessage: `Cannot describe SCRAM credentials for the same user twice in a single request: ${user}` };
    }
    const mine = credentials.get(user);
    if (mine === undefined) {
      return { ...result, errorCode: ErrorCode.RESOURCE_NOT_FOUND, errorMessage: `Attempt to describe a user credential that does not exist: ${user}` };
    }
    const credentialInfos = sasl.scram.SCRAM_MECHANISMS.filter((m) => mine.has(m.name)).map((m) => ({
      ...messages.defaultDescribeUserScramCredentialsResponseCredentialInfo(), mechanism: m.type, iterations: mine.get(m.name)!.iterations,
    }));
    return { ...result, credentialInfos };
  });
  return { ...messages.DescribeUserScramCredentialsResponse.defaults(), results };
}
