/**
 * OAUTHBEARER on a listener, from Kafka's configs: which validator checks
 * tokens, and how this node logs in with OAUTHBEARER itself (inter-broker
 * and controller connections).
 *
 * The validator is Kafka's choice: the class named by
 * `listener.name.<l>.oauthbearer.sasl.server.callback.handler.class`.
 *   - unset, or OAuthBearerUnsecuredValidatorCallbackHandler: the unsecured
 *     validator, tuned by the JAAS entry's unsecuredValidator* options;
 *   - OAuthBearerValidatorCallbackHandler (or its older `secured.` name):
 *     JWTs checked against the JWKS of `sasl.oauthbearer.jwks.endpoint.url`
 *     with the `sasl.oauthbearer.*` claim settings.
 * Any other class cannot be loaded (Samsa runs no Java) and stops the start.
 *
 * The login (the token this node presents) is Kafka's too: with
 * `sasl.login.callback.handler.class` set to OAuthBearerLoginCallbackHandler,
 * from `sasl.oauthbearer.token.endpoint.url`: a `file:` URL is read at each
 * connection, an http(s) one is the identity provider's token endpoint
 * (client credentials with the JAAS clientId, clientSecret and scope
 * options); otherwise the JAAS entry's unsecuredLogin* options make an
 * unsecured token for each connection.
 *
 * Every value is read as Kafka's broker reads a mechanism's config:
 * `listener.name.<l>.oauthbearer.<name>`, else `listener.name.<l>.<name>`,
 * else `<name>`, else the default.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ConfigValue } from '../../metadata/index.ts';
import { sasl } from '../../protocol/index.ts';
import { SecurityConfigError } from '../pem.ts';
import { JwksFile, JwksHttp, type JwksSource } from './jwks.ts';
import { JwtTokenValidator } from './jwt-validator.ts';
import type { BearerTokenValidator } from './oauthbearer-server.ts';
import { UnsecuredTokenValidator } from './oauthbearer-unsecured.ts';
import { TokenEndpointLogin } from './oauthbearer-token-endpoint.ts';

export const OAUTHBEARER_LOGIN_MODULE = 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule';
const UNSECURED_VALIDATOR = 'org.apache.kafka.common.security.oauthbearer.internals.unsecured.OAuthBearerUnsecuredValidatorCallbackHandler';
const SECURED_VALIDATORS: readonly string[] = [
  'org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler',
  'org.apache.kafka.common.security.oauthbearer.secured.OAuthBearerValidatorCallbackHandler',
];
const SECURED_LOGIN_HANDLERS: readonly string[] = [
  'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler',
  'org.apache.kafka.common.security.oauthbearer.secured.OAuthBearerLoginCallbackHandler',
];
const UNSECURED_LOGIN_HANDLER = 'org.apache.kafka.common.security.oauthbearer.internals.unsecured.OAuthBearerUnsecuredLoginCallbackHandler';

/** A listener's OAUTHBEARER settings, resolved with Kafka's precedence. */
export interface OAuthBearerValues {
  readonly listenerName: string;
  /** The parsed value (the default when nothing sets it). Throws SecurityConfigError for a bad value. */
  value(name: string): ConfigValue;
  /** The key that supplies a value, for messages (the plain name when only the default does). */
  keyOf(name: string): string;
}

/** The listener's JAAS entry for OAUTHBEARER: its login module and options. */
export interface OAuthBearerJaas {
  readonly loginModule: string;
  readonly options: ReadonlyMap<string, string>;
  /** The key it was read from. */
  readonly key: string;
}

function text(values: OAuthBearerValues, name: string): string | null {
  const v = values.value(name);
  return v === null || String(v).trim() === '' ? null : String(v).trim();
}

function checkLoginModule(jaas: OAuthBearerJaas | null, listenerName: string): OAuthBearerJaas {
  if (jaas === null) {
    throw new SecurityConfigError(`listener ${listenerName} enables SASL/OAUTHBEARER but has no JAAS config: set `
      + `listener.name.${listenerName.toLowerCase()}.oauthbearer.sasl.jaas.config=${OAUTHBEARER_LOGIN_MODULE} required;`);
  }
  if (!jaas.loginModule.endsWith('OAuthBearerLoginModule')) {
    throw new SecurityConfigError(`${jaas.key}: OAUTHBEARER needs ${OAUTHBEARER_LOGIN_MODULE}, not ${jaas.loginModule}`);
  }
  return jaas;
}

/** The validator of a listener that enables OAUTHBEARER. Throws SecurityConfigError. */
export function oauthBearerValidator(
  values: OAuthBearerValues, jaasEntry: OAuthBearerJaas | null, nowMs: () => number, log: (line: string) => void,
): BearerTokenValidator {
  const jaas = checkLoginModule(jaasEntry, values.listenerName);
  const handler = text(values, 'sasl.server.callback.handler.class');
  if (handler === null || handler === UNSECURED_VALIDATOR) {
    try {
      return new UnsecuredTokenValidator(jaas.options, nowMs);
    } catch (e) {
      throw new SecurityConfigError(`${jaas.key}: ${(e as Error).message}`);
    }
  }
  if (!SECURED_VALIDATORS.includes(handler)) {
    throw new SecurityConfigError(`invalid value '${handler}' for config '${values.keyOf('sasl.server.callback.handler.class')}': `
      + `Samsa cannot load Java classes; for OAUTHBEARER it has ${SECURED_VALIDATORS[0]} (JWTs checked against a JWKS) and ${UNSECURED_VALIDATOR}`);
  }
  const skew = values.value('sasl.oauthbearer.clock.skew.seconds') as number;
  if (skew < 0) throw new SecurityConfigError(`invalid value '${skew}' for config '${values.keyOf('sasl.oauthbearer.clock.skew.seconds')}': must not be negative`);
  const scopeClaimName = requiredText(values, 'sasl.oauthbearer.scope.claim.name');
  const subClaimName = requiredText(values, 'sasl.oauthbearer.sub.claim.name');
  const audiences = values.value('sasl.oauthbearer.expected.audience') as readonly string[] | null;
  return new JwtTokenValidator({
    keys: jwksSource(values, nowMs, log),
    clockSkewSeconds: skew,
    expectedAudiences: (audiences ?? []).map((a) => a.trim()).filter((a) => a !== ''),
    expectedIssuer: text(values, 'sasl.oauthbearer.expected.issuer'),
    scopeClaimName,
    subClaimName,
  }, nowMs);
}

function requiredText(values: OAuthBearerValues, name: string): string {
  const v = text(values, name);
  if (v === null) throw new SecurityConfigError(`The OAuth configuration option ${values.keyOf(name)} value must not be empty`);
  return v;
}

/** `file:`, `http:` or `https:`, as Kafka accepts; anything else is a SecurityConfigError. */
function oauthUrl(values: OAuthBearerValues, name: string): URL {
  const raw = text(values, name);
  const key = values.keyOf(name);
  if (raw === null) throw new SecurityConfigError(`The OAuth configuration option ${key} value must be non-null`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new SecurityConfigError(`The OAuth configuration option ${key} contains a URL (${raw}) that is malformed`);
  }
  if (!['file:', 'http:', 'https:'].includes(url.protocol)) {
    throw new SecurityConfigError(`The OAuth configuration option ${key} contains a URL (${raw}) that contains an invalid protocol (${url.protocol.slice(0, -1)}); only "http", "https", and "file" protocol are supported`);
  }
  return url;
}

function jwksSource(values: OAuthBearerValues, nowMs: () => number, log: (line: string) => void): JwksSource {
  const url = oauthUrl(values, 'sasl.oauthbearer.jwks.endpoint.url');
  const refreshMs = values.value('sasl.oauthbearer.jwks.endpoint.refresh.ms') as number;
  if (refreshMs < 0) throw new SecurityConfigError(`The OAuth configuration option ${values.keyOf('sasl.oauthbearer.jwks.endpoint.refresh.ms')} value must be at least 0`);
  if (url.protocol !== 'file:') {
    return new JwksHttp(url, {
      refreshMs,
      retryBackoffMs: Math.max(1, values.value('sasl.oauthbearer.jwks.endpoint.retry.backoff.ms') as number),
      retryBackoffMaxMs: Math.max(1, values.value('sasl.oauthbearer.jwks.endpoint.retry.backoff.max.ms') as number),
    }, nowMs, log);
  }
  try {
    return new JwksFile(url, refreshMs, nowMs);
  } catch (e) {
    throw new SecurityConfigError(`The OAuth configuration option ${values.keyOf('sasl.oauthbearer.jwks.endpoint.url')} names a JWKS file (${url.href}) that cannot be used: ${(e as Error).message}`);
  }
}

/** Login timeouts when Kafka's are unset (its HTTP client then waits without bound). */
const TOKEN_ENDPOINT_TIMEOUT_MS_DEFAULT = 30_000;

function tokenEndpointLogin(values: OAuthBearerValues, jaas: OAuthBearerJaas, url: URL, nowMs: () => number): () => Promise<string> {
  const option = (name: string): string | null => {
    const v = jaas.options.get(name)?.trim();
    return v === undefined || v === '' ? null : v;
  };
  const clientId = option('clientId');
  const clientSecret = option('clientSecret');
  if (clientId === null || clientSecret === null) {
    throw new SecurityConfigError(`${jaas.key}: the token endpoint ${url.href} needs the JAAS options clientId and clientSecret`);
  }
  const connectMs = values.value('sasl.login.connect.timeout.ms') as number | null;
  const readMs = values.value('sasl.login.read.timeout.ms') as number | null;
  const factor = Number(values.value('sasl.login.refresh.window.factor'));
  const login = new TokenEndpointLogin({
    url, clientId, clientSecret, scope: option('scope'),
    urlencodeHeader: String(values.value('sasl.oauthbearer.header.urlencode')) === 'true',
    timeoutMs: connectMs === null && readMs === null ? TOKEN_ENDPOINT_TIMEOUT_MS_DEFAULT : (connectMs ?? 0) + (readMs ?? TOKEN_ENDPOINT_TIMEOUT_MS_DEFAULT),
    refreshWindowFactor: factor >= 0.5 && factor <= 1 ? factor : 0.8,
  }, nowMs);
  return () => login.token();
}

/** What a node presents when it logs in with OAUTHBEARER: a fresh token (and extensions) per connection. */
export interface OAuthBearerLogin {
  token(): string | Promise<string>;
  readonly extensions: Readonly<Record<string, string>>;
}

/**
 * This node's own OAUTHBEARER login on a listener (inter-broker or
 * controller connections), or a SecurityConfigError saying what is missing.
 */
export function oauthBearerLogin(values: OAuthBearerValues, jaasEntry: OAuthBearerJaas | null, nowMs: () => number): OAuthBearerLogin {
  const jaas = checkLoginModule(jaasEntry, values.listenerName);
  const handler = text(values, 'sasl.login.callback.handler.class');
  if (handler !== null && SECURED_LOGIN_HANDLERS.includes(handler)) {
    const url = oauthUrl(values, 'sasl.oauthbearer.token.endpoint.url');
    if (url.protocol !== 'file:') return { token: tokenEndpointLogin(values, jaas, url, nowMs), extensions: {} };
    const path = fileURLToPath(url);
    const read = (): string => readFileSync(path, 'utf8').trim();
    try {
      read();
    } catch (e) {
      throw new SecurityConfigError(`${values.keyOf('sasl.oauthbearer.token.endpoint.url')}: cannot read the token file: ${(e as Error).message}`);
    }
    return { token: read, extensions: {} };
  }
  if (handler !== null && handler !== UNSECURED_LOGIN_HANDLER) {
    throw new SecurityConfigError(`invalid value '${handler}' for config '${values.keyOf('sasl.login.callback.handler.class')}': Samsa cannot load Java classes; for OAUTHBEARER it has ${SECURED_LOGIN_HANDLERS[0]} (token from a file: sasl.oauthbearer.token.endpoint.url) and the unsecured login`);
  }
  let first: sasl.oauthbearer.UnsecuredLogin;
  try {
    first = sasl.oauthbearer.unsecuredLogin(jaas.options, nowMs());
  } catch (e) {
    throw new SecurityConfigError(`${jaas.key}: cannot make this node's OAUTHBEARER token from the unsecuredLogin* options: ${(e as Error).message}`);
  }
  return { token: () => sasl.oauthbearer.unsecuredLogin(jaas.options, nowMs()).token, extensions: Object.fromEntries(first.extensions) };
}
