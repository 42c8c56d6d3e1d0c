import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32c } from '@node-rs/crc32';
import {
  CompressionCodec,
  ControlRecordType,
  type RecordInput,
  buildEndTxnMarkerBatch,
  buildRecordBatch,
  decodeRecords,
  readBatchRecords,
  readControlRecords,
  scanBatches,
  validateProduceBatches,
} from '../../src/records/index.ts';
import { onlyTypedErrors, randomBytes, seededRandom } from './helpers.ts';

/**
 * Mutation fuzzing of everything that reads untrusted record bytes. The
 * property: each call returns or throws the typed decode error, and no call
 * is slow. Replay a failure with RECORDS_FUZZ_SEED=<seed printed below>.
 */
const SEED = Number(process.env.RECORDS_FUZZ_SEED ?? 0x5a45a);
const CASE_COUNT = Number(process.env.RECORDS_FUZZ_CASES ?? 4000);
const CALL_MS_MAX = 250;
const DECOMPRESSED_BYTES_MAX = 4 * 1024 * 1024;
const INTERESTING_INT32 = [0, 1, -1, 48, 49, 61, 0x7f, 0x80, 0xffff, 0x7fffffff, -0x80000000, 0x10000000];

interface Seed {
  bytes: Buffer;
  /** [start, end) of each batch, to re-CRC a mutated one. */
  bounds: [number, number][];
}

function sampleInput(random: () => number, count: number): RecordInput[] {
  return Array.from({ length: count }, (_, i) => ({
    key: random() < 0.2 ? null : randomBytes(random, Math.floor(random() * 20)),
    value: random() < 0.1 ? null : Buffer.alloc(Math.floor(random() * 400), 'fuzz value '),
    headers: random() < 0.5 ? [] : [{ key: 'h', value: randomBytes(random, 5) }, { key: '', value: null }],
    timestamp: 1_700_000_000_000n + BigInt(Math.floor(random() * 1e6)) - 500_000n + BigInt(i),
  }));
}

function buildSeeds(random: () => number): Seed[] {
  const seeds: Seed[] = [];
  for (let i = 0; i < 24; i++) {
    const parts: Buffer[] = [];
    const batchCount = 1 + Math.floor(random() * 3);
    for (let j = 0; j < batchCount; j++) {
      const codec = Math.floor(random() * 5) as CompressionCodec;
      parts.push(buildRecordBatch(sampleInput(random, 1 + Math.floor(random() * 6)), { compression: codec }));
    }
    if (i % 6 === 0) {
      parts.push(buildEndTxnMarkerBatch({ type: ControlRecordType.COMMIT, coordinatorEpoch: 1 }, 0n, { producerId: 1n, producerEpoch: 0 }));
    }
    const bounds: [number, number][] = [];
    let at = 0;
    for (const part of parts) {
      bounds.push([at, at + part.length]);
      at += part.length;
    }
    seeds.push({ bytes: Buffer.concat(parts), bounds });
  }
  return seeds;
}

function recomputeCrcs(bytes: Buffer, bounds: [number, number][]): void {
  for (const [start, end] of bounds) {
    if (end <= bytes.length) bytes.writeUInt32BE(crc32c(bytes.subarray(start + 21, end)) >>> 0, start + 17);
  }
}

function mutate(random: () => number, seed: Seed): Buffer {
  const bytes = Buffer.from(seed.bytes);
  const pick = Math.floor(random() * 7);
  if (pick === 0) return bytes.subarray(0, Math.floor(random() * bytes.length));
  if (pick === 1) return randomBytes(random, Math.floor(random() * 300));
  if (pick === 2) {
    const flips = 1 + Math.floor(random() * 8);
    for (let i = 0; i < flips; i++) bytes[Math.floor(random() * bytes.length)]! ^= 1 << Math.floor(random() * 8);
  } else if (pick === 3) {
    const value = INTERESTING_INT32[Math.floor(random() * INTERESTING_INT32.length)]!;
    bytes.writeInt32BE(value, Math.floor(random() * (bytes.length - 4)));
  } else if (pick === 4) {
    // A huge varint (5 bytes of 0xff..0x0f) somewhere in the records: lengths and counts of 2^31.
    bytes.set([0xff, 0xff, 0xff, 0xff, 0x0f], 61 + Math.floor(random() * Math.max(1, bytes.length - 66)));
  } else if (pick === 5) {
    const [start] = seed.bounds[Math.floor(random() * seed.bounds.length)]!;
    const fields = [[8, 4], [57, 4], [23, 4], [16, 1], [22, 1]] as const;
    const [offset, size] = fields[Math.floor(random() * fields.length)]!;
    if (size === 4) bytes.writeInt32BE(INTERESTING_INT32[Math.floor(random() * INTERESTING_INT32.length)]!, start + offset);
    else bytes[start + offset] = Math.floor(random() * 256);
  } else {
    const position = 61 + Math.floor(random() * Math.max(1, bytes.length - 61));
    bytes[position] = Math.floor(random() * 256);
  }
  // Usually re-CRC, so the mutation reaches the header rules and the record decoder instead of stopping at the CRC.
  if (random() < 0.7) recomputeCrcs(bytes, seed.bounds);
  return bytes;
}

function timed(label: string, fn: () => unknown): void {
  const started = performance.now();
  onlyTypedErrors(fn);
  const elapsed = performance.now() - started;
  assert.ok(elapsed < CALL_MS_MAX, `${label} took ${elapsed.toFixed(1)} ms`);
}

function exercise(random: () => number, bytes: Buffer): void {
  timed('validateProduceBatches', () => validateProduceBatches(bytes));
  timed('scanBatches', () => scanBatches(bytes));
  let batches: ReturnType<typeof scanBatches>['batches'] = [];
  onlyTypedErrors(() => {
    batches = scanBatches(bytes, { verifyCrc: false }).batches;
  });
  for (const batch of batches) {
    timed('readBatchRecords', () => readBatchRecords(batch, { decompressedBytesMax: DECOMPRESSED_BYTES_MAX }));
    if (batch.isControl) timed('readControlRecords', () => readControlRecords(batch));
  }
  const start = Math.min(bytes.length, 61);
  const count = random() < 0.5 ? Math.floor(random() * 10) : 0x7fffffff;
  timed('decodeRecords', () => decodeRecords(bytes.subarray(start), count, { baseOffset: 0n, baseTimestamp: 0n, logAppendTime: null }));
}

test(`records fuzz: ${CASE_COUNT} mutated inputs, seed ${SEED}`, () => {
  const random = seededRandom(SEED);
  const seeds = buildSeeds(random);
  for (const seed of seeds) exercise(random, seed.bytes);
  for (let i = 0; i < CASE_COUNT; i++) {
    const seed = seeds[Math.floor(random() * seeds.length)]!;
    const input = mutate(random, seed);
    try {
      exercise(random, input);
    } catch (error) {
      throw new Error(`fuzz case ${i} (seed ${SEED}) input ${input.toString('hex').slice(0, 400)}: ${(error as Error).stack}`);
    }
  }
});

test('the fuzz seeds themselves are valid', () => {
  const random = seededRandom(SEED);
  for (const seed of buildSeeds(random)) {
    const scan = scanBatches(seed.bytes);
    assert.equal(scan.batches.length, seed.bounds.length);
    for (const batch of scan.batches) assert.ok(readBatchRecords(batch).length >= 1);
  }
  assert.equal(CompressionCodec.ZSTD, 4);
});
