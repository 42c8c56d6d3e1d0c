/**
 * Client quotas on a real broker: AlterClientQuotas and DescribeClientQuotas
 * through @platformatic/kafka (and raw requests for the answers it will not
 * send), quotas surviving a restart, and enforcement: a KafkaJS producer held
 * to producer_byte_rate with throttle times in the responses, and consumer
 * fetches under consumer_byte_rate as Kafka answers them: cut to the quota's
 * window, and past it empty with the throttle time.
 *
 * The broker runs with quota.window.num=2 (1 s samples): with Kafka's default
 * of 11 the rate is measured over at least 10 s, so a client may send ten
 * seconds' worth before the first throttle and a 3 s run would measure the
 * burst, not the limit.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs from 'kafkajs';
import { Admin as PlatformaticAdmin } from '@platformatic/kafka';
import { messages } from '../../src/protocol/index.ts';
import { startTestBroker, tempDir, type TestBroker } from '../helpers/broker.ts';
import { request } from '../helpers/raw-fetch.ts';

const { Kafka, logLevel } = kafkajs;
const CONFIG = { 'quota.window.num': '2', 'auto.create.topics.enable': 'false' };
/** The client id raw-fetch's requests carry; the producer below uses it too, so both are metered together. */
const CLIENT_ID = 'samsa-test';
const PRODUCER_BYTE_RATE = 512 * 1024;
const INVALID_REQUEST = 42;

let broker: TestBroker;
let data: { dir: string; remove(): void };
let admin: PlatformaticAdmin;

before(async () => {
  data = tempDir();
  broker = await startTestBroker(CONFIG, data.dir);
  admin = new PlatformaticAdmin({ clientId: 'quota-admin', bootstrapBrokers: [broker.bootstrap], retries: 0 });
});

after(async () => {
  await admin?.close();
  await broker?.stop();
  data?.remove();
});

type Entity = { entityType: string; entityName?: string | null }[];

function flat(entries: { entity: Entity; values: { key: string; value: number }[] }[]): string[] {
  return entries.map((e) => `${e.entity.map((p) => `${p.entityType}=${p.entityName ?? '<default>'}`).sort().join('&')}: ${
    e.values.map((v) => `${v.key}=${v.value}`).sort().join(',')}`).sort();
}

test('AlterClientQuotas and DescribeClientQuotas (@platformatic/kafka), with Kafka\'s refusals', async () => {
  const results = await admin.alterClientQuotas({
    entries: [
      { entities: [{ entityType: 'user', entityName: 'alice' }], ops: [{ key: 'producer_byte_rate', value: 1048576, remove: false }] },
      { entities: [{ entityType: 'user', entityName: null }], ops: [{ key: 'consumer_byte_rate', value: 2097152, remove: false }] },
      {
        entities: [{ entityType: 'user', entityName: 'alice' }, { entityType: 'client-id', entityName: 'app' }],
        ops: [{ key: 'request_percentage', value: 50, remove: false }],
      },
      { entities: [{ entityType: 'client-id', entityName: null }], ops: [{ key: 'producer_byte_rate', value: 4096, remove: false }] },
    ],
  });
  assert.deepEqual(results.map((r) => r.errorCode), [0, 0, 0, 0]);
  assert.deepEqual(flat(await admin.describeClientQuotas({ components: [] })), [
    'client-id=<default>: producer_byte_rate=4096',
    'client-id=app&user=alice: request_percentage=50',
    'user=<default>: consumer_byte_rate=2097152',
    'user=alice: producer_byte_rate=1048576',
  ]);
  assert.deepEqual(flat(await admin.describeClientQuotas({ components: [{ entityType: 'user', matchType: 0, match: 'alice' }], strict: true })), [
    'user=alice: producer_byte_rate=1048576',
  ]);
  assert.deepEqual(flat(await admin.describeClientQuotas({ components: [{ entityType: 'user', matchType: 1 }] })), [
    'user=<default>: consumer_byte_rate=2097152',
  ]);
  // Removing what is left of an entity removes the entity.
  await admin.alterClientQuotas({ entries: [{ entities: [{ entityType: 'client-id', entityName: null }], ops: [{ key: 'producer_byte_rate', remove: true }] }] });
  assert.deepEqual(flat(await admin.describeClientQuotas({ components: [{ entityType: 'client-id', matchType: 2 }] })), [
    'client-id=app&user=alice: request_percentage=50',
  ]);

  // Bad requests, raw: an unknown key, a byte rate that is not whole, a negative rate, a bad filter.
  const alter = await request<messages.AlterClientQuotasResponse>(broker.bootstrap, 49, 1, {
    ...messages.AlterClientQuotasRequest.defaults(),
    entries: [['fetch_rate', 1], ['producer_byte_rate', 10.5], ['consumer_byte_rate', -1]].map(([key, value]) => ({
      ...messages.defaultAlterClientQuotasRequestEntryData(),
      entity: [{ ...messages.defaultAlterClientQuotasRequestEntityData(), entityType: 'client-id', entityName: `bad-${key}` }],
      ops: [{ ...messages.defaultAlterClientQuotasRequestOpData(), key: key as string, value: value as number }],
    })),
  });
  assert.deepEqual(alter.entries.map((e) => [e.errorCode, e.errorMessage]), [
    [INVALID_REQUEST, 'Invalid configuration key fetch_rate'],
    [INVALID_REQUEST, 'Configuration producer_byte_rate must be a Long value'],
    [INVALID_REQUEST, 'Configuration consumer_byte_rate must be greater than 0, but it is -1'],
  ]);
  const describe = await request<messages.DescribeClientQuotasResponse>(broker.bootstrap, 48, 1, {
    ...messages.DescribeClientQuotasRequest.defaults(),
    components: [{ ...messages.defaultDescribeClientQuotasRequestComponentData(), entityType: 'user', matchType: 0, match: null }],
  });
  assert.deepEqual([describe.errorCode, describe.errorMessage, describe.entries], [
    INVALID_REQUEST, 'Request specified MATCH_TYPE_EXACT, but set match string to null.', null,
  ]);
  // Clean up for the enforcement tests: the default user quota would meter them too.
  await admin.alterClientQuotas({
    entries: [
      { entities: [{ entityType: 'user', entityName: null }], ops: [{ key: 'consumer_byte_rate', remove: true }] },
    ],
  });
});

async function produceFor(durationMs: number, valueBytes: number): Promise<{ bytes: number; elapsedMs: number }> {
  const kafka = new Kafka({ clientId: CLIENT_ID, brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  const value = Buffer.alloc(valueBytes, 7);
  let bytes = 0;
  const startedMs = Date.now();
  try {
    while (Date.now() - startedMs < durationMs) {
      await producer.send({ topic: 'limited', acks: 1, messages: [{ value }] });
      bytes += valueBytes;
    }
  } finally {
    await producer.disconnect();
  }
  return { bytes, elapsedMs: Date.now() - startedMs };
}

async function rawProduce(bytes: number): Promise<number> {
  const { buildRecordBatch } = await import('../../src/records/index.ts');
  const batch = buildRecordBatch([{ key: null, value: Buffer.alloc(bytes, 1), timestamp: BigInt(Date.now()) }], { baseOffset: 0n });
  const res = await request<messages.ProduceResponse>(broker.bootstrap, 0, 9, {
    ...messages.ProduceRequest.defaults(), acks: 1, timeoutMs: 5000,
    topicData: [{ ...messages.defaultProduceRequestTopicProduceData(), name: 'limited', partitionData: [{ ...messages.defaultProduceRequestPartitionProduceData(), index: 0, records: batch }] }],
  });
  assert.equal(res.responses[0]!.partitionResponses[0]!.errorCode, 0);
  return res.throttleTimeMs;
}

test('a producer over producer_byte_rate is held to about the limit, with throttle times in its responses', async () => {
  const kafka = new Kafka({ clientId: 'quota-setup', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const setup = kafka.admin();
  await setup.connect();
  await setup.createTopics({ topics: [{ topic: 'limited' }], waitForLeaders: true });
  await setup.disconnect();
  assert.equal(await rawProduce(64 * 1024), 0, 'no quota yet');
  const altered = await admin.alterClientQuotas({
    entries: [{ entities: [{ entityType: 'client-id', entityName: CLIENT_ID }], ops: [{ key: 'producer_byte_rate', value: PRODUCER_BYTE_RATE, remove: false }] }],
  });
  assert.equal(altered[0]!.errorCode, 0);

  const { bytes, elapsedMs } = await produceFor(3000, 32 * 1024);
  const rate = (bytes * 1000) / elapsedMs;
  // Unthrottled, this loop moves tens of MB/s on loopback. The first second's allowance comes on top of the
  // steady rate, so about (3 + 1) / 3 of the limit is expected.
  assert.ok(rate > PRODUCER_BYTE_RATE * 0.5 && rate < PRODUCER_BYTE_RATE * 1.8, `${Math.round(rate)} B/s against a limit of ${PRODUCER_BYTE_RATE}`);
  assert.ok(await rawProduce(256 * 1024) > 0, 'a request past the quota is answered with a throttle time');

  await admin.alterClientQuotas({
    entries: [{ entities: [{ entityType: 'client-id', entityName: CLIENT_ID }], ops: [{ key: 'producer_byte_rate', remove: true }] }],
  });
  assert.equal(await rawProduce(256 * 1024), 0, 'the quota is gone');
});

test('a consumer fetch past consumer_byte_rate is answered empty with a throttle time, and its bytes are not counted', async () => {
  // With 1 s samples and quota.window.num=2 a fetch may carry at most 50 kB (the quota over one window).
  await admin.alterClientQuotas({
    entries: [{ entities: [{ entityType: 'user', entityName: 'ANONYMOUS' }], ops: [{ key: 'consumer_byte_rate', value: 50_000, remove: false }] }],
  });
  const fetch = async (fetchOffset: bigint) => {
    const req = messages.FetchRequest.defaults();
    req.maxWaitMs = 0;
    req.maxBytes = 1 << 20;
    // Each fetch asks for a new incremental session (KIP-227).
    req.sessionId = 0;
    req.sessionEpoch = 0;
    req.topics = [{
      ...messages.defaultFetchRequestFetchTopic(), topic: 'limited',
      partitions: [{ ...messages.defaultFetchRequestFetchPartition(), partition: 0, fetchOffset, partitionMaxBytes: 1 << 20 }],
    }];
    return request<messages.FetchResponse>(broker.bootstrap, 1, 11, req);
  };
  // Offset 0 is one 64 kB batch: past the quota's window even alone (a fetch returns at least one batch). Kafka
  // answers that with no partitions and the throttle time, and takes the bytes back.
  const over = await fetch(0n);
  assert.deepEqual([over.errorCode, over.responses, over.sessionId], [0, [], 0], 'no partitions, and no session opened');
  assert.ok(over.throttleTimeMs > 0, `${over.throttleTimeMs} ms`);
  // From offset 1 the batches hold 32 kB each: the 1 MB asked for is cut to the 50 kB the quota allows, which is
  // one batch, within the quota — and only because the 64 kB answered empty were not counted.
  const within = await fetch(1n);
  assert.equal(within.throttleTimeMs, 0);
  assert.notEqual(within.sessionId, 0, 'a fetch answered with data opens its session');
  const records = within.responses[0]!.partitions[0]!.records!;
  assert.ok(records.length > 32 * 1024 && records.length < 50_000, `${records.length} bytes`);
  await admin.alterClientQuotas({
    entries: [{ entities: [{ entityType: 'user', entityName: 'ANONYMOUS' }], ops: [{ key: 'consumer_byte_rate', remove: true }] }],
  });
  const free = await fetch(0n);
  assert.equal(free.throttleTimeMs, 0);
  assert.ok(free.responses[0]!.partitions[0]!.records!.length > 100_000, 'without the quota the 1 MB asked for is served');
});

test('client quotas survive a restart', async () => {
  await broker.stop();
  broker = await startTestBroker(CONFIG, data.dir);
  await admin.close();
  admin = new PlatformaticAdmin({ clientId: 'quota-admin', bootstrapBrokers: [broker.bootstrap], retries: 0 });
  assert.deepEqual(flat(await admin.describeClientQuotas({ components: [] })), [
    'client-id=app&user=alice: request_percentage=50',
    'user=alice: producer_byte_rate=1048576',
  ]);
});
