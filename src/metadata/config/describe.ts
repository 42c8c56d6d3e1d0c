/**
 * Config entries as DescribeConfigs (v1+) and CreateTopics (v5+) report them:
 * value (null when sensitive), source, read-only flag, type, documentation and
 * synonyms.
 *
 * Topic synonyms: the topic override (TOPIC_CONFIG) first, then each broker
 * synonym set in the broker config (STATIC_BROKER_CONFIG), then each broker
 * synonym that has a default (DEFAULT_CONFIG), each group in Kafka's synonym
 * order. Kafka additionally drops every entry before the first one named after
 * the primary broker synonym, so retention.ms shows no synonyms there when only
 * log.retention.hours is set; Samsa keeps them, which is what the list is for.
 *
 * Broker synonyms follow Kafka exactly: the static entries of the synonym group,
 * then its defaults, starting at the config being described.
 *
 * Dynamic broker configs (dynamic.ts) come before the static ones in both
 * lists: per-broker (DYNAMIC_BROKER_CONFIG), then the cluster-wide default
 * (DYNAMIC_DEFAULT_BROKER_CONFIG), then STATIC_BROKER_CONFIG, then
 * DEFAULT_CONFIG, each group in synonym order. The cluster-wide default
 * resource ('') lists only the dynamic defaults that are set, as Kafka does.
 */
import { brokerText } from './broker-checks.ts';
import { BROKER_CONFIGS, brokerConfigDef, brokerSynonymNames } from './broker-configs.ts';
import { canonicalText, ConfigSource, configTypeOf, type ConfigDef, type ConfigType } from './config-def.ts';
import { dynamicBrokerConfigDef, layeredBrokerProps, NO_DYNAMIC_LAYERS, type DynamicBrokerLayers } from './dynamic.ts';
import { topicDefault, type BrokerConfig } from './resolve.ts';
import { TOPIC_CONFIGS, topicConfigDef, type TopicConfigDef } from './topic-configs.ts';

export interface DescribedSynonym {
  readonly name: string;
  readonly value: string | null;
  readonly source: ConfigSource;
}

export interface DescribedConfig {
  readonly name: string;
  readonly value: string | null;
  readonly source: ConfigSource;
  readonly readOnly: boolean;
  readonly isSensitive: boolean;
  readonly configType: ConfigType;
  readonly documentation: string;
  readonly synonyms: readonly DescribedSynonym[];
}

type Overrides = Readonly<Record<string, string>>;

/** Canonical text when it parses, else the text as stored; null for sensitive configs. */
function shown(def: ConfigDef, text: string | null): string | null {
  if (def.sensitive || text === null) return null;
  return canonicalText(def, text) ?? text;
}

function entry(def: ConfigDef, value: string | null, synonyms: readonly DescribedSynonym[]): DescribedConfig {
  return {
    name: def.name,
    value,
    source: synonyms[0]?.source ?? ConfigSource.DEFAULT_CONFIG,
    readOnly: def.updateMode === 'read-only',
    isSensitive: def.sensitive,
    configType: configTypeOf(def),
    documentation: def.documentation,
    synonyms,
  };
}

/** The broker layers that may set a value, highest precedence first. */
function brokerLayers(broker: BrokerConfig, dynamic: DynamicBrokerLayers): [Overrides, ConfigSource][] {
  return [
    [dynamic.perBroker, ConfigSource.DYNAMIC_BROKER_CONFIG],
    [dynamic.clusterDefault, ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG],
    [broker.raw, ConfigSource.STATIC_BROKER_CONFIG],
  ];
}

function topicSynonyms(def: TopicConfigDef, broker: BrokerConfig, overrides: Overrides, dynamic: DynamicBrokerLayers): DescribedSynonym[] {
  const synonyms: DescribedSynonym[] = [];
  if (Object.hasOwn(overrides, def.name)) {
    synonyms.push({ name: def.name, value: shown(def, overrides[def.name]!), source: ConfigSource.TOPIC_CONFIG });
  }
  for (const [layer, source] of brokerLayers(broker, dynamic)) {
    for (const syn of def.synonyms) {
      if (!Object.hasOwn(layer, syn.name)) continue;
      synonyms.push({ name: syn.name, value: shown(brokerConfigDef(syn.name)!, layer[syn.name]!), source });
    }
  }
  for (const syn of def.synonyms) {
    const brokerDef = brokerConfigDef(syn.name)!;
    if (brokerDef.default === null) continue;
    synonyms.push({ name: syn.name, value: shown(brokerDef, brokerDef.default), source: ConfigSource.DEFAULT_CONFIG });
  }
  return synonyms;
}

function describeTopicDef(def: TopicConfigDef, broker: BrokerConfig, overrides: Overrides, dynamic: DynamicBrokerLayers, layered: Overrides): DescribedConfig {
  let text: string | null;
  if (Object.hasOwn(overrides, def.name)) {
    text = overrides[def.name]!;
  } else {
    const origin = topicDefault(def, layered);
    text = 'error' in origin ? def.default : origin.text;
  }
  return entry(def, shown(def, text), topicSynonyms(def, broker, overrides, dynamic));
}

/** One topic config as DescribeConfigs reports it; null for a name that is not a topic config. `broker` is the static config. */
export function describeTopicConfig(
  name: string, broker: BrokerConfig, overrides: Overrides, dynamic: DynamicBrokerLayers = NO_DYNAMIC_LAYERS,
): DescribedConfig | null {
  const def = topicConfigDef(name);
  return def === undefined ? null : describeTopicDef(def, broker, overrides, dynamic, layeredBrokerProps(broker.raw, dynamic));
}

/**
 * A topic's configs: all of them (internal ones left out) when `names` is null
 * or empty, else those of `names` that exist, in definition order.
 */
export function describeTopicConfigs(
  broker: BrokerConfig, overrides: Overrides, names: readonly string[] | null = null, dynamic: DynamicBrokerLayers = NO_DYNAMIC_LAYERS,
): DescribedConfig[] {
  const wanted = names === null || names.length === 0 ? null : new Set(names);
  const layered = layeredBrokerProps(broker.raw, dynamic);
  return TOPIC_CONFIGS
    .filter((def) => (wanted === null ? def.internal !== true : wanted.has(def.name)))
    .map((def) => describeTopicDef(def, broker, overrides, dynamic, layered));
}

function brokerSynonyms(def: ConfigDef, broker: BrokerConfig, dynamic: DynamicBrokerLayers): DescribedSynonym[] {
  const group = brokerSynonymNames(def.name);
  const synonyms: DescribedSynonym[] = [];
  for (const [layer, source] of brokerLayers(broker, dynamic)) {
    for (const name of group) {
      if (!Object.hasOwn(layer, name)) continue;
      synonyms.push({ name, value: shown(brokerConfigDef(name)!, layer[name]!), source });
    }
  }
  for (const name of group) {
    const synonymDef = brokerConfigDef(name)!;
    if (synonymDef.default === null) continue;
    synonyms.push({ name, value: shown(synonymDef, synonymDef.default), source: ConfigSource.DEFAULT_CONFIG });
  }
  const first = synonyms.findIndex((s) => s.name === def.name);
  return first < 0 ? [] : synonyms.slice(first);
}

function describeBrokerDef(def: ConfigDef, broker: BrokerConfig, dynamic: DynamicBrokerLayers, layered: Overrides): DescribedConfig {
  return entry(def, shown(def, brokerText(layered, def.name)), brokerSynonyms(def, broker, dynamic));
}

/** One broker config as DescribeConfigs reports it; null for a name that is not a broker config. `broker` is the static config. */
export function describeBrokerConfig(name: string, broker: BrokerConfig, dynamic: DynamicBrokerLayers = NO_DYNAMIC_LAYERS): DescribedConfig | null {
  const def = brokerConfigDef(name);
  return def === undefined ? null : describeBrokerDef(def, broker, dynamic, layeredBrokerProps(broker.raw, dynamic));
}

/** The broker's configs: all when `names` is null or empty, else those of `names` that exist, in definition order. */
export function describeBrokerConfigs(
  broker: BrokerConfig, names: readonly string[] | null = null, dynamic: DynamicBrokerLayers = NO_DYNAMIC_LAYERS,
): DescribedConfig[] {
  const wanted = names === null || names.length === 0 ? null : new Set(names);
  const layered = layeredBrokerProps(broker.raw, dynamic);
  return BROKER_CONFIGS
    .filter((def) => (wanted === null ? def.internal !== true : wanted.has(def.name)))
    .map((def) => describeBrokerDef(def, broker, dynamic, layered))
    .concat(describeListenerOverrides(dynamic.perBroker, wanted));
}

/** The per-broker dynamic `listener.name.<l>.<config>` overrides (a listener's reloaded key store), as Kafka lists them. */
function describeListenerOverrides(perBroker: Overrides, wanted: ReadonlySet<string> | null): DescribedConfig[] {
  const out: DescribedConfig[] = [];
  for (const [name, text] of Object.entries(perBroker)) {
    const def = dynamicBrokerConfigDef(name);
    if (!name.startsWith('listener.name.') || def === undefined || (wanted !== null && !wanted.has(name))) continue;
    const value = shown(def, text);
    out.push({ ...entry(def, value, [{ name, value, source: ConfigSource.DYNAMIC_BROKER_CONFIG }]), name });
  }
  return out;
}

/** The cluster-wide default resource (''): the dynamic defaults that are set, in definition order, as Kafka lists them. */
export function describeClusterDefaultConfigs(clusterDefault: Overrides, names: readonly string[] | null = null): DescribedConfig[] {
  const wanted = names === null || names.length === 0 ? null : new Set(names);
  return BROKER_CONFIGS
    .filter((def) => Object.hasOwn(clusterDefault, def.name) && (wanted === null || wanted.has(def.name)))
    .map((def) => {
      const value = shown(def, clusterDefault[def.name]!);
      return entry(def, value, [{ name: def.name, value, source: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG }]);
    });
}
