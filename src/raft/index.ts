// The metadata quorum. Today a single voter that commits on local durability;
// the pure Raft core arrives with the metadata quorum issue behind the same calls.
export { METADATA_TOPIC, SingleVoterQuorum, type MetadataLogWriter } from './single-voter-quorum.ts';
