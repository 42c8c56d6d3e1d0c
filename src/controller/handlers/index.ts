// The controller's APIs, one handler each, by API key.
import { alterClientQuotas } from './alter-client-quotas.ts';
import { createAcls, deleteAcls } from './acls.ts';
import { alterConfigs } from './alter-configs.ts';
import { alterPartition } from './alter-partition.ts';
import { alterUserScramCredentials } from './alter-user-scram-credentials.ts';
import { allocateProducerIds, brokerHeartbeat, brokerRegistration } from './brokers.ts';
import { createPartitions } from './create-partitions.ts';
import { createTopics } from './create-topics.ts';
import { createDelegationToken, expireDelegationToken, renewDelegationToken } from './delegation-tokens.ts';
import { deleteTopics } from './delete-topics.ts';
import { electLeaders } from './elect-leaders.ts';
import { incrementalAlterConfigs } from './incremental-alter-configs.ts';
import { updateFeatures } from './update-features.ts';
import type { ControllerHandler } from './types.ts';

export type { ControllerCall, ControllerHandler } from './types.ts';

export const CONTROLLER_HANDLERS: ReadonlyMap<number, ControllerHandler> = new Map(
  [createTopics, deleteTopics, createPartitions, alterConfigs, incrementalAlterConfigs, alterPartition, allocateProducerIds, brokerRegistration, brokerHeartbeat, electLeaders,
    updateFeatures, alterUserScramCredentials, alterClientQuotas, createAcls, deleteAcls, createDelegationToken, renewDelegationToken, expireDelegationToken]
    .map((h) => [h.apiKey, h as ControllerHandler]),
);
