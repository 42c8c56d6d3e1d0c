// Throughput of the partition log: the produce path (offset patch + one
// positional write + sparse indexing per append) with ~1 KiB batches of many
// small records, then the fetch path reading everything back in 1 MiB
// fetches. Page cache only: no flush. Prints numbers, asserts nothing.
//
//   node bench/storage.bench.ts

import fs from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { buildRecordBatch } from '../src/records/index.ts';
import { LOG_CONFIG_DEFAULTS, PartitionLog } from '../src/storage/index.ts';

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
