/**
 * Client quota enforcement, after Kafka's ClientQuotaManager.
 *
 * Each quota type (producer_byte_rate, consumer_byte_rate, request_percentage)
 * has its own manager. A request's (user, client id) finds its quota by
 * Kafka's precedence, most specific first:
 *
 *   1. user + client id          5. <default> user + <default> client id
 *   2. user + <default> client   6. <default> user
 *   3. user                      7. client id
 *   4. <default> user + client   8. <default> client id
 *
 * The level that matched decides what is metered together, as in Kafka: a
 * user-only quota (3, 6) is shared by every client id of that user, a
 * client-only one (7, 8) by every user of that client id, the others per
 * (user, client id). A default entity gives each user (or client) its own
 * allowance of that size, not one allowance shared by all.
 *
 * Rates are Kafka's sampled rate: `quota.window.num` samples of
 * `quota.window.size.seconds` each; the rate is the samples' total over the
 * time they span, never less than (samples − 1) windows. A request is
 * recorded first, then checked; over the bound, its throttle time is what
 * brings the rate back to the bound with nothing more recorded:
 * (rate − bound) / bound × window span.
 *
 * Hot path: with no quota of a type configured, `record` returns at the
 * first check. With one, it is a map lookup by principal and client id and
 * an add to the current sample; resolution runs once per pair and quota change.
 */

import { ControllerMutationQuotaManager } from './controller-mutation-quota.ts';

/** Kafka's quota config keys, as ClientQuotaRecord carries them. */
export const QuotaKey = {
  ProducerByteRate: 'producer_byte_rate',
  ConsumerByteRate: 'consumer_byte_rate',
  RequestPercentage: 'request_percentage',
  ControllerMutationRate: 'controller_mutation_rate',
} as const;
export type QuotaKey = (typeof QuotaKey)[keyof typeof QuotaKey];

export interface QuotaWindowConfig {
  /** quota.window.num */
  readonly samples: number;
  /** quota.window.size.seconds, in ms. */
  readonly windowMs: number;
}

/** (user, client id) pairs metered at once per quota type; past it the meters start afresh (Kafka expires idle sensors after an hour). */
const QUOTA_SENSORS_MAX = 10_000;

/** A rate per second over sampled windows (Kafka's Rate over a SampledStat). */
export class SampledRate {
  private readonly windowMs: number;
  private readonly starts: Float64Array;
  private readonly totals: Float64Array;
  private current = 0;

  constructor(config: QuotaWindowConfig, nowMs: number) {
    if (!(config.samples >= 1 && config.windowMs >= 1)) throw new Error(`bad quota window ${config.samples} x ${config.windowMs} ms`);
    this.windowMs = config.windowMs;
    this.starts = new Float64Array(config.samples).fill(nowMs);
    this.totals = new Float64Array(config.samples);
  }

  record(value: number, nowMs: number): void {
    if (nowMs >= this.starts[this.current]! + this.windowMs) {
      this.current = (this.current + 1) % this.starts.length;
      this.starts[this.current] = nowMs;
      this.totals[this.current] = 0;
    }
    this.totals[this.current]! += value;
  }

  /** The time the samples span, in ms: from the oldest sample's start, at least (samples − 1) windows. */
  spanMs(nowMs: number): number {
    this.purge(nowMs);
    let oldest = nowMs;
    for (const start of this.starts) oldest = Math.min(oldest, start);
    const elapsedMs = nowMs - oldest;
    const fullWindowsMin = this.starts.length - 1;
    const fullWindows = Math.floor(elapsedMs / this.windowMs);
    return fullWindows < fullWindowsMin ? elapsedMs + (fullWindowsMin - fullWindows) * this.windowMs : elapsedMs;
  }

  /** Per second. */
  rate(nowMs: number): number {
    const spanMs = this.spanMs(nowMs);
    let total = 0;
    for (const t of this.totals) total += t;
    return spanMs <= 0 ? 0 : (total * 1000) / spanMs;
  }

  /** Samples older than all of them together can cover start afresh. */
  private purge(nowMs: number): void {
    const expireMs = this.starts.length * this.windowMs;
    for (let i = 0; i < this.starts.length; i++) {
      if (nowMs - this.starts[i]! >= expireMs) {
        this.starts[i] = nowMs;
        this.totals[i] = 0;
      }
    }
  }
}

/** How long to stay silent so that `rate` falls back to `bound` (Kafka's QuotaUtils.throttleTime), in whole ms. */
export function throttleTimeMs(rate: number, bound: number, spanMs: number): number {
  if (rate <= bound) return 0;
  return Math.round(((rate - bound) / bound) * spanMs);
}

/** A quota entity as the precedence table reads it: a part absent, the default, or a name. */
export interface QuotaEntry {
  /** undefined: no user part; null: <default>. */
  readonly user: string | null | undefined;
  readonly clientId: string | null | undefined;
  readonly value: number;
}

interface Meter {
  readonly bound: number;
  readonly rate: SampledRate;
}

const ABSENT = 'A';
function tag(name: string | null | undefined): string {
  return name === undefined ? ABSENT : name === null ? 'D' : `N${name}`;
}
function levelKey(user: string | null | undefined, clientId: string | null | undefined): string {
  return `${tag(user)}\u0000${tag(clientId)}`;
}

/** The user name of a principal: `User:alice` → `alice`. */
export function principalUser(principal: string): string {
  const at = principal.indexOf(':');
  return at < 0 ? principal : principal.slice(at + 1);
}

/**
 * One quota type's limits and meters. `update` takes the configured entries
 * (from the metadata image); `record` meters a request and answers its throttle time.
 */
export class ClientQuotaManager {
  readonly key: QuotaKey;
  private readonly window: QuotaWindowConfig;
  /** Throttle times above this are cut to it (Kafka bounds request-time throttles to one window); Infinity for none. */
  private readonly throttleMsMax: number;
  private levels = new Map<string, number>();
  /** Whether any quota of this type exists: when false, `record` does nothing. */
  enabled = false;
  /** By `${principal}\0${clientId}`: the meter that applies, or null when no quota does. */
  private resolved = new Map<string, Meter | null>();
  /** Rates by metered entity, kept across quota changes so a changed bound applies to the traffic so far. */
  private rates = new Map<string, SampledRate>();

  constructor(key: QuotaKey, window: QuotaWindowConfig, throttleMsMax = Infinity) {
    this.key = key;
    this.window = window;
    this.throttleMsMax = throttleMsMax;
  }

  update(entries: readonly QuotaEntry[]): void {
    const levels = new Map<string, number>();
    for (const e of entries) levels.set(levelKey(e.user, e.clientId), e.value);
    this.levels = levels;
    this.enabled = levels.size > 0;
    this.resolved = new Map();
    if (!this.enabled) this.rates = new Map();
  }

  /** Records `value` for this principal and client id; the throttle time in ms (0 when within quota or none applies). */
  record(principal: string, clientId: string, value: number, nowMs: number): number {
    if (!this.enabled) return 0;
    const pair = `${principal}\u0000${clientId}`;
    let meter = this.resolved.get(pair);
    if (meter === undefined) meter = this.resolve(pair, principalUser(principal), clientId, nowMs);
    if (meter === null) return 0;
    meter.rate.record(value, nowMs);
    const rate = meter.rate.rate(nowMs);
    if (rate <= meter.bound) return 0;
    return Math.min(this.throttleMsMax, throttleTimeMs(rate, meter.bound, meter.rate.spanMs(nowMs)));
  }

  /**
   * Takes back what `record` counted (Kafka's unrecordQuotaSensor: a
   * throttled fetch is answered empty, so its bytes were never sent).
   */
  unrecord(principal: string, clientId: string, value: number, nowMs: number): void {
    if (!this.enabled) return;
    this.resolved.get(`${principal}\u0000${clientId}`)?.rate.record(-value, nowMs);
  }

  /**
   * The most one request may add without being throttled for it alone:
   * the bound over the shortest span a rate is measured on, (samples − 1)
   * windows (Kafka's getMaxValueInQuotaWindow, which caps a consumer's
   * fetch size). Infinity when no quota applies.
   */
  maxValueInQuotaWindow(principal: string, clientId: string, nowMs: number): number {
    if (!this.enabled) return Infinity;
    const pair = `${principal}\u0000${clientId}`;
    let meter = this.resolved.get(pair);
    if (meter === undefined) meter = this.resolve(pair, principalUser(principal), clientId, nowMs);
    if (meter === null) return Infinity;
    return (meter.bound * (this.window.samples - 1) * this.window.windowMs) / 1000;
  }

  /** The quota bound and the metered entity (user, client id tags) for a pair, by Kafka's precedence; null when none. */
  quotaFor(user: string, clientId: string): { bound: number; user: string; clientId: string } | null {
    const order: [string | null | undefined, string | null | undefined, string, string][] = [
      [user, clientId, user, clientId],
      [user, null, user, clientId],
      [user, undefined, user, ''],
      [null, clientId, user, clientId],
      [null, null, user, clientId],
      [null, undefined, user, ''],
      [undefined, clientId, '', clientId],
      [undefined, null, '', clientId],
    ];
    for (const [u, c, meteredUser, meteredClient] of order) {
      const bound = this.levels.get(levelKey(u, c));
      if (bound !== undefined) return { bound, user: meteredUser, clientId: meteredClient };
    }
    return null;
  }

  private resolve(pair: string, user: string, clientId: string, nowMs: number): Meter | null {
    if (this.resolved.size >= QUOTA_SENSORS_MAX) this.resolved = new Map();
    if (this.rates.size >= QUOTA_SENSORS_MAX) this.rates = new Map();
    const quota = this.quotaFor(user, clientId);
    let meter: Meter | null = null;
    if (quota !== null) {
      const metered = `${quota.user}\u0000${quota.clientId}`;
      let rate = this.rates.get(metered);
      if (rate === undefined) {
        rate = new SampledRate(this.window, nowMs);
        this.rates.set(metered, rate);
      }
      meter = { bound: quota.bound, rate };
    }
    this.resolved.set(pair, meter);
    return meter;
  }
}

/** A quota entity part list as the metadata image holds it. */
export interface QuotaEntityView {
  readonly entity: readonly { readonly entityType: string; readonly entityName: string | null }[];
  readonly values: ReadonlyMap<string, number>;
}

/** The broker's client quota managers, fed from the metadata image's client quotas. */
export class ClientQuotas {
  readonly produce: ClientQuotaManager;
  readonly fetch: ClientQuotaManager;
  readonly request: ClientQuotaManager;
  /** controller_mutation_rate (KIP-599), a token bucket per metered entity: see controller-mutation-quota.ts. */
  readonly controllerMutation: ControllerMutationQuotaManager;
  /** Whether any of them has a quota: the dispatcher's one check when none does. */
  active = false;

  /** `clock`: the current time in ms, for the controller mutation buckets. */
  constructor(window: QuotaWindowConfig, clock: () => number = Date.now) {
    this.produce = new ClientQuotaManager(QuotaKey.ProducerByteRate, window);
    this.fetch = new ClientQuotaManager(QuotaKey.ConsumerByteRate, window);
    this.request = new ClientQuotaManager(QuotaKey.RequestPercentage, window, window.windowMs);
    this.controllerMutation = new ControllerMutationQuotaManager(window, clock);
  }

  update(quotas: Iterable<QuotaEntityView>): void {
    const byKey = new Map<string, QuotaEntry[]>();
    for (const q of quotas) {
      if (q.entity.some((p) => p.entityType !== 'user' && p.entityType !== 'client-id')) continue;
      const user = q.entity.find((p) => p.entityType === 'user');
      const client = q.entity.find((p) => p.entityType === 'client-id');
      for (const [key, value] of q.values) {
        const list = byKey.get(key) ?? [];
        list.push({ user: user === undefined ? undefined : user.entityName, clientId: client === undefined ? undefined : client.entityName, value });
        byKey.set(key, list);
      }
    }
    for (const m of [this.produce, this.fetch, this.request]) m.update(byKey.get(m.key) ?? []);
    this.controllerMutation.update(byKey.get(QuotaKey.ControllerMutationRate) ?? []);
    this.active = this.produce.enabled || this.fetch.enabled || this.request.enabled || this.controllerMutation.enabled;
  }
}
