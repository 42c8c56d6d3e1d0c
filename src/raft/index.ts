// The metadata quorum: a pure Raft core (KRaft semantics) and the thin driver
// that gives it time, disk (the __cluster_metadata log) and a network.
export * from './core/index.ts';
export { METADATA_PARTITION, METADATA_TOPIC, MetadataLogStore } from './metadata-log-store.ts';
export { NotLeaderError, QuorumDriver, type PeerTransport, type QuorumDriverOptions, type StateMachine } from './quorum-driver.ts';
export { METADATA_TOPIC_ID, RaftApi, decodeRequest, decodeResponse, encodeRequest, encodeResponse } from './wire.ts';
