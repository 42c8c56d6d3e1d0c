/** Keyed batches and read-backs for the log cleaner tests. */
import fs from 'node:fs';
import { join } from 'node:path';
import { type BatchOptions, CompressionCodec, buildRecordBatch, readBatchRecords, scanBatches } from '../../src/records/index.ts';
import { type Clock, type LogConfig, LogManager, type PartitionLog } from '../../src/storage/index.ts';
import { ManualClock, TP, config, tempDir } from './helpers.ts';

export interface Keyed {
  offset: number;
  key: string | null;
  /** null for a tombstone. */
  value: string | null;
}

/** One batch of `[key, value]` records (value null = tombstone) at `timestampMs`. */
export function keyedBatch(entries: readonly (readonly [string | null, string | null])[], timestampMs: number, options: BatchOptions = {}): Buffer {
  return buildRecordBatch(
    entries.map(([key, value], i) => ({
      key: key === null ? null : Buffer.from(key),
      value: value === null ? null : Buffer.from(value),
      timestamp: BigInt(timestampMs + i),
    })),
    options,
  );
}

/** Every record of the log from its start, with its offset, as a consumer reads it. */
export function readKeyed(log: PartitionLog): Keyed[] {
  const out: Keyed[] = [];
  let offset = log.logStartOffset;
  for (let reads = 0; offset < log.logEndOffset && reads <= log.logEndOffset; reads++) {
    const { records } = log.read(offset, 1 << 20, log.logEndOffset, true);
    if (records === null) break;
    const batches = scanBatches(records).batches;
    for (const batch of batches) {
      for (const record of readBatchRecords(batch)) {
        if (Number(record.offset) < offset) continue;
        out.push({ offset: Number(record.offset), key: record.key?.toString() ?? null, value: record.value?.toString() ?? null });
      }
    }
    offset = Number(batches[batches.length - 1]!.lastOffset) + 1;
  }
  return out;
}

/** Kafka's result of a full clean: the latest record of every key, in offset order. */
export function latestPerKey(records: readonly Keyed[]): Keyed[] {
  const latest = new Map<string | null, Keyed>();
  for (const record of records) latest.set(record.key, record);
  return [...latest.values()].sort((a, b) => a.offset - b.offset);
}

/** The compaction settings every test starts from: clean as soon as anything is dirty. */
export function compactConfig(overrides: Partial<LogConfig> = {}): LogConfig {
  return config({ compact: true, minCleanableDirtyRatio: 0, retentionMs: -1, segmentBytes: 1 << 20, ...overrides });
}

/** A LogManager on `dir` holding the one log `orders-0`, with `logConfig`. */
export function openManager(dir: string, clock: Clock, logConfig: LogConfig): { manager: LogManager; log: PartitionLog } {
  const manager = LogManager.open([dir], clock, logConfig);
  const log = manager.getOrCreate(TP.topic, TP.partition, 'AAAAAAAAAAAAAAAAAAAAAA', logConfig);
  return { manager, log };
}

export interface CompactedLogEnv {
  dir: string;
  clock: ManualClock;
  manager: LogManager;
  log: PartitionLog;
}

/** Runs `body` on a fresh compacted log (compactConfig(overrides)) in a temp dir, then closes and removes it. */
export function withCompactedLog(overrides: Partial<LogConfig>, body: (env: CompactedLogEnv) => void): void {
  const { dir, cleanup } = tempDir();
  try {
    const clock = new ManualClock();
    const { manager, log } = openManager(dir, clock, compactConfig(overrides));
    body({ dir, clock, manager, log });
    manager.close();
  } finally {
    cleanup();
  }
}

/** Appends `count` single-record batches cycling over `keys` keys, each valued `v<n>`; rolls every `perSegment`. */
export function appendUpdates(log: PartitionLog, clock: { nowMs(): number; advance(ms: number): void }, count: number, keys: number, perSegment: number, first = 0): void {
  for (let n = first; n < first + count; n++) {
    log.append(keyedBatch([[`k${n % keys}`, `v${n}`]], clock.nowMs()));
    clock.advance(1);
    if ((n - first + 1) % perSegment === 0) log.roll();
  }
}

export function copyDir(from: string, to: string): void {
  fs.cpSync(from, to, { recursive: true });
}

export function segmentFiles(dir: string): string[] {
  return fs.readdirSync(join(dir, 'orders-0')).filter((name) => /\.(log|index|timeindex)/.test(name)).sort();
}

export { CompressionCodec };
