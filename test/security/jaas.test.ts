/** JAAS config values as Kafka's brokers and clients read them (sasl.jaas.config). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  JaasConfigError, PLAIN_LOGIN_MODULE, SCRAM_LOGIN_MODULE, brokerSaslCredentials, clientLogin, listenerJaasConfigKey, parseJaasConfig,
  parseJaasEntries, plainUsers, serverJaasEntry,
} from '../../src/security/index.ts';
import { MetadataImage } from '../../src/metadata/index.ts';

test('JAAS: PlainLoginModule with the broker\'s own login and its users', () => {
  const entry = parseJaasConfig('org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="admin-secret" user_admin="admin-secret" user_alice="alice-secret";');
  assert.equal(entry.loginModule, PLAIN_LOGIN_MODULE);
  assert.equal(entry.controlFlag, 'required');
  assert.deepEqual([...entry.options], [
    ['username', 'admin'], ['password', 'admin-secret'], ['user_admin', 'admin-secret'], ['user_alice', 'alice-secret'],
  ]);
  assert.deepEqual([...plainUsers(entry)], [['admin', 'admin-secret'], ['alice', 'alice-secret']]);
  assert.deepEqual(clientLogin(entry), { username: 'admin', password: 'admin-secret' });

  const creds = brokerSaslCredentials(() => MetadataImage.empty(), entry);
  assert.equal(creds.plainPassword('alice'), 'alice-secret');
  assert.equal(creds.plainPassword('bob'), null);
  assert.equal(creds.scramCredential('alice', 'SCRAM-SHA-256'), null);
});

test('JAAS: ScramLoginModule, flags in any case, unquoted values, comments, escapes and several lines', () => {
  const entry = parseJaasConfig(`
    // the broker's inter-broker login
    org.apache.kafka.common.security.scram.ScramLoginModule REQUIRED
      username=broker-1 /* unquoted: a word */
      password='single-quoted' note="tab\\there \\"quoted\\"" empty="";`);
  assert.equal(entry.loginModule, SCRAM_LOGIN_MODULE);
  assert.equal(entry.controlFlag, 'required');
  assert.equal(entry.options.get('username'), 'broker-1');
  assert.equal(entry.options.get('note'), 'tab\there "quoted"');
  assert.equal(entry.options.get('empty'), '');
  assert.equal(entry.options.get('password'), 'single-quoted');
  assert.deepEqual(plainUsers(entry), new Map(), 'user_ entries count only in a PlainLoginModule');
});

test('JAAS: clear errors for what Kafka refuses', () => {
  const refused: [string, RegExp][] = [
    ['', /Login module not specified in JAAS config/],
    ['  // only a comment', /Login module not specified/],
    ['org.Module', /Login module control flag not specified/],
    ['org.Module mandatory;', /Invalid login module control flag 'mandatory'/],
    ['org.Module required username="a"', /not terminated by semi-colon/],
    ['org.Module required username;', /Value not specified for key 'username'/],
    ['org.Module required username=;', /Value not specified for key 'username'/],
    ['org.Module required port=9092;', /Value not specified for key 'port'/],
    ['org.Module required a="unterminated;', /Unterminated quoted string/],
    ['org.Module required a="x"; /* open', /Unterminated comment/],
    ['org.Module required a="x" ! ;', /Unexpected character '!'/],
    ['a.A required; b.B optional;', /contains 2 login modules, should be 1 module/],
  ];
  for (const [text, message] of refused) assert.throws(() => parseJaasConfig(text), (e: unknown) => e instanceof JaasConfigError && message.test(e.message), text);
  assert.equal(parseJaasEntries('a.A required; b.B Sufficient x="1";').length, 2);
});

test('JAAS: a broker reads the listener- and mechanism-prefixed property only', () => {
  assert.equal(listenerJaasConfigKey('SASL_PLAINTEXT', 'SCRAM-SHA-256'), 'listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config');
  const config = {
    'sasl.jaas.config': `${PLAIN_LOGIN_MODULE} required user_x="ignored";`,
    'listener.name.sasl_plaintext.plain.sasl.jaas.config': `${PLAIN_LOGIN_MODULE} required user_alice="alice-secret";`,
  };
  assert.deepEqual([...plainUsers(serverJaasEntry(config, 'SASL_PLAINTEXT', 'PLAIN'))], [['alice', 'alice-secret']]);
  assert.equal(serverJaasEntry(config, 'SASL_SSL', 'PLAIN'), null);
  assert.equal(serverJaasEntry(new Map(Object.entries(config)), 'sasl_plaintext', 'plain')?.controlFlag, 'required');
});
