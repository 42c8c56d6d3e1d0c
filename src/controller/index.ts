// The quorum controller: topic and partition placement, configs, broker registration.
export { Controller, newTopicId, type BrokerRegistration, type ControllerDeps, type CreateTopicSpec, type TopicResult } from './controller.ts';

