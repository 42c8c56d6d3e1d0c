/**
 * ApiVersions' features as Kafka reports them: the supported ranges whose
 * maximum is above 0 (and before v4 none with a minimum of 0), the finalized
 * levels above 0 from the metadata image, and the image's offset as epoch.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeApiVersionsHandler, type BrokerContext, type RequestContext } from '../../src/broker/index.ts';
import { MetadataDelta, MetadataImage, metadataRecord, records as codecs } from '../../src/metadata/index.ts';
import { messages } from '../../src/protocol/index.ts';

function brokerWith(levels: [string, number][]): BrokerContext {
  const delta = new MetadataDelta(MetadataImage.empty());
  for (const [name, featureLevel] of levels) delta.replay(metadataRecord(codecs.FeatureLevelRecord, { name, featureLevel }));
  const image = levels.length === 0 ? MetadataImage.empty() : delta.apply(41).image;
  return { image: () => image } as unknown as BrokerContext;
}

function ask(broker: BrokerContext, apiVersion: number): messages.ApiVersionsResponse {
  const request = { ...messages.ApiVersionsRequest.defaults(), clientSoftwareName: 'test', clientSoftwareVersion: '1' };
  const ctx: RequestContext = { apiVersion, correlationId: 1, clientId: null, connectionId: 1, principal: 'User:ANONYMOUS', listenerName: 'PLAINTEXT' };
  return makeApiVersionsHandler([])(broker, request, ctx);
}

test('supported features leave out those supported only at 0, and before v4 those starting at 0', () => {
  const broker = brokerWith([['metadata.version', 21], ['transaction.version', 1]]);
  const v4 = ask(broker, 4);
  assert.deepEqual(v4.supportedFeatures.map((f) => [f.name, f.minVersion, f.maxVersion]), [['metadata.version', 21, 21], ['transaction.version', 0, 1]]);
  assert.deepEqual(v4.finalizedFeatures.map((f) => [f.name, f.minVersionLevel, f.maxVersionLevel]), [['metadata.version', 21, 21], ['transaction.version', 1, 1]]);
  assert.equal(v4.finalizedFeaturesEpoch, 41n);
  assert.deepEqual(ask(broker, 3).supportedFeatures.map((f) => f.name), ['metadata.version']);
});

test('a broker without metadata yet finalizes nothing', () => {
  const res = ask(brokerWith([]), 4);
  assert.deepEqual(res.finalizedFeatures, []);
  assert.equal(res.finalizedFeaturesEpoch, -1n);
  assert.equal(res.supportedFeatures.length, 2);
});
