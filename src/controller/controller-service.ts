/**
 * The controller's requests as Kafka messages: CreateTopics, DeleteTopics,
 * CreatePartitions, AlterConfigs, IncrementalAlterConfigs, ElectLeaders,
 * UpdateFeatures, AlterUserScramCredentials, AlterClientQuotas, CreateAcls, DeleteAcls, AllocateProducerIds,
 * CreateDelegationToken, RenewDelegationToken, ExpireDelegationToken,
 * BrokerRegistration and BrokerHeartbeat, decoded bodies in and response
 * bodies out. The controller listener serves them
 * for other nodes; a node that leads the quorum calls it in-process. While
 * this node is not the active controller every answer is NOT_CONTROLLER, so
 * the sender looks for the leader and tries again.
 */
import { ErrorCode } from '../protocol/index.ts';
import type { Controller } from './controller.ts';
import { CONTROLLER_HANDLERS } from './handlers/index.ts';

export const ControllerApiKey = {
  CreateTopics: 19, DeleteTopics: 20, CreateAcls: 30, DeleteAcls: 31, AlterConfigs: 33, CreatePartitions: 37,
  CreateDelegationToken: 38, RenewDelegationToken: 39, ExpireDelegationToken: 40, ElectLeaders: 43, IncrementalAlterConfigs: 44,
  AlterClientQuotas: 49, AlterUserScramCredentials: 51, AlterPartition: 56, UpdateFeatures: 57, BrokerRegistration: 62, BrokerHeartbeat: 63, AllocateProducerIds: 67,
} as const;

/** Above every version any API has: handlers read it as "the latest". */
const LATEST_VERSION = 0x7fff;

export const CONTROLLER_API_KEYS: readonly number[] = Object.values(ControllerApiKey);

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

  /** `apiVersion` is the version the request came in at; calls from this process leave it out (the latest). */
  async handle(apiKey: number, body: any, apiVersion = LATEST_VERSION): Promise<unknown> {
    if (!this.deps.isActive()) return this.answer(apiKey, body, false, apiVersion);
    try {
      return await this.answer(apiKey, body, true, apiVersion);
    } catch (e) {
      // Leadership was lost while the records were on their way to the quorum.
      if ((e as { code?: string }).code === 'SAMSA_ERR_NOT_LEADER') return this.answer(apiKey, body, false, apiVersion);
      throw e;
    }
  }

  /**
   * The request refused whole with `errorCode` (Kafka's error response for
   * the request: every result, or the top-level code, carries it): the
   * NOT_CONTROLLER answer with that code in its place. Touches no state.
   */
  async refuse(apiKey: number, body: any, apiVersion: number, errorCode: number, errorMessage: string): Promise<unknown> {
    return replaceErrorCode(await this.answer(apiKey, body, false, apiVersion), ErrorCode.NOT_CONTROLLER, errorCode, errorMessage);
  }

  /** The controller's answer when `active`, else every result NOT_CONTROLLER. */
  private answer(apiKey: number, body: any, active: boolean, apiVersion: number): Promise<unknown> {
    const handler = CONTROLLER_HANDLERS.get(apiKey);
    if (handler === undefined) throw new Error(`API ${apiKey} is not a controller API`);
    return handler.answer(body, { controller: this.deps.controller, active, nowMs: this.deps.nowMs(), apiVersion });
  }
}

/** Every `errorCode: from` in a response body becomes `to`, with `errorMessage` where the result has one. */
function replaceErrorCode(body: unknown, from: number, to: number, errorMessage: string): unknown {
  if (Array.isArray(body)) return body.map((item) => replaceErrorCode(item, from, to, errorMessage));
  if (body === null || typeof body !== 'object' || Buffer.isBuffer(body)) return body;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) out[key] = replaceErrorCode(value, from, to, errorMessage);
  if (out.errorCode === from) {
    out.errorCode = to;
    if ('errorMessage' in out) out.errorMessage = errorMessage;
  }
  return out;
}

/** True when a controller response says the node that answered is not the active controller. */
export function answeredNotController(apiKey: number, body: any): boolean {
  const handler = CONTROLLER_HANDLERS.get(apiKey);
  if (handler === undefined) return body?.errorCode === ErrorCode.NOT_CONTROLLER;
  return handler.errorCodes(body).includes(ErrorCode.NOT_CONTROLLER);
}
