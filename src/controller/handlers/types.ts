/** One controller API as the controller service serves it. */
import { ErrorCode } from '../../protocol/index.ts';
import type { Controller } from '../controller.ts';

export interface ControllerCall {
  controller: Controller;
  /** False when this node is not the active controller: every result is then NOT_CONTROLLER. */
  active: boolean;
  nowMs: number;
  /** The version the request came in at; the latest for calls from this process. */
  apiVersion: number;
}

export interface ControllerHandler<Req = any, Res = any> {
  readonly apiKey: number;
  /** The response to a decoded request. */
  answer(req: Req, call: ControllerCall): Promise<Res>;
  /** Every error code a response carries, to tell whether the node that answered was not the controller. */
  errorCodes(res: Res): number[];
}

const NOT_CONTROLLER_MESSAGE = 'This node is not the active controller.';
export const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

export function notController(): { errorCode: number; errorMessage: string } {
  return { errorCode: ErrorCode.NOT_CONTROLLER, errorMessage: NOT_CONTROLLER_MESSAGE };
}
