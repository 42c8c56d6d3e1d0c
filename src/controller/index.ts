// The quorum controller: topic and partition placement, configs, broker registration, heartbeats and fencing.
export {
  Controller, newTopicId, type BrokerHeartbeat, type BrokerHeartbeatResult, type BrokerRegistration, type ControllerDeps,
  type CreateTopicSpec, type TopicResult,
} from './controller.ts';
export { newAclError, planCreateAcls, planDeleteAcls, type AclDeletion, type AclOutcome } from './acls.ts';
export { planFeatureUpdates, type FeaturePlan, type FeatureUpdate } from './feature-updates.ts';
export { CONTROLLER_API_KEYS, ControllerApiKey, ControllerService, answeredNotController } from './controller-service.ts';
export {
  ERROR_TIMESTAMP, newTokenId, planCreateToken, planExpireToken, planExpiredTokenRemovals, planRenewToken,
  type CreateTokenRequest, type CreateTokenResult, type TokenTimestampResult,
} from './delegation-tokens.ts';
