// Throughput of the produce hot path: header checks + CRC of every batch in a
// Produce-like 1 MiB buffer of 1,000 batches, next to the raw CRC32C speed
// that bounds it. Prints numbers only; timings are never asserted.
//
//   node bench/records.bench.ts

import {
  type RecordInput,
  buildRecordBatch,
  crc32c,
  readBatchRecords,
  scanBatches,
  validateProduceBatches,
} from '../src/records/index.ts';

const BUFFER_BYTES = 1024 * 1024;
const BATCH_COUNT = 1000;
const RECORDS_PER_BATCH = 10;
const RUN_MS_MIN = 1500;
const WARMUP_RUNS = 50;

function batchRecords(batchIndex: number, valueBytes: number, firstValueExtraBytes: number): RecordInput[] {
  const records: RecordInput[] = [];
  for (let r = 0; r < RECORDS_PER_BATCH; r++) {
    records.push({
      key: Buffer.from(`k${String(batchIndex * RECORDS_PER_BATCH + r).padStart(5, '0')}`),
      value: Buffer.alloc(valueBytes + (r === 0 ? firstValueExtraBytes : 0), (batchIndex + r) & 0xff),
      timestamp: 1_700_000_000_000n + BigInt(r),
    });
  }
  return records;
}

/**
 * Exactly BUFFER_BYTES of BATCH_COUNT batches, as one produce request's
 * records would carry them. Each batch is sized to an equal share of what is
 * left by growing its first value, so the total lands on 1 MiB.
 */
function buildProduceBuffer(): Buffer {
  const batches: Buffer[] = [];
  let usedBytes = 0;
  for (let b = 0; b < BATCH_COUNT; b++) {
    const targetBytes = Math.floor((BUFFER_BYTES - usedBytes) / (BATCH_COUNT - b));
    const options = { producerId: 1n, producerEpoch: 0, baseSequence: b * RECORDS_PER_BATCH };
    // 61 header bytes, then ~16 bytes of framing and key per record.
    const valueBytes = Math.floor((targetBytes - 61) / RECORDS_PER_BATCH) - 16;
    let batch = buildRecordBatch(batchRecords(b, valueBytes, 0), options);
    batch = buildRecordBatch(batchRecords(b, valueBytes, targetBytes - batch.length), options);
    batches.push(batch);
    usedBytes += batch.length;
  }
  return Buffer.concat(batches);
}

interface Measurement {
  name: string;
  runs: number;
  seconds: number;
  bytesPerRun: number;
  batchesPerRun: number;
}

/** Repeats `fn` for at least RUN_MS_MIN after a warm-up, so the JIT has settled. */
function measure(name: string, bytesPerRun: number, batchesPerRun: number, fn: () => void): Measurement {
  for (let i = 0; i < WARMUP_RUNS; i++) fn();
  let runs = 0;
  const started = process.hrtime.bigint();
  let elapsedNs = 0n;
  while (elapsedNs < BigInt(RUN_MS_MIN) * 1_000_000n) {
    for (let i = 0; i < 20; i++) fn();
    runs += 20;
    elapsedNs = process.hrtime.bigint() - started;
  }
  return { name, runs, seconds: Number(elapsedNs) / 1e9, bytesPerRun, batchesPerRun };
}

function formatRow(m: Measurement): string {
  const mbPerSecond = (m.bytesPerRun * m.runs) / m.seconds / 1e6;
  const batchesPerSecond = (m.batchesPerRun * m.runs) / m.seconds;
  const usPerRun = (m.seconds / m.runs) * 1e6;
  return [
    m.name.padEnd(42),
    usPerRun.toFixed(1).padStart(10),
    (m.batchesPerRun > 0 ? (batchesPerSecond / 1e6).toFixed(2) : '-').padStart(10),
    mbPerSecond.toFixed(0).padStart(10),
  ].join(' ');
}

function main(): void {
  const produce = buildProduceBuffer();
  const single = buildRecordBatch([{ value: Buffer.alloc(BUFFER_BYTES - 100, 7), timestamp: 0n }]);
  const summary = validateProduceBatches(produce);
  console.log(`node ${process.version}, produce buffer ${produce.length} bytes, ${summary.batchCount} batches, ${summary.recordCount} records`);
  let sink = 0;
  const rows = [
    measure('validateProduceBatches, 1000 batches', produce.length, BATCH_COUNT, () => {
      sink += validateProduceBatches(produce).batchCount;
    }),
    measure('scanBatches (CRC on, views), 1000 batches', produce.length, BATCH_COUNT, () => {
      sink += scanBatches(produce).batches.length;
    }),
    measure('scanBatches (CRC off, views), 1000 batches', produce.length, BATCH_COUNT, () => {
      sink += scanBatches(produce, { verifyCrc: false }).batches.length;
    }),
    measure('validateProduceBatches, 1 batch of 1 MiB', single.length, 1, () => {
      sink += validateProduceBatches(single).batchCount;
    }),
    measure('crc32c raw, 1 MiB', BUFFER_BYTES, 0, () => {
      sink += crc32c(produce.subarray(0, BUFFER_BYTES));
    }),
  ];
  const batch = scanBatches(produce).batches[0]!;
  rows.push(
    measure('readBatchRecords (slow path), 1 batch', batch.sizeInBytes, 1, () => {
      sink += readBatchRecords(batch).length;
    }),
  );
  console.log(`${'case'.padEnd(42)} ${'us/run'.padStart(10)} ${'Mbatch/s'.padStart(10)} ${'MB/s'.padStart(10)}`);
  for (const row of rows) console.log(formatRow(row));
  if (sink === -1) console.log('unreachable');
}

main();
