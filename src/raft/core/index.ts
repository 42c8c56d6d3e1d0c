export * from './types.ts';
export { RaftNode, validateConfig } from './raft-node.ts';
export { RaftInvariantError } from './raft-log.ts';
