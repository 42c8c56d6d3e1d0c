/**
 * What a partition holds, batch by batch, read over the wire with Fetch v11:
 * lets interop tests check how a client framed its writes (compression codec,
 * producer id, timestamp type) and not only what the records say.
 */
import { messages } from '../../src/protocol/index.ts';
import { fetchBatches, request } from './raw-fetch.ts';

const API_VERSIONS = 18;
const FIND_COORDINATOR = 10;

export interface BatchSummary {
  baseOffset: bigint;
  lastOffset: bigint;
  compression: number;
  producerId: bigint;
  timestampType: number;
  records: number;
}

export async function fetchBatchSummaries(bootstrap: string, topic: string, partition: number): Promise<BatchSummary[]> {
  return (await fetchBatches(bootstrap, topic, partition, 0n)).map((b) => ({
    baseOffset: b.baseOffset, lastOffset: b.lastOffset, compression: b.compression,
    producerId: b.producerId, timestampType: b.timestampType, records: b.lastOffsetDelta + 1,
  }));
}

/** Kafka's compression attribute values. */
export const CODEC_IDS = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const;
export type CodecName = keyof typeof CODEC_IDS;
export const CODECS = Object.keys(CODEC_IDS) as CodecName[];

/**
 * Whether librdkafka (up to 2.x) will really compress with LZ4 against this broker: it infers its "LZ4
 * feature" from FindCoordinator v0 being advertised (rdkafka_feature.c) and otherwise silently sends
 * `lz4` batches uncompressed. True once the group coordinator advertises FindCoordinator from v0.
 */
export async function librdkafkaUsesLz4(bootstrap: string): Promise<boolean> {
  const res = await request<messages.ApiVersionsResponse>(bootstrap, API_VERSIONS, 3, {
    ...messages.ApiVersionsRequest.defaults(), clientSoftwareName: 'samsa-test', clientSoftwareVersion: '1',
  });
  const findCoordinator = res.apiKeys.find((k) => k.apiKey === FIND_COORDINATOR);
  return findCoordinator !== undefined && findCoordinator.minVersion === 0;
}
