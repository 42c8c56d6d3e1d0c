/**
 * A MetadataImage as the records that rebuild it: what a metadata snapshot
 * holds. Replaying `imageRecords(image)` into an empty image gives an image
 * equal to `image` (test/metadata/image-records.test.ts checks it).
 */
import { ConfigResourceType, type MetadataImage } from './image.ts';
import { metadataRecord, type MetadataRecord } from './record-frame.ts';
import * as codecs from './records/index.ts';
import { sasl } from '../protocol/index.ts';

export function imageRecords(image: MetadataImage): MetadataRecord[] {
  const out: MetadataRecord[] = [];
  for (const [name, featureLevel] of image.features) out.push(metadataRecord(codecs.FeatureLevelRecord, { name, featureLevel }));
  for (const b of image.brokers.values()) {
    out.push(metadataRecord(codecs.RegisterBrokerRecord, {
      ...codecs.defaultRegisterBrokerRecord(),
      brokerId: b.id, incarnationId: b.incarnationId, brokerEpoch: b.epoch, rack: b.rack, fenced: b.fenced,
      endPoints: b.endpoints.map((e) => ({ ...codecs.defaultRegisterBrokerRecordBrokerEndpoint(), ...e })),
      features: [...b.features].map(([name, r]) => ({
        ...codecs.defaultRegisterBrokerRecordBrokerFeature(), name, minSupportedVersion: r.min, maxSupportedVersion: r.max,
      })),
    }));
  }
  for (const topic of image.topicsById.values()) {
    out.push(metadataRecord(codecs.TopicRecord, { name: topic.name, topicId: topic.id }));
    for (const p of topic.partitions) {
      if (p === undefined) continue;
      out.push(metadataRecord(codecs.PartitionRecord, {
        ...codecs.defaultPartitionRecord(),
        partitionId: p.partitionId, topicId: topic.id, replicas: [...p.replicas], isr: [...p.isr],
        leader: p.leader, leaderEpoch: p.leaderEpoch, partitionEpoch: p.partitionEpoch, directories: [],
      }, 0));
    }
  }
  for (const [key, configs] of image.configs) {
    const at = key.indexOf(':');
    const resourceType = Number(key.slice(0, at));
    const resourceName = key.slice(at + 1);
    if (resourceType !== ConfigResourceType.Topic && resourceType !== ConfigResourceType.Broker && resourceType !== ConfigResourceType.ClientMetrics) continue;
    for (const [name, value] of configs) out.push(metadataRecord(codecs.ConfigRecord, { resourceType, resourceName, name, value }));
  }
  for (const [name, byMechanism] of image.scramCredentials) {
    for (const [mechanismName, c] of byMechanism) {
      const mechanism = sasl.scram.scramMechanism(mechanismName)!;
      out.push(metadataRecord(codecs.UserScramCredentialRecord, {
        name, mechanism: mechanism.type, salt: c.salt, storedKey: c.storedKey, serverKey: c.serverKey, iterations: c.iterations,
      }));
    }
  }
  for (const q of image.clientQuotas.values()) {
    for (const [key, value] of q.values) {
      out.push(metadataRecord(codecs.ClientQuotaRecord, {
        entity: q.entity.map((p) => ({ entityType: p.entityType, entityName: p.entityName })), key, value, remove: false,
      }));
    }
  }
  for (const [id, acl] of image.acls) out.push(metadataRecord(codecs.AccessControlEntryRecord, { id, ...acl }));
  for (const t of image.delegationTokens.values()) {
    out.push(metadataRecord(codecs.DelegationTokenRecord, {
      tokenId: t.tokenId, owner: t.owner, requester: t.requester, renewers: [...t.renewers],
      issueTimestamp: BigInt(t.issueTimestampMs), maxTimestamp: BigInt(t.maxTimestampMs), expirationTimestamp: BigInt(t.expiryTimestampMs),
    }));
  }
  if (image.nextProducerId > 0n) {
    out.push(metadataRecord(codecs.ProducerIdsRecord, { brokerId: -1, brokerEpoch: -1n, nextProducerId: image.nextProducerId }));
  }
  return out;
}
