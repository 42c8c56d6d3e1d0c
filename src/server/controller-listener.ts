/**
 * The controller listener's API table: Raft traffic between the quorum's
 * nodes (Vote, BeginQuorumEpoch, EndQuorumEpoch, Fetch and FetchSnapshot on
 * `__cluster_metadata`), DescribeQuorum, and the requests brokers send their
 * controller. Client APIs are not served here, as in Kafka. With an
 * authorizer, every request but ApiVersions needs CLUSTER_ACTION on the
 * cluster (DescribeQuorum: DESCRIBE), which the nodes' principals have by
 * being in `super.users`; a request refused closes its connection.
 */
import {
  authorizeCluster, makeApiVersionsHandler, type BrokerContext, type HandlerEntry, type RequestContext,
} from '../broker/index.ts';
import { CONTROLLER_API_KEYS, type ControllerService } from '../controller/index.ts';
import { AclOperation, ApiKey, SERVABLE_APIS, apiName, type messages, type ApiRange } from '../protocol/index.ts';
import type { QuorumDriver } from '../raft/quorum-driver.ts';
import { RaftApi, decodeRequest, encodeResponse } from '../raft/wire.ts';
import { RequestError } from './dispatcher.ts';

const API_VERSIONS = 18;
/** The versions Samsa's Raft messages go out at; Fetch needs v13+ for topic ids and the replica state. */
const FETCH_VERSION_MIN = 13;

/** The handler behind the cluster permission its API needs; without it the connection closes. */
function authorized(apiKey: number, handle: HandlerEntry['handle']): HandlerEntry['handle'] {
  const operation = apiKey === ApiKey.DescribeQuorum ? AclOperation.DESCRIBE : AclOperation.CLUSTER_ACTION;
  return (b: BrokerContext, request: unknown, ctx: RequestContext) => {
    if (!authorizeCluster(b, ctx, operation)) {
      throw new RequestError(`${ctx.principal} is not authorized for ${apiName(apiKey)} on the controller listener (add it to super.users)`);
    }
    return handle(b, request, ctx);
  };
}

export function controllerListenerApis(
  nodeId: number, driver: QuorumDriver, service: ControllerService, describe: () => messages.DescribeQuorumResponse,
): { handlers: (HandlerEntry | undefined)[]; apis: ApiRange[] } {
  const raft = (apiKey: number) => async (_b: unknown, request: unknown, _ctx: RequestContext): Promise<unknown> => {
    const message = decodeRequest(apiKey, request, nodeId);
    const answer = message === null ? null : await driver.request(message);
    return encodeResponse(apiKey, answer, Date.now());
  };
  const table: Record<number, HandlerEntry['handle']> = {
    [RaftApi.Vote]: raft(RaftApi.Vote),
    [RaftApi.BeginQuorumEpoch]: raft(RaftApi.BeginQuorumEpoch),
    [RaftApi.EndQuorumEpoch]: raft(RaftApi.EndQuorumEpoch),
    [RaftApi.Fetch]: raft(RaftApi.Fetch),
    [RaftApi.FetchSnapshot]: raft(RaftApi.FetchSnapshot),
    [ApiKey.DescribeQuorum]: () => describe(),
  };
  for (const apiKey of CONTROLLER_API_KEYS) {
    table[apiKey] = (_b: unknown, request: unknown, ctx: RequestContext) => service.handle(apiKey, request, ctx.apiVersion);
  }
  const apis = SERVABLE_APIS
    .filter((a) => a.apiKey in table || a.apiKey === API_VERSIONS)
    .map((a) => (a.apiKey === RaftApi.Fetch ? { ...a, minVersion: Math.max(a.minVersion, FETCH_VERSION_MIN) } : a));
  const handlers: (HandlerEntry | undefined)[] = new Array(128).fill(undefined);
  const apiVersions = makeApiVersionsHandler(apis);
  for (const a of apis) {
    const handle = a.apiKey === API_VERSIONS ? apiVersions : authorized(a.apiKey, table[a.apiKey]!);
    handlers[a.apiKey] = { apiKey: a.apiKey, minVersion: a.minVersion, maxVersion: a.maxVersion, handle };
  }
  return { handlers, apis };
}

