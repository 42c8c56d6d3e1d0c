// Kafka-named config definitions, the broker and topic config resolvers, and
// the DescribeConfigs view of them.
export {
  canonicalText, ConfigSource, ConfigType, configTypeOf, INT_MAX, invalidValueMessage, LONG_MAX_TEXT, parseValue,
  type ConfigDef, type ConfigDefType, type ConfigValidator, type ConfigValue, type ParseResult, type UpdateMode,
} from './config-def.ts';
export {
  BROKER_CONFIGS, brokerConfigDef, brokerSynonymNames, CLEANUP_POLICIES, COMPRESSION_TYPES, SAMSA_DEFAULT_LISTENERS,
  SECURITY_PROTOCOLS, TIMESTAMP_TYPES,
} from './broker-configs.ts';
export { TOPIC_CONFIGS, topicConfigDef, type BrokerSynonym, type TopicConfigDef } from './topic-configs.ts';
export { parseEndpoints, parseHostPort, splitNames, type Endpoint } from './broker-checks.ts';
export {
  isPassThroughKey, parseProperties, PASS_THROUGH_PREFIXES, PropertiesSyntaxError, resolveBrokerConfig, topicConfig,
  validateTopicConfigs,
  type BrokerConfig, type BrokerConfigResult, type CleanupPolicy, type CompressionType, type SecurityProtocol, type TimestampType,
  type TopicConfig, type TopicConfigError, type TopicConfigResult,
} from './resolve.ts';
export {
  checkDynamicBrokerChange, DYNAMIC_TLS_CONFIGS, DynamicBrokerConfig, dynamicBrokerConfigDef, effectiveBrokerConfig, layeredBrokerProps,
  listenerConfigBase, NO_DYNAMIC_LAYERS,
  type DynamicBrokerLayers, type DynamicChangeRefusal,
} from './dynamic.ts';
export {
  describeBrokerConfig, describeBrokerConfigs, describeClusterDefaultConfigs, describeTopicConfig, describeTopicConfigs,
  type DescribedConfig, type DescribedSynonym,
} from './describe.ts';
