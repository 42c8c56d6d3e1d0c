/**
 * The SASL part of a --command-config file, by Kafka's client names:
 * `sasl.mechanism` and `sasl.jaas.config`.
 *
 *   PLAIN, SCRAM-SHA-256, SCRAM-SHA-512: PlainLoginModule / ScramLoginModule
 *     with username="..." password="...".
 *   OAUTHBEARER: OAuthBearerLoginModule. With
 *     sasl.login.callback.handler.class=...OAuthBearerLoginCallbackHandler the
 *     token comes from sasl.oauthbearer.token.endpoint.url: read from a file:
 *     URL, or asked of an identity provider's token endpoint with the JAAS
 *     clientId, clientSecret and scope; otherwise the unsecuredLogin* options
 *     (unsecuredLoginStringClaim_sub="alice", ...) make an unsecured token,
 *     for brokers that run Kafka's unsecured validator.
 *
 * Loaded only by commands that connect; every problem is an Error whose
 * message the caller prints as one line.
 */
import type { SaslClientOptions } from '../client/index.ts';
import { SecurityConfigError } from '../security/pem.ts';
import { JaasConfigError, parseJaasConfig } from '../security/sasl/jaas.ts';
import { oauthBearerLogin } from '../security/sasl/oauthbearer-config.ts';

const PASSWORD_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'];

/** Kafka's client defaults for the login settings that have one. */
const CLIENT_DEFAULTS: Readonly<Record<string, string | number>> = { 'sasl.login.refresh.window.factor': 0.8, 'sasl.oauthbearer.header.urlencode': 'false' };

function numberProp(props: Record<string, string>, name: string): void {
  const v = props[name];
  if (v !== undefined && !(Number.isInteger(Number(v)) && Number(v) > 0)) throw new Error(`${name} must be a positive integer, got '${v}'`);
}

export function saslOptionsOf(props: Record<string, string>): SaslClientOptions {
  const mechanism = (props['sasl.mechanism'] ?? 'GSSAPI').trim().toUpperCase();
  if (!PASSWORD_MECHANISMS.includes(mechanism) && mechanism !== 'OAUTHBEARER') {
    throw new Error(`sasl.mechanism ${mechanism} is not supported (${[...PASSWORD_MECHANISMS, 'OAUTHBEARER'].join(', ')} are)`);
  }
  const jaasText = props['sasl.jaas.config'];
  if (jaasText === undefined) throw new Error(`sasl.jaas.config is needed for ${mechanism}`);
  let jaas: ReturnType<typeof parseJaasConfig>;
  try {
    jaas = parseJaasConfig(jaasText);
  } catch (e) {
    if (e instanceof JaasConfigError) throw new Error(`sasl.jaas.config: ${e.message}`);
    throw e;
  }
  if (mechanism !== 'OAUTHBEARER') {
    const username = jaas.options.get('username');
    const password = jaas.options.get('password');
    if (username === undefined || password === undefined) throw new Error(`sasl.jaas.config needs username="..." and password="..." for ${mechanism}`);
    const tokenAuth = jaas.options.get('tokenauth')?.toLowerCase() === 'true';
    if (tokenAuth && mechanism === 'PLAIN') throw new Error('tokenauth="true" (a delegation token) needs sasl.mechanism SCRAM-SHA-256 or SCRAM-SHA-512');
    return { mechanism, username, password, ...(tokenAuth ? { tokenAuth } : {}) };
  }
  numberProp(props, 'sasl.login.connect.timeout.ms');
  numberProp(props, 'sasl.login.read.timeout.ms');
  const values = {
    listenerName: 'client',
    value: (name: string) => props[name] ?? CLIENT_DEFAULTS[name] ?? null,
    keyOf: (name: string) => name,
  };
  try {
    const login = oauthBearerLogin(values, { loginModule: jaas.loginModule, options: jaas.options, key: 'sasl.jaas.config' }, Date.now);
    return { mechanism: 'OAUTHBEARER', token: login.token, extensions: login.extensions };
  } catch (e) {
    if (e instanceof SecurityConfigError) throw new Error(e.message);
    throw e;
  }
}
