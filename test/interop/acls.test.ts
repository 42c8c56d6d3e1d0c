/**
 * ACLs over a real broker with a SASL_PLAINTEXT PLAIN listener and the
 * StandardAuthorizer: `admin` is a super user, `alice` and `bob` are not.
 * For each group of APIs, alice is refused with Kafka's error without an
 * ACL and served once admin grants one; Metadata hides topics she may not
 * describe; KafkaJS as alice produces and consumes once `samsa acls
 * --producer` and `--consumer` granted it; the ACLs survive a restart.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { Cluster, startBroker, type RunningBroker } from '../../src/index.ts';
import {
  AclOperation as Op, AclPatternType as Pattern, AclPermissionType as Perm, AclResourceType as Res, ApiKey, ErrorCode, messages,
  type KnownApiKey, type RequestOf, type ResponseOf,
} from '../../src/protocol/index.ts';
import { buildRecordBatch } from '../../src/records/index.ts';
import { samsa } from '../helpers/samsa-cli.ts';
import { tempDir } from '../helpers/broker.ts';

const JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="admin-secret" '
  + 'user_admin="admin-secret" user_alice="alice-secret" user_bob="bob-secret";';
const CONFIG = {
  listeners: 'SASL_PLAINTEXT://127.0.0.1:0',
  'sasl.enabled.mechanisms': 'PLAIN',
  'sasl.mechanism.inter.broker.protocol': 'PLAIN',
  'listener.name.sasl_plaintext.plain.sasl.jaas.config': JAAS,
  'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
  'super.users': 'User:admin',
  'offsets.topic.replication.factor': '1',
  'transaction.state.log.replication.factor': '1',
  'transaction.state.log.min.isr': '1',
};

const data = tempDir('samsa-acls-');
let broker: RunningBroker;
const clusters: Cluster[] = [];

function bootstrap(): string {
  return `${broker.listeners[0]!.host}:${broker.listeners[0]!.port}`;
}

type Send = <K extends KnownApiKey>(apiKey: K, body: Partial<RequestOf<K>>) => Promise<ResponseOf<K>>;

/** Requests as `user`, each body over the request's defaults. */
function as(user: string): Send {
  const cluster = new Cluster({ bootstrapServers: [bootstrap()], sasl: { mechanism: 'PLAIN', username: user, password: `${user}-secret` } });
  clusters.push(cluster);
  return async (apiKey, body) => {
    const codec = (messages as unknown as Record<string, { defaults(): object }>)[`${apiNameOf(apiKey)}Request`]!;
    return (await cluster.any()).request(apiKey, { ...codec.defaults(), ...body } as RequestOf<typeof apiKey>);
  };
}

function apiNameOf(apiKey: number): keyof typeof ApiKey {
  return Object.entries(ApiKey).find(([, k]) => k === apiKey)![0] as keyof typeof ApiKey;
}

const ALL_ACLS: Partial<messages.DescribeAclsRequest> = {
  resourceTypeFilter: Res.ANY, resourceNameFilter: null, patternTypeFilter: Pattern.ANY, principalFilter: null, hostFilter: null,
  operation: Op.ANY, permissionType: Perm.ANY,
};

let admin: Send;
let alice: Send;

async function grant(resourceType: number, resourceName: string, operation: number, options: { patternType?: number; principal?: string; permissionType?: number } = {}): Promise<void> {
  const res = await admin(ApiKey.CreateAcls, {
    creations: [{
      ...messages.defaultCreateAclsRequestAclCreation(), resourceType, resourceName, resourcePatternType: options.patternType ?? Pattern.LITERAL,
      principal: options.principal ?? 'User:alice', host: '*', operation, permissionType: options.permissionType ?? Perm.ALLOW,
    }],
  });
  assert.equal(res.results[0]!.errorCode, ErrorCode.NONE, res.results[0]!.errorMessage ?? '');
}

async function createTopic(name: string): Promise<void> {
  const res = await admin(ApiKey.CreateTopics, {
    topics: [{ ...messages.defaultCreateTopicsRequestCreatableTopic(), name, numPartitions: 1, replicationFactor: 1 }], timeoutMs: 10_000,
  });
  assert.equal(res.topics[0]!.errorCode, ErrorCode.NONE);
}

function metadataOf(names: string[] | null): Partial<messages.MetadataRequest> {
  return {
    topics: names === null ? null : names.map((name) => ({ ...messages.defaultMetadataRequestMetadataRequestTopic(), name })),
    allowAutoTopicCreation: false, includeTopicAuthorizedOperations: true,
  };
}

before(async () => {
  broker = await startBroker({ port: 0, dataDir: data.dir, config: CONFIG });
  admin = as('admin');
  alice = as('alice');
});

after(async () => {
  for (const c of clusters) await c.close();
  await broker?.stop();
  data.remove();
});

test('Metadata: unauthorized topics are left out of a listing and refused by name; authorized operations are reported', async () => {
  await createTopic('m-visible');
  await createTopic('m-hidden');
  assert.deepEqual((await alice(ApiKey.Metadata, metadataOf(null))).topics.map((t) => t.name), []);
  await grant(Res.TOPIC, 'm-visible', Op.READ);
  const listed = await alice(ApiKey.Metadata, metadataOf(null));
  assert.deepEqual(listed.topics.map((t) => t.name), ['m-visible']);
  assert.equal(listed.topics[0]!.topicAuthorizedOperations, (1 << Op.READ) | (1 << Op.DESCRIBE));
  const named = await alice(ApiKey.Metadata, metadataOf(['m-visible', 'm-hidden']));
  assert.deepEqual(named.topics.map((t) => [t.name, t.errorCode]), [['m-visible', 0], ['m-hidden', ErrorCode.TOPIC_AUTHORIZATION_FAILED]]);
  const all = await admin(ApiKey.Metadata, metadataOf(null));
  assert.ok(all.topics.some((t) => t.name === 'm-hidden'), 'a super user sees everything');
});

test('Produce needs WRITE, Fetch and ListOffsets READ/DESCRIBE on the topic; followers need CLUSTER_ACTION', async () => {
  await createTopic('p-topic');
  const produce = () => alice(ApiKey.Produce, {
    acks: -1, timeoutMs: 5000,
    topicData: [{ ...messages.defaultProduceRequestTopicProduceData(), name: 'p-topic', partitionData: [{
      ...messages.defaultProduceRequestPartitionProduceData(), index: 0, records: buildRecordBatch([{ value: Buffer.from('x'), timestamp: BigInt(Date.now()) }]),
    }] }],
  });
  const produced = (r: messages.ProduceResponse) => r.responses[0]!.partitionResponses[0]!.errorCode;
  assert.equal(produced(await produce()), ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  await grant(Res.TOPIC, 'p-', Op.WRITE, { patternType: Pattern.PREFIXED });
  assert.equal(produced(await produce()), ErrorCode.NONE);

  const topicId = (await admin(ApiKey.Metadata, metadataOf(['p-topic']))).topics[0]!.topicId;
  const fetch = (replicaId = -1) => alice(ApiKey.Fetch, {
    replicaId, replicaState: { ...messages.defaultFetchRequestReplicaState(), replicaId, replicaEpoch: -1n }, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, sessionEpoch: -1,
    topics: [{ ...messages.defaultFetchRequestFetchTopic(), topic: 'p-topic', topicId, partitions: [{ ...messages.defaultFetchRequestFetchPartition(), partition: 0, partitionMaxBytes: 1 << 20 }] }],
  });
  const fetched = (r: messages.FetchResponse) => r.responses[0]!.partitions[0]!.errorCode;
  assert.equal(fetched(await fetch()), ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  const listOffsets = () => alice(ApiKey.ListOffsets, {
    replicaId: -1, topics: [{ ...messages.defaultListOffsetsRequestListOffsetsTopic(), name: 'p-topic', partitions: [{ ...messages.defaultListOffsetsRequestListOffsetsPartition(), partitionIndex: 0, timestamp: -1n }] }],
  });
  // WRITE implies DESCRIBE, which is what ListOffsets needs.
  assert.equal((await listOffsets()).topics[0]!.partitions[0]!.errorCode, ErrorCode.NONE);
  await grant(Res.TOPIC, 'p-topic', Op.READ);
  assert.equal(fetched(await fetch()), ErrorCode.NONE);
  assert.equal(fetched(await fetch(7)), ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'a follower fetch from a client without CLUSTER_ACTION');

  await grant(Res.TOPIC, 'p-topic', Op.READ, { permissionType: Perm.DENY });
  assert.equal(fetched(await fetch()), ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'DENY beats ALLOW');
});

test('topic admin: CreateTopics CREATE, DeleteTopics DELETE, CreatePartitions ALTER, DeleteRecords DELETE, configs DESCRIBE_CONFIGS/ALTER_CONFIGS', async () => {
  const create = async (name: string) => (await alice(ApiKey.CreateTopics, {
    topics: [{ ...messages.defaultCreateTopicsRequestCreatableTopic(), name, numPartitions: 1, replicationFactor: 1 }], timeoutMs: 10_000,
  })).topics[0]!.errorCode;
  assert.equal(await create('a-topic'), ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  await grant(Res.TOPIC, 'a-', Op.CREATE, { patternType: Pattern.PREFIXED });
  assert.equal(await create('a-topic'), ErrorCode.NONE);

  const partitions = async () => (await alice(ApiKey.CreatePartitions, {
    topics: [{ ...messages.defaultCreatePartitionsRequestCreatePartitionsTopic(), name: 'a-topic', count: 2, assignments: null }], timeoutMs: 10_000,
  })).results[0]!.errorCode;
  assert.equal(await partitions(), ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  await grant(Res.TOPIC, 'a-topic', Op.ALTER);
  assert.equal(await partitions(), ErrorCode.NONE);

  const describeConfigs = async (resourceType: number, resourceName: string) => (await alice(ApiKey.DescribeConfigs, {
    resources: [{ ...messages.defaultDescribeConfigsRequestDescribeConfigsResource(), resourceType, resourceName, configurationKeys: null }],
  })).results[0]!.errorCode;
  assert.equal(await describeConfigs(2, 'a-topic'), ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  assert.equal(await describeConfigs(4, '1'), ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  const alter = async () => (await alice(ApiKey.IncrementalAlterConfigs, {
    resources: [{ ...messages.defaultIncrementalAlterConfigsRequestAlterConfigsResource(), resourceType: 2, resourceName: 'a-topic', configs: [{
      ...messages.defaultIncrementalAlterConfigsRequestAlterableConfig(), name: 'retention.ms', configOperation: 0, value: '60000',
    }] }],
  })).responses[0]!.errorCode;
  assert.equal(await alter(), ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  await grant(Res.TOPIC, 'a-topic', Op.ALTER_CONFIGS);
  assert.equal(await alter(), ErrorCode.NONE);
  assert.equal(await describeConfigs(2, 'a-topic'), ErrorCode.NONE, 'ALTER_CONFIGS implies DESCRIBE_CONFIGS');

  const deleteRecords = async () => (await alice(ApiKey.DeleteRecords, {
    topics: [{ ...messages.defaultDeleteRecordsRequestDeleteRecordsTopic(), name: 'a-topic', partitions: [{ ...messages.defaultDeleteRecordsRequestDeleteRecordsPartition(), partitionIndex: 0, offset: 0n }] }],
    timeoutMs: 5000,
  })).topics[0]!.partitions[0]!.errorCode;
  assert.equal(await deleteRecords(), ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  const deleteTopic = async () => (await alice(ApiKey.DeleteTopics, {
    topics: [{ ...messages.defaultDeleteTopicsRequestDeleteTopicState(), name: 'a-topic' }], topicNames: ['a-topic'], timeoutMs: 10_000,
  })).responses[0]!.errorCode;
  assert.equal(await deleteTopic(), ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  await grant(Res.TOPIC, 'a-topic', Op.DELETE);
  assert.equal(await deleteRecords(), ErrorCode.NONE);
  assert.equal(await deleteTopic(), ErrorCode.NONE);
});

test('groups: FindCoordinator and DescribeGroups DESCRIBE, OffsetCommit READ on group and topic, ListGroups filtered, DeleteGroups DELETE', async () => {
  await createTopic('g-topic');
  const find = async () => (await alice(ApiKey.FindCoordinator, { key: 'g-1', keyType: 0, coordinatorKeys: ['g-1'] })).coordinators[0]!.errorCode;
  assert.equal(await find(), ErrorCode.GROUP_AUTHORIZATION_FAILED);
  const commit = async () => (await alice(ApiKey.OffsetCommit, {
    groupId: 'g-1', generationIdOrMemberEpoch: -1, memberId: '',
    topics: [{ ...messages.defaultOffsetCommitRequestOffsetCommitRequestTopic(), name: 'g-topic', partitions: [{
      ...messages.defaultOffsetCommitRequestOffsetCommitRequestPartition(), partitionIndex: 0, committedOffset: 0n,
    }] }],
  })).topics[0]!.partitions[0]!.errorCode;
  assert.equal(await commit(), ErrorCode.GROUP_AUTHORIZATION_FAILED);
  await grant(Res.GROUP, 'g-1', Op.READ);
  assert.equal(await find(), ErrorCode.NONE, 'READ implies DESCRIBE');
  assert.equal(await commit(), ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  await grant(Res.TOPIC, 'g-topic', Op.READ);
  assert.equal(await commit(), ErrorCode.NONE);

  const fetched = await alice(ApiKey.OffsetFetch, {
    groups: [{ ...messages.defaultOffsetFetchRequestOffsetFetchRequestGroup(), groupId: 'g-1', topics: null }, { ...messages.defaultOffsetFetchRequestOffsetFetchRequestGroup(), groupId: 'g-2', topics: null }],
  });
  assert.deepEqual(fetched.groups.map((g) => g.errorCode), [ErrorCode.NONE, ErrorCode.GROUP_AUTHORIZATION_FAILED]);
  const described = await alice(ApiKey.DescribeGroups, { groups: ['g-1', 'g-2'], includeAuthorizedOperations: true });
  assert.deepEqual(described.groups.map((g) => g.errorCode), [ErrorCode.NONE, ErrorCode.GROUP_AUTHORIZATION_FAILED]);
  assert.equal(described.groups[0]!.authorizedOperations, (1 << Op.READ) | (1 << Op.DESCRIBE));
  await admin(ApiKey.OffsetCommit, {
    groupId: 'g-2', generationIdOrMemberEpoch: -1, memberId: '',
    topics: [{ ...messages.defaultOffsetCommitRequestOffsetCommitRequestTopic(), name: 'g-topic', partitions: [{ ...messages.defaultOffsetCommitRequestOffsetCommitRequestPartition(), partitionIndex: 0, committedOffset: 0n }] }],
  });
  const listed = await alice(ApiKey.ListGroups, {});
  assert.deepEqual(listed.groups.map((g) => g.groupId), ['g-1'], 'only the groups alice may describe');
  assert.deepEqual((await admin(ApiKey.ListGroups, {})).groups.map((g) => g.groupId).sort(), ['g-1', 'g-2']);
  const del = async () => (await alice(ApiKey.DeleteGroups, { groupsNames: ['g-1'] })).results[0]!.errorCode;
  assert.equal(await del(), ErrorCode.GROUP_AUTHORIZATION_FAILED);
  await grant(Res.GROUP, 'g-1', Op.DELETE);
  assert.equal(await del(), ErrorCode.NONE);
});

test('transactions: InitProducerId WRITE on the transactional id (or WRITE on a topic when idempotent); FindCoordinator DESCRIBE', async () => {
  const init = async (transactionalId: string | null) => (await alice(ApiKey.InitProducerId, {
    transactionalId, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1,
  })).errorCode;
  const bob = as('bob');
  assert.equal((await bob(ApiKey.InitProducerId, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 })).errorCode,
    ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'bob may write no topic');
  assert.equal(await init(null), ErrorCode.NONE, 'alice may write p-* topics');
  assert.equal(await init('tx-1'), ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  const find = async () => (await alice(ApiKey.FindCoordinator, { keyType: 1, coordinatorKeys: ['tx-1'] })).coordinators[0]!.errorCode;
  assert.equal(await find(), ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  await grant(Res.TRANSACTIONAL_ID, 'tx-1', Op.WRITE);
  assert.equal(await find(), ErrorCode.NONE);
  assert.equal(await init('tx-1'), ErrorCode.NONE);
  const markers = await alice(ApiKey.WriteTxnMarkers, {
    markers: [{ ...messages.defaultWriteTxnMarkersRequestWritableTxnMarker(), producerId: 1n, producerEpoch: 0, transactionResult: true, coordinatorEpoch: 0,
      topics: [{ ...messages.defaultWriteTxnMarkersRequestWritableTxnMarkerTopic(), name: 'p-topic', partitionIndexes: [0] }] }],
  });
  assert.equal(markers.markers[0]!.topics[0]!.partitions[0]!.errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
});

test('cluster APIs: DescribeCluster, DescribeLogDirs, DescribeAcls DESCRIBE; CreateAcls, ElectLeaders ALTER on the cluster', async () => {
  assert.equal((await alice(ApiKey.DescribeCluster, {})).errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  assert.equal((await alice(ApiKey.DescribeLogDirs, { topics: null })).errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  assert.equal((await alice(ApiKey.DescribeAcls, ALL_ACLS)).errorCode,
    ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  const created = await alice(ApiKey.CreateAcls, { creations: [{ ...messages.defaultCreateAclsRequestAclCreation(), resourceType: Res.TOPIC, resourceName: 'x', resourcePatternType: Pattern.LITERAL, principal: 'User:alice', host: '*', operation: Op.ALL, permissionType: Perm.ALLOW }] });
  assert.equal(created.results[0]!.errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  assert.equal((await alice(ApiKey.ElectLeaders, { electionType: 0, topicPartitions: null })).errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  await grant(Res.CLUSTER, 'kafka-cluster', Op.DESCRIBE);
  const cluster = await alice(ApiKey.DescribeCluster, { includeClusterAuthorizedOperations: true });
  assert.equal(cluster.errorCode, ErrorCode.NONE);
  assert.equal(cluster.clusterAuthorizedOperations, 1 << Op.DESCRIBE);
  assert.equal((await alice(ApiKey.DescribeLogDirs, { topics: null })).errorCode, ErrorCode.NONE);

  const bad = await admin(ApiKey.CreateAcls, { creations: [{ ...messages.defaultCreateAclsRequestAclCreation(), resourceType: Res.TOPIC, resourceName: '*', resourcePatternType: Pattern.PREFIXED, principal: 'User:alice', host: '*', operation: Op.READ, permissionType: Perm.ALLOW }] });
  assert.equal(bad.results[0]!.errorCode, ErrorCode.INVALID_REQUEST);
});

test('client quotas: DescribeClientQuotas DESCRIBE_CONFIGS, AlterClientQuotas ALTER_CONFIGS on the cluster', async () => {
  const bob = as('bob');
  const entity = [{ ...messages.defaultAlterClientQuotasRequestEntityData(), entityType: 'user', entityName: 'bob' }];
  const alter = () => bob(ApiKey.AlterClientQuotas, {
    entries: [{ ...messages.defaultAlterClientQuotasRequestEntryData(), entity,
      ops: [{ ...messages.defaultAlterClientQuotasRequestOpData(), key: 'producer_byte_rate', value: 1e9, remove: false }] }],
  });
  const describe = () => bob(ApiKey.DescribeClientQuotas, {
    components: [{ ...messages.defaultDescribeClientQuotasRequestComponentData(), entityType: 'user', matchType: 0, match: 'bob' }],
  });
  const refusedAlter = await alter();
  assert.deepEqual(refusedAlter.entries.map((e) => [e.errorCode, e.entity.map((p) => `${p.entityType}=${p.entityName}`)]),
    [[ErrorCode.CLUSTER_AUTHORIZATION_FAILED, ['user=bob']]]);
  const refusedDescribe = await describe();
  assert.deepEqual([refusedDescribe.errorCode, refusedDescribe.entries], [ErrorCode.CLUSTER_AUTHORIZATION_FAILED, null]);
  const byAdmin = await admin(ApiKey.DescribeClientQuotas, {
    components: [{ ...messages.defaultDescribeClientQuotasRequestComponentData(), entityType: 'user', matchType: 0, match: 'bob' }],
  });
  assert.deepEqual(byAdmin.entries, [], 'the refused quota was not stored');
  await grant(Res.CLUSTER, 'kafka-cluster', Op.ALTER_CONFIGS, { principal: 'User:bob' });
  assert.deepEqual((await alter()).entries.map((e) => e.errorCode), [ErrorCode.NONE]);
  const described = await describe();
  assert.equal(described.errorCode, ErrorCode.NONE, 'ALTER_CONFIGS implies DESCRIBE_CONFIGS');
  assert.deepEqual(described.entries!.map((e) => e.values.map((v) => [v.key, v.value])), [[['producer_byte_rate', 1e9]]]);
});

test('samsa acls --producer/--consumer lets KafkaJS as alice produce and consume', async () => {
  const cmd = (...args: string[]) => samsa(['acls', '--bootstrap-server', bootstrap(), '--command-config', adminProps, ...args]);
  const added = await cmd('--add', '--allow-principal', 'User:alice', '--producer', '--topic', 'k-orders');
  assert.equal(added.code, 0, added.stderr);
  assert.match(added.stdout, /Adding ACLs for resource `ResourcePattern\(resourceType=TOPIC, name=k-orders, patternType=LITERAL\)`: \n \t\(principal=User:alice, host=\*, operation=WRITE, permissionType=ALLOW\)/);
  const consumer = await cmd('--add', '--allow-principal', 'User:alice', '--consumer', '--topic', 'k-orders', '--group', 'k-group');
  assert.equal(consumer.code, 0, consumer.stderr);
  await createTopic('k-orders');
  const kafka = new Kafka({
    clientId: 'acl-test', brokers: [bootstrap()], logLevel: logLevel.NOTHING,
    sasl: { mechanism: 'plain', username: 'alice', password: 'alice-secret' },
  });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  await producer.send({ topic: 'k-orders', messages: [{ value: 'one' }, { value: 'two' }] });
  await producer.disconnect();
  const kafkaConsumer = kafka.consumer({ groupId: 'k-group' });
  await kafkaConsumer.connect();
  await kafkaConsumer.subscribe({ topic: 'k-orders', fromBeginning: true });
  const seen: string[] = [];
  await new Promise<void>((resolve, reject) => {
    kafkaConsumer.run({ eachMessage: async ({ message }) => {
      seen.push(message.value!.toString());
      if (seen.length === 2) resolve();
    } }).catch(reject);
  });
  await kafkaConsumer.disconnect();
  assert.deepEqual(seen, ['one', 'two']);

  const other = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
  await other.connect();
  await assert.rejects(other.send({ topic: 'm-hidden', messages: [{ value: 'no' }] }), /authoriz/i);
  await other.disconnect();

  const listed = await cmd('--list', '--topic', 'k-orders');
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, /Current ACLs for resource `ResourcePattern\(resourceType=TOPIC, name=k-orders, patternType=LITERAL\)`: /);
  for (const op of ['WRITE', 'DESCRIBE', 'CREATE', 'READ']) assert.match(listed.stdout, new RegExp(`operation=${op}, permissionType=ALLOW`));
  const json = JSON.parse((await cmd('--list', '--group', 'k-group', '--json')).stdout) as { operation: string }[];
  assert.deepEqual(json.map((b) => b.operation), ['READ']);
  const removed = await cmd('--remove', '--force', '--allow-principal', 'User:alice', '--operation', 'Read', '--group', 'k-group');
  assert.equal(removed.code, 0, removed.stderr);
  assert.equal(JSON.parse((await cmd('--list', '--group', 'k-group', '--json')).stdout).length, 0);
  const byBob = await samsa(['acls', '--bootstrap-server', bootstrap(), '--command-config', bobProps, '--list']);
  assert.notEqual(byBob.code, 0);
  assert.match(byBob.stderr, /CLUSTER_AUTHORIZATION_FAILED/);
});

let adminProps = '';
let bobProps = '';
before(async () => {
  const { writeFileSync } = await import('node:fs');
  const props = (user: string) => `security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\nsasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="${user}" password="${user}-secret";\n`;
  adminProps = `${data.dir}/admin.properties`;
  bobProps = `${data.dir}/bob.properties`;
  writeFileSync(adminProps, props('admin'));
  writeFileSync(bobProps, props('bob'));
});

test('ACLs survive a restart (they are in the metadata log)', async () => {
  const before = await admin(ApiKey.DescribeAcls, ALL_ACLS);
  assert.ok(before.resources.length > 5);
  for (const c of clusters.splice(0)) await c.close();
  await broker.stop();
  broker = await startBroker({ port: 0, dataDir: data.dir, config: CONFIG });
  admin = as('admin');
  alice = as('alice');
  const after = await admin(ApiKey.DescribeAcls, ALL_ACLS);
  const key = (r: messages.DescribeAclsResponse) => JSON.stringify(r.resources.map((x) => [x.resourceType, x.resourceName, x.patternType, x.acls.length]).sort());
  assert.equal(key(after), key(before));
  assert.deepEqual((await alice(ApiKey.Metadata, metadataOf(['m-visible']))).topics.map((t) => t.errorCode), [ErrorCode.NONE]);
});
