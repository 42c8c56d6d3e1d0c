// TLS, SASL, principals, ACLs and quotas. So far: the SASL mechanisms (PLAIN, SCRAM-SHA-256/512) and JAAS config parsing.
export {
  SUPPORTED_SASL_MECHANISMS, createSaslServer, type SaslCredentials, type SaslServer, type SaslStep, type ScramCredential,
} from './sasl/sasl-server.ts';
export { PlainSaslServer } from './sasl/plain-server.ts';
export { ScramSaslServer, nonceAccepted } from './sasl/scram-server.ts';
export {
  JaasConfigError, PLAIN_LOGIN_MODULE, SCRAM_LOGIN_MODULE, clientLogin, listenerJaasConfigKey, parseJaasConfig, parseJaasEntries, plainUsers,
  serverJaasEntry, type JaasControlFlag, type JaasEntry,
} from './sasl/jaas.ts';
export { brokerSaslCredentials } from './sasl/credentials.ts';
