/**
 * The StandardAuthorizer decision over a set of ACLs: pattern matching
 * (literal, the `*` wildcard, prefixes), principal and host wildcards,
 * operation implications, DENY over ALLOW, super users and
 * allow.everyone.if.no.acl.found; plus the filters DescribeAcls and
 * DeleteAcls use and the controller's checks of new ACLs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AclOperation as Op, AclPatternType as Pattern, AclPermissionType as Perm, AclResourceType as Res, ErrorCode } from '../../src/protocol/index.ts';
import { MetadataImage, aclFilterMatches, type AclEntry, type AclFilter } from '../../src/metadata/index.ts';
import { StandardAuthorizer, authorizerFromConfig } from '../../src/security/index.ts';
import { newAclError, planCreateAcls, planDeleteAcls } from '../../src/controller/acls.ts';

function acl(fields: Partial<AclEntry>): AclEntry {
  return {
    resourceType: Res.TOPIC, resourceName: 'orders', patternType: Pattern.LITERAL, principal: 'User:alice', host: '*',
    operation: Op.READ, permissionType: Perm.ALLOW, ...fields,
  };
}

function aclMap(...acls: AclEntry[]): Map<string, AclEntry> {
  return new Map(acls.map((a, i) => [`id${i}`, a]));
}

const plain = new StandardAuthorizer({ superUsers: new Set(['User:admin']), allowEveryoneIfNoAclFound: false });

function may(acls: Map<string, AclEntry>, operation: number, name = 'orders', principal = 'User:alice', host = '10.0.0.1', resourceType: number = Res.TOPIC): boolean {
  return plain.authorize(acls, { principal, host, operation, resourceType, resourceName: name });
}

test('a literal ACL grants its operation on that resource only, to that principal only', () => {
  const acls = aclMap(acl({}));
  assert.equal(may(acls, Op.READ), true);
  assert.equal(may(acls, Op.WRITE), false);
  assert.equal(may(acls, Op.READ, 'orders2'), false);
  assert.equal(may(acls, Op.READ, 'orders', 'User:bob'), false);
  assert.equal(may(acls, Op.READ, 'orders', 'alice'.replace('a', 'A')), false, 'principals are case-sensitive');
});

test('implications: READ, WRITE, DELETE and ALTER imply DESCRIBE; ALTER_CONFIGS implies DESCRIBE_CONFIGS; ALL implies everything', () => {
  for (const granted of [Op.READ, Op.WRITE, Op.DELETE, Op.ALTER]) assert.equal(may(aclMap(acl({ operation: granted })), Op.DESCRIBE), true);
  assert.equal(may(aclMap(acl({ operation: Op.CREATE })), Op.DESCRIBE), false);
  assert.equal(may(aclMap(acl({ operation: Op.ALTER_CONFIGS })), Op.DESCRIBE_CONFIGS), true);
  assert.equal(may(aclMap(acl({ operation: Op.DESCRIBE })), Op.READ), false);
  for (const wanted of [Op.READ, Op.WRITE, Op.CREATE, Op.DELETE, Op.ALTER_CONFIGS]) assert.equal(may(aclMap(acl({ operation: Op.ALL })), wanted), true);
});

test('DENY beats ALLOW; a DENY of READ does not deny the DESCRIBE that READ implies', () => {
  assert.equal(may(aclMap(acl({ operation: Op.ALL }), acl({ permissionType: Perm.DENY })), Op.READ), false);
  assert.equal(may(aclMap(acl({}), acl({ permissionType: Perm.DENY, operation: Op.ALL, resourceName: '*' })), Op.READ), false);
  assert.equal(may(aclMap(acl({ operation: Op.WRITE }), acl({ permissionType: Perm.DENY, operation: Op.READ })), Op.DESCRIBE), true);
  assert.equal(may(aclMap(acl({ operation: Op.ALL }), acl({ permissionType: Perm.DENY, host: '10.0.0.1' })), Op.READ), false);
  assert.equal(may(aclMap(acl({ operation: Op.ALL }), acl({ permissionType: Perm.DENY, host: '10.0.0.2' })), Op.READ), true, 'a DENY for another host');
});

test('wildcards: resource `*`, principal User:*, host *; and hosts by address', () => {
  assert.equal(may(aclMap(acl({ resourceName: '*' })), Op.READ, 'anything'), true);
  assert.equal(may(aclMap(acl({ principal: 'User:*' })), Op.READ, 'orders', 'User:bob'), true);
  assert.equal(may(aclMap(acl({ host: '10.0.0.1' })), Op.READ), true);
  assert.equal(may(aclMap(acl({ host: '10.0.0.2' })), Op.READ), false);
});

test('prefixed ACLs match names that start with the prefix', () => {
  const acls = aclMap(acl({ resourceName: 'ord', patternType: Pattern.PREFIXED }));
  assert.equal(may(acls, Op.READ, 'orders'), true);
  assert.equal(may(acls, Op.READ, 'ord'), true);
  assert.equal(may(acls, Op.READ, 'or'), false);
  assert.equal(may(aclMap(acl({ resourceName: 'ord', patternType: Pattern.PREFIXED, permissionType: Perm.DENY }), acl({})), Op.READ), false);
});

test('resource types are separate: a topic ACL says nothing about a group of the same name', () => {
  assert.equal(may(aclMap(acl({})), Op.READ, 'orders', 'User:alice', '10.0.0.1', Res.GROUP), false);
});

test('super users may do anything; allow.everyone.if.no.acl.found opens resources without any ACL', () => {
  assert.equal(may(aclMap(), Op.ALTER, 'orders', 'User:admin'), true);
  assert.equal(may(aclMap(acl({ permissionType: Perm.DENY, principal: 'User:admin', operation: Op.ALL })), Op.READ, 'orders', 'User:admin'), true);
  const open = new StandardAuthorizer({ superUsers: new Set(), allowEveryoneIfNoAclFound: true });
  const action = { principal: 'User:bob', host: '1.2.3.4', operation: Op.READ, resourceType: Res.TOPIC };
  assert.equal(open.authorize(aclMap(), { ...action, resourceName: 'orders' }), true, 'no ACL anywhere');
  assert.equal(open.authorize(aclMap(acl({})), { ...action, resourceName: 'orders' }), false, 'an ACL on the resource, for someone else');
  assert.equal(open.authorize(aclMap(acl({})), { ...action, resourceName: 'other' }), true, 'no ACL on this resource');
  assert.equal(may(aclMap(), Op.READ), false, 'closed by default');
});

test('authorized operations are a bit set over the resource type\'s operations', () => {
  const bits = plain.authorizedOperations(aclMap(acl({ operation: Op.WRITE })), {
    principal: 'User:alice', host: '1.1.1.1', resourceType: Res.TOPIC, resourceName: 'orders',
  });
  assert.equal(bits, (1 << Op.WRITE) | (1 << Op.DESCRIBE));
});

test('WRITE on any topic: allowed unless a DENY covers every name the ALLOW could grant', () => {
  const any = (acls: Map<string, AclEntry>) => plain.authorizeAny(acls, { principal: 'User:alice', host: '1.1.1.1', operation: Op.WRITE, resourceType: Res.TOPIC });
  assert.equal(any(aclMap()), false);
  assert.equal(any(aclMap(acl({ operation: Op.WRITE }))), true);
  assert.equal(any(aclMap(acl({ operation: Op.WRITE }), acl({ operation: Op.WRITE, permissionType: Perm.DENY, resourceName: '*' }))), false);
  assert.equal(any(aclMap(acl({ operation: Op.WRITE, patternType: Pattern.PREFIXED, resourceName: 'or' }),
    acl({ operation: Op.WRITE, permissionType: Perm.DENY, patternType: Pattern.PREFIXED, resourceName: 'o' }))), false);
});

test('filters: ANY, MATCH (literal, wildcard and prefixes that apply to a name) and the entry fields', () => {
  const literal = acl({});
  const wildcard = acl({ resourceName: '*' });
  const prefixed = acl({ resourceName: 'ord', patternType: Pattern.PREFIXED });
  const other = acl({ resourceName: 'payments' });
  const filter = (f: Partial<AclFilter>): AclFilter => ({
    resourceType: Res.ANY, resourceName: null, patternType: Pattern.ANY, principal: null, host: null, operation: Op.ANY, permissionType: Perm.ANY, ...f,
  });
  const select = (f: AclFilter) => [literal, wildcard, prefixed, other].filter((a) => aclFilterMatches(f, a));
  assert.deepEqual(select(filter({})), [literal, wildcard, prefixed, other]);
  assert.deepEqual(select(filter({ resourceName: 'orders' })), [literal]);
  assert.deepEqual(select(filter({ resourceName: 'orders', patternType: Pattern.MATCH })), [literal, wildcard, prefixed]);
  assert.deepEqual(select(filter({ patternType: Pattern.PREFIXED })), [prefixed]);
  assert.deepEqual(select(filter({ resourceType: Res.GROUP })), []);
  assert.deepEqual(select(filter({ principal: 'User:bob' })), []);
  assert.deepEqual(select(filter({ operation: Op.READ, permissionType: Perm.ALLOW, host: '*' })).length, 4);
});

test('the controller refuses bad ACLs with INVALID_REQUEST and creates a duplicate once', () => {
  const bad: Partial<AclEntry>[] = [
    { resourceType: Res.ANY }, { resourceType: Res.UNKNOWN }, { patternType: Pattern.MATCH }, { patternType: Pattern.ANY },
    { operation: Op.ANY }, { operation: Op.UNKNOWN }, { permissionType: Perm.ANY }, { resourceName: '' },
    { patternType: Pattern.PREFIXED, resourceName: '*' }, { principal: 'alice' }, { resourceType: Res.CLUSTER, resourceName: 'c' },
  ];
  for (const fields of bad) assert.equal(newAclError(acl(fields))?.errorCode, ErrorCode.INVALID_REQUEST, JSON.stringify(fields));
  assert.equal(newAclError(acl({ resourceType: Res.CLUSTER, resourceName: 'kafka-cluster', operation: Op.ALTER })), null);
  const out: unknown[] = [];
  let n = 0;
  const results = planCreateAcls(MetadataImage.empty(), [acl({}), acl({}), acl({ principal: 'x' })], out as never, () => `id${n++}`);
  assert.deepEqual(results.map((r) => r.errorCode), [0, 0, ErrorCode.INVALID_REQUEST]);
  assert.equal(out.length, 1);
});

test('delete filters remove each matching ACL once and return it; an UNKNOWN field is INVALID_REQUEST', () => {
  const image = new MetadataImage({ ...MetadataImage.empty(), acls: aclMap(acl({}), acl({ principal: 'User:bob' })) });
  const out: unknown[] = [];
  const any: AclFilter = {
    resourceType: Res.TOPIC, resourceName: 'orders', patternType: Pattern.LITERAL, principal: null, host: null, operation: Op.ANY, permissionType: Perm.ANY,
  };
  const results = planDeleteAcls(image, [{ ...any, principal: 'User:alice' }, any, { ...any, operation: Op.UNKNOWN }], out as never);
  assert.deepEqual(results.map((r) => r.matching.map((a) => a.principal)), [['User:alice'], ['User:bob'], []]);
  assert.equal(results[2]!.errorCode, ErrorCode.INVALID_REQUEST);
  assert.equal(out.length, 2);
});

test('authorizer.class.name: empty is no authorizer; StandardAuthorizer; AclAuthorizer with a warning; anything else refused', () => {
  const base = { superUsers: ['User:admin'], allowEveryoneIfNoAclFound: false };
  const lines: string[] = [];
  assert.equal(authorizerFromConfig({ ...base, authorizerClassName: '' }, (l) => lines.push(l)), null);
  assert.ok(authorizerFromConfig({ ...base, authorizerClassName: 'org.apache.kafka.metadata.authorizer.StandardAuthorizer' }, (l) => lines.push(l)));
  assert.equal(lines.length, 0);
  assert.ok(authorizerFromConfig({ ...base, authorizerClassName: 'kafka.security.authorizer.AclAuthorizer' }, (l) => lines.push(l))?.isSuperUser('User:admin'));
  assert.equal(lines.length, 1);
  assert.throws(() => authorizerFromConfig({ ...base, authorizerClassName: 'com.example.Mine' }, () => {}), /authorizer.class.name/);
});
