/**
 * A secured three-node cluster as a Kafka operator runs one: every listener
 * is SASL_SSL — clients and inter-broker traffic with SCRAM-SHA-512, the
 * controller listener with PLAIN (its users in the JAAS config, since SCRAM
 * credentials live in the metadata log the quorum has yet to form) — with
 * the StandardAuthorizer, allow.everyone.if.no.acl.found=false and the
 * brokers' principal in super.users. The nodes are formatted with `samsa
 * storage format --add-scram`, which puts the broker's and the users' SCRAM
 * credentials into the bootstrap metadata, and the ACLs are added with
 * `samsa acls`. Verified with KafkaJS, kcat and confluent-kafka (librdkafka):
 * the cluster forms, acks=all writes reach three in-sync replicas, a
 * producer-only user produces but may neither consume nor create topics, a
 * consumer user consumes in its group, authorized operations are reported;
 * and a principal outside super.users is refused broker-to-broker and on the
 * controller listener with Kafka's error answers.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { Kafka, logLevel } from 'kafkajs';
import { Admin, Cluster } from '../../src/client/index.ts';
import { startBroker, type RunningBroker } from '../../src/index.ts';
import {
  AclOperation as Op, AclPermissionType, AclPatternType, AclResourceType, ApiKey, BrokerConnection, ErrorCode, messages, requestCodec,
  type KnownApiKey, type RequestOf, type ResponseOf,
} from '../../src/protocol/index.ts';
import { parseProperties } from '../../src/metadata/config/properties.ts';
import { freePorts } from '../../src/server/local-nodes.ts';
import { makeTestCerts, type TestCerts } from '../helpers/certs.ts';
import { kafkaTool, killAllChildren, run } from '../helpers/processes.ts';
import { encodeRequest } from '../helpers/raw-fetch.ts';
import { samsa } from '../helpers/samsa-cli.ts';
import { until } from '../helpers/until.ts';

const SCRAM = 'SCRAM-SHA-512';
const SCRAM_JAAS = (user: string) => `org.apache.kafka.common.security.scram.ScramLoginModule required username="${user}" password="${user}-secret";`;
/** The controller listener's users: the nodes' own (`broker`), and `mallory`, who is no super user. */
const CONTROLLER_JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required username="broker" password="broker-secret" '
  + 'user_broker="broker-secret" user_mallory="mallory-secret";';
const USERS = ['broker', 'admin', 'alice', 'bob', 'mallory'];
const KCAT_TIMEOUTS = ['-m', '5', '-X', 'socket.timeout.ms=5000', '-X', 'fetch.wait.max.ms=100'];

let certs: TestCerts;
let root: string;
const nodes: RunningBroker[] = [];
const logs: string[] = [];
const clusters: Cluster[] = [];
let controllerPorts: number[] = [];
let internalPorts: number[] = [];
let bootstrap: string;
let adminConfig: string;
/** Node 1's server.properties, which a fourth node's config starts from. */
let nodeOneConfig: Record<string, string>;

function nodeConfig(id: number, ports: number[], voters: string): Record<string, string> {
  const [client, internal, controller] = ports.slice(3 * (id - 1), 3 * id);
  return {
    'node.id': String(id), 'process.roles': 'broker,controller', 'controller.quorum.voters': voters,
    'log.dirs': join(root, `node-${id}`),
    listeners: `CLIENT://127.0.0.1:${client},INTERNAL://127.0.0.1:${internal},CONTROLLER://127.0.0.1:${controller}`,
    'listener.security.protocol.map': 'CLIENT:SASL_SSL,INTERNAL:SASL_SSL,CONTROLLER:SASL_SSL',
    'inter.broker.listener.name': 'INTERNAL', 'controller.listener.names': 'CONTROLLER',
    'sasl.mechanism.inter.broker.protocol': SCRAM, 'sasl.mechanism.controller.protocol': 'PLAIN',
    'listener.name.client.sasl.enabled.mechanisms': SCRAM,
    'listener.name.client.scram-sha-512.sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required;',
    'listener.name.internal.sasl.enabled.mechanisms': SCRAM,
    'listener.name.internal.scram-sha-512.sasl.jaas.config': SCRAM_JAAS('broker'),
    'listener.name.controller.sasl.enabled.mechanisms': 'PLAIN',
    'listener.name.controller.plain.sasl.jaas.config': CONTROLLER_JAAS,
    'ssl.keystore.type': 'PEM', 'ssl.keystore.location': certs.serverStore,
    'ssl.truststore.type': 'PEM', 'ssl.truststore.location': certs.caFile,
    'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    'allow.everyone.if.no.acl.found': 'false',
    'super.users': 'User:broker;User:admin',
    'offsets.topic.replication.factor': '3',
    'controller.quorum.election.timeout.ms': '400', 'controller.quorum.fetch.timeout.ms': '800',
    'broker.heartbeat.interval.ms': '200', 'broker.session.timeout.ms': '1500',
  };
}

function properties(config: Record<string, string>): string {
  return Object.entries(config).map(([k, v]) => `${k}=${v}`).join('\n') + '\n';
}

function clientAs(user: string): Cluster {
  const c = new Cluster({
    bootstrapServers: bootstrap.split(','), clientId: `sasl-cluster-${user}`, requestTimeoutMs: 10_000,
    ssl: { ca: certs.caPem }, sasl: { mechanism: SCRAM, username: user, password: `${user}-secret` },
  });
  clusters.push(c);
  return c;
}

const logTail = (): string => logs.slice(-40).join('\n');

before(async () => {
  certs = makeTestCerts();
  root = mkdtempSync(join(tmpdir(), 'samsa-sasl-cluster-'));
  const ports = await freePorts(9);
  internalPorts = [0, 1, 2].map((i) => ports[3 * i + 1]!);
  controllerPorts = [0, 1, 2].map((i) => ports[3 * i + 2]!);
  const voters = [1, 2, 3].map((id) => `${id}@127.0.0.1:${ports[3 * (id - 1) + 2]}`).join(',');
  const clusterId = (await samsa(['storage', 'random-uuid'])).stdout.trim();
  const files = [1, 2, 3].map((id) => join(root, `server-${id}.properties`));
  for (const [i, file] of files.entries()) {
    writeFileSync(file, properties(nodeConfig(i + 1, ports, voters)));
    // As kafka-storage format --add-scram: the credentials are in the metadata log before any node starts.
    const scram = USERS.flatMap((user) => ['--add-scram', `${SCRAM}=[name=${user},password=${user}-secret]`]);
    const formatted = await samsa(['storage', 'format', '--cluster-id', clusterId, '--config', file, ...scram]);
    assert.equal(formatted.code, 0, formatted.stderr);
  }
  // Each node runs on its server.properties as written, as `samsa start --config` would.
  const configs = files.map((file) => parseProperties(readFileSync(file, 'utf8')));
  nodeOneConfig = configs[0]!;
  nodes.push(...await Promise.all(configs.map((config, i) => startBroker({ config, log: (line) => logs.push(`[${i + 1}] ${line}`) }))));
  let ready = false;
  void Promise.all(nodes.map((n) => n.ready)).then(() => { ready = true; });
  await until('three registered brokers', () => ready, { timeoutMs: 20_000, context: logTail });
  bootstrap = nodes.map((n) => n.bootstrap).join(',');
  adminConfig = join(root, 'admin.properties');
  writeFileSync(adminConfig, properties({
    'security.protocol': 'SASL_SSL', 'ssl.truststore.type': 'PEM', 'ssl.truststore.location': certs.caFile,
    'sasl.mechanism': SCRAM, 'sasl.jaas.config': SCRAM_JAAS('admin'),
  }));
});

after(async () => {
  killAllChildren();
  for (const c of clusters) await c.close().catch(() => undefined);
  await Promise.all(nodes.map((n) => n.stop()));
  if (root !== undefined) rmSync(root, { recursive: true, force: true });
  certs?.remove();
});

async function request<K extends KnownApiKey>(cluster: Cluster, apiKey: K, body: Partial<RequestOf<K>>, nodeId?: number): Promise<ResponseOf<K>> {
  const codec = requestCodec(apiKey)!;
  const connection = nodeId === undefined ? await cluster.any() : await cluster.node(nodeId);
  return connection.request(apiKey, { ...codec.defaults(), ...body } as RequestOf<K>);
}

test('the SASL_SSL cluster forms, and acks=all writes reach three in-sync replicas over SCRAM inter-broker links', { timeout: 60_000 }, async () => {
  const admin = new Admin(clientAs('admin'));
  await until('three brokers', async () => (await admin.describeCluster()).brokers.length === 3, { context: logTail });
  const created = await samsa(['topics', '--bootstrap-server', bootstrap, '--command-config', adminConfig, '--create', '--topic', 't',
    '--partitions', '3', '--replication-factor', '3', '--config', 'min.insync.replicas=2']);
  assert.equal(created.code, 0, created.stderr);
  const [minIsr] = await admin.describeConfigs('topic', 't', ['min.insync.replicas']);
  assert.equal(minIsr!.value, '2');
  await until('full ISRs', async () => {
    const [t] = await admin.describeTopics(['t']);
    return t !== undefined && t.partitions.length === 3 && t.partitions.every((p) => p.leader >= 0 && p.isr.length === 3);
  }, { context: logTail });

  // The ACLs, with the CLI over SASL_SSL/SCRAM as the admin.
  for (const args of [['--allow-principal', 'User:alice', '--producer', '--topic', 't'], ['--allow-principal', 'User:bob', '--consumer', '--topic', 't', '--group', 'g']]) {
    const added = await samsa(['acls', '--bootstrap-server', bootstrap, '--command-config', adminConfig, '--add', ...args]);
    assert.equal(added.code, 0, added.stderr);
  }

  // alice (KafkaJS) writes with acks=all: every partition's three replicas must have it before the answer.
  const kafka = new Kafka({
    clientId: 'alice-kjs', brokers: bootstrap.split(','), logLevel: logLevel.NOTHING, retry: { retries: 2 },
    ssl: { ca: [certs.caPem] }, sasl: { mechanism: 'scram-sha-512', username: 'alice', password: 'alice-secret' },
  });
  const producer = kafka.producer();
  await producer.connect();
  try {
    for (let partition = 0; partition < 3; partition++) {
      await producer.send({ topic: 't', acks: -1, messages: [0, 1, 2].map((i) => ({ partition, value: `kjs-${partition}-${i}` })) });
    }
  } finally {
    await producer.disconnect();
  }
  const [t] = await admin.describeTopics(['t']);
  assert.ok(t!.partitions.every((p) => p.isr.length === 3), JSON.stringify(t));
  // Each partition's leader has all three records below its high watermark, which acks=all moved only once the ISR had them.
  const adminClient = clientAs('admin');
  for (const p of t!.partitions) {
    const offsets = await request(adminClient, ApiKey.ListOffsets, {
      replicaId: -1, isolationLevel: 0,
      topics: [{ ...messages.defaultListOffsetsRequestListOffsetsTopic(), name: 't', partitions: [{
        ...messages.defaultListOffsetsRequestListOffsetsPartition(), partitionIndex: p.partition, timestamp: -1n,
      }] }],
    }, p.leader);
    const answer = offsets.topics[0]!.partitions[0]!;
    assert.deepEqual([answer.errorCode, answer.offset], [ErrorCode.NONE, 3n]);
  }
  assert.ok(!logs.some((l) => /not authorized|authentication failed|TLS handshake .* failed/i.test(l)), logTail());
});

test('a producer-only user produces (librdkafka) but may neither consume nor create topics; the consumer user consumes in its group', { timeout: 60_000 }, async () => {
  const security = (user: string) => ({
    'security.protocol': 'sasl_ssl', 'sasl.mechanisms': SCRAM, 'sasl.username': user, 'sasl.password': `${user}-secret`,
    'ssl.ca.location': certs.caFile,
  });
  const [produced, aliceReads, bobWrites] = await Promise.all([
    kafkaTool<{ deliveries: { error: unknown }[] }>({
      op: 'produce', bootstrap, config: { ...security('alice'), acks: 'all' },
      messages: [{ topic: 't', partition: 0, value: Buffer.from('rdkafka-0').toString('hex') }],
    }, 30_000),
    kafkaTool<{ messages: unknown[]; errors: { name: string }[] }>({
      op: 'consume', bootstrap, config: { ...security('alice'), 'group.id': 'g' }, assign: [{ topic: 't', partition: 0 }], stop_on_error: true, timeout: 10,
    }, 30_000),
    run('kcat', ['-b', bootstrap, ...KCAT_TIMEOUTS, ...kcatSecurity('bob'), '-X', 'message.timeout.ms=4000', '-P', '-t', 't', '-p', '0'], { input: 'bob-was-here\n', timeoutMs: 20_000 }),
  ]);
  assert.deepEqual(produced.deliveries.map((d) => d.error), [null]);
  assert.deepEqual(aliceReads.messages, []);
  // librdkafka asks for the group's coordinator first, which alice may not use either.
  assert.ok(aliceReads.errors.some((e) => e.name === 'TOPIC_AUTHORIZATION_FAILED' || e.name === 'GROUP_AUTHORIZATION_FAILED'), JSON.stringify(aliceReads.errors));
  const [t] = await new Admin(clientAs('admin')).describeTopics(['t']);
  const leader = t!.partitions.find((p) => p.partition === 0)!.leader;
  const aliceFetch = await request(clientAs('alice'), ApiKey.Fetch, {
    replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, sessionEpoch: -1,
    topics: [{ ...messages.defaultFetchRequestFetchTopic(), topic: 't', topicId: t!.topicId, partitions: [{ ...messages.defaultFetchRequestFetchPartition(), partition: 0, partitionMaxBytes: 1 << 20 }] }],
  }, leader);
  assert.equal(aliceFetch.responses[0]!.partitions[0]!.errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'alice has no READ on t');
  assert.notEqual(bobWrites.code, 0, 'bob may not write');
  assert.match(bobWrites.stderr, /TOPIC_AUTHORIZATION_FAILED|[Aa]uthorization failed/);

  const aliceAdmin = new Kafka({
    clientId: 'alice-admin', brokers: bootstrap.split(','), logLevel: logLevel.NOTHING, retry: { retries: 0 },
    ssl: { ca: [certs.caPem] }, sasl: { mechanism: 'scram-sha-512', username: 'alice', password: 'alice-secret' },
  }).admin();
  await aliceAdmin.connect();
  try {
    await assert.rejects(aliceAdmin.createTopics({ topics: [{ topic: 'not-yours', numPartitions: 1, replicationFactor: 3 }] }), (e: { errors?: { type?: string }[] }) => {
      assert.deepEqual(e.errors?.map((x) => x.type), ['TOPIC_AUTHORIZATION_FAILED']);
      return true;
    });
  } finally {
    await aliceAdmin.disconnect();
  }
  assert.ok(!(await new Admin(clientAs('admin')).listTopics()).some((x) => x.name === 'not-yours'));

  // bob reads everything in group g with kcat's balanced consumer (JoinGroup, SyncGroup, OffsetCommit).
  const read = await run('kcat', ['-b', bootstrap, ...KCAT_TIMEOUTS, ...kcatSecurity('bob'), '-X', 'auto.offset.reset=earliest', '-G', 'g', '-e', '-f', '%s\\n', 't'], { timeoutMs: 30_000 });
  assert.equal(read.code, 0, read.stderr);
  const values = read.stdout.trim().split('\n').sort();
  assert.equal(values.length, 10, `${read.stdout}\n${read.stderr}`);
  assert.ok(values.includes('rdkafka-0') && values.includes('kjs-2-2'), read.stdout);
  // kcat committed what it read on leaving the group: OffsetCommit needs READ on the group and the topic.
  const committed = await new Admin(clientAs('admin')).fetchCommittedOffsets('g');
  assert.equal(committed.filter((o) => o.topic === 't').reduce((n, o) => n + Number(o.offset), 0), 10, JSON.stringify(committed, (_k, v) => typeof v === 'bigint' ? String(v) : v));
});

/** Writes one frame over TLS; the first response frame, or null when the server closed the connection. */
function tlsExchange(port: number, frame: Buffer): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, ca: certs.caPem }, () => socket.write(frame));
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('neither an answer nor a close in 10 s'));
    }, 10_000);
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
        clearTimeout(timer);
        socket.destroy();
        resolve(buf.subarray(4));
      }
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(null);
    });
    socket.on('error', () => undefined);
  });
}

function kcatSecurity(user: string): string[] {
  return ['-X', 'security.protocol=sasl_ssl', '-X', `sasl.mechanisms=${SCRAM}`, '-X', `sasl.username=${user}`, '-X', `sasl.password=${user}-secret`, '-X', `ssl.ca.location=${certs.caFile}`];
}

test('authorized operations are reported per user', { timeout: 30_000 }, async () => {
  const topicOps = async (user: string) => {
    const res = await request(clientAs(user), ApiKey.Metadata, {
      topics: [{ ...messages.defaultMetadataRequestMetadataRequestTopic(), name: 't' }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: true,
    });
    return res.topics[0]!.topicAuthorizedOperations;
  };
  const bits = (...ops: number[]) => ops.reduce((n, op) => n | (1 << op), 0);
  assert.equal(await topicOps('alice'), bits(Op.WRITE, Op.DESCRIBE, Op.CREATE));
  assert.equal(await topicOps('bob'), bits(Op.READ, Op.DESCRIBE));
  const cluster = await request(clientAs('bob'), ApiKey.DescribeCluster, { includeClusterAuthorizedOperations: true });
  assert.equal(cluster.errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'DescribeCluster needs DESCRIBE on the cluster');
  const adminView = await request(clientAs('admin'), ApiKey.DescribeCluster, { includeClusterAuthorizedOperations: true });
  assert.equal(adminView.errorCode, ErrorCode.NONE);
  assert.ok((adminView.clusterAuthorizedOperations & bits(Op.CLUSTER_ACTION, Op.ALTER, Op.DESCRIBE)) === bits(Op.CLUSTER_ACTION, Op.ALTER, Op.DESCRIBE));
});

test('a principal outside super.users is refused broker-to-broker and on the controller listener', { timeout: 30_000 }, async () => {
  const admin = new Admin(clientAs('admin'));
  const [t] = await admin.describeTopics(['t']);
  const leader = t!.partitions.find((p) => p.partition === 0)!.leader;
  const topicId = t!.topicId;

  // On the inter-broker listener, mallory logs in with SCRAM but is no broker: a follower fetch gets
  // TOPIC_AUTHORIZATION_FAILED (Kafka's answer without CLUSTER_ACTION), transaction markers CLUSTER_AUTHORIZATION_FAILED.
  const internal = new Cluster({
    bootstrapServers: [`127.0.0.1:${internalPorts[leader - 1]}`], clientId: 'mallory-internal', requestTimeoutMs: 10_000,
    ssl: { ca: certs.caPem }, sasl: { mechanism: SCRAM, username: 'mallory', password: 'mallory-secret' },
  });
  clusters.push(internal);
  const follower = leader === 1 ? 2 : 1;
  const fetched = await request(internal, ApiKey.Fetch, {
    replicaId: -1, replicaState: { ...messages.defaultFetchRequestReplicaState(), replicaId: follower, replicaEpoch: -1n },
    maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, sessionEpoch: -1,
    topics: [{ ...messages.defaultFetchRequestFetchTopic(), topic: 't', topicId, partitions: [{ ...messages.defaultFetchRequestFetchPartition(), partition: 0, partitionMaxBytes: 1 << 20 }] }],
  });
  assert.equal(fetched.responses[0]!.partitions[0]!.errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  assert.equal(fetched.responses[0]!.partitions[0]!.records?.length ?? 0, 0);
  const markers = await request(internal, ApiKey.WriteTxnMarkers, {
    markers: [{ ...messages.defaultWriteTxnMarkersRequestWritableTxnMarker(), producerId: 1n, producerEpoch: 0, transactionResult: true, coordinatorEpoch: 0,
      topics: [{ ...messages.defaultWriteTxnMarkersRequestWritableTxnMarkerTopic(), name: 't', partitionIndexes: [0] }] }],
  });
  assert.equal(markers.markers[0]!.topics[0]!.partitions[0]!.errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);

  // On the controller listener (PLAIN), mallory is answered CLUSTER_AUTHORIZATION_FAILED, as Kafka's ControllerApis answers.
  const tls = { ca: certs.caPem };
  const controller = await BrokerConnection.open({
    host: '127.0.0.1', port: controllerPorts[0]!, clientId: 'mallory-controller', requestTimeoutMs: 10_000, connectTimeoutMs: 5000,
    ssl: tls, sasl: { mechanism: 'PLAIN', username: 'mallory', password: 'mallory-secret' },
  });
  try {
    const heartbeat = await controller.request(ApiKey.BrokerHeartbeat, { ...messages.BrokerHeartbeatRequest.defaults(), brokerId: 1, brokerEpoch: 0n });
    assert.equal(heartbeat.errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    const created = await controller.request(ApiKey.CreateTopics, {
      ...messages.CreateTopicsRequest.defaults(), timeoutMs: 5000,
      topics: [{ ...messages.defaultCreateTopicsRequestCreatableTopic(), name: 'sneaky', numPartitions: 1, replicationFactor: 1 }],
    });
    assert.deepEqual(created.topics.map((x) => [x.name, x.errorCode]), [['sneaky', ErrorCode.CLUSTER_AUTHORIZATION_FAILED]]);
    const acl = await controller.request(ApiKey.CreateAcls, {
      ...messages.CreateAclsRequest.defaults(),
      creations: [{ ...messages.defaultCreateAclsRequestAclCreation(), resourceType: AclResourceType.TOPIC, resourceName: 't', resourcePatternType: AclPatternType.LITERAL,
        principal: 'User:mallory', host: '*', operation: Op.ALL, permissionType: AclPermissionType.ALLOW }],
    });
    assert.equal(acl.results[0]!.errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    const altered = await controller.request(ApiKey.IncrementalAlterConfigs, {
      ...messages.IncrementalAlterConfigsRequest.defaults(),
      resources: [{ ...messages.defaultIncrementalAlterConfigsRequestAlterConfigsResource(), resourceType: 2, resourceName: 't',
        configs: [{ ...messages.defaultIncrementalAlterConfigsRequestAlterableConfig(), name: 'retention.ms', configOperation: 0, value: '1' }] }],
    });
    assert.equal(altered.responses[0]!.errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    const vote = await controller.request(ApiKey.Vote, { ...messages.VoteRequest.defaults() });
    assert.equal(vote.errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    assert.ok(!controller.isClosed, 'a refusal is an answer, not a closed connection');
    // An API the controller listener does not serve closes the connection, as Kafka's SocketServer does.
    const unserved = controller as unknown as { send(apiKey: number, version: number, body: unknown): Promise<unknown> };
    await assert.rejects(unserved.send(ApiKey.Metadata, 12, messages.MetadataRequest.defaults()), /closed/);
  } finally {
    controller.close();
  }
  assert.ok(!(await admin.listTopics()).some((x) => x.name === 'sneaky'));
  const [retention] = await admin.describeConfigs('topic', 't', ['retention.ms']);
  assert.notEqual(retention!.value, '1', 'the refused config change was not made');
  const acls = await samsa(['acls', '--bootstrap-server', bootstrap, '--command-config', adminConfig, '--list', '--topic', 't']);
  assert.doesNotMatch(acls.stdout, /mallory/);
  assert.ok(logs.some((l) => /User:mallory is not authorized for BrokerHeartbeat on the controller listener/.test(l)), logTail());

  // Before logging in, anything but ApiVersions and the SASL handshake closes the connection, as Kafka's authenticator does.
  assert.equal(await tlsExchange(controllerPorts[2]!, encodeRequest(ApiKey.Metadata, 12, messages.MetadataRequest.defaults())), null);

  // A broker whose principal is not in super.users may not even read the metadata log (Raft Fetch needs
  // CLUSTER_ACTION, as in Kafka): it never joins, and says why.
  const intruderLogs: string[] = [];
  const intruder = await startBroker({
    clusterId: nodes[0]!.clusterId, log: (line) => intruderLogs.push(line),
    config: {
      ...nodeOneConfig, 'node.id': '4', 'process.roles': 'broker', 'log.dirs': join(root, 'node-4'),
      listeners: 'CLIENT://127.0.0.1:0,INTERNAL://127.0.0.1:0',
      'listener.name.controller.plain.sasl.jaas.config': 'org.apache.kafka.common.security.plain.PlainLoginModule required username="mallory" password="mallory-secret";',
    },
  });
  try {
    await until('the refusal logged', () => intruderLogs.some((l) => /node [123] refused this node's Raft requests with CLUSTER_AUTHORIZATION_FAILED/.test(l)),
      { context: () => intruderLogs.join('\n') });
    assert.deepEqual((await admin.describeCluster()).brokers.map((b) => b.nodeId).sort(), [1, 2, 3]);
  } finally {
    await intruder.stop();
  }
  // One that cannot even log in says so too, once.
  const lockedOutLogs: string[] = [];
  const lockedOut = await startBroker({
    clusterId: nodes[0]!.clusterId, log: (line) => lockedOutLogs.push(line),
    config: {
      ...nodeOneConfig, 'node.id': '5', 'process.roles': 'broker', 'log.dirs': join(root, 'node-5'),
      listeners: 'CLIENT://127.0.0.1:0,INTERNAL://127.0.0.1:0',
      'listener.name.controller.plain.sasl.jaas.config': 'org.apache.kafka.common.security.plain.PlainLoginModule required username="broker" password="guess";',
    },
  });
  try {
    const refusals = (id: number) => lockedOutLogs.filter((l) => new RegExp(`cannot log in to the controller listener of node ${id}: .*Invalid username or password`).test(l));
    await until('the failed login to each controller logged', () => [1, 2, 3].every((id) => refusals(id).length > 0), { context: () => lockedOutLogs.join('\n') });
    assert.deepEqual([1, 2, 3].map((id) => refusals(id).length), [1, 1, 1], 'logged once, not per retry');
  } finally {
    await lockedOut.stop();
  }

  // A wrong password on the controller listener is refused at login.
  await assert.rejects(BrokerConnection.open({
    host: '127.0.0.1', port: controllerPorts[1]!, clientId: 'nobody', requestTimeoutMs: 5000, connectTimeoutMs: 5000,
    ssl: tls, sasl: { mechanism: 'PLAIN', username: 'mallory', password: 'wrong' },
  }), /Authentication failed|SASL/i);
});
