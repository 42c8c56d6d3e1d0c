/**
 * A read-only look into a running node, for the metrics endpoint and the
 * health checks (src/console): what it hosts, how its metadata quorum
 * stands, and whether it is ready to serve. Readers must not change what
 * they are given.
 */
import type { BrokerContext } from '../broker/index.ts';
import type { MetadataImage } from '../metadata/index.ts';
import type { QuorumStatus } from '../raft/core/index.ts';

export interface NodeView {
  readonly nodeId: number;
  readonly isController: boolean;
  /** The broker's partitions, coordinators and image; null on a controller-only node. */
  readonly broker: BrokerContext | null;
  /** This node's view of the metadata quorum (voter lag only on the leader). */
  quorum(): QuorumStatus;
  /** The applied metadata image. */
  image(): MetadataImage;
  /** Why this node cannot serve yet (not registered, fenced, behind the metadata log), or null when it can. */
  notReadyReason(): string | null;
}
