/**
 * `samsa transactions`, in-process: list and describe what Samsa's
 * transactional producers left, describe a partition's producers, and find
 * and abort a hanging transaction — data written in a transaction that no
 * coordinator knows, which only an ABORT marker can end.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Admin, Cluster, Consumer, Producer } from '../../src/client/index.ts';
import { ApiKey, ErrorCode, messages } from '../../src/protocol/index.ts';
import { buildRecordBatch } from '../../src/records/index.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { isOneLineError, samsa } from '../helpers/samsa-cli.ts';

let broker: TestBroker;
let cluster: Cluster;
let B: string[];
let open: Producer;

before(async () => {
  broker = await startTestBroker({ 'auto.create.topics.enable': 'false' });
  B = ['--bootstrap-server', broker.bootstrap];
  cluster = new Cluster({ bootstrapServers: [broker.bootstrap], clientId: 'cli-txn' });
  await new Admin(cluster).createTopics([{ name: 'txn-cli', partitions: 2 }, { name: 'hang', partitions: 1 }]);
  const done = new Producer(cluster, { transactionalId: 'done-id', lingerMs: 1 });
  await done.initTransactions();
  done.beginTransaction();
  await done.send({ topic: 'txn-cli', partition: 0, value: 'committed' });
  await done.commitTransaction();
  open = new Producer(cluster, { transactionalId: 'open-id', lingerMs: 1, transactionTimeoutMs: 600_000 });
  await open.initTransactions();
  open.beginTransaction();
  await open.send({ topic: 'txn-cli', partition: 1, value: 'pending' });
});

after(async () => {
  await cluster?.close();
  await broker?.stop();
});

test('list and describe show each transactional id with its coordinator, producer and state', async () => {
  const list = await samsa(['transactions', ...B, 'list']);
  assert.equal(list.code, 0, list.stderr);
  const rows = list.stdout.trim().split('\n').map((l) => l.split(/\s+/));
  assert.deepEqual(rows[0], ['TransactionalId', 'Coordinator', 'ProducerId', 'TransactionState']);
  assert.deepEqual(rows.slice(1).map((r) => [r[0], r[1], r[3]]), [['done-id', '1', 'CompleteCommit'], ['open-id', '1', 'Ongoing']]);
  const ongoing = await samsa(['transactions', ...B, '--json', 'list', '--state', 'Ongoing']);
  assert.deepEqual(JSON.parse(ongoing.stdout).map((t: { transactionalId: string }) => t.transactionalId), ['open-id']);
  const described = await samsa(['transactions', ...B, 'describe', '--transactional-id', 'open-id']);
  assert.equal(described.code, 0, described.stderr);
  const [header, row] = described.stdout.trim().split('\n').map((l) => l.split(/\s+/));
  const byName = Object.fromEntries(header!.map((h, i) => [h, row![i]]));
  assert.equal(byName.TransactionState, 'Ongoing');
  assert.equal(byName.TopicPartitions, 'txn-cli-1');
  assert.ok(Number(byName.TransactionDurationMs) >= 0);
  const unknown = await samsa(['transactions', ...B, 'describe', '--transactional-id', 'nobody']);
  assert.ok(isOneLineError(unknown), unknown.stderr);
  assert.match(unknown.stderr, /TRANSACTIONAL_ID_NOT_FOUND/);
});

test('describe-producers shows the open transaction\'s first offset', async () => {
  const r = await samsa(['transactions', ...B, '--json', 'describe-producers', '--topic', 'txn-cli', '--partition', '1']);
  assert.equal(r.code, 0, r.stderr);
  const producers = JSON.parse(r.stdout) as { currentTransactionStartOffset: string; producerEpoch: number }[];
  assert.equal(producers.length, 1);
  assert.equal(producers[0]!.currentTransactionStartOffset, '0');
});

test('find-hanging reports a transaction no coordinator knows, and abort ends it', async () => {
  // An idempotent producer id writing a transactional batch without ever asking a coordinator: nothing will end it.
  const conn = await cluster.any();
  const init = await conn.request(ApiKey.InitProducerId, {
    ...messages.InitProducerIdRequest.defaults(), transactionalId: null, transactionTimeoutMs: 0, producerId: -1n, producerEpoch: -1,
  });
  assert.equal(init.errorCode, ErrorCode.NONE);
  const batch = buildRecordBatch([{ key: null, value: Buffer.from('stuck'), timestamp: BigInt(Date.now() - 3_600_000) }], {
    producerId: init.producerId, producerEpoch: 0, baseSequence: 0, isTransactional: true,
  });
  const produced = await conn.request(ApiKey.Produce, {
    ...messages.ProduceRequest.defaults(), acks: -1, timeoutMs: 5000,
    topicData: [{ ...messages.defaultProduceRequestTopicProduceData(), name: 'hang', partitionData: [{ ...messages.defaultProduceRequestPartitionProduceData(), index: 0, records: batch }] }],
  });
  assert.equal(produced.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.NONE);

  const found = await samsa(['transactions', ...B, '--json', 'find-hanging', '--broker-id', '1', '--max-transaction-timeout', '0']);
  assert.equal(found.code, 0, found.stderr);
  const hanging = JSON.parse(found.stdout) as { topic: string; partition: number; producerId: string; currentTransactionStartOffset: string }[];
  // open-id's transaction is young but known to its coordinator: not hanging, whatever the timeout.
  assert.deepEqual(hanging.map((h) => [h.topic, h.partition, h.producerId, h.currentTransactionStartOffset]), [['hang', 0, String(init.producerId), '0']]);

  const noTarget = await samsa(['transactions', ...B, 'abort', '--topic', 'hang', '--partition', '0']);
  assert.equal(noTarget.code, 2);
  const aborted = await samsa(['transactions', ...B, 'abort', '--topic', 'hang', '--partition', '0', '--start-offset', '0']);
  assert.equal(aborted.code, 0, aborted.stderr);
  const after = await samsa(['transactions', ...B, 'find-hanging', '--topic', 'hang', '--max-transaction-timeout', '0']);
  assert.equal(after.stdout.trim().split('\n').length, 1, `only the header is left: ${after.stdout}`);
  // The partition is stable again: a read_committed consumer reaches its end and sees nothing of the aborted data.
  const consumer = new Consumer(cluster, { isolationLevel: 'read_committed' });
  consumer.assign([{ topic: 'hang', partition: 0, offset: 0n }]);
  assert.deepEqual(await consumer.poll(500), []);
  assert.equal(consumer.lastStableOffset('hang', 0), 2n);
  await consumer.close();
});
