import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeFromBuffer, encodeToBuffer, type MessageCodec, type MessageSchema } from '../../src/protocol/index.ts';
import * as messages from '../../src/protocol/messages/index.ts';
import { schemas as messageSchemas } from './schemas/messages.ts';
import * as metadataRecords from '../../src/metadata/records/index.ts';
import { schemas as metadataSchemas } from './schemas/metadata.ts';
import * as coordinatorRecords from '../../src/coordinator/records/index.ts';
import { schemas as coordinatorSchemas } from './schemas/coordinator.ts';
import { rng, sampleMessage } from '../helpers/protocol-samples.ts';

const SEEDS_PER_VERSION = 6;

const families: Array<[string, readonly MessageCodec<any>[], Record<string, MessageSchema>, Record<string, unknown>]> = [
  ['messages', messages.allCodecs, messageSchemas, messages],
  ['metadata records', metadataRecords.allCodecs, metadataSchemas, metadataRecords],
  ['coordinator records', coordinatorRecords.allCodecs, coordinatorSchemas, coordinatorRecords],
];

for (const [family, codecs, schemas, module] of families) {
  test(`${family}: every codec round-trips every version byte for byte`, () => {
    let cases = 0;
    for (const codec of codecs) {
      const schema = schemas[codec.name]!;
      assert.ok(schema, `schema for ${codec.name}`);
      for (let version = codec.minVersion; version <= codec.maxVersion; version++) {
        for (let seed = 0; seed < SEEDS_PER_VERSION; seed++) {
          const r = rng(codec.name.length * 7919 + version * 104729 + seed);
          const value = sampleMessage(codec, schema, module, version, r);
          const where = `${codec.name} v${version} seed ${seed}`;
          const bytes = encodeToBuffer(codec, value, version);
          const decoded = decodeFromBuffer(codec, bytes, version);
          assert.deepStrictEqual(decoded, value, where);
          assert.ok(encodeToBuffer(codec, decoded, version).equals(bytes), `${where}: re-encode differs`);
          cases++;
        }
      }
    }
    assert.ok(cases > codecs.length, `ran ${cases} cases`);
  });
}

test('all 88 request and 88 response codecs are generated with their API keys', () => {
  const requests = messages.allCodecs.filter((c) => c.name.endsWith('Request') && c.apiKey >= 0);
  const responses = messages.allCodecs.filter((c) => c.name.endsWith('Response') && c.apiKey >= 0);
  assert.equal(requests.length, 88);
  assert.equal(responses.length, 88);
  assert.deepEqual(new Set(requests.map((c) => c.apiKey)).size, 88);
  assert.equal(messages.FetchRequest.apiKey, 1);
  assert.equal(messages.FetchRequest.maxVersion, 17);
  assert.equal(messages.FetchRequest.flexibleMinVersion, 12);
});

test('a version outside the codec range is refused with UNSUPPORTED_VERSION', () => {
  assert.throws(() => decodeFromBuffer(messages.ApiVersionsRequest, Buffer.alloc(0), 99), (e: any) => e.kafkaErrorCode === 35);
});
