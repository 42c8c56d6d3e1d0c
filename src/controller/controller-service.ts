/**
 * The controller's requests as Kafka messages: CreateTopics, DeleteTopics,
 * CreatePartitions, AlterConfigs, IncrementalAlterConfigs,
 * AllocateProducerIds, BrokerRegistration and BrokerHeartbeat, decoded
 * bodies in and response bodies out. The controller listener serves them
 * for other nodes; a node that leads the quorum calls it in-process. While
 * this node is not the active controller every answer is NOT_CONTROLLER, so
 * the sender looks for the leader and tries again.
 */
import { ErrorCode, messages } from '../protocol/index.ts';
import type { Controller } from './controller.ts';

export const ControllerApiKey = {
  CreateTopics: 19, DeleteTopics: 20, AlterConfigs: 33, CreatePartitions: 37, IncrementalAlterConfigs: 44,
  AlterPartition: 56, BrokerRegistration: 62, BrokerHeartbeat: 63, AllocateProducerIds: 67,
} as const;

export const CONTROLLER_API_KEYS: readonly number[] = Object.values(ControllerApiKey);

const NOT_CONTROLLER_MESSAGE = 'This node is not the active controller.';
const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

export interface ControllerServiceDeps {
  controller: Controller;
  isActive(): boolean;
  nowMs(): number;
}

export class ControllerService {
  private readonly deps: ControllerServiceDeps;

  constructor(deps: ControllerServiceDeps) {
    this.deps = deps;
  }

  async handle(apiKey: number, body: any): Promise<unknown> {
    if (!this.deps.isActive()) return this.answer(apiKey, body, false);
    try {
      return await this.answer(apiKey, body, true);
    } catch (e) {
      // Leadership was lost while the records were on their way to the quorum.
      if ((e as { code?: string }).code === 'SAMSA_ERR_NOT_LEADER') return this.answer(apiKey, body, false);
      throw e;
    }
  }

  /** The controller's answer when `active`, else every result NOT_CONTROLLER. */
  private async answer(apiKey: number, body: any, active: boolean): Promise<unknown> {
    const c = this.deps.controller;
    switch (apiKey) {
      case ControllerApiKey.CreateTopics: {
        const req = body as messages.CreateTopicsRequest;
        const results = active
          ? await c.createTopics(req.topics.map((t) => ({
            name: t.name, numPartitions: t.numPartitions, replicationFactor: t.replicationFactor,
            assignments: t.assignments.map((a) => ({ partitionIndex: a.partitionIndex, brokerIds: a.brokerIds })),
            configs: t.configs.map((cfg) => ({ name: cfg.name, value: cfg.value })),
          })), req.validateOnly)
          : req.topics.map((t) => ({ name: t.name, topicId: ZERO_UUID, ...notController(), numPartitions: -1, replicationFactor: -1 }));
        return {
          ...messages.CreateTopicsResponse.defaults(),
          topics: results.map((r) => ({ ...messages.defaultCreateTopicsResponseCreatableTopicResult(), ...r })),
        };
      }
      case ControllerApiKey.DeleteTopics: {
        const req = body as messages.DeleteTopicsRequest;
        const targets = req.topics.length > 0
          ? req.topics.map((t) => ({ name: t.name, topicId: t.topicId }))
          : req.topicNames.map((name) => ({ name, topicId: ZERO_UUID }));
        const results = active
          ? await c.deleteTopics(targets)
          : targets.map((t) => ({ name: t.name ?? '', topicId: t.topicId, ...notController() }));
        return {
          ...messages.DeleteTopicsResponse.defaults(),
          responses: results.map((r) => ({ ...messages.defaultDeleteTopicsResponseDeletableTopicResult(), ...r })),
        };
      }
      case ControllerApiKey.CreatePartitions: {
        const req = body as messages.CreatePartitionsRequest;
        const results = active
          ? await c.createPartitions(req.topics.map((t) => ({
            name: t.name, count: t.count, assignments: t.assignments?.map((a) => a.brokerIds) ?? null,
          })), req.validateOnly)
          : req.topics.map((t) => ({ name: t.name, ...notController() }));
        return {
          ...messages.CreatePartitionsResponse.defaults(),
          results: results.map((r) => ({ ...messages.defaultCreatePartitionsResponseCreatePartitionsTopicResult(), ...r })),
        };
      }
      case ControllerApiKey.AlterConfigs: {
        const req = body as messages.AlterConfigsRequest;
        const results = active
          ? await c.legacyAlterConfigs(req.resources.map((r) => ({
            resourceType: r.resourceType, resourceName: r.resourceName, configs: r.configs.map((cfg) => ({ name: cfg.name, value: cfg.value ?? '' })),
          })), req.validateOnly)
          : req.resources.map(() => notController());
        return {
          ...messages.AlterConfigsResponse.defaults(),
          responses: req.resources.map((r, i) => ({
            ...messages.defaultAlterConfigsResponseAlterConfigsResourceResponse(), ...results[i]!, resourceType: r.resourceType, resourceName: r.resourceName,
          })),
        };
      }
      case ControllerApiKey.IncrementalAlterConfigs: {
        const req = body as messages.IncrementalAlterConfigsRequest;
        const results = active
          ? await c.incrementalAlterConfigs(req.resources.map((r) => ({
            resourceType: r.resourceType, resourceName: r.resourceName,
            configs: r.configs.map((cfg) => ({ name: cfg.name, operation: cfg.configOperation, value: cfg.value })),
          })), req.validateOnly)
          : req.resources.map(() => notController());
        return {
          ...messages.IncrementalAlterConfigsResponse.defaults(),
          responses: req.resources.map((r, i) => ({
            ...messages.defaultIncrementalAlterConfigsResponseAlterConfigsResourceResponse(), ...results[i]!,
            resourceType: r.resourceType, resourceName: r.resourceName,
          })),
        };
      }
      case ControllerApiKey.AlterPartition: {
        const req = body as messages.AlterPartitionRequest;
        const changes = req.topics.flatMap((t) => t.partitions.map((p) => ({
          topicId: t.topicId, partitionIndex: p.partitionIndex, leaderEpoch: p.leaderEpoch, partitionEpoch: p.partitionEpoch,
          newIsr: p.newIsrWithEpochs.length > 0 ? p.newIsrWithEpochs.map((b) => b.brokerId) : p.newIsr,
        })));
        if (!active) return { ...messages.AlterPartitionResponse.defaults(), errorCode: ErrorCode.NOT_CONTROLLER };
        const results = await c.alterPartition({ brokerId: req.brokerId, brokerEpoch: req.brokerEpoch, partitions: changes });
        return {
          ...messages.AlterPartitionResponse.defaults(),
          topics: req.topics.map((t) => ({
            ...messages.defaultAlterPartitionResponseTopicData(), topicName: t.topicName, topicId: t.topicId,
            partitions: results.filter((r) => r.topicId === t.topicId).map((r) => ({
              ...messages.defaultAlterPartitionResponsePartitionData(), partitionIndex: r.partitionIndex, errorCode: r.errorCode,
              leaderId: r.leaderId, leaderEpoch: r.leaderEpoch, isr: r.isr, partitionEpoch: r.partitionEpoch,
            })),
          })),
        };
      }
      case ControllerApiKey.AllocateProducerIds: {
        const req = body as messages.AllocateProducerIdsRequest;
        const r = active ? await c.allocateProducerIds(req.brokerId, req.brokerEpoch) : { errorCode: ErrorCode.NOT_CONTROLLER, start: -1n, length: 0 };
        return { ...messages.AllocateProducerIdsResponse.defaults(), errorCode: r.errorCode, producerIdStart: r.start, producerIdLen: r.length };
      }
      case ControllerApiKey.BrokerRegistration: {
        const req = body as messages.BrokerRegistrationRequest;
        const r = active
          ? await c.registerBroker({
            brokerId: req.brokerId, incarnationId: req.incarnationId, rack: req.rack,
            endpoints: req.listeners.map((l) => ({ name: l.name, host: l.host, port: l.port, securityProtocol: l.securityProtocol })),
          }, this.deps.nowMs())
          : { errorCode: ErrorCode.NOT_CONTROLLER, brokerEpoch: -1n };
        return { ...messages.BrokerRegistrationResponse.defaults(), ...r };
      }
      case ControllerApiKey.BrokerHeartbeat: {
        const req = body as messages.BrokerHeartbeatRequest;
        const r = active
          ? await c.brokerHeartbeat({
            brokerId: req.brokerId, brokerEpoch: req.brokerEpoch, currentMetadataOffset: Number(req.currentMetadataOffset),
            wantFence: req.wantFence, wantShutDown: req.wantShutDown,
          }, this.deps.nowMs())
          : { errorCode: ErrorCode.NOT_CONTROLLER, isCaughtUp: false, isFenced: true, shouldShutDown: false };
        return { ...messages.BrokerHeartbeatResponse.defaults(), ...r };
      }
      default:
        throw new Error(`API ${apiKey} is not a controller API`);
    }
  }
}

function notController(): { errorCode: number; errorMessage: string } {
  return { errorCode: ErrorCode.NOT_CONTROLLER, errorMessage: NOT_CONTROLLER_MESSAGE };
}

/** True when a controller response says the node that answered is not the active controller. */
export function answeredNotController(apiKey: number, body: any): boolean {
  const codes: number[] = [];
  switch (apiKey) {
    case ControllerApiKey.CreateTopics: codes.push(...body.topics.map((t: any) => t.errorCode)); break;
    case ControllerApiKey.DeleteTopics: codes.push(...body.responses.map((t: any) => t.errorCode)); break;
    case ControllerApiKey.CreatePartitions: codes.push(...body.results.map((t: any) => t.errorCode)); break;
    case ControllerApiKey.AlterConfigs:
    case ControllerApiKey.IncrementalAlterConfigs: codes.push(...body.responses.map((t: any) => t.errorCode)); break;
    default: codes.push(body.errorCode);
  }
  return codes.includes(ErrorCode.NOT_CONTROLLER);
}
