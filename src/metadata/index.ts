// KRaft metadata record codecs (generated); the MetadataImage arrives with the broker issue.
export * as records from './records/index.ts';
