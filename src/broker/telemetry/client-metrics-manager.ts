/**
 * KIP-714 on the broker, as Kafka's ClientMetricsManager answers it: which
 * subscriptions a client matches (GetTelemetrySubscriptions), and whether a
 * push is acceptable (PushTelemetry) before its OTLP payload is decoded and
 * kept as the latest value of each series, for the node's /metrics.
 *
 * A client instance is known from its first GetTelemetrySubscriptions (or a
 * push naming an id this broker has not seen, as after a restart: it then
 * gets UNKNOWN_SUBSCRIPTION_ID and asks again). Instances and their series
 * are forgotten after a terminating push or three push intervals of silence.
 */
import { randomBytes } from 'node:crypto';
import { ErrorCode } from '../../protocol/index.ts';
import { crc32c, CompressionCodec, decompress } from '../../records/index.ts';
import {
  CLIENT_METRICS_INTERVAL_DEFAULT, clientMetricsSubscriptions, type ClientMatchSelector, type ClientMetricsSubscription, type MetadataImage,
} from '../../metadata/index.ts';
import { decodeMetricsData, type MetricPoint } from './otlp-metrics.ts';

export const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';
/** What Samsa decompresses, in the order a client should prefer them (Kafka offers zstd, lz4, gzip, snappy). */
export const ACCEPTED_COMPRESSION_TYPES: readonly number[] = [
  CompressionCodec.ZSTD, CompressionCodec.LZ4, CompressionCodec.GZIP, CompressionCodec.SNAPPY,
];
export const TELEMETRY_MAX_BYTES_DEFAULT = 1_048_576;
/** A decompressed payload may be this many times `telemetry.max.bytes` (OTLP compresses well, but not without bound). */
const DECOMPRESSED_FACTOR = 16;
/** Instances kept at most; past it the longest silent are dropped first. */
const INSTANCES_MAX = 10_000;
const SOFTWARE_MAX = 10_000;

/** Who a client is, from its request and connection: what subscriptions match on. */
export interface ClientIdentity {
  readonly clientId: string;
  readonly softwareName: string;
  readonly softwareVersion: string;
  readonly sourceAddress: string;
  readonly sourcePort: string;
}

export interface ClientSeries {
  readonly instanceId: string;
  readonly client: ClientIdentity;
  readonly points: readonly MetricPoint[];
}

interface Instance {
  readonly id: string;
  readonly client: ClientIdentity;
  readonly subscriptionId: number;
  readonly intervalMs: number;
  readonly metrics: readonly string[];
  lastGetMs: number;
  lastPushMs: number;
  /** A GetTelemetrySubscriptions came after the last accepted push (Kafka compares timestamps; a flag survives both in one millisecond). */
  askedSincePush: boolean;
  terminating: boolean;
  /** The last push's error: after UNKNOWN_SUBSCRIPTION_ID or UNSUPPORTED_COMPRESSION_TYPE the client may ask again at once. */
  lastError: number;
  points: readonly MetricPoint[];
}

export interface SubscriptionAnswer {
  readonly errorCode: number;
  readonly clientInstanceId: string;
  readonly subscriptionId: number;
  readonly acceptedCompressionTypes: readonly number[];
  readonly pushIntervalMs: number;
  readonly telemetryMaxBytes: number;
  readonly deltaTemporality: boolean;
  readonly requestedMetrics: readonly string[];
}

export interface PushRequest {
  readonly clientInstanceId: string;
  readonly subscriptionId: number;
  readonly terminating: boolean;
  readonly compressionType: number;
  readonly metrics: Buffer;
}

export class ClientMetricsManager {
  private readonly instances = new Map<string, Instance>();
  /** ApiVersions' client software name and version, per connection (Kafka's ClientInformation). */
  private readonly software = new Map<number, { name: string; version: string }>();
  private readonly image: () => MetadataImage;
  private readonly maxBytes: () => number;
  private readonly log: (line: string) => void;

  constructor(image: () => MetadataImage, maxBytes: () => number, log: (line: string) => void = () => {}) {
    this.image = image;
    this.maxBytes = maxBytes;
    this.log = log;
  }

  noteSoftware(connectionId: number, name: string, version: string): void {
    this.software.delete(connectionId);
    this.software.set(connectionId, { name, version });
    if (this.software.size > SOFTWARE_MAX) this.software.delete(this.software.keys().next().value!);
  }

  softwareOf(connectionId: number): { name: string; version: string } {
    return this.software.get(connectionId) ?? { name: '', version: '' };
  }

  /**
   * Kafka's rule: the zero id gets a new instance id; a known instance is
   * re-evaluated when what it matches changed, and otherwise may ask again
   * only once a push interval has passed since its last request.
   */
  getSubscriptions(instanceId: string, client: ClientIdentity, nowMs: number): SubscriptionAnswer {
    this.expire(nowMs);
    const id = instanceId === ZERO_UUID ? newInstanceId() : instanceId;
    const instance = this.instance(id, client);
    const answer = {
      clientInstanceId: id,
      subscriptionId: instance.subscriptionId,
      acceptedCompressionTypes: ACCEPTED_COMPRESSION_TYPES,
      pushIntervalMs: instance.intervalMs,
      telemetryMaxBytes: this.maxBytes(),
      // Cumulative sums (Kafka asks for deltas): /metrics shows the latest value, which a Prometheus counter wants whole.
      deltaTemporality: false,
      requestedMetrics: instance.metrics,
    };
    const mayAskAgain = instance.lastError === ErrorCode.UNKNOWN_SUBSCRIPTION_ID || instance.lastError === ErrorCode.UNSUPPORTED_COMPRESSION_TYPE;
    if (!mayAskAgain && nowMs - Math.max(instance.lastGetMs, instance.lastPushMs) < instance.intervalMs) {
      return { ...answer, errorCode: ErrorCode.THROTTLING_QUOTA_EXCEEDED, clientInstanceId: ZERO_UUID, subscriptionId: 0, requestedMetrics: [] };
    }
    instance.lastGetMs = nowMs;
    instance.askedSincePush = true;
    instance.lastError = ErrorCode.NONE;
    return { ...answer, errorCode: ErrorCode.NONE };
  }

  /** A push's error code, Kafka's checks in Kafka's order; NONE once its metrics are kept. */
  push(request: PushRequest, client: ClientIdentity, nowMs: number): number {
    this.expire(nowMs);
    if (request.clientInstanceId === ZERO_UUID) return ErrorCode.INVALID_REQUEST;
    const instance = this.instance(request.clientInstanceId, client);
    const refusal = this.pushRefusal(instance, request, nowMs);
    // As Kafka: the terminating flag is kept whatever the answer.
    instance.terminating = request.terminating;
    instance.lastError = refusal;
    if (refusal !== ErrorCode.NONE) return refusal;
    if (request.terminating) {
      instance.points = [];
      return ErrorCode.NONE;
    }
    if (request.metrics.length === 0) return ErrorCode.NONE;
    try {
      const payload = decompress(request.compressionType, request.metrics, this.maxBytes() * DECOMPRESSED_FACTOR);
      const wanted = instance.metrics;
      instance.points = decodeMetricsData(payload).filter((p) => wanted.some((prefix) => prefix === '*' || p.name.startsWith(prefix)));
    } catch (e) {
      this.log(`client ${instance.id} (${instance.client.clientId}) pushed metrics that cannot be read: ${(e as Error).message}`);
      instance.lastError = ErrorCode.INVALID_RECORD;
      return ErrorCode.INVALID_RECORD;
    }
    return ErrorCode.NONE;
  }

  /** Kafka's checks of a push, in Kafka's order. */
  private pushRefusal(instance: Instance, request: PushRequest, nowMs: number): number {
    if (instance.terminating) return ErrorCode.INVALID_REQUEST;
    // The first push after a GetTelemetrySubscriptions is always accepted (clients jitter it); later ones a full interval apart.
    const accepted = instance.askedSincePush || nowMs - instance.lastPushMs >= instance.intervalMs;
    if (accepted) {
      instance.lastPushMs = nowMs;
      instance.askedSincePush = false;
    }
    else if (!request.terminating) return ErrorCode.THROTTLING_QUOTA_EXCEEDED;
    if (instance.subscriptionId !== request.subscriptionId) return ErrorCode.UNKNOWN_SUBSCRIPTION_ID;
    if (request.compressionType !== CompressionCodec.NONE && !ACCEPTED_COMPRESSION_TYPES.includes(request.compressionType)) {
      return ErrorCode.UNSUPPORTED_COMPRESSION_TYPE;
    }
    if (request.metrics.length > this.maxBytes()) return ErrorCode.TELEMETRY_TOO_LARGE;
    return ErrorCode.NONE;
  }

  /** The latest points of every live client, for /metrics. */
  series(nowMs: number): ClientSeries[] {
    this.expire(nowMs);
    return [...this.instances.values()]
      .filter((i) => i.points.length > 0)
      .map((i) => ({ instanceId: i.id, client: i.client, points: i.points }));
  }

  /**
   * The instance under `id`, (re)evaluated against the subscriptions now: a
   * new one (also for an id this broker never saw, as after a restart) or one
   * whose subscription changed starts afresh, as Kafka re-creates it; else the
   * known one, which keeps the identity of its first request.
   */
  private instance(id: string, client: ClientIdentity): Instance {
    const known = this.instances.get(id);
    const identity = known?.client ?? client;
    const matching = clientMetricsSubscriptions(this.image()).filter((s) => matches(s, id, identity));
    const metrics = requestedMetrics(matching);
    const intervalMs = matching.length === 0 ? CLIENT_METRICS_INTERVAL_DEFAULT : Math.min(...matching.map((s) => s.intervalMs));
    const subscriptionId = subscriptionIdOf(id, metrics, intervalMs);
    if (known !== undefined && known.subscriptionId === subscriptionId && known.intervalMs === intervalMs) return known;
    const instance: Instance = {
      id, client: identity, subscriptionId, intervalMs, metrics, lastGetMs: 0, lastPushMs: 0, askedSincePush: false, terminating: false, lastError: ErrorCode.NONE, points: [],
    };
    this.instances.delete(id);
    this.instances.set(id, instance);
    if (this.instances.size > INSTANCES_MAX) this.instances.delete(this.instances.keys().next().value!);
    return instance;
  }

  /** Drops instances silent for three push intervals, and terminated ones once their interval has passed. */
  private expire(nowMs: number): void {
    for (const [id, i] of this.instances) {
      const last = Math.max(i.lastGetMs, i.lastPushMs);
      if (nowMs - last > 3 * i.intervalMs || (i.terminating && nowMs - last > i.intervalMs)) this.instances.delete(id);
    }
  }
}

function newInstanceId(): string {
  return randomBytes(16).toString('base64url');
}

/** Every selector of a subscription must match the client's value (the whole value, as Java's Matcher.matches). */
export function matches(s: ClientMetricsSubscription, instanceId: string, client: ClientIdentity): boolean {
  const values: Record<ClientMatchSelector, string> = {
    client_instance_id: instanceId,
    client_id: client.clientId,
    client_software_name: client.softwareName,
    client_software_version: client.softwareVersion,
    client_source_address: client.sourceAddress,
    client_source_port: client.sourcePort,
  };
  for (const [selector, regex] of s.match) {
    if (!regex.test(values[selector])) return false;
  }
  return true;
}

/** The union of the prefixes, or ['*'] alone (as Kafka answers) when one subscription asks for every metric. */
function requestedMetrics(matching: readonly ClientMetricsSubscription[]): string[] {
  const all = new Set<string>();
  for (const s of matching) for (const m of s.metrics) all.add(m);
  if (all.has('*')) return ['*'];
  return [...all].sort();
}

/** A hash of what the client was asked for, so a changed subscription gives a new id and the client asks again. */
function subscriptionIdOf(instanceId: string, metrics: readonly string[], intervalMs: number): number {
  return crc32c(Buffer.from(`${instanceId}|${metrics.join(',')}|${intervalMs}`, 'utf8')) | 0;
}
