/**
 * UpdateFeatures as Kafka's controller decides it (FeatureControlManager):
 * each update is checked in turn against the levels this controller and
 * every registered broker support, the direction the upgrade type allows,
 * the rules for metadata.version and the other features' dependencies. The
 * first refusal refuses the whole request (KIP-1011: one top-level error);
 * otherwise every update becomes a FeatureLevelRecord, committed together.
 */
import {
  DISABLED_RANGE, FeatureName, SUPPORTED_FEATURES, UpgradeType, dependencyError, metadataRecord, rangeText, records as recordCodecs,
  type MetadataImage, type MetadataRecord, type VersionRange,
} from '../metadata/index.ts';
import { ErrorCode } from '../protocol/index.ts';

export interface FeatureUpdate {
  feature: string;
  level: number;
  /** UpgradeType: 1 upgrade, 2 safe downgrade, 3 unsafe downgrade; anything else is refused. */
  upgradeType: number;
}

export type FeaturePlan =
  | { readonly errorCode: typeof ErrorCode.NONE; readonly records: MetadataRecord[] }
  | { readonly errorCode: number; readonly errorMessage: string };

/** Kafka's prefix when one update fails them all. */
const ALL_FAILED = 'The update failed for all features since the following feature had an error: ';

/** `updates` in request order; a feature named twice counts once, with its last update (the request is keyed by feature). */
export function planFeatureUpdates(image: MetadataImage, nodeId: number, updates: readonly FeatureUpdate[]): FeaturePlan {
  const byFeature = new Map(updates.map((u) => [u.feature, u]));
  const proposed = new Map(image.features);
  for (const u of byFeature.values()) proposed.set(u.feature, u.level);
  const records: MetadataRecord[] = [];
  for (const u of byFeature.values()) {
    const reason = refusal(image, nodeId, u, proposed);
    if (reason !== null) return { errorCode: ErrorCode.INVALID_UPDATE_VERSION, errorMessage: ALL_FAILED + reason };
    records.push(metadataRecord(recordCodecs.FeatureLevelRecord, { name: u.feature, featureLevel: u.level }, 0));
  }
  return { errorCode: ErrorCode.NONE, records };
}

function refusal(image: MetadataImage, nodeId: number, u: FeatureUpdate, proposed: ReadonlyMap<string, number>): string | null {
  const invalid = (why: string): string => `Invalid update version ${u.level} for feature ${u.feature}. ${why}`;
  if (u.upgradeType !== UpgradeType.Upgrade && u.upgradeType !== UpgradeType.SafeDowngrade && u.upgradeType !== UpgradeType.UnsafeDowngrade) {
    return invalid('The controller does not support the given upgrade type.');
  }
  if (u.level < 0) return invalid('A feature version cannot be less than 0.');
  const unsupported = notSupported(image, nodeId, u.feature, u.level);
  if (unsupported !== null) return invalid(unsupported);
  const current = image.features.get(u.feature) ?? 0;
  if (u.level < current && u.upgradeType === UpgradeType.Upgrade) {
    return invalid("Can't downgrade the version of this feature without setting the upgrade type to either safe or unsafe downgrade.");
  }
  if (u.level > current && u.upgradeType !== UpgradeType.Upgrade) return invalid("Can't downgrade to a newer version.");
  if (u.feature === FeatureName.MetadataVersion) return metadataVersionRefusal(u, current);
  const dependency = dependencyError(u.feature, u.level, proposed);
  return dependency === null ? null : invalid(dependency);
}

/**
 * Kafka's support check: this controller first, then every registered broker,
 * fenced or not (a broker that did not register a feature supports only 0).
 * Samsa's controllers do not register (no ControllerRegistration): the other
 * voters are taken to run the same Samsa as this one.
 */
function notSupported(image: MetadataImage, nodeId: number, feature: string, level: number): string | null {
  const local = rangeRefusal(level, `Local controller ${nodeId}`, SUPPORTED_FEATURES.get(feature) ?? DISABLED_RANGE);
  if (local !== null) return local;
  for (const broker of [...image.brokers.values()].sort((a, b) => a.id - b.id)) {
    const refused = rangeRefusal(level, `Broker ${broker.id}`, broker.features.get(feature) ?? DISABLED_RANGE);
    if (refused !== null) return refused;
  }
  return null;
}

function rangeRefusal(level: number, who: string, range: VersionRange): string | null {
  if (level >= range.min && level <= range.max) return null;
  return range.max === 0 ? `${who} does not support this feature.` : `${who} only supports versions ${rangeText(range)}`;
}

/**
 * metadata.version: Samsa knows one level, so only a rewrite of the current
 * level reaches here; Kafka refuses a downgrade that would change the
 * metadata format, and every unsafe one.
 */
function metadataVersionRefusal(u: FeatureUpdate, current: number): string | null {
  const invalid = (why: string): string => `Invalid metadata.version ${u.level}. ${why}`;
  if (u.level >= current) return null;
  if (u.upgradeType === UpgradeType.UnsafeDowngrade) return invalid('Unsafe metadata downgrade is not supported in this version.');
  return invalid('Refusing to perform the requested downgrade because it might delete metadata information.');
}
