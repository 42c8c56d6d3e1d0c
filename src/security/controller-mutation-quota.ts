/**
 * `controller_mutation_rate` (KIP-599): partitions created or deleted by
 * CreateTopics, CreatePartitions and DeleteTopics, metered per user and
 * client id with Kafka's precedence (the same table as the other client
 * quotas) in a token bucket, as Kafka's ControllerMutationQuotaManager does:
 *
 *   - The bucket holds up to quota × quota.window.num × quota.window.size.seconds
 *     tokens (the burst) and refills at the quota per second; it starts full.
 *   - Each topic's partitions are taken from it, which may leave it in debt.
 *   - Strict (the request versions that can answer THROTTLING_QUOTA_EXCEEDED:
 *     CreateTopics v6+, CreatePartitions v3+, DeleteTopics v5+): a topic that
 *     arrives while the bucket is in debt is refused, and the response's
 *     throttle time is the time the debt takes to repay.
 *   - Permissive (older versions): every topic goes through; a debt left
 *     after recording becomes the throttle time.
 *
 * Pure of clocks: times come in as arguments.
 */
import { ClientQuotaManager, QuotaKey, principalUser, type QuotaEntry, type QuotaWindowConfig } from './quotas.ts';

/** Buckets kept at once; past it they start afresh (Kafka expires idle quota sensors after an hour). */
const MUTATION_BUCKETS_MAX = 10_000;

/** Kafka's TokenBucket stat: tokens refill at `quota` per second up to `burst`. */
export class TokenBucket {
  private tokens: number;
  private lastUpdateMs: number;

  constructor(burst: number, nowMs: number) {
    this.tokens = burst;
    this.lastUpdateMs = nowMs;
  }

  /** The tokens left after refilling to `nowMs`; negative while in debt. */
  measure(quota: number, burst: number, nowMs: number): number {
    this.tokens = Math.min(burst, this.tokens + (quota * Math.max(0, nowMs - this.lastUpdateMs)) / 1000);
    this.lastUpdateMs = Math.max(this.lastUpdateMs, nowMs);
    return this.tokens;
  }

  record(value: number, quota: number, burst: number, nowMs: number): number {
    this.measure(quota, burst, nowMs);
    this.tokens = Math.min(burst, this.tokens - value);
    return this.tokens;
  }
}

/** Kafka's throttle time for a bucket in debt: how long the debt takes to refill, in whole ms. */
export function debtThrottleMs(tokens: number, quota: number): number {
  return tokens >= 0 ? 0 : Math.round((-tokens / quota) * 1000);
}

/** One request's view of the quota: the handler takes partitions from it topic by topic. */
export interface ControllerMutationQuota {
  /** Takes `partitions` mutations; false when the topic is refused (strict, and the bucket already in debt). */
  record(partitions: number): boolean;
  /** Gives back what a topic took that the controller then refused (Kafka counts a topic only once it is valid). */
  unrecord(partitions: number): void;
  /** The throttle time for the response, less the time since it was computed. */
  throttleTimeMs(): number;
}

const UNBOUNDED: ControllerMutationQuota = Object.freeze({ record: () => true, unrecord: () => undefined, throttleTimeMs: () => 0 });

export class ControllerMutationQuotaManager {
  private readonly window: QuotaWindowConfig;
  private readonly clock: () => number;
  /** The quota levels, for Kafka's precedence only. */
  private readonly levels: ClientQuotaManager;
  private buckets = new Map<string, TokenBucket>();

  /** `clock`: the current time in ms (the broker's clock). */
  constructor(window: QuotaWindowConfig, clock: () => number) {
    this.window = window;
    this.clock = clock;
    this.levels = new ClientQuotaManager(QuotaKey.ControllerMutationRate, window);
  }

  get enabled(): boolean {
    return this.levels.enabled;
  }

  update(entries: readonly QuotaEntry[]): void {
    this.levels.update(entries);
    if (!this.levels.enabled) this.buckets = new Map();
  }

  /** The quota a request of this principal and client id is metered against; `strict` for the versions that can be refused. */
  quotaFor(principal: string, clientId: string, strict: boolean): ControllerMutationQuota {
    if (!this.levels.enabled) return UNBOUNDED;
    const quota = this.levels.quotaFor(principalUser(principal), clientId);
    if (quota === null) return UNBOUNDED;
    const burst = quota.bound * this.window.samples * (this.window.windowMs / 1000);
    const key = `${quota.user}\u0000${quota.clientId}`;
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      if (this.buckets.size >= MUTATION_BUCKETS_MAX) this.buckets = new Map();
      bucket = new TokenBucket(burst, this.clock());
      this.buckets.set(key, bucket);
    }
    return new RequestMutationQuota(bucket, quota.bound, burst, strict, this.clock);
  }
}

class RequestMutationQuota implements ControllerMutationQuota {
  private readonly bucket: TokenBucket;
  private readonly quota: number;
  private readonly burst: number;
  private readonly strict: boolean;
  private readonly clock: () => number;
  private lastThrottleMs = 0;
  private lastRecordedMs = 0;

  constructor(bucket: TokenBucket, quota: number, burst: number, strict: boolean, clock: () => number) {
    this.bucket = bucket;
    this.quota = quota;
    this.burst = burst;
    this.strict = strict;
    this.clock = clock;
  }

  record(partitions: number): boolean {
    const nowMs = this.clock();
    if (this.strict) {
      // Kafka's StrictControllerMutationQuota: check first, then record (which may go into debt).
      const tokens = this.bucket.measure(this.quota, this.burst, nowMs);
      if (tokens < 0) {
        this.throttled(tokens, nowMs);
        return false;
      }
      this.bucket.record(partitions, this.quota, this.burst, nowMs);
      return true;
    }
    const tokens = this.bucket.record(partitions, this.quota, this.burst, nowMs);
    if (tokens < 0) this.throttled(tokens, nowMs);
    return true;
  }

  unrecord(partitions: number): void {
    this.bucket.record(-partitions, this.quota, this.burst, this.clock());
  }

  throttleTimeMs(): number {
    return Math.max(0, this.lastThrottleMs - (this.clock() - this.lastRecordedMs));
  }

  private throttled(tokens: number, nowMs: number): void {
    this.lastThrottleMs = debtThrottleMs(tokens, this.quota);
    this.lastRecordedMs = nowMs;
  }
}
