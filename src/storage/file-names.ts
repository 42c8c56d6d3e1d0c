/**
 * Kafka's file names inside a partition directory: every segment file is
 * named by its base offset, zero-padded to 20 digits, plus a suffix.
 */
import { join } from 'node:path';

export const LOG_FILE_SUFFIX = '.log';
export const INDEX_FILE_SUFFIX = '.index';
export const TIME_INDEX_FILE_SUFFIX = '.timeindex';
export const TXN_INDEX_FILE_SUFFIX = '.txnindex';
/** A segment file renamed on its way to being unlinked (Kafka's LogFileUtils.DELETED_FILE_SUFFIX). */
export const DELETED_FILE_SUFFIX = '.deleted';
/** Files of a segment the cleaner is writing, and of one it is swapping in (segment-swap.ts). */
export const CLEANED_FILE_SUFFIX = '.cleaned';
export const SWAP_FILE_SUFFIX = '.swap';
/** The temp file of a write-then-rename (Kafka's CheckpointFile uses the same). */
export const TEMP_FILE_SUFFIX = '.tmp';
/** A partition directory renamed for deletion: `<topic>-<partition>.<uuid>-delete`. */
export const DELETE_DIR_SUFFIX = '-delete';

export const PARTITION_METADATA_FILE = 'partition.metadata';
export const LEADER_EPOCH_CHECKPOINT_FILE = 'leader-epoch-checkpoint';
export const RECOVERY_POINT_CHECKPOINT_FILE = 'recovery-point-offset-checkpoint';
export const LOG_START_OFFSET_CHECKPOINT_FILE = 'log-start-offset-checkpoint';
/** Where each compacted log's clean section ends (Kafka's LogCleanerManager checkpoint), one per log dir. */
export const CLEANER_OFFSET_CHECKPOINT_FILE = 'cleaner-offset-checkpoint';
/** Kafka's CleanShutdownFileHandler.CLEAN_SHUTDOWN_FILE_NAME, one per log dir. */
export const CLEAN_SHUTDOWN_FILE = '.kafka_cleanshutdown';

const OFFSET_DIGITS = 20;
const SEGMENT_NAME = /^(\d{20})\.log$/;

export function offsetFileName(offset: number, suffix: string): string {
  return String(offset).padStart(OFFSET_DIGITS, '0') + suffix;
}

export function segmentFilePath(dir: string, baseOffset: number, suffix: string): string {
  return join(dir, offsetFileName(baseOffset, suffix));
}

/** The base offset of a `.log` file name, or -1 when the name is not a segment's. */
export function parseSegmentFileName(name: string): number {
  const match = SEGMENT_NAME.exec(name);
  if (match === null) return -1;
  const offset = Number(match[1]);
  return Number.isSafeInteger(offset) ? offset : -1;
}

/** `<topic>-<partition>` as a directory name. */
export function partitionDirName(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

/** Kafka's legal topic names: ASCII letters, digits, '.', '_' and '-', at most 249 characters. */
const TOPIC_NAME = /^[A-Za-z0-9._-]{1,249}$/;

export function isLegalTopicName(topic: string): boolean {
  return TOPIC_NAME.test(topic) && topic !== '.' && topic !== '..';
}

/** Splits a partition directory name at its last '-', or null when it is not `<topic>-<partition>`. */
export function parsePartitionDirName(name: string): { topic: string; partition: number } | null {
  const dash = name.lastIndexOf('-');
  if (dash <= 0) return null;
  const topic = name.slice(0, dash);
  const digits = name.slice(dash + 1);
  if (!/^\d{1,10}$/.test(digits) || !isLegalTopicName(topic)) return null;
  const partition = Number(digits);
  return partition <= 0x7fffffff ? { topic, partition } : null;
}
