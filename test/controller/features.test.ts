/**
 * UpdateFeatures as the controller decides it, Kafka's FeatureControlManager
 * rules on Samsa's feature table: supported ranges of this controller and
 * every registered broker, the upgrade type's direction, metadata.version's
 * one level, all-or-none, validateOnly, and the answer's shape by version.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Controller, ControllerService } from '../../src/controller/index.ts';
import { MetadataDelta, MetadataImage, SUPPORTED_FEATURES, UpgradeType, type MetadataRecord } from '../../src/metadata/index.ts';
import { ApiKey, ErrorCode, messages } from '../../src/protocol/index.ts';

const ALL_FAILED = 'The update failed for all features since the following feature had an error: ';
const SAMSA_FEATURES = [...SUPPORTED_FEATURES].map(([name, r]) => ({ name, minSupportedVersion: r.min, maxSupportedVersion: r.max }));

async function bootstrapped(brokers: { id: number; features: typeof SAMSA_FEATURES }[] = [{ id: 1, features: SAMSA_FEATURES }]) {
  let image = MetadataImage.empty();
  const commits: MetadataRecord[][] = [];
  const controller = new Controller({
    nodeId: 1,
    image: () => image,
    commit: async (records) => {
      await new Promise((r) => setImmediate(r));
      commits.push(records);
      const delta = new MetadataDelta(image);
      for (const r of records) delta.replay(r);
      image = delta.apply(image.offset + records.length).image;
    },
    defaultPartitions: () => 1,
    defaultReplicationFactor: () => 1,
    deleteTopicEnable: () => true,
    validateTopicConfigs: () => null,
  });
  await controller.bootstrap();
  for (const b of brokers) {
    const endpoints = [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9000 + b.id, securityProtocol: 0 }];
    const reg = await controller.registerBroker({ brokerId: b.id, incarnationId: `AAAAAAAAAAAAAAAAAAAAA${b.id}`, endpoints, rack: null, features: b.features }, 0);
    assert.equal(reg.errorCode, ErrorCode.NONE);
  }
  commits.length = 0;
  return { controller, image: () => image, commits };
}

const up = (feature: string, level: number) => ({ feature, level, upgradeType: UpgradeType.Upgrade });
const safeDown = (feature: string, level: number) => ({ feature, level, upgradeType: UpgradeType.SafeDowngrade });

test('transaction.version goes from 0 to 1 through the metadata log, and level 2 is refused with Kafka\'s message', async () => {
  const { controller, image, commits } = await bootstrapped();
  assert.equal(image().features.get('transaction.version'), undefined, 'a fresh cluster starts at transaction.version 0');
  assert.equal(image().brokers.get(1)!.features.get('transaction.version')?.max, 1, 'the broker registered what it supports');
  assert.deepEqual(await controller.updateFeatures([up('transaction.version', 1)], false), { errorCode: ErrorCode.NONE, errorMessage: null });
  assert.equal(image().features.get('transaction.version'), 1);
  assert.deepEqual(commits.flat().map((r) => [r.type, r.data]), [[12, { name: 'transaction.version', featureLevel: 1 }]]);
  const two = await controller.updateFeatures([up('transaction.version', 2)], false);
  assert.equal(two.errorCode, ErrorCode.INVALID_UPDATE_VERSION);
  assert.equal(two.errorMessage, `${ALL_FAILED}Invalid update version 2 for feature transaction.version. Local controller 1 only supports versions 0-1`);
  assert.equal(image().features.get('transaction.version'), 1);
  assert.equal(commits.length, 1, 'a refusal writes nothing');
});

test('a level some registered broker does not support is refused, naming the broker', async () => {
  const { controller, image } = await bootstrapped([{ id: 1, features: SAMSA_FEATURES }, { id: 2, features: [] }]);
  const r = await controller.updateFeatures([up('transaction.version', 1)], false);
  assert.equal(r.errorMessage, `${ALL_FAILED}Invalid update version 1 for feature transaction.version. Broker 2 does not support this feature.`);
  assert.equal(image().features.get('transaction.version'), undefined);
});

test('features Samsa supports only at 0, unknown features, negative levels and unknown upgrade types are refused', async () => {
  const { controller, commits } = await bootstrapped();
  const refusal = async (update: { feature: string; level: number; upgradeType: number }) => {
    const r = await controller.updateFeatures([update], false);
    assert.equal(r.errorCode, ErrorCode.INVALID_UPDATE_VERSION);
    return r.errorMessage!.slice(ALL_FAILED.length);
  };
  assert.equal(await refusal(up('group.version', 1)), 'Invalid update version 1 for feature group.version. Local controller 1 does not support this feature.');
  assert.equal(await refusal(up('kraft.version', 1)), 'Invalid update version 1 for feature kraft.version. Local controller 1 does not support this feature.');
  assert.equal(await refusal(up('no.such.feature', 1)), 'Invalid update version 1 for feature no.such.feature. Local controller 1 does not support this feature.');
  assert.equal(await refusal(safeDown('no.such.feature', 0)), 'Invalid update version 0 for feature no.such.feature. Feature no.such.feature not found.');
  assert.equal(await refusal(safeDown('transaction.version', -1)), 'Invalid update version -1 for feature transaction.version. A feature version cannot be less than 0.');
  assert.equal(await refusal({ feature: 'transaction.version', level: 1, upgradeType: 0 }),
    'Invalid update version 1 for feature transaction.version. The controller does not support the given upgrade type.');
  assert.equal(commits.length, 0);
});

test('a downgrade needs a downgrade type, a downgrade type cannot raise a level, and level 0 takes the feature away', async () => {
  const { controller, image } = await bootstrapped();
  await controller.updateFeatures([up('transaction.version', 1)], false);
  const plain = await controller.updateFeatures([up('transaction.version', 0)], false);
  assert.equal(plain.errorMessage, `${ALL_FAILED}Invalid update version 0 for feature transaction.version. `
    + "Can't downgrade the version of this feature without setting the upgrade type to either safe or unsafe downgrade.");
  for (const upgradeType of [UpgradeType.SafeDowngrade, UpgradeType.UnsafeDowngrade]) {
    await controller.updateFeatures([up('transaction.version', 1)], false);
    assert.equal((await controller.updateFeatures([{ feature: 'transaction.version', level: 0, upgradeType }], false)).errorCode, ErrorCode.NONE);
    assert.equal(image().features.has('transaction.version'), false, 'a level of 0 removes the feature');
  }
  const raise = await controller.updateFeatures([safeDown('transaction.version', 1)], false);
  assert.equal(raise.errorMessage, `${ALL_FAILED}Invalid update version 1 for feature transaction.version. Can't downgrade to a newer version.`);
  assert.equal((await controller.updateFeatures([safeDown('transaction.version', 0)], false)).errorCode, ErrorCode.NONE, 'disabling what is off is allowed');
});

test('metadata.version stays at the one level Samsa serves', async () => {
  const { controller, image, commits } = await bootstrapped();
  for (const [update, why] of [
    [safeDown('metadata.version', 20), 'Local controller 1 only supports versions 21'],
    [{ ...safeDown('metadata.version', 20), upgradeType: UpgradeType.UnsafeDowngrade }, 'Local controller 1 only supports versions 21'],
    [up('metadata.version', 22), 'Local controller 1 only supports versions 21'],
    [safeDown('metadata.version', 0), 'Local controller 1 only supports versions 21'],
  ] as const) {
    const r = await controller.updateFeatures([update], false);
    assert.equal(r.errorMessage, `${ALL_FAILED}Invalid update version ${update.level} for feature metadata.version. ${why}`);
  }
  assert.equal(commits.length, 0);
  assert.equal((await controller.updateFeatures([up('metadata.version', 21)], false)).errorCode, ErrorCode.NONE, 'the current level may be written again');
  assert.equal(image().features.get('metadata.version'), 21);
});

test('updates are all or none, and validateOnly writes nothing', async () => {
  const { controller, image, commits } = await bootstrapped();
  const mixed = await controller.updateFeatures([up('transaction.version', 1), up('group.version', 1)], false);
  assert.equal(mixed.errorCode, ErrorCode.INVALID_UPDATE_VERSION);
  assert.equal(image().features.get('transaction.version'), undefined, 'the valid update is not applied either');
  assert.deepEqual(await controller.updateFeatures([up('transaction.version', 1)], true), { errorCode: ErrorCode.NONE, errorMessage: null });
  assert.equal((await controller.updateFeatures([up('transaction.version', 2)], true)).errorCode, ErrorCode.INVALID_UPDATE_VERSION);
  assert.equal(image().features.get('transaction.version'), undefined);
  assert.equal(commits.length, 0);
});

test('the answer by version: v0 allowDowngrade is a safe downgrade, v0 and v1 list each feature on success, v2 only the top level', async () => {
  const { controller, image } = await bootstrapped();
  const service = new ControllerService({ controller, isActive: () => true, nowMs: () => 0 });
  const request = (level: number, allowDowngrade: boolean, upgradeType = 1): messages.UpdateFeaturesRequest => ({
    ...messages.UpdateFeaturesRequest.defaults(),
    featureUpdates: [{ ...messages.defaultUpdateFeaturesRequestFeatureUpdateKey(), feature: 'transaction.version', maxVersionLevel: level, allowDowngrade, upgradeType }],
  });
  const v1 = await service.handle(ApiKey.UpdateFeatures, request(1, false), 1) as messages.UpdateFeaturesResponse;
  assert.equal(v1.errorCode, ErrorCode.NONE);
  assert.deepEqual(v1.results.map((r) => [r.feature, r.errorCode]), [['transaction.version', ErrorCode.NONE]]);
  const v0 = await service.handle(ApiKey.UpdateFeatures, request(0, true), 0) as messages.UpdateFeaturesResponse;
  assert.equal(v0.errorCode, ErrorCode.NONE, v0.errorMessage ?? '');
  assert.equal(image().features.has('transaction.version'), false);
  const v2 = await service.handle(ApiKey.UpdateFeatures, request(2, false), 2) as messages.UpdateFeaturesResponse;
  assert.equal(v2.errorCode, ErrorCode.INVALID_UPDATE_VERSION);
  assert.deepEqual(v2.results, []);
  const notActive = new ControllerService({ controller, isActive: () => false, nowMs: () => 0 });
  assert.equal((await notActive.handle(ApiKey.UpdateFeatures, request(1, false)) as messages.UpdateFeaturesResponse).errorCode, ErrorCode.NOT_CONTROLLER);
});
