/**
 * Holds the current MetadataImage of this process: built by replaying the
 * metadata log at start, then advanced by every committed batch of records,
 * with each change handed to the listeners (the replica manager) in order.
 */
import {
  MetadataDelta, MetadataImage, decodeMetadataRecord, encodeMetadataRecord, type MetadataChanges, type MetadataRecord,
} from '../metadata/index.ts';
import type { SingleVoterQuorum } from '../raft/index.ts';

export type MetadataListener = (image: MetadataImage, changes: MetadataChanges) => void;

export class MetadataPublisher {
  private readonly quorum: SingleVoterQuorum;
  private current: MetadataImage = MetadataImage.empty();
  private readonly listeners: MetadataListener[] = [];

  constructor(quorum: SingleVoterQuorum) {
    this.quorum = quorum;
  }

  get image(): MetadataImage {
    return this.current;
  }

  /** Rebuilds the image from the log; listeners are not called (they read the image when they start). */
  replayLog(): void {
    this.quorum.replay((values, lastOffset) => {
      const delta = new MetadataDelta(this.current);
      for (const v of values) delta.replay(decodeMetadataRecord(v));
      this.current = delta.apply(lastOffset).image;
    });
  }

  onChange(listener: MetadataListener): void {
    this.listeners.push(listener);
  }

  /** Makes records durable, then applies them and tells the listeners. */
  commit(records: MetadataRecord[]): void {
    const lastOffset = this.quorum.append(records.map(encodeMetadataRecord));
    const delta = new MetadataDelta(this.current);
    for (const r of records) delta.replay(r);
    const applied = delta.apply(lastOffset);
    this.current = applied.image;
    for (const l of this.listeners) l(applied.image, applied.changes);
  }
}
