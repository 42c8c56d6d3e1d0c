/**
 * `samsa acls` against a broker without an authorizer (Kafka's answer:
 * SECURITY_DISABLED) and its usage errors, found before any ACL request
 * is sent. The command with an authorizer is exercised in test/interop/acls.test.ts.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { samsa } from '../helpers/samsa-cli.ts';

let broker: TestBroker;

before(async () => {
  broker = await startTestBroker();
});
after(async () => {
  await broker?.stop();
});

const acls = (...args: string[]) => samsa(['acls', '--bootstrap-server', broker.bootstrap, ...args]);

test('without an authorizer, adding and listing ACLs is SECURITY_DISABLED, as in Kafka', async () => {
  const added = await acls('--add', '--allow-principal', 'User:alice', '--operation', 'Read', '--topic', 't');
  assert.equal(added.code, 1);
  assert.match(added.stderr, /SECURITY_DISABLED/);
  const listed = await acls('--list');
  assert.equal(listed.code, 1);
  assert.match(listed.stderr, /No Authorizer is configured/);
});

test('usage errors: one action, a resource, a principal, operations the resource type has', async () => {
  const cases: [string[], RegExp][] = [
    [['--add', '--list'], /exactly one action/],
    [['--add', '--allow-principal', 'User:alice'], /You must specify one of: --topic/],
    [['--add', '--topic', 't'], /--allow-principal, --deny-principal/],
    [['--add', '--allow-principal', 'alice', '--topic', 't'], /Could not parse principal/],
    [['--add', '--allow-principal', 'User:alice', '--operation', 'IdempotentWrite', '--topic', 't'], /ResourceType TOPIC only supports operations/],
    [['--add', '--allow-principal', 'User:alice', '--operation', 'Fly', '--topic', 't'], /Unknown operation Fly/],
    [['--add', '--allow-principal', 'User:alice', '--topic', 't', '--resource-pattern-type', 'match'], /only valid with --list or --remove/],
    [['--add', '--allow-principal', 'User:alice', '--consumer', '--topic', 't'], /--consumer needs at least one --group/],
  ];
  for (const [args, message] of cases) {
    const r = await acls(...args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
});
