// TLS, SASL and principals: what a listener's security protocol asks of a connection. ACLs and quotas come later.
export {
  SECURITY_PROTOCOL_IDS, clientSecurityFor, hasUsableMechanism, listenerSecurity, protocolOf, usesSasl, usesTls,
  type ClientAuth, type ClientSecurity, type ListenerSecurity, type SaslListenerSettings, type TlsListenerSettings,
} from './listener-security.ts';
export { SecurityConfigError } from './pem.ts';
export { ANONYMOUS_PRINCIPAL, mapDn, parseMappingRules, subjectDn, userPrincipal } from './principal.ts';
export { SaslAuthenticator, type SaslVerdict } from './sasl-authenticator.ts';
export { SUPPORTED_SASL_MECHANISMS, createSaslServer, type SaslCredentials, type SaslServer, type SaslStep, type ScramCredential } from './sasl/sasl-server.ts';
