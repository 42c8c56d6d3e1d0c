/**
 * FindCoordinator (API key 10): the broker that leads the group's
 * `__consumer_offsets` partition. v0–v3 ask for one key, v4+ for a batch.
 * Key type 1 asks for a transactional id's coordinator, the leader of its
 * `__transaction_state` partition. DESCRIBE on the group or transactional id.
 */
import { ErrorCode, messages } from '../../protocol/index.ts';
import { Op, Resource, authorize } from '../authorization.ts';
import type { BrokerContext, RequestContext } from '../broker-context.ts';

type Request = messages.FindCoordinatorRequest;
type Response = messages.FindCoordinatorResponse;

const KEY_TYPE_GROUP = 0;
const KEY_TYPE_TRANSACTION = 1;
const BATCHED_KEYS_VERSION_MIN = 4;
const GROUP_METADATA_TOPIC = '__consumer_offsets';
const TRANSACTION_STATE_TOPIC = '__transaction_state';

interface Found {
  nodeId: number;
  host: string;
  port: number;
  errorCode: number;
  errorMessage: string | null;
}

export async function handleFindCoordinator(broker: BrokerContext, request: Request, ctx: RequestContext): Promise<Response> {
  const response = messages.FindCoordinatorResponse.defaults();
  if (ctx.apiVersion >= BATCHED_KEYS_VERSION_MIN) {
    response.coordinators = await Promise.all(request.coordinatorKeys.map(async (key) => ({
      ...messages.defaultFindCoordinatorResponseCoordinator(), key, ...await findCoordinator(broker, ctx, key, request.keyType),
    })));
    return response;
  }
  const found = await findCoordinator(broker, ctx, request.key, request.keyType);
  response.errorCode = found.errorCode;
  response.errorMessage = found.errorMessage;
  response.nodeId = found.nodeId;
  response.host = found.host;
  response.port = found.port;
  return response;
}

function notFound(errorCode: number, errorMessage: string | null): Found {
  return { nodeId: -1, host: '', port: -1, errorCode, errorMessage };
}

async function findCoordinator(broker: BrokerContext, ctx: RequestContext, key: string, keyType: number): Promise<Found> {
  const listenerName = ctx.listenerName;
  if (keyType === KEY_TYPE_TRANSACTION) {
    if (key === '') return notFound(ErrorCode.INVALID_REQUEST, 'A transactional id cannot be empty.');
    if (!authorize(broker, ctx, Op.DESCRIBE, Resource.TRANSACTIONAL_ID, key)) {
      return notFound(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, 'Transactional Id authorization failed.');
    }
    return leaderOf(broker, TRANSACTION_STATE_TOPIC, await broker.transactions.coordinatorPartition(key), listenerName);
  }
  if (keyType !== KEY_TYPE_GROUP) return notFound(ErrorCode.INVALID_REQUEST, `Unknown coordinator type ${keyType}.`);
  if (!authorize(broker, ctx, Op.DESCRIBE, Resource.GROUP, key)) return notFound(ErrorCode.GROUP_AUTHORIZATION_FAILED, 'Group authorization failed.');
  return leaderOf(broker, GROUP_METADATA_TOPIC, await broker.groups.coordinatorPartition(key), listenerName);
}

/** The coordinator is whichever broker leads the key's partition, as the image has it now. */
function leaderOf(
  broker: BrokerContext, topic: string, placed: { partition: number; errorCode: number; errorMessage: string | null }, listenerName: string,
): Found {
  if (placed.errorCode !== ErrorCode.NONE) return notFound(placed.errorCode, placed.errorMessage);
  const image = broker.image();
  const leader = image.topicsByName.get(topic)?.partitions[placed.partition]?.leader ?? -1;
  const node = leader >= 0 ? image.brokers.get(leader) : undefined;
  const endpoint = node?.endpoints.find((e) => e.name === listenerName);
  if (node === undefined || node.fenced || endpoint === undefined) {
    return notFound(ErrorCode.COORDINATOR_NOT_AVAILABLE, 'The coordinator is not available.');
  }
  return { nodeId: node.id, host: endpoint.host, port: endpoint.port, errorCode: ErrorCode.NONE, errorMessage: null };
}
