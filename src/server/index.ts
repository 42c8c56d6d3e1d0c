// The server: sockets, framing, dispatch, and the process that starts the roles.
export { ConfigError, startBroker, startNode, type RunningBroker, type StartOptions } from './broker-process.ts';
export { DirLockedError } from './dir-lock.ts';
export type { NodeInstruments } from './node-instruments.ts';
export type { NodeView } from './node-view.ts';
export { startCluster, type RunningCluster, type StartClusterOptions } from './embedded-cluster.ts';
export { ensureMetaProperties, isFormatted, randomUuid } from './meta-properties.ts';
export { BOOTSTRAP_FILE_NAME, bootstrapRecords, readBootstrapMetadata, writeBootstrapMetadata } from './bootstrap-metadata.ts';
