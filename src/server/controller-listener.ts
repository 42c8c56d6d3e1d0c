/**
 * The controller listener's API table: Raft traffic between the quorum's
 * nodes (Vote, BeginQuorumEpoch, EndQuorumEpoch, Fetch and FetchSnapshot on
 * `__cluster_metadata`), DescribeQuorum, and the requests brokers send their
 * controller. Client APIs are not served here, as in Kafka. With an
 * authorizer, every request but ApiVersions and the SASL handshake
 * (SaslHandshake, SaslAuthenticate) needs CLUSTER_ACTION on the
 * cluster (DescribeQuorum: DESCRIBE), which the nodes' principals have by
 * being in `super.users`. A request refused is answered as Kafka's
 * ControllerApis answers it, with CLUSTER_AUTHORIZATION_FAILED in the
 * response's error code (or every result's), and logged once per principal
 * and API. Samsa is stricter than Kafka here: Kafka's controller lets a
 * client with, say, CREATE on a topic create it directly on the controller
 * listener; Samsa's controller listener serves only the nodes, and clients'
 * requests reach the controller through a broker, which authorized them.
 */
import {
  authorizeCluster, handlers as brokerHandlers, makeApiVersionsHandler, type BrokerContext, type HandlerEntry, type RequestContext,
} from '../broker/index.ts';
import { CONTROLLER_API_KEYS, type ControllerService } from '../controller/index.ts';
import {
  AclOperation, ApiKey, ErrorCode, SERVABLE_APIS, apiName, responseCodec, type messages, type ApiRange,
} from '../protocol/index.ts';
import type { QuorumDriver } from '../raft/quorum-driver.ts';
import { RaftApi, decodeRequest, encodeResponse } from '../raft/wire.ts';

const API_VERSIONS = 18;
/**
 * Served before authentication, as on every Kafka listener: on a SASL
 * controller listener the authenticator answers them until the node has
 * logged in (so ApiVersions must advertise them, or no client would try);
 * afterwards the broker's handlers answer ILLEGAL_SASL_STATE.
 */
const UNAUTHORIZED_APIS: ReadonlySet<number> = new Set([API_VERSIONS, ApiKey.SaslHandshake, ApiKey.SaslAuthenticate]);
/** The versions Samsa's Raft messages go out at; Fetch needs v13+ for topic ids and the replica state. */
const FETCH_VERSION_MIN = 13;

/** Refusals logged, by principal and API: a misconfigured node retries every few hundred ms, and one line says it all. */
const REFUSALS_LOGGED_MAX = 1000;

/** The Raft APIs and DescribeQuorum answer a refusal with their top-level error code, and no topics. */
function topLevelError(apiKey: number, errorMessage: string): unknown {
  const body = responseCodec(apiKey)!.defaults() as Record<string, unknown>;
  body.errorCode = ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
  if ('errorMessage' in body) body.errorMessage = errorMessage;
  return body;
}

/** The handler behind the cluster permission its API needs; without it, the request's error response. */
function authorized(
  apiKey: number, handle: HandlerEntry['handle'], service: ControllerService, log: (line: string) => void, logged: Set<string>,
): HandlerEntry['handle'] {
  const operation = apiKey === ApiKey.DescribeQuorum ? AclOperation.DESCRIBE : AclOperation.CLUSTER_ACTION;
  const isControllerApi = CONTROLLER_API_KEYS.includes(apiKey);
  return (b: BrokerContext, request: unknown, ctx: RequestContext) => {
    if (authorizeCluster(b, ctx, operation)) return handle(b, request, ctx);
    const message = `${ctx.principal} is not authorized for ${apiName(apiKey)} on the controller listener`;
    const key = `${ctx.principal} ${apiKey}`;
    if (!logged.has(key) && logged.size < REFUSALS_LOGGED_MAX) {
      logged.add(key);
      log(`${message} (${ctx.listenerName}, client ${b.clientHost(ctx.connectionId)}): answered CLUSTER_AUTHORIZATION_FAILED; a node's own principal belongs in super.users`);
    }
    return isControllerApi
      ? service.refuse(apiKey, request, ctx.apiVersion, ErrorCode.CLUSTER_AUTHORIZATION_FAILED, message)
      : topLevelError(apiKey, message);
  };
}

export function controllerListenerApis(
  nodeId: number, driver: QuorumDriver, service: ControllerService, describe: () => messages.DescribeQuorumResponse,
  log: (line: string) => void,
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
    [ApiKey.SaslHandshake]: brokerHandlers[ApiKey.SaslHandshake]!.handle,
    [ApiKey.SaslAuthenticate]: brokerHandlers[ApiKey.SaslAuthenticate]!.handle,
  };
  for (const apiKey of CONTROLLER_API_KEYS) {
    table[apiKey] = (_b: unknown, request: unknown, ctx: RequestContext) => service.handle(apiKey, request, ctx.apiVersion);
  }
  const apis = SERVABLE_APIS
    .filter((a) => a.apiKey in table || a.apiKey === API_VERSIONS)
    .map((a) => (a.apiKey === RaftApi.Fetch ? { ...a, minVersion: Math.max(a.minVersion, FETCH_VERSION_MIN) } : a));
  const handlers: (HandlerEntry | undefined)[] = new Array(128).fill(undefined);
  const apiVersions = makeApiVersionsHandler(apis);
  const logged = new Set<string>();
  for (const a of apis) {
    const handle = a.apiKey === API_VERSIONS ? apiVersions
      : UNAUTHORIZED_APIS.has(a.apiKey) ? table[a.apiKey]!
      : authorized(a.apiKey, table[a.apiKey]!, service, log, logged);
    handlers[a.apiKey] = { apiKey: a.apiKey, minVersion: a.minVersion, maxVersion: a.maxVersion, handle };
  }
  return { handlers, apis };
}

