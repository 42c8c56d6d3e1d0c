/**
 * `samsa features`: kafka-features.sh. describe lists the features brokers
 * support and the levels the cluster has finalized (a broker's ApiVersions);
 * upgrade, downgrade and disable change finalized levels through the
 * controller (UpdateFeatures), all or none, with kafka-features' flags and
 * lines; version-mapping and feature-dependencies answer from Samsa's own
 * feature table without a broker.
 */
import type { Command } from 'commander';
import {
  FEATURE_NAMES, FeatureName, SUPPORTED_RELEASES, UpgradeType, featureDependencies, levelText, metadataVersionName,
  metadataVersionOf, releaseFeatureLevels,
} from '../metadata/features.ts';
import { type AdminFlags, collect, withAdmin } from './admin-options.ts';
import { CliError, EXIT_USAGE, print, runCommand, withBootstrap } from './common.ts';
import { io } from './io.ts';

interface UpdateFlags extends AdminFlags {
  feature: string[];
  metadata?: string;
  releaseVersion?: string;
  unsafe?: boolean;
  dryRun?: boolean;
}

type Op = 'upgrade' | 'downgrade' | 'disable';

export function register(program: Command): void {
  const features = program.command('features').description('the cluster\'s feature levels (kafka-features)');
  withBootstrap(features.command('describe').description('finalized feature levels and the versions brokers support'))
    .exitOverride()
    .action((flags: AdminFlags) => runCommand(() => describe(flags)));
  for (const op of ['upgrade', 'downgrade'] as const) {
    const cmd = withBootstrap(features.command(op).description(`${op} one or more finalized feature levels`))
      .option('--feature <name=level>', `a feature to ${op}, e.g. transaction.version=1 (repeatable)`, collect, [])
      .option('--metadata <version>', `deprecated: the release version to ${op} metadata.version to, e.g. 3.9-IV0`)
      .option('--release-version <version>', `the release version to ${op} every feature to, e.g. 3.9-IV0 (see version-mapping)`);
    if (op === 'downgrade') cmd.option('--unsafe', 'downgrade even where metadata may be lost');
    cmd.option('--dry-run', `check the ${op} without performing it`)
      .exitOverride()
      .action((flags: UpdateFlags) => runCommand(() => update(op, flags)));
  }
  withBootstrap(features.command('disable').description('disable one or more features (downgrade to level 0)'))
    .option('--feature <name>', 'a feature to disable (repeatable)', collect, [])
    .option('--unsafe', 'disable even where metadata may be lost')
    .option('--dry-run', 'check the disable without performing it')
    .exitOverride()
    .action((flags: UpdateFlags) => runCommand(() => update('disable', flags)));
  withBootstrap(features.command('version-mapping').description('the feature levels a release version stands for'))
    .option('--release-version <version>', `the release version (default ${SUPPORTED_RELEASES.at(-1)})`)
    .exitOverride()
    .action((flags: { releaseVersion?: string }) => runCommand(async () => versionMapping(flags.releaseVersion)));
  withBootstrap(features.command('feature-dependencies').description('the features a feature level needs'))
    .option('--feature <name=level>', 'a feature level to look up (repeatable)', collect, [])
    .exitOverride()
    .action((flags: { feature: string[] }) => runCommand(async () => dependencies(flags.feature)));
}

async function describe(flags: AdminFlags): Promise<void> {
  await withAdmin(flags, async (admin) => {
    const meta = await admin.describeFeatures();
    const epoch = meta.finalizedEpoch >= 0n ? String(meta.finalizedEpoch) : '-';
    const rows = [...meta.supported].sort((a, b) => (a.name < b.name ? -1 : 1)).map((s) => ({
      feature: s.name, supportedMinVersion: s.minVersion, supportedMaxVersion: s.maxVersion,
      finalizedVersionLevel: meta.finalized.get(s.name) ?? 0, epoch,
    }));
    print(flags.json === true, rows, () => rows.map((r) => `Feature: ${r.feature}\tSupportedMinVersion: ${levelText(r.feature, r.supportedMinVersion)}\t`
      + `SupportedMaxVersion: ${levelText(r.feature, r.supportedMaxVersion)}\tFinalizedVersionLevel: ${levelText(r.feature, r.finalizedVersionLevel)}\tEpoch: ${r.epoch}`).join('\n'));
  });
}

function unknownRelease(release: string): CliError {
  return new CliError(`Unknown metadata.version ${release}. Supported metadata.version are ${SUPPORTED_RELEASES.join(', ')}`, EXIT_USAGE);
}

/** kafka-features' feature=level argument. */
function parseNameAndLevel(input: string): [string, number] {
  const at = input.indexOf('=');
  if (at < 0) throw new CliError(`Can't parse feature=level string ${input}: equals sign not found.`, EXIT_USAGE);
  const name = input.slice(0, at).trim();
  const levelString = input.slice(at + 1).trim();
  const level = Number(levelString);
  if (!/^[+-]?\d+$/.test(levelString) || level < -32768 || level > 32767) {
    throw new CliError(`Can't parse feature=level string ${input}: unable to parse ${levelString} as a short.`, EXIT_USAGE);
  }
  return [name, level];
}

/** The levels an upgrade or downgrade asks for, from --release-version, --metadata and --feature, in kafka-features' rules. */
function requestedLevels(op: 'upgrade' | 'downgrade', flags: UpdateFlags): Map<string, number> {
  const levels = new Map<string, number>();
  if (flags.releaseVersion !== undefined) {
    if (flags.metadata !== undefined || flags.feature.length > 0) throw new CliError('Can not specify `release-version` with other feature flags.', EXIT_USAGE);
    const metadataVersion = metadataVersionOf(flags.releaseVersion);
    if (metadataVersion === null) throw unknownRelease(flags.releaseVersion);
    levels.set(FeatureName.MetadataVersion, metadataVersion);
    // An upgrade does not ask for a feature at 0; a downgrade takes every feature to the release's level.
    for (const [name, level] of releaseFeatureLevels(metadataVersion)) if (op === 'downgrade' || level > 0) levels.set(name, level);
    return levels;
  }
  if (flags.metadata !== undefined) {
    io().out(' `metadata` flag is deprecated and may be removed in a future release.');
    const metadataVersion = metadataVersionOf(flags.metadata);
    if (metadataVersion === null) throw unknownRelease(flags.metadata);
    levels.set(FeatureName.MetadataVersion, metadataVersion);
  }
  for (const entry of flags.feature) {
    const [name, level] = parseNameAndLevel(entry);
    if (levels.has(name)) throw new CliError(`Feature ${name} was specified more than once.`, EXIT_USAGE);
    levels.set(name, level);
  }
  return levels;
}

function disabledLevels(names: readonly string[]): Map<string, number> {
  const levels = new Map<string, number>();
  for (const name of names) {
    if (levels.has(name)) throw new CliError(`Feature ${name} was specified more than once.`, EXIT_USAGE);
    levels.set(name, 0);
  }
  return levels;
}

async function update(op: Op, flags: UpdateFlags): Promise<void> {
  const levels = op === 'disable' ? disabledLevels(flags.feature) : requestedLevels(op, flags);
  if (levels.size === 0) throw new CliError(`You must specify at least one feature to ${op}`, EXIT_USAGE);
  const upgradeType = op === 'upgrade' ? UpgradeType.Upgrade : flags.unsafe === true ? UpgradeType.UnsafeDowngrade : UpgradeType.SafeDowngrade;
  for (const [name, level] of levels) {
    if (name.trim() === '') throw new CliError('Provided feature can not be empty.', EXIT_USAGE);
    if (level < 0) throw new CliError('Cannot specify a negative version level.', EXIT_USAGE);
    if (level === 0 && upgradeType === UpgradeType.Upgrade) {
      throw new CliError(`The upgradeType flag should be set to SAFE_DOWNGRADE or UNSAFE_DOWNGRADE when the provided maxVersionLevel:${level} is < 1.`, EXIT_USAGE);
    }
  }
  const dryRun = flags.dryRun === true;
  await withAdmin(flags, async (admin) => {
    const results = await admin.updateFeatures([...levels].map(([feature, level]) => ({ feature, level, upgradeType })), dryRun);
    const names = [...results.keys()].sort();
    const failures = names.filter((name) => results.get(name) !== null).length;
    if (flags.json === true) {
      io().out(JSON.stringify(names.map((name) => ({ feature: name, level: levels.get(name), dryRun, error: results.get(name)?.errorMessage ?? null }))));
      if (failures > 0) throw new CliError(`${failures} out of ${levels.size} operation(s) failed.`);
      return;
    }
    for (const name of names) {
      const error = results.get(name)!;
      const level = levels.get(name)!;
      if (error !== null) {
        io().out(`${dryRun ? 'Can not' : 'Could not'} ${op === 'disable' ? `disable ${name}` : `${op} ${name} to ${level}`}. ${error.errorMessage}`);
      } else {
        io().out(`${name}${dryRun ? ' can be' : ' was'} ${op === 'disable' ? 'disabled.' : `${op}d to ${level}.`}`);
      }
    }
    if (failures > 0) throw new CliError(`${failures} out of ${levels.size} operation(s) failed.`);
  });
}

function versionMapping(release: string | undefined): void {
  const name = release ?? SUPPORTED_RELEASES.at(-1)!;
  const metadataVersion = metadataVersionOf(name);
  if (metadataVersion === null) throw new CliError(`Unknown release version '${name}'. Supported versions are: ${SUPPORTED_RELEASES.join(', ')}`, EXIT_USAGE);
  io().out(`${FeatureName.MetadataVersion}=${metadataVersion} (${name})`);
  for (const [feature, level] of releaseFeatureLevels(metadataVersion)) io().out(`${feature}=${level}`);
}

function dependencies(entries: string[]): void {
  if (entries.length === 0) throw new CliError('feature-dependencies requires --feature', EXIT_USAGE);
  for (const entry of entries) {
    const [name, level] = parseNameAndLevel(entry);
    if (name === FeatureName.MetadataVersion) {
      const release = metadataVersionName(level);
      if (release === null) throw new CliError(`Unknown metadata.version ${level}`);
      io().out(`${name}=${level} (${release}) has no dependencies.`);
      continue;
    }
    if (!FEATURE_NAMES.includes(name)) throw new CliError(`Unknown feature: ${name}`);
    const needs = featureDependencies(name, level);
    if (needs === null) throw new CliError(`No feature:${name} with feature level ${level}`);
    if (needs.length === 0) {
      io().out(`${name}=${level} has no dependencies.`);
      continue;
    }
    io().out(`${name}=${level} requires:`);
    for (const [feature, at] of needs) io().out(`    ${feature}=${at}${feature === FeatureName.MetadataVersion ? ` (${levelText(feature, at)})` : ''}`);
  }
}
