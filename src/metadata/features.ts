/**
 * The cluster's feature flags, by Kafka's names: what each one means, the
 * levels Samsa supports, and the levels a release version stands for. The
 * finalized levels live in the metadata log as FeatureLevelRecords (the
 * image's `features`); a level of 0 means the feature is off, and for every
 * feature but metadata.version a record at 0 removes it from the image.
 *
 *   metadata.version     21 (Kafka 3.9-IV0) only: the metadata records and
 *                        protocol versions Samsa serves are Kafka 3.9's.
 *   kraft.version        0 only: the voters are static (controller.quorum.voters),
 *                        no KIP-853 reconfiguration.
 *   transaction.version  0–1: transaction version 1 is what the wire offers
 *                        (EndTxn up to v4, Produce up to v11); level 2 (an
 *                        epoch bump per transaction, KIP-890 part 2) needs
 *                        EndTxn v5 and Produce v12, which Samsa does not serve.
 *   group.version        0 only: classic consumer groups, no KIP-848.
 */
import type { MetadataImage } from './image.ts';

export const FeatureName = {
  MetadataVersion: 'metadata.version',
  KRaftVersion: 'kraft.version',
  TransactionVersion: 'transaction.version',
  GroupVersion: 'group.version',
} as const;

/** Kafka's FeatureUpdate.UpgradeType codes (UpdateFeatures v1+). */
export const UpgradeType = { Unknown: 0, Upgrade: 1, SafeDowngrade: 2, UnsafeDowngrade: 3 } as const;

export interface VersionRange {
  readonly min: number;
  readonly max: number;
}

/** The one metadata.version level Samsa runs at, and Kafka's release name for it. */
export const METADATA_VERSION_LEVEL = 21;
const METADATA_VERSION_RELEASE = '3.9-IV0';

interface FeatureDefinition {
  readonly name: string;
  readonly supported: VersionRange;
  /** Every level Kafka defines for the feature, with the levels of other features it needs. */
  readonly dependencies: ReadonlyMap<number, readonly (readonly [string, number])[]>;
}

/** In the order kafka-features lists them: metadata.version, then Kafka's production features. */
const DEFINITIONS: readonly FeatureDefinition[] = [
  { name: FeatureName.MetadataVersion, supported: { min: METADATA_VERSION_LEVEL, max: METADATA_VERSION_LEVEL }, dependencies: new Map() },
  {
    name: FeatureName.KRaftVersion, supported: { min: 0, max: 0 },
    dependencies: new Map([[0, []], [1, [[FeatureName.MetadataVersion, 21]]]]),
  },
  { name: FeatureName.TransactionVersion, supported: { min: 0, max: 1 }, dependencies: new Map([[0, []], [1, []], [2, []]]) },
  { name: FeatureName.GroupVersion, supported: { min: 0, max: 0 }, dependencies: new Map([[0, []], [1, []]]) },
];

const BY_NAME = new Map(DEFINITIONS.map((d) => [d.name, d]));
/** Kafka's FeatureLevelRecord check: a level of 1 or more needs metadata.version 4 (3.3-IV0) or later. */
const FEATURE_LEVEL_RECORD_METADATA_VERSION_MIN = 4;

export const FEATURE_NAMES: readonly string[] = DEFINITIONS.map((d) => d.name);

/** The levels of every feature this Samsa supports, as brokers register them and ApiVersions reports them. */
export const SUPPORTED_FEATURES: ReadonlyMap<string, VersionRange> = new Map(DEFINITIONS.map((d) => [d.name, d.supported]));

/** Kafka's "not supported" range: a feature a node does not list supports only level 0. */
export const DISABLED_RANGE: VersionRange = Object.freeze({ min: 0, max: 0 });

export function isKnownFeature(name: string): boolean {
  return BY_NAME.has(name);
}

/** Kafka's VersionRange text: `3`, `0-1`. */
export function rangeText(range: VersionRange): string {
  return range.min === range.max ? String(range.min) : `${range.min}-${range.max}`;
}

/** A level as kafka-features prints it: metadata.version by its release name. */
export function levelText(feature: string, level: number): string {
  if (feature !== FeatureName.MetadataVersion) return String(level);
  return metadataVersionName(level) ?? `UNKNOWN ${level}`;
}

export function metadataVersionName(level: number): string | null {
  return level === METADATA_VERSION_LEVEL ? METADATA_VERSION_RELEASE : null;
}

/** The metadata.version level of a release version string (`3.9-IV0`, or `3.9` for its latest), when Samsa supports it. */
export function metadataVersionOf(release: string): number | null {
  return release === METADATA_VERSION_RELEASE || release === METADATA_VERSION_RELEASE.split('-')[0] ? METADATA_VERSION_LEVEL : null;
}

export const SUPPORTED_RELEASES: readonly string[] = [METADATA_VERSION_RELEASE];

/**
 * Every feature's level for a metadata.version, as kafka-features
 * version-mapping gives it: Kafka's default for that release, capped at
 * what Samsa supports (Kafka's 3.9-IV0 would have kraft.version 1).
 */
export function releaseFeatureLevels(metadataVersion: number): [string, number][] {
  return DEFINITIONS.filter((d) => d.name !== FeatureName.MetadataVersion)
    .map((d) => [d.name, Math.min(d.supported.max, kafkaDefaultLevel(d.name, metadataVersion))]);
}

/** The level Kafka bootstraps a feature at for a metadata.version (FeatureVersion.bootstrapMetadataVersion). */
function kafkaDefaultLevel(feature: string, metadataVersion: number): number {
  switch (feature) {
    case FeatureName.KRaftVersion: return metadataVersion >= 21 ? 1 : 0;
    case FeatureName.TransactionVersion: return metadataVersion >= 24 ? 2 : 0;
    case FeatureName.GroupVersion: return metadataVersion >= 22 ? 1 : 0;
    default: return 0;
  }
}

/** The features a level needs (feature-dependencies), or null when Kafka defines no such level. */
export function featureDependencies(feature: string, level: number): readonly (readonly [string, number])[] | null {
  return BY_NAME.get(feature)?.dependencies.get(level) ?? null;
}

/**
 * Why `feature` cannot be at `level` next to the other proposed levels
 * (Kafka's Features.validateVersion), or null when it can.
 */
export function dependencyError(feature: string, level: number, proposed: ReadonlyMap<string, number>): string | null {
  const definition = BY_NAME.get(feature);
  if (definition === undefined) return `Feature ${feature} not found.`;
  const needs = definition.dependencies.get(level);
  if (needs === undefined) return `No feature:${feature} with feature level ${level}`;
  const metadataVersion = proposed.get(FeatureName.MetadataVersion);
  if (level >= 1 && (metadataVersion === undefined || metadataVersion < FEATURE_LEVEL_RECORD_METADATA_VERSION_MIN)) {
    return `${feature} could not be set to ${level} because it depends on metadata.version=4 (3.3-IV0)`;
  }
  for (const [name, min] of needs) {
    const at = proposed.get(name);
    if (at === undefined || at < min) return `${feature} could not be set to ${level} because it depends on ${name} level ${min}`;
  }
  return null;
}

/** The finalized level of a feature in an image; 0 when it is not finalized. */
export function finalizedLevel(image: MetadataImage, feature: string): number {
  return image.features.get(feature) ?? 0;
}
