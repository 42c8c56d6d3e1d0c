/**
 * Every partition log of a broker, across its log dirs. Each log dir holds:
 *
 *   <topic>-<partition>/                 one PartitionLog per directory
 *   recovery-point-offset-checkpoint     "0\n<count>\n<topic> <partition> <offset>\n…"
 *   log-start-offset-checkpoint          same format; only logs whose start is past
 *                                        their first segment's base (as Kafka writes it)
 *   cleaner-offset-checkpoint            same format; where each compacted log's clean
 *                                        section ends (written after every clean)
 *   .kafka_cleanshutdown                 written last by close(); its presence at open
 *                                        means the logs need no recovery. Kafka's JSON
 *                                        body {"version":"0","broker_epoch":"-1"}.
 *
 * `meta.properties` is the server's. Directories ending in `-delete` are
 * leftovers of a deletion and are removed at open; other names that are not
 * `<topic>-<partition>` (Kafka's `-future` and `-stray`) are left alone.
 *
 * The server owns the timers: it calls runRetention, runCleaner, flushDirty
 * and checkpoint periodically and close at shutdown.
 */
import fs from 'node:fs';
import { join } from 'node:path';
import { readPartitionOffsets, writePartitionOffsets } from './checkpoint-file.ts';
import { type CleanableRange, cleanableRange, dirtyRatio, isCleaningDue } from './cleaner-policy.ts';
import { type Clock, type LogConfig, validateLogConfig } from './config.ts';
import { CheckpointFormatError } from './errors.ts';
import {
  CLEANER_OFFSET_CHECKPOINT_FILE,
  CLEAN_SHUTDOWN_FILE,
  DELETE_DIR_SUFFIX,
  LOG_START_OFFSET_CHECKPOINT_FILE,
  RECOVERY_POINT_CHECKPOINT_FILE,
  isLegalTopicName,
  parsePartitionDirName,
  partitionDirName,
} from './file-names.ts';
import { fileSizeOrMissing, fsyncDir, unlinkIfExists, writeFileDurably } from './fs-util.ts';
import { CLEANER_CONFIG_DEFAULTS, type CleanResult, type CleanerConfig, LogCleaner } from './log-cleaner.ts';
import { PartitionLog } from './partition-log.ts';

/** Running totals of the flushes and cleans, for the metrics endpoint (Kafka's LogFlushStats and LogCleaner metrics). */
export interface LogWorkStats {
  /** Partition flushes that moved a recovery point, and the seconds they took. */
  flushes: number;
  flushSeconds: number;
  /** Cleans completed, the seconds they took, and what they read, wrote and removed. */
  cleans: number;
  cleanerSeconds: number;
  cleanerBytesRead: number;
  cleanerBytesWritten: number;
  cleanerRecordsRemoved: number;
}

/** runCleaner stops starting cleans once this many bytes were read in one call (one clean always runs whole). */
export const CLEANER_BYTES_PER_RUN_DEFAULT = 64 * 1024 * 1024;

export interface CleanerRunOptions {
  /** Budget of bytes read per call; default CLEANER_BYTES_PER_RUN_DEFAULT. */
  bytesMax?: number;
  /**
   * Nothing at or above this offset of a log is cleaned: the last stable offset (Kafka's first unstable
   * offset, at most the high watermark), so no open transaction is cleaned; default the log end.
   */
  cleanableEndOf?: (log: PartitionLog) => number;
}

export interface CleanedLog {
  topic: string;
  partition: number;
  /** Why it was chosen: its dirty ratio (0 when a delete horizon or max.compaction.lag.ms chose it). */
  dirtyRatio: number;
  result: CleanResult;
}

/** How often a long load of a log directory reports its progress. */
const LOAD_PROGRESS_EVERY_MS = 2000;
const CLEAN_SHUTDOWN_BODY = '{"version":"0","broker_epoch":"-1"}';

interface DirCheckpoints {
  recoveryPoints: Map<string, number>;
  logStartOffsets: Map<string, number>;
  hadCleanShutdown: boolean;
}

/** `__cluster_metadata-0`: Kafka keeps it in a log dir too, but only the metadata quorum reads or writes it. */
const METADATA_LOG_DIR = '__cluster_metadata-0';

export class LogManager {
  readonly logDirs: readonly string[];
  private readonly clock: Clock;
  private readonly log: (line: string, level?: 'warn' | 'error') => void;
  private defaults: LogConfig;
  /** Keyed by `<topic>-<partition>`. */
  private readonly logs: Map<string, PartitionLog>;
  /** Which log dir each log lives in, by the same key. */
  private readonly homes: Map<string, string>;
  /** cleaner-offset-checkpoint entries, by the same key. */
  private readonly cleanerCheckpoints: Map<string, number>;
  /** The latest delete horizon of a tombstone or transaction marker each compacted log kept (in memory only, as in Kafka). */
  private readonly deleteHorizons: Map<string, number>;
  /** Logs whose clean failed; skipped until restart so one bad log does not stall the others (Kafka's uncleanable partitions). */
  private readonly uncleanable: Set<string>;
  private cleanerConfig: CleanerConfig;
  private cleaner: LogCleaner | null;
  readonly stats: LogWorkStats = { flushes: 0, flushSeconds: 0, cleans: 0, cleanerSeconds: 0, cleanerBytesRead: 0, cleanerBytesWritten: 0, cleanerRecordsRemoved: 0 };
  private closed: boolean;

  private constructor(logDirs: string[], clock: Clock, defaults: LogConfig, log: (line: string, level?: 'warn' | 'error') => void) {
    this.logDirs = [...logDirs];
    this.clock = clock;
    this.defaults = { ...defaults };
    this.log = log;
    this.logs = new Map();
    this.homes = new Map();
    this.cleanerCheckpoints = new Map();
    this.deleteHorizons = new Map();
    this.uncleanable = new Set();
    this.cleanerConfig = { ...CLEANER_CONFIG_DEFAULTS };
    this.cleaner = null;
    this.closed = false;
  }

  /**
   * Loads every partition directory of every log dir (recovering those left
   * by a crash), then removes the clean-shutdown markers so that a crash
   * from here on is detected at the next open.
   */
  static open(logDirs: string[], clock: Clock, defaults: LogConfig, log?: (line: string, level?: 'warn' | 'error') => void): LogManager {
    if (logDirs.length === 0) throw new RangeError('LogManager needs at least one log dir');
    validateLogConfig(defaults);
    const manager = new LogManager(logDirs, clock, defaults, log ?? (() => {}));
    for (const logDir of manager.logDirs) {
      fs.mkdirSync(logDir, { recursive: true });
      const checkpoints = manager.readDirCheckpoints(logDir);
      const startedMs = performance.now();
      const before = manager.logs.size;
      manager.loadDir(logDir, checkpoints);
      const loaded = manager.logs.size - before;
      if (!checkpoints.hadCleanShutdown && loaded > 0) {
        // Kafka says so too: after a crash every log past its recovery point was re-read and checked.
        manager.log(`recovered ${loaded} partition logs in ${logDir} after an unclean shutdown in ${Math.round(performance.now() - startedMs)} ms`);
      } else if (loaded > 0) {
        manager.log(`loaded ${loaded} partition logs from ${logDir} in ${Math.round(performance.now() - startedMs)} ms`);
      }
      for (const [key, offset] of manager.readOffsets(join(logDir, CLEANER_OFFSET_CHECKPOINT_FILE))) {
        if (manager.homes.get(key) === logDir) manager.cleanerCheckpoints.set(key, offset);
      }
    }
    for (const logDir of manager.logDirs) {
      unlinkIfExists(join(logDir, CLEAN_SHUTDOWN_FILE));
      fsyncDir(logDir);
    }
    return manager;
  }

  private readDirCheckpoints(logDir: string): DirCheckpoints {
    const hadCleanShutdown = fileSizeOrMissing(join(logDir, CLEAN_SHUTDOWN_FILE)) >= 0;
    return {
      recoveryPoints: this.readOffsets(join(logDir, RECOVERY_POINT_CHECKPOINT_FILE)),
      logStartOffsets: this.readOffsets(join(logDir, LOG_START_OFFSET_CHECKPOINT_FILE)),
      hadCleanShutdown,
    };
  }

  /** A malformed checkpoint costs a full recovery, not the broker: it is logged and ignored. */
  private readOffsets(path: string): Map<string, number> {
    try {
      return readPartitionOffsets(path);
    } catch (error) {
      if (!(error instanceof CheckpointFormatError)) throw error;
      this.log(`${error.message}; ignoring it`, 'warn');
      return new Map();
    }
  }

  private loadDir(logDir: string, checkpoints: DirCheckpoints): void {
    const entries = fs.readdirSync(logDir, { withFileTypes: true }).filter((e) => e.isDirectory());
    // A long load (thousands of partitions, or a recovery that re-reads them) says how far it got, every few seconds.
    const startedMs = performance.now();
    let reportedMs = startedMs;
    let done = 0;
    for (const entry of entries) {
      const nowMs = performance.now();
      if (nowMs - reportedMs >= LOAD_PROGRESS_EVERY_MS) {
        reportedMs = nowMs;
        this.log(`loading ${logDir}: ${done} of ${entries.length} directories in ${Math.round(nowMs - startedMs)} ms`);
      }
      done++;
      const path = join(logDir, entry.name);
      if (entry.name.endsWith(DELETE_DIR_SUFFIX)) {
        this.log(`removing ${path}, left by an interrupted partition deletion`);
        fs.rmSync(path, { recursive: true, force: true });
        continue;
      }
      // The metadata log belongs to the Raft layer, which opens it itself.
      if (entry.name === METADATA_LOG_DIR) continue;
      const topicPartition = parsePartitionDirName(entry.name);
      if (topicPartition === null) {
        this.log(`skipping ${path}: not a <topic>-<partition> directory`);
        continue;
      }
      const key = entry.name;
      const existing = this.homes.get(key);
      if (existing !== undefined) throw new Error(`partition ${key} is in both ${existing} and ${logDir}`);
      const partitionLog = PartitionLog.open(path, topicPartition, this.defaults, this.clock, {
        recoveryPoint: checkpoints.recoveryPoints.get(key) ?? 0,
        logStartOffset: checkpoints.logStartOffsets.get(key) ?? 0,
        hadCleanShutdown: checkpoints.hadCleanShutdown,
        log: this.log,
      });
      this.logs.set(key, partitionLog);
      this.homes.set(key, logDir);
      this.watchTruncations(key, partitionLog);
    }
  }

  /**
   * A truncation below a log's cleaner checkpoint moves the checkpoint down
   * to it, durably, before new data can arrive there: records above the cut
   * were never mapped, and counting them as clean could let a tombstone among
   * them expire while an older value of its key survives.
   */
  private watchTruncations(key: string, partitionLog: PartitionLog): void {
    partitionLog.setTruncationListener((offset) => {
      const checkpoint = this.cleanerCheckpoints.get(key);
      if (checkpoint === undefined || checkpoint <= offset) return;
      this.cleanerCheckpoints.set(key, offset);
      this.writeCleanerCheckpoint(this.homes.get(key)!);
    });
  }

  get(topic: string, partition: number): PartitionLog | undefined {
    return this.logs.get(partitionDirName(topic, partition));
  }

  /**
   * The partition's log, created in the log dir holding the fewest logs if
   * new. Its partition.metadata gets `topicId`; an existing log with another
   * topic id throws InconsistentTopicIdError. `config` applies either way.
   */
  getOrCreate(topic: string, partition: number, topicId: string, config: LogConfig): PartitionLog {
    this.checkOpen();
    const key = partitionDirName(topic, partition);
    let partitionLog = this.logs.get(key);
    if (partitionLog === undefined) {
      if (!isLegalTopicName(topic) || !Number.isSafeInteger(partition) || partition < 0 || partition > 0x7fffffff) {
        throw new RangeError(`"${topic}" partition ${partition} cannot name a log directory`);
      }
      const logDir = this.leastLoadedDir();
      partitionLog = PartitionLog.open(join(logDir, key), { topic, partition }, config, this.clock, { hadCleanShutdown: true, log: this.log });
      this.logs.set(key, partitionLog);
      this.homes.set(key, logDir);
      this.watchTruncations(key, partitionLog);
      fsyncDir(logDir);
    } else {
      partitionLog.updateConfig(config);
    }
    partitionLog.assignTopicId(topicId);
    return partitionLog;
  }

  private leastLoadedDir(): string {
    const counts = new Map<string, number>(this.logDirs.map((dir) => [dir, 0]));
    for (const home of this.homes.values()) counts.set(home, (counts.get(home) ?? 0) + 1);
    let best = this.logDirs[0]!;
    for (const dir of this.logDirs) if (counts.get(dir)! < counts.get(best)!) best = dir;
    return best;
  }

  all(): Iterable<PartitionLog> {
    return this.logs.values();
  }

  /** The log dir a partition lives in, or undefined. */
  logDirOf(topic: string, partition: number): string | undefined {
    return this.homes.get(partitionDirName(topic, partition));
  }

  /** Deletes the partition's directory (rename to `-delete`, then remove) and drops it from the checkpoints. */
  deletePartition(topic: string, partition: number): void {
    this.checkOpen();
    const key = partitionDirName(topic, partition);
    const partitionLog = this.logs.get(key);
    const logDir = this.homes.get(key);
    if (partitionLog === undefined || logDir === undefined) return;
    this.logs.delete(key);
    this.homes.delete(key);
    this.cleanerCheckpoints.delete(key);
    this.deleteHorizons.delete(key);
    this.uncleanable.delete(key);
    partitionLog.delete();
    this.checkpointDir(logDir);
  }

  /** The defaults used for logs loaded at open until the broker applies their topic config. */
  updateDefaults(defaults: LogConfig): void {
    validateLogConfig(defaults);
    this.defaults = { ...defaults };
  }

  /** Retention for every log; a failing log is logged and skipped so the others still run. */
  runRetention(): void {
    this.checkOpen();
    for (const [key, partitionLog] of this.logs) {
      try {
        const deleted = partitionLog.deleteExpiredSegments();
        if (deleted > 0) this.log(`retention deleted ${deleted} segment(s) of ${key}; log start offset ${partitionLog.logStartOffset}`);
      } catch (error) {
        this.log(`retention of ${key} failed: ${(error as Error).message}`, 'error');
      }
    }
  }

  /** flush.ms for every log, and the segments rolled since the last flush (Kafka flushes those after a roll). */
  flushDirty(): void {
    this.checkOpen();
    for (const partitionLog of this.logs.values()) {
      const before = partitionLog.recoveryPoint;
      const startedMs = performance.now();
      partitionLog.flushIfDue();
      if (partitionLog.recoveryPoint === before) continue;
      this.stats.flushes++;
      this.stats.flushSeconds += (performance.now() - startedMs) / 1000;
    }
  }

  /** Writes both root checkpoints of every log dir. */
  checkpoint(): void {
    this.checkOpen();
    for (const logDir of this.logDirs) this.checkpointDir(logDir);
  }

  private checkpointDir(logDir: string): void {
    const recoveryPoints: { topic: string; partition: number; offset: number }[] = [];
    const logStartOffsets: { topic: string; partition: number; offset: number }[] = [];
    for (const [key, partitionLog] of this.logs) {
      if (this.homes.get(key) !== logDir) continue;
      const { topic, partition } = partitionLog.topicPartition;
      recoveryPoints.push({ topic, partition, offset: partitionLog.recoveryPoint });
      if (partitionLog.logStartOffset > partitionLog.segmentBaseOffsets()[0]!) {
        logStartOffsets.push({ topic, partition, offset: partitionLog.logStartOffset });
      }
    }
    writePartitionOffsets(join(logDir, RECOVERY_POINT_CHECKPOINT_FILE), recoveryPoints);
    writePartitionOffsets(join(logDir, LOG_START_OFFSET_CHECKPOINT_FILE), logStartOffsets);
    this.writeCleanerCheckpoint(logDir);
  }

  private writeCleanerCheckpoint(logDir: string): void {
    const entries: { topic: string; partition: number; offset: number }[] = [];
    for (const [key, offset] of this.cleanerCheckpoints) {
      const partitionLog = this.logs.get(key);
      if (partitionLog === undefined || this.homes.get(key) !== logDir) continue;
      entries.push({ topic: partitionLog.topicPartition.topic, partition: partitionLog.topicPartition.partition, offset });
    }
    const path = join(logDir, CLEANER_OFFSET_CHECKPOINT_FILE);
    // A log dir that never had a compacted log gets no file.
    if (entries.length > 0 || fileSizeOrMissing(path) >= 0) writePartitionOffsets(path, entries);
  }

  /** Where a log's clean section ends, from cleaner-offset-checkpoint; -1 when it has none. */
  cleanerCheckpointOf(topic: string, partition: number): number {
    return this.cleanerCheckpoints.get(partitionDirName(topic, partition)) ?? -1;
  }

  /** log.cleaner.dedupe.buffer.size and log.cleaner.io.buffer.load.factor; the map is allocated at the next clean. */
  configureCleaner(config: CleanerConfig): void {
    const cleaner = new LogCleaner(config, this.log);
    this.cleanerConfig = { ...config };
    this.cleaner = cleaner;
  }

  /**
   * The log cleaner (Kafka's LogCleaner thread, one step): cleans the
   * compacted logs that are due, dirtiest first (Kafka's
   * grabFilthiestCompactedLog), until `bytesMax` bytes were read. When none
   * is due by ratio or max.compaction.lag.ms, a log holding a tombstone or marker
   * whose delete horizon has passed is cleaned to remove it. Each clean is
   * synchronous: readers see the log before or after it. A log whose clean
   * fails is logged and skipped until restart.
   */
  runCleaner(options: CleanerRunOptions = {}): CleanedLog[] {
    this.checkOpen();
    const bytesMax = options.bytesMax ?? CLEANER_BYTES_PER_RUN_DEFAULT;
    const nowMs = this.clock.nowMs();
    const cleaned: CleanedLog[] = [];
    let bytesRead = 0;
    for (const candidate of this.cleaningCandidates(nowMs, options.cleanableEndOf)) {
      if (bytesRead >= bytesMax) break;
      const result = this.cleanOne(candidate.key, candidate.range, nowMs);
      if (result === null) continue;
      bytesRead += result.bytesRead;
      const { topic, partition } = this.logs.get(candidate.key)!.topicPartition;
      cleaned.push({ topic, partition, dirtyRatio: candidate.ratio, result });
    }
    return cleaned;
  }

  /** Due logs, dirtiest first; else those with an expired delete horizon. */
  private cleaningCandidates(nowMs: number, cleanableEndOf?: (log: PartitionLog) => number): { key: string; range: CleanableRange; ratio: number }[] {
    const due: { key: string; range: CleanableRange; ratio: number }[] = [];
    const expired: { key: string; range: CleanableRange; ratio: number }[] = [];
    for (const [key, partitionLog] of this.logs) {
      const config = partitionLog.logConfig;
      if (!config.compact || this.uncleanable.has(key)) continue;
      const range = this.rangeOf(key, partitionLog, nowMs, cleanableEndOf?.(partitionLog) ?? partitionLog.logEndOffset);
      if (isCleaningDue(range, config.minCleanableDirtyRatio)) {
        due.push({ key, range, ratio: range.needCompactionNow ? 0 : dirtyRatio(range) });
        continue;
      }
      const horizonMs = this.deleteHorizons.get(key) ?? -1;
      if (horizonMs >= 0 && horizonMs <= nowMs) expired.push({ key, range, ratio: 0 });
    }
    due.sort((a, b) => b.ratio - a.ratio);
    return due.length > 0 ? due : expired;
  }

  private rangeOf(key: string, partitionLog: PartitionLog, nowMs: number, cleanableEndMax: number): CleanableRange {
    const segments = partitionLog.segmentsView();
    const config = partitionLog.logConfig;
    const checkpointOffset = this.cleanerCheckpoints.get(key) ?? -1;
    return cleanableRange({
      segments: segments.map((segment) => ({
        baseOffset: segment.baseOffset,
        sizeBytes: segment.sizeBytes,
        largestTimestampMs: segment.largestTimestampMs,
        offsetIndexBytes: 0,
        timeIndexBytes: 0,
      })),
      logStartOffset: partitionLog.logStartOffset,
      logEndOffset: partitionLog.logEndOffset,
      checkpointOffset,
      cleanableEndMax,
      nowMs,
      minCompactionLagMs: config.minCompactionLagMs,
      maxCompactionLagMs: config.maxCompactionLagMs,
      firstDirtyBatchTimestampMs: () => {
        const firstDirty = checkpointOffset >= partitionLog.logStartOffset ? checkpointOffset : partitionLog.logStartOffset;
        const segment = segments.findLast((candidate) => candidate.baseOffset <= firstDirty) ?? segments[0]!;
        return segment.firstBatchTimestampMs();
      },
    });
  }

  private cleanOne(key: string, range: CleanableRange, nowMs: number): CleanResult | null {
    const partitionLog = this.logs.get(key)!;
    this.cleaner ??= new LogCleaner(this.cleanerConfig, this.log);
    let result: CleanResult;
    const startedMs = performance.now();
    try {
      result = this.cleaner.clean(partitionLog, range.firstDirtyOffset, range.firstUncleanableOffset, nowMs);
    } catch (error) {
      this.uncleanable.add(key);
      this.log(`cleaning ${key} failed, skipping it until restart: ${(error as Error).message}`, 'error');
      return null;
    }
    this.stats.cleans++;
    this.stats.cleanerSeconds += (performance.now() - startedMs) / 1000;
    this.stats.cleanerBytesRead += result.bytesRead;
    this.stats.cleanerBytesWritten += result.bytesWritten;
    this.stats.cleanerRecordsRemoved += result.recordsRemoved;
    this.cleanerCheckpoints.set(key, result.endOffset);
    if (result.latestDeleteHorizonMs >= 0) this.deleteHorizons.set(key, result.latestDeleteHorizonMs);
    else this.deleteHorizons.delete(key);
    try {
      this.writeCleanerCheckpoint(this.homes.get(key)!);
    } catch (error) {
      // The clean itself is durable; a stale checkpoint only means the next clean redoes some work.
      this.log(`writing the cleaner checkpoint of ${key} failed: ${(error as Error).message}`, 'error');
    }
    this.log(
      `cleaned ${key} [${range.firstDirtyOffset}, ${result.endOffset}): ${result.segmentsRead} segment(s) into ${result.segmentsWritten}, ` +
        `${result.bytesRead} bytes read, ${result.bytesWritten} written, ${result.recordsRemoved} of ${result.recordsRead} records removed`,
    );
    return result;
  }

  /** Closes every log (flush, whole index files), writes the checkpoints, then the clean-shutdown markers. */
  close(): void {
    if (this.closed) return;
    for (const partitionLog of this.logs.values()) partitionLog.close();
    for (const logDir of this.logDirs) {
      this.checkpointDir(logDir);
      writeFileDurably(join(logDir, CLEAN_SHUTDOWN_FILE), CLEAN_SHUTDOWN_BODY);
    }
    this.closed = true;
  }

  private checkOpen(): void {
    if (this.closed) throw new Error('LogManager is closed');
  }
}
