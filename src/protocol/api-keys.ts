/**
 * The API keys Samsa speaks and the version ranges it is willing to serve.
 * The broker advertises, in ApiVersions, the intersection of this table with
 * the handlers it actually has, so nothing unimplemented is ever offered.
 *
 * Floors follow Kafka 4 (KIP-896): versions that only carry the old message
 * formats or were dropped by Kafka 4 are not served, with one exception kept
 * for librdkafka before 2.6 (Debian ships 2.0): it turns on gzip, snappy and
 * lz4 only when the broker advertises Produce v2 and Fetch v2, and otherwise
 * silently sends uncompressed batches. So Produce is advertised from v0, as
 * Kafka 4 does, but v0-v2 requests are refused (PRODUCE_VERSION_MIN), and
 * Fetch is advertised and served from v0: its responses carry the stored
 * batches unchanged whatever the version. Ceilings are the newest
 * stable version in the message specifications Samsa's codecs are generated
 * from. ZooKeeper-era inter-broker APIs are absent.
 */
import type { MessageCodec } from './codec.ts';
import { allCodecs } from './messages/index.ts';

export interface ApiRange {
  readonly apiKey: number;
  readonly name: string;
  readonly minVersion: number;
  readonly maxVersion: number;
}

const api = (apiKey: number, name: string, minVersion: number, maxVersion: number): ApiRange =>
  Object.freeze({ apiKey, name, minVersion, maxVersion });

export const ApiKey = {
  Produce: 0, Fetch: 1, ListOffsets: 2, Metadata: 3, OffsetCommit: 8, OffsetFetch: 9, FindCoordinator: 10,
  JoinGroup: 11, Heartbeat: 12, LeaveGroup: 13, SyncGroup: 14, DescribeGroups: 15, ListGroups: 16,
  SaslHandshake: 17, ApiVersions: 18, CreateTopics: 19, DeleteTopics: 20, DeleteRecords: 21, InitProducerId: 22,
  OffsetForLeaderEpoch: 23, AddPartitionsToTxn: 24, AddOffsetsToTxn: 25, EndTxn: 26, WriteTxnMarkers: 27,
  TxnOffsetCommit: 28, DescribeAcls: 29, CreateAcls: 30, DeleteAcls: 31, DescribeConfigs: 32, AlterConfigs: 33,
  AlterReplicaLogDirs: 34, DescribeLogDirs: 35, SaslAuthenticate: 36, CreatePartitions: 37, CreateDelegationToken: 38,
  RenewDelegationToken: 39, ExpireDelegationToken: 40, DescribeDelegationToken: 41, DeleteGroups: 42,
  ElectLeaders: 43, IncrementalAlterConfigs: 44, AlterPartitionReassignments: 45, ListPartitionReassignments: 46,
  OffsetDelete: 47, DescribeClientQuotas: 48, AlterClientQuotas: 49, DescribeUserScramCredentials: 50,
  AlterUserScramCredentials: 51, Vote: 52, BeginQuorumEpoch: 53, EndQuorumEpoch: 54, DescribeQuorum: 55,
  AlterPartition: 56, UpdateFeatures: 57, FetchSnapshot: 59, DescribeCluster: 60, DescribeProducers: 61,
  BrokerRegistration: 62, BrokerHeartbeat: 63, UnregisterBroker: 64, DescribeTransactions: 65, ListTransactions: 66,
  AllocateProducerIds: 67, ConsumerGroupHeartbeat: 68, ConsumerGroupDescribe: 69, ControllerRegistration: 70,
  GetTelemetrySubscriptions: 71, PushTelemetry: 72, ListClientMetricsResources: 74,
  DescribeTopicPartitions: 75, AddRaftVoter: 80, RemoveRaftVoter: 81, UpdateRaftVoter: 82,
} as const;

/** Version ranges Samsa may serve, by API key. */
const API_NAMES = new Map<number, string>(Object.entries(ApiKey).map(([name, key]) => [key, name]));

/** Kafka's name of an API key (ApiVersions, Metadata…), for messages people read. */
export function apiName(apiKey: number): string {
  return API_NAMES.get(apiKey) ?? `API ${apiKey}`;
}

export const SERVABLE_APIS: readonly ApiRange[] = Object.freeze([
  api(0, 'Produce', 0, 11),
  api(1, 'Fetch', 0, 17),
  api(2, 'ListOffsets', 1, 10),
  api(3, 'Metadata', 0, 12),
  api(8, 'OffsetCommit', 2, 9),
  api(9, 'OffsetFetch', 1, 9),
  api(10, 'FindCoordinator', 0, 6),
  api(11, 'JoinGroup', 0, 9),
  api(12, 'Heartbeat', 0, 4),
  api(13, 'LeaveGroup', 0, 5),
  api(14, 'SyncGroup', 0, 5),
  api(15, 'DescribeGroups', 0, 5),
  api(16, 'ListGroups', 0, 5),
  api(17, 'SaslHandshake', 0, 1),
  api(18, 'ApiVersions', 0, 4),
  api(19, 'CreateTopics', 2, 7),
  api(20, 'DeleteTopics', 1, 6),
  api(21, 'DeleteRecords', 0, 2),
  api(22, 'InitProducerId', 0, 5),
  api(23, 'OffsetForLeaderEpoch', 2, 4),
  api(24, 'AddPartitionsToTxn', 0, 5),
  api(25, 'AddOffsetsToTxn', 0, 4),
  api(26, 'EndTxn', 0, 4),
  api(27, 'WriteTxnMarkers', 0, 1),
  api(28, 'TxnOffsetCommit', 0, 4),
  api(29, 'DescribeAcls', 1, 3),
  api(30, 'CreateAcls', 1, 3),
  api(31, 'DeleteAcls', 1, 3),
  api(32, 'DescribeConfigs', 1, 4),
  api(33, 'AlterConfigs', 0, 2),
  api(34, 'AlterReplicaLogDirs', 1, 2),
  api(35, 'DescribeLogDirs', 1, 4),
  api(36, 'SaslAuthenticate', 0, 2),
  api(37, 'CreatePartitions', 0, 3),
  api(38, 'CreateDelegationToken', 1, 3),
  api(39, 'RenewDelegationToken', 1, 2),
  api(40, 'ExpireDelegationToken', 1, 2),
  api(41, 'DescribeDelegationToken', 1, 3),
  api(42, 'DeleteGroups', 0, 2),
  api(43, 'ElectLeaders', 0, 2),
  api(44, 'IncrementalAlterConfigs', 0, 1),
  api(45, 'AlterPartitionReassignments', 0, 0),
  api(46, 'ListPartitionReassignments', 0, 0),
  api(47, 'OffsetDelete', 0, 0),
  api(48, 'DescribeClientQuotas', 0, 1),
  api(49, 'AlterClientQuotas', 0, 1),
  api(50, 'DescribeUserScramCredentials', 0, 0),
  api(51, 'AlterUserScramCredentials', 0, 0),
  api(52, 'Vote', 0, 1),
  api(53, 'BeginQuorumEpoch', 0, 1),
  api(54, 'EndQuorumEpoch', 0, 1),
  api(55, 'DescribeQuorum', 0, 2),
  api(56, 'AlterPartition', 0, 3),
  api(57, 'UpdateFeatures', 0, 2),
  api(59, 'FetchSnapshot', 0, 1),
  api(60, 'DescribeCluster', 0, 1),
  api(61, 'DescribeProducers', 0, 0),
  api(62, 'BrokerRegistration', 0, 4),
  api(63, 'BrokerHeartbeat', 0, 1),
  api(64, 'UnregisterBroker', 0, 0),
  api(65, 'DescribeTransactions', 0, 0),
  api(66, 'ListTransactions', 0, 1),
  api(67, 'AllocateProducerIds', 0, 0),
  api(68, 'ConsumerGroupHeartbeat', 0, 1),
  api(69, 'ConsumerGroupDescribe', 0, 0),
  api(70, 'ControllerRegistration', 0, 0),
  api(71, 'GetTelemetrySubscriptions', 0, 0),
  api(72, 'PushTelemetry', 0, 0),
  api(74, 'ListClientMetricsResources', 0, 0),
  api(75, 'DescribeTopicPartitions', 0, 0),
  api(80, 'AddRaftVoter', 0, 0),
  api(81, 'RemoveRaftVoter', 0, 0),
  api(82, 'UpdateRaftVoter', 0, 0),
]);

/** Produce below v3 carries only message format v0/v1, which Samsa does not store. */
export const PRODUCE_VERSION_MIN = 3;

const API_KEY_MAX = 127;

function byKey(kind: 'Request' | 'Response'): readonly (MessageCodec<any> | undefined)[] {
  const table: (MessageCodec<any> | undefined)[] = new Array(API_KEY_MAX + 1).fill(undefined);
  for (const codec of allCodecs) {
    if (codec.apiKey >= 0 && codec.name.endsWith(kind)) table[codec.apiKey] = codec;
  }
  return Object.freeze(table);
}

/** Request and response codecs indexed by API key (undefined where Kafka defines none). */
export const requestCodecs = byKey('Request');
export const responseCodecs = byKey('Response');

export function requestCodec(apiKey: number): MessageCodec<any> | undefined {
  return apiKey >= 0 && apiKey <= API_KEY_MAX ? requestCodecs[apiKey] : undefined;
}

export function responseCodec(apiKey: number): MessageCodec<any> | undefined {
  return apiKey >= 0 && apiKey <= API_KEY_MAX ? responseCodecs[apiKey] : undefined;
}

export function isFlexible(codec: MessageCodec<unknown>, version: number): boolean {
  return codec.flexibleMinVersion >= 0 && version >= codec.flexibleMinVersion;
}
