/**
 * The table from API key to handler. What is here is exactly what the
 * broker advertises in ApiVersions, intersected with the versions the
 * protocol layer is willing to serve.
 */
import { SERVABLE_APIS, type ApiRange, type KnownApiKey, type RequestOf, type ResponseOf } from '../../protocol/index.ts';
import type { Handler } from '../broker-context.ts';
import { handleCreateAcls, handleDeleteAcls, handleDescribeAcls } from './acls.ts';
import { handleAddOffsetsToTxn } from './add-offsets-to-txn.ts';
import { handleAddPartitionsToTxn } from './add-partitions-to-txn.ts';
import { handleAlterClientQuotas } from './alter-client-quotas.ts';
import { handleAlterConfigs } from './alter-configs.ts';
import { handleAlterUserScramCredentials } from './alter-user-scram-credentials.ts';
import { makeApiVersionsHandler } from './api-versions.ts';
import { handleConsumerGroupDescribe } from './consumer-group-describe.ts';
import { handleConsumerGroupHeartbeat } from './consumer-group-heartbeat.ts';
import { handleCreatePartitions } from './create-partitions.ts';
import {
  handleCreateDelegationToken, handleDescribeDelegationToken, handleExpireDelegationToken, handleRenewDelegationToken,
} from './delegation-tokens.ts';
import { handleElectLeaders } from './elect-leaders.ts';
import { handleCreateTopics } from './create-topics.ts';
import { handleDeleteGroups } from './delete-groups.ts';
import { handleDeleteRecords } from './delete-records.ts';
import { handleDeleteTopics } from './delete-topics.ts';
import { handleDescribeClientQuotas } from './describe-client-quotas.ts';
import { handleDescribeCluster } from './describe-cluster.ts';
import { handleDescribeConfigs } from './describe-configs.ts';
import { handleDescribeGroups } from './describe-groups.ts';
import { handleDescribeLogDirs } from './describe-log-dirs.ts';
import { handleDescribeProducers } from './describe-producers.ts';
import { handleDescribeQuorum } from './describe-quorum.ts';
import { handleDescribeTopicPartitions } from './describe-topic-partitions.ts';
import { handleDescribeTransactions } from './describe-transactions.ts';
import { handleDescribeUserScramCredentials } from './describe-user-scram-credentials.ts';
import { handleEndTxn } from './end-txn.ts';
import { handleFetch } from './fetch.ts';
import { handleFindCoordinator } from './find-coordinator.ts';
import { handleHeartbeat } from './heartbeat.ts';
import { handleIncrementalAlterConfigs } from './incremental-alter-configs.ts';
import { handleInitProducerId } from './init-producer-id.ts';
import { handleJoinGroup } from './join-group.ts';
import { handleLeaveGroup } from './leave-group.ts';
import { handleListGroups } from './list-groups.ts';
import { handleListOffsets } from './list-offsets.ts';
import { handleListTransactions } from './list-transactions.ts';
import { handleMetadata } from './metadata.ts';
import { handleOffsetCommit } from './offset-commit.ts';
import { handleOffsetDelete } from './offset-delete.ts';
import { handleOffsetFetch } from './offset-fetch.ts';
import { handleOffsetForLeaderEpoch } from './offset-for-leader-epoch.ts';
import { handleProduce } from './produce.ts';
import { handleSaslAuthenticate, handleSaslHandshake } from './sasl.ts';
import { handleSyncGroup } from './sync-group.ts';
import { handleGetTelemetrySubscriptions, handleListClientMetricsResources, handlePushTelemetry } from './telemetry.ts';
import { handleTxnOffsetCommit } from './txn-offset-commit.ts';
import { handleUpdateFeatures } from './update-features.ts';
import { handleWriteTxnMarkers } from './write-txn-markers.ts';

export interface HandlerEntry {
  readonly apiKey: number;
  readonly minVersion: number;
  readonly maxVersion: number;
  readonly handle: Handler<any, any>;
}

/** Each handler typed by its API key's request and response, so a handler under the wrong key does not compile. */
type HandlerTable = { [K in KnownApiKey]?: Handler<RequestOf<K>, ResponseOf<K>> };

const implemented: HandlerTable = {
  0: handleProduce,
  1: handleFetch,
  2: handleListOffsets,
  3: handleMetadata,
  8: handleOffsetCommit,
  9: handleOffsetFetch,
  10: handleFindCoordinator,
  11: handleJoinGroup,
  12: handleHeartbeat,
  13: handleLeaveGroup,
  14: handleSyncGroup,
  15: handleDescribeGroups,
  16: handleListGroups,
  17: handleSaslHandshake,
  19: handleCreateTopics,
  20: handleDeleteTopics,
  21: handleDeleteRecords,
  22: handleInitProducerId,
  23: handleOffsetForLeaderEpoch,
  24: handleAddPartitionsToTxn,
  25: handleAddOffsetsToTxn,
  26: handleEndTxn,
  27: handleWriteTxnMarkers,
  28: handleTxnOffsetCommit,
  29: handleDescribeAcls,
  30: handleCreateAcls,
  31: handleDeleteAcls,
  32: handleDescribeConfigs,
  33: handleAlterConfigs,
  35: handleDescribeLogDirs,
  36: handleSaslAuthenticate,
  37: handleCreatePartitions,
  38: handleCreateDelegationToken,
  39: handleRenewDelegationToken,
  40: handleExpireDelegationToken,
  41: handleDescribeDelegationToken,
  42: handleDeleteGroups,
  43: handleElectLeaders,
  44: handleIncrementalAlterConfigs,
  47: handleOffsetDelete,
  48: handleDescribeClientQuotas,
  49: handleAlterClientQuotas,
  50: handleDescribeUserScramCredentials,
  51: handleAlterUserScramCredentials,
  55: handleDescribeQuorum,
  57: handleUpdateFeatures,
  60: handleDescribeCluster,
  61: handleDescribeProducers,
  65: handleDescribeTransactions,
  66: handleListTransactions,
  68: handleConsumerGroupHeartbeat,
  69: handleConsumerGroupDescribe,
  71: handleGetTelemetrySubscriptions,
  72: handlePushTelemetry,
  74: handleListClientMetricsResources,
  75: handleDescribeTopicPartitions,
};

export const advertisedApis: readonly ApiRange[] = SERVABLE_APIS.filter((a) => a.apiKey in implemented || a.apiKey === 18);
const byKey = implemented as Record<number, Handler<any, any> | undefined>;

const API_KEY_MAX = 127;
export const handlers: readonly (HandlerEntry | undefined)[] = (() => {
  const table: (HandlerEntry | undefined)[] = new Array(API_KEY_MAX + 1).fill(undefined);
  const apiVersions = makeApiVersionsHandler(advertisedApis);
  for (const api of advertisedApis) {
    const handle = api.apiKey === 18 ? apiVersions : byKey[api.apiKey]!;
    table[api.apiKey] = { apiKey: api.apiKey, minVersion: api.minVersion, maxVersion: api.maxVersion, handle };
  }
  return table;
})();

export { apiVersionsResponse, makeApiVersionsHandler } from './api-versions.ts';
