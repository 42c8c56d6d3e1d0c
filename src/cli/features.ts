/**
 * `samsa features describe`: kafka-features.sh describe, the feature
 * levels the cluster has finalized and the ranges its brokers support, from
 * a broker's ApiVersions answer.
 */
import type { Command } from 'commander';
import { CliError, clusterFrom, print, runCommand, withBootstrap } from './common.ts';

export function register(program: Command): void {
  const features = program.command('features').description('the cluster\'s feature levels (kafka-features)');
  withBootstrap(features.command('describe').description('finalized feature levels and the versions brokers support'))
    .exitOverride()
    .action((flags: { bootstrapServer: string; commandConfig?: string; json?: boolean }) => runCommand(async () => {
      const { ApiKey, messages } = await import('../protocol/index.ts');
      const cluster = await clusterFrom(flags);
      try {
        const res = await (await cluster.any()).request(ApiKey.ApiVersions, {
          ...messages.ApiVersionsRequest.defaults(), clientSoftwareName: 'samsa', clientSoftwareVersion: '0',
        });
        const rows = res.supportedFeatures.map((s) => {
          const finalized = res.finalizedFeatures.find((f) => f.name === s.name);
          return { feature: s.name, supportedMinVersion: s.minVersion, supportedMaxVersion: s.maxVersion, finalizedVersionLevel: finalized?.maxVersionLevel ?? 0, epoch: Number(res.finalizedFeaturesEpoch) };
        });
        if (rows.length === 0) throw new CliError('the broker reports no features (it has not caught up with the metadata yet?)');
        print(flags.json === true, rows, () => rows.map((r) => `Feature: ${r.feature}\tSupportedMinVersion: ${r.supportedMinVersion}\t`
          + `SupportedMaxVersion: ${r.supportedMaxVersion}\tFinalizedVersionLevel: ${r.finalizedVersionLevel}\tEpoch: ${r.epoch}`).join('\n'));
      } finally {
        await cluster.close();
      }
    }));
}
