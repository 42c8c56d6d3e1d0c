// Child process of bench/broker.bench.ts: a KafkaJS producer that sends
// COUNT records of SIZE bytes to TOPIC in sends of BATCH messages, with up to
// INFLIGHT sends outstanding, and prints one JSON line with the timing. The
// clock starts after connect (metadata fetched), so it measures the sends.
//
//   node bench/broker-kafkajs.ts BOOTSTRAP TOPIC COUNT SIZE ACKS [BATCH] [INFLIGHT]

import { Kafka, logLevel } from 'kafkajs';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const [bootstrap, topic, countArg, sizeArg, acksArg, batchArg = '1000', inflightArg = '8'] = process.argv.slice(2);
if (bootstrap === undefined || topic === undefined || countArg === undefined || sizeArg === undefined || acksArg === undefined) {
  console.error('usage: broker-kafkajs.ts BOOTSTRAP TOPIC COUNT SIZE ACKS [BATCH] [INFLIGHT]');
  process.exit(2);
}
const count = Number(countArg);
const size = Number(sizeArg);
const acks = acksArg === 'all' ? -1 : Number(acksArg);
const batch = Number(batchArg);
const inflight = Number(inflightArg);

const kafka = new Kafka({ clientId: 'samsa-bench', brokers: [bootstrap], logLevel: logLevel.NOTHING });
const producer = kafka.producer({ allowAutoTopicCreation: false });
await producer.connect();
// One array of messages reused by every send (KafkaJS encodes on each send).
const value = Buffer.alloc(size, 'x');
const messages = Array.from({ length: batch }, () => ({ value }));
// Warm the metadata for the topic so the timed part is only sends.
await producer.send({ topic, acks, messages: messages.slice(0, 1) });

let sent = 0;
const start = performance.now();
async function lane(): Promise<void> {
  while (sent < count) {
    const n = Math.min(batch, count - sent);
    sent += n;
    await producer.send({ topic, acks, messages: n === batch ? messages : messages.slice(0, n) });
  }
}
await Promise.all(Array.from({ length: inflight }, lane));
const seconds = (performance.now() - start) / 1000;
await producer.disconnect();
console.log(JSON.stringify({ records: count + 1, timedRecords: count, seconds }));
