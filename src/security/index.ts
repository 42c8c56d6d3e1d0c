// TLS, SASL and principals: what a listener's security protocol asks of a connection; the SASL mechanisms (PLAIN,
// SCRAM-SHA-256/512, OAUTHBEARER with its token validators) and JAAS parsing; client quotas (quotas.ts); the ACL authorizer.
export {
  SECURITY_PROTOCOL_IDS, clientSecurityFor, hasUsableMechanism, listenerSecurity, listenerTlsSettings, protocolOf, usesSasl, usesTls, withScramCredentials, withTokenCredentials,
  type ClientAuth, type ClientSecurity, type ListenerSecurity, type SaslListenerSettings, type TlsListenerSettings,
} from './listener-security.ts';
export { SecurityConfigError } from './pem.ts';
export { leafCertificate, tlsReloadRefusal } from './tls-reload.ts';
export { opensslCipherList } from './cipher-suites.ts';
export { ANONYMOUS_PRINCIPAL, mapDn, parseMappingRules, subjectDn, userPrincipal } from './principal.ts';
export { SaslAuthenticator, sessionLifetimeMs, type SaslSession, type SaslVerdict } from './sasl-authenticator.ts';
export {
  SUPPORTED_SASL_MECHANISMS, createSaslServer, type SaslCredentials, type SaslServer, type SaslStep, type ScramCredential,
} from './sasl/sasl-server.ts';
export { PlainSaslServer } from './sasl/plain-server.ts';
export { ScramSaslServer, nonceAccepted } from './sasl/scram-server.ts';
export { OAuthBearerSaslServer, type BearerTokenValidator, type TokenVerdict } from './sasl/oauthbearer-server.ts';
export { UnsecuredTokenValidator } from './sasl/oauthbearer-unsecured.ts';
export { JwtTokenValidator, type JwtValidatorSettings } from './sasl/jwt-validator.ts';
export { JwksFile, JwksHttp, parseJwks, type JwksSource, type VerificationKey } from './sasl/jwks.ts';
export { OAUTHBEARER_LOGIN_MODULE, oauthBearerLogin, oauthBearerValidator, type OAuthBearerLogin, type OAuthBearerValues } from './sasl/oauthbearer-config.ts';
export {
  JaasConfigError, PLAIN_LOGIN_MODULE, SCRAM_LOGIN_MODULE, clientLogin, listenerJaasConfigKey, parseJaasConfig, parseJaasEntries, plainUsers,
  serverJaasEntry, type JaasControlFlag, type JaasEntry,
} from './sasl/jaas.ts';
export { brokerSaslCredentials } from './sasl/credentials.ts';
export { ControllerMutationQuotaManager, TokenBucket, debtThrottleMs, type ControllerMutationQuota } from './controller-mutation-quota.ts';
export { DelegationTokenCredentials } from './sasl/delegation-token-credentials.ts';
export {
  ClientQuotaManager, ClientQuotas, QuotaKey, SampledRate, principalUser, throttleTimeMs,
  type QuotaEntityView, type QuotaEntry, type QuotaWindowConfig,
} from './quotas.ts';
export {
  LEGACY_AUTHORIZER_CLASS, STANDARD_AUTHORIZER_CLASS, StandardAuthorizer, authorizerFromConfig, type AuthorizableAction, type AuthorizerOptions,
} from './authorizer/index.ts';
