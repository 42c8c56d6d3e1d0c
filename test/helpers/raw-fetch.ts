/**
 * A minimal wire-level client for tests: sends one request over a fresh
 * socket and decodes the answer with the generated codecs. Used to read back
 * what third-party producers wrote, and to send requests no client library
 * would (bad versions, malformed frames).
 */
import { connect, type Socket } from 'node:net';
import {
  Reader, Writer, messages, readResponseHeader, requestCodec, requestHeaderVersion, responseCodec,
} from '../../src/protocol/index.ts';
import { readBatchRecords, scanBatches, type DecodedRecord, type RecordBatch } from '../../src/records/index.ts';

const REQUEST_TIMEOUT_MS = 10_000;

function hostPort(bootstrap: string): { host: string; port: number } {
  const at = bootstrap.lastIndexOf(':');
  return { host: bootstrap.slice(0, at), port: Number(bootstrap.slice(at + 1)) };
}

export function encodeRequest(apiKey: number, apiVersion: number, body: unknown, correlationId = 1): Buffer {
  const w = new Writer();
  const sizeAt = w.reserve(4);
  messages.RequestHeader.encode(
    w,
    { ...messages.RequestHeader.defaults(), requestApiKey: apiKey, requestApiVersion: apiVersion, correlationId, clientId: 'samsa-test' },
    requestHeaderVersion(apiKey, apiVersion),
  );
  requestCodec(apiKey)!.encode(w, body, apiVersion);
  w.patchInt32(sizeAt, w.length - 4);
  return w.toBuffer();
}

/** Writes raw bytes and resolves with the first complete response frame, or null if the broker closed the socket. */
export function exchange(bootstrap: string, bytes: Buffer): Promise<Buffer | null> {
  const { host, port } = hostPort(bootstrap);
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, host);
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('no response in time'));
    }, REQUEST_TIMEOUT_MS);
    socket.on('connect', () => socket.write(bytes));
    socket.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
        clearTimeout(timer);
        socket.destroy();
        resolve(buf.subarray(4, 4 + buf.readInt32BE(0)));
      }
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(null);
    });
    socket.on('error', () => undefined);
  });
}

export async function request<T>(bootstrap: string, apiKey: number, apiVersion: number, body: unknown): Promise<T> {
  const frame = await exchange(bootstrap, encodeRequest(apiKey, apiVersion, body));
  if (frame === null) throw new Error(`connection closed on API ${apiKey} v${apiVersion}`);
  const r = new Reader(frame);
  readResponseHeader(r, apiKey, apiVersion);
  return responseCodec(apiKey)!.decode(r, apiVersion) as T;
}

/** Reads every batch of a partition that ends at or after `offset`, up to the high watermark, with Fetch v11. */
export async function fetchBatches(bootstrap: string, topic: string, partition: number, offset: bigint): Promise<RecordBatch[]> {
  const out: RecordBatch[] = [];
  let next = offset;
  for (let round = 0; round < 1000; round++) {
    const req = messages.FetchRequest.defaults();
    req.maxWaitMs = 0;
    req.minBytes = 0;
    req.maxBytes = 1 << 20;
    req.topics = [{
      ...messages.defaultFetchRequestFetchTopic(), topic,
      partitions: [{ ...messages.defaultFetchRequestFetchPartition(), partition, fetchOffset: next, partitionMaxBytes: 1 << 20 }],
    }];
    const res = await request<messages.FetchResponse>(bootstrap, 1, 11, req);
    const p = res.responses[0]!.partitions[0]!;
    if (p.errorCode !== 0) throw new Error(`fetch error ${p.errorCode}`);
    for (const batch of scanBatches(p.records ?? Buffer.alloc(0)).batches) {
      if (batch.lastOffset < next) continue;
      out.push(batch);
      next = batch.lastOffset + 1n;
    }
    if (next >= p.highWatermark) return out;
  }
  throw new Error('fetchBatches did not reach the high watermark');
}

/** Reads every record of a partition from `offset` to the high watermark. */
export async function fetchAll(bootstrap: string, topic: string, partition: number, offset: bigint): Promise<DecodedRecord[]> {
  const batches = await fetchBatches(bootstrap, topic, partition, offset);
  return batches.flatMap((b) => readBatchRecords(b)).filter((r) => r.offset >= offset);
}
