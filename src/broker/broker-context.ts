/**
 * What request handlers work with. The server builds one per process and
 * passes it to every handler; handlers keep no state of their own.
 */
import type { BrokerConfig, MetadataImage } from '../metadata/index.ts';
import type { Clock } from '../storage/index.ts';
import type { FetchSessionCache } from './fetch-sessions.ts';
import type { FetchPurgatory } from './fetch-purgatory.ts';
import type { ReplicaManager } from './replica-manager.ts';

/** The controller as the broker sees it (the same process today, a forwarding client in a cluster). */
export interface ControllerApi {
  createTopics(
    specs: {
      name: string; numPartitions: number; replicationFactor: number;
      assignments: { partitionIndex: number; brokerIds: number[] }[]; configs: { name: string; value: string | null }[];
    }[],
    validateOnly: boolean,
  ): { name: string; topicId: string; errorCode: number; errorMessage: string | null; numPartitions: number; replicationFactor: number }[];
  deleteTopics(topics: { name: string | null; topicId: string }[]): { name: string; topicId: string; errorCode: number; errorMessage: string | null }[];
  createPartitions(
    requests: { name: string; count: number; assignments: number[][] | null }[], validateOnly: boolean,
  ): { name: string; errorCode: number; errorMessage: string | null }[];
  alterConfigs(resourceType: number, resourceName: string, changes: { name: string; value: string | null }[]): void;
  allocateProducerId(): bigint;
}

export interface RequestContext {
  readonly apiVersion: number;
  readonly correlationId: number;
  readonly clientId: string | null;
  readonly connectionId: number;
}

export interface BrokerContext {
  readonly nodeId: number;
  readonly clusterId: string;
  readonly config: BrokerConfig;
  readonly clock: Clock;
  readonly advertised: { host: string; port: number };
  image(): MetadataImage;
  readonly replicas: ReplicaManager;
  readonly controller: ControllerApi;
  readonly purgatory: FetchPurgatory;
  readonly fetchSessions: FetchSessionCache;
  /** The effective configs of a topic as CreateTopics v5+ reports them. */
  describeTopicConfigs(topic: string, requested: readonly { name: string }[]): {
    name: string; value: string | null; readOnly: boolean; configSource: number; isSensitive: boolean;
  }[];
  /** One line to the server's log. */
  log(line: string): void;
}

export type Handler<Req, Res> = (broker: BrokerContext, request: Req, ctx: RequestContext) => Res | Promise<Res> | null;
