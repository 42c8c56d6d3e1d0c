// Coordinator record codecs (generated); the group and transaction coordinators arrive with their issues.
export * as records from './records/index.ts';
