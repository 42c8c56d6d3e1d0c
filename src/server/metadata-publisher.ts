/**
 * Holds the current MetadataImage of this process and is the state machine
 * of the metadata quorum: every committed entry advances the image, a
 * snapshot replaces it, and each change goes to the listeners (the replica
 * manager, the group coordinator) in log order.
 *
 * Nothing is published until the quorum says this node caught up (as
 * Kafka's metadata loader waits): after a restart the local log holds only
 * what was committed before the stop, and a broker acting on that image
 * could lead a partition that moved away meanwhile and take writes for it.
 * `image` is the applied state (the controller's); `publishedImage` is what
 * the broker serves and acts on.
 */
import {
  MetadataDelta, MetadataImage, decodeMetadataRecord, encodeMetadataRecord, imageRecords, type MetadataChanges,
} from '../metadata/index.ts';
import type { Entry, Snapshot } from '../raft/core/index.ts';
import type { StateMachine } from '../raft/quorum-driver.ts';
import { buildRecordBatch, readBatchRecords, scanBatches } from '../records/index.ts';

export type MetadataListener = (image: MetadataImage, changes: MetadataChanges | null) => void;

/** Records per batch in a snapshot file, so no single batch grows without bound. */
const SNAPSHOT_BATCH_RECORDS = 1000;
const EMPTY_IMAGE = MetadataImage.empty();

export class MetadataPublisher implements StateMachine {
  private current: MetadataImage = MetadataImage.empty();
  /** Set once the quorum says this node caught up; from then the published image is the applied one. */
  private caughtUpValue = false;
  private readonly listeners: MetadataListener[] = [];
  private readonly caughtUpWaiters: (() => void)[] = [];
  /** Offset of the last applied entry, control entries included. */
  private appliedOffset = -1;

  get image(): MetadataImage {
    return this.current;
  }

  /** The image listeners have seen: empty until caught up, then the applied one. */
  get publishedImage(): MetadataImage {
    return this.caughtUpValue ? this.current : EMPTY_IMAGE;
  }

  get isCaughtUp(): boolean {
    return this.caughtUpValue;
  }

  /** Resolves once the image is published (at once if it is). */
  whenCaughtUp(): Promise<void> {
    if (this.caughtUpValue) return Promise.resolve();
    return new Promise((resolve) => this.caughtUpWaiters.push(resolve));
  }

  get lastAppliedOffset(): number {
    return this.appliedOffset;
  }

  onChange(listener: MetadataListener): void {
    this.listeners.push(listener);
  }

  apply(entry: Entry): void {
    const lastOffset = entry.baseOffset + entry.records.length - 1;
    this.appliedOffset = lastOffset;
    if (entry.control) return;
    const delta = new MetadataDelta(this.current);
    for (const v of entry.records) delta.replay(decodeMetadataRecord(v));
    const applied = delta.apply(lastOffset);
    this.current = applied.image;
    if (!this.caughtUpValue) return;
    for (const l of this.listeners) l(applied.image, applied.changes);
  }

  restore(snapshot: Snapshot): void {
    const delta = new MetadataDelta(MetadataImage.empty());
    for (const batch of scanBatches(snapshot.data).batches) {
      for (const r of readBatchRecords(batch)) if (r.value !== null) delta.replay(decodeMetadataRecord(r.value));
    }
    this.appliedOffset = snapshot.id.offset - 1;
    this.current = delta.apply(snapshot.id.offset - 1).image;
    if (!this.caughtUpValue) return;
    // A whole new image: listeners resynchronise from it rather than from a delta.
    for (const l of this.listeners) l(this.current, null);
  }

  caughtUp(): void {
    if (this.caughtUpValue) return;
    this.caughtUpValue = true;
    // Listeners start from the whole image, as after a snapshot.
    for (const l of this.listeners) l(this.current, null);
    for (const w of this.caughtUpWaiters.splice(0)) w();
  }

  capture(): Buffer {
    const values = imageRecords(this.current).map(encodeMetadataRecord);
    const batches: Buffer[] = [];
    const timestamp = BigInt(Date.now());
    for (let i = 0; i < values.length; i += SNAPSHOT_BATCH_RECORDS) {
      const slice = values.slice(i, i + SNAPSHOT_BATCH_RECORDS);
      batches.push(buildRecordBatch(slice.map((value) => ({ key: null, value, timestamp })), { baseOffset: BigInt(i) }));
    }
    return Buffer.concat(batches);
  }
}
