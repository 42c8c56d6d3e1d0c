/**
 * KIP-714 client-metrics subscriptions as Kafka keeps them: CLIENT_METRICS
 * config resources (type 16), one per subscription name, holding `metrics`
 * (metric-name prefixes, `*` for all), `interval.ms` (how often matching
 * clients push) and `match` (client selectors, `selector=regex`). They are
 * ConfigRecords in the metadata log like topic and broker overrides.
 */
import { ErrorCode } from '../protocol/index.ts';
import type { MetadataImage } from './image.ts';

export const CLIENT_METRICS_RESOURCE = 16;
export const CLIENT_METRICS_METRICS = 'metrics';
export const CLIENT_METRICS_INTERVAL = 'interval.ms';
export const CLIENT_METRICS_MATCH = 'match';
export const CLIENT_METRICS_INTERVAL_DEFAULT = 300_000;
export const CLIENT_METRICS_INTERVAL_MIN = 100;
export const CLIENT_METRICS_INTERVAL_MAX = 3_600_000;

/** The selectors a `match` entry may name (Kafka's ClientMetricsConfigs). */
export const CLIENT_MATCH_SELECTORS = [
  'client_instance_id', 'client_id', 'client_software_name', 'client_software_version', 'client_source_address', 'client_source_port',
] as const;
export type ClientMatchSelector = (typeof CLIENT_MATCH_SELECTORS)[number];

export interface ClientMetricsSubscription {
  readonly name: string;
  /** Metric-name prefixes; empty means none, '*' means all. */
  readonly metrics: readonly string[];
  readonly intervalMs: number;
  /** Every selector must match; none means every client. */
  readonly match: ReadonlyMap<ClientMatchSelector, RegExp>;
}

export interface ClientMetricsConfigDef {
  readonly name: string;
  readonly type: 'list' | 'int';
  readonly default: string;
  readonly documentation: string;
}

export const CLIENT_METRICS_CONFIG_DEFS: readonly ClientMetricsConfigDef[] = [
  { name: CLIENT_METRICS_METRICS, type: 'list', default: '', documentation: 'Telemetry metric name prefixes the matching clients push; * for all.' },
  { name: CLIENT_METRICS_INTERVAL, type: 'int', default: String(CLIENT_METRICS_INTERVAL_DEFAULT), documentation: 'How often the matching clients push metrics, in milliseconds.' },
  { name: CLIENT_METRICS_MATCH, type: 'list', default: '', documentation: 'Client selectors (selector=regex): client_id, client_instance_id, client_software_name, client_software_version, client_source_address, client_source_port.' },
];

export interface ClientMetricsError {
  readonly errorCode: number;
  readonly errorMessage: string;
}

function splitList(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/** A `match` entry's selector and regex, or why it is refused (Kafka's message: the same for every fault). */
function parseMatch(entry: string): { selector: ClientMatchSelector; regex: RegExp } | string {
  const refusal = `Illegal client matching pattern: ${entry}`;
  // Java's split("="): exactly one '=' (trailing empty parts dropped, so `client_id=` has one part).
  const parts = entry.split('=');
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  if (parts.length !== 2) return refusal;
  const selector = parts[0]!.trim();
  if (!(CLIENT_MATCH_SELECTORS as readonly string[]).includes(selector)) return refusal;
  try {
    // Java's Matcher.matches(): the whole value must match.
    return { selector: selector as ClientMatchSelector, regex: new RegExp(`^(?:${parts[1]!.trim()})$`) };
  } catch {
    return refusal;
  }
}

/**
 * Kafka's ClientMetricsConfigs.validate: a subscription name, only the three
 * configs, an interval within bounds and well-formed selectors. Null when valid.
 */
export function clientMetricsConfigError(name: string, configs: ReadonlyMap<string, string>): ClientMetricsError | null {
  const invalid = (errorMessage: string): ClientMetricsError => ({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage });
  if (name === '') return invalid("Subscription name can't be empty");
  const unknown = [...configs.keys()].filter((k) => !CLIENT_METRICS_CONFIG_DEFS.some((d) => d.name === k));
  if (unknown.length > 0) return invalid(`Unknown client metrics configuration: ${unknown[0]}`);
  const interval = configs.get(CLIENT_METRICS_INTERVAL);
  if (interval !== undefined) {
    const n = /^[+-]?\d+$/.test(interval.trim()) ? Number(interval.trim()) : NaN;
    if (!Number.isFinite(n)) {
      return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: `Invalid value ${interval} for configuration ${CLIENT_METRICS_INTERVAL}: Not a number of type INT` };
    }
    if (n < CLIENT_METRICS_INTERVAL_MIN || n > CLIENT_METRICS_INTERVAL_MAX) {
      return invalid(`Invalid value ${n} for ${CLIENT_METRICS_INTERVAL}, interval must be between ${CLIENT_METRICS_INTERVAL_MIN} and ${CLIENT_METRICS_INTERVAL_MAX} (1 hour)`);
    }
  }
  for (const entry of splitList(configs.get(CLIENT_METRICS_MATCH))) {
    const parsed = parseMatch(entry);
    // InvalidConfigurationException in Kafka.
    if (typeof parsed === 'string') return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: parsed };
  }
  return null;
}

/** One subscription from its stored configs (already validated when written; a bad selector is dropped). */
export function clientMetricsSubscription(name: string, configs: ReadonlyMap<string, string>): ClientMetricsSubscription {
  const match = new Map<ClientMatchSelector, RegExp>();
  for (const entry of splitList(configs.get(CLIENT_METRICS_MATCH))) {
    const parsed = parseMatch(entry);
    if (typeof parsed !== 'string') match.set(parsed.selector, parsed.regex);
  }
  const interval = Number(configs.get(CLIENT_METRICS_INTERVAL) ?? CLIENT_METRICS_INTERVAL_DEFAULT);
  return {
    name,
    metrics: splitList(configs.get(CLIENT_METRICS_METRICS)),
    intervalMs: Number.isInteger(interval) ? interval : CLIENT_METRICS_INTERVAL_DEFAULT,
    match,
  };
}

/** Every subscription in the image, by name. */
export function clientMetricsSubscriptions(image: MetadataImage): ClientMetricsSubscription[] {
  const out: ClientMetricsSubscription[] = [];
  const prefix = `${CLIENT_METRICS_RESOURCE}:`;
  for (const [key, configs] of image.configs) {
    if (key.startsWith(prefix)) out.push(clientMetricsSubscription(key.slice(prefix.length), configs));
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
