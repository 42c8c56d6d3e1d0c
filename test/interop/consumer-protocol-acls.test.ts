/**
 * ACLs on the KIP-848 APIs, over a SASL_PLAINTEXT PLAIN listener with the
 * StandardAuthorizer, as Kafka checks them: ConsumerGroupHeartbeat needs
 * READ on the group and DESCRIBE on each topic subscribed by name;
 * ConsumerGroupDescribe needs DESCRIBE on the group and on the topics its
 * members are assigned; OffsetCommit v9 READ on group and topic.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster, startBroker, type RunningBroker } from '../../src/index.ts';
import {
  AclOperation as Op, AclPatternType as Pattern, AclPermissionType as Perm, AclResourceType as Res, ApiKey, ErrorCode, messages,
} from '../../src/protocol/index.ts';
import { tempDir } from '../helpers/broker.ts';
import { until } from '../helpers/until.ts';

const JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="admin-secret" '
  + 'user_admin="admin-secret" user_alice="alice-secret";';

const data = tempDir('samsa-kip848-acls-');
let broker: RunningBroker;
let admin: Cluster;
let alice: Cluster;

before(async () => {
  broker = await startBroker({
    port: 0, dataDir: data.dir,
    config: {
      listeners: 'SASL_PLAINTEXT://127.0.0.1:0', 'sasl.enabled.mechanisms': 'PLAIN', 'sasl.mechanism.inter.broker.protocol': 'PLAIN',
      'listener.name.sasl_plaintext.plain.sasl.jaas.config': JAAS,
      'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer', 'super.users': 'User:admin',
      'offsets.topic.replication.factor': '1', 'offsets.topic.num.partitions': '1',
    },
  });
  const bootstrap = `${broker.listeners[0]!.host}:${broker.listeners[0]!.port}`;
  admin = new Cluster({ bootstrapServers: [bootstrap], sasl: { mechanism: 'PLAIN', username: 'admin', password: 'admin-secret' } });
  alice = new Cluster({ bootstrapServers: [bootstrap], sasl: { mechanism: 'PLAIN', username: 'alice', password: 'alice-secret' } });
});

after(async () => {
  await alice?.close();
  await admin?.close();
  await broker?.stop();
  data.remove();
});

async function grant(resourceType: number, resourceName: string, operation: number): Promise<void> {
  const res = await (await admin.any()).request(ApiKey.CreateAcls, {
    ...messages.CreateAclsRequest.defaults(),
    creations: [{
      ...messages.defaultCreateAclsRequestAclCreation(), resourceType, resourceName, resourcePatternType: Pattern.LITERAL,
      principal: 'User:alice', host: '*', operation, permissionType: Perm.ALLOW,
    }],
  });
  assert.equal(res.results[0]!.errorCode, ErrorCode.NONE);
}

test('ConsumerGroupHeartbeat READ on the group and DESCRIBE on its topics; ConsumerGroupDescribe DESCRIBE on group and assigned topics', async () => {
  const created = await (await admin.any()).request(ApiKey.CreateTopics, {
    ...messages.CreateTopicsRequest.defaults(), timeoutMs: 10_000,
    topics: [{ ...messages.defaultCreateTopicsRequestCreatableTopic(), name: 'kt', numPartitions: 2, replicationFactor: 1 }],
  });
  assert.equal(created.topics[0]!.errorCode, ErrorCode.NONE);
  await (await admin.any()).request(ApiKey.FindCoordinator, { ...messages.FindCoordinatorRequest.defaults(), keyType: 0, coordinatorKeys: ['kg'] });

  const heartbeat = async () => (await alice.any()).request(ApiKey.ConsumerGroupHeartbeat, {
    ...messages.ConsumerGroupHeartbeatRequest.defaults(), groupId: 'kg', memberId: 'alice-1', memberEpoch: 0, rebalanceTimeoutMs: 10_000,
    subscribedTopicNames: ['kt'], topicPartitions: [],
  });
  const describe = async (who: Cluster) => (await (await who.any()).request(ApiKey.ConsumerGroupDescribe, {
    ...messages.ConsumerGroupDescribeRequest.defaults(), groupIds: ['kg'], includeAuthorizedOperations: true,
  })).groups[0]!;

  assert.equal((await heartbeat()).errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED);
  await grant(Res.GROUP, 'kg', Op.READ);
  const refused = await heartbeat();
  assert.equal(refused.errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  assert.match(refused.errorMessage ?? '', /kt/);
  await grant(Res.TOPIC, 'kt', Op.DESCRIBE);
  // The coordinator may still be loading its partition right after FindCoordinator.
  const joined = await until('alice joins', async () => {
    const r = await heartbeat();
    return r.errorCode === ErrorCode.NOT_COORDINATOR ? null : r;
  });
  assert.equal(joined.errorCode, ErrorCode.NONE);
  assert.equal(joined.assignment?.topicPartitions[0]!.partitions.length, 2);

  // READ on the group implies DESCRIBE; alice may describe the topic it is assigned.
  const d = await describe(alice);
  assert.equal(d.errorCode, ErrorCode.NONE);
  assert.equal(d.authorizedOperations, (1 << Op.READ) | (1 << Op.DESCRIBE));
  assert.equal(d.members[0]!.assignment.topicPartitions[0]!.topicName, 'kt');
  assert.equal((await describe(admin)).members.length, 1);
});
