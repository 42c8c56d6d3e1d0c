// The metadata layer: KRaft record codecs (generated), their log framing, and
// the immutable MetadataImage they replay into.
export * as records from './records/index.ts';
export { decodeMetadataRecord, encodeMetadataRecord, metadataRecord, type MetadataRecord } from './record-frame.ts';
export {
  ConfigResourceType, MetadataDelta, MetadataImage, RecordType,
  type BrokerEndpoint, type BrokerImage, type MetadataChanges, type PartitionImage, type ScramCredentialImage, type TopicImage,
} from './image.ts';
export {
  DISABLED_RANGE, FEATURE_NAMES, FeatureName, METADATA_VERSION_LEVEL, SUPPORTED_FEATURES, SUPPORTED_RELEASES, UpgradeType,
  dependencyError, featureDependencies, finalizedLevel, isKnownFeature, levelText, metadataVersionName, metadataVersionOf, rangeText,
  releaseFeatureLevels, type VersionRange,
} from './features.ts';
export { latestFeatureUpdatesRequest, requestedFeatureUpdates, updateFeaturesResponse } from './feature-requests.ts';
export { aclFilterError, aclFilterMatches, aclKey, type AclEntry, type AclFilter } from './acls.ts';
export { imageRecords } from './image-records.ts';
export {
  DELEGATION_TOKENS_DISABLED, FORWARDED_PRINCIPAL_TAG, delegationTokenHmac, forwardedPrincipal, withForwardedPrincipal, delegationTokenSettings, ownerOrRenewer, splitPrincipal, tokenByHmac, tokenExpired,
  type DelegationTokenImage, type DelegationTokenSettings,
} from './delegation-tokens.ts';
export { collisionKey, isInternalTopic, topicNameError } from './topic-names.ts';
export * from './config/index.ts';
export { applyConfigOperations, CONFIG_OPERATION_NAMES, ConfigOperation } from './config-operations.ts';
export {
  describeClientQuotas, IP_QUOTA_KEYS, QuotaEntityType, QuotaMatchType, quotaEntityKey, quotaEntityText, sortedEntity, USER_CLIENT_QUOTA_KEYS,
  type ClientQuotaImage, type ClientQuotaMap, type DescribeClientQuotasResult, type DescribeComponent, type QuotaEntityPart, type QuotaKeyDef,
} from './client-quotas.ts';
export {
  CLIENT_MATCH_SELECTORS, CLIENT_METRICS_CONFIG_DEFS, CLIENT_METRICS_INTERVAL, CLIENT_METRICS_INTERVAL_DEFAULT, CLIENT_METRICS_INTERVAL_MAX,
  CLIENT_METRICS_INTERVAL_MIN, CLIENT_METRICS_MATCH, CLIENT_METRICS_METRICS, CLIENT_METRICS_RESOURCE, clientMetricsConfigError,
  clientMetricsSubscription, clientMetricsSubscriptions, type ClientMatchSelector, type ClientMetricsSubscription,
} from './client-metrics.ts';
