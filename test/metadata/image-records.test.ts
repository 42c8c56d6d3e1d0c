/**
 * A metadata snapshot holds `imageRecords(image)`: replaying them into an
 * empty image must give back the same image, whatever records built it
 * (topics, partition changes, deletions, configs, brokers and their fencing,
 * features, producer id blocks, SCRAM credentials, ACLs).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MetadataDelta, MetadataImage, decodeMetadataRecord, encodeMetadataRecord, imageRecords, metadataRecord, records as codecs,
  type MetadataRecord,
} from '../../src/metadata/index.ts';

function build(records: MetadataRecord[]): MetadataImage {
  const delta = new MetadataDelta(MetadataImage.empty());
  for (const r of records) delta.replay(r);
  return delta.apply(records.length - 1).image;
}

function comparable(image: MetadataImage): unknown {
  return {
    topics: [...image.topicsById.values()].sort((a, b) => a.id.localeCompare(b.id)),
    names: [...image.topicsByName.keys()].sort(),
    brokers: [...image.brokers.values()].sort((a, b) => a.id - b.id),
    configs: [...image.configs].map(([k, v]) => [k, [...v].sort()]).sort(),
    features: [...image.features].sort(),
    nextProducerId: image.nextProducerId,
    scram: [...image.scramCredentials].map(([user, m]) => [user, [...m].sort()]).sort(),
    acls: [...image.acls].sort(([a], [b]) => a.localeCompare(b)),
  };
}

test('replaying an image\'s records rebuilds the same image', () => {
  const t1 = 'AAAAAAAAAAAAAAAAAAAAAg';
  const t2 = 'AAAAAAAAAAAAAAAAAAAAAw';
  const partition = (topicId: string, partitionId: number, leader: number) => metadataRecord(codecs.PartitionRecord, {
    ...codecs.defaultPartitionRecord(), topicId, partitionId, replicas: [leader], isr: [leader], leader, leaderEpoch: 0, partitionEpoch: 0, directories: [],
  }, 0);
  const broker = (brokerId: number, rack: string | null) => metadataRecord(codecs.RegisterBrokerRecord, {
    ...codecs.defaultRegisterBrokerRecord(), brokerId, incarnationId: 'AAAAAAAAAAAAAAAAAAAABA', brokerEpoch: BigInt(brokerId * 10), rack, fenced: true,
    endPoints: [{ ...codecs.defaultRegisterBrokerRecordBrokerEndpoint(), name: 'PLAINTEXT', host: 'h', port: 9000 + brokerId, securityProtocol: 0 }],
    features: [{ ...codecs.defaultRegisterBrokerRecordBrokerFeature(), name: 'transaction.version', minSupportedVersion: 0, maxSupportedVersion: brokerId }],
  });
  const original = build([
    metadataRecord(codecs.FeatureLevelRecord, { name: 'metadata.version', featureLevel: 21 }),
    broker(1, null), broker(2, 'r2'),
    metadataRecord(codecs.UnfenceBrokerRecord, { id: 1, epoch: 10n }),
    metadataRecord(codecs.TopicRecord, { name: 'kept', topicId: t1 }),
    partition(t1, 0, 1), partition(t1, 1, 2),
    metadataRecord(codecs.PartitionChangeRecord, { ...codecs.defaultPartitionChangeRecord(), topicId: t1, partitionId: 1, leader: -1 }),
    metadataRecord(codecs.TopicRecord, { name: 'gone', topicId: t2 }),
    partition(t2, 0, 1),
    metadataRecord(codecs.ConfigRecord, { resourceType: 2, resourceName: 'kept', name: 'retention.ms', value: '1000' }),
    metadataRecord(codecs.ConfigRecord, { resourceType: 2, resourceName: 'gone', name: 'retention.ms', value: '5' }),
    // A KIP-714 client-metrics subscription (CLIENT_METRICS, resource type 16).
    metadataRecord(codecs.ConfigRecord, { resourceType: 16, resourceName: 'producers', name: 'metrics', value: 'org.apache.kafka.producer.' }),
    metadataRecord(codecs.ConfigRecord, { resourceType: 16, resourceName: 'producers', name: 'interval.ms', value: '1000' }),
    metadataRecord(codecs.RemoveTopicRecord, { topicId: t2 }),
    metadataRecord(codecs.ProducerIdsRecord, { brokerId: 1, brokerEpoch: 10n, nextProducerId: 2000n }),
    metadataRecord(codecs.FeatureLevelRecord, { name: 'transaction.version', featureLevel: 1 }),
    metadataRecord(codecs.FeatureLevelRecord, { name: 'group.version', featureLevel: 1 }),
    metadataRecord(codecs.FeatureLevelRecord, { name: 'group.version', featureLevel: 0 }),
    scram('alice', 1, 8192), scram('alice', 2, 4096), scram('bob', 1, 4096), scram('carol', 2, 4096),
    metadataRecord(codecs.RemoveUserScramCredentialRecord, { name: 'alice', mechanism: 2 }),
    metadataRecord(codecs.RemoveUserScramCredentialRecord, { name: 'carol', mechanism: 2 }),
    acl('AAAAAAAAAAAAAAAAAAAAEA', 'User:alice'), acl('AAAAAAAAAAAAAAAAAAAAEQ', 'User:bob'),
    metadataRecord(codecs.RemoveAccessControlEntryRecord, { id: 'AAAAAAAAAAAAAAAAAAAAEA' }),
  ]);
  // Through the wire format, as a snapshot file carries them.
  const replayed = build(imageRecords(original).map((r) => decodeMetadataRecord(encodeMetadataRecord(r))));
  assert.deepEqual(comparable(replayed), comparable(original));
  assert.equal(original.topicsByName.get('kept')!.partitions[1]!.leaderEpoch, 1, 'the change was applied before the snapshot');
  assert.equal(replayed.topicsByName.has('gone'), false);
  assert.deepEqual([...replayed.configs.get('16:producers') ?? []], [['metrics', 'org.apache.kafka.producer.'], ['interval.ms', '1000']], 'subscriptions survive a snapshot');
  assert.deepEqual([...original.features], [['metadata.version', 21], ['transaction.version', 1]], 'a feature set to 0 is off, as in Kafka');
  assert.deepEqual(replayed.brokers.get(2)!.features.get('transaction.version'), { min: 0, max: 2 });
  assert.deepEqual([...replayed.scramCredentials.keys()].sort(), ['alice', 'bob'], 'a user whose last credential went is gone');
  assert.equal(replayed.scramCredential('alice', 'SCRAM-SHA-256')?.iterations, 8192);
  assert.equal(replayed.scramCredential('alice', 'SCRAM-SHA-512'), null);
  assert.deepEqual([...replayed.acls.values()].map((a) => a.principal), ['User:bob'], 'a removed ACL is gone');
});

function acl(id: string, principal: string): MetadataRecord {
  return metadataRecord(codecs.AccessControlEntryRecord, {
    id, resourceType: 2, resourceName: 'orders', patternType: 3, principal, host: '*', operation: 3, permissionType: 3,
  });
}

function scram(name: string, mechanism: number, iterations: number): MetadataRecord {
  const bytes = (tag: string) => Buffer.from(`${tag}-${name}-${mechanism}`);
  return metadataRecord(codecs.UserScramCredentialRecord, {
    name, mechanism, salt: bytes('salt'), storedKey: bytes('stored'), serverKey: bytes('server'), iterations,
  });
}

test('an empty image has no records', () => {
  assert.deepEqual(imageRecords(MetadataImage.empty()), []);
});
