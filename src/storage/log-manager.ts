/**
 * Every partition log of a broker, across its log dirs. Each log dir holds:
 *
 *   <topic>-<partition>/                 one PartitionLog per directory
 *   recovery-point-offset-checkpoint     "0\n<count>\n<topic> <partition> <offset>\n…"
 *   log-start-offset-checkpoint          same format; only logs whose start is past
 *                                        their first segment's base (as Kafka writes it)
 *   .kafka_cleanshutdown                 written last by close(); its presence at open
 *                                        means the logs need no recovery. Kafka's JSON
 *                                        body {"version":"0","broker_epoch":"-1"}.
 *
 * `meta.properties` is the server's. Directories ending in `-delete` are
 * leftovers of a deletion and are removed at open; other names that are not
 * `<topic>-<partition>` (Kafka's `-future` and `-stray`) are left alone.
 *
 * The server owns the timers: it calls runRetention, flushDirty and
 * checkpoint periodically and close at shutdown.
 */
import fs from 'node:fs';
import { join } from 'node:path';
import { readPartitionOffsets, writePartitionOffsets } from './checkpoint-file.ts';
import { type Clock, type LogConfig, validateLogConfig } from './config.ts';
import { CheckpointFormatError } from './errors.ts';
import {
  CLEAN_SHUTDOWN_FILE,
  DELETE_DIR_SUFFIX,
  LOG_START_OFFSET_CHECKPOINT_FILE,
  RECOVERY_POINT_CHECKPOINT_FILE,
  isLegalTopicName,
  parsePartitionDirName,
  partitionDirName,
} from './file-names.ts';
import { fileSizeOrMissing, fsyncDir, unlinkIfExists, writeFileDurably } from './fs-util.ts';
import { PartitionLog } from './partition-log.ts';

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
  private readonly log: (line: string) => void;
  private defaults: LogConfig;
  /** Keyed by `<topic>-<partition>`. */
  private readonly logs: Map<string, PartitionLog>;
  /** Which log dir each log lives in, by the same key. */
  private readonly homes: Map<string, string>;
  private closed: boolean;

  private constructor(logDirs: string[], clock: Clock, defaults: LogConfig, log: (line: string) => void) {
    this.logDirs = [...logDirs];
    this.clock = clock;
    this.defaults = { ...defaults };
    this.log = log;
    this.logs = new Map();
    this.homes = new Map();
    this.closed = false;
  }

  /**
   * Loads every partition directory of every log dir (recovering those left
   * by a crash), then removes the clean-shutdown markers so that a crash
   * from here on is detected at the next open.
   */
  static open(logDirs: string[], clock: Clock, defaults: LogConfig, log?: (line: string) => void): LogManager {
    if (logDirs.length === 0) throw new RangeError('LogManager needs at least one log dir');
    validateLogConfig(defaults);
    const manager = new LogManager(logDirs, clock, defaults, log ?? (() => {}));
    for (const logDir of manager.logDirs) {
      fs.mkdirSync(logDir, { recursive: true });
      manager.loadDir(logDir, manager.readDirCheckpoints(logDir));
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
      this.log(`${error.message}; ignoring it`);
      return new Map();
    }
  }

  private loadDir(logDir: string, checkpoints: DirCheckpoints): void {
    for (const entry of fs.readdirSync(logDir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
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
    }
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
        this.log(`retention of ${key} failed: ${(error as Error).message}`);
      }
    }
  }

  /** flush.ms for every log, and the segments rolled since the last flush (Kafka flushes those after a roll). */
  flushDirty(): void {
    this.checkOpen();
    for (const partitionLog of this.logs.values()) partitionLog.flushIfDue();
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
