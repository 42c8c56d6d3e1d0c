/**
 * KIP-890 verification over a real socket: a transaction's first write to a
 * partition is checked with its coordinator. A write to a partition the
 * transaction never added, or a late write after the transaction ended, is
 * refused with INVALID_TXN_STATE instead of opening a transaction nobody
 * would end; with transaction.partition.verification.enable=false it is not.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Admin, Cluster, Consumer, Producer, TransactionsAdmin } from '../../src/client/index.ts';
import { ApiKey, ErrorCode, messages, type BrokerConnection } from '../../src/protocol/index.ts';
import { buildRecordBatch } from '../../src/records/index.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';

const brokers: TestBroker[] = [];
const clusters: Cluster[] = [];

after(async () => {
  for (const c of clusters) await c.close();
  for (const b of brokers) await b.stop();
});

async function setUp(config: Record<string, string>): Promise<{ cluster: Cluster; producer: Producer }> {
  const broker = await startTestBroker({ 'auto.create.topics.enable': 'false', ...config });
  brokers.push(broker);
  const cluster = new Cluster({ bootstrapServers: [broker.bootstrap], clientId: 'txn-verify' });
  clusters.push(cluster);
  await new Admin(cluster).createTopics([{ name: 'v', partitions: 2 }]);
  const producer = new Producer(cluster, { transactionalId: 'verified', lingerMs: 1 });
  await producer.initTransactions();
  return { cluster, producer };
}

/** A transactional batch of the producer, sent as its client would (with the transactional id), answered per partition. */
async function rawProduce(conn: BrokerConnection, producer: { producerId: bigint; producerEpoch: number }, partition: number, sequence: number): Promise<number> {
  const records = buildRecordBatch([{ key: null, value: Buffer.from(`late-${sequence}`), timestamp: BigInt(Date.now()) }], {
    producerId: producer.producerId, producerEpoch: producer.producerEpoch, baseSequence: sequence, isTransactional: true,
  });
  const res = await conn.request(ApiKey.Produce, {
    ...messages.ProduceRequest.defaults(), transactionalId: 'verified', acks: -1, timeoutMs: 5000,
    topicData: [{ ...messages.defaultProduceRequestTopicProduceData(), name: 'v', partitionData: [{ ...messages.defaultProduceRequestPartitionProduceData(), index: partition, records }] }],
  });
  return res.responses[0]!.partitionResponses[0]!.errorCode;
}

async function producerOf(cluster: Cluster): Promise<{ producerId: bigint; producerEpoch: number }> {
  const [d] = await new TransactionsAdmin(cluster).describeTransactions(['verified']);
  return { producerId: d!.producerId, producerEpoch: d!.producerEpoch };
}

test('a write to a partition outside the transaction, and a late write after it ended, are refused; the partition stays stable', { timeout: 60_000 }, async () => {
  const { cluster, producer } = await setUp({});
  producer.beginTransaction();
  await producer.send({ topic: 'v', partition: 0, value: 'in' });
  const conn = await cluster.leaderFor('v', 0);
  const ids = await producerOf(cluster);
  // Partition 1 was never added to the ongoing transaction.
  assert.equal(await rawProduce(conn, ids, 1, 0), ErrorCode.INVALID_TXN_STATE);
  await producer.abortTransaction();
  // The transaction is over: a write that arrives late (same producer, same epoch, next sequence) opens nothing.
  assert.equal(await rawProduce(conn, ids, 0, 1), ErrorCode.INVALID_TXN_STATE);
  const consumer = new Consumer(cluster, { isolationLevel: 'read_committed' });
  consumer.assign([{ topic: 'v', partition: 0, offset: 0n }, { topic: 'v', partition: 1, offset: 0n }]);
  await consumer.poll(300);
  // Data and marker on partition 0: the last stable offset is past both, and nothing holds partition 1.
  assert.equal(consumer.lastStableOffset('v', 0), 2n);
  assert.equal(consumer.lastStableOffset('v', 1), 0n);
  await consumer.close();
  // The producer goes on normally.
  producer.beginTransaction();
  await producer.send({ topic: 'v', partition: 1, value: 'next' });
  await producer.commitTransaction();
});

test('with transaction.partition.verification.enable=false the late write opens a transaction that hangs', { timeout: 60_000 }, async () => {
  const { cluster, producer } = await setUp({ 'transaction.partition.verification.enable': 'false' });
  producer.beginTransaction();
  await producer.send({ topic: 'v', partition: 0, value: 'in' });
  const conn = await cluster.leaderFor('v', 0);
  const ids = await producerOf(cluster);
  await producer.abortTransaction();
  assert.equal(await rawProduce(conn, ids, 0, 1), ErrorCode.NONE);
  const producers = await new TransactionsAdmin(cluster).describeProducers('v', 0);
  assert.equal(producers.find((p) => p.producerId === ids.producerId)?.currentTransactionStartOffset, 2n, 'the late write opened a transaction at offset 2');
});
