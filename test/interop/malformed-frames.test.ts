/**
 * Bytes no client library would send: a frame that cannot be decoded closes
 * only its own connection, and every other client (KafkaJS, a raw socket)
 * keeps working. An ApiVersions request from the future is answered in v0
 * with UNSUPPORTED_VERSION and the list of what the broker serves.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { encodeRequest, exchange, fetchAll, request } from '../helpers/raw-fetch.ts';
import { ErrorCode, Reader, messages, readResponseHeader, responseCodec } from '../../src/protocol/index.ts';

let broker: TestBroker;
let admin: Admin;
let producer: Producer;

before(async () => {
  broker = await startTestBroker({ 'auto.create.topics.enable': 'false' });
  const kafka = new Kafka({ clientId: 'malformed-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 1 } });
  admin = kafka.admin();
  await admin.connect();
  producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  await admin.createTopics({ topics: [{ topic: 'survivor' }], waitForLeaders: true });
});

after(async () => {
  await producer?.disconnect();
  await admin?.disconnect();
  await broker?.stop();
});

/** Deterministic bytes (xorshift32), so a failure reproduces. */
function pseudoRandom(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

function frame(body: Buffer, size = body.length): Buffer {
  const prefix = Buffer.alloc(4);
  prefix.writeInt32BE(size);
  return Buffer.concat([prefix, body]);
}

/** api key, version, correlation id, then whatever follows. */
function header(apiKey: number, apiVersion: number, correlationId: number, rest: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeInt16BE(apiKey, 0);
  h.writeInt16BE(apiVersion, 2);
  h.writeInt32BE(correlationId, 4);
  return Buffer.concat([h, rest]);
}

async function stillServing(label: string): Promise<void> {
  const [meta] = await producer.send({ topic: 'survivor', messages: [{ key: label, value: `after ${label}` }] });
  assert.equal(meta!.errorCode, 0, `KafkaJS still produces after ${label}`);
  assert.ok((await admin.listTopics()).includes('survivor'), `KafkaJS admin still works after ${label}`);
  const res = await request<messages.ApiVersionsResponse>(broker.bootstrap, 18, 3, {
    ...messages.ApiVersionsRequest.defaults(), clientSoftwareName: 'samsa-test', clientSoftwareVersion: '1',
  });
  assert.equal(res.errorCode, ErrorCode.NONE, `a fresh raw connection works after ${label}`);
}

test('undecodable frames close only their own connection', async () => {
  const cases: [string, Buffer][] = [
    ['random bytes with a sane size', frame(Buffer.concat([Buffer.from([0x7f, 0x3a]), pseudoRandom(62, 1)]))],
    ['a Metadata v12 header followed by garbage', frame(header(3, 12, 7, pseudoRandom(56, 2)))],
    // Empty client id, no tags, null transactional id, acks -1, timeout 30000, then a topics array of 2^31 - 2 entries.
    ['a Produce v9 body claiming a huge array', frame(header(0, 9, 8, Buffer.concat([
      Buffer.from([0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0x00, 0x00, 0x75, 0x30, 0xff, 0xff, 0xff, 0xff, 0x07]), pseudoRandom(24, 3),
    ])))],
    ['a known API in a version from the future', frame(header(3, 99, 9, pseudoRandom(16, 4)))],
    ['an unknown API key', frame(header(9999, 0, 10, pseudoRandom(16, 5)))],
    ['a size prefix near 2 GiB', frame(pseudoRandom(32, 6), 0x7fffffff)],
    ['a negative size prefix', frame(pseudoRandom(32, 7), -5)],
    ['a size prefix too small for a header', frame(Buffer.from([0, 18, 0]), 3)],
  ];
  for (const [label, bytes] of cases) {
    const before = broker.logLines.length;
    assert.equal(await exchange(broker.bootstrap, bytes), null, `${label}: the broker closes the connection without answering`);
    const logged = broker.logLines.slice(before);
    assert.ok(logged.some((l) => l.startsWith('closing ')), `${label}: one log line says why (${JSON.stringify(logged)})`);
    await stillServing(label);
  }
  const records = await fetchAll(broker.bootstrap, 'survivor', 0, 0n);
  assert.deepEqual(records.map((r) => r.key?.toString()), cases.map(([label]) => label), 'nothing but the real writes reached the log');
});

test('a connection that sent garbage never disturbs a connection already in use', async () => {
  // Open a raw connection, send half a valid request, break another connection, then finish the first one.
  const valid = encodeRequest(3, 12, { ...messages.MetadataRequest.defaults(), topics: [{ ...messages.defaultMetadataRequestMetadataRequestTopic(), name: 'survivor' }] }, 77);
  const socket = connect(broker.port, '127.0.0.1');
  const answer = new Promise<Buffer>((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => reject(new Error('no answer')), 10_000);
    socket.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
        clearTimeout(timer);
        resolve(buf.subarray(4, 4 + buf.readInt32BE(0)));
      }
    });
    socket.on('error', reject);
  });
  await new Promise<void>((resolve) => socket.on('connect', resolve));
  socket.write(valid.subarray(0, 10));
  assert.equal(await exchange(broker.bootstrap, frame(header(3, 12, 1, pseudoRandom(40, 9)))), null);
  socket.write(valid.subarray(10));
  const r = new Reader(await answer);
  assert.equal(readResponseHeader(r, 3, 12).correlationId, 77);
  const meta = responseCodec(3)!.decode(r, 12) as messages.MetadataResponse;
  assert.equal(meta.topics[0]!.name, 'survivor');
  assert.equal(meta.topics[0]!.errorCode, 0);
  socket.destroy();
});

test('ApiVersions v99 gets a v0 answer: UNSUPPORTED_VERSION and the API list', async () => {
  // Header v2 as a flexible-version client would send it: client id (int16 length), empty tagged fields; then a v3-style body.
  const clientId = Buffer.from('future-client');
  const clientIdField = Buffer.alloc(2);
  clientIdField.writeInt16BE(clientId.length);
  const body = Buffer.concat([clientIdField, clientId, Buffer.from([0]), Buffer.from([4, ...Buffer.from('abc'), 2, ...Buffer.from('9'), 0])]);
  const res = await exchange(broker.bootstrap, frame(header(18, 99, 4242, body)));
  assert.ok(res, 'answered, not closed');
  const r = new Reader(res);
  assert.equal(readResponseHeader(r, 18, 0).correlationId, 4242, 'v0 response header: the correlation id only');
  const answer = responseCodec(18)!.decode(r, 0) as messages.ApiVersionsResponse;
  assert.equal(r.remaining(), 0, 'nothing after the v0 body');
  assert.equal(answer.errorCode, 35, 'UNSUPPORTED_VERSION');
  const byKey = new Map(answer.apiKeys.map((k) => [k.apiKey, k]));
  for (const key of [0, 1, 2, 3, 18, 19, 20]) assert.ok(byKey.has(key), `API ${key} listed`);
  const apiVersions = byKey.get(18)!;
  assert.equal(apiVersions.minVersion, 0);
  assert.ok(apiVersions.maxVersion >= 3 && apiVersions.maxVersion < 99);

  // The client can then pick a version from the list, on a new connection, and get a normal answer.
  const ok = await request<messages.ApiVersionsResponse>(broker.bootstrap, 18, apiVersions.maxVersion, {
    ...messages.ApiVersionsRequest.defaults(), clientSoftwareName: 'future-client', clientSoftwareVersion: '9',
  });
  assert.equal(ok.errorCode, 0);
  assert.deepEqual(ok.apiKeys, answer.apiKeys);
});
