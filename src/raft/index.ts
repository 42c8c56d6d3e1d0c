// The pure Raft core and its driver. Arrives with the metadata quorum issue.
export {};
