// Throughput of the partition log: the produce path (offset patch + one
// positional write + sparse indexing per append) with ~1 KiB batches of many
// small records, then the fetch path reading everything back in 1 MiB
// fetches. Then the log cleaner: a compacted log of many updates to 50,000
// keys, uncompressed and lz4, cleaned in one LogManager.runCleaner call
// (MB/s of log cleaned = inactive log bytes before / seconds). Page cache
// only: no flush. Prints numbers, asserts nothing.
//
//   node bench/storage.bench.ts

import fs from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { CompressionCodec, buildRecordBatch } from '../src/records/index.ts';
import { LOG_CONFIG_DEFAULTS, LogManager, PartitionLog } from '../src/storage/index.ts';

const RUN_MS = 2000;
const RECORDS_PER_BATCH = 24;
const VALUE_BYTES = 24;
const FETCH_BYTES = 1024 * 1024;
const APPENDS_MAX = 50_000_000;

const clock = { nowMs: () => Date.now() };
const dir = fs.mkdtempSync(join(os.tmpdir(), 'samsa-storage-bench-'));

function batch(): Buffer {
  const now = BigInt(Date.now());
  const records = [];
  for (let r = 0; r < RECORDS_PER_BATCH; r++) {
    records.push({ key: Buffer.from(`key-${r}`), value: Buffer.alloc(VALUE_BYTES, r), timestamp: now });
  }
  return buildRecordBatch(records, { producerId: 1n, producerEpoch: 0, baseSequence: 0 });
}

function rate(count: number, seconds: number): string {
  return (count / seconds).toLocaleString('en-US', { maximumFractionDigits: 0 });
}

try {
  const log = PartitionLog.open(join(dir, 'bench-0'), { topic: 'bench', partition: 0 }, { ...LOG_CONFIG_DEFAULTS, segmentBytes: 256 * 1024 * 1024 }, clock);
  const template = batch();
  let appends = 0;
  const appendStart = performance.now();
  while (performance.now() - appendStart < RUN_MS && appends < APPENDS_MAX) {
    // The same bytes each time: append patches baseOffset in place, as it does a produce request's view.
    for (let i = 0; i < 1000; i++) log.append(template, 1);
    appends += 1000;
  }
  const appendSeconds = (performance.now() - appendStart) / 1000;
  const appendedBytes = appends * template.length;
  console.log(`batch: ${template.length} bytes, ${RECORDS_PER_BATCH} records`);
  console.log(
    `append: ${rate(appends, appendSeconds)} batches/s, ${rate(appends * RECORDS_PER_BATCH, appendSeconds)} records/s, ` +
      `${(appendedBytes / appendSeconds / 1e6).toFixed(1)} MB/s (${(appendedBytes / 1e6).toFixed(0)} MB, ${log.segmentBaseOffsets().length} segments)`,
  );

  let offset = 0;
  let readBytes = 0;
  let fetches = 0;
  const end = log.logEndOffset;
  const readStart = performance.now();
  for (; offset < end && fetches <= end; fetches++) {
    const { records } = log.read(offset, FETCH_BYTES, end, true);
    if (records === null) break;
    readBytes += records.length;
    // The next offset from the last batch header: base offset + lastOffsetDelta + 1.
    let at = 0;
    let last = 0;
    while (at < records.length) {
      last = at;
      at += 12 + records.readInt32BE(at + 8);
    }
    offset = Number(records.readBigInt64BE(last)) + records.readInt32BE(last + 23) + 1;
  }
  const readSeconds = (performance.now() - readStart) / 1000;
  console.log(`read: ${rate(fetches, readSeconds)} fetches/s of ${FETCH_BYTES / 1024} KiB, ${(readBytes / readSeconds / 1e6).toFixed(1)} MB/s (${offset === end ? 'all' : 'NOT all'} ${end} offsets)`);

  const lookupStart = performance.now();
  const lookups = 200_000;
  for (let i = 0; i < lookups; i++) log.read((i * 7919) % end, 1, end, true);
  const lookupSeconds = (performance.now() - lookupStart) / 1000;
  console.log(`random single-batch reads: ${rate(lookups, lookupSeconds)} reads/s`);
  log.close();
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}

const CLEANER_KEYS = 50_000;
const CLEANER_LOG_BYTES = 200 * 1024 * 1024;

function benchCleaner(codec: CompressionCodec, label: string): void {
  const cleanerDir = fs.mkdtempSync(join(os.tmpdir(), 'samsa-cleaner-bench-'));
  try {
    const config = { ...LOG_CONFIG_DEFAULTS, segmentBytes: 64 * 1024 * 1024, compact: true, minCleanableDirtyRatio: 0, retentionMs: -1 };
    const manager = LogManager.open([cleanerDir], clock, config);
    const log = manager.getOrCreate('bench', 0, 'AAAAAAAAAAAAAAAAAAAAAA', config);
    let n = 0;
    while (log.sizeBytes < CLEANER_LOG_BYTES) {
      const records = [];
      for (let r = 0; r < RECORDS_PER_BATCH; r++, n++) {
        records.push({ key: Buffer.from(`key-${(n * 7919) % CLEANER_KEYS}`), value: Buffer.alloc(VALUE_BYTES * 4, n), timestamp: BigInt(Date.now()) });
      }
      log.append(buildRecordBatch(records, { compression: codec }));
    }
    log.roll();
    const inactiveBytes = log.sizeBytes;
    const start = performance.now();
    const [cleaned] = manager.runCleaner({ bytesMax: Number.MAX_SAFE_INTEGER });
    const seconds = (performance.now() - start) / 1000;
    const result = cleaned!.result;
    console.log(
      `clean (${label}): ${(inactiveBytes / 1e6).toFixed(0)} MB of log, ${n.toLocaleString('en-US')} records over ${CLEANER_KEYS.toLocaleString('en-US')} keys ` +
        `in ${seconds.toFixed(2)} s: ${(inactiveBytes / seconds / 1e6).toFixed(1)} MB/s of log cleaned, ${(result.bytesRead / seconds / 1e6).toFixed(1)} MB/s read, ` +
        `${(result.bytesWritten / 1e6).toFixed(1)} MB written, ${result.recordsRemoved.toLocaleString('en-US')} records removed`,
    );
    manager.close();
  } finally {
    fs.rmSync(cleanerDir, { recursive: true, force: true });
  }
}

benchCleaner(CompressionCodec.NONE, 'uncompressed');
benchCleaner(CompressionCodec.LZ4, 'lz4');
