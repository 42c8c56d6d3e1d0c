/**
 * From text to typed configs: the broker's static config (server.properties,
 * overrides) and a topic's effective config (its overrides over the broker's
 * synonyms over Kafka's defaults).
 *
 * Every failure is one line naming the config: `unknown config 'foo.bar'` or
 * `invalid value 'x' for config 'num.partitions': <reason>`.
 */
import { ErrorCode } from '../../protocol/index.ts';
import { brokerConfigDef } from './broker-configs.ts';
import { canonicalText, invalidValueMessage, parseValue, type ConfigDef, type ConfigValue } from './config-def.ts';
import { checkConsumerGroups, checkKraft, checkListeners, checkLogDirs } from './broker-checks.ts';
import { buildBrokerConfig, type BrokerConfig, type CleanupPolicy, type CompressionType, type TimestampType } from './broker-config.ts';
import { TOPIC_CONFIGS, topicConfigDef, type TopicConfigDef } from './topic-configs.ts';

export { parseProperties, PropertiesSyntaxError } from './properties.ts';

/**
 * Keys with these prefixes are kept in `raw` without being checked:
 * per-listener overrides (`listener.name.<name>.<config>`) and the settings
 * Kafka hands to remote-storage plugins (`rsm.config.`, `rlmm.config.`).
 */
export const PASS_THROUGH_PREFIXES: readonly string[] = ['listener.name.', 'rsm.config.', 'rlmm.config.'];

export function isPassThroughKey(key: string): boolean {
  return PASS_THROUGH_PREFIXES.some((prefix) => key.startsWith(prefix) && key.length > prefix.length);
}

export type { BrokerConfig, CleanupPolicy, CompressionType, SecurityProtocol, TimestampType } from './broker-config.ts';

/** A topic's effective config. Long values saturate as in BrokerConfig. */
export interface TopicConfig {
  readonly cleanupPolicy: CleanupPolicy[];
  readonly compressionType: CompressionType;
  readonly compressionGzipLevel: number;
  readonly compressionLz4Level: number;
  readonly compressionZstdLevel: number;
  readonly deleteRetentionMs: number;
  readonly fileDeleteDelayMs: number;
  readonly flushMessages: number;
  readonly flushMs: number;
  readonly indexIntervalBytes: number;
  readonly maxCompactionLagMs: number;
  readonly maxMessageBytes: number;
  readonly messageTimestampAfterMaxMs: number;
  readonly messageTimestampBeforeMaxMs: number;
  readonly messageTimestampType: TimestampType;
  readonly minCleanableDirtyRatio: number;
  readonly minCompactionLagMs: number;
  readonly minInsyncReplicas: number;
  readonly preallocate: boolean;
  readonly retentionBytes: number;
  readonly retentionMs: number;
  /** segment.bytes, or internal.segment.bytes when that is set. */
  readonly segmentBytes: number;
  readonly segmentIndexBytes: number;
  readonly segmentJitterMs: number;
  readonly segmentMs: number;
  readonly uncleanLeaderElectionEnable: boolean;
}

export type BrokerConfigResult = { readonly ok: true; readonly config: BrokerConfig } | { readonly ok: false; readonly error: string };
export type TopicConfigResult =
  | { readonly ok: true; readonly config: TopicConfig }
  | { readonly ok: false; readonly error: string; readonly configName: string };

/** What CreateTopics and AlterConfigs answer for a bad topic config. */
export interface TopicConfigError {
  readonly errorCode: typeof ErrorCode.INVALID_CONFIG;
  readonly errorMessage: string;
  readonly configName: string;
}

function hasOwn(map: Readonly<Record<string, string>>, key: string): boolean {
  return Object.hasOwn(map, key);
}

// ---------------------------------------------------------------- topic values

/** Where a topic config's value came from: its override, a broker synonym, or the topic default. */
export interface TopicValueOrigin {
  /** Canonical text of the effective value. */
  readonly text: string | null;
  /** The config whose value it is: a broker synonym, or the topic config itself for its own default. */
  readonly from: string;
}

const HOUR_MS = 3_600_000n;
const MINUTE_MS = 60_000n;

/** A broker synonym's text in the topic config's units, or an error message naming the broker config. */
function fromBrokerSynonym(def: TopicConfigDef, synonym: string, unit: 'minutes' | 'hours' | undefined, text: string): string | { error: string } {
  const brokerDef = brokerConfigDef(synonym)!;
  const canonical = canonicalText(brokerDef, text);
  if (canonical === null) return { error: invalidValueMessage(synonym, text, parseError(brokerDef, text)) };
  let converted = canonical;
  if (unit !== undefined || def.negativeBrokerValueIsUnlimited === true) {
    let n = BigInt(canonical) * (unit === 'hours' ? HOUR_MS : unit === 'minutes' ? MINUTE_MS : 1n);
    if (def.negativeBrokerValueIsUnlimited === true && n < 0n) n = -1n;
    converted = n.toString();
  }
  const parsed = parseValue(def, converted);
  if (!parsed.ok) return { error: invalidValueMessage(synonym, text, `as ${def.name}: ${parsed.error}`) };
  return converted;
}

function parseError(def: ConfigDef, text: string): string {
  const parsed = parseValue(def, text);
  return parsed.ok ? 'unexpected' : parsed.error;
}

/**
 * The value a topic without an override gets: the first broker synonym that is
 * set, else the first with a default, else the topic config's own default.
 */
export function topicDefault(def: TopicConfigDef, raw: Readonly<Record<string, string>>): TopicValueOrigin | { error: string } {
  for (const syn of def.synonyms) {
    if (!hasOwn(raw, syn.name)) continue;
    const text = fromBrokerSynonym(def, syn.name, syn.unit, raw[syn.name]!);
    return typeof text === 'string' ? { text, from: syn.name } : text;
  }
  for (const syn of def.synonyms) {
    const brokerDefault = brokerConfigDef(syn.name)!.default;
    if (brokerDefault === null) continue;
    const text = fromBrokerSynonym(def, syn.name, syn.unit, brokerDefault);
    return typeof text === 'string' ? { text, from: syn.name } : text;
  }
  return { text: def.default === null ? null : canonicalText(def, def.default), from: def.name };
}

function configError(configName: string, error: string): { ok: false; error: string; configName: string } {
  return { ok: false, error, configName };
}

/** Checks override names and values; returns the first problem. */
function checkOverrides(overrides: Readonly<Record<string, string>>): { error: string; configName: string } | null {
  for (const [name, text] of Object.entries(overrides)) {
    const def = topicConfigDef(name);
    if (def === undefined) return { error: `unknown topic config '${name}'`, configName: name };
    const parsed = parseValue(def, text);
    if (!parsed.ok) return { error: invalidValueMessage(name, text, parsed.error), configName: name };
  }
  return null;
}

/**
 * Kafka's one cross-field rule for topics: min.compaction.lag.ms may not exceed
 * max.compaction.lag.ms. The message names where each value came from.
 */
function checkCompactionLag(texts: ReadonlyMap<string, string | null>, from: ReadonlyMap<string, string>): { error: string; configName: string } | null {
  const min = texts.get('min.compaction.lag.ms')!;
  const max = texts.get('max.compaction.lag.ms')!;
  if (BigInt(min) <= BigInt(max)) return null;
  const minFrom = from.get('min.compaction.lag.ms')!;
  return { error: invalidValueMessage(minFrom, min, `must not exceed ${from.get('max.compaction.lag.ms')} (${max})`), configName: minFrom };
}

/** Effective canonical text of every topic config, or the first error. `raw` null means no broker config. */
function effectiveTopicTexts(
  raw: Readonly<Record<string, string>> | null, overrides: Readonly<Record<string, string>>,
): ReadonlyMap<string, string | null> | { error: string; configName: string } {
  const overrideError = checkOverrides(overrides);
  if (overrideError !== null) return overrideError;
  const texts = new Map<string, string | null>();
  const from = new Map<string, string>();
  for (const def of TOPIC_CONFIGS) {
    if (hasOwn(overrides, def.name)) {
      texts.set(def.name, canonicalText(def, overrides[def.name]!));
      from.set(def.name, def.name);
      continue;
    }
    const origin = raw === null
      ? { text: def.default === null ? null : canonicalText(def, def.default), from: def.name }
      : topicDefault(def, raw);
    if ('error' in origin) return { error: origin.error, configName: def.name };
    texts.set(def.name, origin.text);
    from.set(def.name, origin.from);
  }
  return checkCompactionLag(texts, from) ?? texts;
}

function typedTopicConfig(texts: ReadonlyMap<string, string | null>): TopicConfig {
  const value = (name: string): ConfigValue => {
    const text = texts.get(name);
    if (text === undefined || text === null) return null;
    const parsed = parseValue(topicConfigDef(name)!, text);
    if (!parsed.ok) throw new Error(`topic config '${name}' was not validated: ${parsed.error}`);
    return parsed.value;
  };
  const num = (name: string): number => value(name) as number;
  const internalSegmentBytes = value('internal.segment.bytes');
  return {
    cleanupPolicy: value('cleanup.policy') as CleanupPolicy[],
    compressionType: value('compression.type') as CompressionType,
    compressionGzipLevel: num('compression.gzip.level'),
    compressionLz4Level: num('compression.lz4.level'),
    compressionZstdLevel: num('compression.zstd.level'),
    deleteRetentionMs: num('delete.retention.ms'),
    fileDeleteDelayMs: num('file.delete.delay.ms'),
    flushMessages: num('flush.messages'),
    flushMs: num('flush.ms'),
    indexIntervalBytes: num('index.interval.bytes'),
    maxCompactionLagMs: num('max.compaction.lag.ms'),
    maxMessageBytes: num('max.message.bytes'),
    messageTimestampAfterMaxMs: num('message.timestamp.after.max.ms'),
    messageTimestampBeforeMaxMs: num('message.timestamp.before.max.ms'),
    messageTimestampType: value('message.timestamp.type') as TimestampType,
    minCleanableDirtyRatio: num('min.cleanable.dirty.ratio'),
    minCompactionLagMs: num('min.compaction.lag.ms'),
    minInsyncReplicas: num('min.insync.replicas'),
    preallocate: value('preallocate') as boolean,
    retentionBytes: num('retention.bytes'),
    retentionMs: num('retention.ms'),
    segmentBytes: internalSegmentBytes === null ? num('segment.bytes') : (internalSegmentBytes as number),
    segmentIndexBytes: num('segment.index.bytes'),
    segmentJitterMs: num('segment.jitter.ms'),
    segmentMs: num('segment.ms'),
    uncleanLeaderElectionEnable: value('unclean.leader.election.enable') as boolean,
  };
}

/** A topic's effective config: `overrides` (its dynamic topic configs) over the broker's synonyms over the defaults. */
export function topicConfig(broker: BrokerConfig, overrides: Readonly<Record<string, string>>): TopicConfigResult {
  const texts = effectiveTopicTexts(broker.raw, overrides);
  if ('error' in texts) return configError(texts.configName, texts.error);
  return { ok: true, config: typedTopicConfig(texts) };
}

/**
 * Checks topic configs as CreateTopics and AlterConfigs receive them: names,
 * values, and min.compaction.lag.ms against max.compaction.lag.ms (each
 * falling back to its topic default). Returns null when they are fine.
 */
export function validateTopicConfigs(overrides: Readonly<Record<string, string>>): TopicConfigError | null {
  const texts = effectiveTopicTexts(null, overrides);
  if (!('error' in texts)) return null;
  return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: texts.error, configName: texts.configName };
}

// ---------------------------------------------------------------- broker config

/** Checks every key and value; returns the raw map or the first error. */
function checkBrokerProps(props: Readonly<Record<string, string>>): { ok: true; raw: Record<string, string> } | { ok: false; error: string } {
  const raw: Record<string, string> = {};
  for (const [key, given] of Object.entries(props) as [string, unknown][]) {
    const def = brokerConfigDef(key);
    if (def === undefined && !isPassThroughKey(key)) return { ok: false, error: `unknown config '${key}'` };
    // JavaScript callers may pass numbers or booleans; anything else is a mistake
    if (typeof given === 'object' || typeof given === 'function' || typeof given === 'symbol' || given === undefined) {
      return { ok: false, error: invalidValueMessage(key, String(given), 'must be given as text') };
    }
    const text = String(given);
    if (def !== undefined) {
      const parsed = parseValue(def, text);
      if (!parsed.ok) return { ok: false, error: invalidValueMessage(key, text, parsed.error) };
    }
    // defineProperty, so that a key such as __proto__ stays an ordinary entry
    Object.defineProperty(raw, key, { value: text, enumerable: true, writable: false, configurable: false });
  }
  return { ok: true, raw };
}

/**
 * The broker config from Kafka-named properties. Unknown keys (other than the
 * pass-through prefixes) and bad values are errors, as are inconsistent
 * listeners, quorum settings and log dirs, and broker values that make a bad
 * topic default (e.g. log.flush.interval.ms=-5).
 */
export function resolveBrokerConfig(props: Readonly<Record<string, string>>): BrokerConfigResult {
  const checked = checkBrokerProps(props);
  if (!checked.ok) return checked;
  const raw = Object.freeze(checked.raw);
  const crossError = checkKraft(raw) ?? checkListeners(raw) ?? checkLogDirs(raw) ?? checkConsumerGroups(raw);
  if (crossError !== null) return { ok: false, error: crossError };
  const topicTexts = effectiveTopicTexts(raw, {});
  if ('error' in topicTexts) return { ok: false, error: topicTexts.error };
  const topic = typedTopicConfig(topicTexts);
  const derived = { logRollMs: topic.segmentMs, logRetentionMs: topic.retentionMs, logFlushIntervalMs: topic.flushMs };
  return { ok: true, config: buildBrokerConfig(raw, derived) };
}
