/** The broker lifecycle APIs: registration, heartbeats, and the producer id blocks brokers hand out. */
import { ApiKey, ErrorCode, messages } from '../../protocol/index.ts';
import type { ControllerHandler } from './types.ts';

export const allocateProducerIds: ControllerHandler<messages.AllocateProducerIdsRequest, messages.AllocateProducerIdsResponse> = {
  apiKey: ApiKey.AllocateProducerIds,
  async answer(req, { controller, active }) {
    const r = active ? await controller.allocateProducerIds(req.brokerId, req.brokerEpoch) : { errorCode: ErrorCode.NOT_CONTROLLER, start: -1n, length: 0 };
    return { ...messages.AllocateProducerIdsResponse.defaults(), errorCode: r.errorCode, producerIdStart: r.start, producerIdLen: r.length };
  },
  errorCodes: (res) => [res.errorCode],
};

export const brokerRegistration: ControllerHandler<messages.BrokerRegistrationRequest, messages.BrokerRegistrationResponse> = {
  apiKey: ApiKey.BrokerRegistration,
  async answer(req, { controller, active, nowMs }) {
    const r = active
      ? await controller.registerBroker({
        brokerId: req.brokerId, incarnationId: req.incarnationId, rack: req.rack,
        endpoints: req.listeners.map((l) => ({ name: l.name, host: l.host, port: l.port, securityProtocol: l.securityProtocol })),
        features: req.features.map((f) => ({ name: f.name, minSupportedVersion: f.minSupportedVersion, maxSupportedVersion: f.maxSupportedVersion })),
      }, nowMs)
      : { errorCode: ErrorCode.NOT_CONTROLLER, brokerEpoch: -1n };
    return { ...messages.BrokerRegistrationResponse.defaults(), ...r };
  },
  errorCodes: (res) => [res.errorCode],
};

export const brokerHeartbeat: ControllerHandler<messages.BrokerHeartbeatRequest, messages.BrokerHeartbeatResponse> = {
  apiKey: ApiKey.BrokerHeartbeat,
  async answer(req, { controller, active, nowMs }) {
    const r = active
      ? await controller.brokerHeartbeat({
        brokerId: req.brokerId, brokerEpoch: req.brokerEpoch, currentMetadataOffset: Number(req.currentMetadataOffset),
        wantFence: req.wantFence, wantShutDown: req.wantShutDown,
      }, nowMs)
      : { errorCode: ErrorCode.NOT_CONTROLLER, isCaughtUp: false, isFenced: true, shouldShutDown: false };
    return { ...messages.BrokerHeartbeatResponse.defaults(), ...r };
  },
  errorCodes: (res) => [res.errorCode],
};
