import fs from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { buildRecordBatch, readBatchRecords, scanBatches } from '../../src/records/index.ts';
import { type Clock, LOG_CONFIG_DEFAULTS, type LogConfig, PartitionLog, type PartitionLogOptions } from '../../src/storage/index.ts';

/** A clock tests move by hand. */
export class ManualClock implements Clock {
  private now: number;

  constructor(startMs = 1_700_000_000_000) {
    this.now = startMs;
  }

  nowMs(): number {
    return this.now;
  }

  advance(ms: number): void {
    this.now += ms;
  }
}

/** A fresh temp dir, removed by the returned cleanup. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(join(os.tmpdir(), 'samsa-storage-'));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export function config(overrides: Partial<LogConfig> = {}): LogConfig {
  return { ...LOG_CONFIG_DEFAULTS, ...overrides };
}

export const TP = { topic: 'orders', partition: 0 };

/**
 * A batch of `count` records whose values name their position, e.g. "b3-r1"
 * for record 1 of batch 3, so a read-back can be checked exactly.
 */
export function makeBatch(tag: number, count: number, timestampMs: number, options: { valueBytes?: number; epoch?: number; baseOffset?: number } = {}): Buffer {
  const records = [];
  for (let r = 0; r < count; r++) {
    const label = `b${tag}-r${r}`;
    const value = options.valueBytes === undefined ? Buffer.from(label) : Buffer.concat([Buffer.from(label + ':'), Buffer.alloc(options.valueBytes, 'x')]);
    records.push({ key: Buffer.from(`k${tag}`), value, timestamp: BigInt(timestampMs + r) });
  }
  return buildRecordBatch(records, {
    partitionLeaderEpoch: options.epoch ?? -1,
    baseOffset: options.baseOffset === undefined ? 0n : BigInt(options.baseOffset),
  });
}

export interface ReadBack {
  offset: number;
  value: string;
}

/** Every record of `records`, decoded, in order. */
export function decode(records: Buffer | null): ReadBack[] {
  if (records === null) return [];
  const out: ReadBack[] = [];
  for (const batch of scanBatches(records).batches) {
    for (const record of readBatchRecords(batch)) {
      out.push({ offset: Number(record.offset), value: record.value!.toString('utf8').split(':')[0]! });
    }
  }
  return out;
}

/** Reads the whole log from `from` in slices, as a consumer would; bounded by the offsets it holds. */
export function readAll(log: PartitionLog, from = log.logStartOffset, maxBytes = 1 << 20): ReadBack[] {
  const out: ReadBack[] = [];
  let offset = from;
  for (let reads = 0; offset < log.logEndOffset && reads <= log.logEndOffset; reads++) {
    const { records } = log.read(offset, maxBytes, log.logEndOffset, true);
    if (records === null) break;
    for (const record of decode(records)) {
      if (record.offset >= offset) out.push(record);
    }
    const batches = scanBatches(records).batches;
    offset = Number(batches[batches.length - 1]!.lastOffset) + 1;
  }
  return out;
}

export function open(dir: string, clock: Clock, overrides: Partial<LogConfig> = {}, opts: PartitionLogOptions = {}): PartitionLog {
  return PartitionLog.open(join(dir, 'orders-0'), TP, config(overrides), clock, opts);
}

/** Appends `batches` batches of `perBatch` records; returns the expected read-back. */
export function fill(log: PartitionLog, clock: ManualClock, batches: number, perBatch: number, firstTag = 0, valueBytes?: number): ReadBack[] {
  const expected: ReadBack[] = [];
  for (let b = firstTag; b < firstTag + batches; b++) {
    const { firstOffset } = log.append(makeBatch(b, perBatch, clock.nowMs(), { valueBytes }), 1);
    for (let r = 0; r < perBatch; r++) expected.push({ offset: firstOffset + r, value: `b${b}-r${r}` });
    clock.advance(10);
  }
  return expected;
}

export function filesIn(dir: string): string[] {
  return fs.readdirSync(dir).sort();
}
