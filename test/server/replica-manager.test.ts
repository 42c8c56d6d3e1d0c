/**
 * The replica manager follows whole images as well as deltas: a snapshot
 * installed from the quorum leader carries no deletions, so partitions of
 * topics it no longer has (or has under a new id) must go from disk.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ReplicaManager, logConfigOf } from '../../src/broker/index.ts';
import {
  MetadataDelta, MetadataImage, metadataRecord, records as codecs, resolveBrokerConfig, topicConfig, type MetadataRecord,
} from '../../src/metadata/index.ts';
import { LogManager } from '../../src/storage/index.ts';
import { tempDir } from '../helpers/broker.ts';

function imageOf(topics: { name: string; id: string }[]): MetadataImage {
  const records: MetadataRecord[] = topics.flatMap((t) => [
    metadataRecord(codecs.TopicRecord, { name: t.name, topicId: t.id }),
    metadataRecord(codecs.PartitionRecord, {
      ...codecs.defaultPartitionRecord(), topicId: t.id, partitionId: 0, replicas: [1], isr: [1], leader: 1, leaderEpoch: 0, partitionEpoch: 0, directories: [],
    }, 0),
  ]);
  const delta = new MetadataDelta(MetadataImage.empty());
  for (const r of records) delta.replay(r);
  return delta.apply(records.length).image;
}

test('a whole new image drops partitions of topics it no longer has, and of topics recreated under a new id', () => {
  const t = tempDir();
  try {
    const resolved = resolveBrokerConfig({ 'log.dirs': t.dir });
    assert.ok(resolved.ok);
    const defaults = topicConfig(resolved.config, {});
    assert.ok(defaults.ok);
    const logs = LogManager.open([t.dir], { nowMs: () => 0 }, logConfigOf(defaults.config));
    const replicas = new ReplicaManager({ nodeId: 1, logs, clock: { nowMs: () => 0 }, log: () => {}, topicConfig: () => defaults.config });
    replicas.applyMetadata(imageOf([{ name: 'kept', id: 'AAAAAAAAAAAAAAAAAAAAAg' }, { name: 'gone', id: 'AAAAAAAAAAAAAAAAAAAAAw' }, { name: 'reborn', id: 'AAAAAAAAAAAAAAAAAAAABA' }]), null);
    assert.ok(existsSync(join(t.dir, 'gone-0')));

    replicas.applyMetadata(imageOf([{ name: 'kept', id: 'AAAAAAAAAAAAAAAAAAAAAg' }, { name: 'reborn', id: 'AAAAAAAAAAAAAAAAAAAABQ' }]), null);
    assert.equal(replicas.get('gone', 0), undefined);
    assert.ok(!existsSync(join(t.dir, 'gone-0')), 'the dropped topic leaves the disk');
    assert.ok(replicas.get('kept', 0) !== undefined);
    assert.equal(replicas.get('reborn', 0)!.topicId, 'AAAAAAAAAAAAAAAAAAAABQ', 'a recreated topic gets a fresh replica');
    logs.close();
  } finally {
    t.remove();
  }
});
