/**
 * A broker process killed (kill -9) in the middle of transactions comes back
 * knowing them: the coordinator reloads `__transaction_state`, so a producer
 * whose transaction was open commits it after the restart, the producer's id
 * and epoch carry on, and an instance that re-initialises afterwards fences
 * the old one and aborts its open transaction.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Admin, Cluster, Consumer, Producer, TransactionsAdmin } from '../../src/client/index.ts';
import { tempDir } from '../helpers/broker.ts';
import { killAllChildren, startBrokerProcess, type BrokerProcess } from '../helpers/processes.ts';
import { until } from '../helpers/until.ts';

const clusters: Cluster[] = [];
after(async () => {
  for (const c of clusters) await c.close();
  killAllChildren();
});

function cluster(bootstrap: string): Cluster {
  const c = new Cluster({ bootstrapServers: [bootstrap], clientId: 'txn-restart', requestTimeoutMs: 5000 });
  clusters.push(c);
  return c;
}

async function readCommitted(bootstrap: string, topic: string, count: number): Promise<string[]> {
  const consumer = new Consumer(cluster(bootstrap), { isolationLevel: 'read_committed', fetchMaxWaitMs: 100 });
  consumer.assign([{ topic, partition: 0, offset: 0n }]);
  const got: string[] = [];
  await until(`${count} committed records of ${topic}`, async () => {
    for (const r of await consumer.poll(200)) got.push(r.value!.toString());
    return got.length >= count;
  }, { timeoutMs: 15_000 });
  await consumer.close();
  return got;
}

test('after kill -9 and a restart, an open transaction commits, and a new instance fences the old one and aborts its transaction', { timeout: 90_000 }, async () => {
  const data = tempDir('samsa-txn-restart-');
  let broker: BrokerProcess = await startBrokerProcess(data.dir);
  const port = broker.port;
  try {
    const c = cluster(broker.bootstrap);
    await new Admin(c).createTopics([{ name: 'kept', partitions: 1 }, { name: 'fenced', partitions: 1 }]);
    const survivor = new Producer(c, { transactionalId: 'survivor', lingerMs: 1, maxBlockMs: 30_000 });
    await survivor.initTransactions();
    survivor.beginTransaction();
    await survivor.send({ topic: 'kept', partition: 0, value: 'before-crash' });
    const zombie = new Producer(c, { transactionalId: 'replaced', lingerMs: 1, maxBlockMs: 30_000 });
    await zombie.initTransactions();
    zombie.beginTransaction();
    await zombie.send({ topic: 'fenced', partition: 0, value: 'never-committed' });

    await broker.kill9();
    broker = await startBrokerProcess(data.dir, {}, port);

    // The coordinator knows the open transaction (and its partition) from its log: the commit completes.
    await survivor.send({ topic: 'kept', partition: 0, value: 'after-restart' });
    await survivor.commitTransaction();
    assert.deepEqual(await readCommitted(broker.bootstrap, 'kept', 2), ['before-crash', 'after-restart']);
    const [described] = await new TransactionsAdmin(cluster(broker.bootstrap)).describeTransactions(['survivor']);
    assert.equal(described!.state, 'CompleteCommit');

    // A new instance of the other id: its init aborts the old instance's open transaction and fences it.
    const successor = new Producer(cluster(broker.bootstrap), { transactionalId: 'replaced', lingerMs: 1, maxBlockMs: 30_000 });
    await successor.initTransactions();
    successor.beginTransaction();
    await successor.send({ topic: 'fenced', partition: 0, value: 'successor' });
    await successor.commitTransaction();
    assert.deepEqual(await readCommitted(broker.bootstrap, 'fenced', 1), ['successor']);
    await assert.rejects(zombie.commitTransaction(), /FENCED|EPOCH/);
  } finally {
    await broker.stop();
    data.remove();
  }
});
