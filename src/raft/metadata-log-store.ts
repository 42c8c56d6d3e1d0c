/**
 * The durable side of a Raft node: the `__cluster_metadata-0` log (Samsa's
 * own segment storage, entries as record batches), the `quorum-state` file
 * (epoch, vote, leader; replaced atomically), and snapshot files named
 * `<end offset>-<epoch>.checkpoint` as Kafka names them. `persist` carries out
 * a Ready's writes in the order the core requires and fsyncs before returning.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { scanBatches } from '../records/index.ts';
import {
  PartitionLog, readFileIfExists, unlinkIfExists, writeFileDurably, type Clock, type LogConfig,
} from '../storage/index.ts';
import type { Entry, HardState, PersistedState, Ready, Snapshot } from './core/index.ts';
import { decodeEntries, encodeEntries } from './entry-codec.ts';

export const METADATA_TOPIC = '__cluster_metadata';
export const METADATA_PARTITION = 0;
const QUORUM_STATE_FILE = 'quorum-state';
const SNAPSHOT_SUFFIX = '.checkpoint';
const SNAPSHOT_NAME = /^(\d{20})-(\d{10})\.checkpoint$/;
/** Loading reads the log in slices of this size; a larger batch is still read whole. */
const LOAD_READ_BYTES = 1024 * 1024;
const LOAD_READS_MAX = 10_000_000;
const NO_ID = -1;

export class MetadataLogStore {
  readonly dir: string;
  private readonly log: PartitionLog;
  private readonly clock: Clock;

  private constructor(dir: string, log: PartitionLog, clock: Clock) {
    this.dir = dir;
    this.log = log;
    this.clock = clock;
  }

  static open(dir: string, config: LogConfig, clock: Clock): MetadataLogStore {
    const log = PartitionLog.open(dir, { topic: METADATA_TOPIC, partition: METADATA_PARTITION }, config, clock);
    return new MetadataLogStore(dir, log, clock);
  }

  get logEndOffset(): number {
    return this.log.logEndOffset;
  }

  /** What survived on disk: the quorum state, the newest snapshot, and the entries after it. */
  load(): PersistedState {
    const snapshot = this.latestSnapshot();
    if (snapshot !== null && (this.log.logStartOffset > snapshot.id.offset || this.log.logEndOffset < snapshot.id.offset)) {
      // The log does not continue the snapshot (a crash between install steps): the snapshot wins.
      this.log.truncateFullyAndStartAt(snapshot.id.offset);
    } else if (snapshot !== null && this.log.logStartOffset < snapshot.id.offset) {
      this.log.deleteRecordsBefore(snapshot.id.offset);
    }
    if (snapshot === null && this.log.logStartOffset > 0) {
      // The records before the log start live only in a snapshot that is gone: refuse rather than start from less.
      throw new Error(`${this.dir}: the metadata log starts at ${this.log.logStartOffset} but no snapshot covers what came before`);
    }
    return { hardState: this.readHardState(), snapshot, entries: this.readEntries(snapshot?.id.offset ?? 0) };
  }

  private readEntries(from: number): Entry[] {
    const entries: Entry[] = [];
    let offset = from;
    const end = this.log.logEndOffset;
    for (let reads = 0; offset < end && reads < LOAD_READS_MAX; reads++) {
      const { records } = this.log.read(offset, LOAD_READ_BYTES, end, true);
      if (records === null || records.length === 0) break;
      const read = decodeEntries(records);
      if (read.length === 0) break;
      for (const e of read) {
        // A batch straddling the snapshot offset cannot happen: snapshots end on batch boundaries.
        if (e.baseOffset >= offset) entries.push(e);
        offset = e.baseOffset + e.records.length;
      }
    }
    return entries;
  }

  private readHardState(): HardState {
    const bytes = readFileIfExists(join(this.dir, QUORUM_STATE_FILE));
    if (bytes === null) return { epoch: 0, votedFor: null, leaderId: null };
    const state = JSON.parse(bytes.toString('utf8')) as { leaderEpoch: number; votedId: number; leaderId: number };
    return {
      epoch: state.leaderEpoch,
      votedFor: state.votedId === NO_ID ? null : state.votedId,
      leaderId: state.leaderId === NO_ID ? null : state.leaderId,
    };
  }

  /** Carries out a Ready's writes in the order the core requires; durable when it returns. */
  persist(ready: Ready): void {
    if (ready.hardState !== null) this.writeHardState(ready.hardState);
    if (ready.snapshot !== null) this.installSnapshot(ready.snapshot);
    if (ready.truncateTo !== null) this.log.truncateTo(ready.truncateTo);
    if (ready.entries.length > 0) {
      this.log.appendAsFollower(encodeEntries(ready.entries, this.clock.nowMs()));
      this.log.flush();
    }
  }

  private writeHardState(state: HardState): void {
    // Kafka's quorum-state layout, so operators recognise it.
    writeFileDurably(join(this.dir, QUORUM_STATE_FILE), JSON.stringify({
      leaderId: state.leaderId ?? NO_ID,
      leaderEpoch: state.epoch,
      votedId: state.votedFor ?? NO_ID,
      appliedOffset: 0,
      currentVoters: null,
      data_version: 0,
    }));
  }

  /** A snapshot fetched from the leader replaces the whole log. */
  private installSnapshot(snapshot: Snapshot): void {
    this.writeSnapshotFile(snapshot);
    this.log.truncateFullyAndStartAt(snapshot.id.offset);
    this.deleteSnapshotsBefore(snapshot.id.offset);
  }

  /** A snapshot this node took of its own state: kept, and the log before it deleted. */
  saveSnapshot(snapshot: Snapshot): void {
    this.writeSnapshotFile(snapshot);
    if (snapshot.id.offset > this.log.logStartOffset) this.log.deleteRecordsBefore(Math.min(snapshot.id.offset, this.log.logEndOffset));
    this.deleteSnapshotsBefore(snapshot.id.offset);
  }

  private writeSnapshotFile(snapshot: Snapshot): void {
    if (scanBatches(snapshot.data).batches.length === 0 && snapshot.data.length > 0) {
      throw new Error(`snapshot ${snapshot.id.offset}-${snapshot.id.epoch} holds no whole record batch`);
    }
    writeFileDurably(join(this.dir, snapshotFileName(snapshot.id.offset, snapshot.id.epoch)), snapshot.data);
  }

  private snapshotIds(): { offset: number; epoch: number; name: string }[] {
    return readdirSync(this.dir)
      .map((name) => ({ name, m: SNAPSHOT_NAME.exec(name) }))
      .filter((f) => f.m !== null)
      .map((f) => ({ offset: Number(f.m![1]), epoch: Number(f.m![2]), name: f.name }))
      .sort((a, b) => a.offset - b.offset);
  }

  latestSnapshot(): Snapshot | null {
    const ids = this.snapshotIds();
    const last = ids[ids.length - 1];
    if (last === undefined) return null;
    const data = readFileIfExists(join(this.dir, last.name));
    if (data === null) return null;
    return { id: { offset: last.offset, epoch: last.epoch }, data };
  }

  private deleteSnapshotsBefore(offset: number): void {
    for (const s of this.snapshotIds()) if (s.offset < offset) unlinkIfExists(join(this.dir, s.name));
  }

  close(): void {
    this.log.close();
  }
}

function snapshotFileName(offset: number, epoch: number): string {
  return `${String(offset).padStart(20, '0')}-${String(epoch).padStart(10, '0')}${SNAPSHOT_SUFFIX}`;
}
