/**
 * What each listener's security protocol asks for, read from Kafka's
 * configs: the TLS key and trust material (`ssl.*`, overridable per
 * listener as `listener.name.<listener>.ssl.*`), client authentication, the
 * SASL mechanisms a SASL listener enables, the PLAIN users of its JAAS
 * config and its OAUTHBEARER token validator (sasl/oauthbearer-config.ts);
 * and the client side of the same listener, for this node's own
 * connections to other brokers and controllers. Every problem is one line
 * naming the config (SecurityConfigError).
 */
import { createSecureContext, type SecureVersion, type TLSSocket, type TlsOptions } from 'node:tls';
import {
  brokerConfigDef, invalidValueMessage, parseValue, type BrokerConfig, type ConfigValue, type SecurityProtocol,
} from '../metadata/index.ts';
import { sasl as saslProtocol, type ClientTlsOptions, type SaslClientOptions } from '../protocol/index.ts';
import { opensslCipherList } from './cipher-suites.ts';
import { SecurityConfigError, keyMaterialOf, readConfiguredFile, trustedCertificatesOf, type KeyMaterial } from './pem.ts';
import { ANONYMOUS_PRINCIPAL, mapDn, parseMappingRules, subjectDn, userPrincipal } from './principal.ts';
import { SUPPORTED_SASL_MECHANISMS, type SaslCredentials } from './sasl/sasl-server.ts';
import { oauthBearerLogin, oauthBearerValidator, type OAuthBearerJaas, type OAuthBearerValues } from './sasl/oauthbearer-config.ts';

export type ClientAuth = 'none' | 'requested' | 'required';

export interface TlsListenerSettings {
  /** For tls.createServer; everything but requestCert and rejectUnauthorized is also what tls.Server#setSecureContext takes. */
  readonly serverOptions: TlsOptions;
  readonly clientAuth: ClientAuth;
  /** The key store's certificate chain (PEM, leaf first) and whether a trust store is configured: what a reload is checked against. */
  readonly certificateChain: string;
  readonly hasTrustStore: boolean;
  /** ssl.allow.dn.changes, ssl.allow.san.changes: whether a reloaded key store may change the certificate's subject or SANs. */
  readonly allowDnChanges: boolean;
  readonly allowSanChanges: boolean;
  /** The principal of a connection whose handshake completed: from its certificate, or ANONYMOUS; or why it is refused. */
  principalOf(socket: TLSSocket): { principal: string } | { error: string };
}

export interface SaslListenerSettings {
  /** sasl.enabled.mechanisms, as configured (a mechanism Samsa lacks is answered UNSUPPORTED_SASL_MECHANISM). */
  readonly enabledMechanisms: readonly string[];
  readonly credentials: SaslCredentials;
  /**
   * connections.max.reauth.ms for a mechanism on this listener (KIP-368), as Kafka's SaslChannelBuilder reads it:
   * `listener.name.<l>.<mechanism>.connections.max.reauth.ms`, else the listener's or the broker's value; 0 = off.
   */
  readonly connectionsMaxReauthMs: (mechanism: string) => number;
}

export interface ListenerSecurity {
  /** Upper case, as in `listeners`. */
  readonly name: string;
  readonly protocol: SecurityProtocol;
  readonly tls: TlsListenerSettings | null;
  readonly sasl: SaslListenerSettings | null;
}

/** How this node connects to a listener of another node. */
export interface ClientSecurity {
  readonly tls: ClientTlsOptions | null;
  readonly sasl: SaslClientOptions | null;
}

/** A listener's security protocol: its map entry; a controller listener left out of the map speaks PLAINTEXT. */
export function protocolOf(config: BrokerConfig, listenerName: string): SecurityProtocol {
  return config.listenerSecurityProtocolMap[listenerName] ?? 'PLAINTEXT';
}

export function usesTls(protocol: SecurityProtocol): boolean {
  return protocol === 'SSL' || protocol === 'SASL_SSL';
}

export function usesSasl(protocol: SecurityProtocol): boolean {
  return protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL';
}

/** Kafka's security protocol ids, as BrokerRegistration carries them. */
export const SECURITY_PROTOCOL_IDS: Readonly<Record<SecurityProtocol, number>> = { PLAINTEXT: 0, SSL: 1, SASL_PLAINTEXT: 2, SASL_SSL: 3 };

/** The server side of one listener; `log` takes what happens later (a JWKS that cannot be fetched). Throws SecurityConfigError. */
export function listenerSecurity(config: BrokerConfig, listenerName: string, log: (line: string) => void = () => {}): ListenerSecurity {
  const protocol = protocolOf(config, listenerName);
  const values = new ListenerValues(config, listenerName);
  return {
    name: listenerName,
    protocol,
    tls: usesTls(protocol) ? tlsListenerSettings(values) : null,
    sasl: usesSasl(protocol) ? saslListenerSettings(values, log) : null,
  };
}

/** The TLS side of one listener alone (null for a listener without TLS): what a reload builds. Throws SecurityConfigError. */
export function listenerTlsSettings(config: BrokerConfig, listenerName: string): TlsListenerSettings | null {
  return usesTls(protocolOf(config, listenerName)) ? tlsListenerSettings(new ListenerValues(config, listenerName)) : null;
}

/**
 * The client side of a listener, for inter-broker and controller connections:
 * its trust store (and key store, for mutual TLS) and, on a SASL listener,
 * the mechanism named by `mechanismConfig` with that listener's JAAS username
 * and password. Throws SecurityConfigError.
 */
export function clientSecurityFor(config: BrokerConfig, listenerName: string, mechanismConfig: string): ClientSecurity {
  const protocol = protocolOf(config, listenerName);
  const values = new ListenerValues(config, listenerName);
  let tls: ClientTlsOptions | null = null;
  if (usesTls(protocol)) {
    const keys = keyStore(values, false);
    const ca = trustStore(values);
    const skipHostCheck = (values.text('ssl.endpoint.identification.algorithm') ?? '') === '';
    tls = {
      ...(ca === undefined ? {} : { ca }),
      ...(keys === null ? {} : { key: keys.key, cert: keys.certChain }),
      ...(values.text('ssl.key.password') === null ? {} : { passphrase: values.text('ssl.key.password')! }),
      ...versionRange(values),
      ...cipherSuites(values),
      ...(skipHostCheck ? { checkServerIdentity: () => undefined } : {}),
    };
  }
  let sasl: SaslClientOptions | null = null;
  if (usesSasl(protocol)) {
    const mechanism = String(values.value(mechanismConfig));
    if (!saslProtocol.CLIENT_SASL_MECHANISMS.includes(mechanism)) {
      throw new SecurityConfigError(invalidValueMessage(mechanismConfig, mechanism, `listener ${listenerName} needs a mechanism Samsa can log in with (${saslProtocol.CLIENT_SASL_MECHANISMS.join(', ')})`));
    }
    if (mechanism === 'OAUTHBEARER') {
      const login = oauthBearerLogin(oauthBearerValues(values), oauthBearerJaas(values), Date.now);
      return { tls, sasl: { mechanism, token: login.token, extensions: login.extensions } };
    }
    const jaas = jaasOf(values, mechanism);
    const username = jaas?.options.get('username');
    const password = jaas?.options.get('password');
    if (jaas === null || username === undefined || password === undefined) {
      throw new SecurityConfigError(`listener ${listenerName}: the ${mechanism} JAAS config needs username and password for this node's own connections (${jaasKeyFor(values, mechanism)})`);
    }
    sasl = { mechanism, username, password };
  }
  return { tls, sasl };
}

/** A listener's value of a config: `listener.name.<listener>.<name>`, else `<name>`, else its default; parsed and checked. */
class ListenerValues {
  readonly listenerName: string;
  private readonly raw: Readonly<Record<string, string>>;
  private readonly prefix: string;

  constructor(config: BrokerConfig, listenerName: string) {
    this.listenerName = listenerName;
    this.raw = config.raw;
    this.prefix = `listener.name.${listenerName.toLowerCase()}.`;
  }

  /** The key that supplies the value, or null when the default does. */
  keyOf(name: string): string | null {
    if (Object.hasOwn(this.raw, this.prefix + name)) return this.prefix + name;
    return Object.hasOwn(this.raw, name) ? name : null;
  }

  value(name: string): ConfigValue {
    const def = brokerConfigDef(name)!;
    const key = this.keyOf(name);
    const text = key === null ? def.default : this.raw[key]!;
    if (text === null) return null;
    const parsed = parseValue(def, text);
    if (!parsed.ok) throw new SecurityConfigError(invalidValueMessage(key ?? name, text, parsed.error));
    return parsed.value;
  }

  text(name: string): string | null {
    const v = this.value(name);
    return v === null ? null : String(v);
  }

  /** A mechanism's value: `listener.name.<listener>.<mechanism>.<name>` first, then as `value`. */
  mechanismValue(mechanism: string, name: string): ConfigValue {
    const key = `${mechanism.toLowerCase()}.${name}`;
    const text = this.prefixed(key);
    if (text === null) return this.value(name);
    const parsed = parseValue(brokerConfigDef(name)!, text);
    if (!parsed.ok) throw new SecurityConfigError(invalidValueMessage(this.prefix + key, text, parsed.error));
    return parsed.value;
  }

  mechanismKeyOf(mechanism: string, name: string): string {
    const key = `${mechanism.toLowerCase()}.${name}`;
    return this.prefixed(key) !== null ? this.prefix + key : this.keyOf(name) ?? name;
  }

  /** A raw key under this listener's prefix only (mechanism-scoped JAAS configs). */
  prefixed(name: string): string | null {
    return this.raw[this.prefix + name] ?? null;
  }
}

function tlsListenerSettings(values: ListenerValues): TlsListenerSettings {
  const keys = keyStore(values, true)!;
  const ca = trustStore(values);
  const clientAuth = values.text('ssl.client.auth') as ClientAuth;
  const passphrase = values.text('ssl.key.password');
  const serverOptions: TlsOptions = {
    key: keys.key, cert: keys.certChain,
    ...(passphrase === null ? {} : { passphrase }),
    ...(ca === undefined ? {} : { ca }),
    requestCert: clientAuth !== 'none',
    // `requested` lets a client without a certificate through; one that presents a bad certificate is refused below.
    rejectUnauthorized: clientAuth === 'required',
    ...versionRange(values),
    ...cipherSuites(values),
  };
  try {
    createSecureContext(serverOptions);
  } catch (e) {
    const source = values.keyOf('ssl.keystore.location') ?? values.keyOf('ssl.keystore.key') ?? 'ssl.keystore.location';
    throw new SecurityConfigError(`listener ${values.listenerName}: cannot use the key store of '${source}': ${(e as Error).message}`);
  }
  const rulesText = values.text('ssl.principal.mapping.rules')!;
  const rules = parseMappingRules(rulesText);
  if (typeof rules === 'string') throw new SecurityConfigError(invalidValueMessage('ssl.principal.mapping.rules', rulesText, rules));
  return {
    serverOptions,
    clientAuth,
    certificateChain: keys.certChain,
    hasTrustStore: ca !== undefined,
    allowDnChanges: values.value('ssl.allow.dn.changes') as boolean,
    allowSanChanges: values.value('ssl.allow.san.changes') as boolean,
    principalOf(socket) {
      if (clientAuth === 'none') return { principal: ANONYMOUS_PRINCIPAL };
      const peer = socket.getPeerCertificate();
      if (peer === null || peer.raw === undefined) return { principal: ANONYMOUS_PRINCIPAL };
      if (!socket.authorized) return { error: `client certificate refused: ${String(socket.authorizationError)}` };
      let dn: string;
      try {
        dn = subjectDn(peer.raw);
      } catch (e) {
        return { error: `cannot read the client certificate's subject: ${(e as Error).message}` };
      }
      const name = mapDn(rules, dn);
      if (name === null) return { error: `no ssl.principal.mapping.rules entry matches '${dn}'` };
      return { principal: userPrincipal(name) };
    },
  };
}

/** The key store, or null when none is configured and `required` is false. */
function keyStore(values: ListenerValues, required: boolean): KeyMaterial | null {
  const location = values.text('ssl.keystore.location');
  const inlineKey = values.text('ssl.keystore.key');
  const inlineChain = values.text('ssl.keystore.certificate.chain');
  if (location === null && inlineKey === null && inlineChain === null) {
    if (!required) return null;
    throw new SecurityConfigError(`listener ${values.listenerName} needs a key store: set ssl.keystore.location (PEM) or ssl.keystore.key and ssl.keystore.certificate.chain`);
  }
  requirePem(values, 'ssl.keystore.type');
  if (location !== null) {
    if (inlineKey !== null) throw new SecurityConfigError(`listener ${values.listenerName}: set either ssl.keystore.location or ssl.keystore.key, not both`);
    const text = readConfiguredFile(values.keyOf('ssl.keystore.location')!, location);
    return keyMaterialOf(`invalid value '${location}' for config '${values.keyOf('ssl.keystore.location')}'`, text, text);
  }
  if (inlineKey === null || inlineChain === null) {
    throw new SecurityConfigError(`listener ${values.listenerName}: ssl.keystore.key and ssl.keystore.certificate.chain go together`);
  }
  return keyMaterialOf(`config '${values.keyOf('ssl.keystore.key')}'`, inlineKey, inlineChain);
}

/** The trusted certificates, or undefined for the system's CAs. */
function trustStore(values: ListenerValues): string[] | undefined {
  const location = values.text('ssl.truststore.location');
  const inline = values.text('ssl.truststore.certificates');
  if (location === null && inline === null) return undefined;
  requirePem(values, 'ssl.truststore.type');
  if (location !== null && inline !== null) {
    throw new SecurityConfigError(`listener ${values.listenerName}: set either ssl.truststore.location or ssl.truststore.certificates, not both`);
  }
  if (location !== null) {
    const key = values.keyOf('ssl.truststore.location')!;
    return trustedCertificatesOf(`invalid value '${location}' for config '${key}'`, readConfiguredFile(key, location));
  }
  return trustedCertificatesOf(`config '${values.keyOf('ssl.truststore.certificates')}'`, inline!);
}

function requirePem(values: ListenerValues, typeConfig: string): void {
  const type = values.text(typeConfig)!;
  if (type.toUpperCase() !== 'PEM') {
    throw new SecurityConfigError(invalidValueMessage(values.keyOf(typeConfig) ?? typeConfig, type, 'Samsa reads PEM stores only; set it to PEM'));
  }
}

const TLS_VERSIONS: readonly SecureVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

function versionRange(values: ListenerValues): { minVersion: SecureVersion; maxVersion: SecureVersion } {
  const enabled = values.value('ssl.enabled.protocols') as string[];
  const indexes = enabled.map((v) => TLS_VERSIONS.indexOf(v as SecureVersion)).filter((i) => i >= 0).sort();
  if (indexes.length === 0) throw new SecurityConfigError(invalidValueMessage('ssl.enabled.protocols', enabled.join(','), 'no TLS version enabled'));
  return { minVersion: TLS_VERSIONS[indexes[0]!]!, maxVersion: TLS_VERSIONS[indexes[indexes.length - 1]!]! };
}

/** ssl.cipher.suites: nothing when empty (OpenSSL's defaults), else only the listed suites. */
function cipherSuites(values: ListenerValues): { ciphers?: string } {
  const suites = values.value('ssl.cipher.suites') as string[];
  if (suites.every((s) => s.trim() === '')) return {};
  const list = opensslCipherList(suites);
  if ('unknown' in list) {
    throw new SecurityConfigError(invalidValueMessage(values.keyOf('ssl.cipher.suites') ?? 'ssl.cipher.suites', suites.join(','), `unknown cipher suite ${list.unknown}`));
  }
  return { ciphers: list.ciphers };
}

function oauthBearerValues(values: ListenerValues): OAuthBearerValues {
  return {
    listenerName: values.listenerName,
    value: (name) => values.mechanismValue('OAUTHBEARER', name),
    keyOf: (name) => values.mechanismKeyOf('OAUTHBEARER', name),
  };
}

function oauthBearerJaas(values: ListenerValues): OAuthBearerJaas | null {
  const jaas = jaasOf(values, 'OAUTHBEARER');
  return jaas === null ? null : { loginModule: jaas.loginModule, options: jaas.options, key: jaasKeyFor(values, 'OAUTHBEARER') };
}

function saslListenerSettings(values: ListenerValues, log: (line: string) => void): SaslListenerSettings {
  const enabledMechanisms = (values.value('sasl.enabled.mechanisms') as string[]).map((m) => m.toUpperCase());
  const plainUsers = new Map<string, string>();
  if (enabledMechanisms.includes('PLAIN')) {
    const jaas = jaasOf(values, 'PLAIN');
    if (jaas === null) {
      throw new SecurityConfigError(`listener ${values.listenerName} enables SASL/PLAIN but has no JAAS config: set listener.name.${values.listenerName.toLowerCase()}.plain.sasl.jaas.config`);
    }
    if (!jaas.loginModule.endsWith('PlainLoginModule')) {
      throw new SecurityConfigError(`${jaasKeyFor(values, 'PLAIN')}: PLAIN needs org.apache.kafka.common.security.plain.PlainLoginModule, not ${jaas.loginModule}`);
    }
    for (const [key, value] of jaas.options) {
      if (key.startsWith('user_') && key.length > 'user_'.length) plainUsers.set(key.slice('user_'.length), value);
    }
  }
  const reauthMs = new Map<string, number>();
  for (const mechanism of enabledMechanisms) reauthMs.set(mechanism, connectionsMaxReauthMs(values, mechanism));
  const oauthBearer = enabledMechanisms.includes('OAUTHBEARER')
    ? oauthBearerValidator(oauthBearerValues(values), oauthBearerJaas(values), Date.now, log) : undefined;
  return {
    enabledMechanisms,
    connectionsMaxReauthMs: (mechanism) => reauthMs.get(mechanism) ?? 0,
    credentials: {
      plainPassword: (username) => plainUsers.get(username) ?? null,
      // SCRAM credentials live in the metadata image: the broker role swaps in its lookup (withScramCredentials).
      scramCredential: () => null,
      ...(oauthBearer === undefined ? {} : { oauthBearer }),
    },
  };
}

function connectionsMaxReauthMs(values: ListenerValues, mechanism: string): number {
  const scopedKey = `${mechanism.toLowerCase()}.connections.max.reauth.ms`;
  const scoped = values.prefixed(scopedKey);
  if (scoped === null) return values.value('connections.max.reauth.ms') as number;
  const parsed = parseValue(brokerConfigDef('connections.max.reauth.ms')!, scoped);
  const key = `listener.name.${values.listenerName.toLowerCase()}.${scopedKey}`;
  if (!parsed.ok) throw new SecurityConfigError(invalidValueMessage(key, scoped, parsed.error));
  return parsed.value as number;
}

/** Whether any enabled mechanism is one Samsa implements (a listener offering none can authenticate nobody). */
export function hasUsableMechanism(settings: SaslListenerSettings): boolean {
  return settings.enabledMechanisms.some((m) => SUPPORTED_SASL_MECHANISMS.includes(m));
}

interface JaasEntry {
  readonly loginModule: string;
  readonly flag: string;
  readonly options: ReadonlyMap<string, string>;
}

function jaasKeyFor(values: ListenerValues, mechanism: string): string {
  const scoped = `${mechanism.toLowerCase()}.sasl.jaas.config`;
  if (values.prefixed(scoped) !== null) return `listener.name.${values.listenerName.toLowerCase()}.${scoped}`;
  return values.keyOf('sasl.jaas.config') ?? `listener.name.${values.listenerName.toLowerCase()}.${scoped}`;
}

/** The JAAS config for a mechanism on a listener: `listener.name.<l>.<mechanism>.sasl.jaas.config`, else `[listener.name.<l>.]sasl.jaas.config`. */
function jaasOf(values: ListenerValues, mechanism: string): JaasEntry | null {
  const text = values.prefixed(`${mechanism.toLowerCase()}.sasl.jaas.config`) ?? values.text('sasl.jaas.config');
  if (text === null) return null;
  const parsed = parseJaas(text);
  if (typeof parsed === 'string') throw new SecurityConfigError(`invalid value for config '${jaasKeyFor(values, mechanism)}': ${parsed}`);
  return parsed;
}

/**
 * One JAAS login module entry as Kafka's `sasl.jaas.config` holds it:
 * `<LoginModule class> <flag> key="value" key2=value2;`. A small reader
 * for the PLAIN wiring here; the SASL mechanisms bring a complete one.
 */
function parseJaas(text: string): JaasEntry | string {
  const tokens: string[] = [];
  const TOKEN = /\s*(?:"((?:\\.|[^"\\])*)"|([^\s=;"]+)|(=)|(;))/y;
  const kinds: ('word' | 'quoted' | '=' | ';')[] = [];
  let at = 0;
  const source = text.trim();
  while (at < source.length) {
    TOKEN.lastIndex = at;
    const m = TOKEN.exec(source);
    if (m === null) {
      if (source.slice(at).trim() === '') break;
      return `cannot read the JAAS config at '${source.slice(at, at + 20)}'`;
    }
    at = TOKEN.lastIndex;
    if (m[1] !== undefined) { tokens.push(m[1].replace(/\\(.)/g, '$1')); kinds.push('quoted'); }
    else if (m[2] !== undefined) { tokens.push(m[2]); kinds.push('word'); }
    else if (m[3] !== undefined) { tokens.push('='); kinds.push('='); }
    else { tokens.push(';'); kinds.push(';'); }
  }
  if (kinds[0] !== 'word' || kinds[1] !== 'word') return 'expected a login module class and a control flag';
  const flag = tokens[1]!;
  if (!['required', 'requisite', 'sufficient', 'optional'].includes(flag)) return `unknown control flag '${flag}'`;
  const options = new Map<string, string>();
  let i = 2;
  for (; i < tokens.length && kinds[i] !== ';'; i += 3) {
    if (kinds[i] !== 'word' || kinds[i + 1] !== '=' || (kinds[i + 2] !== 'quoted' && kinds[i + 2] !== 'word')) {
      return `expected key=value after '${tokens.slice(0, i).join(' ')}'`;
    }
    options.set(tokens[i]!, tokens[i + 2]!);
  }
  if (kinds[i] !== ';') return 'the login module entry must end with \';\'';
  if (i + 1 < tokens.length) return 'only one login module entry is supported';
  return { loginModule: tokens[0]!, flag, options };
}


/** The listener's security with delegation-token logins (SCRAM with tokenauth=true) checked by `tokens`. */
export function withTokenCredentials(
  security: ListenerSecurity, tokens: NonNullable<SaslCredentials['delegationToken']>,
): ListenerSecurity {
  if (security.sasl === null) return security;
  return { ...security, sasl: { ...security.sasl, credentials: { ...security.sasl.credentials, delegationToken: tokens } } };
}

/** The listener's security with SCRAM credentials looked up in the metadata image at each login. */
export function withScramCredentials(security: ListenerSecurity, lookup: SaslCredentials['scramCredential']): ListenerSecurity {
  if (security.sasl === null) return security;
  return { ...security, sasl: { ...security.sasl, credentials: { ...security.sasl.credentials, scramCredential: lookup } } };
}
