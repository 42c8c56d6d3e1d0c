/**
 * The Raft core's disk (MetadataLogStore) and wire (Kafka message mapping):
 * what a Ready persists comes back on load, truncation and snapshots
 * reshape the log as the core asked, and every core message survives the
 * trip through Kafka's Vote/BeginQuorumEpoch/EndQuorumEpoch/Fetch/
 * FetchSnapshot codecs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { MetadataLogStore } from '../../src/raft/metadata-log-store.ts';
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse, RaftApi } from '../../src/raft/wire.ts';
import type { Entry, Message, Ready } from '../../src/raft/core/index.ts';
import { Reader, Writer, requestCodec, responseCodec } from '../../src/protocol/index.ts';
import { buildRecordBatch } from '../../src/records/index.ts';
import { LOG_CONFIG_DEFAULTS } from '../../src/storage/index.ts';
import { tempDir } from '../helpers/broker.ts';

const clock = { nowMs: () => 1_700_000_000_000 };

function entry(baseOffset: number, epoch: number, values: string[], control = false): Entry {
  return { baseOffset, epoch, control, records: values.map((v) => Buffer.from(v)) };
}

function ready(fields: Partial<Ready>): Ready {
  return { hardState: null, snapshot: null, truncateTo: null, entries: [], messages: [], committed: [], highWatermark: 0, ...fields };
}

const plain = (entries: readonly Entry[]) => entries.map((e) => ({ ...e, records: e.records.map((r) => r.toString()) }));

test('hard state and entries persist; truncation drops the divergent tail', () => {
  const t = tempDir();
  try {
    const dir = join(t.dir, '__cluster_metadata-0');
    let store = MetadataLogStore.open(dir, LOG_CONFIG_DEFAULTS, clock);
    assert.deepEqual(store.load(), { hardState: { epoch: 0, votedFor: null, leaderId: null }, snapshot: null, entries: [] });
    store.persist(ready({
      hardState: { epoch: 3, votedFor: 2, leaderId: 2 },
      entries: [entry(0, 1, ['leader-change'], true), entry(1, 1, ['a', 'b']), entry(3, 3, ['c'])],
    }));
    store.persist(ready({ truncateTo: 3, entries: [entry(3, 4, ['d', 'e'])], hardState: { epoch: 4, votedFor: null, leaderId: 1 } }));
    store.close();

    store = MetadataLogStore.open(dir, LOG_CONFIG_DEFAULTS, clock);
    const loaded = store.load();
    assert.deepEqual(loaded.hardState, { epoch: 4, votedFor: null, leaderId: 1 });
    assert.deepEqual(plain(loaded.entries), plain([entry(0, 1, ['leader-change'], true), entry(1, 1, ['a', 'b']), entry(3, 4, ['d', 'e'])]));
    store.close();
  } finally {
    t.remove();
  }
});

test('a snapshot taken locally trims the log before it; one installed from the leader replaces the log', () => {
  const t = tempDir();
  try {
    const dir = join(t.dir, '__cluster_metadata-0');
    let store = MetadataLogStore.open(dir, { ...LOG_CONFIG_DEFAULTS, segmentBytes: 200 }, clock);
    const entries = Array.from({ length: 20 }, (_, i) => entry(i, 1, [`value-${i}`]));
    for (const e of entries) store.persist(ready({ entries: [e] }));
    const data = buildRecordBatch([{ key: null, value: Buffer.from('state'), timestamp: 0n }]);
    store.saveSnapshot({ id: { offset: 12, epoch: 1 }, data });
    store.close();

    store = MetadataLogStore.open(dir, { ...LOG_CONFIG_DEFAULTS, segmentBytes: 200 }, clock);
    let loaded = store.load();
    assert.deepEqual(loaded.snapshot?.id, { offset: 12, epoch: 1 });
    assert.deepEqual(loaded.snapshot?.data, data);
    assert.deepEqual(plain(loaded.entries), plain(entries.slice(12)));

    const later = buildRecordBatch([{ key: null, value: Buffer.from('later state'), timestamp: 0n }]);
    store.persist(ready({ snapshot: { id: { offset: 40, epoch: 2 }, data: later }, entries: [entry(40, 2, ['after'])] }));
    store.close();
    store = MetadataLogStore.open(dir, LOG_CONFIG_DEFAULTS, clock);
    loaded = store.load();
    assert.deepEqual(loaded.snapshot?.id, { offset: 40, epoch: 2 });
    assert.deepEqual(plain(loaded.entries), plain([entry(40, 2, ['after'])]));
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.checkpoint')), ['00000000000000000040-0000000002.checkpoint'], 'older snapshots are removed');
    store.close();
  } finally {
    t.remove();
  }
});

/** Through the generated codecs, bytes and back, at the version Samsa's nodes speak. */
function viaWire(apiKey: number, body: unknown, response: boolean): any {
  const codec = response ? responseCodec(apiKey)! : requestCodec(apiKey)!;
  const version = apiKey === RaftApi.Fetch ? 17 : codec.maxVersion;
  const w = new Writer();
  codec.encode(w, body, version);
  return codec.decode(new Reader(w.toBuffer()), version);
}

test('every core message crosses Kafka\'s wire unchanged', () => {
  const requests: Message[] = [
    { type: 'vote', from: 1, to: 2, epoch: 5, lastEpoch: 4, lastOffset: 99, preVote: true },
    { type: 'vote', from: 1, to: 2, epoch: 5, lastEpoch: 4, lastOffset: 99, preVote: false },
    { type: 'beginEpoch', from: 1, to: 3, epoch: 5 },
    { type: 'endEpoch', from: 1, to: 3, epoch: 5, preferredSuccessors: [3, 2] },
    { type: 'fetch', from: 4, to: 1, epoch: 5, fetchOffset: 10, lastFetchedEpoch: 4 },
    { type: 'fetchSnapshot', from: 4, to: 1, epoch: 5, snapshotId: { offset: 8, epoch: 3 }, position: 1024 },
  ];
  for (const m of requests) {
    const encoded = encodeRequest(m, 'cluster-id', 500)!;
    assert.deepEqual(decodeRequest(encoded.apiKey, viaWire(encoded.apiKey, encoded.body, false), m.to), m, m.type);
  }

  const fetch = requests[4] as Extract<Message, { type: 'fetch' }>;
  const answers: [Message, Message][] = [
    [requests[0]!, { type: 'voteResponse', from: 2, to: 1, epoch: 4, granted: true, preVote: true, leaderId: null }],
    [requests[1]!, { type: 'voteResponse', from: 2, to: 1, epoch: 5, granted: false, preVote: false, leaderId: 3 }],
    [requests[2]!, { type: 'beginEpochResponse', from: 3, to: 1, epoch: 5 }],
    [requests[3]!, { type: 'endEpochResponse', from: 3, to: 1, epoch: 5 }],
    [fetch, {
      type: 'fetchResponse', from: 1, to: 4, error: 'none', epoch: 5, leaderId: 1, highWatermark: 12,
      entries: [entry(10, 5, ['x', 'y'])], divergingEpoch: null, snapshotId: null, fetchOffset: 10, lastFetchedEpoch: 4,
    }],
    [fetch, {
      type: 'fetchResponse', from: 1, to: 4, error: 'none', epoch: 5, leaderId: 1, highWatermark: 12,
      entries: [], divergingEpoch: { offset: 7, epoch: 3 }, snapshotId: null, fetchOffset: 10, lastFetchedEpoch: 4,
    }],
    [fetch, {
      type: 'fetchResponse', from: 1, to: 4, error: 'fencedLeaderEpoch', epoch: 6, leaderId: 2, highWatermark: 12,
      entries: [], divergingEpoch: null, snapshotId: { offset: 20, epoch: 5 }, fetchOffset: 10, lastFetchedEpoch: 4,
    }],
    [requests[5]!, {
      type: 'fetchSnapshotResponse', from: 1, to: 4, error: 'none', epoch: 5, leaderId: 1,
      snapshotId: { offset: 8, epoch: 3 }, size: 4096, position: 1024, chunk: Buffer.from('chunk'),
    }],
  ];
  for (const [request, answer] of answers) {
    const apiKey = encodeRequest(request, 'c', 0)!.apiKey;
    const body = viaWire(apiKey, encodeResponse(apiKey, answer, clock.nowMs()), true);
    const back = decodeResponse(request, body);
    if (answer.type === 'fetchResponse') {
      assert.deepEqual({ ...back, entries: plain((back as typeof answer).entries) }, { ...answer, entries: plain(answer.entries) });
    } else {
      assert.deepEqual(back, answer, answer.type);
    }
  }
});
