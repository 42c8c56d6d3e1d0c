/**
 * The shape of test/fixtures/captured/index.json, written by
 * scripts/capture-fixtures.ts and read by test/protocol/captured-requests.test.ts.
 * Everything in `sent` is what the script told the client to do, never what
 * our codecs decoded, so the test checks the codecs against an independent
 * account of the bytes.
 */

/** A header value of null is a header without a value. */
export type CapturedHeader = [key: string, value: string | null];

export interface CapturedRecord {
  key: string | null;
  value: string | null;
  headers: CapturedHeader[];
  /** Milliseconds since the epoch as a decimal string; null when the client stamped the record itself. */
  timestamp: string | null;
}

export interface CapturedProduce {
  topic: string;
  partition: number;
  /** The acks the client was configured with (-1 = all). */
  acks: number;
  /** Kafka's compression codec name as configured: none, gzip, snappy, lz4, zstd. */
  codec: string;
  /** Bounds of the client's wall clock during the run, for records it stamped itself (ms, decimal strings). */
  wallClock: { from: string; to: string };
  /** True when the client was configured as an idempotent producer (batch carries a producer id). */
  idempotent: boolean;
  records: CapturedRecord[];
}

export interface CapturedFixture {
  /** File name inside test/fixtures/captured/: the request frame without its 4-byte size prefix. */
  file: string;
  /** Short client label: kafkajs, kcat, confluent-kafka-python, platformatic. */
  client: string;
  /** Client library version, as the installed package or binary reports it. */
  clientVersion: string;
  /** The client.id the client was configured with; it must appear in the request header. */
  clientId: string;
  apiKey: number;
  api: string;
  apiVersion: number;
  /** Compression codec of the Produce batch, only for Produce fixtures. */
  codec?: string;
  /** ApiVersions v3+: what the client is known to put in ClientSoftwareName/Version. */
  clientSoftware?: { name: string; version: string };
  /** Metadata: the topic the client produced to, which it must ask about. */
  metadataTopics?: string[];
  /** Produce: the records the client was asked to send. */
  produce?: CapturedProduce;
}

export interface CapturedIndex {
  generatedBy: string;
  /** When the capture ran (ISO 8601); informational. */
  capturedAt: string;
  fixtures: CapturedFixture[];
}
