// The request path before storage: split a Produce request carrying 1 MiB of
// records in 1,000 batches (one per partition, as Kafka requires from v3),
// decode it with the generated codec, and validate every batch (header + CRC)
// without touching a record. Also encodes a Fetch response around 1 MiB of
// records, which the writer keeps by reference. Prints numbers, asserts none.
//
//   node bench/protocol.bench.ts

import { Reader, Writer, messages, readRequestHeader } from '../src/protocol/index.ts';
import { buildRecordBatch, validateProduceBatches } from '../src/records/index.ts';

const PARTITION_COUNT = 1000;
const RECORDS_PER_BATCH = 10;
const VALUE_BYTES = 90;
const RUN_MS_MIN = 1500;

function batchFor(partition: number): Buffer {
  const records = Array.from({ length: RECORDS_PER_BATCH }, (_, i) => ({
    key: Buffer.from(`key-${partition}-${i}`),
    value: Buffer.alloc(VALUE_BYTES, i),
    timestamp: 1_700_000_000_000n + BigInt(i),
  }));
  return buildRecordBatch(records);
}

function produceFrame(version: number): { frame: Buffer; recordBytes: number } {
  const request = messages.ProduceRequest.defaults();
  request.acks = 1;
  request.timeoutMs = 30_000;
  const topic = messages.defaultProduceRequestTopicProduceData();
  topic.name = 'bench';
  let recordBytes = 0;
  for (let p = 0; p < PARTITION_COUNT; p++) {
    const partition = messages.defaultProduceRequestPartitionProduceData();
    partition.index = p;
    partition.records = batchFor(p);
    recordBytes += partition.records.length;
    topic.partitionData.push(partition);
  }
  request.topicData = [topic];
  const header = { ...messages.RequestHeader.defaults(), requestApiKey: 0, requestApiVersion: version, correlationId: 7, clientId: 'bench' };
  const w = new Writer(2 * 1024 * 1024);
  messages.RequestHeader.encode(w, header, version >= 9 ? 2 : 1);
  messages.ProduceRequest.encode(w, request, version);
  return { frame: w.toBuffer(), recordBytes };
}

function measure(name: string, bytesPerRun: number, batchesPerRun: number, run: () => void): void {
  for (let i = 0; i < 20; i++) run();
  let runs = 0;
  const started = performance.now();
  let elapsed = 0;
  while (elapsed < RUN_MS_MIN) {
    run();
    runs++;
    elapsed = performance.now() - started;
  }
  const seconds = elapsed / 1000;
  const mbs = (bytesPerRun * runs) / seconds / 1e6;
  const batches = (batchesPerRun * runs) / seconds;
  console.log(`| ${name} | ${((elapsed * 1000) / runs).toFixed(0)} | ${(batches / 1e6).toFixed(2)} | ${mbs.toFixed(0)} |`);
}

console.log('| case | µs/run | Mbatch/s | MB/s of records |');
console.log('|---|---:|---:|---:|');
for (const version of [7, 11]) {
  const { frame, recordBytes } = produceFrame(version);
  measure(`Produce v${version}: header + decode + validate ${PARTITION_COUNT} batches`, recordBytes, PARTITION_COUNT, () => {
    const r = new Reader(frame);
    const header = readRequestHeader(r);
    const request = messages.ProduceRequest.decode(r, header.requestApiVersion);
    for (const topic of request.topicData) {
      for (const partition of topic.partitionData) validateProduceBatches(partition.records!);
    }
  });
}

const fetchRecords = Buffer.concat(Array.from({ length: PARTITION_COUNT }, (_, p) => batchFor(p)));
measure('Fetch v12 response: encode around 1 MiB of records', fetchRecords.length, PARTITION_COUNT, () => {
  const response = messages.FetchResponse.defaults();
  const topic = messages.defaultFetchResponseFetchableTopicResponse();
  topic.topic = 'bench';
  const partition = messages.defaultFetchResponsePartitionData();
  partition.records = fetchRecords;
  topic.partitions = [partition];
  response.responses = [topic];
  const w = new Writer();
  messages.FetchResponse.encode(w, response, 12);
  w.toChunks();
});
